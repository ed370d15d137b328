/**
 * The build of a slim package (build-package.ts with slim-package.ts): what
 * goes in the function zip, what goes in the archive, the settings the
 * loader reads, the handler chain, the limits and the measured unpack.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import { type BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import { ADAPTER_HANDLER, APP_SETTINGS_FILE, WARM_HANDLER } from '../../src/packaging/generated-files.js';
import { SLIM_FILE, SLIM_HANDLER } from '../../src/packaging/slim-build.js';
import { listZip, readZipEntry } from '../../src/packaging/zip-reader.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { buildWheel, tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('slim-package');
afterAll(cleanup);
const python = process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3';
const env = { ...process.env, LAMBDA_DEPLOY_PYTHON: python };

const wheels = join(root, 'wheels');
beforeAll(async () => {
  mkdirSync(wheels);
  await buildWheel(wheels, 'heavylib', '2.0.0', `DATA = ${JSON.stringify('x'.repeat(200_000))}\n`);
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
    requirements: join(path, 'requirements.txt'),
    pipArgs: ['--no-index', '--find-links', wheels],
    include: [],
    exclude: [],
    dependenciesLayer: false,
    outDir: join(root, 'out', basename(path)),
    ...overrides,
  };
}

async function zipSettings(zipPath: string): Promise<Record<string, unknown>> {
  const entry = (await listZip(zipPath)).find((e) => e.name === APP_SETTINGS_FILE)!;
  return JSON.parse((await readZipEntry(zipPath, entry)).toString('utf8'));
}

function archiveNames(archive: string): string[] {
  const script = 'import sys, tarfile\nprint("\\n".join(tarfile.open(sys.argv[1], "r:gz").getnames()))';
  return execFileSync(python, ['-c', script, archive], { encoding: 'utf8' }).trim().split('\n');
}

const APP = {
  'app.py': 'import heavylib\ndef handler(e, c):\n    return len(heavylib.DATA)\n',
  'requirements.txt': 'heavylib==2.0.0\n',
};

describe('slim packages', () => {
  it('slim: true keeps the requirements out of the zip, in a tar.gz the loader is pinned to', async () => {
    const path = project('plain', APP);
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path, { slim: 'true', memory: 512, timeout: 30 }), {
      logger,
      env,
    });
    expect((await listZip(result.zipPath)).map((e) => e.name)).toEqual([
      APP_SETTINGS_FILE,
      SLIM_FILE,
      'app.py',
      'requirements.txt',
    ]);
    expect(result.handler).toBe(SLIM_HANDLER);
    const slim = result.slim!;
    const bytes = readFileSync(slim.archivePath);
    expect(slim.sha256Hex).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(basename(slim.archivePath)).toBe(`svc-deps-${slim.sha256Hex.slice(0, 12)}.tar.gz`);
    expect(archiveNames(slim.archivePath)).toEqual(
      expect.arrayContaining(['heavylib/__init__.py', 'heavylib-2.0.0.dist-info/METADATA']),
    );
    expect(archiveNames(slim.archivePath).some((n) => n.includes('__pycache__'))).toBe(false);
    expect(await zipSettings(result.zipPath)).toEqual({
      slim: {
        handler: 'app.handler',
        sha256: slim.sha256Hex,
        bytes: bytes.length,
        unpackedBytes: slim.unpackedBytes,
        diskBytes: slim.diskBytes,
        files: slim.files,
      },
    });
    expect(slim.ephemeralStorageMb).toBe(640);
    expect(slim.unpack.files).toBe(slim.files);
    expect(slim.unpack.seconds).toBeGreaterThan(0);
    expect(slim.reason).toBe('slim: true');
    const info = logger.text('info');
    expect(info).toContain('Slim package: slim: true. The requirements go into an archive');
    expect(info).toMatch(
      /^Dependencies archive: .* \(tar\.gz\), .* unpacked, \d+ files \(.*svc-deps-[0-9a-f]{12}\.tar\.gz\)$/m,
    );
    expect(info).toMatch(
      /^Cold start: unpack measured in this build: \d+\.\d s \(CPU \d+\.\d s\), plus downloading .* from S3 while it unpacks; at memory 512 MB Lambda gives the function 0\.29 of a vCPU/m,
    );
    expect(info).toContain('Ephemeral storage (/tmp): 640 MB');
    // No partial files and no measurement tree left next to the artifacts.
    expect(readdirSync(join(root, 'out', 'plain')).sort()).toEqual(
      [basename(result.zipPath), basename(slim.archivePath)].sort(),
    );
  });

  it('chains the loader to the adapter with app, and to the keep-warm wrapper with a plain handler', async () => {
    const web = project('web', { ...APP, 'app.py': 'app = object()\n' });
    const withApp = await buildPackage(options(web, { slim: 'true', app: 'app:app', handler: '' }), {
      logger: new RecordingLogger(),
      env,
    });
    expect(withApp.handler).toBe(SLIM_HANDLER);
    expect(await zipSettings(withApp.zipPath)).toMatchObject({
      app: 'app:app',
      slim: { handler: ADAPTER_HANDLER },
    });

    const warm = project('warm', APP);
    const withWarm = await buildPackage(options(warm, { slim: 'true', keepWarm: true }), {
      logger: new RecordingLogger(),
      env,
    });
    expect(await zipSettings(withWarm.zipPath)).toMatchObject({
      handler: 'app.handler',
      slim: { handler: WARM_HANDLER },
    });
  });

  it('slim: auto goes slim once the package and its layers would pass 250 MB, and not before', async () => {
    const path = project('auto', APP);
    const under = await buildPackage(options(path), { logger: new RecordingLogger(), env });
    expect(under.slim).toBeUndefined();
    expect((await listZip(under.zipPath)).map((e) => e.name)).toContain('heavylib/__init__.py');
    // Attached layers count in the limit: nearly 250 MB of them tips this small package over.
    const logger = new RecordingLogger();
    const over = await buildPackage(options(path, { layerBytes: 262_144_000 - 100_000 }), { logger, env });
    expect(over.slim?.reason).toMatch(/^slim: auto, and the package would be 250\.1 MB unzipped, over/);
    expect((await listZip(over.zipPath)).map((e) => e.name)).not.toContain('heavylib/__init__.py');
  });

  it('slim: false leaves a package over 250 MB to the size check, which names the way out', async () => {
    const path = project('off', APP);
    await expect(
      buildPackage(options(path, { slim: 'false', layerBytes: 262_144_000 - 100_000 }), {
        logger: new RecordingLogger(),
        env,
      }),
    ).rejects.toThrow(/slim: auto \(the default\) or true keeps them out of the zip/);
  });

  it('keeps the 250 MB limit for the zip and its layers: code too big fails before any archive is written', async () => {
    const path = project('code-too-big', APP);
    const outDir = join(root, 'out', 'code-too-big');
    await expect(
      buildPackage(options(path, { slim: 'true', layerBytes: 262_144_000, outDir }), {
        logger: new RecordingLogger(),
        env,
      }),
    ).rejects.toThrow(/The package is too large for Lambda: .* package .* \+ layers 250\.0 MB/);
    expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
  });

  it('warns that slim: true does nothing without requirements', async () => {
    const path = project('no-reqs', { 'app.py': 'def handler(e, c): pass\n' });
    const logger = new RecordingLogger();
    const result = await buildPackage(options(path, { slim: 'true', requirements: undefined }), {
      logger,
      env,
    });
    expect(result.slim).toBeUndefined();
    expect(logger.text('warning')).toContain('slim: true, but there are no installed requirements');
  });

  it('puts the requirements in the archive, not in a layer, when dependencies-layer is set too', async () => {
    const path = project('layer-too', APP);
    const logger = new RecordingLogger();
    const result = await buildPackage(
      options(path, { dependenciesLayer: true, layerBytes: 262_144_000 - 100_000 }),
      { logger, env },
    );
    expect(result.slim).toBeDefined();
    expect(result.dependencies).toBeUndefined();
    expect(logger.text('info')).toContain(
      'dependencies-layer: the requirements go into the slim archive instead',
    );
  });
});
