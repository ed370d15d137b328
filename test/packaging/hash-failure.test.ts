/**
 * pip's hash-checking failures (a file whose hash the lock does not record,
 * a package the lock leaves out) become errors that name the package, the
 * lockfile and what to do: pip runs here on local wheels.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainHashFailure, requirementsRequireHashes } from '../../src/packaging/hash-failure.js';
import { explainPipFailure, pipInstall, PipInstallError } from '../../src/packaging/pip-install.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { tempDir } from './helpers.js';
import { buildWheel, testPython } from '../support/vendor-wheels.js';

/** pip's words when a requirement has no hash in --require-hashes mode (toplib's, as pip lists it). */
const TOPLIB_HASH_MISSING = [
  'ERROR: Hashes are required in --require-hashes mode, but they are missing from some requirements. Here is a list of those requirements along with the hashes their downloaded archives actually had. You can add lines like these to your requirements files to prevent tampering.',
  '    toplib==1.0.0 --hash=sha256:aaaa',
  '',
].join('\n');

const { dir: root, cleanup } = tempDir('hashes');
afterAll(cleanup);

const wheels = join(root, 'wheels');
const sha = (file: string) =>
  createHash('sha256')
    .update(readFileSync(join(wheels, file)))
    .digest('hex');
let hashOf: Record<string, string>;
beforeAll(() => {
  mkdirSync(wheels);
  const top = buildWheel(wheels, {
    name: 'toplib',
    version: '1.0.0',
    files: { 'toplib/__init__.py': 'A = 1\n' },
    requires: ['linuxonly'],
  });
  const dep = buildWheel(wheels, {
    name: 'linuxonly',
    version: '2.0.0',
    files: { 'linuxonly/__init__.py': '' },
  });
  hashOf = { toplib: sha(top), linuxonly: sha(dep) };
});

/** pip installs `lines` (as a lockfile's export) from the local wheels; the error it ends with. */
async function install(name: string, lines: string[], lockfile?: string, pipArgs: string[] = []) {
  const requirements = join(root, `${name}.txt`);
  writeFileSync(requirements, `${lines.join('\n')}\n`);
  const targetDir = join(root, name);
  mkdirSync(targetDir);
  return pipInstall(
    {
      requirements,
      targetDir,
      runtime: 'python3.12',
      architecture: 'x86_64',
      pipArgs: ['--no-index', '--find-links', wheels, ...pipArgs],
      ...(lockfile && { lockfile }),
    },
    { logger: new RecordingLogger(), env: { ...process.env, LAMBDA_DEPLOY_PYTHON: testPython() } },
  ).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
}

describe('pip in hash-checking mode (--platform, --only-binary=:all:, --target)', () => {
  it('installs when every file has a hash the lock records', async () => {
    const error = await install('ok', [
      `toplib==1.0.0 --hash=sha256:${'00'.repeat(32)} --hash=sha256:${hashOf.toplib}`,
      `linuxonly==2.0.0 ; python_version >= "3" --hash=sha256:${hashOf.linuxonly}`,
    ]);
    expect(error).toBeUndefined();
  }, 60_000);

  it('refuses a file whose hash the lock does not record, naming the package, the lockfile and what to do', async () => {
    const error = await install(
      'mismatch',
      [`toplib==1.0.0 --hash=sha256:${hashOf.toplib}`, `linuxonly==2.0.0 --hash=sha256:${'11'.repeat(32)}`],
      '/app/uv.lock',
    );
    expect(error).toBeInstanceOf(PipInstallError);
    expect(error?.message).toMatch(
      new RegExp(
        `^pip refused linuxonly 2\\.0\\.0 \\(file://\\S+linuxonly-2\\.0\\.0-py3-none-any\\.whl\\): its hash \\(${hashOf.linuxonly}\\) is none of those /app/uv\\.lock records for it`,
      ),
    );
    expect(error?.message).toContain('lock again (uv lock) and review the changed hashes in uv.lock');
    expect(error?.message).toContain(
      "if it is a wheel you built and gave with --find-links, uv.lock's hashes cannot cover it",
    );
  }, 60_000);

  it('refuses a dependency Pipfile.lock leaves out (locked on a Mac): names it, and says to lock on Linux', async () => {
    const error = await install(
      'left-out',
      [`toplib==1.0.0 --hash=sha256:${hashOf.toplib}`],
      '/app/Pipfile.lock',
    );
    expect(error?.message).toMatch(
      /^pip checks every package against the hashes in \/app\/Pipfile\.lock, and \/app\/Pipfile\.lock has none for linuxonly \(needed by toplib==1\.0\.0\)/,
    );
    expect(error?.message).toContain('Lock it on Linux');
  }, 60_000);

  it('refuses a dependency the lock pins only where a marker false for Lambda holds: names the marker, the platform and the package needing it', async () => {
    const error = await install(
      'marker-false',
      [
        `toplib==1.0.0 --hash=sha256:${hashOf.toplib}`,
        `linuxonly==2.0.0 ; sys_platform == "win32" --hash=sha256:${hashOf.linuxonly}`,
      ],
      '/app/uv.lock',
    );
    expect(error?.message).toMatch(
      /^\/app\/uv\.lock pins linuxonly only where sys_platform == "win32", which is false for python3\.12 on Amazon Linux 2023, x86_64 \(manylinux_2_34 and older\), yet toplib==1\.0\.0 requires it there/,
    );
    expect(error?.message).toContain('lock again (uv lock); if uv.lock still pins linuxonly only there');
  }, 60_000);

  it('--require-hashes in pip-args with a lock exported without hashes: names the package and the option', async () => {
    const error = await install('required', ['toplib==1.0.0', 'linuxonly==2.0.0'], '/app/poetry.lock', [
      '--require-hashes',
    ]);
    expect(error?.message).toContain('/app/poetry.lock has none for toplib');
    expect(error?.message).toContain('--require-hashes in pip-args asks for hashes on every requirement');
  }, 60_000);

  it("a user's requirements file with a --hash on some lines only: says one --hash turns checking on for all, not to leave out a --require-hashes never given", async () => {
    const error = await install('mixed', [
      `toplib==1.0.0 --hash=sha256:${hashOf.toplib}`,
      'linuxonly==2.0.0',
    ]);
    expect(error?.message).toContain(`${join(root, 'mixed.txt')} has none for linuxonly`);
    expect(error?.message).toContain(
      `one --hash in ${join(root, 'mixed.txt')} turns hash checking on for every requirement: give linuxonly its hashes too`,
    );
  }, 60_000);

  it('a requirements file with a --require-hashes line of its own: the advice names that line, not the --hash options', async () => {
    const error = await install('own-line', [
      '# pinned by hand',
      '--require-hashes',
      `toplib==1.0.0 \\`,
      `    --hash=sha256:${hashOf.toplib}`,
      'linuxonly==2.0.0  # no hash',
    ]);
    const file = join(root, 'own-line.txt');
    expect(error?.message).toContain(`${file} has none for linuxonly`);
    expect(error?.message).toContain(
      `the --require-hashes line in ${file} asks for hashes on every requirement: give linuxonly its hashes too`,
    );
    expect(error?.message).not.toContain('one --hash in');
  }, 60_000);

  it('a requirements file of the user: the advice is about that file', () => {
    const output =
      'ERROR: In --require-hashes mode, all requirements must have their versions pinned with ==. These do not:\n' +
      '    linuxonly from file:///w/linuxonly-2.0.0-py3-none-any.whl (from toplib==1.0.0->-r /r.txt (line 1))\n';
    const message = explainPipFailure(output, {
      requirements: '/r.txt',
      targetDir: '/t',
      runtime: 'python3.12',
      architecture: 'x86_64',
    });
    expect(message).toContain('/r.txt has none for linuxonly (needed by toplib==1.0.0)');
    expect(message).toContain('pip-compile --generate-hashes');
  });
});

describe('explainHashFailure', () => {
  it('requirementsRequireHashes: a --require-hashes line, with a comment after it or not; not one commented out', () => {
    expect(requirementsRequireHashes('a==1\n  --require-hashes  # all of them\n')).toBe(true);
    expect(requirementsRequireHashes('--require-hashes\r\na==1\r\n')).toBe(true);
    expect(requirementsRequireHashes('# --require-hashes\na==1 --hash=sha256:00\n')).toBe(false);
  });

  it.each([
    [undefined, 'Nothing was deployed.'],
    ['deploy', 'Nothing was deployed.'],
    ['package', 'No zip was written.'],
    ['serve', 'This build was not served.'],
  ] as const)('built for %s, its first line closes with "%s"', (buildFor, closing) => {
    const output = [
      'ERROR: Hashes are required in --require-hashes mode, but they are missing from some requirements.',
      '    toplib==1.0.0 --hash=sha256:aaaa',
      '',
    ].join('\n');
    const message = explainHashFailure(output, {
      requirements: '/t/requirements.txt',
      ...(buildFor && { buildFor }),
    });
    expect(message?.split('\n')[0]).toMatch(
      new RegExp(`: pip refuses a package it cannot check\\. ${closing.replace('.', '\\.')}$`),
    );
  });

  it('reads --require-hashes in pip-args abbreviated as pip allows (--require-h)', () => {
    const output = TOPLIB_HASH_MISSING;
    const message = explainHashFailure(output, {
      requirements: '/t/requirements.txt',
      lockfile: '/app/poetry.lock',
      pipArgs: ['--require-h'],
    });
    expect(message).toContain('--require-hashes in pip-args asks for hashes on every requirement');
  });

  it('a --require-hashes line in the requirements file and --require-hashes in pip-args: the advice names both, since leaving one out does not help', () => {
    const output = TOPLIB_HASH_MISSING;
    const message = explainHashFailure(output, {
      requirements: '/r/requirements.txt',
      pipArgs: ['--require-hashes'],
      requireHashesLine: true,
    });
    expect(message).toContain(
      'the --require-hashes line in /r/requirements.txt and --require-hashes in pip-args ask for hashes on every requirement: give toplib its hashes too',
    );
    expect(message).toContain('or leave both out, and the --hash options');
  });

  it('one package without hashes is given "its hashes", two "their hashes"', () => {
    const missing = (...names: string[]) =>
      [
        'ERROR: Hashes are required in --require-hashes mode, but they are missing from some requirements.',
        ...names.map((n) => `    ${n}==1.0.0 --hash=sha256:aaaa`),
        '',
      ].join('\n');
    const unpinned = (...names: string[]) =>
      [
        'ERROR: In --require-hashes mode, all requirements must have their versions pinned with ==. These do not:',
        ...names.map(
          (n) => `    ${n} from file:///w/${n}-1.0-py3-none-any.whl (from toplib==1.0.0->-r /r.txt (line 1))`,
        ),
        '',
      ].join('\n');
    const advice = (output: string, more: { pipArgs?: string[]; requireHashesLine?: boolean } = {}) =>
      explainHashFailure(output, { requirements: '/r.txt', ...more });
    expect(advice(missing('newpy'))).toContain('give newpy its hashes too (pip-compile');
    expect(advice(missing('newpy', 'other'))).toContain('give newpy, other their hashes too (pip-compile');
    expect(advice(missing('newpy'), { requireHashesLine: true })).toContain('give newpy its hashes too');
    expect(advice(missing('newpy'), { pipArgs: ['--require-hashes'] })).toMatch(
      /or give newpy its hashes;$/m,
    );
    expect(advice(missing('newpy', 'other'), { pipArgs: ['--require-hashes'] })).toMatch(
      /or give newpy, other their hashes;$/m,
    );
    const locked = (output: string) =>
      explainHashFailure(output, { requirements: '/t/requirements.txt', lockfile: '/app/uv.lock' });
    expect(locked(missing('newpy'))).toContain('newpy comes from pip-args or the environment');
    expect(locked(missing('newpy'))).toContain('not from uv.lock: add it to');
    expect(locked(missing('newpy', 'other'))).toContain(
      "newpy, other come from pip-args or the environment (PIP_REQUIRE_HASHES), not from uv.lock: add them to your project's dependencies and lock again (uv lock), or leave them out;",
    );
    expect(advice(unpinned('newpy'))).toContain('add newpy to /r.txt, pinned with == and with its hashes');
    expect(advice(unpinned('newpy', 'other'))).toContain(
      'add newpy, other to /r.txt, pinned with == and with their hashes',
    );
  });
});
