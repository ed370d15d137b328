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
  /** Mean size of the Python files (default 5,000 bytes). */
  pythonMeanBytes?: number;
  /** JavaScript files laid out like a `node_modules` folder (default none). */
  jsFiles?: number;
  /** Mean size of the JavaScript files (default 2,150 bytes). */
  jsMeanBytes?: number;
  /** Add the small executable `bin/run-tool` (default true). */
  tool?: boolean;
}

export const DEFAULT_TREE: TreeSpec = {
  seed: 20240601,
  pythonFiles: 10_000,
  binaryFiles: 600,
  compressedFiles: 250,
  largeBinaries: 3,
  largeBinaryBytes: 8 * 1024 * 1024,
};

/** A tree shape of the packaging benchmark, named as in its table. */
export interface TreeShape {
  id: string;
  label: string;
  spec: TreeSpec;
  /** Only with BENCH_LARGE=1: it takes minutes. */
  large?: boolean;
}

/** Ten times DEFAULT_TREE: 108,531 files, ~1.9 GB. */
const TEN_TIMES: TreeSpec = {
  ...DEFAULT_TREE,
  seed: 20240610,
  pythonFiles: 100_000,
  binaryFiles: 6_000,
  compressedFiles: 2_500,
  largeBinaries: 30,
};

/** The shapes users have: the issue-16 table, smallest first within the default run. */
export const TREE_SHAPES: readonly TreeShape[] = [
  {
    // A typical small function: below the file count that starts the zip threads (THREADS_AFTER_FILES).
    id: 'tiny',
    label: '0.85 MB, 151 files',
    spec: {
      ...DEFAULT_TREE,
      seed: 150,
      pythonFiles: 150,
      binaryFiles: 0,
      compressedFiles: 0,
      largeBinaries: 0,
    },
  },
  {
    id: 'small',
    label: '5.5 MB, 1,001 files',
    spec: {
      ...DEFAULT_TREE,
      seed: 7,
      pythonFiles: 1_000,
      binaryFiles: 0,
      compressedFiles: 0,
      largeBinaries: 0,
    },
  },
  { id: 'default', label: '190 MB, 10,854 files', spec: DEFAULT_TREE },
  {
    id: 'node-modules',
    label: '121 MB, 50,001 small files',
    spec: {
      seed: 50_001,
      pythonFiles: 0,
      binaryFiles: 0,
      compressedFiles: 0,
      largeBinaries: 0,
      largeBinaryBytes: 0,
      jsFiles: 50_000,
    },
  },
  {
    id: 'one-file',
    label: 'one 200 MB file',
    spec: {
      seed: 200,
      pythonFiles: 0,
      binaryFiles: 0,
      compressedFiles: 0,
      largeBinaries: 1,
      largeBinaryBytes: 200 * 1000 * 1000,
      tool: false,
    },
  },
  { id: 'huge', label: '1.87 GB, 108,531 files', spec: TEN_TIMES, large: true },
  {
    id: '5gb',
    label: '5 GB, 108,561 files',
    spec: { ...TEN_TIMES, seed: 5_000, largeBinaries: 60, largeBinaryBytes: 52 * 1000 * 1000 },
    large: true,
  },
];

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

  /** CommonJS like a transpiled npm package: requires, functions, an export list. */
  javascript(targetBytes: number): string {
    const lines: string[] = ["'use strict';", ''];
    for (let i = 0; i < 1 + this.int(5); i++)
      lines.push(`const ${this.word()} = require('./${this.word()}');`);
    let size = lines.join('\n').length;
    const exported: string[] = [];
    while (size < targetBytes) {
      const name = this.word();
      exported.push(name);
      const args = Array.from({ length: this.int(4) }, () => this.word());
      const block = [
        '',
        `/** ${this.sentence(6 + this.int(10))}. */`,
        `function ${name}(${args.join(', ')}) {`,
      ];
      for (let s = 0; s < 2 + this.int(8); s++) {
        const r = this.random();
        if (r < 0.3) block.push(`  const ${this.word()} = ${this.word()}.${this.word()}(${this.int(100)});`);
        else if (r < 0.55)
          block.push(
            `  if (${this.word()} === undefined) {`,
            `    return ${this.word()}[${this.int(10)}];`,
            '  }',
          );
        else if (r < 0.7) block.push(`  // ${this.sentence(5 + this.int(8))}`);
        else if (r < 0.85) block.push(`  throw new TypeError(\`${this.sentence(4)} \${${this.word()}}\`);`);
        else
          block.push(
            `  ${this.word()}.push({ ${this.word()}: ${this.word()}, ${this.word()}: ${this.int(9999)} });`,
          );
      }
      block.push(`  return ${this.word()};`, '}');
      const text = block.join('\n');
      lines.push(text);
      size += text.length + 1;
    }
    lines.push('', `module.exports = { ${exported.join(', ')} };`);
    return `${lines.join('\n')}\n`;
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

interface TreeFile {
  path: string;
  data: Buffer | string;
  mode?: number;
}

/** The tree's files, generated one at a time in a fixed order. */
function* treeFiles(spec: TreeSpec): Generator<TreeFile> {
  const random = prng(spec.seed);
  const text = new Text(random);
  const packages = Array.from({ length: 40 }, (_, i) => `${text.word()}${i}`);
  const pkg = (): string => packages[Math.floor(random() * packages.length)] as string;
  const size = (mean: number): number => Math.max(64, Math.round(-Math.log(1 - random()) * mean));

  for (let i = 0; i < spec.pythonFiles; i++) {
    const depth = Math.floor(random() * 3);
    const dirs = Array.from({ length: depth }, () => text.word());
    yield {
      path: join(pkg(), ...dirs, `${text.word()}_${i}.py`),
      data: text.python(size(spec.pythonMeanBytes ?? 5_000)),
    };
  }
  for (let i = 0; i < spec.binaryFiles; i++)
    yield {
      path: join(pkg(), `_${text.word()}_${i}.cpython-312-x86_64-linux-gnu.so`),
      data: binary(random, text, size(150_000)),
      mode: 0o755,
    };
  for (let i = 0; i < spec.largeBinaries; i++)
    yield {
      path: join(`${pkg()}.libs`, `lib${text.word()}-${i}.so.0`),
      data: binary(random, text, spec.largeBinaryBytes),
      mode: 0o755,
    };
  for (let i = 0; i < spec.compressedFiles; i++)
    yield { path: join(pkg(), 'data', `${text.word()}_${i}.gz`), data: randomBytes(random, size(80_000)) };
  // node_modules: a few hundred packages of ~120 files, each with package.json and a few lib/ folders.
  const jsPackages = Array.from({ length: Math.ceil((spec.jsFiles ?? 0) / 120) }, (_, i) => ({
    name: i % 5 === 0 ? `@${text.word()}/${text.word()}-${i}` : `${text.word().replace(/_/g, '-')}-${i}`,
    dirs: [
      [],
      ...Array.from({ length: 5 }, () => Array.from({ length: 1 + text.int(2) }, () => text.word())),
    ],
  }));
  for (let i = 0; i < (spec.jsFiles ?? 0); i++) {
    const p = jsPackages[Math.floor(i / 120)]!;
    if (i % 120 === 0) {
      yield {
        path: join('node_modules', p.name, 'package.json'),
        data: `${JSON.stringify({ name: p.name, version: `${text.int(9)}.${text.int(20)}.${text.int(30)}`, main: 'lib/index.js', description: text.sentence(10) }, null, 2)}\n`,
      };
      continue;
    }
    const dirs = p.dirs[text.int(p.dirs.length)]!;
    yield {
      path: join('node_modules', p.name, 'lib', ...dirs, `${text.word()}-${i}.js`),
      data: text.javascript(size(spec.jsMeanBytes ?? 2_150)),
    };
  }
  if (spec.tool ?? true) yield { path: join('bin', 'run-tool'), data: '#!/bin/sh\necho tool\n', mode: 0o755 };
}

/**
 * Writes the tree into `root`; the same spec always gives the same files.
 * Files are written as they are generated, a few at a time, so a tree of
 * gigabytes never sits in memory.
 */
export async function generateTree(root: string, spec: TreeSpec = DEFAULT_TREE): Promise<TreeStats> {
  let files = 0;
  let bytes = 0;
  const made = new Set<string>();
  const writing = new Set<Promise<void>>();
  for (const f of treeFiles(spec)) {
    const path = join(root, f.path);
    const dir = dirname(path);
    if (!made.has(dir)) {
      await mkdir(dir, { recursive: true });
      made.add(dir);
    }
    const write = (async () => {
      await writeFile(path, f.data);
      if (f.mode) await chmod(path, f.mode);
    })();
    writing.add(write);
    void write.finally(() => writing.delete(write)).catch(() => undefined);
    files++;
    bytes += typeof f.data === 'string' ? Buffer.byteLength(f.data) : f.data.length;
    if (writing.size >= 16) await Promise.race(writing);
  }
  await Promise.all(writing);
  return { files, bytes };
}
