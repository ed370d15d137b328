/** buildPackage of a pyproject.toml-only project: the dependencies it declares, which are not installed. */
import { describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { buildWorkspace, greetlibWheels, names } from './build-workspace.js';

const { root, project, options } = buildWorkspace();
const wheels = greetlibWheels(root);

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
