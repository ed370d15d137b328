import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import { type BuildPackageDeps, type BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import type { CommandRunner } from '../../src/packaging/command-runner.js';
import { RecordingLogger } from '../../src/util/logger.js';

/** A temp folder per test file, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `lambda-deploy-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface PythonZipEntry {
  name: string;
  mode: number;
  compress_type: number;
  date_time: number[];
  file_size: number;
  create_system: number;
  flag_bits: number;
  extra: number;
}

/** Reads a zip with Python's zipfile: every CRC checked (testzip), entries described. */
export function pythonZipInfo(zipPath: string): { bad: string | null; entries: PythonZipEntry[] } {
  const script = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    entries = [dict(name=i.filename, mode=i.external_attr >> 16, compress_type=i.compress_type,
                    date_time=list(i.date_time), file_size=i.file_size, create_system=i.create_system,
                    flag_bits=i.flag_bits, extra=len(i.extra)) for i in z.infolist()]
print(json.dumps(dict(bad=bad, entries=entries)))
`;
  return JSON.parse(
    execFileSync('python3', ['-c', script, zipPath], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
  );
}

export function haveCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/**
 * Builds a minimal pure-Python wheel (py3-none-any) into `dir` with our zip
 * writer: the module, METADATA, WHEEL and RECORD, as pip expects.
 */
export async function buildWheel(
  dir: string,
  name: string,
  version: string,
  source: string,
): Promise<string> {
  const { createHash } = await import('node:crypto');
  const { writeZip } = await import('../../src/packaging/zip-writer.js');
  const distInfo = `${name}-${version}.dist-info`;
  const files: Record<string, Buffer> = {
    [`${name}/__init__.py`]: Buffer.from(source),
    [`${distInfo}/METADATA`]: Buffer.from(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`),
    [`${distInfo}/WHEEL`]: Buffer.from(
      'Wheel-Version: 1.0\nGenerator: lambda-deploy-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    ),
  };
  const record = Object.entries(files)
    .map(([path, data]) => {
      const digest = createHash('sha256').update(data).digest('base64url');
      return `${path},sha256=${digest},${data.length}\n`;
    })
    .join('');
  files[`${distInfo}/RECORD`] = Buffer.from(`${record}${distInfo}/RECORD,,\n`);
  const wheel = join(dir, `${name}-${version}-py3-none-any.whl`);
  await writeZip(
    wheel,
    Object.entries(files).map(([path, data]) => ({ name: path, data })),
  );
  return wheel;
}

/** A lockfile's text without its recorded hashes: the fixtures' are PyPI's (or zeros), not those of the wheels tests build. */
export function withoutLockedHashes(lock: string): string {
  return lock.replace(/,\s*hash = "sha256:[0-9a-f]+"/g, '');
}

/** An export's requirement lines without their `--hash` options. */
export function withoutHashOptions<T extends object>(exported: T): T {
  if (!('requirements' in exported) || !Array.isArray(exported.requirements)) return exported;
  const requirements = (exported.requirements as string[]).map((l) => l.replace(/ --hash=\S+/g, ''));
  return { ...exported, requirements };
}

/** An export's requirement lines (none when it says the lock is unsupported). */
export function requirementLines(exported: object): string[] {
  return 'requirements' in exported && Array.isArray(exported.requirements)
    ? (exported.requirements as string[])
    : [];
}

/** Writes `files` (path relative to dir: content) below dir, making their folders. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** Packages the Node.js function `index.handler` in path (nodejs22.x, no pip), with a logger that records. */
export async function buildNodeFunction(
  path: string,
  outDir: string,
  overrides: Partial<BuildPackageOptions> = {},
  deps: Omit<BuildPackageDeps, 'logger'> = {},
) {
  const logger = new RecordingLogger();
  const result = await buildPackage(
    {
      name: 'api',
      path,
      runtime: 'nodejs22.x',
      architecture: 'x86_64',
      handler: 'index.handler',
      app: undefined,
      requirements: undefined,
      pipArgs: [],
      include: [],
      exclude: [],
      dependenciesLayer: false,
      outDir,
      ...overrides,
    },
    { logger, ...deps },
  );
  return { zipPath: result.zipPath, sourceFiles: result.sourceFiles, logger };
}

/**
 * Unzips the package into a temp folder outside any project (no node_modules
 * above it) and runs `code` there with Node.js, as Lambda would load the
 * handler: what it prints, or the "Cannot find module" error.
 */
export function runUnzipped(
  zipPath: string,
  code = "require('./index.js').handler().then(console.log)",
): string {
  const { dir: out, cleanup } = tempDir('unzipped');
  try {
    execFileSync('python3', ['-m', 'zipfile', '-e', zipPath, out]);
    return execFileSync('node', ['-e', code], { cwd: out, encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch (e) {
    return /Cannot find module '[^']+'/.exec(String((e as { stderr?: string }).stderr))?.[0] ?? String(e);
  } finally {
    cleanup();
  }
}

/** Stands in for pip: records the call, answers as told. */
export function fakeRunner(
  answer: { exitCode: number; output: string },
  effect?: (args: readonly string[]) => void,
) {
  const calls: { command: string; args: readonly string[]; env?: NodeJS.ProcessEnv; cwd?: string }[] = [];
  const runner: CommandRunner = {
    async run(command, args, options) {
      calls.push({ command, args, env: options?.env, cwd: options?.cwd });
      effect?.(args);
      return answer;
    },
  };
  return { runner, calls };
}
