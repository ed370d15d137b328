/**
 * What an ELF shared object asks of the system that loads it: the libraries
 * it links (DT_NEEDED), its program interpreter (PT_INTERP) and the symbol
 * versions it needs from each library (DT_VERNEED, the `.gnu.version_r`
 * section). Read the way the dynamic loader reads them, through the program
 * headers, so a stripped file works too; only the bytes needed are read.
 */

/** Reads up to `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

export interface ElfDependencies {
  /** DT_NEEDED sonames, in order. */
  needed: string[];
  /** PT_INTERP, e.g. /lib/ld-musl-x86_64.so.1 (executables only). */
  interpreter?: string;
  /**
   * DT_VERNEED: per library, the versions needed (`libc.so.6`: `GLIBC_2.2.5`, `GLIBC_2.38`).
   * Weak ones (VER_FLG_WEAK in vna_flags) are left out: glibc's loader loads the file without them.
   */
  versionNeeds: { file: string; versions: string[] }[];
}

/** A field outside the file or past a sane bound: the file is not what its header says. */
class Malformed extends Error {}

// Caps that no real shared object reaches: a corrupt count never makes us read megabytes or loop long.
const MAX_READ = 1 << 20;
const MAX_ENTRIES = 4096;
const MAX_NAME = 512;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_VERNEED = 0x6ffffffe;
const DT_VERNEEDNUM = 0x6fffffff;
const VER_FLG_WEAK = 0x2;

interface Layout {
  is64: boolean;
  le: boolean;
}

/** An unsigned field of 2, 4 or 8 bytes in the file's byte order. */
function field(bytes: Buffer, at: number, size: 2 | 4 | 8, { le }: Layout): number {
  if (at < 0 || at + size > bytes.length) throw new Malformed('field outside the read bytes');
  if (size === 2) return le ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at);
  if (size === 4) return le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
  const big = le ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Malformed('offset beyond any file');
  return Number(big);
}

async function readExact(read: ReadAt, offset: number, length: number): Promise<Buffer> {
  if (length > MAX_READ || offset < 0) throw new Malformed('read out of bounds');
  const got = await read(offset, length);
  if (got.byteLength < length) throw new Malformed('truncated');
  return Buffer.from(got.buffer, got.byteOffset, length);
}

/** A NUL-terminated string at `offset`, read in one small piece. */
async function stringAt(read: ReadAt, offset: number, limit = MAX_NAME): Promise<string> {
  const got = Buffer.from(await read(offset, limit));
  const end = got.indexOf(0);
  if (end < 0) throw new Malformed('unterminated string');
  return got.toString('latin1', 0, end);
}

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

async function segments(read: ReadAt, header: Buffer, layout: Layout): Promise<Segment[]> {
  const w = layout.is64 ? 8 : 4;
  const phoff = field(header, layout.is64 ? 32 : 28, w, layout);
  const entsize = field(header, layout.is64 ? 54 : 42, 2, layout);
  const count = field(header, layout.is64 ? 56 : 44, 2, layout);
  if (count > MAX_ENTRIES || entsize < (layout.is64 ? 56 : 32)) throw new Malformed('program headers');
  const table = await readExact(read, phoff, count * entsize);
  return Array.from({ length: count }, (_, i) => {
    const at = i * entsize;
    // Elf64_Phdr puts p_flags second; Elf32_Phdr puts it after p_memsz.
    return layout.is64
      ? {
          type: field(table, at, 4, layout),
          offset: field(table, at + 8, 8, layout),
          vaddr: field(table, at + 16, 8, layout),
          filesz: field(table, at + 32, 8, layout),
        }
      : {
          type: field(table, at, 4, layout),
          offset: field(table, at + 4, 4, layout),
          vaddr: field(table, at + 8, 4, layout),
          filesz: field(table, at + 16, 4, layout),
        };
  });
}

/** The dynamic section's entries we use; d_val of others is never converted. */
async function dynamicEntries(read: ReadAt, dynamic: Segment, layout: Layout): Promise<[number, number][]> {
  const size = layout.is64 ? 16 : 8;
  const count = Math.min(Math.floor(dynamic.filesz / size), MAX_ENTRIES);
  const bytes = await readExact(read, dynamic.offset, count * size);
  const wanted = new Set([DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_VERNEED, DT_VERNEEDNUM]);
  const entries: [number, number][] = [];
  for (let at = 0; at < bytes.length; at += size) {
    // d_tag is signed; the tags we want are small positive numbers in its low word either way.
    const high = layout.is64 ? field(bytes, layout.le ? at + 4 : at, 4, layout) : 0;
    const tag = field(bytes, layout.is64 && !layout.le ? at + 4 : at, 4, layout);
    if (high === 0 && tag === 0) break; // DT_NULL
    if (high === 0 && wanted.has(tag))
      entries.push([tag, field(bytes, at + size / 2, layout.is64 ? 8 : 4, layout)]);
  }
  return entries;
}

/** The file offset of a virtual address, through the PT_LOAD segment that maps it. */
function fileOffset(loads: readonly Segment[], address: number): number {
  const load = loads.find((s) => address >= s.vaddr && address < s.vaddr + s.filesz);
  if (!load) throw new Malformed('address not in the file');
  return load.offset + (address - load.vaddr);
}

async function versionNeeds(
  read: ReadAt,
  name: (offset: number) => Promise<string>,
  start: number,
  count: number,
  layout: Layout,
): Promise<ElfDependencies['versionNeeds']> {
  const needs: ElfDependencies['versionNeeds'] = [];
  // One bound over both chains: counts alone (4096 x 65535) would still allow millions of reads.
  let records = 0;
  const record = (at: number): Promise<Buffer> => {
    if (++records > MAX_ENTRIES) throw new Malformed('too many version records');
    return readExact(read, at, 16);
  };
  // Elf32_Verneed and Elf64_Verneed are alike (16 bytes), as are their Vernaux entries.
  for (let i = 0, at = start; i < count; i++) {
    const verneed = await record(at);
    if (field(verneed, 0, 2, layout) !== 1) throw new Malformed('unknown Verneed version');
    const versions: string[] = [];
    for (let j = 0, aux = at + field(verneed, 8, 4, layout); j < field(verneed, 2, 2, layout); j++) {
      const vernaux = await record(aux);
      // Elfxx_Vernaux: vna_hash, vna_flags (2 bytes at 4), vna_other, vna_name (at 8), vna_next (at 12).
      if (!(field(vernaux, 4, 2, layout) & VER_FLG_WEAK))
        versions.push(await name(field(vernaux, 8, 4, layout)));
      const next = field(vernaux, 12, 4, layout);
      if (!next) break;
      aux += next;
    }
    needs.push({ file: await name(field(verneed, 4, 4, layout)), versions });
    const next = field(verneed, 12, 4, layout);
    if (!next) break;
    at += next;
  }
  return needs;
}

async function parse(read: ReadAt): Promise<ElfDependencies | undefined> {
  const header = Buffer.from(await read(0, 64));
  if (header.length < 52 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  if (![1, 2].includes(header[4]!) || ![1, 2].includes(header[5]!)) return undefined;
  const layout: Layout = { is64: header[4] === 2, le: header[5] === 1 };
  const all = await segments(read, header, layout);
  const loads = all.filter((s) => s.type === PT_LOAD);
  const interp = all.find((s) => s.type === PT_INTERP);
  const dynamic = all.find((s) => s.type === PT_DYNAMIC);
  const interpreter = interp
    ? await stringAt(read, interp.offset, Math.min(interp.filesz, MAX_NAME))
    : undefined;
  const result: ElfDependencies = { needed: [], versionNeeds: [], ...(interpreter && { interpreter }) };
  if (!dynamic) return result;
  const entries = await dynamicEntries(read, dynamic, layout);
  const value = (tag: number) => entries.find(([t]) => t === tag)?.[1];
  const strtab = value(DT_STRTAB);
  const strsz = value(DT_STRSZ);
  if (strtab === undefined || strsz === undefined) return result;
  const strings = fileOffset(loads, strtab);
  const name = (offset: number): Promise<string> => {
    if (offset >= strsz) throw new Malformed('name outside the string table');
    return stringAt(read, strings + offset, Math.min(MAX_NAME, strsz - offset));
  };
  for (const [tag, v] of entries) if (tag === DT_NEEDED) result.needed.push(await name(v));
  const verneed = value(DT_VERNEED);
  if (verneed !== undefined)
    result.versionNeeds = await versionNeeds(
      read,
      name,
      fileOffset(loads, verneed),
      value(DT_VERNEEDNUM) ?? 0,
      layout,
    );
  return result;
}

/**
 * The dependencies of an ELF file; undefined for anything else, and for a
 * truncated or malformed file (unknown, so never a reason to fail a build).
 */
export async function elfDependencies(read: ReadAt): Promise<ElfDependencies | undefined> {
  try {
    return await parse(read);
  } catch {
    return undefined;
  }
}

/** Versions glibc added without a GLIBC_x.y name: DT_RELR packed relocations came with 2.36. */
const GLIBC_MARKERS: Record<string, readonly [number, number]> = { GLIBC_ABI_DT_RELR: [2, 36] };

/** The newest glibc the file needs, and the version name that says so; undefined when it needs none. */
export function glibcNeeded(
  deps: ElfDependencies,
): { glibc: readonly [number, number]; version: string } | undefined {
  let best: { glibc: readonly [number, number]; version: string } | undefined;
  for (const version of deps.versionNeeds.flatMap((n) => n.versions)) {
    const m = /^GLIBC_(\d+)\.(\d+)(?:\.\d+)?$/.exec(version);
    const glibc = m ? ([Number(m[1]), Number(m[2])] as const) : GLIBC_MARKERS[version];
    if (glibc && (!best || compareVersions(glibc, best.glibc) > 0)) best = { glibc, version };
  }
  return best;
}

/** libstdc++'s two version series: each newer GCC adds GLIBCXX_3.4.n, and often CXXABI_1.3.n. */
export type CxxSeries = 'GLIBCXX' | 'CXXABI';
const CXX_VERSION = /^(GLIBCXX)_3\.4(?:\.(\d+))?$|^(CXXABI)_1\.3(?:\.(\d+))?$/;

/**
 * The newest version of each series the file needs of the system's
 * libstdc++.so.6. A copy the package bundles (auditwheel renames it,
 * libstdc++-1a2b3c4d.so.6.0.32, and the needs with it) is not the system's.
 */
export function libstdcxxNeeded(
  deps: ElfDependencies,
): { series: CxxSeries; level: number; version: string }[] {
  const newest = new Map<CxxSeries, { series: CxxSeries; level: number; version: string }>();
  for (const version of deps.versionNeeds
    .filter((n) => n.file === 'libstdc++.so.6')
    .flatMap((n) => n.versions)) {
    const m = CXX_VERSION.exec(version);
    if (!m) continue;
    const series = (m[1] ?? m[3]) as CxxSeries;
    const level = Number(m[2] ?? m[4] ?? 0);
    if (level > (newest.get(series)?.level ?? -1)) newest.set(series, { series, level, version });
  }
  // GLIBCXX first: the one a loader usually names.
  return [...newest.values()].sort((a, b) => b.series.localeCompare(a.series));
}

export function compareVersions(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** Linked against musl (Alpine): its loader as interpreter, or its libc as a needed library. */
export function linksMusl(deps: ElfDependencies): boolean {
  return (
    /\/ld-musl-[^/]*$/.test(deps.interpreter ?? '') ||
    deps.needed.some((n) => /^libc\.musl-|^ld-musl-/.test(n))
  );
}
