import { open } from 'node:fs/promises';
import type { Architecture } from '../model/settings.js';
import { Inputs } from '../settings/names.js';
import { settingOf, type Surface } from '../settings/surface.js';

/** What a compiled file's header says it runs on. */
export interface BinaryPlatform {
  os: 'Linux' | 'macOS' | 'Windows';
  /** uname-style: x86_64, aarch64, i386, arm, or `machine N` */
  machine: string;
  /** The file format, when the OS alone does not say it (Mach-O, PE). */
  format?: string;
}

/** ELF e_machine values (the System V ABI's list) of the processors one meets. */
const ELF_MACHINES: Record<number, string> = { 3: 'i386', 40: 'arm', 62: 'x86_64', 183: 'aarch64' };
/** Mach-O cputype values (mach/machine.h). */
const MACHO_CPUS: Record<number, string> = { 0x01000007: 'x86_64', 0x0100000c: 'arm64', 7: 'i386' };

/** Reads the platform from the first bytes of a compiled file; undefined for anything else. */
export function binaryPlatform(header: Uint8Array): BinaryPlatform | undefined {
  const bytes = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (bytes.length >= 20 && bytes.readUInt32BE(0) === 0x7f454c46) {
    // EI_DATA (byte 5) says the byte order of e_machine: 1 little-endian, 2 big-endian.
    const machine = bytes[5] === 2 ? bytes.readUInt16BE(18) : bytes.readUInt16LE(18);
    return { os: 'Linux', machine: ELF_MACHINES[machine] ?? `machine ${machine}` };
  }
  if (bytes.length >= 8) {
    const magic = bytes.readUInt32LE(0);
    if (magic === 0xfeedfacf || magic === 0xfeedface) {
      const cpu = bytes.readUInt32LE(4);
      return { os: 'macOS', machine: MACHO_CPUS[cpu] ?? `cpu ${cpu}`, format: 'Mach-O' };
    }
    if (bytes.readUInt32BE(0) === 0xcafebabe) return { os: 'macOS', machine: 'universal', format: 'Mach-O' };
  }
  if (bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a)
    return { os: 'Windows', machine: 'unknown', format: 'PE' };
  return undefined;
}

/** The uname machine of a Lambda architecture. */
export function lambdaMachine(architecture: Architecture): string {
  return architecture === 'arm64' ? 'aarch64' : 'x86_64';
}

export function describePlatform(p: BinaryPlatform): string {
  return `${p.os} ${p.machine}${p.format ? ` (${p.format})` : ''}`;
}

/**
 * A Node.js addon Lambda could load: not one node-gyp-build's loader picks
 * among per platform (`prebuilds/<platform>-<arch>/`), and not for another OS
 * or processor. Files whose header is unknown are left alone.
 */
export function foreignAddon(
  path: string,
  header: Uint8Array,
  architecture: Architecture,
): BinaryPlatform | undefined {
  if (!path.endsWith('.node') || /(^|\/)prebuilds\//.test(path)) return undefined;
  const platform = binaryPlatform(header);
  if (!platform) return undefined;
  return platform.os === 'Linux' && platform.machine === lambdaMachine(architecture) ? undefined : platform;
}

async function readHeader(absPath: string): Promise<Buffer> {
  const file = await open(absPath, 'r');
  try {
    const header = Buffer.alloc(64);
    const { bytesRead } = await file.read(header, 0, 64, 0);
    return header.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/**
 * Fails when node_modules holds a native addon built for another platform:
 * npm on the runner (or a Mac) builds or downloads addons for the machine it
 * runs on, and the function then fails at `require` on Lambda.
 */
export async function checkNodeAddons(
  files: readonly { path: string; absPath: string }[],
  options: { runtime: string; architecture: Architecture },
  surface?: Surface,
): Promise<void> {
  const foreign: { path: string; platform: BinaryPlatform }[] = [];
  for (const f of files.filter((file) => file.path.endsWith('.node'))) {
    const platform = foreignAddon(f.path, await readHeader(f.absPath), options.architecture);
    if (platform) foreign.push({ path: f.path, platform });
  }
  if (foreign.length)
    throw new Error(foreignAddonMessage(foreign, { ...options, ...(surface && { surface }) }));
}

function foreignAddonMessage(
  foreign: readonly { path: string; platform: BinaryPlatform }[],
  options: { runtime: string; architecture: Architecture; surface?: Surface },
): string {
  const [first, ...others] = foreign as [(typeof foreign)[number], ...(typeof foreign)[number][]];
  const machine = lambdaMachine(options.architecture);
  const cpu = options.architecture === 'arm64' ? 'arm64' : 'x64';
  const version = /^nodejs(\d+)/.exec(options.runtime)?.[1] ?? '22';
  const shown = others.slice(0, 5).map((o) => `${o.path} (${describePlatform(o.platform)})`);
  if (others.length > 5) shown.push(`and ${others.length - 5} more`);
  const other: Architecture = options.architecture === 'arm64' ? 'x86_64' : 'arm64';
  return [
    `${first.path} is a native addon for ${describePlatform(first.platform)}, but the function runs on Linux ${machine} (${settingOf(options.surface ?? 'action', Inputs.Architecture, options.architecture)}): Lambda cannot load it.${shown.length ? ` So are: ${shown.join(', ')}.` : ''}`,
    'npm builds or downloads a native addon for the machine it runs on, not for Lambda.',
    'What to do:',
    `  - install the dependencies for Lambda before packaging: npm ci --os=linux --cpu=${cpu} (npm 10.1 or newer; a package with prebuilt binaries per platform, like sharp, then installs the Linux ${cpu} one);`,
    `  - an addon compiled at install (node-gyp) must be built on Linux ${machine}: run npm ci in public.ecr.aws/lambda/nodejs:${version}${options.architecture === 'arm64' ? ' on an arm64 runner (ubuntu-24.04-arm)' : ''};`,
    ...(first.platform.os === 'Linux' && first.platform.machine === lambdaMachine(other)
      ? [
          `  - or run the function on ${other}, as the addon is: ${settingOf(options.surface ?? 'action', Inputs.Architecture, other)}.`,
        ]
      : []),
  ].join('\n');
}
