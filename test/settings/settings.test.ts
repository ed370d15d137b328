import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InputName } from '../../src/settings/names.js';
import { parseQuota } from '../../src/settings/front-door.js';
import { parseStatusRanges, statusAccepted } from '../../src/settings/smoke-and-rollback.js';
import { readSettings, SettingsError } from '../../src/settings/settings.js';
import { splitArgs } from '../../src/settings/input-lists.js';
import { settingsProblems } from '../support/settings-problems.js';
import { branchStage } from '../../src/model/stage-name.js';

const workspace = mkdtempSync(join(tmpdir(), 'settings-'));
mkdirSync(join(workspace, 'fn'));
writeFileSync(join(workspace, 'fn', 'app.py'), 'def handler(e, c):\n  return 1\n');
writeFileSync(join(workspace, 'fn', 'requirements.txt'), 'requests\n');
mkdirSync(join(workspace, 'node'));
for (const [folder, files] of [
  ['node-index', ['index.js', 'package.json']],
  ['node-app', ['app.mjs']],
  ['node-both', ['app.js', 'index.js']],
  ['fastapi', ['main.py', 'service/main.py']],
] as const) {
  mkdirSync(join(workspace, folder, 'service'), { recursive: true });
  for (const file of files) writeFileSync(join(workspace, folder, file), '');
}
// TypeScript built to dist/: package.json's "main" names the handler's file.
for (const [folder, files] of [
  ['node-ts', ['dist/handler.js']],
  ['node-ts-index', ['dist/handler.js', 'index.js']],
  ['node-ts-space', ['dist/my handler.js']],
] as const) {
  mkdirSync(join(workspace, folder, 'dist'), { recursive: true });
  const main = files[0];
  writeFileSync(join(workspace, folder, 'package.json'), JSON.stringify({ name: 'api', main }));
  for (const file of files) writeFileSync(join(workspace, folder, file), '');
}

// TypeScript built by tsc into tsconfig.json's outDir: src/index.ts to dist/index.js.
mkdirSync(join(workspace, 'node-ts-out', 'src'), { recursive: true });
mkdirSync(join(workspace, 'node-ts-out', 'dist'));
writeFileSync(join(workspace, 'node-ts-out', 'tsconfig.json'), '{ "compilerOptions": { "outDir": "dist" } }');
writeFileSync(join(workspace, 'node-ts-out', 'src', 'index.ts'), '');
writeFileSync(join(workspace, 'node-ts-out', 'dist', 'index.js'), '');

// No TypeScript: a JavaScript function whose tsconfig.json (allowJs, for type checks) copies it to outDir.
mkdirSync(join(workspace, 'node-js-out', 'dist'), { recursive: true });
writeFileSync(
  join(workspace, 'node-js-out', 'tsconfig.json'),
  '{ "compilerOptions": { "allowJs": true, "outDir": "dist" } }',
);
writeFileSync(join(workspace, 'node-js-out', 'app.js'), '');
writeFileSync(join(workspace, 'node-js-out', 'dist', 'app.js'), '');

mkdirSync(join(workspace, 'node-main-index'));
writeFileSync(
  join(workspace, 'node-main-index', 'package.json'),
  JSON.stringify({ name: 'api', main: 'index.js' }),
);
writeFileSync(join(workspace, 'node-main-index', 'index.js'), '');

// A modern package: "exports", no "main"; and a "main" naming tsc's outDir, not built yet.
mkdirSync(join(workspace, 'node-exports', 'dist'), { recursive: true });
writeFileSync(
  join(workspace, 'node-exports', 'package.json'),
  JSON.stringify({
    name: 'api',
    exports: { '.': { import: './dist/index.mjs', require: './dist/index.cjs' } },
  }),
);
for (const file of ['index.mjs', 'index.cjs'])
  writeFileSync(join(workspace, 'node-exports', 'dist', file), '');
// "main" and "exports" naming different files: "exports", as Node.js takes it.
mkdirSync(join(workspace, 'node-exports-main', 'dist', 'esm'), { recursive: true });
writeFileSync(
  join(workspace, 'node-exports-main', 'package.json'),
  JSON.stringify({ name: 'api', main: 'dist/handler.js', exports: './dist/esm/handler.mjs' }),
);
for (const file of ['dist/handler.js', 'dist/esm/handler.mjs'])
  writeFileSync(join(workspace, 'node-exports-main', file), '');
mkdirSync(join(workspace, 'node-outdir'));
writeFileSync(join(workspace, 'node-outdir', 'package.json'), JSON.stringify({ name: 'api', main: 'dist' }));
writeFileSync(join(workspace, 'node-outdir', 'tsconfig.json'), '{"compilerOptions": {"outDir": "dist"}}');

const env = { GITHUB_WORKSPACE: workspace } as NodeJS.ProcessEnv;

function settingsFrom(inputs: Partial<Record<InputName, string>>, extraEnv: NodeJS.ProcessEnv = {}) {
  return readSettings((name) => inputs[name], { ...env, ...extraEnv });
}

function problemsOf(inputs: Partial<Record<InputName, string>>): string[] {
  return settingsProblems(() => settingsFrom(inputs));
}

describe('readSettings', () => {
  test('works with only name set, with the documented defaults', () => {
    const s = settingsFrom({ name: 'svc' });
    expect(s).toMatchObject({
      command: 'auto',
      name: 'svc',
      path: workspace,
      runtime: 'python3.12',
      handler: 'app.handler',
      architecture: 'x86_64',
      memory: 256,
      timeout: 30,
      gateway: 'http-api',
      apiKey: false,
      smokeTest: true,
      smokePath: '/',
      smokeStatus: [[200, 399]],
      smokeTimeout: 60,
      rollback: true,
      comment: true,
      deployment: true,
      protectedStages: ['main', 'master', 'prod', 'production'],
      target: 'aws',
      dryRun: false,
      audience: 'sts.amazonaws.com',
    });
    expect(s.stage).toBeUndefined();
    expect(s.requirements).toBeUndefined();
    expect(s.packageCache).toBeUndefined(); // the entry cache is off unless asked for
  });

  test.each([
    ['python3.12', 'fn', 'app.handler'],
    ['nodejs22.x', 'node', 'index.handler'],
    ['nodejs20.x', 'node-index', 'index.handler'],
    // The default before index.handler: a folder with app.js, or app.mjs, deploys as it did.
    ['nodejs22.x', 'node-app', 'app.handler'],
    ['nodejs24.x', 'node-both', 'app.handler'],
  ])('no handler and no app: %s in %s defaults to %s', (runtime, path, handler) => {
    expect(settingsFrom({ name: 'svc', runtime, path }).handler).toBe(handler);
    // Given, it is taken as it is.
    expect(settingsFrom({ name: 'svc', runtime, path, handler: 'main.run' }).handler).toBe('main.run');
  });

  test('no handler and no app on Node.js, no index.js or app.js: the handler package.json\'s "main" names, said', () => {
    const s = settingsFrom({ name: 'svc', runtime: 'nodejs22.x', path: 'node-ts' });
    expect(s.handler).toBe('dist/handler.handler');
    expect(s.handlerNote).toBe(
      `Handler dist/handler.handler (package.json's "main" is dist/handler.js): no handler input, and no index.js or app.js; the handler input chooses another.`,
    );
    // The CLI's words for the same.
    const cli = readSettings(
      (name) => ({ name: 'svc', runtime: 'nodejs22.x', path: 'node-ts' })[name as string],
      env,
      'terminal',
    );
    expect(cli.handlerNote).toMatch(
      /: no --handler, and no index\.js or app\.js; --handler chooses another\.$/,
    );
    // "exports" without "main": its "." export, said as such.
    const exported = settingsFrom({ name: 'svc', runtime: 'nodejs22.x', path: 'node-exports' });
    expect([exported.handler, exported.handlerNote]).toEqual([
      'dist/index.handler',
      `Handler dist/index.handler (package.json's "exports" gives dist/index.cjs under its "require" condition): no handler input, and no index.js or app.js; the handler input chooses another.`,
    ]);
    // Both, naming different files: "exports", said in the action's and the CLI's words alike.
    const over = `(package.json's "exports" gives dist/esm/handler.mjs, taken over its "main" (dist/handler.js): Node.js reads "exports" first when both are set)`;
    const both = settingsFrom({ name: 'svc', runtime: 'nodejs22.x', path: 'node-exports-main' });
    expect([both.handler, both.handlerNote]).toEqual([
      'dist/esm/handler.handler',
      `Handler dist/esm/handler.handler ${over}: no handler input, and no index.js or app.js; the handler input chooses another.`,
    ]);
    const bothCli = readSettings(
      (name) => ({ name: 'svc', runtime: 'nodejs22.x', path: 'node-exports-main' })[name as string],
      env,
      'terminal',
    );
    expect(bothCli.handlerNote).toBe(
      `Handler dist/esm/handler.handler ${over}: no --handler, and no index.js or app.js; --handler chooses another.`,
    );
    // "main": "dist", not built, tsc's outDir: the folder's index, said as a guess.
    const outDir = settingsFrom({ name: 'svc', runtime: 'nodejs22.x', path: 'node-outdir' });
    expect([outDir.handler, outDir.handlerNote]).toEqual([
      'dist/index.handler',
      `Handler dist/index.handler (package.json's "main" is dist, not built yet: taken for the folder tsconfig.json's outDir names, so dist/index.js): no handler input, and no index.js or app.js; the handler input chooses another.`,
    ]);
    // index.js there: index.handler, as before; a handler given, a Python runtime or an app: "main" is not read.
    for (const inputs of [
      { runtime: 'nodejs22.x', path: 'node-ts', handler: 'index.handler' },
      { runtime: 'python3.12', path: 'node-ts' },
      { runtime: 'python3.12', path: 'node-ts', app: 'main:app' },
    ]) {
      const other = settingsFrom({ name: 'svc', ...inputs });
      expect({ handler: other.handler, note: other.handlerNote }).toEqual({
        handler:
          inputs.handler ??
          (inputs.app ? '' : inputs.path === 'node-ts-index' ? 'index.handler' : 'app.handler'),
        note: undefined,
      });
    }
  });

  test('index.js there and "main" naming another file: index.handler, said with how to deploy the other', () => {
    const s = settingsFrom({ name: 'svc', runtime: 'nodejs22.x', path: 'node-ts-index' });
    expect([s.handler, s.handlerNote]).toEqual([
      'index.handler',
      `Handler index.handler (index.js is here; package.json's "main" is dist/handler.js: set handler: dist/handler.handler to deploy that).`,
    ]);
    const cli = readSettings(
      (name) => ({ name: 'svc', runtime: 'nodejs22.x', path: 'node-ts-index' })[name as string],
      env,
      'terminal',
    );
    expect(cli.handlerNote).toMatch(/: set --handler dist\/handler\.handler to deploy that\)\.$/);
    // "main" naming index.js itself: they agree, nothing to say.
    expect(
      settingsFrom({ name: 'svc', runtime: 'nodejs22.x', path: 'node-main-index' }).handlerNote,
    ).toBeUndefined();
  });

  test('a "main" the handler input cannot hold leaves index.handler, with no error on a handler nobody gave', () => {
    // Before: handler "dist/my handler.handler" refused as `handler: "" is not valid`, undeploy too.
    for (const command of ['deploy', 'undeploy']) {
      const s = settingsFrom({ name: 'svc', command, runtime: 'nodejs22.x', path: 'node-ts-space' });
      expect({ handler: s.handler, note: s.handlerNote }).toEqual({
        handler: 'index.handler',
        note: undefined,
      });
    }
  });

  test('package-cache: a folder, relative to the workspace, that may not exist yet', () => {
    expect(settingsFrom({ name: 'svc', 'package-cache': '.cache/lambda-deploy' }).packageCache).toBe(
      join(workspace, '.cache', 'lambda-deploy'),
    );
    expect(settingsFrom({ name: 'svc', 'package-cache': '/var/cache/ld' }).packageCache).toBe(
      '/var/cache/ld',
    );
  });

  test('finds requirements.txt in path when present', () => {
    expect(settingsFrom({ name: 'svc', path: 'fn' }).requirements).toBe(
      join(workspace, 'fn', 'requirements.txt'),
    );
  });

  test('path may be a link inside the workspace, not one that leads out of it', () => {
    symlinkSync(join(workspace, 'fn'), join(workspace, 'fn-link'));
    expect(settingsFrom({ name: 'svc', path: 'fn-link' }).path).toBe(join(workspace, 'fn-link'));
    symlinkSync(tmpdir(), join(workspace, 'tmp-link'));
    expect(problemsOf({ name: 'svc', path: 'tmp-link' })).toEqual([
      expect.stringMatching(/^path: "tmp-link" is not valid; expected a folder inside the workspace/),
    ]);
  });

  test('the workspace is GITHUB_WORKSPACE, or for the CLI the repository around the current directory', () => {
    expect(settingsFrom({ name: 'svc', path: 'fn' }).workspace).toBe(realpathSync(workspace));
    const cwd = readSettings((name) => ({ name: 'svc' })[name as string], {});
    expect(cwd.workspace).toBe(realpathSync(process.cwd()));
  });

  test('outside Actions the workspace is the enclosing git repository, so a member finds the uv.lock above it', () => {
    const repo = realpathSync(mkdtempSync(join(tmpdir(), 'settings-repo-')));
    mkdirSync(join(repo, '.git'));
    mkdirSync(join(repo, 'packages', 'api'), { recursive: true });
    // A worktree or submodule has a .git file, not a folder.
    const worktree = join(repo, 'packages', 'wt');
    mkdirSync(join(worktree, 'src'), { recursive: true });
    writeFileSync(join(worktree, '.git'), 'gitdir: /elsewhere\n');
    const noRepo = realpathSync(mkdtempSync(join(tmpdir(), 'settings-norepo-')));
    const from = (cwd: string, inputs: Record<string, string>) => {
      const before = process.cwd();
      process.chdir(cwd);
      try {
        return readSettings((name) => ({ name: 'svc', ...inputs })[name as string], {});
      } finally {
        process.chdir(before);
      }
    };
    const member = from(join(repo, 'packages', 'api'), {});
    expect(member).toMatchObject({ workspace: repo, path: join(repo, 'packages', 'api') });
    // path stays relative to the current directory.
    expect(from(join(repo, 'packages'), { path: 'api' }).path).toBe(join(repo, 'packages', 'api'));
    expect(from(join(worktree, 'src'), {}).workspace).toBe(worktree);
    expect(from(noRepo, {}).workspace).toBe(noRepo);
  });

  test('a git repository at or above the home folder (a dotfiles repository) is not taken as the workspace', () => {
    const home = realpathSync(mkdtempSync(join(tmpdir(), 'settings-home-')));
    mkdirSync(join(home, '.git'));
    const project = join(home, 'work', 'shop');
    mkdirSync(project, { recursive: true });
    const before = process.cwd();
    process.chdir(project);
    try {
      const read = (name: string) => ({ name: 'svc' })[name as 'name'];
      expect(readSettings(read, { HOME: home }).workspace).toBe(project);
      // A repository below the home folder still counts.
      mkdirSync(join(home, 'work', '.git'));
      expect(readSettings(read, { HOME: home }).workspace).toBe(join(home, 'work'));
    } finally {
      process.chdir(before);
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('an environment line without = is reported without its value', () => {
    const problems = problemsOf({ name: 'svc', environment: 'DB=x\nhunter2-secret-pasted-alone' });
    expect(problems).toEqual([expect.stringMatching(/^environment: line 2 /)]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  test('environment values of a CRLF file lose their \\r', () => {
    const s = settingsFrom({ name: 'svc', environment: 'A=1\r\nB=two words\r\nC=last\r' });
    expect(s.environment).toEqual({ A: '1', B: 'two words', C: 'last' });
  });

  test('parses environment lines, keeping = in values', () => {
    const s = settingsFrom({ name: 'svc', environment: 'A=1\nB=x=y\n\n# comment\nEMPTY=' });
    expect(s.environment).toEqual({ A: '1', B: 'x=y', EMPTY: '' });
  });

  test('environment: indented comments and blank lines with spaces are skipped', () => {
    const s = settingsFrom({ name: 'svc', environment: '  # the database\n   \n\tA=1' });
    expect(s.environment).toEqual({ A: '1' });
  });

  test('github-token falls back to GITHUB_TOKEN, then to none', () => {
    expect(
      settingsFrom({ name: 'svc', 'github-token': 'ghs_input' }, { GITHUB_TOKEN: 'ghs_env' }).githubToken,
    ).toBe('ghs_input');
    expect(settingsFrom({ name: 'svc' }, { GITHUB_TOKEN: 'ghs_env' }).githubToken).toBe('ghs_env');
    expect(settingsFrom({ name: 'svc' }, { GITHUB_TOKEN: undefined }).githubToken).toBe('');
  });

  test('smoke-contains: unset or blank checks nothing; a value is taken trimmed', () => {
    expect(settingsFrom({ name: 'svc' }).smokeContains).toBeUndefined();
    expect(settingsFrom({ name: 'svc', 'smoke-contains': '  ' }).smokeContains).toBeUndefined();
    expect(settingsFrom({ name: 'svc', 'smoke-contains': ' "ok": true \n' }).smokeContains).toBe(
      '"ok": true',
    );
  });

  test('bad pip-args are quoted with the password of an index URL hidden', () => {
    const problems = problemsOf({
      name: 'svc',
      'pip-args': "--index-url 'https://ci:hunter2-index@pypi.example/simple",
    });
    expect(problems).toEqual([
      `pip-args: "--index-url 'https://ci:***@pypi.example/simple" is not valid; expected shell-like arguments (unbalanced ' quote).`,
    ]);
  });

  test('region falls back to AWS_REGION', () => {
    expect(settingsFrom({ name: 'svc' }, { AWS_REGION: 'eu-west-1' }).awsRegion).toBe('eu-west-1');
    expect(
      settingsFrom({ name: 'svc', 'aws-region': 'us-east-2' }, { AWS_REGION: 'eu-west-1' }).awsRegion,
    ).toBe('us-east-2');
  });

  test.each<[string, Partial<Record<InputName, string>>, RegExp]>([
    [
      'memory too low',
      { memory: '64' },
      /^memory: "64" is not valid; expected a whole number from 128 to 10240/,
    ],
    ['memory too high', { memory: '20000' }, /^memory: "20000".*128 to 10240/],
    ['memory not a number', { memory: '1GB' }, /^memory: "1GB"/],
    ['timeout zero', { timeout: '0' }, /^timeout: "0".*1 to 900/],
    ['timeout too high', { timeout: '901' }, /^timeout: "901".*1 to 900/],
    [
      'unknown runtime',
      { runtime: 'python2.7' },
      /^runtime: "python2.7" is not valid; expected one of python3\.9, python3\.10, .*, nodejs20\.x, nodejs22\.x, nodejs24\.x\.$/,
    ],
    [
      'app on a Node.js runtime',
      { app: 'app:app', runtime: 'nodejs20.x' },
      /^app: "app:app" is not valid; expected a Python runtime to serve a WSGI\/ASGI app \(runtime is "nodejs20.x"\)\.$/,
    ],
    [
      'requirements on a Node.js runtime',
      { runtime: 'nodejs22.x', requirements: 'requirements.txt' },
      /^requirements: "requirements.txt" is not valid; expected a Python runtime \(runtime is "nodejs22.x"; Node.js packages are taken as they are\)\.$/,
    ],
    [
      'dependencies-layer on a Node.js runtime',
      { runtime: 'nodejs22.x', 'dependencies-layer': 'true' },
      /^dependencies-layer: "true" is not valid; expected a Python runtime \(runtime is "nodejs22.x"\)\.$/,
    ],
    [
      'pip-args with an unbalanced quote',
      { 'pip-args': '--index-url "https://pypi.example/simple' },
      /^pip-args: "--index-url \\"https:\/\/pypi.example\/simple" is not valid; expected shell-like arguments \(unbalanced " quote\)\.$/,
    ],
    [
      'pip-args that let pip build from source on the runner',
      { 'pip-args': '--index-url https://pypi.example/simple --no-binary psycopg2' },
      /^pip-args: "--index-url https:\/\/pypi.example\/simple --no-binary psycopg2" is not valid; expected no --no-binary psycopg2: lambda-deploy installs every package as a wheel for Lambda's platform \(--only-binary=:all:\); a source build is compiled for the machine pip runs on, and fails to import on Lambda\.$/,
    ],
    [
      'pip-args that let pip build from source, abbreviated as pip allows',
      { 'pip-args': '--no-bi=:all:' },
      /^pip-args: "--no-bi=:all:" is not valid; expected no --no-binary :all:: lambda-deploy installs every package as a wheel/,
    ],
    [
      'pip-args that choose where pip installs, abbreviated',
      { 'pip-args': '--extra-index=https://ci:Idx-pass-2024@pypi.example/simple --targ /tmp/elsewhere' },
      /^pip-args: "--extra-index=https:\/\/ci:\*\*\*@pypi.example\/simple --targ \/tmp\/elsewhere" is not valid; expected no --target \/tmp\/elsewhere: lambda-deploy installs the packages into the package it builds \(--target\)\.$/,
    ],
    ['unknown architecture', { architecture: 'arm' }, /^architecture: "arm".*x86_64, arm64/],
    ['unknown gateway', { gateway: 'alb' }, /^gateway: "alb".*http-api, rest-api, function-url, none/],
    [
      'unknown command',
      { command: 'destroy' },
      /^command: "destroy".*auto, deploy, undeploy, package, prune/,
    ],
    [
      'environment without =',
      { environment: 'A=1\n\nJUSTAKEY' },
      /^environment: line 3 \(not shown: it may hold a secret\) has no KEY=VALUE form/,
    ],
    [
      'reserved environment name',
      { environment: 'AWS_REGION=x' },
      /^environment: "AWS_REGION" is reserved by Lambda/,
    ],
    ['path missing', { path: 'nope' }, /^path: "nope" is not valid; expected an existing folder/],
    [
      // The handler's file given as the path: say which folder was meant.
      'path that is a file',
      { path: 'fn/app.py' },
      /^path: "fn\/app\.py" is not valid; expected the folder that holds the code, like "fn" \(fn\/app\.py is a file\)\.$/,
    ],
    [
      // Not also "requirements: ... not valid": with no folder, there is nothing to look for it in.
      'path missing, with requirements',
      { path: 'nope', requirements: 'requirements.txt' },
      /^path: "nope" is not valid; expected an existing folder/,
    ],
    [
      'path outside the workspace',
      { path: '/etc' },
      /^path: "\/etc" is not valid; expected a folder inside the workspace .*settings-.* \(resolved to \/etc\)/,
    ],
    [
      'path above the workspace',
      { path: '..' },
      /^path: "\.\." is not valid; expected a folder inside the workspace/,
    ],
    [
      'requirements outside the workspace',
      { path: 'fn', requirements: '/etc/hostname' },
      /^requirements: "\/etc\/hostname" is not valid; expected a file inside the workspace/,
    ],
    [
      'include reaching out of path',
      { include: 'app.py\n../../secrets/**' },
      /^include: "\.\.\/\.\.\/secrets\/\*\*" is not valid; expected globs of files inside path, without "\.\."/,
    ],
    [
      'requirements missing',
      { path: 'fn', requirements: 'other.txt' },
      /^requirements: "other.txt".*a file relative to path/,
    ],
    // Written from the workspace root, as pip-args are: the file is there, its path from path is the one to write.
    [
      'requirements written relative to the workspace, not to path',
      { path: 'fn', requirements: 'fn/requirements.txt' },
      /^requirements: "fn\/requirements\.txt" is not valid; expected a file relative to path \(resolved to .*\/fn\/fn\/requirements\.txt\), here "requirements\.txt" \(relative to path, not to the workspace\)\.$/,
    ],
    [
      'app and handler',
      { app: 'app:app', handler: 'x.y' },
      /^app, handler: both are set \("app:app", "x.y"\)/,
    ],
    ['bad app', { app: 'app.app' }, /^app: "app.app".*module:attribute/],
    [
      'bad quota',
      { gateway: 'rest-api', 'api-key': 'true', quota: '100/year' },
      /^quota: "100\/year".*N\/day/,
    ],
    ['bad boolean', { rollback: 'maybe' }, /^rollback: "maybe".*true or false/],
    ['bad role', { 'role-to-assume': 'deploy-role' }, /^role-to-assume: "deploy-role".*IAM role ARN/],
    [
      // The workflow init writes before setup printed the ARNs: the reusable workflow passes it on as role-to-assume.
      "init's placeholder role",
      { 'role-to-assume': 'arn:aws:iam::ACCOUNT_ID:role/svc-deploy-production' },
      /^role-to-assume: "arn:aws:iam::ACCOUNT_ID:role\/svc-deploy-production" is not valid; expected the role ARN setup prints: ACCOUNT_ID is the placeholder lambda-deploy init writes \(production-role and preview-role of the reusable workflow\); run "npx github:org\/lambda-deploy setup --name svc --aws-region REGION --repository OWNER\/REPO" once and put the two ARNs it ends with in the workflow\.$/,
    ],
    ['bad stage', { stage: 'Feature/X' }, /^stage: "Feature\/X"/],
    // In the workflow's words: the cleaned form to set, and a protected one named as such.
    [
      'a stage with capitals',
      { stage: 'Feature_X' },
      /^stage: "Feature_X" is not valid; expected up to 40 lower-case letters, digits and inner hyphens, like stage: feature-x, also the stage of branch feature-x \(a branch named Feature_X gets the stage feature-x-[0-9a-f]{8}\)\.$/,
    ],
    [
      'a protected stage with a capital',
      { stage: 'Prod' },
      /^stage: "Prod" is not valid; .*; its cleaned form prod is a protected stage \(not set in the workflow, so its default: main, master, prod, production\): stage: prod only to mean that stage \(/,
    ],
    ['bad name', { name: '1svc' }, /^name: "1svc"/],
    ['bad smoke status', { 'smoke-status': '2xx' }, /^smoke-status: "2xx"/],
    ['api key without rest', { 'api-key': 'true' }, /^api-key, gateway: .*expected gateway rest-api/],
    ['bad keep-warm', { 'keep-warm': 'every 5 minutes' }, /^keep-warm: "every 5 minutes"/],
    // The two forms are easy to mix up (Zappa and gunicorn write main:app, Lambda index.handler): say which was meant.
    [
      'an app written with a dot',
      { app: 'service.main.app' },
      /^app: "service\.main\.app" is not valid; expected module:attribute, here "service\.main:app" \(a colon, not a dot, before the app object\)\.$/,
    ],
    [
      'a handler written with a colon',
      { handler: 'src/index:handler' },
      /^handler: "src\/index:handler" is not valid; expected module\.function, here "src\/index\.handler" \(a dot, not a colon, before the function\)\.$/,
    ],
    // A Windows path (a backslash between folders) and a URL-encoded name: Lambda reads the value as written.
    [
      'a Node.js handler with a backslash between folders',
      { handler: 'src\\index.handler', runtime: 'nodejs22.x' },
      /^handler: "src\\\\index\.handler" is not valid; expected module\.function, like "app\.handler" or "src\/index\.handler"\.$/,
    ],
    [
      'a Python handler with a backslash between folders',
      { handler: 'app\\main.handler' },
      /^handler: "app\\\\main\.handler" is not valid; expected module\.function, like "app\.handler" or "src\/index\.handler"\.$/,
    ],
    [
      'a handler with a URL-encoded space',
      { handler: 'my%20app.handler', runtime: 'nodejs22.x' },
      /^handler: "my%20app\.handler" is not valid; expected module\.function, like "app\.handler" or "src\/index\.handler"\.$/,
    ],
    // Django's WSGI module named without its object: not "mysite:wsgi", which would look for an object wsgi in mysite.
    [
      "Django's wsgi module without its object",
      { app: 'mysite.wsgi' },
      /^app: "mysite\.wsgi" is not valid; expected module:attribute, here "mysite\.wsgi:application" \(Django's wsgi\.py defines the app object application\)\.$/,
    ],
    [
      'an app written as a file path',
      { app: 'mysite/wsgi.py:application' },
      /^app: "mysite\/wsgi\.py:application" is not valid; expected module:attribute, here "mysite\.wsgi:application" \(the module dotted, as Python imports it, not a file path\)\.$/,
    ],
    // The file's name with .py, as a path: Python would look for the module py in a package main.
    [
      'an app written with the .py of its file',
      { app: 'main.py:app', path: 'fastapi' },
      /^app: "main\.py:app" is not valid; expected module:attribute, here "main:app" \(the module dotted, as Python imports it, not a file path\)\.$/,
    ],
    // The file's extension in a handler: Lambda would look for the export js in index.js (py in app.py).
    [
      'a Python handler written with the .py of its file',
      { handler: 'app.py.handler', path: 'fn' },
      /^handler: "app\.py\.handler" is not valid; expected module\.function, here "app\.handler" \(the file's name without \.py\)\.$/,
    ],
    [
      'a Node.js handler written with the .js of its file',
      { handler: 'src/index.mjs.handler', runtime: 'nodejs22.x', path: 'node-index' },
      /^handler: "src\/index\.mjs\.handler" is not valid; expected file\.export, here "src\/index\.handler" \(the file's name without \.mjs\)\.$/,
    ],
    // TypeScript's too: Lambda's Node.js runtimes run the JavaScript built from it, named without the extension.
    [
      'a Node.js handler written with the .ts of its TypeScript file',
      { handler: 'index.ts.handler', runtime: 'nodejs22.x', path: 'node-index' },
      /^handler: "index\.ts\.handler" is not valid; expected file\.export, here "index\.handler" \(the file's name without \.ts, naming the JavaScript built from it: Lambda's Node\.js runtimes do not run TypeScript\)\.$/,
    ],
    // tsc wrote it to outDir: the handler names the built file there, not the source's folder.
    [
      'a Node.js handler written with the .ts of a TypeScript file built to dist/',
      { handler: 'src/index.ts.handler', runtime: 'nodejs22.x', path: 'node-ts-out' },
      /^handler: "src\/index\.ts\.handler" is not valid; expected file\.export, here "dist\/index\.handler" \(dist\/index\.js, the JavaScript tsc built from src\/index\.ts into tsconfig\.json's outDir: Lambda's Node\.js runtimes do not run TypeScript\)\.$/,
    ],
    // No app.ts: dist/app.js is not built from it, and the file meant is app.js.
    [
      'a Node.js handler written with .ts, no such TypeScript file, a dist/ of the same name',
      { handler: 'app.ts.handler', runtime: 'nodejs22.x', path: 'node-js-out' },
      /^handler: "app\.ts\.handler" is not valid; expected file\.export, here "app\.handler" \(the file's name without \.ts, naming the JavaScript built from it: Lambda's Node\.js runtimes do not run TypeScript\)\.$/,
    ],
    [
      'a Node.js handler written with the .mts of its TypeScript file',
      { handler: 'dist/api.mts.main', runtime: 'nodejs22.x', path: 'node-index' },
      /^handler: "dist\/api\.mts\.main" is not valid; expected file\.export, here "dist\/api\.main" \(the file's name without \.mts, naming/,
    ],
    [
      'an app with no attribute',
      { app: 'main' },
      /^app: "main" is not valid; expected module:attribute, like "app:app"/,
    ],
    // The module is there: the app object after it, not the generic example.
    [
      'an app with no attribute, its module there',
      { app: 'main', path: 'fastapi' },
      /^app: "main" is not valid; expected module:attribute, here "main:app" \(main\.py's app object after a colon; its own name if it is not app\)\.$/,
    ],
    [
      'a dotted app module with no attribute, its module there',
      { app: 'service.main', path: 'fastapi' },
      /^app: "service\.main" is not valid; expected module:attribute, here "service\.main:app" \(service\/main\.py's app object after a colon; its own name if it is not app\)\.$/,
    ],
    ['bad layer', { layers: 'my-layer' }, /^layers: "my-layer".*layer version ARNs/],
    [
      'package-cache that is a file',
      { 'package-cache': 'fn/app.py' },
      /^package-cache: "fn\/app.py" is not valid; expected a folder, or a path where one can be created \(.*is a file\)/,
    ],
  ])('%s is named, quoted and explained', (_title, inputs, expected) => {
    const problems = problemsOf({ name: 'svc', ...inputs });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  test("the CLI's words for requirements written from the current folder: --path throughout", () => {
    // Run in the workspace: the folder its inputs start from is then the current one.
    const before = process.cwd();
    process.chdir(workspace);
    const problems = settingsProblems(() =>
      readSettings(
        (name) => ({ name: 'svc', path: 'fn', requirements: 'fn/requirements.txt' })[name as string],
        env,
        'terminal',
      ),
    );
    process.chdir(before);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /expected a file relative to --path \(resolved to .*\/fn\/fn\/requirements\.txt\), here "requirements\.txt" \(relative to --path, not to the current folder\)\.$/,
    );
  });

  // A CLI step in a GitHub job (working-directory: services): inputs start from GITHUB_WORKSPACE, not the current folder.
  test('the CLI run in a GitHub job below the workspace, requirements written from the workspace: says the workspace, not the current folder', () => {
    const repo = realpathSync(mkdtempSync(join(tmpdir(), 'settings-req-job-')));
    mkdirSync(join(repo, 'services', 'fn'), { recursive: true });
    writeFileSync(join(repo, 'services', 'fn', 'app.py'), 'def handler(e, c):\n  return 1\n');
    writeFileSync(join(repo, 'services', 'fn', 'requirements.txt'), 'requests\n');
    const before = process.cwd();
    process.chdir(join(repo, 'services'));
    try {
      const problems = settingsProblems(() =>
        readSettings(
          (name) =>
            ({ name: 'svc', path: 'services/fn', requirements: 'services/fn/requirements.txt' })[
              name as string
            ],
          { HOME: tmpdir(), GITHUB_WORKSPACE: repo },
          'terminal',
        ),
      );
      expect(problems).toEqual([
        expect.stringMatching(
          /, here "requirements\.txt" \(relative to --path, not to the workspace .*settings-req-job-\w+\)\.$/,
        ),
      ]);
    } finally {
      process.chdir(before);
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test("the CLI's words for requirements written from the repository's root, run in a folder below it: says the root, not the current folder", () => {
    const repo = realpathSync(mkdtempSync(join(tmpdir(), 'settings-req-root-')));
    mkdirSync(join(repo, '.git'));
    mkdirSync(join(repo, 'services', 'fn'), { recursive: true });
    writeFileSync(join(repo, 'services', 'fn', 'app.py'), 'def handler(e, c):\n  return 1\n');
    writeFileSync(join(repo, 'services', 'fn', 'requirements.txt'), 'requests\n');
    const before = process.cwd();
    process.chdir(join(repo, 'services'));
    try {
      const problems = (requirements: string) =>
        settingsProblems(() =>
          readSettings(
            (name) => ({ name: 'svc', path: 'fn', requirements })[name as string],
            { HOME: tmpdir() },
            'terminal',
          ),
        );
      // Written from the root (services/fn/requirements.txt): not found from the current folder.
      expect(problems('services/fn/requirements.txt')).toEqual([
        expect.stringMatching(
          /, here "requirements\.txt" \(relative to --path, not to the repository's root .*settings-req-root-\w+\)\.$/,
        ),
      ]);
      // Written from the current folder (fn/requirements.txt): said so, as before.
      expect(problems('fn/requirements.txt')).toEqual([
        expect.stringMatching(
          /, here "requirements\.txt" \(relative to --path, not to the current folder\)\.$/,
        ),
      ]);
    } finally {
      process.chdir(before);
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('an app or handler module named py that is there (service/py.py) is a module, not a file path', () => {
    mkdirSync(join(workspace, 'py-module', 'service'), { recursive: true });
    writeFileSync(join(workspace, 'py-module', 'service', 'py.py'), 'app = None\n');
    expect(problemsOf({ name: 'svc', app: 'service.py:app', path: 'py-module' })).toEqual([]);
    expect(problemsOf({ name: 'svc', handler: 'service.py.handler', path: 'py-module' })).toEqual([]);
  });

  // Lambda's Python runtime reads src/service.py.handler as the module src.service.py: src/service/py.py.
  test('a handler in a folder whose module is named py (src/service/py.py) is a module, not a file path', () => {
    mkdirSync(join(workspace, 'py-folder', 'src', 'service'), { recursive: true });
    writeFileSync(join(workspace, 'py-folder', 'src', 'service', 'py.py'), 'def handler(e, c): pass\n');
    expect(problemsOf({ name: 'svc', handler: 'src/service.py.handler', path: 'py-folder' })).toEqual([]);
  });

  test("init's placeholder role: the setup command carries the workflow's region, repository, protected-stages and s3-bucket", () => {
    const problems = settingsProblems(() =>
      settingsFrom(
        {
          name: 'svc',
          'aws-region': 'eu-west-1',
          'role-to-assume': 'arn:aws:iam::ACCOUNT_ID:role/svc-deploy-production',
          'protected-stages': 'main,release',
          's3-bucket': 'acme-artifacts',
        },
        { GITHUB_REPOSITORY: 'octo/svc' },
      ),
    );
    expect(problems).toEqual([
      expect.stringContaining(
        'run "npx github:org/lambda-deploy setup --name svc --aws-region eu-west-1 --repository octo/svc ' +
          '--protected-stages main,release --s3-bucket acme-artifacts" once',
      ),
    ]);
  });

  test("init's placeholder role: a protected branch with capitals (Release/1.x) is named as it is, not lower-cased or as its stage", () => {
    // The reusable workflow sends the push of Release/1.x, exactly, to the production job: the role must trust that
    // branch, not release/1.x or release-1-x-<hash>, names anyone with write access could create.
    const problems = settingsProblems(() =>
      settingsFrom(
        {
          name: 'svc',
          'aws-region': 'eu-west-1',
          'role-to-assume': 'arn:aws:iam::ACCOUNT_ID:role/svc-deploy-production',
          'protected-stages': 'main,Release/1.x',
        },
        { GITHUB_REPOSITORY: 'octo/svc' },
      ),
    );
    expect(problems).toEqual([
      expect.stringContaining(
        'run "npx github:org/lambda-deploy setup --name svc --aws-region eu-west-1 --repository octo/svc ' +
          '--protected-stages main,Release/1.x" once',
      ),
    ]);
  });

  test("protected-stages: a branch name (release/1.x, Main) protects its branch's stage too", () => {
    // Branch release/1.x deploys to stage release-1-x-<hash>: read as it is, "release/1.x" protected nothing,
    // so deleting the branch, prune, or a pull request with stage: set could reach its production stage.
    expect(
      settingsFrom({ name: 'svc', 'protected-stages': 'main,release/1.x, Prod\n# comment' }).protectedStages,
    ).toEqual(['main', 'release/1.x', branchStage('release/1.x'), 'prod', branchStage('Prod')]);
    expect(settingsFrom({ name: 'svc' }).protectedStages).toEqual(['main', 'master', 'prod', 'production']);
  });

  test('protected-stages: an entry that is no exact name (release-*, a pattern matching nothing) is refused, naming the input, quoting it, with the expected form', () => {
    for (const entry of ['release-*', 'v?', 'hotfix/[0-9]'])
      expect(problemsOf({ name: 'svc', 'protected-stages': `main,${entry}` })).toEqual([
        `protected-stages: ${JSON.stringify(entry)} is not valid; expected exact stage or branch names, like main,prod,release/1.x (no wildcards: list each one).`,
      ]);
  });

  test('missing name is reported', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^name: is required/)]);
  });

  test('several bad inputs are reported together', () => {
    let error: unknown;
    try {
      settingsFrom({
        name: 'svc',
        memory: '1',
        timeout: '1000',
        runtime: 'ruby3.3',
        environment: 'NOEQUALS',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const { problems, message } = error as SettingsError;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['runtime', 'memory', 'timeout', 'environment']);
    expect(message).toMatch(/^4 invalid inputs:/);
  });
});

describe('small parsers', () => {
  test.each<[string, string[]]>([
    ['--no-index --find-links wheels', ['--no-index', '--find-links', 'wheels']],
    ['--extra-index-url "https://x/simple y"', ['--extra-index-url', 'https://x/simple y']],
    ["-i 'a b' c\\ d", ['-i', 'a b', 'c d']],
    ['\\-x', ['-x']],
    ['a \\"', ['a', '"']],
    ['"a\\"b" \'c\\d\'', ['a"b', 'c\\d']],
    ['', []],
  ])('splitArgs(%j)', (input, expected) => {
    expect(splitArgs(input)).toEqual(expected);
  });

  test('splitArgs refuses an unbalanced quote', () => {
    expect(() => splitArgs('"abc')).toThrow(/unbalanced/);
  });

  test.each<[string, number, boolean]>([
    ['200-399', 200, true],
    ['200-399', 399, true],
    ['200-399', 404, false],
    ['200,204', 204, true],
    ['200,204', 201, false],
    ['200-299, 404', 404, true],
  ])('status %s accepts %d: %s', (ranges, status, accepted) => {
    const parsed = parseStatusRanges(ranges);
    expect(typeof parsed).not.toBe('string');
    expect(statusAccepted(status, parsed as [number, number][])).toBe(accepted);
  });

  test.each([['abc'], ['600'], ['399-200']])('status %j is refused', (value) => {
    expect(typeof parseStatusRanges(value)).toBe('string');
  });

  test.each<[string, unknown]>([
    ['10000/day', { limit: 10000, period: 'DAY' }],
    ['500 / Week', { limit: 500, period: 'WEEK' }],
    ['1/month', { limit: 1, period: 'MONTH' }],
    ['0/day', undefined],
    ['10/year', undefined],
  ])('quota %j', (value, expected) => {
    expect(parseQuota(value)).toEqual(expected);
  });
});

test('the CLI (no GITHUB_WORKSPACE): a path outside the folder it runs in says what that folder is and where to run it from', () => {
  const home = process.cwd();
  const project = mkdtempSync(join(tmpdir(), 'settings-cli-'));
  try {
    process.chdir(workspace);
    const problems = settingsProblems(() =>
      readSettings((name) => ({ name: 'svc', path: project })[name as 'name' | 'path'], { HOME: workspace }),
    );
    expect(problems).toEqual([
      `path: "${project}" is not valid; expected a folder inside ${realpathSync(workspace)}, the folder the command runs in (or its git repository): run it from your project's folder (resolved to ${realpathSync(project)}).`,
    ]);
  } finally {
    process.chdir(home);
    rmSync(project, { recursive: true, force: true });
  }
});
