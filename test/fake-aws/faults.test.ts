/**
 * The one faults API and the one call log: throttling and AccessDenied in
 * each service's own spelling (status and name), failures after the call
 * took effect (an error or a dropped connection), injected errors, latency
 * (simulated and real), and the clock options.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { GetRestApisCommand, GetUsagePlansCommand } from '@aws-sdk/client-api-gateway';
import { CreateApiCommand, GetApisCommand, GetStageCommand } from '@aws-sdk/client-apigatewayv2';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { HeadBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { isAccessDenied } from '../../src/aws/aws-call.js';
import { isTransient } from '../../src/util/retry.js';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { awsError, expectAwsError, storedZip } from './helpers.js';

let aws: FakeAws;
let c: ReturnType<FakeAws['clients']>;

async function restart(options: Parameters<typeof startFakeAws>[0] = {}) {
  await aws?.close();
  aws = await startFakeAws(options);
  c = aws.clients();
}
beforeEach(() => restart());
afterEach(() => aws.close());

/** One cheap call of every service, and how that service spells throttling and AccessDenied. */
const SERVICES: [string, string, () => Promise<unknown>, [string, number], [string, number]][] = [
  [
    'lambda',
    'GetFunction',
    () => c.lambda.send(new GetFunctionCommand({ FunctionName: 'f' })),
    ['TooManyRequestsException', 429],
    ['AccessDeniedException', 403],
  ],
  [
    'iam',
    'GetRole',
    () => c.iam.send(new GetRoleCommand({ RoleName: 'r' })),
    ['Throttling', 400],
    ['AccessDenied', 403],
  ],
  [
    'sts',
    'GetCallerIdentity',
    () => c.sts.send(new GetCallerIdentityCommand({})),
    ['Throttling', 400],
    ['AccessDenied', 403],
  ],
  [
    's3',
    'ListObjectsV2',
    () => c.s3.send(new ListObjectsV2Command({ Bucket: 'b' })),
    ['SlowDown', 503],
    ['AccessDenied', 403],
  ],
  [
    'apiGateway',
    'GetRestApis',
    () => c.apiGateway.send(new GetRestApisCommand({})),
    ['TooManyRequestsException', 429],
    ['AccessDeniedException', 403],
  ],
  [
    'apiGatewayV2',
    'GetApis',
    () => c.apiGatewayV2.send(new GetApisCommand({})),
    ['TooManyRequestsException', 429],
    ['AccessDeniedException', 403],
  ],
  [
    'logs',
    'DescribeLogGroups',
    () => c.logs.send(new DescribeLogGroupsCommand({})),
    ['ThrottlingException', 400],
    ['AccessDeniedException', 400],
  ],
  [
    'events',
    'ListRules',
    () => c.events.send(new ListRulesCommand({})),
    ['ThrottlingException', 400],
    ['AccessDeniedException', 400],
  ],
  [
    'tagging',
    'GetResources',
    () => c.tagging.send(new GetResourcesCommand({})),
    ['ThrottledException', 400],
    ['AccessDeniedException', 400],
  ],
];

describe('throttling and AccessDenied, in every service', () => {
  test.each(SERVICES)(
    '%s: throttle(%s, 2) fails twice with its throttling error, then the call goes through',
    async (service, op, call, [name, status]) => {
      aws.seed.bucket('b');
      aws.faults.throttle(`${service}:${op}`, 2);
      for (let i = 0; i < 2; i++) {
        const e = await awsError(call());
        expect({ name: e.name, status: e.status }).toEqual({ name, status });
        // The project's retry helper must see AWS's throttling as transient. (The tagging API's
        // ThrottledException, HTTP 400, is not in its list: a finding reported with issue 14.)
        if (service !== 'tagging')
          expect(
            isTransient(
              Object.assign(new Error(e.message), { name: e.name, $metadata: { httpStatusCode: e.status } }),
            ),
          ).toBe(true);
      }
      await call().catch(() => undefined);
      expect(aws.calls.of({ operation: `${service}:${op}` }).map((x) => x.fault ?? 'none')).toEqual([
        'throttle',
        'throttle',
        'none',
      ]);
    },
  );

  test.each(SERVICES)(
    '%s: deny(%s) answers its AccessDenied until allow(), naming the action',
    async (service, op, call, _throttle, [name, status]) => {
      aws.faults.deny(op);
      const e = await awsError(call());
      expect({ name: e.name, status: e.status }).toEqual({ name, status });
      expect(e.message).toMatch(
        /^User: arn:aws:iam::123456789012:user\/ci is not authorized to perform: [a-z0-9]+:\w+ on resource: /,
      );
      expect(
        isAccessDenied(
          Object.assign(new Error(e.message), { name: e.name, $metadata: { httpStatusCode: e.status } }),
        ),
      ).toBe(true);
      await expect(awsError(call())).resolves.toMatchObject({ name });
      aws.faults.allow(op);
      const after = await call().then(
        () => 'ok',
        (err: Error) => err.name,
      );
      expect(after).not.toBe(name);
    },
  );
});

describe('failures', () => {
  test('throttled and denied calls take no effect', async () => {
    aws.faults.throttle('CreateApi', 1).deny('CreateApi', 1);
    await expectAwsError(
      c.apiGatewayV2.send(new CreateApiCommand({ Name: 'a', ProtocolType: 'HTTP' })),
      'TooManyRequestsException',
      429,
    );
    await expectAwsError(
      c.apiGatewayV2.send(new CreateApiCommand({ Name: 'a', ProtocolType: 'HTTP' })),
      'AccessDeniedException',
      403,
    );
    expect(aws.account.httpApis.size).toBe(0);
    await c.apiGatewayV2.send(new CreateApiCommand({ Name: 'a', ProtocolType: 'HTTP' }));
    expect(aws.account.httpApis.size).toBe(1);
  });

  test('failAfter: the call takes effect, then answers the service’s internal error (or a given one)', async () => {
    aws.faults.failAfter('CreateApi').failAfter('CreateApi', { code: 'ConflictException' });
    await expectAwsError(
      c.apiGatewayV2.send(new CreateApiCommand({ Name: 'a', ProtocolType: 'HTTP' })),
      'InternalServerError',
      500,
    );
    await expectAwsError(
      c.apiGatewayV2.send(new CreateApiCommand({ Name: 'b', ProtocolType: 'HTTP' })),
      'ConflictException',
      409,
    );
    expect([...aws.account.httpApis.values()].map((a) => a.Name)).toEqual(['a', 'b']);
  });

  test('failAfter with reset: the call takes effect, then the connection drops (the client cannot know)', async () => {
    aws.faults.failAfter('CreateApi', { reset: true });
    const e = await awsError(c.apiGatewayV2.send(new CreateApiCommand({ Name: 'a', ProtocolType: 'HTTP' })));
    expect(e.status).toBeUndefined();
    expect(e.message).toMatch(/socket hang up|ECONNRESET/);
    expect(aws.account.httpApis.size).toBe(1);
    expect(aws.calls.of({ operation: 'CreateApi' })[0]).toMatchObject({ status: 0, fault: 'failAfter' });
  });

  test('answer(op, body): a read that sees an older account (a parallel run’s plan is not listed yet)', async () => {
    aws.seed.usagePlan('shop-pr-1');
    aws.faults.answer('GetUsagePlans', { item: [] });
    expect((await c.apiGateway.send(new GetUsagePlansCommand({}))).items).toEqual([]);
    expect((await c.apiGateway.send(new GetUsagePlansCommand({}))).items).toHaveLength(1);
    expect(aws.calls.of({ operation: 'GetUsagePlans' }).map((x) => x.fault ?? 'none')).toEqual([
      'answer',
      'none',
    ]);
  });

  test('fail(op, code) answers any error of the service’s catalog; the selector can name the service', async () => {
    const api = aws.seed.httpApi('a');
    api.stages.set('$default', { stageName: '$default' });
    aws.faults.fail('apiGateway:GetStage', 'NotFoundException');
    await expect(
      c.apiGatewayV2.send(new GetStageCommand({ ApiId: api.ApiId, StageName: '$default' })),
    ).resolves.toMatchObject({ StageName: '$default' });
    aws.faults.fail('apiGatewayV2:GetStage', 'BadRequestException', { times: 1, message: 'nope' });
    await expectAwsError(
      c.apiGatewayV2.send(new GetStageCommand({ ApiId: api.ApiId, StageName: '$default' })),
      'BadRequestException',
      400,
      'nope',
    );
    await expect(
      c.apiGatewayV2.send(new GetStageCommand({ ApiId: api.ApiId, StageName: '$default' })),
    ).resolves.toBeDefined();
  });
});

describe('latency and time', () => {
  test('latency moves the simulated clock per request; the call log records when each call arrived', async () => {
    aws.faults.latency('*', 150);
    const start = aws.clock.now();
    await c.sts.send(new GetCallerIdentityCommand({}));
    await c.sts.send(new GetCallerIdentityCommand({}));
    expect(aws.clock.now() - start).toBe(300);
    expect(aws.calls.calls.map((x) => x.at - start)).toEqual([0, 150]);
  });

  test('real latency: every request takes 150 ms of wall time (for a benchmark)', async () => {
    aws.faults.latency('*', 150, { real: true });
    const t = Date.now();
    await c.sts.send(new GetCallerIdentityCommand({}));
    await c.s3.send(new HeadBucketCommand({ Bucket: 'b' })).catch(() => undefined);
    expect(Date.now() - t).toBeGreaterThanOrEqual(300);
  });

  test('tickPerRequestMs: states advance per poll, for code that sleeps for real', async () => {
    await restart({ tickPerRequestMs: 1_000 });
    aws.seed.role('exec');
    await c.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'f',
        Runtime: 'python3.12',
        Handler: 'a.b',
        Role: 'arn:aws:iam::123456789012:role/exec',
        Code: { ZipFile: storedZip({ 'a.py': '' }) },
      }),
    );
    const states = [];
    for (let i = 0; i < 3; i++)
      states.push((await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'f' }))).State);
    expect(states).toEqual(['Pending', 'Active', 'Active']);
  });

  test("clock: 'real': a function is Pending for functionCreateMs of wall time", async () => {
    await restart({ clock: 'real', timings: { functionCreateMs: 200 } });
    aws.seed.role('exec');
    await c.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'f',
        Runtime: 'python3.12',
        Handler: 'a.b',
        Role: 'arn:aws:iam::123456789012:role/exec',
        Code: { ZipFile: storedZip({ 'a.py': '' }) },
      }),
    );
    expect((await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'f' }))).State).toBe(
      'Pending',
    );
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'f' }))).State).toBe(
      'Active',
    );
  });
});

describe('the call log', () => {
  test('service, SDK operation, SDK-named parameters (code summarised), status, error, key', async () => {
    aws.seed.role('exec');
    await c.lambda
      .send(
        new CreateFunctionCommand({
          FunctionName: 'f'.repeat(65),
          Runtime: 'python3.12',
          Handler: 'a.b',
          Role: 'arn:aws:iam::123456789012:role/exec',
          Code: { ZipFile: storedZip({ 'a.py': 'x' }) },
        }),
      )
      .catch(() => undefined);
    await c.lambda
      .send(
        new GetFunctionCommand({
          FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:f',
          Qualifier: 'live',
        }),
      )
      .catch(() => undefined);
    const [create, get] = aws.calls.calls;
    expect(create).toMatchObject({
      seq: 1,
      service: 'lambda',
      operation: 'CreateFunction',
      status: 400,
      error: 'InvalidParameterValueException',
      accessKeyId: aws.staticCredentials.accessKeyId,
      input: {
        FunctionName: 'f'.repeat(65),
        Code: { ZipFile: expect.stringMatching(/^<\d+ base64 characters>$/) },
      },
    });
    expect(get).toMatchObject({
      operation: 'GetFunction',
      status: 404,
      input: { FunctionName: 'f', Qualifier: 'live' },
    });
    expect(aws.calls.counts()).toEqual({ 'lambda:CreateFunction': 1, 'lambda:GetFunction': 1 });
    expect(aws.calls.writes()).toEqual(['lambda:CreateFunction']);
    aws.calls.clear();
    expect(aws.calls.calls).toEqual([]);
  });
});
