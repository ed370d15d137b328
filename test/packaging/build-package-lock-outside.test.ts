/** buildPackage refuses a lockfile's local path that leads outside the repository. */
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildPackage } from '../../src/packaging/build-package.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { buildWorkspace } from './build-workspace.js';

const { root, project, options } = buildWorkspace();

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

describe("a local path in a requirements file must stay inside the repository, as a lockfile's", () => {
  it('refuses one leading outside, in the file or one it includes, links resolved, before pip runs; one inside goes on', async () => {
    mkdirSync(join(root, 'req-outside'));
    const outside = realpathSync(join(root, 'req-outside'));
    const repo = join(root, 'req-repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(join(repo, 'libs', 'common'), { recursive: true });
    symlinkSync(outside, join(repo, 'libs', 'link'));
    const path = project('req-repo/services/orders', {
      'app.py': 'def handler(event, context):\n    return 1\n',
      'base.txt': '-e ../../libs/link\n',
    });
    const build = async (requirements: string) => {
      writeFileSync(join(path, 'requirements.txt'), requirements);
      const logger = new RecordingLogger();
      const result = buildPackage(
        options(path, { workspace: root, requirements: join(path, 'requirements.txt') }),
        { logger },
      ).then(
        () => '',
        (e: Error) => e.message,
      );
      return { message: await result, logger };
    };
    const real = realpathSync(repo);
    for (const [requirements, file, line, leads] of [
      ['fastapi\n../../../../../../../../../../etc\n', 'requirements.txt', 2, '/etc'],
      ['-r base.txt\n', 'base.txt', 1, outside],
    ] as const) {
      const { message, logger } = await build(requirements);
      expect(message).toContain(`${join(path, file)} line ${line}: `);
      expect(message).toContain(
        `installs from ${leads}, outside the repository (${real}). lambda-deploy installs a local path from a requirements file only inside the repository: write it as a path relative to ${path} that stays inside ${real}`,
      );
      // pip never ran: its line would follow the check.
      expect(logger.text()).not.toMatch(/Installing \S+ for python3\.12/);
    }
    // Inside: no refusal (pip then fails on the empty folder, which is not a project).
    const inside = await build('../../libs/common\n');
    expect(inside.message).not.toContain('outside the repository');
    expect(inside.logger.text()).toMatch(/Installing \S+ for python3\.12/);
  });

  it("a function in a submodule (its .git a file naming the superproject's .git/modules) may install from the superproject: its checkout holds both", async () => {
    const repo = join(root, 'sub-repo');
    mkdirSync(join(repo, '.git', 'modules', 'orders'), { recursive: true });
    mkdirSync(join(repo, 'libs', 'common'), { recursive: true });
    const path = project('sub-repo/orders/fn', {
      'app.py': 'def handler(event, context):\n    return 1\n',
      'requirements.txt': '../../libs/common\n../../../../../../../../../../etc\n',
    });
    writeFileSync(join(repo, 'orders', '.git'), 'gitdir: ../.git/modules/orders\n');
    const logger = new RecordingLogger();
    const message = await buildPackage(
      options(path, { workspace: root, requirements: join(path, 'requirements.txt') }),
      { logger },
    ).then(
      () => '',
      (e: Error) => e.message,
    );
    // libs/common passes; /etc, outside the superproject too, is refused, naming the superproject.
    expect(message).toContain(
      `${join(path, 'requirements.txt')} line 2: ../../../../../../../../../../etc installs from /etc, outside the repository (${realpathSync(repo)}).`,
    );
  });
});
