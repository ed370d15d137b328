import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A deterministic, realistic Lambda package tree: what site-packages of a
 * data-heavy Python app looks like. Python source (compresses ~4x), native
 * extension-like binaries (partly compressible, like .so files) and
 * already-compressed data (random bytes), plus a few executables.
 */
export interface TreeSpec {
  seed: number;
  pythonFiles: number;
  binaryFiles: number;
  compressedFiles: number;
  /** Big native libraries, like libopenblas in numpy.libs/. */
  largeBinaries: number;
  largeBinaryBytes: number;
}

export const DEFAULT_TREE: TreeSpec = {
  seed: 20240601,
  pythonFiles: 10_000,
  binaryFiles: 600,
  compressedFiles: 250,
  largeBinaries: 3,
  largeBinaryBytes: 8 * 1024 * 1024,
};

export interface TreeStats {
  files: number;
  bytes: number;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  'get',
  'set',
  'data',
  'frame',
  'index',
  'value',
  'parse',
  'load',
  'dump',
  'array',
  'node',
  'tree',
  'cache',
  'client',
  'request',
  'response',
  'buffer',
  'stream',
  'config',
  'item',
  'key',
  'map',
  'list',
  'table',
  'column',
  'row',
  'shape',
  'dtype',
  'block',
  'chunk',
  'reader',
  'writer',
  'session',
  'token',
  'auth',
  'http',
  'url',
  'path',
  'file',
  'name',
  'type',
  'size',
  'count',
  'offset',
  'limit',
  'field',
  'schema',
  'model',
  'query',
  'result',
];
const KEYWORDS = [
  'if',
  'for',
  'return',
  'while',
  'elif',
  'else:',
  'try:',
  'except',
  'with',
  'yield',
  'raise',
  'assert',
  'import',
  'from',
  'not',
  'and',
  'or',
  'is',
  'None',
  'True',
  'False',
  'self',
];

class Text {
  private readonly words: string[];
  constructor(private readonly random: () => number) {
    this.words = [];
    for (let i = 0; i < 600; i++) {
      const n = 1 + Math.floor(random() * 3);
      const parts: string[] = [];
      for (let j = 0; j < n; j++) parts.push(this.pick(SYLLABLES));
      this.words.push(parts.join('_'));
    }
  }
  pick<T>(list: readonly T[]): T {
    // Skewed choice: real code reuses a few names a lot.
    const r = this.random();
    return list[Math.floor(r * r * list.length)] as T;
  }
  word(): string {
    return this.pick(this.words);
  }
  sentence(n: number): string {
    const w: string[] = [];
    for (let i = 0; i < n; i++) w.push(this.random() < 0.15 ? this.pick(KEYWORDS) : this.word());
    return w.join(' ');
  }
  int(max: number): number {
    return Math.floor(this.random() * max);
  }

  python(targetBytes: number): string {
    const lines: string[] = [
      '# -*- coding: utf-8 -*-',
      `"""${this.sentence(8)}.`,
      '',
      `${this.sentence(12)}.`,
      '"""',
      'from __future__ import annotations',
      '',
    ];
    for (let i = 0; i < 3 + this.int(6); i++)
      lines.push(`from .${this.word()} import ${this.word()}, ${this.word()}`);
    let size = lines.join('\n').length;
    while (size < targetBytes) {
      const block: string[] = [];
      if (this.random() < 0.3) {
        block.push(
          '',
          '',
          `class ${this.word().replace(/(^|_)(\w)/g, (_m, _u, c: string) => c.toUpperCase())}(${this.word()}):`,
        );
        block.push(`    """${this.sentence(10)}."""`, '');
      }
      const indent = block.length ? '    ' : '';
      const args = Array.from({ length: this.int(4) }, () => this.word());
      block.push(`${indent}def ${this.word()}(${[...(indent ? ['self'] : []), ...args].join(', ')}):`);
      block.push(
        `${indent}    """${this.sentence(6 + this.int(10))}.`,
        '',
        `${indent}    ${this.sentence(12)}.`,
        `${indent}    """`,
      );
      for (let s = 0; s < 3 + this.int(12); s++) {
        const r = this.random();
        if (r < 0.25)
          block.push(
            `${indent}    ${this.word()} = ${this.word()}.${this.word()}(${this.word()}, ${this.int(1000)})`,
          );
        else if (r < 0.45)
          block.push(
            `${indent}    if ${this.word()} is not None and ${this.word()} > ${this.int(100)}:`,
            `${indent}        return ${this.word()}[${this.int(10)}]`,
          );
        else if (r < 0.6)
          block.push(
            `${indent}    for ${this.word()} in ${this.word()}.${this.word()}():`,
            `${indent}        ${this.word()}.append(${this.word()})`,
          );
        else if (r < 0.75) block.push(`${indent}    # ${this.sentence(6 + this.int(8))}`);
        else if (r < 0.85)
          block.push(`${indent}    raise ${this.word()}Error(f"${this.sentence(5)} {${this.word()}!r}")`);
        else
          block.push(
            `${indent}    ${this.word()} = {"${this.word()}": ${this.word()}, "${this.word()}": ${this.int(99999)}}`,
          );
      }
      block.push(`${indent}    return ${this.word()}`);
      const text = block.join('\n');
      lines.push(text);
      size += text.length + 1;
    }
    return `${lines.join('\n')}\n`;
  }
}

/** Binary that compresses like a native extension: code-like patterns, symbol strings, padding, noise. */
function binary(random: () => number, text: Text, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  out.write('\x7fELF\x02\x01\x01', 0, 'latin1');
  const patterns = Array.from({ length: 64 }, () =>
    Array.from({ length: 6 }, () => Math.floor(random() * 256)),
  );
  let o = 64;
  while (o < bytes) {
    const r = random();
    const len = Math.min(bytes - o, 64 + Math.floor(random() * 448));
    if (r < 0.45) {
      // instructions: a common opcode sequence with random operands
      for (let i = 0; i < len;) {
        const p = patterns[Math.floor(random() * random() * patterns.length)] as number[];
        for (let j = 0; j < p.length && i < len; j++, i++) out[o + i] = p[j] as number;
        for (let j = 0; j < 2 && i < len; j++, i++) out[o + i] = Math.floor(random() * 256);
      }
    } else if (r < 0.6) {
      out.write(
        `${text.word()}\0_ZN${text.word()}${text.int(99)}${text.word()}Ev\0`.repeat(8),
        o,
        len,
        'latin1',
      );
    } else if (r < 0.72) {
      // zero padding between sections: already zero
    } else {
      randomBytes(random, len).copy(out, o);
    }
    o += len;
  }
  return out;
}

function randomBytes(random: () => number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  const words = Math.floor(bytes / 4);
  for (let i = 0; i < words; i++) out.writeUInt32LE(Math.floor(random() * 4294967296), i * 4);
  for (let i = words * 4; i < bytes; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** Writes the tree into `root`; the same spec always gives the same files. */
export async function generateTree(root: string, spec: TreeSpec = DEFAULT_TREE): Promise<TreeStats> {
  const random = prng(spec.seed);
  const text = new Text(random);
  const packages = Array.from({ length: 40 }, (_, i) => `${text.word()}${i}`);
  const files: { path: string; data: Buffer | string; mode?: number }[] = [];
  const pkg = (): string => packages[Math.floor(random() * packages.length)] as string;
  const size = (mean: number): number => Math.max(64, Math.round(-Math.log(1 - random()) * mean));

  for (let i = 0; i < spec.pythonFiles; i++) {
    const depth = Math.floor(random() * 3);
    const dirs = Array.from({ length: depth }, () => text.word());
    files.push({ path: join(pkg(), ...dirs, `${text.word()}_${i}.py`), data: text.python(size(5_000)) });
  }
  for (let i = 0; i < spec.binaryFiles; i++)
    files.push({
      path: join(pkg(), `_${text.word()}_${i}.cpython-312-x86_64-linux-gnu.so`),
      data: binary(random, text, size(150_000)),
      mode: 0o755,
    });
  for (let i = 0; i < spec.largeBinaries; i++)
    files.push({
      path: join(`${pkg()}.libs`, `lib${text.word()}-${i}.so.0`),
      data: binary(random, text, spec.largeBinaryBytes),
      mode: 0o755,
    });
  for (let i = 0; i < spec.compressedFiles; i++)
    files.push({
      path: join(pkg(), 'data', `${text.word()}_${i}.gz`),
      data: randomBytes(random, size(80_000)),
    });
  files.push({ path: join('bin', 'run-tool'), data: '#!/bin/sh\necho tool\n', mode: 0o755 });

  let bytes = 0;
  const dirs = new Set(files.map((f) => dirname(join(root, f.path))));
  for (const d of dirs) await mkdir(d, { recursive: true });
  const queue = [...files];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const path = join(root, f.path);
        await writeFile(path, f.data);
        if (f.mode) await chmod(path, f.mode);
        bytes += typeof f.data === 'string' ? Buffer.byteLength(f.data) : f.data.length;
      }
    }),
  );
  return { files: files.length, bytes };
}
