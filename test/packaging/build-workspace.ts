/** Where one test file's builds happen: the projects it writes and the buildPackage options that build them. */
import { afterAll, beforeAll } from '@jest/globals';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BuildPackageOptions } from '../../src/packaging/build-package-types.js';
import { collectFiles } from '../../src/packaging/collect-files.js';
import { listZip } from '../../src/packaging/zip-reader.js';
import { buildWheel, tempDir } from './helpers.js';

export interface BuildWorkspace {
  /** The temp folder, removed after the test file. */
  root: string;
  /** Writes a project's files into a folder of root; returns the folder. */
  project(name: string, files: Record<string, string>): string;
  /** A Python function's options that build into a folder of root. */
  options(path: string, overrides?: Partial<BuildPackageOptions>): BuildPackageOptions;
}

export function buildWorkspace(): BuildWorkspace {
  const { dir: root, cleanup } = tempDir('build');
  afterAll(cleanup);
  return {
    root,
    project(name, files) {
      const dir = join(root, name);
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      return dir;
    },
    options: (path, overrides = {}) => ({
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
    }),
  };
}

/** A folder of root with a greetlib 1.2.0 wheel, built before the test file's tests. */
export function greetlibWheels(root: string): string {
  const wheels = join(root, 'wheels');
  beforeAll(async () => {
    mkdirSync(wheels);
    await buildWheel(wheels, 'greetlib', '1.2.0', 'def hello():\n    return "hello"\n');
  });
  return wheels;
}

export async function names(zipPath: string): Promise<string[]> {
  return (await listZip(zipPath)).map((e) => e.name);
}

export async function touchAll(dir: string): Promise<void> {
  const when = new Date('2030-01-02T03:04:05Z');
  for (const f of await collectFiles(dir, { runtime: 'python3.12', defaults: false }))
    utimesSync(f.absPath, when, when);
}
