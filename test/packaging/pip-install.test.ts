import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createCommandRunner,
  explainPipFailure,
  pipInstall,
  PipInstallError,
  type CommandRunner,
} from '../../src/packaging/pip-install.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { buildWheel, fakeRunner, haveCommand, tempDir } from './helpers.js';
import { buildWheel as buildSpecWheel, testPython } from '../support/vendor-wheels.js';

const { dir: root, cleanup } = tempDir('pip');
afterAll(cleanup);

const wheels = join(root, 'wheels');
beforeAll(async () => {
  mkdirSync(wheels);
  await buildWheel(wheels, 'greetlib', '1.2.0', 'def hello():\n    return "hello"\n');
});

function requirements(name: string, content: string): string {
  const path = join(root, name);
  writeFileSync(path, content);
  return path;
}

describe('pipInstall with a stand-in pip', () => {
  it('an editable install from a -e line in an included file (-r): the error names that file and line, the path as pip reads it there', async () => {
    const repo = join(root, 'editable-nested');
    const fn = join(repo, 'services', 'fn');
    mkdirSync(join(fn, 'reqs'), { recursive: true });
    mkdirSync(join(repo, 'libs', 'common'), { recursive: true });
    writeFileSync(join(fn, 'requirements.txt'), '-r reqs/local.txt\n');
    writeFileSync(join(fn, 'reqs', 'local.txt'), '-e ../../libs/common\n');
    const target = join(root, 'editable-nested-target');
    mkdirSync(target);
    // What pip leaves for an editable install: a dist-info whose direct_url.json says so.
    const { runner } = fakeRunner({ exitCode: 0, output: '' }, () => {
      const info = join(target, 'common-0.1.dist-info');
      mkdirSync(info);
      writeFileSync(join(info, 'METADATA'), 'Metadata-Version: 2.1\nName: common\nVersion: 0.1\n');
      const url = `file://${join(repo, 'libs', 'common')}`;
      writeFileSync(join(info, 'direct_url.json'), JSON.stringify({ url, dir_info: { editable: true } }));
    });
    const install = pipInstall(
      {
        requirements: join(fn, 'requirements.txt'),
        targetDir: target,
        runtime: 'python3.12',
        architecture: 'x86_64',
        functionDir: fn,
      },
      { logger: new RecordingLogger(), runner, env: { LAMBDA_DEPLOY_PYTHON: '/opt/py/bin/python3' } },
    );
    await expect(install).rejects.toThrow(
      `write its line in ${join(fn, 'reqs', 'local.txt')} (line 1, included by ${join(fn, 'requirements.txt')}) without -e, as ../../libs/common (pip reads a path in an included file from the folder it runs in, ${fn}, not from that file's folder)`,
    );
  });

  it('runs python3 -m pip for the Lambda platform and strips bytecode afterwards', async () => {
    const target = join(root, 'fake-target');
    mkdirSync(target);
    const { runner, calls } = fakeRunner({ exitCode: 0, output: '' }, () => {
      mkdirSync(join(target, 'pkg', '__pycache__'), { recursive: true });
      writeFileSync(join(target, 'pkg', '__init__.py'), '');
      writeFileSync(join(target, 'pkg', '__pycache__', '__init__.cpython-311.pyc'), 'x');
      writeFileSync(join(target, 'pkg', 'stale.pyc'), 'x');
      mkdirSync(join(target, 'pkg-1.0.dist-info'));
      writeFileSync(join(target, 'pkg-1.0.dist-info', 'RECORD'), '');
    });
    await pipInstall(
      {
        requirements: '/r.txt',
        targetDir: target,
        runtime: 'python3.11',
        architecture: 'x86_64',
        pipArgs: ['--pre'],
      },
      { logger: new RecordingLogger(), runner, env: { LAMBDA_DEPLOY_PYTHON: '/opt/py/bin/python3' } },
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]!.command).toBe('/opt/py/bin/python3');
    // pip runs through the bootstrap that gives it Lambda's environment markers.
    const [script, markers, ...pipArgs] = calls[0]!.args;
    expect(script).toMatch(/runtime\/python\/_lambda_deploy_pip\.py$/);
    expect(JSON.parse(markers!)).toMatchObject({ python_version: '3.11', platform_machine: 'x86_64' });
    const args = pipArgs.join(' ');
    expect(args).toMatch(/^install --requirement \/r\.txt --target /);
    expect(args).toContain('--platform manylinux_2_26_x86_64');
    expect(args).not.toContain('manylinux_2_27');
    expect(args).toContain('--python-version 3.11');
    expect(args).toMatch(/--pre$/);
    expect(readdirSync(join(target, 'pkg'))).toEqual(['__init__.py']);
    expect(existsSync(join(target, 'pkg-1.0.dist-info', 'RECORD'))).toBe(true);
  });

  it("gives pip the step's environment without the action's inputs, the GitHub tokens or the OIDC request pair", async () => {
    const target = join(root, 'env-target');
    mkdirSync(target);
    const { runner, calls } = fakeRunner({ exitCode: 0, output: '' });
    const env = {
      PATH: '/usr/bin',
      HOME: '/home/runner',
      HTTPS_PROXY: 'http://proxy:3128',
      PIP_INDEX_URL: 'https://ci:pw@pypi.example/simple',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      INPUT_ENVIRONMENT: 'DB_PASSWORD=Pg-Secret-771',
      'INPUT_GITHUB-TOKEN': 'ghs_abc123',
      GITHUB_TOKEN: 'ghs_abc123',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/?x=1',
      ACTIONS_RUNTIME_TOKEN: 'runtime-token',
    };
    await pipInstall(
      {
        requirements: '/r.txt',
        targetDir: target,
        runtime: 'python3.12',
        architecture: 'x86_64',
        pipArgs: [],
      },
      { logger: new RecordingLogger(), runner, env },
    );
    expect(calls[0]!.env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      HTTPS_PROXY: 'http://proxy:3128',
      PIP_INDEX_URL: 'https://ci:pw@pypi.example/simple',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      PIP_NO_INPUT: '1',
      PIP_ROOT_USER_ACTION: 'ignore',
    });
  });

  it("silences pip's warning about running as root through its environment form, which a pip older than 22.1 ignores; a user's own choice stays", async () => {
    const { runner, calls } = fakeRunner({ exitCode: 0, output: '' });
    const install = (env: NodeJS.ProcessEnv) =>
      pipInstall(
        {
          requirements: '/r.txt',
          targetDir: root,
          runtime: 'python3.12',
          architecture: 'x86_64',
          pipArgs: [],
        },
        { logger: new RecordingLogger(), runner, env },
      );
    await install({ PATH: '/usr/bin' });
    expect(calls[0]!.env?.PIP_ROOT_USER_ACTION).toBe('ignore');
    // Not on the command line: an older pip stops at an option it does not know.
    expect(calls[0]!.args.join(' ')).not.toContain('root-user-action');
    await install({ PATH: '/usr/bin', PIP_ROOT_USER_ACTION: 'warn' });
    expect(calls[1]!.env?.PIP_ROOT_USER_ACTION).toBe('warn');
  });

  it('turns "no matching distribution" into an error naming the package, the platform and the ways out', async () => {
    const output =
      'ERROR: Could not find a version that satisfies the requirement psycopg2==2.9.9 (from versions: none)\n' +
      'ERROR: No matching distribution found for psycopg2==2.9.9\n';
    const { runner } = fakeRunner({ exitCode: 1, output });
    const error = await pipInstall(
      { requirements: '/r.txt', targetDir: root, runtime: 'python3.12', architecture: 'arm64' },
      { logger: new RecordingLogger(), runner },
    ).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(PipInstallError);
    const message = (error as Error).message;
    expect(message).toContain('"psycopg2==2.9.9" (package psycopg2)');
    expect(message).toContain('python3.12 on Amazon Linux 2023, aarch64 (manylinux_2_34 and older)');
    expect(message).toContain('manylinux wheels for aarch64 and Python 3.12');
    expect(message).toContain('--find-links');
    expect(message).toContain('public.ecr.aws/lambda/python:3.12');
  });

  it("names the project pip was building, not a wheel its build tools' install processed", () => {
    // pip 23.2's output for `-e ./lib` with --no-index --find-links wheels/ holding setuptools but not wheel.
    const output = [
      'Looking in links: /repo/fn/wheels',
      'Obtaining file:///repo/fn/lib (from -r /repo/fn/requirements.txt (line 1))',
      '  Installing build dependencies: started',
      "  Installing build dependencies: finished with status 'error'",
      '  error: subprocess-exited-with-error',
      '  × pip subprocess to install build dependencies did not run successfully.',
      '  │ exit code: 1',
      '  ╰─> [4 lines of output]',
      '      Looking in links: /repo/fn/wheels',
      '      Processing ./wheels/setuptools-84.0.0-py3-none-any.whl',
      '      ERROR: Could not find a version that satisfies the requirement wheel (from versions: none)',
      '      ERROR: No matching distribution found for wheel',
      '      [end of output]',
    ].join('\n');
    const message = explainPipFailure(output, {
      requirements: '/repo/fn/requirements.txt',
      targetDir: root,
      runtime: 'python3.11',
      architecture: 'x86_64',
    });
    expect(message).toMatch(
      /^pip had to build file:\/\/\/repo\/fn\/lib \(from -r \/repo\/fn\/requirements\.txt \(line 1\)\) from source on this machine, and could not install the tools to build it \(wheel\)\./,
    );
    expect(message).not.toContain('setuptools-84.0.0');
  });

  it("names the project pip was building when pip-args has -v, which shows the build tools' install before its failure", () => {
    // pip -v streams the subprocess's output between "started" and "finished with status 'error'".
    const output = [
      'Looking in links: /repo/fn/wheels',
      'Obtaining file:///repo/fn/lib (from -r /repo/fn/requirements.txt (line 1))',
      '  Installing build dependencies: started',
      '  Running command pip subprocess to install build dependencies',
      '  Looking in links: /repo/fn/wheels',
      '  Processing ./wheels/setuptools-84.0.0-py3-none-any.whl',
      '  Collecting wheel',
      '  ERROR: Could not find a version that satisfies the requirement wheel (from versions: none)',
      '  ERROR: No matching distribution found for wheel',
      '  error: subprocess-exited-with-error',
      '',
      '  × pip subprocess to install build dependencies did not run successfully.',
      '  │ exit code: 1',
      '  ╰─> See above for output.',
      "  Installing build dependencies: finished with status 'error'",
    ].join('\n');
    const message = explainPipFailure(output, {
      requirements: '/repo/fn/requirements.txt',
      targetDir: root,
      runtime: 'python3.11',
      architecture: 'x86_64',
      pipArgs: ['-v'],
    });
    expect(message).toMatch(
      /^pip had to build file:\/\/\/repo\/fn\/lib \(from -r \/repo\/fn\/requirements\.txt \(line 1\)\) from source on this machine, and could not install the tools to build it \(wheel\)\./,
    );
  });

  it('names the project whose one-line build tools install failed, not one whose went through before it', () => {
    // pip's spinner on a terminal: one line per project, "... done" or "... error".
    const output = [
      'Processing /repo/libs/first',
      '  Installing build dependencies ... done',
      'Processing /repo/libs/second',
      '  Installing build dependencies ... error',
      '  error: subprocess-exited-with-error',
      '  × pip subprocess to install build dependencies did not run successfully.',
      '      ERROR: No matching distribution found for wheel',
    ].join('\n');
    const options = { requirements: '/repo/fn/requirements.txt', targetDir: root, runtime: 'python3.11' };
    expect(explainPipFailure(output, { ...options, architecture: 'x86_64' })).toMatch(
      /^pip had to build \/repo\/libs\/second from source on this machine/,
    );
  });

  it("a dependency with no wheel is that, not a source build, when a local project's build tools installed fine before it", () => {
    // pip's output for `fastapi` and `../../libs/common` on python3.12 with pydantic-core's wheels only for cp311.
    const output = [
      'Obtaining file:///repo/libs/common (from -r /repo/services/orders/requirements.txt (line 2))',
      '  Installing build dependencies: started',
      "  Installing build dependencies: finished with status 'done'",
      "  Preparing editable metadata (pyproject.toml): finished with status 'done'",
      'Processing /wheels/fastapi-0.142.2-py3-none-any.whl (from -r /repo/services/orders/requirements.txt (line 1))',
      'Processing /wheels/annotated_types-0.8.0-py3-none-any.whl (from pydantic>=2.9.0->fastapi)',
      'INFO: pip is looking at multiple versions of pydantic to determine which version is compatible with other requirements. This could take a while.',
      'ERROR: Could not find a version that satisfies the requirement pydantic-core==2.46.5 (from pydantic) (from versions: none)',
      'ERROR: No matching distribution found for pydantic-core==2.46.5',
    ].join('\n');
    const message = explainPipFailure(output, {
      requirements: '/repo/services/orders/requirements.txt',
      targetDir: root,
      runtime: 'python3.12',
      architecture: 'x86_64',
    });
    expect(message).not.toMatch(/had to build/);
    expect(message).toMatch(
      /^No compatible wheel: pip found no installable wheel for "pydantic-core==2\.46\.5" \(package pydantic-core\) for python3\.12/,
    );
  });

  it('tells "could not reach the package index" from "no compatible wheel", each with what to do', () => {
    const options = {
      requirements: '/r.txt',
      targetDir: '/t',
      runtime: 'python3.12',
      architecture: 'x86_64' as const,
    };
    const offline =
      'Looking in indexes: https://user:s3cret@pypi.example.com/simple\n' +
      "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/flask/\n" +
      'ERROR: Could not find a version that satisfies the requirement flask>=2.2 (from versions: none)\n' +
      'ERROR: No matching distribution found for flask>=2.2\n';
    const unreachable = explainPipFailure(offline, options);
    expect(unreachable).toMatch(
      /^Could not reach the package index https:\/\/\*\*\*@pypi\.example\.com\/simple to install "flask>=2\.2" \(pip: NewConnectionError\)\./,
    );
    expect(unreachable).toContain('not a missing package');
    expect(unreachable).toContain('pip-args: --index-url https://your.index/simple');
    expect(unreachable).toContain('pip-args: --no-index --find-links <folder>');
    expect(unreachable).not.toContain('s3cret');
    expect(unreachable).not.toMatch(/No compatible wheel/);

    // No `Looking in indexes:` line: the index pip-args names, abbreviated as pip allows, its token hidden.
    const named = explainPipFailure(offline.split('\n').slice(1).join('\n'), {
      ...options,
      pipArgs: ['--no-deps', '--index=https://Tok3nAsUser1234@pypi.example.com/simple'],
    });
    expect(named).toMatch(
      /^Could not reach the package index https:\/\/\*\*\*@pypi\.example\.com\/simple to install/,
    );
    expect(named).not.toContain('Tok3nAsUser1234');

    const noWheel = explainPipFailure(offline.split('\n').slice(2).join('\n'), options);
    expect(noWheel).toMatch(/^No compatible wheel: pip found no installable wheel for "flask>=2\.2"/);
    expect(noWheel).toContain('a runtime (or architecture) whose wheels exist');
    expect(noWheel).not.toMatch(/Could not reach/);
  });

  it('a password with an @ in it (pip splits at the last one) is hidden whole when the message names the index', () => {
    const offline =
      "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/flask/\n" +
      'ERROR: Could not find a version that satisfies the requirement flask>=2.2 (from versions: none)\n';
    const message = explainPipFailure(offline, {
      requirements: '/r.txt',
      targetDir: '/t',
      runtime: 'python3.12',
      architecture: 'x86_64',
      pipArgs: ['--index-url', 'https://deploy:p@ss-W0rd-9@pypi.example.com/simple'],
    });
    expect(message).toMatch(
      /^Could not reach the package index https:\/\/\*\*\*@pypi\.example\.com\/simple /,
    );
    expect(message).not.toContain('W0rd');
  });

  describe('with one index unreachable and another answering (an extra-index-url in pip.conf, a mirror)', () => {
    const options = {
      requirements: '/tmp/lock/requirements.txt',
      lockfile: '/app/uv.lock',
      targetDir: '/t',
      runtime: 'python3.12',
      architecture: 'x86_64' as const,
    };
    const unreachable = (pkg: string) =>
      `WARNING: Not retrying https://pypi.org:443/simple/${pkg}/: Failed to establish a new connection: [Errno -2] Name or service not known (no retry changes that)\n`;
    const head =
      'Looking in indexes: https://pypi.org/simple, file:///opt/pypi/simple\n' +
      unreachable('annotated-doc') +
      'Processing /opt/pypi/files/annotated_doc-0.0.5-py3-none-any.whl (from -r /tmp/lock/requirements.txt (line 2))\n';

    it('a requirement no reachable index has a wheel of is "no compatible wheel", naming the index it could not reach too', () => {
      const output =
        head +
        unreachable('pydantic-core') +
        'ERROR: Could not find a version that satisfies the requirement pydantic-core==2.49.0 (from versions: none)\n' +
        'ERROR: No matching distribution found for pydantic-core==2.49.0\n';
      const message = explainPipFailure(output, options);
      expect(message).toMatch(
        /^No compatible wheel: pip found no installable wheel for "pydantic-core==2\.49\.0"/,
      );
      expect(message).toContain(
        'pip could not reach https://pypi.org/simple (pip: Failed to establish a new connection) and the other indexes it reached have no such wheel',
      );
      expect(message).not.toContain('never got an answer');
      // pip's "(from versions: none)" lists nothing to offer.
      expect(message).not.toContain('reached offer');
    });

    it("an index that timed out (urllib3 names only its host: 'Connection to HOST timed out') is the one named", () => {
      const output =
        'Looking in indexes: https://pypi.org/simple, https://__token__:****@private.example.com/simple\n' +
        "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ConnectTimeoutError(<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f3>, 'Connection to private.example.com timed out. (connect timeout=15)')': /simple/acme-tools/\n" +
        'ERROR: Could not find a version that satisfies the requirement acme-tools==3.1 (from versions: 1.0, 2.0)\n' +
        'ERROR: No matching distribution found for acme-tools==3.1\n';
      const message = explainPipFailure(output, options);
      expect(message).toContain(
        'pip could not reach https://***@private.example.com/simple (pip: ConnectTimeoutError)',
      );
    });

    it('a version the index lists others of names them', () => {
      const output =
        'Looking in indexes: https://pypi.org/simple, file:///opt/pypi/simple\n' +
        unreachable('fastapi') +
        'ERROR: Could not find a version that satisfies the requirement fastapi==0.92.0 (from versions: 0.141.0, 0.142.2)\n' +
        'ERROR: No matching distribution found for fastapi==0.92.0\n';
      const message = explainPipFailure(output, options);
      expect(message).toMatch(/^No compatible wheel: pip found no installable wheel for "fastapi==0\.92\.0"/);
      expect(message).toContain('the versions of fastapi the indexes pip reached offer: 0.141.0, 0.142.2');
      expect(message).not.toContain('network problem');
    });

    it("conflicting versions are pip's conflict, shown as pip says it, not a network problem", () => {
      const output =
        head +
        'INFO: pip is looking at multiple versions of pydantic to determine which version is compatible with other requirements. This could take a while.\n' +
        'ERROR: Cannot install -r /tmp/lock/requirements.txt (line 8) and pydantic-core==2.49.0 because these package versions have conflicting dependencies.\n' +
        '\nThe conflict is caused by:\n    The user requested pydantic-core==2.49.0\n    pydantic 2.13.5 depends on pydantic-core==2.46.5\n\n' +
        "To fix this you could try to:\n1. loosen the range of package versions you've specified\n2. remove package versions to allow pip attempt to solve the dependency conflict\n\n" +
        'ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts\n';
      const message = explainPipFailure(output, options);
      expect(message).toMatch(
        /^pip install of the packages \/app\/uv\.lock pins failed for python3\.12 on Amazon Linux 2023, x86_64/,
      );
      expect(message).toContain('pydantic 2.13.5 depends on pydantic-core==2.46.5');
      // The conflict report from its first line, without the lines that led to it.
      expect(message.split('\n')[1]).toMatch(/^ERROR: Cannot install .* conflicting dependencies\.$/);
      expect(message).not.toContain('Processing');
      expect(message).not.toMatch(/Could not reach|network problem/);
    });
  });

  it('a conflict pip reported with an index unreachable says which: a version there might have resolved it', () => {
    // Real pip 23.2 output through the bootstrap: the index-url answers, the extra index refuses.
    const output = [
      'Looking in indexes: http://127.0.0.1:8765/simple, http://127.0.0.1:9/simple',
      'WARNING: Not retrying http://127.0.0.1:9/simple/alpha/: Failed to establish a new connection: [Errno 111] Connection refused (no retry changes that)',
      'Collecting alpha==1.0 (from -r req.txt (line 1))',
      '  Downloading http://127.0.0.1:8765/files/alpha-1.0-py3-none-any.whl (662 bytes)',
      'WARNING: Not retrying http://127.0.0.1:9/simple/beta/: Failed to establish a new connection: [Errno 111] Connection refused (no retry changes that)',
      'Collecting beta==1.0 (from -r req.txt (line 2))',
      '  Downloading http://127.0.0.1:8765/files/beta-1.0-py3-none-any.whl (628 bytes)',
      'ERROR: Cannot install -r req.txt (line 1) and beta==1.0 because these package versions have conflicting dependencies.',
      '',
      'The conflict is caused by:',
      '    The user requested beta==1.0',
      '    alpha 1.0 depends on beta==2.0',
      '',
      'ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts',
      '',
    ].join('\n');
    const message = explainPipFailure(output, {
      requirements: '/r.txt',
      targetDir: '/t',
      runtime: 'python3.12',
      architecture: 'x86_64',
    });
    expect(message).toContain('alpha 1.0 depends on beta==2.0');
    expect(message).toContain(
      'pip could not reach http://127.0.0.1:9/simple (pip: Failed to establish a new connection): a version only that index has may have resolved the conflict.',
    );
    // Without an unreachable index, pip's report alone.
    const reachable = explainPipFailure(output.replace(/^WARNING: Not retrying.*\n/gm, ''), {
      requirements: '/r.txt',
      targetDir: '/t',
      runtime: 'python3.12',
      architecture: 'x86_64',
    });
    expect(reachable).not.toContain('could not reach');
  });

  it('shows the end of pip output for other failures', () => {
    const message = explainPipFailure('line 1\nERROR: Invalid requirement: "==="\n', {
      requirements: '/r.txt',
      targetDir: '/t',
      runtime: 'python3.9',
      architecture: 'x86_64',
    });
    expect(message).toMatch(/pip install -r \/r\.txt failed for python3\.9 on Amazon Linux 2, x86_64/);
    expect(message).toContain('Invalid requirement');
  });

  it('says how to get a Python when python3 is missing', async () => {
    const runner: CommandRunner = {
      run: async () => {
        throw Object.assign(new Error('spawn python3 ENOENT'), { code: 'ENOENT' });
      },
    };
    await expect(
      pipInstall(
        { requirements: '/r.txt', targetDir: root, runtime: 'python3.12', architecture: 'x86_64' },
        { logger: new RecordingLogger(), runner, env: {} },
      ),
    ).rejects.toThrow(/python3 was not found.*actions\/setup-python.*LAMBDA_DEPLOY_PYTHON/);
    // A terminal has no steps to add: Python itself, or LAMBDA_DEPLOY_PYTHON.
    const fromTerminal = pipInstall(
      { requirements: '/r.txt', targetDir: root, runtime: 'python3.12', architecture: 'x86_64' },
      { logger: new RecordingLogger(), runner, env: {}, surface: 'terminal' },
    );
    await expect(fromTerminal).rejects.toThrow(
      /python3 was not found.*Install Python 3, or set LAMBDA_DEPLOY_PYTHON/,
    );
    await expect(fromTerminal).rejects.not.toThrow(/actions\/setup-python|this step/);
  });

  it("says the same when the python found is Windows' Microsoft Store stub (exit 9009), not pip's failure", async () => {
    const runner: CommandRunner = {
      run: async () => ({
        exitCode: 9009,
        output:
          'Python was not found; run without arguments to install from the Microsoft Store, or disable this shortcut from Settings > Manage App Execution Aliases.\n',
      }),
    };
    await expect(
      pipInstall(
        { requirements: '/r.txt', targetDir: root, runtime: 'python3.12', architecture: 'x86_64' },
        {
          logger: new RecordingLogger(),
          runner,
          env: { LAMBDA_DEPLOY_PYTHON: 'python' },
          surface: 'terminal',
        },
      ),
    ).rejects.toThrow(
      /^python is the Microsoft Store's placeholder, not a Python; it is needed to install \/r\.txt\. Install Python 3, or set LAMBDA_DEPLOY_PYTHON/,
    );
  });

  /** A stand-in pip that installs distributions whose dist-info/WHEEL carries `tags`. */
  function installing(target: string, dists: { name: string; tags: string[]; files?: string[] }[]) {
    return fakeRunner({ exitCode: 0, output: '' }, () => {
      for (const d of dists) {
        const info = join(target, `${d.name}-1.0.dist-info`);
        mkdirSync(info, { recursive: true });
        writeFileSync(join(info, 'METADATA'), `Metadata-Version: 2.1\nName: ${d.name}\nVersion: 1.0\n`);
        const tags = d.tags.map((t) => `Tag: ${t}\n`).join('');
        writeFileSync(join(info, 'WHEEL'), `Wheel-Version: 1.0\nRoot-Is-Purelib: false\n${tags}`);
        for (const f of d.files ?? []) writeFileSync(join(target, f), '\x7fELF');
      }
    });
  }

  it('refuses a distribution pip compiled on this machine, naming it, its tag and the way out', async () => {
    const target = join(root, 'runner-built-target');
    mkdirSync(target);
    const { runner } = installing(target, [
      {
        name: 'fastjson',
        tags: ['cp311-cp311-linux_x86_64'],
        files: ['fastjson.cpython-311-x86_64-linux-gnu.so'],
      },
    ]);
    const attempt = pipInstall(
      { requirements: '/r.txt', targetDir: target, runtime: 'python3.12', architecture: 'arm64' },
      { logger: new RecordingLogger(), runner },
    );
    await expect(attempt).rejects.toThrow(PipInstallError);
    const message = await attempt.catch((e: Error) => e.message);
    expect(message).toMatch(
      /^fastjson 1\.0 was built from source on this machine \(wheel tag cp311-cp311-linux_x86_64\), not for python3\.12 on Amazon Linux 2023, aarch64/,
    );
    expect(message).toContain('fails to import on Lambda');
    expect(message).toContain(
      'a version of fastjson that publishes manylinux wheels for aarch64 and Python 3.12',
    );
    expect(message).toContain('pure-Python');
    expect(message).toContain('public.ecr.aws/lambda/python:3.12');
  });

  it("accepts wheels for Lambda's platform and pure-Python ones, whoever built them", async () => {
    const target = join(root, 'lambda-built-target');
    mkdirSync(target);
    const { runner } = installing(target, [
      { name: 'fastjson', tags: ['cp312-cp312-manylinux_2_17_aarch64', 'cp312-cp312-manylinux2014_aarch64'] },
      { name: 'purelib', tags: ['py3-none-any'] },
      { name: 'stable', tags: ['cp38-abi3-manylinux_2_28_aarch64'] },
    ]);
    await pipInstall(
      { requirements: '/r.txt', targetDir: target, runtime: 'python3.12', architecture: 'arm64' },
      { logger: new RecordingLogger(), runner },
    );
    expect(readdirSync(target).sort()).toEqual([
      'fastjson-1.0.dist-info',
      'purelib-1.0.dist-info',
      'stable-1.0.dist-info',
    ]);
  });

  it('from a terminal, the advice names --pip-args and no workflow, runner or secret', () => {
    const offline =
      "WARNING: Retrying (Retry(total=0)) after connection broken by 'NewConnectionError('x')': /simple/flask/\n" +
      'ERROR: No matching distribution found for flask>=2.2\n';
    const options = {
      requirements: '/r.txt',
      targetDir: '/t',
      runtime: 'python3.12',
      architecture: 'x86_64' as const,
    };
    const unreachable = explainPipFailure(offline, options, 'terminal');
    expect(unreachable).toContain('--pip-args "--index-url https://your.index/simple" (or PIP_INDEX_URL');
    expect(unreachable).toContain('set --pip-args "--no-index --find-links <folder>".');
    expect(unreachable).not.toMatch(/pip-args: |workflow|runner|secret/);
  });
});

describe('pipInstall with the real pip (local wheels only)', () => {
  it('an index that cannot be reached is reported as such, not as a missing wheel', async () => {
    const target = join(root, 'unreachable-target');
    mkdirSync(target);
    const logger = new RecordingLogger();
    // Port 9 on the loopback: nothing listens, the connection is refused at once.
    const attempt = pipInstall(
      {
        requirements: requirements('unreachable.txt', 'greetlib==1.2.0\n'),
        targetDir: target,
        runtime: 'python3.12',
        architecture: 'x86_64',
        pipArgs: ['--index-url', 'http://127.0.0.1:9/simple', '--retries', '1', '--timeout', '2'],
      },
      { logger, runner: createCommandRunner(logger) },
    );
    await expect(attempt).rejects.toThrow(
      /^Could not reach the package index http:\/\/127\.0\.0\.1:9\/simple to install "greetlib==1\.2\.0" \(pip: /,
    );
  });

  it("a refused connection is final at once: one line naming it, not pip's five retries with back-off", async () => {
    const target = join(root, 'refused-target');
    mkdirSync(target);
    const logger = new RecordingLogger();
    const started = Date.now();
    // pip's own retries (5, backing off 0.5-4 s: ~9 s) unless told otherwise.
    const attempt = pipInstall(
      {
        requirements: requirements('refused.txt', 'greetlib==1.2.0\n'),
        targetDir: target,
        runtime: 'python3.12',
        architecture: 'x86_64',
        pipArgs: ['--index-url', 'http://127.0.0.1:9/simple'],
      },
      { logger, runner: createCommandRunner(logger) },
    );
    await expect(attempt).rejects.toThrow(
      /^Could not reach the package index http:\/\/127\.0\.0\.1:9\/simple to install "greetlib==1\.2\.0" \(pip: /,
    );
    const output = logger.lines.map((l) => l.message).join('\n');
    expect(output).not.toContain('Retrying');
    expect(output).toContain(
      'WARNING: Not retrying http://127.0.0.1:9/simple/greetlib/: Failed to establish a new connection: [Errno 111] Connection refused (no retry changes that)',
    );
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('an index that answers 503 once is still retried, as pip does, and the install goes through', async () => {
    const target = join(root, 'retried-target');
    mkdirSync(target);
    const logger = new RecordingLogger();
    const wheel = 'greetlib-1.2.0-py3-none-any.whl';
    let pages = 0;
    const server = createServer((req, res) => {
      if (req.url === '/simple/greetlib/') {
        pages++;
        if (pages === 1) return void res.writeHead(503).end('busy');
        return void res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<html><body><a href="/files/${wheel}">${wheel}</a></body></html>`);
      }
      if (req.url === `/files/${wheel}`)
        return void res.writeHead(200).end(readFileSync(join(wheels, wheel)));
      res.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    try {
      await pipInstall(
        {
          requirements: requirements('retried.txt', 'greetlib==1.2.0\n'),
          targetDir: target,
          runtime: 'python3.12',
          architecture: 'x86_64',
          pipArgs: ['--index-url', `http://127.0.0.1:${port}/simple`],
        },
        { logger, runner: createCommandRunner(logger) },
      );
    } finally {
      server.close();
    }
    // Asked again after the 503 (pip says nothing of a status retry).
    expect(pages).toBe(2);
    expect(existsSync(join(target, 'greetlib', '__init__.py'))).toBe(true);
  });

  it('an extra index unreachable beside one that answers: the message names the unreachable one, not the first', async () => {
    const target = join(root, 'extra-unreachable-target');
    mkdirSync(target);
    const logger = new RecordingLogger();
    const wheel = 'greetlib-1.2.0-py3-none-any.whl';
    const server = createServer((req, res) => {
      if (req.url === '/simple/greetlib/')
        return void res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<html><body><a href="/files/${wheel}">${wheel}</a></body></html>`);
      res.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    let message = '';
    try {
      await pipInstall(
        {
          requirements: requirements('extra-unreachable.txt', 'greetlib==9.9.9\n'),
          targetDir: target,
          runtime: 'python3.12',
          architecture: 'x86_64',
          pipArgs: [
            '--index-url',
            `http://127.0.0.1:${port}/simple`,
            '--extra-index-url',
            'http://deploy:Xtra-Pw-77@127.0.0.1:9/simple',
          ],
        },
        { logger, runner: createCommandRunner(logger) },
      );
    } catch (error) {
      message = (error as Error).message;
    } finally {
      server.close();
    }
    expect(message).toMatch(/^No compatible wheel: pip found no installable wheel for "greetlib==9\.9\.9"/);
    expect(message).toContain('the indexes pip reached offer: 1.2.0');
    expect(message).toContain('pip could not reach http://***@127.0.0.1:9/simple (pip: ');
    expect(message).not.toContain(`could not reach http://127.0.0.1:${port}`);
    expect(message).not.toContain('Xtra-Pw-77');
  });

  it('installs a wheel from --find-links into the target, streaming pip output to the log', async () => {
    const target = join(root, 'real-target');
    mkdirSync(target);
    const logger = new RecordingLogger();
    await pipInstall(
      {
        requirements: requirements('ok.txt', 'greetlib==1.2.0\n'),
        targetDir: target,
        runtime: 'python3.12',
        architecture: 'x86_64',
        pipArgs: ['--no-index', '--find-links', wheels],
      },
      { logger, runner: createCommandRunner(logger) },
    );
    expect(readdirSync(join(target, 'greetlib'))).toEqual(['__init__.py']);
    expect(existsSync(join(target, 'greetlib-1.2.0.dist-info', 'METADATA'))).toBe(true);
    expect(logger.text('info')).toMatch(/Successfully installed greetlib-1\.2\.0/);
    // Run as root (a container, this test machine): pip's warning about it is not in the log.
    expect(logger.text('warning') + logger.text('info')).not.toMatch(/Running pip as the 'root' user/);
  });

  it('reports no conflict with the packages of the Python running pip, which the package does not hold (pip checks those, not its --target)', async () => {
    // An installed distribution of that Python (on PYTHONPATH) that wants another greetlib than the package gets.
    const host = join(root, 'host-site');
    mkdirSync(join(host, 'hostlib-1.0.dist-info'), { recursive: true });
    writeFileSync(
      join(host, 'hostlib-1.0.dist-info', 'METADATA'),
      'Metadata-Version: 2.1\nName: hostlib\nVersion: 1.0\nRequires-Dist: greetlib>=5\n',
    );
    const target = join(root, 'host-conflict-target');
    mkdirSync(target);
    const logger = new RecordingLogger();
    await pipInstall(
      {
        requirements: requirements('host-conflict.txt', 'greetlib==1.2.0\n'),
        targetDir: target,
        runtime: 'python3.12',
        architecture: 'x86_64',
        pipArgs: ['--no-index', '--find-links', wheels],
      },
      { logger, runner: createCommandRunner(logger), env: { ...process.env, PYTHONPATH: host } },
    );
    const said = logger.text('info') + logger.text('warning');
    expect(said).toMatch(/Successfully installed greetlib-1\.2\.0/);
    expect(said).not.toMatch(/hostlib|dependency resolver does not currently take into account/);
  });

  it("pip-args choosing pip's legacy resolver, which installs a conflict rather than refusing it: pip's conflict ERROR about the package's own requirements still shows", async () => {
    const legacy = join(root, 'legacy-wheels');
    mkdirSync(legacy);
    const spec = (name: string, version: string, requires?: string[]) =>
      buildSpecWheel(legacy, {
        name,
        version,
        files: { [`${name}/__init__.py`]: '' },
        ...(requires && { requires }),
      });
    spec('alib', '1.0', ['blib>=2']);
    spec('blib', '1.0');
    spec('blib', '2.0');
    const target = join(root, 'legacy-target');
    mkdirSync(target);
    const logger = new RecordingLogger();
    await pipInstall(
      {
        requirements: requirements('legacy.txt', 'alib\nblib==1.0\n'),
        targetDir: target,
        runtime: 'python3.12',
        architecture: 'x86_64',
        pipArgs: ['--no-index', '--find-links', legacy, '--use-deprecated=legacy-resolver'],
      },
      { logger, runner: createCommandRunner(logger) },
    );
    expect(logger.text('info') + logger.text('warning')).toMatch(
      /alib 1\.0 requires blib>=2, but you.* have blib 1\.0 which is incompatible/,
    );
  });

  it('fails with the missing package named when no wheel exists', async () => {
    const target = join(root, 'missing-target');
    mkdirSync(target);
    const logger = new RecordingLogger();
    const attempt = pipInstall(
      {
        requirements: requirements('missing.txt', 'greetlib==1.2.0\nno-such-lambda-lib>=2\n'),
        targetDir: target,
        runtime: 'python3.11',
        architecture: 'arm64',
        pipArgs: ['--no-index', '--find-links', wheels],
      },
      { logger, runner: createCommandRunner(logger) },
    );
    await expect(attempt).rejects.toThrow(
      /^No compatible wheel: pip found no installable wheel for "no-such-lambda-lib>=2" \(package no-such-lambda-lib\) for python3\.11 on Amazon Linux 2, aarch64/,
    );
  });

  it('a local project in the requirements, which pip would build from source here, is named as such, not as a missing wheel of its build tools', async () => {
    const target = join(root, 'local-target');
    mkdirSync(target);
    const lib = join(root, 'locallib');
    mkdirSync(lib);
    writeFileSync(
      join(lib, 'setup.py'),
      'from setuptools import setup\nsetup(name="locallib", version="1.0", py_modules=["locallib"])\n',
    );
    writeFileSync(join(lib, 'locallib.py'), 'X = 1\n');
    const logger = new RecordingLogger();
    const attempt = pipInstall(
      {
        requirements: requirements('local.txt', `${lib}\n`),
        targetDir: target,
        runtime: 'python3.12',
        architecture: 'x86_64',
        pipArgs: ['--no-index', '--find-links', wheels],
      },
      { logger, runner: createCommandRunner(logger) },
    );
    const error = await attempt.then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(error).not.toMatch(/^No compatible wheel/);
    expect(error).toMatch(
      /^pip had to build .*locallib from source on this machine, and could not install the tools to build it \(setuptools>=40\.8\.0\)/,
    );
    expect(error).toContain('pip wheel --no-deps');
  });

  // .ci/run installs a C compiler and Python's headers; without them this is shown skipped (the stand-in pip above covers it).
  (haveCommand('cc') ? it : it.skip)(
    'a local project with C code, which pip compiles here without a word, is refused before it reaches Lambda',
    async () => {
      const target = join(root, 'native-target');
      mkdirSync(target);
      const project = join(root, 'nativelib');
      cpSync(fileURLToPath(new URL('./fixtures/native-project', import.meta.url)), project, {
        recursive: true,
      });
      const logger = new RecordingLogger();
      const attempt = pipInstall(
        {
          requirements: requirements('native.txt', `${project}\n`),
          targetDir: target,
          runtime: 'python3.12',
          architecture: 'x86_64',
          // Never the wheel cache: a wheel it kept from an earlier run would skip the build.
          pipArgs: ['--no-index', '--find-links', wheels, '--no-cache-dir'],
        },
        { logger, runner: createCommandRunner(logger) },
      );
      await expect(attempt).rejects.toThrow(
        /^nativelib 1\.0 was built from source on this machine \(wheel tag cp3\d+-cp3\d+-linux_x86_64\), not for python3\.12 on Amazon Linux 2023, x86_64/,
      );
    },
  );

  it('a --no-binary in the requirements file, which lets pip build a package from source here, is refused before pip runs', async () => {
    const target = join(root, 'no-binary-target');
    mkdirSync(target);
    const included = requirements('no-binary-included.txt', '# build it here\n--no-binary greetlib\n');
    const logger = new RecordingLogger();
    const attempt = pipInstall(
      {
        requirements: requirements('no-binary.txt', `greetlib==1.2.0\n-r ${included}\n`),
        targetDir: target,
        runtime: 'python3.12',
        architecture: 'x86_64',
        pipArgs: ['--no-index', '--find-links', wheels],
      },
      { logger, runner: createCommandRunner(logger) },
    );
    await expect(attempt).rejects.toThrow(
      `${included} line 2: --no-binary greetlib lets pip build greetlib from source on this machine`,
    );
    expect(readdirSync(target)).toEqual([]);
  });

  it('the same abbreviated as pip takes it in a requirements file (--requirem=FILE, --no-bin), refused before pip runs', async () => {
    const target = join(root, 'no-bin-target');
    mkdirSync(target);
    const included = requirements('no-bin-included.txt', '--no-bin greetlib\n');
    const logger = new RecordingLogger();
    const attempt = pipInstall(
      {
        requirements: requirements('no-bin.txt', `greetlib==1.2.0\n--requirem=${included}\n`),
        targetDir: target,
        runtime: 'python3.12',
        architecture: 'x86_64',
        pipArgs: ['--no-index', '--find-links', wheels],
      },
      { logger, runner: createCommandRunner(logger) },
    );
    await expect(attempt).rejects.toThrow(
      `${included} line 1: --no-binary greetlib lets pip build greetlib from source on this machine`,
    );
    expect(readdirSync(target)).toEqual([]);
  });

  // pip evaluates environment markers with the Python that runs it, whatever --python-version says (pypa/pip#11010, #13296).
  describe("when the Python running pip is not the runtime's", () => {
    const python = testPython();
    const here = execFileSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    }).trim();
    // A Lambda Python other than the one here.
    const wanted = here === '3.12' ? '3.13' : '3.12';
    const markers = join(root, 'marker-wheels');
    beforeAll(() => {
      mkdirSync(markers);
      buildSpecWheel(markers, {
        name: 'needsdeps',
        version: '1.0',
        files: { 'needsdeps/__init__.py': '' },
        requires: [
          'armonly; platform_machine == "aarch64"',
          'x86only; platform_machine == "x86_64"',
          `otherpy; python_version != "${wanted}"`,
          `lambdapy; python_version == "${wanted}" and sys_platform == "linux"`,
        ],
      });
      for (const name of ['armonly', 'x86only', 'otherpy', 'lambdapy', 'armreq', 'x86req', 'pyreq'])
        buildSpecWheel(markers, { name, version: '1.0', files: { [`${name}/__init__.py`]: '' } });
    });
    const install = async (runtime: string, architecture: 'x86_64' | 'arm64') => {
      const target = join(root, `markers-${runtime}-${architecture}`);
      mkdirSync(target);
      const logger = new RecordingLogger();
      await pipInstall(
        {
          requirements: requirements(
            `markers-${runtime}-${architecture}.txt`,
            [
              'needsdeps==1.0',
              'armreq==1.0 ; platform_machine == "aarch64"',
              'x86req==1.0 ; platform_machine == "x86_64"',
              `pyreq==1.0 ; python_version == "${wanted}"`,
              '',
            ].join('\n'),
          ),
          targetDir: target,
          runtime,
          architecture,
          pipArgs: ['--no-index', '--find-links', markers],
        },
        {
          logger,
          runner: createCommandRunner(logger),
          env: { ...process.env, LAMBDA_DEPLOY_PYTHON: python },
        },
      );
      const installed = readdirSync(target)
        .filter((n) => !n.endsWith('.dist-info'))
        .sort();
      return { logger, installed };
    };

    it("decides platform_machine for Lambda's architecture, in the requirements and in a wheel's Requires-Dist", async () => {
      // This machine is x86_64: pip decided with it, the x86_64 packages were in and the aarch64 ones out.
      const { logger, installed } = await install(`python${wanted}`, 'arm64');
      expect(installed).toEqual(['armonly', 'armreq', 'lambdapy', 'needsdeps', 'pyreq']);
      expect(logger.text('warning')).toBe('');
    });

    it("decides python_version for the runtime's Python, not the one running pip", async () => {
      const { logger, installed } = await install(`python${wanted}`, 'x86_64');
      expect(installed).toEqual(['lambdapy', 'needsdeps', 'pyreq', 'x86only', 'x86req']);
      expect(logger.text('warning')).toBe('');
    });

    it("falls back to this Python's markers with a warning naming why when this pip's markers cannot be set", async () => {
      // A pip whose Marker.evaluate never asks default_environment, put first on the path.
      const fake = join(root, 'fake-pip');
      mkdirSync(join(fake, 'pip', '_vendor', 'packaging'), { recursive: true });
      writeFileSync(join(fake, 'pip', '__init__.py'), '__version__ = "0.fake"\n');
      writeFileSync(join(fake, 'pip', '_vendor', '__init__.py'), '');
      writeFileSync(join(fake, 'pip', '_vendor', 'packaging', '__init__.py'), '');
      writeFileSync(
        join(fake, 'pip', '_vendor', 'packaging', 'markers.py'),
        'def default_environment():\n    return {}\n\nclass Marker:\n    def __init__(self, text):\n        pass\n\n    def evaluate(self, environment=None):\n        return False\n',
      );
      // It "installs" what the runner's Python would: a dependency conditioned on its version.
      writeFileSync(
        join(fake, 'pip', '__main__.py'),
        [
          'import os, sys',
          'target = sys.argv[sys.argv.index("--target") + 1]',
          'os.makedirs(os.path.join(target, "needsback-1.0.dist-info"))',
          'with open(os.path.join(target, "needsback-1.0.dist-info", "METADATA"), "w") as f:',
          `    f.write('Name: needsback\\nVersion: 1.0\\nRequires-Dist: backport; python_version < "${here}"\\n')`,
          'print("Successfully installed needsback-1.0")',
          '',
        ].join('\n'),
      );
      const target = join(root, 'fallback-target');
      mkdirSync(target);
      const logger = new RecordingLogger();
      await pipInstall(
        {
          requirements: requirements(
            'fallback.txt',
            // A line with a credential in its URL: named in the warning, never with the password.
            'needsback==1.0\nbackport @ https://user:s3cr3t-pass@127.0.0.1:9/b.whl ; python_version < "3.0"\n' +
              // A lockfile export's hashes: long, and nothing the warning needs.
              `hashed==1.0 ; python_version < "3.0" --hash=sha256:${'a'.repeat(64)}\n`,
          ),
          targetDir: target,
          runtime: `python${wanted}`,
          architecture: 'x86_64',
          pipArgs: ['--no-index', '--find-links', markers],
        },
        {
          logger,
          runner: createCommandRunner(logger),
          env: { ...process.env, PYTHONPATH: fake, LAMBDA_DEPLOY_PYTHON: python },
        },
      );
      const warning = logger.text('warning');
      expect(warning).toContain(
        `pip ran on Python ${here} (${python}), not on python${wanted}'s Python ${wanted}`,
      );
      expect(warning).toContain(
        'could not make it decide them for Lambda: Marker.evaluate of pip 0.fake does not use default_environment (False)',
      );
      expect(warning).toContain(`needsback 1.0 requires: backport; python_version < "${here}"`);
      expect(warning).toContain(`actions/setup-python with python-version: '${wanted}'`);
      expect(warning).toContain(
        'fallback.txt: backport @ https://user:***@127.0.0.1:9/b.whl ; python_version < "3.0"',
      );
      expect(warning).toContain('fallback.txt: hashed==1.0 ; python_version < "3.0"\n');
      expect(warning).not.toContain('--hash');
      expect(logger.text()).not.toContain('s3cr3t-pass');
    });
  });
});
