/**
 * The WSGI/ASGI adapter's own settings, given through `environment`: a value
 * the adapter would refuse (every request a 500) or silently misread is an
 * input error before anything is built, naming the variable, quoting the
 * value (these settings hold no secrets) and stating the expected form.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSettings } from '../../src/settings/settings.js';
import { settingsProblems } from '../support/settings-problems.js';

const workspace = mkdtempSync(join(tmpdir(), 'adapter-settings-'));
writeFileSync(join(workspace, 'app.py'), 'def app(environ, start_response):\n  return []\n');
const env = { GITHUB_WORKSPACE: workspace } as NodeJS.ProcessEnv;

function read(environment: string) {
  return readSettings((name) => ({ name: 'svc', app: 'app:app', environment })[name as string], env);
}

function problemsOf(environment: string): string[] {
  return settingsProblems(() => read(environment));
}

const YAML_HINT =
  'A YAML block scalar (environment: |) keeps a "# comment" as part of the value: put the comment on a line of its own.';

describe('environment: the adapter settings (LAMBDA_DEPLOY_*)', () => {
  test('the README snippet as it was, "# comments" kept by the block scalar, is refused line by line', () => {
    // What `environment: |` hands the action for the README's old snippet.
    const copied = [
      'LAMBDA_DEPLOY_LIFESPAN=auto            # ASGI lifespan: auto (default), on or off',
      'LAMBDA_DEPLOY_LIFESPAN_TIMEOUT=10      # seconds startup may take before a clear 500',
      'LAMBDA_DEPLOY_TEXT_TYPES=application/x-yaml   # returned as text, on top of text/*, JSON, XML, JavaScript, SVG',
      "LAMBDA_DEPLOY_BASE_PATH=api            # a custom domain's base path mapping",
      '',
    ].join('\n');
    expect(problemsOf(copied)).toEqual([
      `environment: LAMBDA_DEPLOY_LIFESPAN is "auto            # ASGI lifespan: auto (default), on or off"; expected auto, on or off. ${YAML_HINT}`,
      `environment: LAMBDA_DEPLOY_LIFESPAN_TIMEOUT is "10      # seconds startup may take before a clear 500"; expected a number of seconds greater than 0, like 30. ${YAML_HINT}`,
      `environment: LAMBDA_DEPLOY_TEXT_TYPES is "application/x-yaml   # returned as text, on top of text/*, JSON, XML, JavaScript, SVG"; expected media types separated by commas, like "application/x-yaml, application/*+yaml". ${YAML_HINT}`,
      `environment: LAMBDA_DEPLOY_BASE_PATH is "api            # a custom domain's base path mapping"; expected a path without spaces, like "api" or "api/v1". ${YAML_HINT}`,
    ]);
  });

  test('a bad value without a "#" gets no hint; the values the adapter takes pass next to it', () => {
    const good = [
      'LAMBDA_DEPLOY_APP=service.main:create_app()',
      'LAMBDA_DEPLOY_LIFESPAN=OFF',
      'LAMBDA_DEPLOY_LIFESPAN_TIMEOUT=2.5',
      'LAMBDA_DEPLOY_TEXT_TYPES=application/x-yaml, application/*+yaml',
      'LAMBDA_DEPLOY_BASE_PATH=/api/v1/',
    ];
    // Empty is the adapter's default, as without the variable.
    const empty = ['LAMBDA_DEPLOY_LIFESPAN=', 'LAMBDA_DEPLOY_LIFESPAN_TIMEOUT=', 'LAMBDA_DEPLOY_BASE_PATH='];
    const bad = [
      'LAMBDA_DEPLOY_LIFESPAN=maybe',
      'LAMBDA_DEPLOY_LIFESPAN_TIMEOUT=0',
      'LAMBDA_DEPLOY_TEXT_TYPES=yaml',
      'LAMBDA_DEPLOY_APP=app.py',
    ];
    // One input each: a name set twice is an error of its own.
    expect(problemsOf(empty.join('\n'))).toEqual([]);
    expect(problemsOf(good.join('\n'))).toEqual([]);
    expect(problemsOf(bad.join('\n'))).toEqual([
      'environment: LAMBDA_DEPLOY_LIFESPAN is "maybe"; expected auto, on or off.',
      'environment: LAMBDA_DEPLOY_LIFESPAN_TIMEOUT is "0"; expected a number of seconds greater than 0, like 30.',
      'environment: LAMBDA_DEPLOY_TEXT_TYPES is "yaml"; expected media types separated by commas, like "application/x-yaml, application/*+yaml".',
      'environment: LAMBDA_DEPLOY_APP is "app.py"; expected module:attribute, like "app:app" or "service.main:create_app()".',
    ]);
  });

  test("only the adapter's settings are checked and quoted: other values, bad lines and own-line comments are not", () => {
    const environment = [
      '# ASGI lifespan: auto, on or off (a comment on its own line is skipped)',
      'LAMBDA_DEPLOY_LIFESPAN=sometimes',
      'DATABASE_URL=postgres://u:hunter2@db/shop   # prod',
      'LAMBDA_DEPLOY_SLIM=not one of the adapter settings',
      // Another case is another variable: the adapter does not read it.
      'lambda_deploy_lifespan=maybe',
      'hunter2-pasted-alone',
    ].join('\n');
    const problems = problemsOf(environment);
    expect(problems).toEqual([
      'environment: LAMBDA_DEPLOY_LIFESPAN is "sometimes"; expected auto, on or off.',
      expect.stringMatching(/^environment: line 6 \(not shown: it may hold a secret\) has no KEY=VALUE form/),
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
    // Without the bad lines, the rest is taken as written.
    expect(read(environment.replace(/^LAMBDA_DEPLOY_LIFESPAN=.*$|^hunter2.*$/gm, '')).environment).toEqual({
      DATABASE_URL: 'postgres://u:hunter2@db/shop   # prod',
      LAMBDA_DEPLOY_SLIM: 'not one of the adapter settings',
      lambda_deploy_lifespan: 'maybe',
    });
  });
});
