import type { Architecture } from '../model/settings.js';
import { binaryOverride, packagesOf } from '../settings/pip-binary-options.js';
import { hasOption, optionValues, placementOverride, withoutOption } from '../settings/pip-options.js';
import { lambdaOs } from './lambda-os.js';

/**
 * The Linux a Lambda Python runtime runs on, and the wheel platform tags its
 * glibc accepts. pip resolves for this platform, not the runner's, so a
 * package built on the runner can never carry a binary Lambda cannot load.
 */
export interface LambdaPythonPlatform {
  runtime: string;
  /** `3.12` */
  pythonVersion: string;
  os: 'Amazon Linux 2' | 'Amazon Linux 2023';
  /** [major, minor] */
  glibc: readonly [number, number];
  /** uname machine: x86_64 or aarch64 */
  machine: 'x86_64' | 'aarch64';
  /** Accepted `--platform` tags, newest first. */
  tags: string[];
  /** "python3.12 on Amazon Linux 2023, x86_64 (manylinux_2_34 and older)" */
  description: string;
}

export function pythonVersionOf(runtime: string): string {
  const m = /^python(3\.\d+)$/.exec(runtime);
  if (!m) throw new Error(`runtime: "${runtime}" is not a Python runtime; expected one like python3.12.`);
  return m[1] as string;
}

export function lambdaPythonPlatform(runtime: string, architecture: Architecture): LambdaPythonPlatform {
  const pythonVersion = pythonVersionOf(runtime);
  const { name: os, glibc } = lambdaOs(runtime);
  const machine = architecture === 'arm64' ? 'aarch64' : 'x86_64';
  const tags: string[] = [];
  for (let g = glibc[1]; g >= 17; g--) tags.push(`manylinux_2_${g}_${machine}`);
  // The legacy aliases (PEP 599/571/513): many wheels still carry only these names.
  tags.push(`manylinux2014_${machine}`);
  if (machine === 'x86_64')
    tags.push(
      `manylinux_2_12_${machine}`,
      `manylinux2010_${machine}`,
      `manylinux_2_5_${machine}`,
      `manylinux1_${machine}`,
    );
  return {
    runtime,
    pythonVersion,
    os,
    glibc,
    machine,
    tags,
    description: `${runtime} on ${os}, ${machine} (manylinux_2_${glibc[1]} and older)`,
  };
}

/**
 * The platforms of a wheel's `Tag:` lines (`cp312-cp312-manylinux_2_17_x86_64`;
 * a compressed tag set joins several with dots).
 */
export function wheelPlatforms(tags: readonly string[]): string[] {
  return tags.flatMap((tag) => (tag.trim().split('-')[2] ?? '').split('.')).filter(Boolean);
}

/**
 * Whether a wheel with these `Tag:` lines runs on `platform`: pure (`any`),
 * or built for a tag Lambda's glibc and machine accept (or one the user named
 * with --platform). A wheel pip compiled on the runner carries the runner's
 * tag (`linux_x86_64`, `macosx_14_0_arm64`), never a manylinux one.
 */
export function wheelRunsOn(
  tags: readonly string[],
  platform: LambdaPythonPlatform,
  userPlatforms: readonly string[] = [],
): boolean {
  const accepted = new Set(['any', ...platform.tags, ...userPlatforms]);
  return wheelPlatforms(tags).some((p) => accepted.has(p));
}

/** Options that choose the target platform; when pip-args sets one itself, ours are left out. */
const PLATFORM_OPTIONS = ['--platform', '--python-version', '--implementation', '--abi'];

/** Whether pip-args or pip's environment choose pip's legacy resolver (--use-deprecated=legacy-resolver). */
function legacyResolver(user: readonly string[], env: NodeJS.ProcessEnv = {}): boolean {
  const fromEnv = (env.PIP_USE_DEPRECATED ?? '').split(/\s+/);
  return [...optionValues(user, '--use-deprecated'), ...fromEnv].includes('legacy-resolver');
}

/**
 * The full `pip install` argument list (after `python -m pip`) that installs
 * `requirements` into `target` for Lambda's platform. `pipArgs` come last,
 * so a private index or `--no-index --find-links` applies; when they name a
 * platform option themselves, the user's choice replaces ours. Binary wheels
 * only is never theirs to change (see binaryOverride).
 */
export function pipInstallArgs(options: {
  runtime: string;
  architecture: Architecture;
  requirements: string;
  target: string;
  pipArgs?: readonly string[];
  /** pip's environment: PIP_USE_DEPRECATED may choose the legacy resolver. */
  env?: NodeJS.ProcessEnv;
}): string[] {
  const platform = lambdaPythonPlatform(options.runtime, options.architecture);
  const user = options.pipArgs ?? [];
  // Read as pip reads them: `--plat X` is --platform (pip-options.ts).
  const platformArgs = PLATFORM_OPTIONS.some((o) => hasOption(user, o))
    ? []
    : [
        ...platform.tags.flatMap((t) => ['--platform', t]),
        '--implementation',
        'cp',
        '--python-version',
        platform.pythonVersion,
      ];
  const override = binaryOverride(user);
  if (override)
    throw new Error(
      `pip-args: ${override} would let pip build ${packagesOf(override.split(' ')[1]!)} from source on this machine, for its platform rather than Lambda's; leave it out: lambda-deploy installs every package as a wheel for Lambda's platform.`,
    );
  const placement = placementOverride(user);
  if (placement)
    throw new Error(
      `pip-args: ${placement} would make pip install the packages elsewhere than the package lambda-deploy builds (its --target); leave it out.`,
    );
  return [
    'install',
    '--requirement',
    options.requirements,
    '--target',
    options.target,
    ...platformArgs,
    // Always ours: pip builds anything else from source, for the runner.
    '--only-binary=:all:',
    // Bytecode from the runner's interpreter is stripped anyway (see pip-install.ts).
    '--no-compile',
    '--disable-pip-version-check',
    // pip checks the packages of the Python running it, not its --target: "ERROR: ... incompatible"
    // about what the package does not hold. Its resolver keeps what it installs consistent; the
    // legacy one does not, and that check is then all that tells of a conflict in the package.
    ...(legacyResolver(user, options.env) ? [] : ['--no-warn-conflicts']),
    '--no-input',
    '--progress-bar',
    'off',
    // Theirs go: ours (`:all:`) covers them, and pip refuses a narrower one next to --platform.
    ...withoutOption(user, '--only-binary'),
  ];
}
