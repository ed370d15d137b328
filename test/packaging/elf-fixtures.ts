/** Crafted ELF files for the tests of compiled code: layouts no compiler here produces (32-bit, big-endian, musl). */

export interface Craft {
  /** e_machine: 62 (x86_64) unless given. */
  machine?: number;
  is64: boolean;
  le: boolean;
  needed?: string[];
  interpreter?: string;
  /** Version needs; those in `weak` carry VER_FLG_WEAK in their vna_flags. */
  needs?: { file: string; versions: string[]; weak?: string[] }[];
}

/**
 * A minimal shared object as a linker lays it out: one PT_LOAD mapping the
 * whole file at VADDR, PT_DYNAMIC, PT_INTERP when asked, a string table and
 * the Verneed/Vernaux chain. No section headers: the loader needs none.
 */
export function crafted({ is64, le, machine = 62, needed = [], interpreter, needs = [] }: Craft): Buffer {
  const VADDR = 0x400000;
  const bytes = Buffer.alloc(4096);
  const put = (at: number, size: 2 | 4 | 8, v: number) => {
    if (size === 8) void (le ? bytes.writeBigUInt64LE(BigInt(v), at) : bytes.writeBigUInt64BE(BigInt(v), at));
    else if (size === 4) void (le ? bytes.writeUInt32LE(v, at) : bytes.writeUInt32BE(v, at));
    else void (le ? bytes.writeUInt16LE(v, at) : bytes.writeUInt16BE(v, at));
  };
  const w = is64 ? 8 : 4;
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1]).copy(bytes);
  put(16, 2, 3); // ET_DYN
  put(18, 2, machine);
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = interpreter ? 3 : 2;
  put(is64 ? 32 : 28, w, ehsize);
  put(is64 ? 54 : 42, 2, phentsize);
  put(is64 ? 56 : 44, 2, phnum);
  // The string table, at 0x200.
  let strings = '\0';
  const str = (s: string) => ((strings += `${s}\0`), strings.length - s.length - 1);
  const neededAt = needed.map(str);
  const needsAt = needs.map((n) => ({
    file: str(n.file),
    versions: n.versions.map(str),
    weak: n.versions.map((v) => n.weak?.includes(v) ?? false),
  }));
  bytes.write(strings, 0x200, 'latin1');
  if (interpreter) bytes.write(`${interpreter}\0`, 0x180, 'latin1');
  // Verneed entries at 0x600, each followed by its Vernaux entries.
  let at = 0x600;
  needsAt.forEach((n, i) => {
    put(at, 2, 1);
    put(at + 2, 2, n.versions.length);
    put(at + 4, 4, n.file);
    put(at + 8, 4, 16);
    put(at + 12, 4, i === needsAt.length - 1 ? 0 : 16 * (n.versions.length + 1));
    n.versions.forEach((name, j) => {
      if (n.weak[j]) put(at + 16 * (j + 1) + 4, 2, 0x2); // VER_FLG_WEAK
      put(at + 16 * (j + 1) + 8, 4, name);
      put(at + 16 * (j + 1) + 12, 4, j === n.versions.length - 1 ? 0 : 16);
    });
    at += 16 * (n.versions.length + 1);
  });
  // The dynamic section at 0x800.
  const dyn: [number, number][] = [
    ...neededAt.map((n): [number, number] => [1, n]),
    [5, VADDR + 0x200],
    [10, strings.length],
    ...(needs.length
      ? [[0x6ffffffe, VADDR + 0x600] as [number, number], [0x6fffffff, needs.length] as [number, number]]
      : []),
    [0, 0],
  ];
  dyn.forEach(([tag, val], i) => {
    put(0x800 + i * 2 * w, w, tag);
    put(0x800 + i * 2 * w + w, w, val);
  });
  const segment = (i: number, type: number, offset: number, size: number) => {
    const p = ehsize + i * phentsize;
    put(p, 4, type);
    if (is64) [offset, VADDR + offset, VADDR + offset, size].forEach((v, k) => put(p + 8 + k * 8, 8, v));
    else [offset, VADDR + offset, VADDR + offset, size].forEach((v, k) => put(p + 4 + k * 4, 4, v));
  };
  segment(0, 1, 0, bytes.length);
  segment(1, 2, 0x800, dyn.length * 2 * w);
  if (interpreter) segment(2, 3, 0x180, interpreter.length + 1);
  return bytes;
}
