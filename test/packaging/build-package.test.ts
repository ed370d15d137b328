import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildPackage } from '../../src/packaging/build-package.js';
import { PackageTooLargeError, type BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import {
  ADAPTER_FILE,
  ADAPTER_HANDLER,
  APP_SETTINGS_FILE,
  WARM_HANDLER,
  warmWrapperFile,
} from '../../src/packaging/generated-files.js';
import { dependenciesKey } from '../../src/packaging/install-requirements.js';
import { installsRequirements } from '../../src/packaging/python-requirements.js';
import { collectFiles } from '../../src/packaging/collect-files.js';
import { listZip, readZipEntry } from '../../src/packaging/zip-reader.js';
import { runtimeAssetsDir } from '../../src/util/assets.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { buildWheel, pythonZipInfo, tempDir, withoutLockedHashes } from './helpers.js';

const { dir: root, cleanup } = tempDir('build');
afterAll(cleanup);

const wheels = join(root, 'wheels');
beforeAll(async () => {
  mkdirSync(wheels);
  await buildWheel(wheels, 'greetlib', '1.2.0', 'def hello():\n    return "hello"\n');
});

function project(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function options(path: string, overrides: Partial<BuildPackageOptions> = {}): BuildPackageOptions {
  return {
    name: 'svc',
    path,
    runtime: 'python3.12',
    architecture: 'x86_64',
    handler: 'app.handler',
    app: undefined,
    requirements: undefined,
    pipArgs: [],
    include: [],
    exclude: [],
    dependenciesLayer: false,
    outDir: join(root, 'out', basename(path)),
    ...overrides,
  };
}

async function names(zipPath: string): Promise<string[]> {
  return (await listZip(zipPath)).map((e) => e.name);
}

async function touchAll(dir: string): Promise<void> {
  const when = new Date('2030-01-02T03:04:05Z');
  for (const f of await collectFiles(dir, { runtime: 'python3.12', defaults: false }))
    utimesSync(f.absPath, when, when);
}

describe('buildPackage', () => {
  it('packages a plain Python function, reports both sizes and a CodeSha256 of the zip', async () => {
    const path = project('plain', {
      'app.py': 'def handler(event, context):\n    return {"ok": True}\n'.repeat(50),
      'lib/util.py': 'X = 1\n',
      '.env': 'SECRET=x',
      '__pycache__/app.cpython-312.pyc': 'x',
    });
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path), { logger });
    expect(await names(result.zipPath)).toEqual(['app.py', 'lib/util.py']);
    const bytes = readFileSync(result.zipPath);
    expect(result.codeSha256).toBe(createHash('sha256').update(bytes).digest('base64'));
    expect(result.sha256Hex).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(basename(result.zipPath)).toBe(`svc-${result.sha256Hex.slice(0, 12)}.zip`);
    expect(result).toMatchObject({ packageBytes: bytes.length, fileCount: 2, handler: 'app.handler' });
    expect(result.unpackedBytes).toBe(readFileSync(join(path, 'app.py')).length + 6);
    expect(result.largest.map((l) => l.path)).toEqual(['app.py', 'lib/']);
    expect(logger.text('info')).toMatch(
      /^Package: \d+ bytes zipped, 2\.6 KB unzipped, 2 files \(.*svc-[0-9a-f]{12}\.zip\)$/m,
    );
    expect(result.dependencies).toBeUndefined();
    expect(readdirSync(join(root, 'out', 'plain'))).toEqual([basename(result.zipPath)]); // no partial files left
  });

  it('gives the same zip after every file is touched, and keeps its own output folder out of the package', async () => {
    const path = project('repeat', {
      'app.py': 'def handler(e, c):\n    return 1\n',
      'data/table.csv': 'a,b\n1,2\n',
    });
    const outDir = join(path, '.lambda-deploy'); // inside path: must not package the previous zip
    const first = await buildPackage(options(path, { outDir }), { logger: new RecordingLogger() });
    await touchAll(path);
    const second = await buildPackage(options(path, { outDir }), { logger: new RecordingLogger() });
    expect(second.codeSha256).toBe(first.codeSha256);
    expect(second.zipPath).toBe(first.zipPath);
    expect(await names(second.zipPath)).toEqual(['app.py', 'data/table.csv']);
  });

  it('with package-cache, reuses compressed files for the same zip, keeps the cache folder out of the package, and includes the layer zip', async () => {
    const files = {
      'app.py': 'def handler(e, c):\n    return 1\n'.repeat(40),
      'lib/util.py': 'X = 1\n'.repeat(30),
      'requirements.txt': 'greetlib==1.2.0\n',
    };
    const path = project('cached', files);
    const packageCache = join(path, '.cache', 'lambda-deploy'); // inside path: must not be packaged
    const layered = {
      dependenciesLayer: true,
      requirements: join(path, 'requirements.txt'),
      pipArgs: ['--no-index', '--find-links', wheels],
    };
    const build = (logger: RecordingLogger) =>
      buildPackage(options(path, { ...layered, packageCache }), { logger });
    const coldLog = new RecordingLogger();
    const cold = await build(coldLog);
    // The layer (greetlib: 6 files), then the function (3 files).
    expect(coldLog.text('info')).toMatch(
      /^Package cache: 0 of 6 files and 1 MiB chunks reused, 6 compressed;.*\n.*\nPackage cache: 0 of 3 files and 1 MiB chunks reused, 3 compressed; the cache holds 9/m,
    );
    const warmLog = new RecordingLogger();
    const warm = await build(warmLog);
    expect(warmLog.text('info')).toMatch(
      /^Package cache: 6 of 6 files and 1 MiB chunks reused, 0 compressed;.*\n.*\nPackage cache: 3 of 3 files and 1 MiB chunks reused, 0 compressed;/m,
    );
    expect(warm.codeSha256).toBe(cold.codeSha256);
    expect(warm.dependencies!.codeSha256).toBe(cold.dependencies!.codeSha256);
    expect(await names(warm.zipPath)).toEqual(['app.py', 'lib/util.py', 'requirements.txt']);
    // The function and the layer zip share one cache folder.
    const folders = readdirSync(packageCache);
    expect(folders).toHaveLength(1);
    expect(
      readdirSync(join(packageCache, folders[0]!))
        .filter((n) => n.endsWith('.zip'))
        .sort(),
    ).toEqual([cold.sha256Hex, cold.dependencies!.sha256Hex].map((h) => `${h}.zip`).sort());
    // Without the cache (the same files elsewhere): the same bytes.
    const elsewhere = project('cached-plain', files);
    const plain = await buildPackage(
      options(elsewhere, { ...layered, requirements: join(elsewhere, 'requirements.txt') }),
      { logger: new RecordingLogger() },
    );
    expect(plain.codeSha256).toBe(cold.codeSha256);
    expect(plain.dependencies!.codeSha256).toBe(cold.dependencies!.codeSha256);
  });

  it('packages a Node.js function as it is, node_modules included but not its cache', async () => {
    const path = project('node', {
      'index.mjs': 'export const handler = async () => ({ statusCode: 200 });\n',
      'node_modules/left-pad/index.js': 'module.exports = () => "";\n',
      'node_modules/left-pad/package.json': '{"name":"left-pad"}',
      'node_modules/.cache/babel/x.json': '{}',
      'requirements.txt': 'ignored for node\n',
    });
    const result = await buildPackage(options(path, { runtime: 'nodejs22.x', handler: 'index.handler' }), {
      logger: new RecordingLogger(),
    });
    expect(await names(result.zipPath)).toEqual([
      'index.mjs',
      'node_modules/left-pad/index.js',
      'node_modules/left-pad/package.json',
      'requirements.txt',
    ]);
    expect(result.handler).toBe('index.handler');
  });

  it('installs requirements for Lambda into the package root, without bytecode', async () => {
    const path = project('with-deps', {
      'app.py': 'import greetlib\n\ndef handler(e, c):\n    return greetlib.hello()\n',
      'requirements.txt': 'greetlib==1.2.0\n',
    });
    const logger = new RecordingLogger();
    const result = await buildPackage(
      options(path, {
        requirements: join(path, 'requirements.txt'),
        pipArgs: ['--no-index', '--find-links', wheels],
      }),
      { logger },
    );
    const listed = await names(result.zipPath);
    expect(listed).toEqual(expect.arrayContaining(['app.py', 'requirements.txt', 'greetlib/__init__.py']));
    expect(listed).toContain('greetlib-1.2.0.dist-info/METADATA');
    expect(listed.filter((n) => /\.pyc$|__pycache__/.test(n))).toEqual([]);
    expect(logger.lines).toContainEqual({
      level: 'group',
      message: 'Installing requirements (requirements.txt)',
    });
    expect(pythonZipInfo(result.zipPath).bad).toBeNull();
  });

  it('puts the requirements in a reproducible python/ layer zip with dependencies-layer, the code alone in the function', async () => {
    const path = project('layered', {
      'app.py': 'import greetlib\n\ndef handler(e, c):\n    return greetlib.hello()\n',
      'requirements.txt': 'greetlib==1.2.0\n',
    });
    const build = () =>
      buildPackage(
        options(path, {
          requirements: join(path, 'requirements.txt'),
          pipArgs: ['--no-index', '--find-links', wheels],
          dependenciesLayer: true,
        }),
        { logger: new RecordingLogger() },
      );
    const first = await build();
    await touchAll(path);
    const second = await build();
    expect(await names(first.zipPath)).toEqual(['app.py', 'requirements.txt']);
    const layer = first.dependencies!;
    expect(basename(layer.zipPath)).toBe(`svc-deps-${layer.sha256Hex.slice(0, 12)}.zip`);
    const layerNames = await names(layer.zipPath);
    expect(layerNames).toContain('python/greetlib/__init__.py');
    expect(layerNames.every((n) => n.startsWith('python/'))).toBe(true);
    // unchanged requirements: byte-identical layer, same key, so a deploy can reuse the published layer
    expect(second.dependencies!.codeSha256).toBe(layer.codeSha256);
    expect(second.dependencies!.key).toBe(layer.key);
    expect(layer.key).toBe(
      dependenciesKey(Buffer.from('greetlib==1.2.0\n'), 'python3.12', 'x86_64', [
        '--no-index',
        '--find-links',
        wheels,
      ]),
    );
    expect(second.codeSha256).toBe(first.codeSha256);
  });

  it('names the files of the folder each entry was read from; generated files and those they replace are not among them', async () => {
    const path = project('sources', {
      'main.py': 'app = None\n',
      'lib/util.py': 'X = 1\n',
      [APP_SETTINGS_FILE]: '{"app": "other:app"}\n',
    });
    const adapterPath = join(root, 'stand-in-adapter-2.py');
    writeFileSync(adapterPath, 'def handler(event, context):\n    pass\n');
    const result = await buildPackage(options(path, { app: 'main:app', adapterPath }), {
      logger: new RecordingLogger(),
    });
    expect(await names(result.zipPath)).toEqual([ADAPTER_FILE, APP_SETTINGS_FILE, 'lib/util.py', 'main.py']);
    expect(result.sourceFiles).toEqual(
      new Map([
        ['lib/util.py', join(path, 'lib', 'util.py')],
        ['main.py', join(path, 'main.py')],
      ]),
    );
  });

  it('wraps an app with the adapter and a settings file, and hands back the adapter as handler', async () => {
    const path = project('webapp', { 'main.py': 'from flask import Flask\napp = Flask(__name__)\n' });
    const adapterPath = join(root, 'stand-in-adapter.py');
    writeFileSync(adapterPath, 'def handler(event, context):\n    pass\n');
    const result = await buildPackage(options(path, { app: 'main:app', adapterPath }), {
      logger: new RecordingLogger(),
    });
    expect(result.handler).toBe(ADAPTER_HANDLER);
    expect(ADAPTER_HANDLER).toBe('_lambda_deploy_adapter.handler');
    const entries = await listZip(result.zipPath);
    expect(entries.map((e) => e.name)).toEqual([ADAPTER_FILE, APP_SETTINGS_FILE, 'main.py']);
    const read = async (name: string) =>
      (
        await readZipEntry(
          result.zipPath,
          entries.find((e) => e.name === name)!,
        )
      ).toString();
    expect(await read(ADAPTER_FILE)).toBe(readFileSync(adapterPath, 'utf8'));
    expect(JSON.parse(await read(APP_SETTINGS_FILE))).toEqual({ app: 'main:app' });
  });

  it('uses the adapter shipped in runtime/python by default', async () => {
    const path = project('webapp-default', { 'main.py': 'app = object()\n' });
    const shipped = join(runtimeAssetsDir(), 'python', ADAPTER_FILE);
    const attempt = buildPackage(options(path, { app: 'main:app' }), { logger: new RecordingLogger() });
    if (existsSync(shipped)) {
      const result = await attempt;
      const entry = (await listZip(result.zipPath)).find((e) => e.name === ADAPTER_FILE)!;
      expect((await readZipEntry(result.zipPath, entry)).equals(readFileSync(shipped))).toBe(true);
    } else {
      await expect(attempt).rejects.toThrow(/adapter shipped with lambda-deploy is missing/);
    }
  });

  describe('keepWarm', () => {
    async function zipFiles(zipPath: string): Promise<Record<string, string>> {
      const out: Record<string, string> = {};
      for (const entry of await listZip(zipPath))
        out[entry.name] = (await readZipEntry(zipPath, entry)).toString();
      return out;
    }

    it.each([
      ['python3.12', 'app.py', 'app.handler', '_lambda_deploy_warm.py'],
      ['nodejs22.x', 'src/index.mjs', 'src/index.handler', '_lambda_deploy_warm.mjs'],
    ])(
      'wraps a plain %s handler with the shipped wrapper and names it in the settings file',
      async (runtime, file, handler, wrapperFile) => {
        const userHandler = file.endsWith('.py')
          ? 'def handler(event, context):\n    return 1\n'
          : 'export const handler = async () => 1;\n';
        const path = project(`warm-${runtime}`, { [file]: userHandler });
        const logger = new RecordingLogger();
        const result = await buildPackage(options(path, { runtime, handler, keepWarm: true }), { logger });
        expect(result.handler).toBe(WARM_HANDLER);
        expect(WARM_HANDLER).toBe('_lambda_deploy_warm.handler');
        expect(warmWrapperFile(runtime).file).toBe(wrapperFile);
        const files = await zipFiles(result.zipPath);
        expect(Object.keys(files)).toEqual([APP_SETTINGS_FILE, wrapperFile, file]);
        const shipped = join(runtimeAssetsDir(), warmWrapperFile(runtime).family, wrapperFile);
        expect(files[wrapperFile]).toBe(readFileSync(shipped, 'utf8'));
        expect(JSON.parse(files[APP_SETTINGS_FILE]!)).toEqual({ handler });
        expect(logger.text('warning')).toBe(''); // the user's module is still found

        // Reproducible: the same zip again, byte for byte.
        const again = await buildPackage(options(path, { runtime, handler, keepWarm: true }), {
          logger: new RecordingLogger(),
        });
        expect(again.codeSha256).toBe(result.codeSha256);
      },
    );

    it('uses an injected wrapper and says when the shipped one is missing', async () => {
      const path = project('warm-injected', { 'app.py': 'def handler(e, c): pass\n' });
      const warmWrapperPath = join(root, 'stand-in-wrapper.py');
      writeFileSync(warmWrapperPath, 'def handler(event, context):\n    return 1\n');
      const result = await buildPackage(options(path, { keepWarm: true, warmWrapperPath }), {
        logger: new RecordingLogger(),
      });
      expect((await zipFiles(result.zipPath))['_lambda_deploy_warm.py']).toBe(
        readFileSync(warmWrapperPath, 'utf8'),
      );
      await expect(
        buildPackage(options(path, { keepWarm: true, warmWrapperPath: join(root, 'nowhere.py') }), {
          logger: new RecordingLogger(),
        }),
      ).rejects.toThrow(/keep-warm wrapper shipped with lambda-deploy is missing at .*nowhere\.py/);
    });

    it('changes nothing without keepWarm, and nothing with app (the adapter answers the ping)', async () => {
      const plain = project('warm-off', { 'app.py': 'def handler(e, c): pass\n' });
      const off = await buildPackage(options(plain, { keepWarm: false }), { logger: new RecordingLogger() });
      const unset = await buildPackage(options(plain), { logger: new RecordingLogger() });
      expect(off.handler).toBe('app.handler');
      expect(await names(off.zipPath)).toEqual(['app.py']);
      expect(off.codeSha256).toBe(unset.codeSha256);

      const web = project('warm-app', { 'main.py': 'app = object()\n' });
      const adapterPath = join(root, 'stand-in-adapter-warm.py');
      writeFileSync(adapterPath, 'def handler(event, context):\n    pass\n');
      const withApp = await buildPackage(options(web, { app: 'main:app', adapterPath, keepWarm: true }), {
        logger: new RecordingLogger(),
      });
      const withoutWarm = await buildPackage(options(web, { app: 'main:app', adapterPath }), {
        logger: new RecordingLogger(),
      });
      expect(withApp.handler).toBe(ADAPTER_HANDLER);
      expect(await names(withApp.zipPath)).toEqual([ADAPTER_FILE, APP_SETTINGS_FILE, 'main.py']);
      expect(withApp.codeSha256).toBe(withoutWarm.codeSha256);
    });
  });

  it('fails before zipping when the package is over 250 MB unzipped, listing the largest parts', async () => {
    const path = project('too-big', { 'app.py': 'def handler(e, c): pass\n', 'models/weights.bin': '' });
    truncateSync(join(path, 'models', 'weights.bin'), 270_000_000); // sparse: no real disk use
    const outDir = join(root, 'out', 'too-big');
    const attempt = buildPackage(options(path, { outDir }), { logger: new RecordingLogger() });
    await expect(attempt).rejects.toBeInstanceOf(PackageTooLargeError);
    await expect(attempt).rejects.toThrow(/models\/\s+257\.5 MB\s+\(270,000,000 bytes\)/);
    expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
  });

  it('counts attached layers in the limit', async () => {
    const path = project('layers-count', { 'app.py': 'def handler(e, c): pass\n' });
    await expect(
      buildPackage(options(path, { layerBytes: 262_144_000 }), { logger: new RecordingLogger() }),
    ).rejects.toThrow(/layers 250\.0 MB/);
  });

  it('fails before zipping when the handler module is not in the package, and when nothing is', async () => {
    const path = project('no-handler', { 'main.py': 'def handler(e, c): pass\n' });
    const outDir = join(root, 'out', 'no-handler');
    await expect(buildPackage(options(path, { outDir }), { logger: new RecordingLogger() })).rejects.toThrow(
      /^handler: "app\.handler" names a module that is not in the package: no app\.py or app\/__init__\.py in .*; top-level Python files: main\.py\./,
    );
    expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
    await expect(
      buildPackage(options(path, { include: ['src/**'] }), { logger: new RecordingLogger() }),
    ).rejects.toThrow(/no files to package .*include: src\/\*\* matched nothing/);
  });

  it('a FastAPI app in main.py left on the default handler: the error says to set app, naming main:app', async () => {
    const path = project('fastapi-no-app', {
      'main.py':
        'from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get("/")\ndef root():\n    return {}\n',
    });
    await expect(buildPackage(options(path), { logger: new RecordingLogger() })).rejects.toThrow(
      /top-level Python files: main\.py\. main\.py makes a WSGI\/ASGI app \(FastAPI\(\)\): set app: "main:app" instead of handler;/,
    );
  });

  it("says the CLI's flags in a terminal: --handler, --path, --include", async () => {
    const path = project('no-handler-terminal', { 'main.py': 'def handler(e, c): pass\n' });
    const deps = { logger: new RecordingLogger(), surface: 'terminal' as const };
    await expect(buildPackage(options(path), deps)).rejects.toThrow(
      /^--handler: "app\.handler" names a module .* relative to --path, like "main\.handler"\.$/,
    );
    await expect(buildPackage(options(path, { include: ['src/**'] }), deps)).rejects.toThrow(
      /^--path: no files to package in .* \(--include: src\/\*\* matched nothing\)$/,
    );
  });

  it('a folder with nothing to package (the command run in the wrong folder): says what to do', async () => {
    const path = join(root, 'nothing-here');
    mkdirSync(path);
    const outcome = (surface?: 'terminal') =>
      buildPackage(options(path), { logger: new RecordingLogger(), ...(surface && { surface }) });
    await expect(outcome('terminal')).rejects.toThrow(
      `--path: no files to package in ${path}; expected the folder with your function's code: run the command in it, or name it with --path DIR.`,
    );
    await expect(outcome()).rejects.toThrow(
      `path: no files to package in ${path}; expected the folder with the function's code, relative to the checkout (path: DIR).`,
    );
  });
});

describe('dependenciesKey', () => {
  const base = dependenciesKey(Buffer.from('a==1\n'), 'python3.12', 'x86_64', []);
  const cases: [string, string][] = [
    ['requirements content', dependenciesKey(Buffer.from('a==2\n'), 'python3.12', 'x86_64', [])],
    ['runtime', dependenciesKey(Buffer.from('a==1\n'), 'python3.13', 'x86_64', [])],
    ['architecture', dependenciesKey(Buffer.from('a==1\n'), 'python3.12', 'arm64', [])],
    ['pip-args', dependenciesKey(Buffer.from('a==1\n'), 'python3.12', 'x86_64', ['--pre'])],
  ];
  it.each(cases)('changes with the %s', (_what, other) => expect(other).not.toBe(base));
  it('is stable', () =>
    expect(dependenciesKey(Buffer.from('a==1\n'), 'python3.12', 'x86_64', [])).toBe(base));
});

describe('a pyproject.toml-only project (no requirements file)', () => {
  const handler = 'import requests\n\ndef handler(event, context):\n    return {}\n';

  it('warns that the dependencies pyproject.toml declares are not installed, naming them and what to do', async () => {
    const path = project('pyproject-only', {
      'app.py': handler,
      'pyproject.toml': [
        '[project]',
        'name = "svc"',
        'version = "0.1.0"',
        'dependencies = [',
        '  "requests>=2.31",',
        '  \'fastapi[standard]; python_version >= "3.9"\',',
        ']',
        '',
        '[project.optional-dependencies]',
        'dev = ["pytest"]',
        '',
      ].join('\n'),
    });
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path), { logger });
    expect(await names(result.zipPath)).toEqual(['app.py', 'pyproject.toml']);
    const warning = logger.text('warning');
    expect(warning).toContain(
      'pyproject.toml declares 2 dependencies (requests>=2.31, fastapi[standard]; python_version >= "3.9") but there is no requirements file: they are not installed',
    );
    expect(warning).toContain('requirements.txt');
    expect(warning).not.toContain('pytest');
  });

  it('a src layout deployed with path src: warns of the dependencies the pyproject.toml above declares', async () => {
    const dir = project('src-layout', {
      'pyproject.toml': '[project]\nname = "shop"\ndependencies = ["flask>=2.2"]\n',
      'src/shop/__init__.py': '',
      'src/shop/app.py': 'from flask import Flask\napp = Flask(__name__)\n',
    });
    const logger = new RecordingLogger();
    await buildPackage(options(join(dir, 'src'), { handler: '', app: 'shop.app:app' }), { logger });
    expect(logger.text('warning')).toContain(
      `path ${join(dir, 'src')} is the src folder of ${join(dir, 'pyproject.toml')}: pyproject.toml declares 1 dependency (flask>=2.2) but there is no requirements file: they are not installed`,
    );
    expect(logger.text('warning')).toContain('or name the file with requirements.');

    // With requirements.txt beside pyproject.toml: the one setting that reads it.
    writeFileSync(join(dir, 'requirements.txt'), 'flask\n');
    const beside = new RecordingLogger();
    await buildPackage(options(join(dir, 'src'), { handler: '', app: 'shop.app:app' }), { logger: beside });
    expect(beside.text('warning')).toBe(
      `path ${join(dir, 'src')} is the src folder of ${join(dir, 'pyproject.toml')}, and the requirements.txt beside it is not read from there: its dependencies are not installed; set requirements: ../requirements.txt (relative to path).`,
    );
  });

  it('says the same of Poetry dependencies, and nothing when there are none or a requirements file is given', async () => {
    const poetry = project('poetry-only', {
      'app.py': handler,
      'pyproject.toml':
        '[tool.poetry]\nname = "svc"\n\n[tool.poetry.dependencies]\npython = "^3.12"\nrequests = "^2.31"\n\n[tool.poetry.group.dev.dependencies]\npytest = "*"\n',
    });
    const poetryLogger = new RecordingLogger();
    await buildPackage(options(poetry), { logger: poetryLogger });
    expect(poetryLogger.text('warning')).toContain('pyproject.toml declares 1 dependency (requests) but');

    const none = project('pyproject-no-deps', {
      'app.py': handler,
      'pyproject.toml': '[project]\nname = "svc"\ndependencies = []\n\n[tool.ruff]\nline-length = 100\n',
    });
    const noneLogger = new RecordingLogger();
    await buildPackage(options(none), { logger: noneLogger });
    expect(noneLogger.text('warning')).toBe('');

    const withRequirements = project('pyproject-and-requirements', {
      'app.py': handler,
      'pyproject.toml': '[project]\nname = "svc"\ndependencies = ["greetlib==1.2.0"]\n',
      'requirements.txt': 'greetlib==1.2.0\n',
    });
    const requirementsLogger = new RecordingLogger();
    const installed = await buildPackage(
      options(withRequirements, {
        requirements: join(withRequirements, 'requirements.txt'),
        pipArgs: ['--no-index', '--find-links', wheels],
      }),
      { logger: requirementsLogger },
    );
    expect(await names(installed.zipPath)).toContain('greetlib/__init__.py');
    expect(requirementsLogger.text('warning')).not.toContain('pyproject.toml');
  });

  it('reads pyproject.toml as TOML 1.0 (a header with spaces, a sub-table), and warns of one that is not TOML', async () => {
    const spaced = project('pyproject-toml-forms', {
      'app.py': handler,
      'pyproject.toml':
        '[ project ]  # PEP 621\nname = "svc"\ndependencies = ["requests>=2.31"]\n\n[tool.poetry.dependencies.boto3]\nversion = "^1"\n',
    });
    const logger = new RecordingLogger();
    await buildPackage(options(spaced), { logger });
    expect(logger.text('warning')).toContain(
      'pyproject.toml declares 2 dependencies (requests>=2.31, boto3) but',
    );

    const broken = project('pyproject-not-toml', {
      'app.py': handler,
      'pyproject.toml': '[project]\nname = "svc"\ndependencies = ["requests>=2.31"\n',
    });
    // Read only to warn (nothing is installed from it): the build goes on and says why.
    const brokenLogger = new RecordingLogger();
    await buildPackage(options(broken), { logger: brokenLogger });
    expect(brokenLogger.text('warning')).toContain(`${join(broken, 'pyproject.toml')} line 4: `);
    expect(brokenLogger.text('warning')).toContain('not TOML, so the dependencies it declares were not read');
  });
});

describe('a uv project (pyproject.toml and uv.lock, no requirements file)', () => {
  const fixture = join(import.meta.dirname, 'fixtures', 'uv-flask-app');
  const lock = withoutLockedHashes(readFileSync(join(fixture, 'uv.lock'), 'utf8'));
  const uvWheels = join(root, 'uv-wheels');
  const pinned = [
    ['asgiref', '3.8.1'],
    ['blinker', '1.9.0'],
    ['click', '8.1.8'],
    ['flask', '3.1.0'],
    ['itsdangerous', '2.2.0'],
    ['jinja2', '3.1.5'],
    ['markupsafe', '3.0.2'],
    ['numpy', '2.2.6'],
    ['werkzeug', '3.1.3'],
  ];
  beforeAll(async () => {
    mkdirSync(uvWheels);
    // The dev group's, the Windows-only colorama, the other fork's numpy and a newer flask are offered too: none is installed.
    const offered = [
      ...pinned,
      ['colorama', '0.4.6'],
      ['numpy', '2.0.2'],
      ['flask', '3.2.0'],
      ['pytest', '8.3.4'],
      ['iniconfig', '2.0.0'],
      ['pluggy', '1.5.0'],
      ['packaging', '24.2'],
    ];
    for (const [name, version] of offered)
      await buildWheel(uvWheels, name!, version!, `VERSION = "${version}"\n`);
  });

  function uvProject(name: string, files: Record<string, string> = {}): string {
    return project(name, {
      'app.py': readFileSync(join(fixture, 'app.py'), 'utf8'),
      'pyproject.toml': readFileSync(join(fixture, 'pyproject.toml'), 'utf8'),
      'uv.lock': lock,
      ...files,
    });
  }

  const uvOptions = (path: string, overrides: Partial<BuildPackageOptions> = {}) =>
    options(path, { app: 'app:app', pipArgs: ['--no-index', '--find-links', uvWheels], ...overrides });

  it('installs the versions uv.lock pins for its dependencies, not its dev group, and writes nothing into the project', async () => {
    const path = uvProject('uv-app');
    const logger = new RecordingLogger();
    const result = await buildPackage(uvOptions(path), { logger });
    const files = await names(result.zipPath);
    const distInfos = files
      .filter((f) => f.endsWith('.dist-info/METADATA'))
      .map((f) => f.split('.dist-info')[0]);
    expect(distInfos.sort()).toEqual(pinned.map(([name, version]) => `${name}-${version}`));
    expect(files).toContain('flask/__init__.py');
    expect(logger.text('info')).toContain('Installing the 10 packages uv.lock pins (no requirements.txt)');
    expect(logger.text('info')).toContain(`Installing the packages ${join(path, 'uv.lock')} pins for`);
    expect(logger.text('warning')).not.toContain('pyproject.toml declares');
    expect(readdirSync(path).sort()).toEqual(['app.py', 'pyproject.toml', 'uv.lock']);
  });

  it('a src layout (path: src, pyproject.toml and uv.lock one folder up): installs what uv.lock pins', async () => {
    const dir = project('uv-src-layout', {
      'pyproject.toml': readFileSync(join(fixture, 'pyproject.toml'), 'utf8'),
      'uv.lock': lock,
      'src/app.py': readFileSync(join(fixture, 'app.py'), 'utf8'),
    });
    const logger = new RecordingLogger();
    const result = await buildPackage(uvOptions(join(dir, 'src')), { logger });
    const files = await names(result.zipPath);
    expect(files).toContain('flask/__init__.py');
    expect(files).toContain('app.py');
    expect(files).not.toContain('pyproject.toml');
    expect(logger.text('info')).toContain(`Installing the packages ${join(dir, 'uv.lock')} pins for`);
    expect(logger.text('warning')).toBe('');
  });

  describe('a uv.lock locked from another pyproject.toml', () => {
    it('warns before pip runs when pyproject.toml declares a package the lock was not locked with, naming both files', async () => {
      const pyproject = readFileSync(join(fixture, 'pyproject.toml'), 'utf8');
      const path = uvProject('uv-stale', {
        'pyproject.toml': pyproject.replace('"numpy>=2.0",', '"numpy>=2.0",\n    "requests>=2",'),
      });
      const logger = new RecordingLogger();
      await buildPackage(uvOptions(path), { logger });
      const warning = logger.lines.findIndex((l) => l.level === 'warning');
      expect(logger.lines[warning]?.message).toContain(
        `${join(path, 'uv.lock')} is out of date with ${join(path, 'pyproject.toml')}: pyproject.toml declares requests, which uv.lock was not locked with (uv lock --check fails on it).`,
      );
      expect(logger.lines[warning]?.message).toContain('Run uv lock and commit uv.lock.');
      expect(logger.text('warning').match(/out of date/g)).toHaveLength(1);
      // Before anything is installed (or anything is done in AWS).
      expect(warning).toBeLessThan(logger.lines.findIndex((l) => l.message.startsWith('Installing')));
    });

    it("says nothing when the lock's requirements name the packages pyproject.toml declares", async () => {
      const logger = new RecordingLogger();
      await buildPackage(uvOptions(uvProject('uv-fresh')), { logger });
      expect(logger.text('warning')).toBe('');
      expect(logger.text('info')).toContain('Installing the 10 packages uv.lock pins');
    });
  });

  it("keys the dependencies layer on the pins: a changed pin builds it again, a dev group's change does not", async () => {
    const layerKey = async (name: string, text: string) => {
      const result = await buildPackage(
        uvOptions(uvProject(name, { 'uv.lock': text }), { dependenciesLayer: true }),
        {
          logger: new RecordingLogger(),
        },
      );
      return { key: result.dependencies!.key, files: await names(result.dependencies!.zipPath) };
    };
    const first = await layerKey('uv-layer-a', lock);
    const devChanged = await layerKey('uv-layer-b', lock.replace('version = "8.3.4"', 'version = "8.3.5"'));
    const flaskChanged = await layerKey('uv-layer-c', lock.replace('version = "3.1.0"', 'version = "3.2.0"'));
    expect(devChanged.key).toBe(first.key);
    expect(flaskChanged.key).not.toBe(first.key);
    expect(flaskChanged.files).toContain('python/flask-3.2.0.dist-info/METADATA');
  });

  it('refuses a uv.lock it cannot read, naming the file and line, before pip runs', async () => {
    const path = uvProject('uv-malformed', { 'uv.lock': lock.replace('size = 22460 }', 'size = 22460') });
    const logger = new RecordingLogger();
    await expect(buildPackage(uvOptions(path), { logger })).rejects.toThrow(
      `${join(path, 'uv.lock')} line 22: expected "," or "}" in an inline table, found the end of the line. lambda-deploy installs the versions uv.lock pins`,
    );
    expect(logger.text()).not.toContain('Installing');
  });

  it('installs the requirements file when there is one, and reads no uv.lock', async () => {
    const path = uvProject('uv-with-requirements', {
      'uv.lock': 'not toml at all',
      'requirements.txt': 'flask==3.2.0\n',
    });
    const logger = new RecordingLogger();
    const result = await buildPackage(uvOptions(path, { requirements: join(path, 'requirements.txt') }), {
      logger,
    });
    const files = await names(result.zipPath);
    expect(files).toContain('flask-3.2.0.dist-info/METADATA');
    expect(files).not.toContain('werkzeug/__init__.py');
    expect(logger.text()).not.toContain('uv.lock pins');
  });

  it('installs uv.lock when there is a poetry.lock too, and reads no poetry.lock', async () => {
    const path = uvProject('uv-and-poetry', { 'poetry.lock': 'not toml at all' });
    const logger = new RecordingLogger();
    const result = await buildPackage(uvOptions(path), { logger });
    expect(await names(result.zipPath)).toContain('numpy-2.2.6.dist-info/METADATA');
    expect(logger.text('info')).toContain('Installing the 10 packages uv.lock pins');
    expect(logger.text()).not.toContain('poetry.lock');
  });

  it('a git entry: installed without hash checking (pip checks all or none), and the log says why, naming it', async () => {
    // A repository pip builds offline: its in-tree backend hands over a wheel built here.
    const repo = join(root, 'gitdep-repo');
    mkdirSync(repo);
    await buildWheel(repo, 'gitdep', '0.1.0', 'G = 1\n');
    writeFileSync(
      join(repo, 'pyproject.toml'),
      '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
    );
    writeFileSync(
      join(repo, 'backend.py'),
      'import os, shutil\n' +
        'def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n' +
        '    here = os.path.dirname(os.path.abspath(__file__))\n' +
        '    name = [n for n in os.listdir(here) if n.endswith(".whl")][0]\n' +
        '    shutil.copy(os.path.join(here, name), wheel_directory)\n' +
        '    return name\n',
    );
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: repo,
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'gitdep');
    const commit = git('rev-parse', 'HEAD');
    const asgiref = createHash('sha256')
      .update(readFileSync(join(uvWheels, 'asgiref-3.8.1-py3-none-any.whl')))
      .digest('hex');
    const uvLock = [
      'version = 1',
      '',
      '[[package]]',
      'name = "app"',
      'version = "0.1.0"',
      'source = { virtual = "." }',
      'dependencies = [{ name = "asgiref" }, { name = "gitdep" }]',
      '',
      '[[package]]',
      'name = "asgiref"',
      'version = "3.8.1"',
      'source = { registry = "https://pypi.org/simple" }',
      `wheels = [{ url = "https://files.example/asgiref-3.8.1-py3-none-any.whl", hash = "sha256:${asgiref}" }]`,
      '',
      '[[package]]',
      'name = "gitdep"',
      'version = "0.1.0"',
      `source = { git = "file://localhost${repo}?rev=main#${commit}" }`,
      '',
    ].join('\n');
    const path = project('uv-git', {
      'app.py': 'def handler(event, context):\n    return 1\n',
      'pyproject.toml': '[project]\nname = "app"\ndependencies = ["asgiref", "gitdep"]\n',
      'uv.lock': uvLock,
    });
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path, { pipArgs: ['--no-index', '--find-links', uvWheels] }), {
      logger,
    });
    expect(await names(result.zipPath)).toEqual(
      expect.arrayContaining(['gitdep/__init__.py', 'asgiref/__init__.py']),
    );
    expect(logger.text('info')).toContain(
      `pip does not check the files it installs against uv.lock's hashes: uv.lock records none for gitdep @ git+file://localhost${repo}@${commit} (a git, folder or URL entry`,
    );
    expect(logger.text()).not.toContain('each checked against the hashes');
  });

  // pip-args adding requirements of its own: a requirements file, or a bare name among options.
  it.each([
    [
      'a requirements file (-r other.txt)',
      'uv-extra-r',
      (path: string) => ['-r', join(path, 'other.txt')],
      (path: string) => `-r ${join(path, 'other.txt')}`,
    ],
    ['a bare requirement name (extradep)', 'uv-extra-name', () => ['extradep'], () => 'extradep'],
  ])(
    'pip-args adding %s: installed without hash checking, which would refuse its requirements, and the log says why',
    async (_what, name, added, shown) => {
      const extra = join(root, 'extra-wheels');
      if (!existsSync(extra)) {
        mkdirSync(extra);
        await buildWheel(extra, 'extradep', '0.1.0', 'E = 1\n');
      }
      const asgiref = createHash('sha256')
        .update(readFileSync(join(uvWheels, 'asgiref-3.8.1-py3-none-any.whl')))
        .digest('hex');
      const path = project(name, {
        'app.py': 'def handler(event, context):\n    return 1\n',
        'pyproject.toml': '[project]\nname = "app"\ndependencies = ["asgiref"]\n',
        'uv.lock': [
          'version = 1',
          '',
          '[[package]]',
          'name = "app"',
          'version = "0.1.0"',
          'source = { virtual = "." }',
          'dependencies = [{ name = "asgiref" }]',
          '',
          '[[package]]',
          'name = "asgiref"',
          'version = "3.8.1"',
          'source = { registry = "https://pypi.org/simple" }',
          `wheels = [{ url = "https://files.example/asgiref-3.8.1-py3-none-any.whl", hash = "sha256:${asgiref}" }]`,
          '',
        ].join('\n'),
        'other.txt': 'extradep==0.1.0\n',
      });
      const logger = new RecordingLogger();
      const pipArgs = ['--no-index', '--find-links', uvWheels, '--find-links', extra, ...added(path)];
      const result = await buildPackage(options(path, { pipArgs }), { logger });
      expect(await names(result.zipPath)).toEqual(
        expect.arrayContaining(['extradep/__init__.py', 'asgiref/__init__.py']),
      );
      expect(logger.text('info')).toContain(
        `pip does not check the files it installs against uv.lock's hashes: pip-args adds requirements (${shown(path)}) uv.lock has no hashes for`,
      );
      expect(logger.text()).not.toContain('each checked against the hashes');
    },
  );
});

describe('a uv workspace member (its pyproject.toml in path, uv.lock at the workspace root above it)', () => {
  const fixture = join(import.meta.dirname, 'fixtures', 'uv-workspace');

  /** A copy of the workspace in a repository of its own (a .git folder at its root). */
  function repository(name: string, files: Record<string, string> = {}): string {
    const dir = join(root, name);
    cpSync(fixture, dir, { recursive: true });
    mkdirSync(join(dir, '.git'));
    project(name, files);
    return dir;
  }

  // Never the wheel cache: a wslib wheel kept from an earlier run would hide the build.
  const memberOptions = (path: string, overrides: Partial<BuildPackageOptions> = {}) =>
    options(path, { pipArgs: ['--no-index', '--find-links', wheels, '--no-cache-dir'], ...overrides });

  it("installs what the workspace's uv.lock pins for that member: another member built from its folder, never the dev group nor the member itself", async () => {
    const repo = repository('uv-ws');
    const path = join(repo, 'packages', 'api');
    const logger = new RecordingLogger();
    expect(installsRequirements(memberOptions(path, { workspace: repo }))).toBe(true);
    const result = await buildPackage(memberOptions(path, { workspace: repo }), { logger });
    const files = await names(result.zipPath);
    const distInfos = files.filter((f) => f.endsWith('.dist-info/METADATA')).sort();
    expect(distInfos).toEqual(['greetlib-1.2.0.dist-info/METADATA', 'wslib-0.2.0.dist-info/METADATA']);
    expect(files).toEqual(expect.arrayContaining(['app.py', 'greetlib/__init__.py', 'wslib/__init__.py']));
    expect(files).not.toContain('packages/lib/backend.py');
    expect(logger.text('info')).toContain('Installing the 2 packages uv.lock pins (no requirements.txt)');
    expect(logger.text('info')).toContain(`Installing the packages ${join(repo, 'uv.lock')} pins for`);
    expect(logger.text('warning')).not.toContain('pyproject.toml declares');
    expect(readdirSync(repo).sort()).toEqual(['.git', 'packages', 'pyproject.toml', 'uv.lock']);
  });

  it('reads no uv.lock above the repository or the GitHub workspace, nor one whose members leave path out', async () => {
    const repo = repository('uv-ws-bounds', {
      'packages/api/.git/HEAD': 'ref: refs/heads/main\n',
      'packages/legacy/pyproject.toml': '[project]\nname = "legacy"\ndependencies = ["greetlib"]\n',
      'packages/legacy/app.py': 'def handler(event, context):\n    return 1\n',
      'tools/cli/pyproject.toml': '[project]\nname = "cli"\ndependencies = ["greetlib"]\n',
      'tools/cli/app.py': 'def handler(event, context):\n    return 1\n',
    });
    const lib = join(repo, 'packages', 'lib');
    const cases = [
      memberOptions(join(repo, 'packages', 'api')),
      memberOptions(lib, { workspace: lib }),
      memberOptions(join(repo, 'packages', 'legacy')),
      memberOptions(join(repo, 'tools', 'cli')),
    ];
    for (const [i, opts] of cases.entries()) {
      expect([i, installsRequirements(opts)]).toEqual([i, false]);
    }
    const logger = new RecordingLogger();
    await buildPackage(cases[2]!, { logger });
    expect(logger.text('warning')).toContain('pyproject.toml declares 1 dependency (greetlib)');
  });

  it('refuses a member uv.lock does not know, naming the file and the member, before pip runs', async () => {
    const repo = repository('uv-ws-unlocked', {
      'packages/web/pyproject.toml': '[project]\nname = "web"\ndependencies = ["greetlib"]\n',
      'packages/web/app.py': 'def handler(event, context):\n    return 1\n',
    });
    const logger = new RecordingLogger();
    await expect(
      buildPackage(memberOptions(join(repo, 'packages', 'web'), { workspace: repo }), { logger }),
    ).rejects.toThrow(
      `${join(repo, 'uv.lock')}: no package in it is the workspace member in packages/web (source editable = "packages/web" or virtual = "packages/web"); its workspace members are api, monorepo, wslib. lambda-deploy installs the versions uv.lock pins when there is no requirements file: run uv lock to write it again`,
    );
    expect(logger.text()).not.toContain('Installing');
  });
});

describe('a Poetry project (pyproject.toml and poetry.lock, no requirements file)', () => {
  const poetryWheels = join(root, 'poetry-wheels');
  beforeAll(async () => {
    mkdirSync(poetryWheels);
    // Both generations' main and dev packages, and the ones markers or extras leave out: only the main ones are installed.
    const offered = [
      ['asgiref', '3.5.2'],
      ['asgiref', '3.8.1'],
      ['attrs', '22.1.0'],
      ['blinker', '1.9.0'],
      ['click', '8.1.3'],
      ['click', '8.1.8'],
      ['colorama', '0.4.6'],
      ['exceptiongroup', '1.2.2'],
      ['flask', '2.2.2'],
      ['flask', '3.1.0'],
      ['iniconfig', '1.1.1'],
      ['iniconfig', '2.0.0'],
      ['itsdangerous', '2.1.2'],
      ['itsdangerous', '2.2.0'],
      ['jinja2', '3.1.2'],
      ['jinja2', '3.1.5'],
      ['markupsafe', '2.1.1'],
      ['markupsafe', '3.0.2'],
      ['packaging', '22.0'],
      ['pluggy', '1.0.0'],
      ['pytest', '7.2.0'],
      ['pytest', '8.3.4'],
      ['python_dotenv', '1.0.1'],
      ['werkzeug', '2.2.2'],
      ['werkzeug', '3.1.3'],
      ['zipp', '3.11.0'],
    ];
    for (const [name, version] of offered)
      await buildWheel(poetryWheels, name!, version!, `VERSION = "${version}"\n`);
  });

  function poetryProject(name: string, fixture: string, files: Record<string, string> = {}): string {
    const from = join(import.meta.dirname, 'fixtures', fixture);
    return project(name, {
      'app.py': readFileSync(join(from, 'app.py'), 'utf8'),
      'pyproject.toml': readFileSync(join(from, 'pyproject.toml'), 'utf8'),
      'poetry.lock': withoutLockedHashes(readFileSync(join(from, 'poetry.lock'), 'utf8')),
      ...files,
    });
  }

  const poetryOptions = (path: string) =>
    options(path, { app: 'app:app', pipArgs: ['--no-index', '--find-links', poetryWheels] });

  async function installed(path: string, logger: RecordingLogger) {
    const files = await names((await buildPackage(poetryOptions(path), { logger })).zipPath);
    return files
      .filter((f) => f.endsWith('.dist-info/METADATA'))
      .map((f) => f.split('.dist-info')[0])
      .sort();
  }

  it.each([
    [
      'poetry1-flask-app',
      10,
      [
        'asgiref-3.5.2',
        'click-8.1.3',
        'flask-2.2.2',
        'itsdangerous-2.1.2',
        'jinja2-3.1.2',
        'markupsafe-2.1.1',
        'werkzeug-2.2.2',
      ],
    ],
    [
      'poetry2-flask-app',
      11,
      [
        'asgiref-3.8.1',
        'blinker-1.9.0',
        'click-8.1.8',
        'flask-3.1.0',
        'itsdangerous-2.2.0',
        'jinja2-3.1.5',
        'markupsafe-3.0.2',
        'werkzeug-3.1.3',
      ],
    ],
  ])(
    '%s: installs the versions poetry.lock pins for its main dependencies, not its dev group',
    async (fixture, count, pinned) => {
      const path = poetryProject(fixture, fixture);
      const logger = new RecordingLogger();
      expect(await installed(path, logger)).toEqual(pinned);
      expect(logger.text('info')).toContain(
        `Installing the ${count} packages poetry.lock pins (no requirements.txt)`,
      );
      expect(logger.text('info')).toContain(`Installing the packages ${join(path, 'poetry.lock')} pins for`);
      // The fixtures' locks were written from these pyprojects: no "out of date" warning, nor any other.
      expect(logger.text('warning')).toBe('');
      expect(readdirSync(path).sort()).toEqual(['app.py', 'poetry.lock', 'pyproject.toml']);
    },
  );

  it('poetry1-flask-app: reads [tool.poetry.dependencies] as TOML 1.0 writes it (header with spaces, dotted keys)', async () => {
    const from = readFileSync(
      join(import.meta.dirname, 'fixtures', 'poetry1-flask-app', 'pyproject.toml'),
      'utf8',
    );
    const pyproject = from.replace(
      '[tool.poetry.dependencies]\npython = "^3.9"\nflask = {version = "^2.2", extras = ["async"]}\n',
      '[ tool.poetry.dependencies ]  # run time\npython = "^3.9"\nflask.version = "^2.2"\nflask.extras = ["async"]\n',
    );
    expect(pyproject).not.toBe(from);
    const path = poetryProject('poetry1-toml', 'poetry1-flask-app', { 'pyproject.toml': pyproject });
    const logger = new RecordingLogger();
    expect(await installed(path, logger)).toContain('flask-2.2.2');
    expect(logger.text('info')).toContain('Installing the 10 packages poetry.lock pins');
    // The same TOML, so the same content-hash: not out of date.
    expect(logger.text('warning')).toBe('');
  });

  it('refuses a pyproject.toml that is not TOML, naming the file and the line, before pip runs', async () => {
    const path = poetryProject('poetry1-not-toml', 'poetry1-flask-app', {
      'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.9"\nflask = {version = "^2.2"\n',
    });
    const logger = new RecordingLogger();
    await expect(buildPackage(poetryOptions(path), { logger })).rejects.toThrow(
      `${join(path, 'pyproject.toml')} line 3: `,
    );
    expect(logger.text()).not.toContain('Installing');
  });

  describe('a poetry.lock locked from another pyproject.toml', () => {
    // The content-hash Poetry computes for this fixture's pyproject.toml (fixtures/poetry-hash, generate-hashes.py),
    // as the Poetry 2.0.1 its lock's header names hashes it.
    const hashes = join(import.meta.dirname, 'fixtures', 'poetry-hash');
    const poetryHash = (
      JSON.parse(readFileSync(join(hashes, 'hashes.json'), 'utf8')) as Record<string, Record<string, string>>
    )['poetry2-flask-app.pyproject.toml']!['poetry-2.2']!;
    const from = join(import.meta.dirname, 'fixtures', 'poetry2-flask-app');
    const pyproject = readFileSync(join(from, 'pyproject.toml'), 'utf8');
    const hashed = withoutLockedHashes(readFileSync(join(from, 'poetry.lock'), 'utf8'));

    it('is the pyproject.toml these tests build, and a lock Poetry 2.0 wrote from it', () => {
      expect(readFileSync(join(hashes, 'poetry2-flask-app.pyproject.toml'), 'utf8')).toBe(pyproject);
      expect(hashed).toMatch(/^# This file is automatically @generated by Poetry 2\.0\.1 /);
      expect(hashed).toContain(`content-hash = "${poetryHash}"`);
    });

    it('warns before pip runs when pyproject.toml changed since poetry lock, naming both files', async () => {
      const path = poetryProject('poetry-stale', 'poetry2-flask-app', {
        'pyproject.toml': pyproject.replace(
          '"flask[async] (>=3.1,<4.0)",',
          '"flask[async] (>=3.1,<4.0)",\n    "requests (>=2)",',
        ),
        'poetry.lock': hashed,
      });
      const logger = new RecordingLogger();
      await buildPackage(poetryOptions(path), { logger });
      const warning = logger.lines.findIndex((l) => l.level === 'warning');
      expect(logger.lines[warning]?.message).toContain(
        `${join(path, 'poetry.lock')} is out of date with ${join(path, 'pyproject.toml')}: it was locked from another pyproject.toml (its content-hash is ${poetryHash}, the pyproject's is `,
      );
      expect(logger.lines[warning]?.message).toContain('Run poetry lock and commit poetry.lock.');
      expect(logger.text('warning').match(/out of date/g)).toHaveLength(1);
      expect(warning).toBeLessThan(logger.lines.findIndex((l) => l.message.startsWith('Installing')));
    });

    // Tool settings as real pyprojects hold them: TOML the lockfile subset does not read.
    const toolSettings =
      '\n[tool.pytest.ini_options]\naddopts = """\n  -ra\n  --strict-markers\n"""\n\n' +
      '[tool.coverage.report]\nfail_under = 90.5\n\n[tool.ruff]\nlint.select = ["E", "F"]\n';

    it('checks a pyproject.toml with pytest addopts over lines, a float and dotted keys: stale warns, fresh does not', async () => {
      const stale = poetryProject('poetry-stale-tools', 'poetry2-flask-app', {
        'pyproject.toml': `${pyproject.replace('"flask[async] (>=3.1,<4.0)",', '"flask[async] (>=3.1,<4.0)",\n    "requests (>=2)",')}${toolSettings}`,
        'poetry.lock': hashed,
      });
      const logger = new RecordingLogger();
      await buildPackage(poetryOptions(stale), { logger });
      expect(logger.text('warning')).toContain(
        `${join(stale, 'poetry.lock')} is out of date with ${join(stale, 'pyproject.toml')}: it was locked from another pyproject.toml (its content-hash is ${poetryHash}, `,
      );
      const fresh = poetryProject('poetry-fresh-tools', 'poetry2-flask-app', {
        'pyproject.toml': `${pyproject}${toolSettings}`,
        'poetry.lock': hashed,
      });
      const quiet = new RecordingLogger();
      await buildPackage(poetryOptions(fresh), { logger: quiet });
      expect(quiet.text('warning')).toBe('');
    });

    it("says nothing when the lock is the pyproject's, whatever its comments and descriptions", async () => {
      const path = poetryProject('poetry-fresh', 'poetry2-flask-app', {
        'pyproject.toml': `# locked with poetry lock\n${pyproject.replace('A Flask app on Lambda', 'Hello')}`,
        'poetry.lock': hashed,
      });
      const logger = new RecordingLogger();
      await buildPackage(poetryOptions(path), { logger });
      expect(logger.text('warning')).toBe('');
      expect(logger.text('info')).toContain('Installing the 11 packages poetry.lock pins');
    });
  });

  it('warns when the lockfile pins none of the dependencies pyproject.toml declares (a [project] list beside a Poetry 1 lock)', async () => {
    const from = join(import.meta.dirname, 'fixtures', 'poetry1-flask-app', 'pyproject.toml');
    const pep621 = readFileSync(from, 'utf8').replace(
      /\[tool\.poetry\.dependencies\]\n(?:.+\n)*\n/,
      '[project]\nname = "hello-app"\ndependencies = ["flask>=2.2"]\n\n',
    );
    expect(pep621).not.toContain('flask = ');
    const path = poetryProject('poetry-pep621', 'poetry1-flask-app', { 'pyproject.toml': pep621 });
    const logger = new RecordingLogger();
    expect(await installed(path, logger)).toEqual([]);
    expect(logger.text('warning')).toContain(
      'poetry.lock pins none of the dependencies pyproject.toml declares. pyproject.toml declares 1 dependency (flask>=2.2)',
    );
  });

  it('refuses a poetry.lock it cannot read, naming the file and line, before pip runs', async () => {
    const lock = readFileSync(
      join(import.meta.dirname, 'fixtures', 'poetry2-flask-app', 'poetry.lock'),
      'utf8',
    );
    const path = poetryProject('poetry-malformed', 'poetry2-flask-app', {
      'poetry.lock': lock.replace(
        'markers = "python_version < \\"3.10\\""',
        'markers = "python_version < \\"3.10\\"',
      ),
    });
    const logger = new RecordingLogger();
    await expect(buildPackage(poetryOptions(path), { logger })).rejects.toThrow(
      `${join(path, 'poetry.lock')} line 93: a string is not closed on its line. lambda-deploy installs the versions poetry.lock pins when there is no requirements file: run poetry lock to write it again`,
    );
    expect(logger.text()).not.toContain('Installing');
  });
});

describe('a Pipenv project (Pipfile and Pipfile.lock, no requirements file)', () => {
  const pipenvWheels = join(root, 'pipenv-wheels');
  beforeAll(async () => {
    mkdirSync(pipenvWheels);
    for (const [name, version] of [
      ['greetlib', '1.2.0'],
      ['greetlib', '1.3.0'],
      ['colorama', '0.4.6'],
      ['pytest', '8.3.4'],
    ])
      await buildWheel(pipenvWheels, name!, version!, `VERSION = "${version}"\n`);
  });
  const pipfile =
    '[packages]\ngreetlib = "*"\ncolorama = {version = "*", markers = "sys_platform == \'win32\'"}\n\n[dev-packages]\npytest = "*"\n';
  const lockOf = (greetlib: string, pytest = '8.3.4') =>
    JSON.stringify({
      _meta: {
        'pipfile-spec': 6,
        sources: [{ name: 'pypi', url: 'https://pypi.org/simple', verify_ssl: true }],
      },
      default: {
        colorama: { index: 'pypi', markers: "sys_platform == 'win32'", version: '==0.4.6' },
        greetlib: { index: 'pypi', version: `==${greetlib}` },
      },
      develop: { pytest: { index: 'pypi', version: `==${pytest}` } },
    });
  const pipenvProject = (name: string, files: Record<string, string> = {}) =>
    project(name, {
      'app.py': 'def handler(event, context):\n    return {}\n',
      Pipfile: pipfile,
      'Pipfile.lock': lockOf('1.2.0'),
      ...files,
    });
  const pipenvOptions = (path: string, overrides: Partial<BuildPackageOptions> = {}) =>
    options(path, { pipArgs: ['--no-index', '--find-links', pipenvWheels], ...overrides });

  it('installs the default section, with its markers, not develop; writes nothing into the project', async () => {
    const path = pipenvProject('pipenv-app');
    const logger = new RecordingLogger();
    const files = await names((await buildPackage(pipenvOptions(path), { logger })).zipPath);
    expect(files.filter((f) => f.endsWith('.dist-info/METADATA'))).toEqual([
      'greetlib-1.2.0.dist-info/METADATA',
    ]);
    expect(logger.text('info')).toContain(
      'Installing the 2 packages Pipfile.lock pins (no requirements.txt)',
    );
    expect(logger.text('warning')).toBe('');
    expect(readdirSync(path).sort()).toEqual(['Pipfile', 'Pipfile.lock', 'app.py']);
  });

  it('keys the dependencies layer on the pins: a changed pin builds it again, a develop change does not', async () => {
    const layerKey = async (name: string, lock: string) =>
      (
        await buildPackage(
          pipenvOptions(pipenvProject(name, { 'Pipfile.lock': lock }), { dependenciesLayer: true }),
          {
            logger: new RecordingLogger(),
          },
        )
      ).dependencies!.key;
    const first = await layerKey('pipenv-layer-a', lockOf('1.2.0'));
    expect(await layerKey('pipenv-layer-b', lockOf('1.2.0', '8.3.5'))).toBe(first);
    expect(await layerKey('pipenv-layer-c', lockOf('1.3.0'))).not.toBe(first);
  });

  it('a Pipenv project in a folder named src, below a pyproject.toml of tools only: installs its own Pipfile.lock', async () => {
    const dir = project('pipenv-in-src', {
      'pyproject.toml': '[tool.ruff]\nline-length = 100\n',
      'src/app.py': 'def handler(event, context):\n    return {}\n',
      'src/Pipfile': pipfile,
      'src/Pipfile.lock': lockOf('1.2.0'),
    });
    const logger = new RecordingLogger();
    const files = await names((await buildPackage(pipenvOptions(join(dir, 'src')), { logger })).zipPath);
    expect(files).toContain('greetlib-1.2.0.dist-info/METADATA');
    expect(logger.text('info')).toContain('Installing the 2 packages Pipfile.lock pins');
  });

  it('counts Pipfile.lock as requirements to install (slim is possible)', () => {
    expect(installsRequirements(pipenvOptions(pipenvProject('pipenv-installs')))).toBe(true);
    expect(installsRequirements(pipenvOptions(project('pipenv-no-lock', { Pipfile: pipfile })))).toBe(false);
  });

  it('reads no Pipfile.lock beside a requirements file; a pyproject.toml lock wins over it', async () => {
    const withRequirements = pipenvProject('pipenv-with-requirements', {
      'Pipfile.lock': 'not JSON',
      'requirements.txt': 'greetlib==1.3.0\n',
    });
    const logger = new RecordingLogger();
    const files = await names(
      (
        await buildPackage(
          pipenvOptions(withRequirements, { requirements: join(withRequirements, 'requirements.txt') }),
          { logger },
        )
      ).zipPath,
    );
    expect(files).toContain('greetlib-1.3.0.dist-info/METADATA');
    expect(logger.text()).not.toContain('Pipfile.lock');

    const uvLock =
      'version = 1\n\n[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [{ name = "greetlib" }]\n\n[[package]]\nname = "greetlib"\nversion = "1.3.0"\nsource = { registry = "https://pypi.org/simple" }\n';
    const both = pipenvProject('pipenv-and-uv', {
      'Pipfile.lock': 'not JSON',
      'pyproject.toml': '[project]\nname = "svc"\ndependencies = ["greetlib"]\n',
      'uv.lock': uvLock,
    });
    const bothLogger = new RecordingLogger();
    expect(await names((await buildPackage(pipenvOptions(both), { logger: bothLogger })).zipPath)).toContain(
      'greetlib-1.3.0.dist-info/METADATA',
    );
    expect(bothLogger.text('info')).toContain('Installing the 1 package uv.lock pins');

    // A pyproject.toml of tool settings only, beside a Pipenv project: Pipfile.lock is read.
    const tools = pipenvProject('pipenv-and-pyproject', {
      'pyproject.toml': '[tool.ruff]\nline-length = 100\n',
    });
    const toolsLogger = new RecordingLogger();
    await buildPackage(pipenvOptions(tools), { logger: toolsLogger });
    expect(toolsLogger.text('info')).toContain('Installing the 2 packages Pipfile.lock pins');
  });

  it('warns of the Pipfile.lock empty default section, naming the Pipfile packages', async () => {
    const empty = JSON.stringify({ _meta: {}, default: {}, develop: {} });
    const logger = new RecordingLogger();
    await buildPackage(pipenvOptions(pipenvProject('pipenv-empty', { 'Pipfile.lock': empty })), { logger });
    expect(logger.text('warning')).toContain(
      'Pipfile.lock pins none of the dependencies Pipfile declares. Pipfile lists 2 packages (greetlib, colorama) but no requirements file or Pipfile.lock pins them',
    );
  });

  it('warns of packages from another index unless pip-args reach it', async () => {
    const lock = JSON.stringify({
      _meta: { sources: [{ name: 'corp', url: 'https://pypi.corp.example/simple' }] },
      default: { greetlib: { index: 'corp', version: '==1.2.0' } },
    });
    const path = pipenvProject('pipenv-index', { 'Pipfile.lock': lock });
    const logger = new RecordingLogger();
    await buildPackage(pipenvOptions(path), { logger });
    expect(logger.text('warning')).toContain(
      'Pipfile.lock pins a package (greetlib) from the index "corp" (https://pypi.corp.example/simple)',
    );
  });

  it('says the lock records only md5 hashes for a package, which pip does not check, when that turns checking off', async () => {
    const lock = JSON.parse(lockOf('1.2.0'));
    lock.default.colorama.hashes = [`sha256:${'cd'.repeat(32)}`];
    lock.default.greetlib.hashes = [`md5:${'ab'.repeat(16)}`];
    const path = pipenvProject('pipenv-md5', { 'Pipfile.lock': JSON.stringify(lock) });
    const logger = new RecordingLogger();
    await buildPackage(pipenvOptions(path), { logger });
    expect(logger.text('info')).toContain(
      "pip does not check the files it installs against Pipfile.lock's hashes: Pipfile.lock records only md5 hashes for greetlib==1.2.0, which pip does not check",
    );
  });

  it('says the build tools of a hashed source archive are not checked', async () => {
    const archive = 'not really an archive';
    const hash = createHash('sha256').update(archive).digest('hex');
    const lock = JSON.stringify({
      _meta: { sources: [] },
      default: { greetlib: { file: './vendor/greetlib-1.2.0.tar.gz', hashes: [`sha256:${hash}`] } },
    });
    const path = pipenvProject('pipenv-sdist', {
      'Pipfile.lock': lock,
      'vendor/greetlib-1.2.0.tar.gz': archive,
    });
    const logger = new RecordingLogger();
    // pip fails on the archive; the log line comes before it runs.
    await expect(buildPackage(pipenvOptions(path), { logger })).rejects.toThrow();
    expect(logger.text('info')).toContain(
      'Installing the 1 package Pipfile.lock pins (no requirements.txt), each checked against the hashes Pipfile.lock records; pip builds greetlib from its source archive, and the build tools it installs for that (setuptools and the like) are not checked against any hash',
    );
  });

  describe('a Pipfile.lock locked from another Pipfile', () => {
    // The hash pipenv computed for this test's Pipfile (fixtures/pipfile-hash, generate-hashes.py).
    const fixtures = join(import.meta.dirname, 'fixtures', 'pipfile-hash');
    const pipenvHash = (
      JSON.parse(readFileSync(join(fixtures, 'hashes.json'), 'utf8')) as Record<string, { plette: string }>
    )['pipenv-project.Pipfile']!.plette;
    const hashed = JSON.parse(lockOf('1.2.0'));
    hashed._meta.hash = { sha256: pipenvHash };

    it('is the Pipfile these tests build', () => {
      expect(readFileSync(join(fixtures, 'pipenv-project.Pipfile'), 'utf8')).toBe(pipfile);
    });

    it('warns before pip runs when the Pipfile changed since pipenv lock, naming both files', async () => {
      const path = pipenvProject('pipenv-stale', {
        Pipfile: pipfile.replace('[packages]\n', '[packages]\nrequests = "*"\n'),
        'Pipfile.lock': JSON.stringify(hashed),
      });
      const logger = new RecordingLogger();
      await buildPackage(pipenvOptions(path), { logger });
      const warning = logger.lines.findIndex((l) => l.level === 'warning');
      expect(logger.lines[warning]?.message).toContain(
        `${join(path, 'Pipfile.lock')} is out of date with ${join(path, 'Pipfile')}: it was locked from another Pipfile (its _meta.hash is ${pipenvHash}, the Pipfile's is `,
      );
      expect(logger.lines[warning]?.message).toContain('Run pipenv lock and commit Pipfile.lock.');
      expect(logger.text('warning').match(/out of date/g)).toHaveLength(1);
      // Before anything is installed (or anything is done in AWS).
      expect(warning).toBeLessThan(logger.lines.findIndex((l) => l.message.startsWith('Installing')));
    });

    it("says nothing when the lock is the Pipfile's, whatever its comments and key order", async () => {
      const path = pipenvProject('pipenv-fresh', {
        Pipfile: `# locked with pipenv lock\n[dev-packages]\npytest = '*'\n\n${pipfile.replace(/\n\[dev-packages\][^]*$/, '')}`,
        'Pipfile.lock': JSON.stringify(hashed),
      });
      const logger = new RecordingLogger();
      await buildPackage(pipenvOptions(path), { logger });
      expect(logger.text('warning')).toBe('');
      expect(logger.text('info')).toContain('Installing the 2 packages Pipfile.lock pins');
    });
  });

  it('refuses a Pipfile.lock it cannot read, naming the file and line, before pip runs', async () => {
    const path = pipenvProject('pipenv-malformed', {
      'Pipfile.lock': '{\n  "default": {\n    "greetlib": {"version": "==1.2.0"},\n  }\n}\n',
    });
    const logger = new RecordingLogger();
    await expect(buildPackage(pipenvOptions(path), { logger })).rejects.toThrow(
      `${join(path, 'Pipfile.lock')} line 4: not JSON (`,
    );
    expect(logger.text()).not.toContain('Installing');
  });
});

describe('a local path in a lockfile must stay inside the repository', () => {
  /** A function folder (svc) in a repository (a .git folder), a folder outside it, and a link (libs/link) from the repository to it. */
  function layout(name: string, files: Record<string, string>) {
    const outside = join(root, `${name}-outside`);
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'evil-1.0-py3-none-any.whl'), 'not a wheel');
    const repo = join(root, `${name}-repo`);
    mkdirSync(join(repo, '.git'), { recursive: true });
    const path = project(`${name}-repo/svc`, {
      'app.py': 'def handler(event, context):\n    return 1\n',
      ...files,
    });
    // In the repository, not in the function's folder (whose links must stay inside it).
    mkdirSync(join(repo, 'libs'), { recursive: true });
    symlinkSync(outside, join(repo, 'libs', 'link'));
    return { path, outside: realpathSync(outside), repo: realpathSync(repo) };
  }
  const uvLock = (source: string) =>
    `version = 1\n\n[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [{ name = "evil" }]\n\n[[package]]\nname = "evil"\nversion = "1.0"\nsource = ${source}\n`;
  const poetryLock = (type: string, url: string) =>
    `[[package]]\nname = "evil"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = "*"\ngroups = ["main"]\nfiles = []\n\n[package.source]\ntype = "${type}"\nurl = "${url}"\n\n[metadata]\nlock-version = "2.1"\npython-versions = "*"\ncontent-hash = "x"\n`;
  const pipfileLock = (entry: Record<string, string>) =>
    JSON.stringify({ _meta: { sources: [] }, default: { evil: entry }, develop: {} });

  async function refused(path: string, lockfile: string, resolved: string, repo: string) {
    const logger = new RecordingLogger();
    await expect(buildPackage(options(path), { logger })).rejects.toThrow(
      `${join(path, lockfile)}: package evil installs from ${resolved}, outside the repository (${repo}). lambda-deploy installs a local path from a lockfile only inside the repository`,
    );
    expect(logger.text()).not.toContain('Installing');
  }

  it('refuses a uv.lock editable, directory or path source that resolves outside, links resolved, before pip runs', async () => {
    const pyproject = '[project]\nname = "svc"\ndependencies = ["evil"]\n';
    for (const [i, source] of [
      '{ editable = "../../../../../../../../etc" }',
      '{ directory = "../libs/link" }',
    ].entries()) {
      const { path, outside, repo } = layout(`uv-out-${i}`, {
        'pyproject.toml': pyproject,
        'uv.lock': uvLock(source),
      });
      await refused(path, 'uv.lock', i ? outside : '/etc', repo);
    }
    const { path, outside, repo } = layout('uv-out-path', { 'pyproject.toml': pyproject });
    writeFileSync(
      join(path, 'uv.lock'),
      uvLock(`{ path = "${join(outside, 'evil-1.0-py3-none-any.whl')}" }`),
    );
    await refused(path, 'uv.lock', join(outside, 'evil-1.0-py3-none-any.whl'), repo);
  });

  it('refuses a poetry.lock directory or file source that resolves outside, before pip runs', async () => {
    const pyproject =
      '[tool.poetry]\nname = "svc"\n\n[tool.poetry.dependencies]\npython = "^3.12"\nevil = "*"\n';
    const { path, outside, repo } = layout('poetry-out', { 'pyproject.toml': pyproject });
    const wheel = join(outside, 'evil-1.0-py3-none-any.whl');
    writeFileSync(join(path, 'poetry.lock'), poetryLock('file', wheel));
    await refused(path, 'poetry.lock', wheel, repo);
    writeFileSync(join(path, 'poetry.lock'), poetryLock('directory', '../libs/link'));
    await refused(path, 'poetry.lock', outside, repo);
  });

  it('refuses a Pipfile.lock path or file entry that resolves outside, before pip runs', async () => {
    const { path, outside, repo } = layout('pipenv-out', { Pipfile: '[packages]\nevil = "*"\n' });
    writeFileSync(join(path, 'Pipfile.lock'), pipfileLock({ path: '../../pipenv-out-outside' }));
    await refused(path, 'Pipfile.lock', outside, repo);
    const wheel = join(outside, 'evil-1.0-py3-none-any.whl');
    writeFileSync(join(path, 'Pipfile.lock'), pipfileLock({ file: pathToFileURL(wheel).href }));
    await refused(path, 'Pipfile.lock', wheel, repo);
    writeFileSync(
      join(path, 'Pipfile.lock'),
      pipfileLock({ file: '../libs/link/evil-1.0-py3-none-any.whl' }),
    );
    await refused(path, 'Pipfile.lock', wheel, repo);
  });
});

describe('a Node.js function: packages only devDependencies need are left out', () => {
  const manifest = (name: string, version: string): string => JSON.stringify({ name, version });
  /** An npm-installed tree: production, dev-only (top-level, scoped, nested) and devOptional/optional packages. */
  const tree: Record<string, string> = {
    'index.mjs': 'export const handler = async () => ({ statusCode: 200 });\n',
    'package.json': '{"name":"svc","version":"1.0.0"}',
    'node_modules/left-pad/package.json': manifest('left-pad', '1.3.0'),
    'node_modules/left-pad/index.js': 'module.exports = () => "";\n',
    'node_modules/left-pad/node_modules/pad-test/package.json': manifest('pad-test', '0.1.0'),
    'node_modules/left-pad/node_modules/pad-util/package.json': manifest('pad-util', '0.2.0'),
    'node_modules/typescript/package.json': manifest('typescript', '5.6.3'),
    'node_modules/typescript/lib/tsc.js': '// the compiler\n',
    'node_modules/@types/node/package.json': manifest('@types/node', '22.0.0'),
    'node_modules/jest/package.json': manifest('jest', '29.7.0'),
    'node_modules/jest/node_modules/pretty-format/package.json': manifest('pretty-format', '29.7.0'),
    'node_modules/fsevents/package.json': manifest('fsevents', '2.3.3'),
    'node_modules/opt-prod/package.json': manifest('opt-prod', '1.0.0'),
  };
  const packages = {
    '': { name: 'svc', version: '1.0.0' },
    'node_modules/left-pad': { version: '1.3.0' },
    'node_modules/left-pad/node_modules/pad-test': { version: '0.1.0', dev: true },
    'node_modules/left-pad/node_modules/pad-util': { version: '0.2.0' },
    'node_modules/typescript': { version: '5.6.3', dev: true },
    'node_modules/@types/node': { version: '22.0.0', dev: true },
    'node_modules/jest': { version: '29.7.0', dev: true },
    'node_modules/jest/node_modules/pretty-format': { version: '29.7.0', dev: true },
    'node_modules/fsevents': { version: '2.3.3', devOptional: true },
    'node_modules/opt-prod': { version: '1.0.0', optional: true },
    'node_modules/not-installed': { version: '1.0.0', dev: true },
  };
  const lockfile = (lockfileVersion: number): string =>
    JSON.stringify({ name: 'svc', version: '1.0.0', lockfileVersion, requires: true, packages });
  const node = { runtime: 'nodejs22.x', handler: 'index.handler' } as const;
  const all = Object.keys(tree).sort();
  const without = (prefixes: string[]): string[] =>
    all.filter((f) => !prefixes.some((p) => f.startsWith(`${p}/`)));
  const devOnly = [
    'node_modules/typescript',
    'node_modules/@types/node',
    'node_modules/jest',
    'node_modules/left-pad/node_modules/pad-test',
  ];

  async function build(
    name: string,
    extra: Record<string, string>,
    overrides: Partial<BuildPackageOptions> = {},
  ) {
    const path = project(name, { ...tree, ...extra });
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path, { ...node, ...overrides }), { logger });
    return { entries: await names(result.zipPath), log: logger.text('info') };
  }

  it('leaves out the folders package-lock.json (v3) marks dev, nested ones too, and says so', async () => {
    const { entries, log } = await build('dev-v3', { 'package-lock.json': lockfile(3) });
    expect(entries).toEqual([...without(devOnly), 'package-lock.json'].sort());
    expect(log).toContain(
      'Left out 4 packages only devDependencies need: @types/node, jest, pad-test, typescript (package-lock.json); ' +
        'package one anyway by naming its folder in include, or with exclude: "!node_modules/@types/node".',
    );
  });

  it("reads npm's hidden lockfile (node_modules/.package-lock.json, v2) when there is no package-lock.json", async () => {
    const { entries, log } = await build('dev-hidden', { 'node_modules/.package-lock.json': lockfile(2) });
    expect(entries).toEqual([...without(devOnly), 'node_modules/.package-lock.json'].sort());
    expect(log).toContain('(node_modules/.package-lock.json)');
  });

  it('reads npm-shrinkwrap.json before package-lock.json, as npm does when both exist', async () => {
    const { entries, log } = await build('dev-shrinkwrap', {
      'npm-shrinkwrap.json': lockfile(3),
      // A stale package-lock.json that npm ignores next to the shrinkwrap: read, it would leave nothing out.
      'package-lock.json': lockfile(1),
    });
    expect(entries).toEqual([...without(devOnly), 'npm-shrinkwrap.json', 'package-lock.json'].sort());
    expect(log).toContain('(npm-shrinkwrap.json)');
  });

  it('packages a dev-only folder the include globs name, or an exclude negation reaches', async () => {
    const included = await build(
      'dev-include',
      { 'package-lock.json': lockfile(3) },
      {
        include: ['index.mjs', 'node_modules/**', 'node_modules/typescript', 'pad-test'],
      },
    );
    expect(included.entries).toEqual(
      without(['node_modules/@types/node', 'node_modules/jest']).filter((f) => f !== 'package.json'),
    );
    const negated = await build(
      'dev-negated',
      { 'package-lock.json': lockfile(3) },
      { exclude: ['!node_modules/jest'] },
    );
    expect(negated.entries).toEqual(
      [
        ...without([
          'node_modules/typescript',
          'node_modules/@types/node',
          'node_modules/left-pad/node_modules/pad-test',
        ]),
        'package-lock.json',
      ].sort(),
    );
  });

  it('leaves node_modules as it is without a lockfile, with a v1 one, or one that describes another install', async () => {
    expect((await build('dev-none', {})).entries).toEqual(all);
    expect((await build('dev-v1', { 'package-lock.json': lockfile(1) })).entries).toEqual(
      [...all, 'package-lock.json'].sort(),
    );
    const stale = await build('dev-stale', {
      'package-lock.json': lockfile(3),
      'node_modules/typescript/package.json': manifest('typescript', '5.0.0'),
    });
    expect(stale.entries).toEqual([...all, 'package-lock.json'].sort());
    expect(stale.log).toContain(
      'package-lock.json does not match node_modules (node_modules/typescript holds 5.0.0, the lockfile says 5.6.3)',
    );
    expect(stale.log).not.toContain('Left out');
  });

  it("leaves out node_modules/.bin links into a left-out package (esbuild's is its 10 MB binary), keeps the others", async () => {
    const path = project('dev-bin', {
      ...tree,
      'package-lock.json': lockfile(3),
      'node_modules/typescript/bin/tsc': '#!/usr/bin/env node\n',
      'node_modules/left-pad/bin/pad': '#!/usr/bin/env node\n',
    });
    mkdirSync(join(path, 'node_modules/.bin'));
    symlinkSync('../typescript/bin/tsc', join(path, 'node_modules/.bin/tsc'));
    symlinkSync('../left-pad/bin/pad', join(path, 'node_modules/.bin/pad'));
    const result = await buildPackage(options(path, node), { logger: new RecordingLogger() });
    const entries = await names(result.zipPath);
    expect(entries).toContain('node_modules/.bin/pad');
    expect(entries).not.toContain('node_modules/.bin/tsc');
  });

  it("leaves pnpm's node_modules alone", async () => {
    const { entries } = await build('dev-pnpm', {
      'package-lock.json': lockfile(3),
      'node_modules/.modules.yaml': 'layoutVersion: 5\n',
    });
    expect(entries).toEqual([...all, 'node_modules/.modules.yaml', 'package-lock.json'].sort());
  });
});
