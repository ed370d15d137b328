/**
 * Every limit of the settings at, just inside and just outside its boundary:
 * an off-by-one in a comparison or a bound fails one of these cases.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../../src/model/settings.js';
import type { InputName } from '../../src/settings/names.js';
import { parseQuota } from '../../src/settings/front-door.js';
import { parseStatusRanges } from '../../src/settings/smoke-and-rollback.js';
import { readSettings, SettingsError } from '../../src/settings/settings.js';

const workspace = mkdtempSync(join(tmpdir(), 'settings-limits-'));
mkdirSync(join(workspace, 'node'));
const env = { GITHUB_WORKSPACE: workspace } as NodeJS.ProcessEnv;

type Inputs = Partial<Record<InputName, string>>;

/** The settings, or the problems reported for `inputs` (name `svc` unless given). */
function read(inputs: Inputs): { settings?: Settings; problems: string[] } {
  try {
    return { settings: readSettings((n) => ({ name: 'svc', ...inputs })[n], env), problems: [] };
  } catch (e) {
    if (e instanceof SettingsError) return { problems: e.problems };
    throw e;
  }
}

function accepted(inputs: Inputs): Settings {
  const { settings, problems } = read(inputs);
  expect(problems).toEqual([]);
  return settings as Settings;
}

function refused(inputs: Inputs): string {
  const { problems } = read(inputs);
  expect(problems).toHaveLength(1);
  return problems[0] as string;
}

describe('whole-number inputs: min - 1, min, min + 1, max - 1, max, max + 1', () => {
  const limits: [InputName, keyof Settings, number, number, string, Inputs][] = [
    ['memory', 'memory', 128, 10240, ' (MB)', {}],
    ['timeout', 'timeout', 1, 900, ' (seconds)', {}],
    ['smoke-timeout', 'smokeTimeout', 1, 900, ' (seconds)', {}],
    ['keep-versions', 'keepVersions', 1, 100, '', {}],
    ['preview-ttl', 'previewTtl', 1, 3650, ' (days)', {}],
    ['throttle-burst', 'throttleBurst', 0, 5000, '', { gateway: 'rest-api' }],
    ['provisioned-concurrency', 'provisionedConcurrency', 0, 10000, '', {}],
  ];
  describe.each(limits)('%s', (input, field, min, max, unit, context) => {
    test.each([min, min + 1, max - 1, max])(`${input}: %d is accepted`, (n) => {
      expect(accepted({ ...context, [input]: String(n) })[field]).toBe(n);
    });
    test.each([min - 1, max + 1])(`${input}: %d is refused, naming the range`, (n) => {
      expect(refused({ ...context, [input]: String(n) })).toBe(
        `${input}: "${n}" is not valid; expected a whole number from ${min} to ${max}${unit}.`,
      );
    });
    test.each(['1.5', '+5', '0x10', '1e2', `${max}.0`])(`${input}: %j is not a whole number`, (v) => {
      expect(refused({ ...context, [input]: v })).toMatch(new RegExp(`^${input}: "`));
    });
  });

  test('unset optional numbers stay unset; unset numbers with a default take it', () => {
    const s = accepted({});
    expect([s.previewTtl, s.throttleBurst, s.provisionedConcurrency]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect([s.memory, s.timeout, s.smokeTimeout, s.keepVersions]).toEqual([256, 30, 60, 5]);
  });
});

describe('throttle-rate: above 0', () => {
  test.each([
    ['0.001', 0.001],
    ['1', 1],
    ['10.5', 10.5],
  ])('%j is accepted', (value, rate) => {
    expect(accepted({ 'throttle-rate': value }).throttleRate).toBe(rate);
  });
  test.each(['0', '0.0', '-0.001', '-1', 'fast', 'Infinity', 'NaN'])('%j is refused', (value) => {
    expect(refused({ 'throttle-rate': value })).toBe(
      `throttle-rate: "${value}" is not valid; expected requests per second, a number above 0.`,
    );
  });
  test('unset leaves it unset', () => {
    expect(accepted({}).throttleRate).toBeUndefined();
  });
  test.each([
    ['throttle-rate', '5'],
    ['throttle-burst', '5'],
  ])('%s needs an API Gateway front door', (input, value) => {
    for (const gateway of ['http-api', 'rest-api']) accepted({ gateway, [input]: value });
    for (const gateway of ['function-url', 'none'])
      expect(refused({ gateway, [input]: value })).toMatch(
        /^throttle-rate\/throttle-burst: need an API Gateway front door; .*\(gateway is "(function-url|none)"\)/,
      );
  });
});

describe('layers: at most 5', () => {
  const arn = (i: number) => `arn:aws:lambda:us-east-1:123456789012:layer:lib-${i}:${i + 1}`;
  const list = (n: number) => Array.from({ length: n }, (_, i) => arn(i));
  test.each([0, 1, 4, 5])('%d layers are accepted', (n) => {
    expect(accepted({ layers: list(n).join('\n') }).layers).toEqual(list(n));
  });
  test.each([6, 7])('%d layers are refused', (n) => {
    expect(refused({ layers: list(n).join('\n') })).toBe(
      `layers: ${n} layers given; Lambda allows at most 5.`,
    );
  });
  test('dependencies-layer adds one: 5 layers with it are refused, 4 accepted', () => {
    const python = { 'dependencies-layer': 'true' };
    expect(refused({ ...python, layers: list(5).join('\n') })).toBe(
      'layers: 5 layers given, and dependencies-layer: true adds the dependencies layer: 6; Lambda allows at most 5, so give at most 4.',
    );
    expect(accepted({ ...python, layers: list(4).join('\n') }).layers).toHaveLength(4);
  });
  test('two versions of one layer are refused (Lambda attaches one version of a layer)', () => {
    const base = 'arn:aws:lambda:us-east-1:123456789012:layer:lib';
    expect(refused({ layers: `${base}:3\n${base}:4` })).toBe(
      `layers: "${base}:4" is not valid; expected one version of each layer (${base}:3 is given too).`,
    );
    expect(refused({ layers: `${base}:3\n${base}:3` })).toMatch(
      /^layers: ".*:3" is not valid; expected one version/,
    );
  });
  test("a layer of another region is refused: Lambda attaches only its function's region's layers", () => {
    const other = 'arn:aws:lambda:eu-west-1:123456789012:layer:lib:3';
    expect(refused({ layers: other, 'aws-region': 'us-east-1' })).toBe(
      `layers: "${other}" is not valid; expected a layer of the function's region us-east-1 (aws-region); Lambda attaches no layer of another region.`,
    );
    expect(accepted({ layers: other, 'aws-region': 'eu-west-1' }).layers).toEqual([other]);
    // Another account's layer (a vendor's, AWS's own) is fine.
    expect(
      accepted({
        layers: 'arn:aws:lambda:eu-west-1:580247275435:layer:LambdaInsightsExtension:53',
        'aws-region': 'eu-west-1',
      }).layers,
    ).toHaveLength(1);
  });
  test('blank and comment lines do not count', () => {
    expect(accepted({ layers: `${list(5).join('\n\n')}\n# ${arn(9)}\n` }).layers).toHaveLength(5);
  });
  test.each([
    ['arn:aws:lambda:us-east-1:12345678901:layer:x:1', false],
    ['arn:aws:lambda:us-east-1:1234567890123:layer:x:1', false],
    ['arn:aws:lambda:us-east-1:123456789012:layer:x:', false],
    ['arn:aws:lambda:us-east-1:123456789012:layer:x', false],
    ['arn:aws:lambda:us-east-1:123456789012:layer:my.layer:1', false],
    ['arn:aws-cn:lambda:cn-north-1:123456789012:layer:My_Layer-2:10', true],
    ['xarn:aws:lambda:us-east-1:123456789012:layer:x:1', false],
    ['arn:aws:lambda:us-east-1:123456789012:layer:x:1 ', true],
  ])('layer ARN %j valid: %s', (layer, valid) => {
    const { problems } = read({ layers: layer });
    expect(problems).toEqual(valid ? [] : [expect.stringMatching(/^layers: ".*layer version ARNs/)]);
  });
});

describe('name: a letter, then up to 39 letters, digits or hyphens', () => {
  test.each(['a', 'A', 'ab', 'a-1', `a${'b'.repeat(38)}`, `a${'b'.repeat(39)}`, 'My-Service'])(
    '%j is accepted',
    (name) => {
      expect(accepted({ name }).name).toBe(name);
    },
  );
  test.each([`a${'b'.repeat(40)}`, '1svc', '-svc', 'my_service', 'my.service', 'my service', 'é'])(
    '%j is refused',
    (name) => {
      expect(refused({ name })).toMatch(
        /^name: ".*" is not valid; expected a letter followed by up to 39 letters, digits or hyphens/,
      );
    },
  );
});

describe('stage: 1 to 40 lower-case letters, digits and inner hyphens', () => {
  test.each(['a', '1', 'ab', 'a-b', 'pr-42', 'a'.repeat(39), 'a'.repeat(40), `a${'-'.repeat(38)}b`])(
    '%j is accepted',
    (stage) => {
      expect(accepted({ stage }).stage).toBe(stage);
    },
  );
  test.each(['a'.repeat(41), '-a', 'a-', 'A', 'a_b', 'a.b', 'feature/x', '-'])('%j is refused', (stage) => {
    expect(refused({ stage })).toMatch(/^stage: ".*" is not valid; expected up to 40 lower-case letters/);
  });
});

describe('environment keys', () => {
  test.each(['A', 'a', 'A1', 'A_B', 'aws_region_x', 'AWS_REGIONS'])('%j is accepted', (key) => {
    expect(accepted({ environment: `${key}=v` }).environment).toEqual({ [key]: 'v' });
  });
  test.each(['1A', '_A', 'A-B', 'A.B', 'Ä'])('%j is refused by line number, not quoted', (key) => {
    expect(refused({ environment: `OK=1\n${key}=v` })).toBe(
      'environment: line 2 (not shown: it may hold a secret) does not start with a valid name; expected KEY=VALUE, the KEY of letters, digits and underscores, starting with a letter.',
    );
  });
  // A padded base64 secret pasted without KEY=: the part before its first "=" is never shown,
  // and never becomes a variable name (nor the lambda-deploy:env tag that lists the names).
  test.each([
    ['with + and /', 'q8Jf+Zx/Lm3PwR7tYv2NcK9sHbE1dGuA=='],
    ['starting with a digit', '9fK2mQ7zR4wL8xB3nV6cT1yH=='],
    ['letters and digits only', 'QmFzZTY0U2VjcmV0VmFsdWU1='],
  ])('a base64 secret %s is refused without a trace of it', (_, secret) => {
    const message = refused({ environment: `API_URL=https://api.example\n${secret}` });
    expect(message).toMatch(/^environment: line 2 \(not shown: it may hold a secret\) /);
    expect(message).not.toContain(secret.replace(/=+$/, '').slice(0, 8));
  });
  test('a name with only "=" after it is refused as such a secret, and so is an empty value after a key-shaped name', () => {
    expect(refused({ environment: 'TOKEN==' })).toBe(
      'environment: line 1 (not shown: it may hold a secret) has only "=" after a name that looks like a base64 value pasted without KEY=; expected KEY=VALUE.',
    );
    expect(refused({ environment: 'A=1\nQmFzZTY0U2VjcmV0VmFsdWU1=' })).toBe(
      'environment: line 2 (not shown: it may hold a secret) has nothing after a name that looks like a base64 value pasted without KEY=; expected KEY=VALUE.',
    );
  });
  test('a name set twice is refused, naming both lines (the later one would win unseen)', () => {
    expect(refused({ environment: 'A=1\n# note\nB=2\nA=3' })).toBe(
      'environment: "A" is set on lines 1 and 4; expected each name once.',
    );
  });
  test('empty values, "=" inside a value, and long mixed-case names with an underscore or a value are variables', () => {
    const environment = 'EMPTY=\nEQ=a=b\nMyServiceEndpoint2Url=https://x\nFeatureFlag_2024Beta=\nShort1A=';
    expect(accepted({ environment }).environment).toEqual({
      EMPTY: '',
      EQ: 'a=b',
      MyServiceEndpoint2Url: 'https://x',
      FeatureFlag_2024Beta: '',
      Short1A: '',
    });
  });
  test.each([
    'AWS_ACCESS_KEY',
    'AWS_REGION',
    'AWS_SESSION_TOKEN',
    'LAMBDA_TASK_ROOT',
    'AWS_LAMBDA_RUNTIME_API',
  ])('reserved %j is refused', (key) => {
    expect(refused({ environment: `${key}=v` })).toBe(
      `environment: "${key}" is reserved by Lambda and cannot be set; expected another name.`,
    );
  });
  test('a key is trimmed, its value is kept as written after the first =', () => {
    expect(accepted({ environment: 'A =x = y' }).environment).toEqual({ A: 'x = y' });
  });
  test('a line starting with = has no key', () => {
    expect(refused({ environment: '=value' })).toMatch(/^environment: line 1 \(not shown/);
  });
});

describe('ARNs, region and bucket', () => {
  const role = (name: string, account = '123456789012') => `arn:aws:iam::${account}:role/${name}`;
  test.each([
    [role('d'), true],
    [role('a'.repeat(512)), true],
    [role('a'.repeat(513)), false],
    [role(''), false],
    [role('path/to/deploy+x=y,z.w@v-_'), true],
    [role('d', '12345678901'), false],
    [role('d', '1234567890123'), false],
    ['arn:aws-us-gov:iam::123456789012:role/d', true],
    ['arn:aws:iam::123456789012:user/d', false],
    [`${role('d')} x`, false],
    [`x${role('d')}`, false],
  ])('role ARN %j valid: %s', (arn, valid) => {
    for (const input of ['role-to-assume', 'execution-role-arn'] as const) {
      const { problems } = read({ [input]: arn });
      expect(problems).toEqual(
        valid
          ? []
          : [expect.stringMatching(new RegExp(`^${input}: ".*" is not valid; expected an IAM role ARN`))],
      );
    }
  });

  test.each([
    ['us-east-1', true],
    ['eu-central-2', true],
    ['us-gov-west-1', true],
    ['ap-southeast-10', false],
    ['us-east', false],
    ['US-EAST-1', false],
    ['useast-1', false],
    ['u-east-1', false],
    ['use-east-1', false],
    ['us-east-1 ', true],
    ['x us-east-1', false],
  ])('region %j valid: %s', (region, valid) => {
    const { settings, problems } = read({ 'aws-region': region });
    if (valid) expect(settings?.awsRegion).toBe(region.trim());
    else
      expect(problems).toEqual([`aws-region: "${region}" is not valid; expected a region like us-east-1.`]);
  });

  test('a bad AWS_REGION from the environment is named as aws-region', () => {
    const problems = (() => {
      try {
        readSettings((n) => ({ name: 'svc' })[n as string], { ...env, AWS_REGION: 'mars-1' });
      } catch (e) {
        return (e as SettingsError).problems;
      }
      return [];
    })();
    expect(problems).toEqual(['aws-region: "mars-1" is not valid; expected a region like us-east-1.']);
  });

  test.each([
    ['abc', true],
    ['ab', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['my.bucket-1', true],
    ['-abc', false],
    ['abc-', false],
    ['.abc', false],
    ['a..b', false],
    ['xn--abc', false],
    ['xnabc', true],
    ['ABC', false],
    ['a_b', false],
  ])('s3-bucket %j valid: %s', (bucket, valid) => {
    const { settings, problems } = read({ 's3-bucket': bucket });
    if (valid) expect(settings?.s3Bucket).toBe(bucket);
    else
      expect(problems).toEqual([
        `s3-bucket: "${bucket}" is not valid; expected an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens.`,
      ]);
  });
});

describe('handler, app and schedule forms', () => {
  test.each([
    ['app.handler', true],
    ['a.b', true],
    ['src/index.handler', true],
    ['pkg.mod.fn', true],
    ['_m.$fn', true],
    ['handler', false],
    ['app.', false],
    ['.handler', false],
    ['1app.handler', false],
    ['app.1handler', false],
    ['app handler.x', false],
  ])('handler %j valid: %s', (handler, valid) => {
    const { settings, problems } = read({ handler, runtime: 'nodejs22.x', path: 'node' });
    if (valid) expect(settings?.handler).toBe(handler);
    else
      expect(problems).toEqual([
        expect.stringMatching(/^handler: ".*" is not valid; expected module\.function/),
      ]);
  });

  test.each([
    ['app:app', true],
    ['service.main:api', true],
    ['app:create_app()', true],
    ['_a:_b', true],
    ['app', false],
    ['app:', false],
    [':app', false],
    ['app:app()x', false],
    ['app:app(x)', false],
    ['1app:app', false],
    ['app:1app', false],
  ])('app %j valid: %s', (app, valid) => {
    const { settings, problems } = read({ app });
    if (valid) expect(settings?.app).toBe(app);
    else
      expect(problems).toEqual([expect.stringMatching(/^app: ".*" is not valid; expected module:attribute/)]);
  });

  test.each([
    ['rate(1 minute)', true],
    ['rate(5 minutes)', true],
    ['rate(1 hour)', true],
    ['rate(2 hours)', true],
    ['rate(1 day)', true],
    ['rate(7 days)', true],
    ['rate(10 minutes)', true],
    ['rate(120 minutes)', true],
    ['cron(0/5 * * * ? *)', true],
    ['rate(5 weeks)', false],
    ['rate(five minutes)', false],
    ['rate(5minutes)', false],
    ['cron()', false],
    ['rate(5 minutes) ', true],
    ['x rate(5 minutes)', false],
    ['rate(5 minutes)x', false],
    // EventBridge: a value of 1 takes the singular, more the plural; at least 1.
    ['rate(5 minute)', false],
    ['rate(1 minutes)', false],
    ['rate(2 day)', false],
    ['rate(0 minutes)', false],
    // cron: six fields (minutes hours day-of-month month day-of-week year), one of the days "?".
    ['cron(0/5 * * * ?)', false],
    ['cron(0/5 * * * * *)', false],
    ['cron(0 8 ? * MON-FRI *)', true],
    ['cron(0 8 1 * ? 2027)', true],
  ])('keep-warm %j valid: %s', (keepWarm, valid) => {
    const { settings, problems } = read({ 'keep-warm': keepWarm });
    if (valid) expect(settings?.keepWarm).toBe(keepWarm.trim());
    else
      expect(problems).toEqual([
        `keep-warm: "${keepWarm}" is not valid; expected an EventBridge schedule like rate(5 minutes) or cron(0/5 * * * ? *).`,
      ]);
  });
});

describe('smoke-status ranges within 100-599', () => {
  test.each<[string, [number, number][]]>([
    ['100', [[100, 100]]],
    ['599', [[599, 599]]],
    ['100-599', [[100, 599]]],
    ['200-200', [[200, 200]]],
    ['200-201', [[200, 201]]],
    [
      '200 , 204',
      [
        [200, 200],
        [204, 204],
      ],
    ],
  ])('%j is %j', (value, ranges) => {
    expect(parseStatusRanges(value)).toEqual(ranges);
    expect(accepted({ 'smoke-status': value }).smokeStatus).toEqual(ranges);
  });
  test.each([
    ['099', '"099" is not a range within 100-599'],
    ['600', '"600" is not a range within 100-599'],
    ['100-600', '"100-600" is not a range within 100-599'],
    ['099-200', '"099-200" is not a range within 100-599'],
    ['201-200', '"201-200" is not a range within 100-599'],
    ['20', '"20" is neither a status code nor a range like 200-399'],
    ['2000', '"2000" is neither a status code nor a range like 200-399'],
    ['200-', '"200-" is neither a status code nor a range like 200-399'],
    [',', 'no status given'],
  ])('%j is refused: %s', (value, why) => {
    expect(parseStatusRanges(value)).toBe(why);
    expect(refused({ 'smoke-status': value })).toBe(
      `smoke-status: "${value}" is not valid; expected a status range like 200-399 or a list like 200,204 (${why}).`,
    );
  });
});

describe('quota: a positive number per day, week or month', () => {
  test.each([
    ['1/day', { limit: 1, period: 'DAY' }],
    ['2/DAY', { limit: 2, period: 'DAY' }],
    ['1 /week', { limit: 1, period: 'WEEK' }],
    ['3/ month', { limit: 3, period: 'MONTH' }],
    [' 4/day ', { limit: 4, period: 'DAY' }],
  ])('%j is %j', (value, quota) => {
    expect(parseQuota(value)).toEqual(quota);
  });
  test.each(['0/day', '-1/day', '1.5/day', '/day', '1/days', '1/year', 'x1/day', '1/dayx'])(
    '%j is refused',
    (value) => {
      expect(parseQuota(value)).toBeUndefined();
      expect(refused({ gateway: 'rest-api', 'api-key': 'true', quota: value })).toBe(
        `quota: "${value.trim()}" is not valid; expected N/day, N/week or N/month, like 10000/day.`,
      );
    },
  );
  test("a quota above API Gateway's limit (a 32-bit integer) is refused before anything is created", () => {
    expect(accepted({ gateway: 'rest-api', 'api-key': 'true', quota: '2147483647/month' }).quota).toEqual({
      limit: 2147483647,
      period: 'MONTH',
    });
    for (const value of ['2147483648/day', '99999999999999999999/day'])
      expect(refused({ gateway: 'rest-api', 'api-key': 'true', quota: value })).toBe(
        `quota: "${value}" is not valid; expected N/day, N/week or N/month with N at most 2147483647 (API Gateway's limit), like 10000/day.`,
      );
  });
  test('a quota needs an API key; an API key needs rest-api', () => {
    expect(accepted({ gateway: 'rest-api', 'api-key': 'true', quota: '1/day' }).quota).toEqual({
      limit: 1,
      period: 'DAY',
    });
    expect(refused({ gateway: 'rest-api', quota: '1/day' })).toBe(
      "quota: applies to an API key's usage plan; expected api-key: true with gateway: rest-api.",
    );
    // Not "api-key: \"true\" is not valid": the value is right, the gateway is what must change.
    expect(refused({ 'api-key': 'true' })).toBe(
      'api-key, gateway: API keys and usage plans exist only on a REST API (gateway is "http-api", the default); expected gateway rest-api.',
    );
    expect(refused({ 'api-key': 'true', gateway: 'function-url' })).toBe(
      'api-key, gateway: API keys and usage plans exist only on a REST API (gateway is "function-url"); expected gateway rest-api.',
    );
  });
});

describe('booleans and choices', () => {
  test.each(['true', 'TRUE', 'yes', 'on', '1'])('%j is true', (v) => {
    expect(accepted({ 'dry-run': v }).dryRun).toBe(true);
  });
  test.each(['false', 'False', 'no', 'off', '0'])('%j is false', (v) => {
    expect(accepted({ rollback: v }).rollback).toBe(false);
  });
  test.each(['2', 'truee', 'y', 'xtrue', 'true1', 'xfalse', 'false0', 'yes-or-no', '10'])(
    '%j is refused',
    (v) => {
      expect(refused({ 'dry-run': v })).toBe(`dry-run: "${v}" is not valid; expected true or false.`);
    },
  );
  test.each(['python3.9', 'python3.14', 'nodejs20.x', 'nodejs24.x'])(
    'runtime %j at either end is accepted',
    (runtime) => {
      expect(accepted({ runtime, path: 'node' }).runtime).toBe(runtime);
    },
  );
  test.each(['python3.8', 'python3.15', 'nodejs18.x', 'nodejs26.x'])(
    'runtime %j past either end is refused',
    (runtime) => {
      expect(refused({ runtime, path: 'node' })).toMatch(
        new RegExp(`^runtime: "${runtime.replace('.', '\\.')}" is not valid`),
      );
    },
  );
  test('smoke-path starts with /', () => {
    expect(accepted({ 'smoke-path': '/' }).smokePath).toBe('/');
    expect(refused({ 'smoke-path': 'health' })).toBe(
      'smoke-path: "health" is not valid; expected a path starting with "/", like "/health".',
    );
  });
  test('a value past 200 characters is shown cut', () => {
    const long = 'x'.repeat(201);
    expect(refused({ 'smoke-path': long })).toContain(`"${'x'.repeat(200)}…"`);
    expect(refused({ 'smoke-path': long.slice(1) })).toContain(`"${'x'.repeat(200)}"`);
  });
});
