/**
 * The LAMBDA_DEPLOY_* variables a user may put in `environment` besides the
 * adapter's (adapter-settings.test.ts): LAMBDA_DEPLOY_HANDLER, read by the
 * keep-warm wrappers, is checked for its form; LAMBDA_DEPLOY_SLIM_*, which the
 * deploy sets itself for a slim package, are refused; and a LAMBDA_DEPLOY_*
 * name nothing reads (a typo, the wrong case, a setting of lambda-deploy's own
 * process) is a warning naming the name meant.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePlan } from '../../src/model/plan.js';
import { runPipeline } from '../../src/pipelines/run-pipeline.js';
import { runtimeSettingWarnings } from '../../src/settings/adapter-settings.js';
import { readSettings } from '../../src/settings/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { settingsProblems } from '../support/settings-problems.js';
import { noEventContext } from '../support/github-context.js';

const workspace = mkdtempSync(join(tmpdir(), 'runtime-variables-'));
writeFileSync(join(workspace, 'app.py'), 'def handler(event, context):\n  return {}\n');
const env = { GITHUB_WORKSPACE: workspace } as NodeJS.ProcessEnv;

const read = (environment: string, more: Record<string, string> = {}) =>
  readSettings((name) => ({ name: 'svc', environment, ...more })[name as string], env);
const problemsOf = (environment: string) => settingsProblems(() => read(environment));

const HANDLER_EXPECTED =
  'file or module, a dot, then the function, like "app.handler", "src/index.handler" or "app.api.handler"';

describe('LAMBDA_DEPLOY_HANDLER: the keep-warm wrapper reads the handler from it', () => {
  test.each([
    'app.handler',
    'src/index.handler',
    'pkg.module.handler',
    'app.obj.$fn',
    'my-dir/app.handler',
    '',
  ])('%j is taken', (value) => {
    expect(problemsOf(`LAMBDA_DEPLOY_HANDLER=${value}`)).toEqual([]);
  });

  test.each([
    'handler',
    'app.',
    '.handler',
    'app..handler',
    'app/',
    'app handler.x',
    'app.handler # the entry',
  ])('%j is an input error naming the variable, the value and the form', (value) => {
    expect(problemsOf(`LAMBDA_DEPLOY_HANDLER=${value}`)).toEqual([
      `environment: LAMBDA_DEPLOY_HANDLER is ${JSON.stringify(value)}; expected ${HANDLER_EXPECTED}${
        value.includes(' #')
          ? '. A YAML block scalar (environment: |) keeps a "# comment" as part of the value: put the comment on a line of its own'
          : ''
      }.`,
    ]);
  });
});

describe('LAMBDA_DEPLOY_SLIM_*: set by the deploy itself, refused in environment', () => {
  test.each(['LAMBDA_DEPLOY_SLIM_BUCKET', 'LAMBDA_DEPLOY_SLIM_KEY', 'LAMBDA_DEPLOY_SLIM_OWNER'])(
    '%s',
    (name) => {
      expect(problemsOf(`A=1\n${name}=anything`)).toEqual([
        `environment: "${name}" is set by lambda-deploy itself (where a slim package's dependencies archive is) and cannot be set; expected another name (the slim setting decides whether there is an archive).`,
      ]);
    },
  );
});

describe('a LAMBDA_DEPLOY_* name nothing reads: a warning, not an error', () => {
  const warnings = (environment: Record<string, string>, uses = { app: false, keepWarm: true }) =>
    runtimeSettingWarnings(environment, uses);

  test.each<[string, string]>([
    [
      'LAMBDA_DEPLOY_HANDLR',
      'environment: LAMBDA_DEPLOY_HANDLR is not a variable lambda-deploy reads; did you mean LAMBDA_DEPLOY_HANDLER? It is set on the function as it is.',
    ],
    [
      'LAMBDA_DEPLOY_LIFESPAN_TIMOUT',
      'environment: LAMBDA_DEPLOY_LIFESPAN_TIMOUT is not a variable lambda-deploy reads; did you mean LAMBDA_DEPLOY_LIFESPAN_TIMEOUT? It is set on the function as it is.',
    ],
    [
      'LAMBDA_DEPLOY_lifespan',
      'environment: LAMBDA_DEPLOY_lifespan is not a variable lambda-deploy reads (names are case-sensitive); did you mean LAMBDA_DEPLOY_LIFESPAN? It is set on the function as it is.',
    ],
    [
      'lambda_deploy_app',
      'environment: lambda_deploy_app is not a variable lambda-deploy reads (names are case-sensitive); did you mean LAMBDA_DEPLOY_APP? It is set on the function as it is.',
    ],
    [
      'LAMBDA_DEPLOY_PYTHON',
      "environment: LAMBDA_DEPLOY_PYTHON is read by lambda-deploy from its own environment (the step's env:, or the terminal's), not from the function's: set there, it only becomes a variable of the function.",
    ],
    [
      'LAMBDA_DEPLOY_WAIT_SCALE',
      "environment: LAMBDA_DEPLOY_WAIT_SCALE is read by lambda-deploy from its own environment (the step's env:, or the terminal's), not from the function's: set there, it only becomes a variable of the function.",
    ],
    [
      'LAMBDA_DEPLOY_COLOUR',
      'environment: LAMBDA_DEPLOY_COLOUR is not a variable lambda-deploy reads (those are LAMBDA_DEPLOY_APP, LAMBDA_DEPLOY_LIFESPAN, LAMBDA_DEPLOY_LIFESPAN_TIMEOUT, LAMBDA_DEPLOY_TEXT_TYPES, LAMBDA_DEPLOY_BASE_PATH, LAMBDA_DEPLOY_HANDLER). It is set on the function as it is.',
    ],
  ])('%s', (name, warning) => {
    expect(warnings({ [name]: 'x' })).toEqual([warning]);
  });

  test('from a terminal, the flag is named', () => {
    expect(
      runtimeSettingWarnings({ LAMBDA_DEPLOY_HANDLR: 'x' }, { app: false, keepWarm: true }, 'terminal'),
    ).toEqual([
      '--environment: LAMBDA_DEPLOY_HANDLR is not a variable lambda-deploy reads; did you mean LAMBDA_DEPLOY_HANDLER? It is set on the function as it is.',
    ]);
  });

  test('names that mean something, and names of other prefixes, are quiet', () => {
    expect(
      warnings(
        {
          LAMBDA_DEPLOY_LIFESPAN: 'on',
          LAMBDA_DEPLOY_HANDLER: 'app.handler',
          TABLE: 't',
          MY_LAMBDA_DEPLOY_X: '1',
        },
        { app: true, keepWarm: true },
      ).filter((w) => !w.includes('does nothing')),
    ).toEqual([]);
  });

  test('a setting whose reader the package does not have: the adapter without app, the wrapper without keep-warm', () => {
    expect(warnings({ LAMBDA_DEPLOY_LIFESPAN: 'on' }, { app: false, keepWarm: true })).toEqual([
      'environment: LAMBDA_DEPLOY_LIFESPAN is read by the WSGI/ASGI adapter, which a package has only with app: here it does nothing.',
    ]);
    expect(warnings({ LAMBDA_DEPLOY_HANDLER: 'app.handler' }, { app: false, keepWarm: false })).toEqual([
      'environment: LAMBDA_DEPLOY_HANDLER is read by the keep-warm wrapper, which a package has only with keep-warm and a handler (not app): here it does nothing.',
    ]);
    expect(warnings({ LAMBDA_DEPLOY_HANDLER: 'app.handler' }, { app: true, keepWarm: true })).toHaveLength(1);
    expect(
      warnings(
        { LAMBDA_DEPLOY_LIFESPAN: 'on', LAMBDA_DEPLOY_HANDLER: 'app.handler' },
        { app: true, keepWarm: false },
      ),
    ).toHaveLength(1);
  });

  test('a deploy says them before it signs in or builds anything', async () => {
    const settings = read('LAMBDA_DEPLOY_HANDLR=app.handler', {
      command: 'deploy',
      stage: 'demo',
      'aws-region': 'eu-west-1',
    });
    const logger = new RecordingLogger();
    const ctx = noEventContext();
    await expect(
      runPipeline(settings, makePlan(settings, ctx), ctx, {
        logger,
        env: {},
        credentialChain: () => Promise.reject(new Error('no credentials here')),
        awsClients: () => {
          throw new Error('no AWS client is built');
        },
      }),
    ).rejects.toThrow(/^No AWS credentials/);
    expect(logger.text('warning')).toContain('did you mean LAMBDA_DEPLOY_HANDLER?');
  });
});

describe('LAMBDA_DEPLOY_HANDLER: the rule against the keep-warm wrappers themselves', () => {
  const RUNTIME = new URL('../../runtime/', import.meta.url).pathname;
  const PYTHON = process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3';
  const taken = [
    'app.handler',
    'src/index.handler',
    'pkg.module.handler',
    'app.obj.$fn',
    'my-dir/app.handler',
  ];
  const refused = ['handler', 'app.', '.handler', 'app/', 'app..handler', 'dir/.handler'];

  /** Per value: whether the wrapper refuses its form (before looking for the file). */
  function malformed(runtime: 'python' | 'node', values: string[]): boolean[] {
    const python = `
import json, os, sys
sys.path.insert(0, sys.argv[1])
import _lambda_deploy_warm as w
out = []
for v in json.load(sys.stdin):
    os.environ[w.ENV_VAR] = v
    try:
        w._import_handler(w._handler_name()[0])
        out.append(False)
    except w.HandlerError as e:
        out.append(str(e).startswith("Bad handler"))
    except Exception:
        out.append(False)
print(json.dumps(out))
`;
    const node = `
import { readFileSync } from 'node:fs';
const { handler } = await import(process.argv[1]);
const out = [];
for (const v of JSON.parse(readFileSync(0, 'utf8'))) {
  process.env.LAMBDA_DEPLOY_HANDLER = v;
  out.push(await handler({}, {}).then(() => false, (e) => e.name === 'Runtime.MalformedHandlerName'));
}
console.log(JSON.stringify(out));
`;
    const [command, args] =
      runtime === 'python'
        ? [PYTHON, ['-c', python, join(RUNTIME, 'python')]]
        : [
            process.execPath,
            ['--input-type=module', '-e', node, join(RUNTIME, 'node', '_lambda_deploy_warm.mjs')],
          ];
    const out = execFileSync(command, args as string[], {
      input: JSON.stringify(values),
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', LAMBDA_TASK_ROOT: workspace },
    });
    return JSON.parse(out) as boolean[];
  }

  test.each(['python', 'node'] as const)(
    '%s: what the rule takes, the wrapper does not refuse as malformed',
    (runtime) => {
      expect(taken.every((v) => problemsOf(`LAMBDA_DEPLOY_HANDLER=${v}`).length === 0)).toBe(true);
      expect(malformed(runtime, taken)).toEqual(taken.map(() => false));
    },
  );

  test('what the rule refuses, a wrapper refuses as malformed too', () => {
    expect(refused.every((v) => problemsOf(`LAMBDA_DEPLOY_HANDLER=${v}`).length === 1)).toBe(true);
    const python = malformed('python', refused);
    const node = malformed('node', refused);
    expect(refused.filter((_, i) => !python[i] && !node[i])).toEqual([]);
  });
});
