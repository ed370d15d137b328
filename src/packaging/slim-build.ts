/**
 * Slim packages, the build side: the dependencies archive, and the unpack
 * step timed with the very module the function runs at cold start
 * (runtime/python/_lambda_deploy_slim.py), reading the archive from disk.
 * That measurement is the cold-start figure of the job summary, and it
 * proves the archive unpacks before anything is uploaded.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeAssetsDir } from '../util/assets.js';
import { SLIM_ARCHIVE_EXTENSION, writeSlimArchive, type SlimArchiveResult } from './slim-archive.js';
import type { UnpackMeasurement } from './slim-plan.js';
import type { ZipEntrySource } from './zip-writer.js';

export const SLIM_MODULE = '_lambda_deploy_slim';
export const SLIM_HANDLER = `${SLIM_MODULE}.handler`;
export const SLIM_FILE = `${SLIM_MODULE}.py`;

/** The loader shipped with the action: runtime/python/_lambda_deploy_slim.py. */
export function slimModulePath(): string {
  return join(runtimeAssetsDir(), 'python', SLIM_FILE);
}

export interface UnpackResult extends UnpackMeasurement {
  files: number;
  bytes: number;
}

/**
 * Unpacks `archive` with the cold-start module under `python` into a
 * temporary folder standing in for /tmp, checks its SHA-256 like the
 * function does, times it, and removes the tree.
 */
export async function measureSlimUnpack(
  python: string,
  archive: string,
  sha256Hex: string,
  options: { tempParent?: string; modulePath?: string } = {},
): Promise<UnpackResult> {
  const into = await mkdtemp(join(options.tempParent ?? tmpdir(), 'lambda-deploy-unpack-'));
  try {
    const args = [
      options.modulePath ?? slimModulePath(),
      'unpack',
      archive,
      '--sha256',
      sha256Hex,
      '--into',
      into,
    ];
    const { code, stdout, stderr } = await run(python, args);
    if (code !== 0)
      throw new Error(
        `The dependencies archive ${archive} does not unpack with ${python} (exit ${code}): ${stderr.trim() || stdout.trim()}`,
      );
    const stats = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Partial<UnpackResult>;
    if (typeof stats.seconds !== 'number' || typeof stats.files !== 'number')
      throw new Error(`the unpack measurement printed no figures: ${stdout.trim()}`);
    return {
      seconds: stats.seconds,
      cpuSeconds: stats.cpuSeconds ?? stats.seconds,
      files: stats.files,
      bytes: stats.bytes ?? 0,
    };
  } finally {
    await rm(into, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-16_384)));
    child.on('error', (error) =>
      reject(
        new Error(`could not run ${command} to measure the unpack of the dependencies: ${error.message}`),
      ),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** A written dependencies archive with its measured unpack. */
export interface SlimArtifact extends SlimArchiveResult {
  unpack: UnpackResult;
}

/** Writes `{outDir}/{baseName}-{sha12}.tar.gz` and measures its unpack. */
export async function buildSlimArtifact(
  outDir: string,
  baseName: string,
  sources: readonly ZipEntrySource[],
  python: string,
): Promise<SlimArtifact> {
  const temp = join(outDir, `.${baseName}-${process.pid}-${randomBytes(4).toString('hex')}.partial`);
  try {
    const written = await writeSlimArchive(temp, sources);
    const path = join(outDir, `${baseName}-${written.sha256Hex.slice(0, 12)}${SLIM_ARCHIVE_EXTENSION}`);
    await rename(temp, path);
    const unpack = await measureSlimUnpack(python, path, written.sha256Hex, { tempParent: outDir });
    if (unpack.files !== written.files)
      throw new Error(`the dependencies archive unpacked ${unpack.files} files, it holds ${written.files}`);
    return { ...written, path, unpack };
  } finally {
    await rm(temp, { force: true });
  }
}
