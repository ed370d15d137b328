/** buildPackage: the zip of a Python or Node.js function, its layer, the generated files and the checks before zipping. */
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import { PackageTooLargeError } from '../../src/packaging/build-package-types.js';
import {
  ADAPTER_FILE,
  ADAPTER_HANDLER,
  APP_SETTINGS_FILE,
  WARM_HANDLER,
  warmWrapperFile,
} from '../../src/packaging/generated-files.js';
import { dependenciesKey } from '../../src/packaging/install-requirements.js';
import { listZip, readZipEntry } from '../../src/packaging/zip-reader.js';
import { runtimeAssetsDir } from '../../src/util/assets.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { pythonZipInfo } from './helpers.js';
import { buildWorkspace, greetlibWheels, names, touchAll } from './build-workspace.js';

const { root, project, options } = buildWorkspace();
const wheels = greetlibWheels(root);

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
