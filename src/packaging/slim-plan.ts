/**
 * Slim packages, the pure decisions: whether a package goes slim, the
 * limits that then apply, the function's ephemeral storage, and the
 * cold-start estimate shown in the job summary. No I/O.
 *
 * A slim package is the function zip (bootstrap, adapter or handler, the
 * user's code) plus a dependencies archive that the function downloads and
 * unpacks into /tmp at cold start (runtime/python/_lambda_deploy_slim.py).
 * Lambda's 250 MB unzipped limit then applies to the function zip and its
 * layers only; the dependencies are bounded by the ephemeral storage, which
 * goes up to 10,240 MB.
 */
import type { SlimSetting } from '../model/settings.js';
import {
  formatBytes,
  formatCount,
  largestParts,
  UNZIPPED_LIMIT_BYTES,
  type SizeEntry,
} from './size-check.js';

export type { SlimSetting };

const MB = 1024 * 1024;
/** Lambda's ephemeral storage (/tmp): 512 MB by default and at least, 10,240 MB at most. */
export const EPHEMERAL_MIN_MB = 512;
export const EPHEMERAL_MAX_MB = 10_240;
/** Room over the unpacked tree: folders, the __pycache__ Python writes on import. */
export const STORAGE_HEADROOM = 0.1;
/** What the function keeps for its own use of /tmp: the 512 MB it had before. */
export const STORAGE_FOR_FUNCTION_MB = 512;
/** Storage is rounded up to a multiple of this, so a small change in the dependencies does not change the configuration. */
export const STORAGE_STEP_MB = 128;
/** Lambda gives a function one vCPU at this much memory, and CPU in proportion below it. */
export const MEMORY_PER_VCPU_MB = 1769;
/** Lambda's limit on a function's init phase (on demand). */
export const INIT_LIMIT_SECONDS = 10;

export interface SlimDecisionInput {
  setting: SlimSetting;
  python: boolean;
  /** Unzipped bytes of what stays in the function zip (code, adapter, generated files). */
  functionBytes: number;
  /** Unzipped bytes of the installed requirements. */
  dependencyBytes: number;
  dependencyFiles: number;
  /** Unzipped bytes of the attached layers, counted in Lambda's limit. */
  layerBytes: number;
}

export interface SlimDecision {
  slim: boolean;
  /** One sentence for the log: why (or why not). */
  reason: string;
  /** Set when the user asked for slim and does not get it. */
  warning?: string;
}

export function decideSlim(input: SlimDecisionInput): SlimDecision {
  const total = input.functionBytes + input.dependencyBytes + input.layerBytes;
  if (input.setting === 'false') return { slim: false, reason: 'slim: false' };
  if (!input.python) return { slim: false, reason: 'slim packages are for Python runtimes' };
  if (input.dependencyFiles === 0) {
    const reason = 'there are no installed requirements to move out of the function zip';
    return input.setting === 'true'
      ? { slim: false, reason, warning: `slim: true, but ${reason}; the package is built as usual.` }
      : { slim: false, reason };
  }
  if (input.setting === 'true') return { slim: true, reason: 'slim: true' };
  if (total > UNZIPPED_LIMIT_BYTES)
    return {
      slim: true,
      reason: `slim: auto, and the package would be ${formatBytes(total)} unzipped, over Lambda's ${formatBytes(UNZIPPED_LIMIT_BYTES)} limit`,
    };
  return {
    slim: false,
    reason: `slim: auto, and the package fits Lambda's ${formatBytes(UNZIPPED_LIMIT_BYTES)} limit (${formatBytes(total)} unzipped)`,
  };
}

/** The function's ephemeral storage in MB for a tree taking `diskBytes` on disk, or undefined past Lambda's ceiling. */
export function ephemeralStorageMb(diskBytes: number): number | undefined {
  const needed = Math.ceil((diskBytes * (1 + STORAGE_HEADROOM)) / MB) + STORAGE_FOR_FUNCTION_MB;
  const rounded = Math.ceil(needed / STORAGE_STEP_MB) * STORAGE_STEP_MB;
  if (needed > EPHEMERAL_MAX_MB) return undefined;
  return Math.max(EPHEMERAL_MIN_MB, Math.min(rounded, EPHEMERAL_MAX_MB));
}

export interface SlimSizeInput {
  /** The unpacked tree's size on disk (whole blocks, folders). */
  dependencyDiskBytes: number;
  dependencyBytes: number;
  /** The dependencies' files, to name the largest in an error. */
  dependencies: readonly SizeEntry[];
}

/**
 * The limit of a slim package's dependencies: the tree, with headroom, must
 * fit Lambda's largest ephemeral storage. (The function zip and its layers
 * keep the 250 MB limit: size-check.ts.)
 */
export function checkSlimSize(input: SlimSizeInput): string | undefined {
  if (ephemeralStorageMb(input.dependencyDiskBytes) !== undefined) return undefined;
  const parts = largestParts(input.dependencies);
  const width = Math.max(0, ...parts.map((p) => p.path.length));
  return [
    `The dependencies are too large even for a slim package: ${formatBytes(input.dependencyBytes)} unpacked ` +
      `(${formatBytes(input.dependencyDiskBytes)} on disk) plus ${STORAGE_HEADROOM * 100}% headroom and ` +
      `${STORAGE_FOR_FUNCTION_MB} MB for the function's own use do not fit Lambda's largest ephemeral storage ` +
      `(/tmp) of ${formatCount(EPHEMERAL_MAX_MB)} MB.`,
    'Largest parts of the dependencies:',
    ...parts.map(
      (p) =>
        `  ${p.path.padEnd(width)}  ${formatBytes(p.bytes).padStart(9)}  (${formatCount(p.bytes)} bytes)`,
    ),
    'What to do: drop requirements the function does not use (CPU-only builds of ML libraries are much smaller), ' +
      'or deploy a container image instead (up to 10 GB).',
  ].join('\n');
}

export interface UnpackMeasurement {
  /** Wall time of the unpack step in the build (read, hash, inflate, write, rename). */
  seconds: number;
  /** Its CPU time. */
  cpuSeconds: number;
}

export interface ColdStartEstimate {
  /** The measured figure, one line. */
  measured: string;
  /** CPU share at the function's memory and what it does to the figure, one line. */
  atMemory: string;
  /** Seconds expected at the function's memory, the download not included. */
  estimatedSeconds: number;
  /** When the estimate reaches the init limit or the timeout. */
  warning?: string;
}

/**
 * The cold-start cost of a slim package from the unpack measured in this
 * build (the same code the function runs, reading the archive from disk).
 * Lambda scales CPU with memory (one vCPU at 1,769 MB), so the CPU part of
 * the measurement is scaled by that share; the download comes on top and
 * overlaps the unpack, so it is named, not estimated.
 */
export function coldStartEstimate(
  measurement: UnpackMeasurement,
  archiveBytes: number,
  memoryMb: number,
  timeoutSeconds: number,
): ColdStartEstimate {
  const share = Math.min(1, memoryMb / MEMORY_PER_VCPU_MB);
  const cpu = Math.min(measurement.cpuSeconds, measurement.seconds);
  const estimatedSeconds = measurement.seconds - cpu + cpu / share;
  const measured = `unpack measured in this build: ${measurement.seconds.toFixed(1)} s (CPU ${measurement.cpuSeconds.toFixed(1)} s), plus downloading ${formatBytes(archiveBytes)} from S3 while it unpacks`;
  const atMemory =
    share < 1
      ? `at memory ${memoryMb} MB Lambda gives the function ${share.toFixed(2)} of a vCPU (one at ${formatCount(MEMORY_PER_VCPU_MB)} MB): expect about ${estimatedSeconds.toFixed(1)} s of unpacking at each cold start`
      : `at memory ${memoryMb} MB the function has a full vCPU: expect about ${estimatedSeconds.toFixed(1)} s of unpacking at each cold start`;
  let warning: string | undefined;
  if (estimatedSeconds >= timeoutSeconds)
    warning = `The cold start of this slim package (about ${estimatedSeconds.toFixed(1)} s of unpacking at memory ${memoryMb} MB) may not fit the function's timeout of ${timeoutSeconds} s: raise memory (more CPU) or timeout.`;
  else if (estimatedSeconds >= INIT_LIMIT_SECONDS)
    warning = `The cold start of this slim package (about ${estimatedSeconds.toFixed(1)} s of unpacking at memory ${memoryMb} MB) may pass Lambda's ${INIT_LIMIT_SECONDS} s init limit; Lambda then runs the init again within the first request (and its ${timeoutSeconds} s timeout). Raise memory for more CPU.`;
  return { measured, atMemory, estimatedSeconds, warning };
}
