/**
 * No action.yml default may conflict with another input: the runner passes
 * every default along with what the workflow sets, so `app: app:app` arrives
 * with every other input at its default. Each input is set here the way the
 * README and examples/ set it (and every README `with:` block as a whole),
 * the rest filled from action.yml as the runner fills them, and the settings
 * must accept the combination. A new input without a usage below fails the
 * coverage test: add how users set it, and this test checks its default
 * against every other input.
 */
import { describe, expect, test } from '@jest/globals';
import type { InputName } from '../../src/settings/names.js';
import { readSettings } from '../../src/settings/settings.js';
import { type Settings } from '../../src/model/settings.js';
import { readActionYml, runnerInputs } from '../support/action-yml.js';
import { readSnippets, REPO_ROOT, reusableWorkflowActionInputs } from '../support/workflow-snippets.js';
import { settingsProblems } from '../support/settings-problems.js';

type Usage = Record<string, string>;

/** How users set each input, alone or with the inputs it goes with (README, examples/, action.yml). */
const USAGES: Record<InputName, Usage[]> = {
  command: [
    { command: 'deploy' },
    { command: 'undeploy' },
    { command: 'package' },
    { command: 'prune' },
    { command: 'report' },
  ],
  name: [{ name: 'shop' }],
  stage: [{ stage: 'staging' }],
  path: [{ path: 'examples/flask-app' }, { path: 'examples/handler' }],
  runtime: [
    { runtime: 'python3.9' },
    { runtime: 'python3.13' },
    { runtime: 'nodejs22.x', path: 'examples/node', handler: 'index.handler' },
    { runtime: 'nodejs24.x' },
  ],
  handler: [{ handler: 'app.handler' }, { handler: 'src/index.handler' }],
  app: [
    { app: 'app:app' },
    { app: 'app:app', path: 'examples/flask-app' },
    { app: 'service.main:create_app()' },
    { app: 'app:app', 'keep-warm': 'rate(5 minutes)' },
  ],
  architecture: [{ architecture: 'arm64' }],
  memory: [{ memory: '1024' }],
  timeout: [{ timeout: '900' }],
  environment: [{ environment: 'LOG_LEVEL=debug\nTABLE=orders' }],
  layers: [{ layers: 'arn:aws:lambda:eu-west-1:123456789012:layer:shared:3' }],
  requirements: [{ requirements: 'requirements.txt', path: 'examples/flask-app' }],
  'pip-args': [
    { 'pip-args': '--index-url https://pypi.example.com/simple' },
    { 'pip-args': '--no-index --find-links wheels/' },
  ],
  include: [{ include: '*.py\nlib/**' }],
  exclude: [{ exclude: 'tests/**\n*.md' }],
  'package-cache': [{ 'package-cache': '/home/runner/work/_temp/lambda-deploy-cache' }],
  'aws-region': [{ 'aws-region': 'eu-west-1' }],
  'role-to-assume': [{ 'role-to-assume': 'arn:aws:iam::123456789012:role/lambda-deploy' }],
  audience: [{ audience: 'sts.amazonaws.com' }],
  'execution-role-arn': [{ 'execution-role-arn': 'arn:aws:iam::123456789012:role/shop-fn' }],
  'policy-statements': [
    {
      'policy-statements':
        '{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"}',
    },
  ],
  's3-bucket': [{ 's3-bucket': 'shop-artifacts' }],
  gateway: [{ gateway: 'rest-api' }, { gateway: 'function-url' }, { gateway: 'none' }],
  'invoke-mode': [
    {
      'invoke-mode': 'response-stream',
      gateway: 'function-url',
      runtime: 'nodejs22.x',
      path: 'examples/node',
      handler: 'index.handler',
    },
    {
      'invoke-mode': 'response-stream',
      gateway: 'rest-api',
      runtime: 'nodejs22.x',
      path: 'examples/node',
      handler: 'index.handler',
    },
  ],
  'throttle-rate': [{ 'throttle-rate': '10', 'throttle-burst': '20' }, { 'throttle-rate': '10' }],
  'throttle-burst': [{ 'throttle-burst': '20' }],
  'api-key': [{ gateway: 'rest-api', 'api-key': 'true' }],
  quota: [{ gateway: 'rest-api', 'api-key': 'true', quota: '10000/day' }],
  'smoke-test': [{ 'smoke-test': 'false' }],
  'smoke-path': [{ 'smoke-path': '/health' }],
  'smoke-status': [{ 'smoke-status': '200,204' }],
  'smoke-contains': [{ 'smoke-contains': 'ok' }],
  'smoke-timeout': [{ 'smoke-timeout': '120' }],
  rollback: [{ rollback: 'false' }],
  'keep-versions': [{ 'keep-versions': '10' }],
  'github-token': [{ 'github-token': 'ghp_personalToken' }],
  comment: [{ comment: 'false' }],
  'public-comment-logs': [{ 'public-comment-logs': 'false' }],
  deployment: [{ deployment: 'false' }],
  'protected-stages': [{ 'protected-stages': 'main,prod' }],
  'preview-ttl': [{ command: 'prune', 'preview-ttl': '7' }],
  'remove-logs': [{ command: 'undeploy', 'remove-logs': 'true' }],
  target: [{ target: 'local' }, { target: 'local', app: 'app:app', path: 'examples/flask-app' }],
  'dry-run': [{ command: 'prune', 'dry-run': 'true' }],
  'keep-warm': [{ 'keep-warm': 'rate(5 minutes)' }],
  'provisioned-concurrency': [{ 'provisioned-concurrency': '2' }],
  'dependencies-layer': [{ 'dependencies-layer': 'true', path: 'examples/flask-app', app: 'app:app' }],
  slim: [{ slim: 'false' }, { slim: 'true', path: 'examples/flask-app', app: 'app:app' }],
  adopt: [{ adopt: 'true' }],
  // The reusable workflow's preview-report job; checked when the report command runs.
  report: [{ command: 'report', report: '{"v":"1"}' }],
  // The same job's stand-ins when GitHub drops the report output; checked when the report command runs.
  'report-url': [
    {
      command: 'report',
      'report-url': 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      'report-result': 'success',
      'aws-region': 'eu-west-1',
    },
  ],
  'report-result': [{ command: 'report', 'report-result': 'failure' }],
};

const env = { GITHUB_WORKSPACE: REPO_ROOT, PATH: process.env.PATH } as NodeJS.ProcessEnv;

/** Settings from a `with:` block, every other input at its action.yml default, as on the runner. */
function asOnTheRunner(given: Usage): Settings {
  const inputs = runnerInputs({ name: 'shop', ...given });
  return readSettings((name) => inputs[name], env);
}

function problems(given: Usage): string[] {
  return settingsProblems(() => asOnTheRunner(given));
}

const declared = Object.keys(readActionYml().inputs);
const cases = Object.entries(USAGES).flatMap(([input, usages]) =>
  usages.map((usage, i) => [`${input} #${i + 1}: ${JSON.stringify(usage)}`, usage] as const),
);

describe('action.yml defaults, filled in as the runner does', () => {
  test('every input has a usage here (a new input gets one, so its default is checked against the others)', () => {
    expect(declared.filter((name) => !(name in USAGES))).toEqual([]);
    expect(Object.keys(USAGES).filter((name) => !declared.includes(name))).toEqual([]);
  });

  test('with only name set, every default together is valid', () => {
    expect(problems({})).toEqual([]);
  });

  test.each(cases)('%s works with every other input at its default', (_, usage) => {
    expect(problems(usage)).toEqual([]);
    const s = asOnTheRunner(usage);
    // What the usage sets is what the settings hold (a default did not override it).
    if (usage.app) expect({ app: s.app, handler: s.handler }).toEqual({ app: usage.app, handler: '' });
    if (usage.handler) expect(s.handler).toBe(usage.handler);
    if (usage.runtime) expect(s.runtime).toBe(usage.runtime);
  });

  test('app: app:app gets no handler, and no app gets app.handler', () => {
    expect(asOnTheRunner({ app: 'app:app' })).toMatchObject({ app: 'app:app', handler: '' });
    expect(asOnTheRunner({})).toMatchObject({ app: undefined, handler: 'app.handler' });
  });

  test('setting both app and handler is still refused, naming both', () => {
    expect(problems({ app: 'app:app', handler: 'app.handler' })).toEqual([
      expect.stringMatching(/^app, handler: both are set/),
    ]);
  });

  const snippets = readSnippets();
  test('README.md has workflow snippets to check', () => {
    expect(snippets.filter((s) => s.kind === 'action').length).toBeGreaterThan(0);
    expect(snippets.filter((s) => s.kind === 'reusable').length).toBeGreaterThan(0);
  });

  test.each(snippets.map((s) => [`${s.where} (${s.kind})`, s] as const))(
    'the with: block at %s is valid with every other input at its default',
    (_, snippet) => {
      const given =
        snippet.kind === 'reusable'
          ? reusableWorkflowActionInputs(snippet.with)
          : snippet.kind === 'fragment'
            ? { name: 'shop', ...snippet.with }
            : snippet.with;
      expect(problems(given)).toEqual([]);
    },
  );
});
