import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import { FilterLogEventsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import {
  APIGatewayClient,
  GetRestApisCommand,
  GetUsagePlansCommand,
  GetApiKeysCommand,
} from '@aws-sdk/client-api-gateway';
import {
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { main } from '../../src/cli/cli.js';

// Class-level mocks: the CLI builds its own clients from the normal AWS chain.
const lambda = mockClient(LambdaClient);
const sts = mockClient(STSClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const logs = mockClient(CloudWatchLogsClient);
const v2 = mockClient(ApiGatewayV2Client);
const v1 = mockClient(APIGatewayClient);
const events = mockClient(EventBridgeClient);

const env = {
  ...process.env,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  GITHUB_WORKSPACE: process.cwd(),
} as NodeJS.ProcessEnv;

let stdout: string;
beforeEach(() => {
  for (const m of [lambda, sts, tagging, logs, v2, v1, events]) m.reset();
  events.on(ListRulesCommand).resolves({ Rules: [] });
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/dev' });
  stdout = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  jest.restoreAllMocks();
});

const tags = (stage: string, project = 'shop') => ({
  'lambda-deploy:name': project,
  'lambda-deploy:stage': stage,
  'lambda-deploy:ref': stage === 'main' ? 'main' : 'pull/3',
  'lambda-deploy:repository': 'octo/shop',
});

describe('lambda-deploy CLI', () => {
  test('help, and a usage error exits 2', async () => {
    expect(await main(['--help'], env)).toBe(0);
    expect(stdout).toMatch(/Commands:\n\s+serve/);
    expect(await main(['logs', '--help'], env)).toBe(0);
    expect(stdout).toMatch(/--follow/);
    expect(await main(['explode'], env)).toBe(2);
  });

  test('status lists the stages found by tags, with version and URL', async () => {
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-main' },
        { ResourceARN: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-pr-3' },
        { ResourceARN: 'arn:aws:lambda:eu-west-1:123456789012:function:shop-decoy' },
      ],
    });
    lambda
      .on(GetFunctionCommand, { FunctionName: 'shop-main' })
      .resolves({ Configuration: { LastModified: '2026-11-01T10:00:00.000+0000' }, Tags: tags('main') })
      .on(GetFunctionCommand, { FunctionName: 'shop-pr-3' })
      .resolves({ Configuration: { LastModified: '2026-11-20T10:00:00.000+0000' }, Tags: tags('pr-3') })
      .on(GetFunctionCommand, { FunctionName: 'shop-decoy' })
      .resolves({ Configuration: {}, Tags: tags('decoy', 'other') })
      .on(GetAliasCommand, { FunctionName: 'shop-main' })
      .resolves({ FunctionVersion: '7' })
      .on(GetAliasCommand, { FunctionName: 'shop-pr-3' })
      .resolves({ FunctionVersion: '2' })
      .on(GetFunctionUrlConfigCommand, { FunctionName: 'shop-main' })
      .resolves({ FunctionUrl: 'https://abc.lambda-url.eu-west-1.on.aws/' })
      .on(GetFunctionUrlConfigCommand, { FunctionName: 'shop-pr-3' })
      .rejects(new ResourceNotFoundException({ message: 'no url', $metadata: {} }));
    v2.on(GetApisCommand).resolves({
      Items: [
        {
          ApiId: 'h77',
          Name: 'shop-pr-3',
          ProtocolType: 'HTTP',
          RouteSelectionExpression: '',
          Tags: tags('pr-3'),
        },
      ],
    });
    v1.on(GetRestApisCommand).resolves({ items: [] });
    v1.on(GetUsagePlansCommand).resolves({ items: [] });
    v1.on(GetApiKeysCommand).resolves({ items: [] });

    let err = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    expect(await main(['status', '--name', 'shop'], env)).toBe(0);
    expect(err).not.toMatch(/error/);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STAGE\s+FUNCTION\s+VERSION\s+LAST DEPLOY\s+URL$/);
    expect(lines[1]).toMatch(/^main\s+shop-main\s+7\s+2026-11-01T10:00:00.000Z\s+https:\/\/abc.lambda-url/);
    expect(lines[2]).toMatch(
      /^pr-3\s+shop-pr-3\s+2\s+2026-11-20T10:00:00.000Z\s+https:\/\/h77.execute-api.eu-west-1.amazonaws.com$/,
    );
    expect(stdout).not.toMatch(/decoy/);
  });

  test('logs prints the stage function log events', async () => {
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        { eventId: '1', timestamp: Date.parse('2026-11-27T10:00:00Z'), message: 'START RequestId: 1\n' },
        { eventId: '2', timestamp: Date.parse('2026-11-27T10:00:01Z'), message: 'hello from the function\n' },
      ],
    });
    expect(await main(['logs', '--name', 'shop', '--stage', 'pr-3', '--since', '1h'], env)).toBe(0);
    expect(logs).toHaveReceivedCommandWith(FilterLogEventsCommand, { logGroupName: '/aws/lambda/shop-pr-3' });
    expect(stdout).toBe(
      '2026-11-27T10:00:00.000Z START RequestId: 1\n2026-11-27T10:00:01.000Z hello from the function\n',
    );
  });

  test('logs of a stage whose log group does not exist names the group and what to check', async () => {
    let err = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    logs.on(FilterLogEventsCommand).rejects(
      Object.assign(new Error('The specified log group does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    );
    expect(await main(['logs', '--name', 'shop', '--stage', 'pr-9'], env)).toBe(2);
    expect(err).toMatch(
      /Could not read the log group \/aws\/lambda\/shop-pr-9 \(has stage pr-9 been deployed and invoked\?\)/,
    );
  });

  test('--role-to-assume is refused: the CLI signs in with the AWS chain', async () => {
    let err = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    const role = 'arn:aws:iam::123456789012:role/deploy';
    expect(await main(['deploy', '--name', 'shop', '--role-to-assume', role], env)).toBe(2);
    expect(err).toMatch(/--role-to-assume: .*expected a profile \(AWS_PROFILE\)/);
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 0);
  });

  test('policy prints the deploy policy and the trust policy', async () => {
    expect(
      await main(
        [
          'policy',
          '--name',
          'shop',
          '--account',
          '123456789012',
          '--aws-region',
          'eu-west-1',
          '--repository',
          'octo/shop',
        ],
        env,
      ),
    ).toBe(0);
    expect(stdout).toMatch(/arn:aws:lambda:eu-west-1:123456789012:function:shop-\*/);
    expect(stdout).toMatch(/repo:octo\/shop:pull_request/);
    expect(stdout).toMatch(/# Production deploy role: permissions policy/);
    expect(stdout).toMatch(/# Preview deploy role: trust policy/);
    expect(stdout).toMatch(/"Sid": "NoIamWrites"/);
    expect(await main(['policy', '--name', 'shop'], env)).toBe(2);
  });

  test('policy takes --owner-id/--repo-id, --role, --protected-branches and --github-environment', async () => {
    const code = await main(
      [
        'policy',
        '--name=shop',
        '--account=123456789012',
        '--repository=octo/shop',
        '--owner-id=1234567',
        '--repo-id',
        '89012345',
        '--role',
        'production',
        '--protected-branches',
        'main,release',
        '--github-environment',
        'prod',
      ],
      env,
    );
    expect(code).toBe(0);
    expect(stdout).toContain('"repo:octo@1234567/shop@89012345:ref:refs/heads/release"');
    expect(stdout).toContain('"repo:octo/shop:environment:prod"');
    expect(stdout).not.toContain('pull_request');
    expect(await main(['policy', '--name=shop', '--account=123456789012', '--role=admin'], env)).toBe(2);
  });

  test('bad flags are reported like the action reports bad inputs', async () => {
    let err = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    expect(await main(['package', '--name', 'shop', '--memory', '1'], env)).toBe(2);
    expect(err).toMatch(/memory: "1" is not valid; expected a whole number from 128 to 10240/);
  });
});
