import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { otherIndexWarning } from '../../src/packaging/lock-index.js';
import { pipfileLockRequirements } from '../../src/packaging/pipfile-lock.js';
import { withoutHashOptions } from './helpers.js';

const PYPI = { name: 'pypi', url: 'https://pypi.org/simple', verify_ssl: true };

/** A Pipfile.lock (pipfile-spec 6) of the given default and develop sections. */
function lockOf(
  defaults: Record<string, unknown>,
  develop: Record<string, unknown> = {},
  sources: unknown[] = [PYPI],
): string {
  const meta = {
    hash: { sha256: 'ab'.repeat(32) },
    'pipfile-spec': 6,
    requires: { python_version: '3.12' },
    sources,
  };
  return JSON.stringify({ _meta: meta, default: defaults, develop }, null, 4);
}

const hashes = ['sha256:' + 'cd'.repeat(32)];

describe('pipfileLockRequirements', () => {
  it('pins the default section with markers and extras; never the develop section', () => {
    const lock = lockOf(
      {
        requests: { hashes, index: 'pypi', extras: ['security', 'socks'], version: '==2.31.0' },
        urllib3: { hashes, markers: "python_version >= '3.8'", version: '==2.2.1' },
        Typing_Extensions: { hashes, version: '==4.12.2' },
      },
      { pytest: { hashes, index: 'pypi', version: '==8.3.4' } },
    );
    expect(withoutHashOptions(pipfileLockRequirements(lock, '/app'))).toEqual({
      requirements: [
        'requests[security,socks]==2.31.0',
        'typing-extensions==4.12.2',
        "urllib3==2.2.1 ; python_version >= '3.8'",
      ],
      indexes: [],
    });
  });

  it('installs git entries at their locked commit, path and file entries from there (not editable)', () => {
    const dir = join('/', 'srv', 'app');
    const lock = lockOf({
      mylib: { editable: true, git: 'https://github.com/org/mylib.git', ref: 'a'.repeat(40) },
      sub: { git: 'git+ssh://git@github.com/org/mono.git', ref: 'b'.repeat(40), subdirectory: 'pkgs/sub' },
      local: { editable: true, path: './libs/local', markers: "sys_platform == 'linux'" },
      wheel: { file: 'https://files.example.com/wheel-1.0-py3-none-any.whl' },
    });
    expect(pipfileLockRequirements(lock, dir).requirements).toEqual([
      `local @ ${pathToFileURL(join(dir, 'libs', 'local')).href} ; sys_platform == 'linux'`,
      `mylib @ git+https://github.com/org/mylib.git@${'a'.repeat(40)}`,
      `sub @ git+ssh://git@github.com/org/mono.git@${'b'.repeat(40)}#subdirectory=pkgs/sub`,
      'wheel @ https://files.example.com/wheel-1.0-py3-none-any.whl',
    ]);
  });

  it('leaves out the project installing itself ("path": ".", as pipenv install -e . writes): its code is the function\'s', () => {
    const lock = lockOf({
      svc: { editable: true, path: '.' },
      again: { path: './' },
      local: { path: './libs/local' },
      requests: { hashes, version: '==2.31.0' },
    });
    expect(withoutHashOptions(pipfileLockRequirements(lock, '/app')).requirements).toEqual([
      `local @ ${pathToFileURL(join('/app', 'libs', 'local')).href}`,
      'requests==2.31.0',
    ]);
  });

  it('names the packages of an index that is not PyPI, its credentials hidden', () => {
    const lock = lockOf(
      {
        internal: { hashes, index: 'corp', version: '==1.0.0' },
        other: { hashes, index: 'corp', version: '==2.0.0' },
        requests: { hashes, index: 'pypi', version: '==2.31.0' },
      },
      {},
      [PYPI, { name: 'corp', url: 'https://bot:s3cret@pypi.corp.example/simple', verify_ssl: true }],
    );
    const { indexes } = pipfileLockRequirements(lock, '/app');
    expect(indexes).toEqual([
      { name: 'corp', url: 'https://***@pypi.corp.example/simple', packages: ['internal', 'other'] },
    ]);
    const warning = otherIndexWarning(indexes[0]!, 'Pipfile.lock', []);
    expect(warning).toContain(
      'Pipfile.lock pins 2 packages (internal, other) from the index "corp" (https://***@pypi.corp.example/simple)',
    );
    expect(warning).toContain('pip-args');
    expect(warning).not.toContain('s3cret');
    expect(
      otherIndexWarning(indexes[0]!, 'Pipfile.lock', [
        '--extra-index-url',
        'https://pypi.corp.example/simple',
      ]),
    ).toBeUndefined();
    // pip reads its index from the environment too, as lambda-deploy advises for credentials.
    const env = {
      PIP_EXTRA_INDEX_URL: 'https://pypi.org/simple https://bot:s3cret@pypi.corp.example/simple',
    };
    expect(otherIndexWarning(indexes[0]!, 'Pipfile.lock', [], 'action', env)).toBeUndefined();
    expect(
      otherIndexWarning(indexes[0]!, 'Pipfile.lock', [], 'action', {
        PIP_INDEX_URL: 'https://pypi.corp.example/simple',
      }),
    ).toBeUndefined();
  });

  it('hides the whole password of an index URL, an unencoded @ in it included', () => {
    const lock = lockOf({ internal: { hashes, index: 'corp', version: '==1.0.0' } }, {}, [
      PYPI,
      { name: 'corp', url: 'https://bot:p@ss-w0rd@pypi.corp.example/simple', verify_ssl: true },
    ]);
    const { indexes } = pipfileLockRequirements(lock, '/app');
    expect(indexes[0]?.url).toBe('https://***@pypi.corp.example/simple');
    expect(otherIndexWarning(indexes[0]!, 'Pipfile.lock', [])).not.toContain('ss-w0rd');
  });

  it('hides the credentials of a git URL it names in an error', () => {
    const lock = lockOf({ a: { git: 'https://bot:ghp_S3cretT0ken@github.com/o/r.git', ref: 'main' } });
    expect(() => pipfileLockRequirements(lock, '/app')).toThrow(
      'Pipfile.lock "default" a: the git source https://***@github.com/o/r.git names no commit in "ref"',
    );
  });

  it('keeps an arbitrary-equality pin (===) as the lock writes it', () => {
    expect(pipfileLockRequirements(lockOf({ a: { hashes, version: '===1.0-custom' } }), '/app')).toEqual({
      requirements: [`a===1.0-custom --hash=${hashes[0]}`],
      indexes: [],
    });
  });

  it.each([
    ['not JSON', '{\n  "default": {\n    "a": 1,\n  }\n}', /^Pipfile\.lock line 4: not JSON \(/],
    [
      'a default that is not an object',
      '{"default": []}',
      'Pipfile.lock: "default" is not an object of packages',
    ],
    [
      'an entry that is not an object',
      lockOf({ a: '==1.0' }),
      'Pipfile.lock "default" a: its entry is not an object',
    ],
    [
      'a version range',
      lockOf({ a: { version: '>=1.0' } }),
      'Pipfile.lock "default" a: version is not an exact version ("==1.2.3")',
    ],
    ['no version', lockOf({ a: { hashes } }), 'Pipfile.lock "default" a: version is not given'],
    [
      'bad extras',
      lockOf({ a: { version: '==1', extras: 'x' } }),
      'Pipfile.lock "default" a: extras is not an array of extra names',
    ],
    [
      'a git entry without a commit',
      lockOf({ a: { git: 'https://h/r.git', ref: 'main' } }),
      'Pipfile.lock "default" a: the git source https://h/r.git names no commit in "ref"',
    ],
    [
      'an hg entry',
      lockOf({ a: { hg: 'https://h/r', ref: 'abc1234' } }),
      'Pipfile.lock "default" a: installs from hg',
    ],
    [
      'sources that are not a list',
      '{"_meta": {"sources": {}}, "default": {}}',
      'Pipfile.lock: "_meta" "sources" is not an array',
    ],
  ])('refuses %s, naming the file and what is wrong', (_what, text, message) => {
    expect(() => pipfileLockRequirements(text, '/app')).toThrow(message);
  });

  it('adds the hashes pipenv recorded, after the marker; a git or path entry has none', () => {
    const two = [`sha256:${'12'.repeat(32)}`, `sha256:${'34'.repeat(32)}`];
    const lock = lockOf({
      urllib3: { hashes: two, markers: "python_version >= '3.8'", version: '==2.2.1' },
      mylib: { git: 'https://github.com/org/mylib.git', ref: 'a'.repeat(40), hashes: [] },
    });
    expect(pipfileLockRequirements(lock, '/app').requirements).toEqual([
      `mylib @ git+https://github.com/org/mylib.git@${'a'.repeat(40)}`,
      `urllib3==2.2.1 ; python_version >= '3.8' --hash=${two[0]} --hash=${two[1]}`,
    ]);
  });
});
