import { describe, expect, it } from '@jest/globals';
import { PYTHON_RUNTIMES } from '../../src/settings/runtimes.js';
import { binaryOverride } from '../../src/settings/pip-binary-options.js';
import { optionValues } from '../../src/settings/pip-options.js';
import { lambdaPythonPlatform, pipInstallArgs, wheelRunsOn } from '../../src/packaging/python-platform.js';

describe('lambdaPythonPlatform', () => {
  const cases: [string, 'x86_64' | 'arm64', string, number, string, string][] = [
    ['python3.9', 'x86_64', 'Amazon Linux 2', 26, 'x86_64', '3.9'],
    ['python3.10', 'arm64', 'Amazon Linux 2', 26, 'aarch64', '3.10'],
    ['python3.11', 'x86_64', 'Amazon Linux 2', 26, 'x86_64', '3.11'],
    ['python3.12', 'x86_64', 'Amazon Linux 2023', 34, 'x86_64', '3.12'],
    ['python3.13', 'arm64', 'Amazon Linux 2023', 34, 'aarch64', '3.13'],
    ['python3.14', 'x86_64', 'Amazon Linux 2023', 34, 'x86_64', '3.14'],
  ];
  it.each(cases)('%s on %s runs on %s with glibc 2.%d', (runtime, arch, os, glibcMinor, machine, version) => {
    const p = lambdaPythonPlatform(runtime, arch);
    expect(p.os).toBe(os);
    expect(p.glibc).toEqual([2, glibcMinor]);
    expect(p.machine).toBe(machine);
    expect(p.pythonVersion).toBe(version);
    // newest accepted tag first, nothing newer than the runtime's glibc
    expect(p.tags[0]).toBe(`manylinux_2_${glibcMinor}_${machine}`);
    expect(p.tags).not.toContain(`manylinux_2_${glibcMinor + 1}_${machine}`);
    expect(p.tags).toContain(`manylinux_2_17_${machine}`);
    expect(p.tags).toContain(`manylinux2014_${machine}`);
    expect(p.tags.every((t) => t.endsWith(`_${machine}`))).toBe(true);
    // never musllinux: Lambda's C library is glibc
    expect(p.tags.every((t) => t.startsWith('manylinux'))).toBe(true);
    expect(p.description).toBe(`${runtime} on ${os}, ${machine} (manylinux_2_${glibcMinor} and older)`);
  });

  it('lists every manylinux_2_x tag from 2.17 up to the glibc, plus the legacy aliases on x86_64', () => {
    expect(lambdaPythonPlatform('python3.11', 'x86_64').tags).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `manylinux_2_${26 - i}_x86_64`),
      'manylinux2014_x86_64',
      'manylinux_2_12_x86_64',
      'manylinux2010_x86_64',
      'manylinux_2_5_x86_64',
      'manylinux1_x86_64',
    ]);
    // manylinux2014 is the oldest aarch64 tag there is
    expect(lambdaPythonPlatform('python3.12', 'arm64').tags.at(-1)).toBe('manylinux2014_aarch64');
  });

  it('covers every runtime settings accept, and refuses others', () => {
    for (const runtime of PYTHON_RUNTIMES)
      expect(() => lambdaPythonPlatform(runtime, 'x86_64')).not.toThrow();
    expect(() => lambdaPythonPlatform('nodejs22.x', 'x86_64')).toThrow(/not a Python runtime/);
  });
});

describe('pipInstallArgs', () => {
  const base = {
    runtime: 'python3.12',
    architecture: 'arm64' as const,
    requirements: '/p/requirements.txt',
    target: '/t',
  };

  it("--no-warn-conflicts, except with pip's legacy resolver, whose conflicts inside the package only that warning tells", () => {
    expect(pipInstallArgs(base)).toContain('--no-warn-conflicts');
    for (const legacy of [
      ['--use-deprecated=legacy-resolver'],
      ['--use-deprecated', 'legacy-resolver'],
      ['--use-dep=legacy-resolver'],
    ])
      expect(pipInstallArgs({ ...base, pipArgs: legacy })).not.toContain('--no-warn-conflicts');
    expect(pipInstallArgs({ ...base, pipArgs: ['--use-deprecated=legacy-certs'] })).toContain(
      '--no-warn-conflicts',
    );
    // pip reads the option from its environment too (PIP_USE_DEPRECATED, several separated by spaces).
    const env = (value: string) => pipInstallArgs({ ...base, env: { PIP_USE_DEPRECATED: value } });
    expect(env('legacy-certs legacy-resolver')).not.toContain('--no-warn-conflicts');
    expect(env('legacy-certs')).toContain('--no-warn-conflicts');
  });

  it('targets the Lambda platform, binary wheels only, no bytecode, user pip-args last', () => {
    const args = pipInstallArgs({ ...base, pipArgs: ['--index-url', 'https://pypi.example.com/simple'] });
    expect(args.slice(0, 5)).toEqual(['install', '--requirement', '/p/requirements.txt', '--target', '/t']);
    const platforms = args.flatMap((a, i) => (a === '--platform' ? [args[i + 1]] : []));
    expect(platforms).toEqual(lambdaPythonPlatform('python3.12', 'arm64').tags);
    expect(args.join(' ')).toContain('--implementation cp --python-version 3.12');
    expect(args).toContain('--only-binary=:all:');
    expect(args).toContain('--no-compile');
    expect(args).toContain('--disable-pip-version-check');
    expect(args).toContain('--no-warn-conflicts');
    expect(args).toContain('--no-input');
    expect(args.slice(-2)).toEqual(['--index-url', 'https://pypi.example.com/simple']);
  });

  const overrides: [string, string[], string, boolean][] = [
    ['--platform given: ours dropped', ['--platform', 'manylinux_2_28_x86_64'], '--implementation', false],
    ['--python-version=3.11 given: ours dropped', ['--python-version=3.11'], '--platform', false],
    // pip refuses --only-binary numpy next to --platform ("either --no-deps must be set..."), and ours covers it.
    ['--only-binary numpy given: ours kept, theirs dropped', ['--only-binary', 'numpy'], 'numpy', false],
    ['--only-binary=numpy given: ours kept', ['--only-binary=numpy'], '--only-binary=:all:', true],
    ['unrelated args keep ours', ['--no-index', '--find-links', '/w'], '--platform', true],
    // pip takes a unique prefix of a long option for it.
    [
      '--plat given (abbreviated): ours dropped',
      ['--plat', 'manylinux_2_28_x86_64'],
      '--implementation',
      false,
    ],
    ['--only-bin numpy given (abbreviated): theirs dropped', ['--only-bin', 'numpy'], 'numpy', false],
  ];
  it.each(overrides)('%s', (_what, pipArgs, option, present) => {
    expect(pipInstallArgs({ ...base, pipArgs }).includes(option)).toBe(present);
  });
});

describe('wheelRunsOn', () => {
  const al2023arm = lambdaPythonPlatform('python3.12', 'arm64');
  const cases: [string[], boolean][] = [
    [['py3-none-any'], true],
    [['cp312-cp312-manylinux_2_17_aarch64', 'cp312-cp312-manylinux2014_aarch64'], true],
    [['cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64'], true],
    [['cp38-abi3-manylinux_2_28_aarch64'], true],
    // built on a runner or a Mac: its own platform, never a manylinux one
    [['cp311-cp311-linux_x86_64'], false],
    [['cp312-cp312-linux_aarch64'], false],
    [['cp312-cp312-macosx_14_0_arm64'], false],
    // a newer glibc than Amazon Linux 2023's, or the other processor
    [['cp312-cp312-manylinux_2_35_aarch64'], false],
    [['cp312-cp312-manylinux_2_17_x86_64'], false],
  ];
  it.each(cases)('%j: %s', (tags, runs) => {
    expect(wheelRunsOn(tags, al2023arm)).toBe(runs);
  });

  it('accepts a platform the user named with --platform', () => {
    expect(wheelRunsOn(['cp312-cp312-linux_aarch64'], al2023arm, ['linux_aarch64'])).toBe(true);
  });

  it('reads an option given as two arguments or with =', () => {
    expect(optionValues(['--platform', 'a', '--pre', '--platform=b', '--platform'], '--platform')).toEqual([
      'a',
      'b',
    ]);
  });
});

describe('binaryOverride', () => {
  const base = {
    runtime: 'python3.12',
    architecture: 'x86_64' as const,
    requirements: '/r.txt',
    target: '/t',
  };
  const cases: [string[], string | undefined][] = [
    [['--index-url', 'https://x/simple', '--pre'], undefined],
    [['--only-binary', ':all:'], undefined],
    [['--only-binary=numpy,pandas'], undefined],
    [['--no-binary', ':none:'], undefined],
    [['--no-binary', 'psycopg2'], '--no-binary psycopg2'],
    [['--no-binary=:all:'], '--no-binary :all:'],
    [['--only-binary', ':none:'], '--only-binary :none:'],
    [['--only-binary', ':all:,:none:'], '--only-binary :all:,:none:'],
    // Abbreviated, as pip takes them: read as the option pip reads.
    [['--no-bi=:all:'], '--no-binary :all:'],
    [['--no-bin', 'psycopg2'], '--no-binary psycopg2'],
    [['--only-b', ':none:'], '--only-binary :none:'],
    [['--only-bin=:none:', '--pre'], '--only-binary :none:'],
  ];
  it.each(cases)('%j: %s', (args, found) => {
    expect(binaryOverride(args)).toBe(found);
  });

  it.each([
    [['--target', '/elsewhere'], '--target /elsewhere'],
    [['--targ=/elsewhere'], '--target /elsewhere'],
    [['-Ut', '/elsewhere'], '--target /elsewhere'],
    [['--prefi', '/usr/local'], '--prefix /usr/local'],
    [['--user'], '--user'],
  ])('pipInstallArgs refuses %j, which would install elsewhere than the package', (pipArgs, shown) => {
    expect(() => pipInstallArgs({ ...base, pipArgs })).toThrow(
      `pip-args: ${shown} would make pip install the packages elsewhere than the package lambda-deploy builds (its --target); leave it out.`,
    );
  });

  it('pipInstallArgs refuses what would let pip build from source, naming it', () => {
    expect(() => pipInstallArgs({ ...base, pipArgs: ['--no-binary', 'lxml'] })).toThrow(
      /^pip-args: --no-binary lxml would let pip build lxml from source on this machine/,
    );
  });
});
