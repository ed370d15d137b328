/**
 * Lambda's package size limits, decided before anything leaves the machine.
 *
 * - Unzipped: the function's code and all its layers together may not
 *   exceed 262,144,000 bytes. Over it the build fails.
 * - Zipped: 52,428,800 bytes is the limit of a direct upload (ZipFile in
 *   the API call). lambda-deploy always uploads through S3, where that limit
 *   does not apply (only the unzipped one does), so a bigger zip is reported
 *   as a note, not a warning or an error.
 */
import { Inputs } from '../settings/names.js';
import { inputName, settingOf, type Surface } from '../settings/surface.js';

export const UNZIPPED_LIMIT_BYTES = 262_144_000;
export const DIRECT_UPLOAD_LIMIT_BYTES = 52_428_800;
/** Above this share of the unzipped limit a warning says the package is close to it. */
export const NEAR_LIMIT_SHARE = 0.9;

export interface SizeEntry {
  /** A top-level folder (`numpy/`) or file of the package. */
  path: string;
  bytes: number;
}

export interface SizeCheckInput {
  unpackedBytes: number;
  /** Zip size; undefined before the zip is written. */
  packageBytes?: number;
  /** Unzipped size of the layers the function uses (counted in the same limit). */
  layerBytes?: number;
  /** The package's files (path, size), to name the largest parts in an error. */
  files?: readonly SizeEntry[];
  /** Who reads the advice of an error: the action's inputs (default) or the CLI's flags. */
  surface?: Surface;
}

export interface SizeCheckResult {
  /** Set when Lambda would refuse the package. */
  error?: string;
  warnings: string[];
  notes: string[];
}

/**
 * Sizes in the unit AWS states its limits in: 1 MB = 1,048,576 bytes, so
 * the limits read "250 MB" and "50 MB".
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** `1,234,567` */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Sums file sizes by top-level folder (`numpy/`) or top-level file, largest first. */
export function largestParts(files: readonly SizeEntry[], top = 10): SizeEntry[] {
  const totals = new Map<string, number>();
  for (const f of files) {
    const parts = f.path.split('/');
    const key = parts.length > 1 ? `${parts[0]}/` : f.path;
    totals.set(key, (totals.get(key) ?? 0) + f.bytes);
  }
  return [...totals.entries()]
    .map(([path, bytes]) => ({ path, bytes }))
    .sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1))
    .slice(0, top);
}

export function checkPackageSize(input: SizeCheckInput): SizeCheckResult {
  const layerBytes = input.layerBytes ?? 0;
  const total = input.unpackedBytes + layerBytes;
  const warnings: string[] = [];
  const notes: string[] = [];
  const totalText = layerBytes
    ? `${formatBytes(total)} (${formatCount(total)} bytes: package ${formatBytes(input.unpackedBytes)} + layers ${formatBytes(layerBytes)})`
    : `${formatBytes(total)} (${formatCount(total)} bytes)`;

  if (total > UNZIPPED_LIMIT_BYTES) {
    const parts = largestParts(input.files ?? []);
    const width = Math.max(0, ...parts.map((p) => p.path.length));
    const lines = [
      `The package is too large for Lambda: ${totalText} unzipped, over the limit of ${formatBytes(UNZIPPED_LIMIT_BYTES)} (${formatCount(UNZIPPED_LIMIT_BYTES)} bytes) for the function and its layers together.`,
    ];
    if (parts.length) {
      lines.push('Largest parts of the package:');
      for (const p of parts)
        lines.push(
          `  ${p.path.padEnd(width)}  ${formatBytes(p.bytes).padStart(9)}  (${formatCount(p.bytes)} bytes)`,
        );
    }
    const names = new Set(parts.map((p) => p.path.replace(/\/$/, '').toLowerCase()));
    lines.push('What to do:');
    if (names.has('boto3') || names.has('botocore') || names.has('s3transfer'))
      lines.push(
        '  - drop boto3 and botocore from the requirements: the Python runtime already provides them;',
      );
    lines.push(
      ...(input.surface === 'terminal'
        ? [
            `  - leave out what the function does not need at run time with ${inputName('terminal', Inputs.Exclude)} globs (tests, docs, data files, e.g. ${settingOf('terminal', Inputs.Exclude, 'tests/**')});`,
            `  - with requirements: ${inputName('terminal', Inputs.Slim)} auto (the default) or true keeps them out of the zip, fetched into /tmp at cold start (README: "Beyond 250 MB");`,
            `  - move the dependencies into a layer (deploy ${inputName('terminal', Inputs.DependenciesLayer)}) or an existing layer (deploy ${inputName('terminal', Inputs.Layers)} ARN);`,
          ]
        : [
            '  - leave out what the function does not need at run time with exclude globs (tests, docs, data files, e.g. exclude: "tests/**");',
            '  - with requirements: slim: auto (the default) or true keeps them out of the zip, fetched into /tmp at cold start (README: "Beyond 250 MB");',
            '  - move the dependencies into a layer (dependencies-layer: true) or an existing layer (layers);',
          ]),
      '  - choose lighter dependencies (e.g. a slimmer build of a library, or pure-Python alternatives);',
      '  - or, beyond that, deploy a container image instead of a zip (up to 10 GB).',
    );
    return { error: lines.join('\n'), warnings, notes };
  }
  if (total > UNZIPPED_LIMIT_BYTES * NEAR_LIMIT_SHARE)
    warnings.push(
      `The package uses ${Math.floor((total / UNZIPPED_LIMIT_BYTES) * 100)}% of Lambda's ${formatBytes(UNZIPPED_LIMIT_BYTES)} unzipped limit (${totalText}).`,
    );
  if (input.packageBytes !== undefined && input.packageBytes > DIRECT_UPLOAD_LIMIT_BYTES)
    notes.push(
      `The zip (${formatBytes(input.packageBytes)}) is over the ${formatBytes(DIRECT_UPLOAD_LIMIT_BYTES)} limit of a direct upload; that is fine: lambda-deploy uploads it through S3.`,
    );
  return { warnings, notes };
}
