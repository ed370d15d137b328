/**
 * serve --watch's watcher on a real folder: one watch a folder the package
 * could hold (none in .venv, .git, the build's output), new folders watched as
 * they come, and a full inotify table said clearly while serving goes on.
 */
import { afterAll, expect, test } from '@jest/globals';
import { watch as fsWatch, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { watchAndReload } from '../../src/pipelines/local-deploy/serve-watch.js';
import { RecordingLogger } from '../../src/util/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-watch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(done: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
  return done();
}

function project(name: string): string {
  const root = join(dir, name);
  for (const folder of ['pkg/sub', '.venv/lib/python3.12/site-packages/big', '.git/objects', 'out/build'])
    mkdirSync(join(root, folder), { recursive: true });
  writeFileSync(join(root, 'app.py'), 'x = 1\n');
  writeFileSync(join(root, 'pkg/sub/mod.py'), 'y = 1\n');
  return root;
}

const scope = (path: string) => ({
  path,
  runtime: 'python3.12',
  include: [],
  exclude: [],
  outputs: [join(path, 'out')],
});

test('one watch a folder the package could hold, none under .venv, .git or the output; a folder made later is watched too', async () => {
  const root = project('tree');
  const watched: string[] = [];
  const watch = ((
    path: string,
    ...rest: Parameters<typeof fsWatch> extends [unknown, ...infer R] ? R : never
  ) => {
    watched.push(relative(root, path).split('\\').join('/'));
    return (fsWatch as (...args: unknown[]) => ReturnType<typeof fsWatch>)(path, ...rest);
  }) as typeof fsWatch;
  let reloads = 0;
  const logger = new RecordingLogger();
  const watching = watchAndReload({ reload: async () => void reloads++ }, scope(root), {
    logger,
    quietMs: 20,
    watch,
  });
  try {
    expect(watched.sort()).toEqual(['', 'pkg', 'pkg/sub']);
    writeFileSync(join(root, 'pkg/sub/mod.py'), 'y = 2\n');
    expect(await until(() => reloads === 1)).toBe(true);
    expect(logger.text('info')).toMatch(/Reloaded after pkg\/sub\/mod\.py changed/);

    // A change under .venv is no change of the package.
    writeFileSync(join(root, '.venv/lib/python3.12/site-packages/big/x.py'), '');
    // A new folder (a git checkout, a new package): watched, and a file written into it later reloads.
    mkdirSync(join(root, 'newpkg'));
    expect(await until(() => watched.includes('newpkg'))).toBe(true);
    const before = reloads;
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(root, 'newpkg/more.py'), 'z = 1\n');
    expect(await until(() => reloads > before && /newpkg\/more\.py/.test(logger.text('info')))).toBe(true);
    expect(logger.text()).not.toContain('.venv');
  } finally {
    await watching.close();
  }
}, 30_000);

test("Linux's inotify limit reached (ENOSPC): a clear message naming fs.inotify.max_user_watches and how to raise it; serving goes on", async () => {
  const root = project('full');
  let calls = 0;
  const watch = ((...args: unknown[]) => {
    if (++calls > 1)
      throw Object.assign(
        new Error(`ENOSPC: System limit for number of file watchers reached, watch '${String(args[0])}'`),
        {
          code: 'ENOSPC',
          syscall: 'watch',
        },
      );
    return (fsWatch as (...a: unknown[]) => ReturnType<typeof fsWatch>)(...args);
  }) as typeof fsWatch;
  const logger = new RecordingLogger();
  let reloads = 0;
  const watching = watchAndReload({ reload: async () => void reloads++ }, scope(root), {
    logger,
    quietMs: 20,
    watch,
  });
  try {
    const said = logger.text('warning');
    expect(said).toContain('fs.inotify.max_user_watches');
    expect(said).toContain('sudo sysctl fs.inotify.max_user_watches=524288');
    expect(said).toContain('still serving the last build');
    expect(said).not.toContain('System limit for number of file watchers reached, watch');
    // Said once; nothing half-watched reloads.
    expect(logger.lines.filter((l) => l.level === 'warning')).toHaveLength(1);
    writeFileSync(join(root, 'app.py'), 'x = 2\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(reloads).toBe(0);
  } finally {
    await watching.close();
  }
});

test('a timer that fires before the batch is quiet by the clock (timers and Date.now differ by a millisecond) looks again: the change is not left waiting for another', async () => {
  const root = project('early-timer');
  let clock = 0;
  let reloads = 0;
  const watching = watchAndReload({ reload: async () => void reloads++ }, scope(root), {
    logger: new RecordingLogger(),
    quietMs: 20,
    // Stands still while the timer runs out: the batch is not due when it fires.
    now: () => clock,
  });
  try {
    writeFileSync(join(root, 'app.py'), 'x = 3\n');
    await new Promise((r) => setTimeout(r, 100));
    expect(reloads).toBe(0);
    clock = 1000;
    expect(await until(() => reloads === 1)).toBe(true);
  } finally {
    await watching.close();
  }
});

test("an editor's save through a temporary file (sed -i, vim's 4913): the reload line names the saved file, not the temporary one; a deleted file is still named", async () => {
  const root = project('temp-save');
  let reloads = 0;
  const logger = new RecordingLogger();
  const watching = watchAndReload({ reload: async () => void reloads++ }, scope(root), {
    logger,
    quietMs: 50,
  });
  try {
    // sed -i: writes sedAbc123 beside the file, then renames it over app.py.
    writeFileSync(join(root, 'sedAbc123'), 'x = 2\n');
    renameSync(join(root, 'sedAbc123'), join(root, 'app.py'));
    expect(await until(() => reloads === 1)).toBe(true);
    expect(logger.text('info')).toMatch(/^Reloaded after app\.py changed \(/);

    rmSync(join(root, 'pkg/sub/mod.py'));
    expect(await until(() => reloads === 2)).toBe(true);
    expect(logger.text('info')).toMatch(/^Reloaded after pkg\/sub\/mod\.py changed \(/m);
  } finally {
    await watching.close();
  }
}, 30_000);

test('closed during a reload (Ctrl-C while it rebuilds): no timer left armed once close() returns, so the CLI exits at once', async () => {
  const root = project('close-while-reloading');
  let started = false;
  let finish: () => void = () => undefined;
  const reload = () =>
    new Promise<void>((done) => {
      started = true;
      finish = done;
    });
  const watching = watchAndReload({ reload }, scope(root), { logger: new RecordingLogger(), quietMs: 20 });
  writeFileSync(join(root, 'app.py'), 'x = 3\n');
  expect(await until(() => started)).toBe(true);
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const closed = watching.close();
  finish();
  await closed;
  expect(timers()).toBe(before);
}, 30_000);

test("a src layout (path: src, the project's pyproject.toml and lock one folder up): a change of ../uv.lock, ../pyproject.toml or a new ../poetry.lock reloads; another file up there does not", async () => {
  const project = join(dir, 'src-layout');
  const src = join(project, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'app.py'), 'x = 1\n');
  writeFileSync(join(project, 'pyproject.toml'), '[project]\nname = "demo"\ndependencies = ["requests"]\n');
  writeFileSync(join(project, 'uv.lock'), 'version = 1\n');
  let reloads = 0;
  const logger = new RecordingLogger();
  const watching = watchAndReload(
    { reload: async () => void reloads++ },
    { ...scope(src), workspace: project },
    { logger, quietMs: 20 },
  );
  try {
    writeFileSync(join(project, 'uv.lock'), 'version = 1\nrevision = 2\n');
    expect(await until(() => reloads === 1)).toBe(true);
    expect(logger.text('info')).toMatch(/^Reloaded after \.\.\/uv\.lock changed \(/);

    // Not read by the build: no reload.
    writeFileSync(join(project, 'README.md'), '# demo\n');
    await new Promise((r) => setTimeout(r, 150));
    expect(reloads).toBe(1);

    writeFileSync(join(project, 'pyproject.toml'), '[project]\nname = "demo"\ndependencies = []\n');
    expect(await until(() => reloads === 2)).toBe(true);
    expect(logger.text('info')).toMatch(/^Reloaded after \.\.\/pyproject\.toml changed \(/m);

    writeFileSync(join(project, 'poetry.lock'), '');
    expect(await until(() => reloads === 3)).toBe(true);
    expect(logger.text('info')).toMatch(/^Reloaded after \.\.\/poetry\.lock changed \(/m);
  } finally {
    await watching.close();
  }
}, 30_000);

test('requirements given outside path (../requirements.txt): a change of it reloads', async () => {
  const project = join(dir, 'requirements-above');
  const fn = join(project, 'fn');
  mkdirSync(fn, { recursive: true });
  writeFileSync(join(fn, 'app.py'), 'x = 1\n');
  writeFileSync(join(project, 'requirements.txt'), 'requests\n');
  let reloads = 0;
  const logger = new RecordingLogger();
  const watching = watchAndReload(
    { reload: async () => void reloads++ },
    { ...scope(fn), requirements: join(project, 'requirements.txt'), workspace: project },
    { logger, quietMs: 20 },
  );
  try {
    writeFileSync(join(project, 'other.txt'), '');
    await new Promise((r) => setTimeout(r, 150));
    expect(reloads).toBe(0);
    writeFileSync(join(project, 'requirements.txt'), 'requests==2.32.3\n');
    expect(await until(() => reloads === 1)).toBe(true);
    expect(logger.text('info')).toMatch(/^Reloaded after \.\.\/requirements\.txt changed \(/);
  } finally {
    await watching.close();
  }
}, 30_000);

test("a uv workspace member (path: packages/api, the workspace's uv.lock at its root): a change of that uv.lock reloads", async () => {
  const root = join(dir, 'uv-workspace');
  const member = join(root, 'packages/api');
  mkdirSync(member, { recursive: true });
  writeFileSync(join(root, 'pyproject.toml'), '[tool.uv.workspace]\nmembers = ["packages/*"]\n');
  writeFileSync(join(root, 'uv.lock'), 'version = 1\n');
  writeFileSync(join(member, 'pyproject.toml'), '[project]\nname = "api"\ndependencies = ["requests"]\n');
  writeFileSync(join(member, 'app.py'), 'x = 1\n');
  let reloads = 0;
  const logger = new RecordingLogger();
  const watching = watchAndReload(
    { reload: async () => void reloads++ },
    { ...scope(member), workspace: root },
    { logger, quietMs: 20 },
  );
  try {
    writeFileSync(join(root, 'uv.lock'), 'version = 1\nrevision = 2\n');
    expect(await until(() => reloads === 1)).toBe(true);
    expect(logger.text('info')).toMatch(/^Reloaded after \.\.\/\.\.\/uv\.lock changed \(/);
  } finally {
    await watching.close();
  }
}, 30_000);

test('a src folder with nothing above at start: a ../pyproject.toml and ../uv.lock made later reload, with no restart; another file up there does not', async () => {
  const project = join(dir, 'src-layout-later');
  const src = join(project, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'app.py'), 'x = 1\n');
  let reloads = 0;
  const logger = new RecordingLogger();
  const watching = watchAndReload(
    { reload: async () => void reloads++ },
    { ...scope(src), workspace: project },
    { logger, quietMs: 20 },
  );
  try {
    writeFileSync(join(project, 'README.md'), '# demo\n');
    await new Promise((r) => setTimeout(r, 150));
    expect(reloads).toBe(0);

    // The build now reads the project's dependencies from there.
    writeFileSync(join(project, 'pyproject.toml'), '[project]\nname = "demo"\ndependencies = ["requests"]\n');
    expect(await until(() => reloads === 1)).toBe(true);
    expect(logger.text('info')).toMatch(/^Reloaded after \.\.\/pyproject\.toml changed \(/);

    writeFileSync(join(project, 'uv.lock'), 'version = 1\n');
    expect(await until(() => reloads === 2)).toBe(true);
    expect(logger.text('info')).toMatch(/^Reloaded after \.\.\/uv\.lock changed \(/m);
  } finally {
    await watching.close();
  }
}, 30_000);

test('a src folder with its own pyproject.toml: the one above is not read, so its change does not reload', async () => {
  const project = join(dir, 'src-own-project');
  const src = join(project, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'app.py'), 'x = 1\n');
  writeFileSync(join(src, 'pyproject.toml'), '[project]\nname = "fn"\ndependencies = []\n');
  writeFileSync(join(project, 'pyproject.toml'), '[tool.ruff]\n');
  let reloads = 0;
  const watching = watchAndReload(
    { reload: async () => void reloads++ },
    { ...scope(src), workspace: project },
    { logger: new RecordingLogger(), quietMs: 20 },
  );
  try {
    writeFileSync(join(project, 'pyproject.toml'), '[tool.ruff]\nline-length = 100\n');
    writeFileSync(join(project, 'uv.lock'), 'version = 1\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(reloads).toBe(0);
  } finally {
    await watching.close();
  }
}, 30_000);

test("a folder that becomes a uv workspace member (its pyproject.toml made later): the workspace's uv.lock is watched from then on", async () => {
  const root = join(dir, 'uv-workspace-later');
  const member = join(root, 'packages/api');
  mkdirSync(member, { recursive: true });
  writeFileSync(join(root, 'pyproject.toml'), '[tool.uv.workspace]\nmembers = ["packages/*"]\n');
  writeFileSync(join(root, 'uv.lock'), 'version = 1\n');
  writeFileSync(join(member, 'app.py'), 'x = 1\n');
  let reloads = 0;
  const logger = new RecordingLogger();
  const watching = watchAndReload(
    { reload: async () => void reloads++ },
    { ...scope(member), workspace: root },
    { logger, quietMs: 20 },
  );
  try {
    writeFileSync(join(member, 'pyproject.toml'), '[project]\nname = "api"\ndependencies = ["requests"]\n');
    expect(await until(() => reloads === 1)).toBe(true);
    writeFileSync(join(root, 'uv.lock'), 'version = 1\nrevision = 2\n');
    expect(await until(() => reloads === 2)).toBe(true);
    expect(logger.text('info')).toMatch(/^Reloaded after \.\.\/\.\.\/uv\.lock changed \(/m);
  } finally {
    await watching.close();
  }
}, 30_000);
