/**
 * The CLI speaks a terminal's language: its flags (--aws-region, --environment),
 * a profile and the AWS credential chain; never the action's inputs
 * (role-to-assume, "Invalid input"), which a terminal user has no way to set.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { main } from '../../../src/entry/cli/cli.js';
import { testPython } from '../../support/vendor-wheels.js';
import { testIo, type TestIo } from './io.js';

const sts = mockClient(STSClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);

/** What the SDK's credential chain reads from the process environment. */
const SDK_VARIABLES = [
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
] as const;
const saved = Object.fromEntries(SDK_VARIABLES.map((name) => [name, process.env[name]]));
const dir = mkdtempSync(join(tmpdir(), 'cli-words-'));
const project = join(dir, 'project');

/** The process environment the SDK reads (no credentials unless given), and the CLI's io on it. */
function terminal(vars: Partial<Record<(typeof SDK_VARIABLES)[number], string>> = {}): TestIo {
  for (const name of SDK_VARIABLES) delete process.env[name];
  Object.assign(process.env, {
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    // Never ask 169.254.169.254 for an instance role.
    AWS_EC2_METADATA_DISABLED: 'true',
    ...vars,
  });
  return testIo({
    ...process.env,
    AWS_REGION: 'eu-west-1',
    GITHUB_WORKSPACE: project,
    GITHUB_REPOSITORY: 'octo/shop',
    LAMBDA_DEPLOY_QUIET_NODE_NOTICE: '1',
  });
}

beforeEach(() => {
  rmSync(project, { recursive: true, force: true });
  mkdirSync(project);
  writeFileSync(join(project, 'app.py'), 'def handler(event, context):\n    return {}\n');
  writeFileSync(join(dir, 'config'), '');
  for (const m of [sts, tagging]) m.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/dev' });
  tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
});
afterEach(() => {
  for (const name of SDK_VARIABLES)
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('signing in from a terminal', () => {
  test('deploy with no credentials anywhere: exit 1 naming a profile or keys, not role-to-assume', async () => {
    const io = terminal();
    const code = await main(['deploy', '--name', 'shop', '--stage', 'demo', '--path', project], io);
    expect(code).toBe(1);
    expect(io.stderr()).toMatch(/error: No AWS credentials \(.*\)\. Expected a profile \(AWS_PROFILE/);
    expect(io.stderr()).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    expect(io.stderr()).not.toMatch(/role-to-assume|configure-aws-credentials|this step|runner role/);
    // Refused before anything was built.
    expect(io.stderr()).not.toMatch(/Package/);
  });

  test.each([
    [
      { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' },
      /AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment/,
    ],
    [
      { AWS_PROFILE: 'dev', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' },
      /AWS credentials: profile "dev" \(AWS_PROFILE\)/,
    ],
  ])('the credentials used are named as the chain picks them: %j', async (vars, said) => {
    const io = terminal(vars);
    expect(await main(['status', '--name', 'shop'], io)).toBe(0);
    expect(io.stderr()).toMatch(said);
    expect(io.stderr()).not.toMatch(/role-to-assume/);
  });
});

describe('invalid values are said as flags', () => {
  test.each([
    [
      ['--memory', '64'],
      'error: --memory: "64" is not valid; expected a whole number from 128 to 10240 (MB).\n',
    ],
    [
      ['--memory', '64', '--gateway', 'alb'],
      'error: 2 invalid flags:\n  - --memory: "64" is not valid; expected a whole number from 128 to 10240 (MB).\n' +
        '  - --gateway: "alb" is not valid; expected one of http-api, rest-api, function-url, none.\n',
    ],
    [['--app', 'app:app', '--handler', 'app.handler'], 'error: --app, --handler: both are set'],
    [['--throttle-rate', '5', '--gateway', 'none'], 'error: --throttle-rate/--throttle-burst: need an API'],
    [
      ['--environment', 'NOEQUALS'],
      'error: --environment: the 1st value (not shown: it may hold a secret) has no "="; expected KEY=VALUE, one variable per --environment, like --environment LOG_LEVEL=debug.\n',
    ],
    [
      ['--environment', 'A=1', '--environment', 'sk_live_Zq9xNOEQUALS'],
      'error: --environment: the 2nd value (not shown: it may hold a secret) has no "="',
    ],
    [
      ['--environment', 'A=1', '--environment', 'B=2', '--environment', '9x=3'],
      'error: --environment: the 3rd value (not shown: it may hold a secret) does not start with a valid name;',
    ],
    [
      ['--environment', 'A=1', '--environment', 'B=2', '--environment', 'A=3'],
      'error: --environment: "A" is set by the 1st and the 3rd value; expected each name once.\n',
    ],
    [
      ['--environment', 'LAMBDA_DEPLOY_HANDLER=index'],
      'error: --environment: LAMBDA_DEPLOY_HANDLER is "index"; expected file or module, a dot, then the function',
    ],
    [
      ['--environment', 'LAMBDA_DEPLOY_SLIM_KEY=x.tar.gz'],
      'error: --environment: "LAMBDA_DEPLOY_SLIM_KEY" is set by lambda-deploy itself',
    ],
  ])('deploy %j', async (flags, said) => {
    const io = terminal({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    const argv = ['deploy', '--name', 'shop', '--stage', 'demo', '--path', project, ...flags];
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr()).toContain(said);
    expect(io.stderr()).not.toMatch(/invalid input/i);
    // A terminal has no lines, only flags; and a value without "=" may be a secret, never shown.
    expect(io.stderr()).not.toMatch(/\bline \d|lines \d|NOEQUALS|9x/);
    // Refused before AWS is asked anything.
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  test('--json carries the same words', async () => {
    const io = terminal({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    const argv = [
      'deploy',
      '--name',
      'shop',
      '--stage',
      'demo',
      '--path',
      project,
      '--memory',
      '1',
      '--json',
    ];
    expect(await main(argv, io)).toBe(2);
    expect(JSON.parse(io.stdout())).toEqual({
      error: '--memory: "1" is not valid; expected a whole number from 128 to 10240 (MB).',
      problems: ['--memory: "1" is not valid; expected a whole number from 128 to 10240 (MB).'],
    });
  });

  test('--json with several bad flags: problems holds one string each, error the text said on stderr', async () => {
    const io = terminal({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    const argv = ['deploy', '--name', 'shop', '--stage', 'demo', '--path', project];
    expect(await main([...argv, '--memory', '64', '--gateway', 'alb', '--json'], io)).toBe(2);
    const problems = [
      '--memory: "64" is not valid; expected a whole number from 128 to 10240 (MB).',
      '--gateway: "alb" is not valid; expected one of http-api, rest-api, function-url, none.',
    ];
    expect(JSON.parse(io.stdout())).toEqual({
      error: `2 invalid flags:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      problems,
    });
    expect(io.stderr()).toContain(`error: ${JSON.parse(io.stdout()).error}\n`);
  });
});

describe('advice from the packaging, for a terminal', () => {
  test('pip finds no wheel: --pip-args to set, not a pip-args: line of a workflow', async () => {
    const io = terminal();
    const wheels = join(dir, 'no-wheels');
    mkdirSync(wheels, { recursive: true });
    writeFileSync(join(project, 'requirements.txt'), 'nosuchpackage-xyz==2.0\n');
    const argv = [
      'package',
      '--name',
      'shop',
      '--path',
      project,
      '--pip-args',
      `--no-index --find-links ${wheels}`,
    ];
    expect(await main(argv, { ...io, env: { ...io.env, LAMBDA_DEPLOY_PYTHON: testPython() } })).toBe(1);
    expect(io.stderr()).toContain('No compatible wheel');
    expect(io.stderr()).toContain('--pip-args "--find-links <folder>"');
    expect(io.stderr()).not.toMatch(/pip-args: |workflow|runner|this step/);
  }, 60_000);
});

describe('refusals name the flags a terminal has', () => {
  test('undeploy of a protected stage: --protected-stages, not a protected-stages input', async () => {
    const io = terminal({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    expect(await main(['undeploy', '--name', 'shop', '--stage', 'main'], io)).toBe(2);
    expect(io.stderr()).toContain(
      'Stage "main" is a protected stage (--protected-stages not given, so its default: main, master, prod, production): undeploy never removes it. ' +
        'To remove it on purpose, run undeploy with --protected-stages listing the stages to keep, without "main", like --protected-stages master,prod,production.',
    );
    expect(io.stderr()).not.toMatch(/ protected-stages|prune/);
    const own = terminal({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    const argv = ['undeploy', '--name', 'shop', '--stage', 'main', '--protected-stages', 'main,live'];
    expect(await main(argv, own)).toBe(2);
    expect(own.stderr()).toContain('Stage "main" is a protected stage (--protected-stages: main, live)');
  });

  test('--policy-statements on a preview stage: pass it when deploying a protected stage, not "set policy-statements"', async () => {
    const io = terminal({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    const statements = JSON.stringify([
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders',
      },
    ]);
    const argv = [
      'deploy',
      '--name',
      'shop',
      '--stage',
      'pr-1',
      '--path',
      project,
      '--policy-statements',
      statements,
    ];
    expect(await main(argv, io)).toBe(1);
    expect(io.stderr()).toContain(
      '--policy-statements: stage "pr-1" is a preview (not one of the protected stages: main, master, prod, production)',
    );
    expect(io.stderr()).toContain(
      'or pass --policy-statements only when deploying a protected stage (--stage main)',
    );
    expect(io.stderr()).not.toMatch(/ policy-statements|protected-stages|pull-request|workflow/);
    // Refused before anything was built.
    expect(io.stderr()).not.toMatch(/Package/);
    // A file of them, as setup takes: read, and judged the same way.
    const file = join(dir, 'statements.json');
    writeFileSync(file, statements);
    const fromFile = terminal({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    expect(await main([...argv.slice(0, -1), file], fromFile)).toBe(1);
    expect(fromFile.stderr()).toContain('--policy-statements: stage "pr-1" is a preview');
    const missing = terminal();
    expect(await main([...argv.slice(0, -1), join(dir, 'nope.json')], missing)).toBe(2);
    expect(missing.stderr()).toContain(
      `--policy-statements: ${JSON.stringify(join(dir, 'nope.json'))} is neither JSON nor a readable file`,
    );
  });
});
