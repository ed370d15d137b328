/**
 * pipInstall with the real pip (local wheels only) where a repository bounds what a requirements file
 * may read: a monorepo's requirements files that include others, local paths, folders of wheels,
 * indexes on disk and pip's own installation report, inside the repository and outside it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCommandRunner, pipInstall, type PipInstallOptions } from '../../src/packaging/pip-install.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { buildWheel, fakeRunner, tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('pip-repository');
afterAll(cleanup);

const wheels = join(root, 'wheels');
beforeAll(async () => {
  mkdirSync(wheels);
  await buildWheel(wheels, 'greetlib', '1.2.0', 'def hello():\n    return "hello"\n');
});

/** Options of an install of `file` into `target`, from the local wheels only, bounded by `repo`. */
function inRepo(paths: { repo: string; file: string; target: string }): PipInstallOptions {
  return {
    requirements: paths.file,
    targetDir: paths.target,
    runtime: 'python3.12',
    architecture: 'x86_64',
    pipArgs: ['--no-index'],
    repository: paths.repo,
  };
}

describe('pipInstall with the real pip: a monorepo requirements file that includes others (local wheels only)', () => {
  /** repo/.git, repo/services/orders/requirements.txt and repo/libs/base.txt, the greetlib wheel in repo/wheels. */
  function monorepo(name: string, orders: string, base: string) {
    const repo = join(root, name);
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(join(repo, 'services', 'orders'), { recursive: true });
    mkdirSync(join(repo, 'libs'), { recursive: true });
    cpSync(wheels, join(repo, 'wheels'), { recursive: true });
    writeFileSync(join(repo, 'libs', 'base.txt'), base);
    const file = join(repo, 'services', 'orders', 'requirements.txt');
    writeFileSync(file, orders);
    const target = join(repo, 'target');
    mkdirSync(target);
    return { repo, file, target };
  }
  const wheel = 'greetlib-1.2.0-py3-none-any.whl';

  it("a wheel path in an included file (-r), read from the requirements file's folder as pip there reads it, installs", async () => {
    const { repo, file, target } = monorepo('nested', '-r ../../libs/base.txt\n', `../../wheels/${wheel}\n`);
    const logger = new RecordingLogger();
    await pipInstall(inRepo({ repo, file, target }), { logger, runner: createCommandRunner(logger) });
    expect(readdirSync(join(target, 'greetlib'))).toEqual(['__init__.py']);
  });

  it("PIP_FIND_LINKS with a relative path is read from the step's working directory, as pip-args' --find-links is", async () => {
    // The wheel's relative path has pip run in services/orders; otherlib is found only through PIP_FIND_LINKS.
    const { repo, file, target } = monorepo('env-links', `../../wheels/${wheel}\notherlib==2.0.0\n`, '');
    const elsewhere = join(root, 'env-wheels');
    mkdirSync(elsewhere);
    await buildWheel(elsewhere, 'otherlib', '2.0.0', 'X = 2\n');
    const logger = new RecordingLogger();
    await pipInstall(inRepo({ repo, file, target }), {
      logger,
      runner: createCommandRunner(logger),
      env: { ...process.env, PIP_FIND_LINKS: relative(process.cwd(), elsewhere) },
    });
    expect(readdirSync(target)).toEqual(expect.arrayContaining(['greetlib', 'otherlib']));
  });

  it('a circle of includes is refused before pip runs, naming it (pip would recurse until its stack runs out)', async () => {
    const { file, target, repo } = monorepo(
      'circle',
      '-r ../../libs/base.txt\n',
      '-r ../services/orders/requirements.txt\n',
    );
    const attempt = pipInstall(inRepo({ repo, file, target }), { logger: new RecordingLogger() });
    await expect(attempt).rejects.toThrow(
      `${join(repo, 'libs', 'base.txt')} line 1: -r ../services/orders/requirements.txt includes ${file}, which includes ${join(repo, 'libs', 'base.txt')} again`,
    );
  });

  it('a folder of packages or an index on disk, or a git+file: clone, outside the repository is refused before pip runs', async () => {
    const { repo, file, target } = monorepo('index-outside', 'greetlib==1.2.0\n', '');
    const attempt = (text: string) => {
      writeFileSync(file, text);
      const { runner, calls } = fakeRunner({ exitCode: 0, output: '' });
      const install = pipInstall(inRepo({ repo, file, target }), { logger: new RecordingLogger(), runner });
      return { install, calls };
    };
    for (const [text, message] of [
      [
        'greetlib\n-f file:///etc\n',
        `${file} line 2: "-f file:///etc" reads packages from /etc, outside the repository`,
      ],
      [
        '--index-url /etc\ngreetlib\n',
        `${file} line 1: "--index-url /etc" reads packages from /etc, outside`,
      ],
      ['-e git+file:///etc#egg=x\n', `${file} line 1: /etc installs from /etc, outside the repository`],
    ]) {
      const { install, calls } = attempt(text!);
      await expect(install).rejects.toThrow(message);
      expect(calls).toHaveLength(0);
    }
    // Inside the repository, pip runs.
    const inside = attempt('-f ../../wheels\n--extra-index-url https://127.0.0.1:9/simple\ngreetlib\n');
    await inside.install;
    expect(inside.calls).toHaveLength(1);
  });

  it("a pip configuration file's relative entries are read from the step's working directory when pip runs in the requirements file's folder; the step's variables win", async () => {
    const { repo, file, target } = monorepo('config-file', `../../wheels/${wheel}\n`, '');
    const config = join(repo, 'pip.conf');
    writeFileSync(config, '[global]\nfind-links = cfg-wheels\n[install]\nconstraint = c.txt\n');
    const run = async (extra: NodeJS.ProcessEnv) => {
      const { runner, calls } = fakeRunner({ exitCode: 0, output: '' });
      const home = join(repo, 'home');
      const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: home, XDG_CONFIG_DIRS: home };
      await pipInstall(inRepo({ repo, file, target }), {
        logger: new RecordingLogger(),
        runner,
        env: { ...env, PIP_CONFIG_FILE: config, ...extra },
      });
      return { cwd: calls[0]!.cwd, env: calls[0]!.env! };
    };
    const first = await run({});
    expect(first.cwd).toBe(join(repo, 'services', 'orders'));
    expect(first.env.PIP_FIND_LINKS).toBe(join(process.cwd(), 'cfg-wheels'));
    expect(first.env.PIP_CONSTRAINT).toBe(join(process.cwd(), 'c.txt'));
    expect((await run({ PIP_FIND_LINKS: 'mine' })).env.PIP_FIND_LINKS).toBe(join(process.cwd(), 'mine'));
  });

  it("a wheel outside the repository that a links page or a folder of wheels inside it leads to is refused after pip runs, from pip's installation report", async () => {
    const outside = join(root, 'report-outside');
    mkdirSync(outside);
    await buildWheel(outside, 'greetlib', '1.2.0', 'def hello():\n    return "elsewhere"\n');
    const { repo, file, target } = monorepo('report-links', 'greetlib==1.2.0\n', '');
    const url = pathToFileURL(join(outside, wheel)).href;
    writeFileSync(join(repo, 'links.html'), `<html><body><a href="${url}">${wheel}</a></body></html>\n`);
    mkdirSync(join(repo, 'linked'));
    symlinkSync(join(outside, wheel), join(repo, 'linked', wheel));
    const install = (links: string) => {
      writeFileSync(file, `--find-links ${links}\ngreetlib==1.2.0\n`);
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target);
      const logger = new RecordingLogger();
      const attempt = pipInstall(inRepo({ repo, file, target }), {
        logger,
        runner: createCommandRunner(logger),
      });
      return attempt;
    };
    for (const links of ['../../links.html', '../../linked']) {
      await expect(install(links)).rejects.toThrow(
        `greetlib==1.2.0 was installed from ${links.endsWith('html') ? url : pathToFileURL(join(repo, 'linked', wheel)).href} (${realpathSync(join(outside, wheel))}), outside the repository (${realpathSync(repo)})`,
      );
    }
    // The repository's own wheels install.
    await install('../../wheels');
    expect(readFileSync(join(target, 'greetlib', '__init__.py'), 'utf8')).toContain('hello');
  });

  it("a folder outside the repository that pip-args or pip's environment name is the workflow's: its wheels install", async () => {
    const outside = join(root, 'workflow-wheels');
    mkdirSync(outside);
    await buildWheel(outside, 'otherlib', '2.0.0', 'X = 2\n');
    const { repo, file, target } = monorepo('report-workflow', 'otherlib==2.0.0\n', '');
    for (const [pipArgs, env] of [
      [['--no-index', '--find-links', outside], process.env],
      [['--no-index'], { ...process.env, PIP_FIND_LINKS: outside }],
    ] as const) {
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target);
      const logger = new RecordingLogger();
      await pipInstall(
        { ...inRepo({ repo, file, target }), pipArgs: pipArgs },
        { logger, runner: createCommandRunner(logger), env },
      );
      expect(readdirSync(target)).toContain('otherlib');
    }
  });

  it("a pip configuration file inside the repository is the pull request's: the folders it names outside are not trusted, one outside the repository's are", async () => {
    const outside = join(root, 'config-wheels');
    mkdirSync(outside);
    await buildWheel(outside, 'otherlib', '2.0.0', 'X = 2\n');
    const { repo, file, target } = monorepo('report-config', 'otherlib==2.0.0\n', '');
    const install = (config: string) => {
      writeFileSync(config, `[global]\nfind-links = ${outside}\n`);
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target);
      const logger = new RecordingLogger();
      // The runner's own PIP_FIND_LINKS would win over the file.
      const env: NodeJS.ProcessEnv = { ...process.env, PIP_CONFIG_FILE: config };
      delete env.PIP_FIND_LINKS;
      return pipInstall(inRepo({ repo, file, target }), { logger, runner: createCommandRunner(logger), env });
    };
    await expect(install(join(repo, 'pip.conf'))).rejects.toThrow(
      `otherlib==2.0.0 was installed from ${pathToFileURL(join(outside, 'otherlib-2.0.0-py3-none-any.whl')).href}`,
    );
    await install(join(root, 'report-config.conf'));
    expect(readdirSync(target)).toContain('otherlib');
  });

  it("a folder pip-args names inside the repository stays the repository's: a symbolic link there leading out (the pull request's) is refused", async () => {
    const outside = join(root, 'linked-wheels');
    mkdirSync(outside);
    await buildWheel(outside, 'otherlib', '2.0.0', 'X = 2\n');
    const { repo, file, target } = monorepo('report-named-link', 'otherlib==2.0.0\n', '');
    symlinkSync(outside, join(repo, 'vendor'));
    const logger = new RecordingLogger();
    const attempt = pipInstall(
      { ...inRepo({ repo, file, target }), pipArgs: ['--no-index', '--find-links', join(repo, 'vendor')] },
      { logger, runner: createCommandRunner(logger) },
    );
    await expect(attempt).rejects.toThrow(
      `otherlib==2.0.0 was installed from ${pathToFileURL(join(realpathSync(outside), 'otherlib-2.0.0-py3-none-any.whl')).href}`,
    );
  });

  it("pip-args' own --report is read instead of ours; a pip without --report (before 22.2) writes none: a debug line, the install goes on", async () => {
    const { repo, file, target } = monorepo('report-theirs', 'greetlib==1.2.0\n', '');
    const theirs = join(root, 'their-report.json');
    const run = (pipArgs: string[], write: boolean) => {
      const { runner, calls } = fakeRunner({ exitCode: 0, output: '' }, (args) => {
        if (!write) return;
        const url = pathToFileURL('/etc/x-1-py3-none-any.whl').href;
        const install = [{ download_info: { url, archive_info: {} }, metadata: { name: 'x', version: '1' } }];
        writeFileSync(theirs, JSON.stringify({ version: '1', install }));
        expect(args).toContain(theirs);
      });
      const logger = new RecordingLogger();
      const options = { requirements: file, targetDir: target, runtime: 'python3.12', repository: repo };
      const install = pipInstall({ ...options, architecture: 'x86_64', pipArgs }, { logger, runner });
      return { install, calls, logger };
    };
    const mine = run(['--no-index', '--report', theirs], true);
    await expect(mine.install).rejects.toThrow(
      /^x==1 was installed from file:\/\/\/etc\/x-1-py3-none-any\.whl/,
    );
    expect(mine.calls[0]!.env!.PIP_REPORT).toBeUndefined();
    const old = run(['--no-index'], false);
    await old.install;
    expect(old.calls[0]!.env!.PIP_REPORT).toMatch(/lambda-deploy-report-.*report\.json$/);
    expect(existsSync(old.calls[0]!.env!.PIP_REPORT!)).toBe(false);
    expect(old.logger.lines.map((e) => e.message).join('\n')).toContain('pip wrote no installation report');
  });

  it('a local path outside the repository, in the file or one it includes, is refused before pip runs', async () => {
    for (const [name, orders, base, where] of <[string, string, string, string][]>[
      ['outside-own', 'greetlib==1.2.0\n../../../../../../../../../etc\n', '', 'requirements.txt line 2'],
      [
        'outside-included',
        '-r ../../libs/base.txt\n',
        `../../wheels/${wheel}\n../../../../../../../../../etc\n`,
        'base.txt line 2',
      ],
    ]) {
      const { repo, file, target } = monorepo(name, orders, base);
      const logger = new RecordingLogger();
      const attempt = pipInstall(inRepo({ repo, file, target }), {
        logger,
        runner: createCommandRunner(logger),
      });
      await expect(attempt).rejects.toThrow(
        new RegExp(
          `^\\S+${where.replace('.', '\\.')}: \\S+ installs from /etc, outside the repository \\(${repo}\\)\\. lambda-deploy installs a local path from a requirements file only inside the repository`,
        ),
      );
      expect(logger.text()).not.toContain('Installing');
    }
  });

  it('${NAME} in a requirements file is read from the environment pip runs with, as pip reads it: inside the repository it installs, outside it is refused', async () => {
    const { repo, file, target } = monorepo('env-var', `\${MONO_WHEELS}/${wheel}\n`, '');
    const outside = join(root, 'env-var-outside');
    cpSync(wheels, outside, { recursive: true });
    const logger = new RecordingLogger();
    const install = (folder: string) =>
      pipInstall(inRepo({ repo, file, target }), {
        logger,
        runner: createCommandRunner(logger),
        env: { ...process.env, MONO_WHEELS: folder },
      });
    await install(join(repo, 'wheels'));
    expect(readdirSync(join(target, 'greetlib'))).toEqual(['__init__.py']);
    await expect(install(outside)).rejects.toThrow(
      `${file} line 1: ${outside}/${wheel} installs from ${realpathSync(outside)}/${wheel}, outside the repository`,
    );
  });
});
