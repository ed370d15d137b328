/** buildPackage of a Poetry project: what poetry.lock pins is installed. */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage } from '../../src/packaging/build-package.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { buildWheel, withoutLockedHashes } from './helpers.js';
import { buildWorkspace, names } from './build-workspace.js';

const { root, project, options } = buildWorkspace();

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
