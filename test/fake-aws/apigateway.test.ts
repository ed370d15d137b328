/**
 * The fake's API Gateway (REST APIs, keys, usage plans; HTTP APIs) through
 * the real SDK clients: what it refuses, with its status and error name, and
 * the project's front doors built and then undeployed against one account.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import {
  CreateResourceCommand,
  CreateRestApiCommand,
  CreateUsagePlanCommand,
  DeleteRestApiCommand,
  DeleteUsagePlanCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  PutMethodCommand,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway';
import {
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
  GetApiCommand,
  GetApisCommand,
} from '@aws-sdk/client-apigatewayv2';
import { undeployStage } from '../../src/pipelines/undeploy.js';
import { ensureGateway } from '../../src/resources/front-door/gateway.js';
import { type GatewayInput } from '../../src/resources/front-door/gateway-types.js';
import { stageTags } from '../../src/model/tags.js';
import { ACCOUNT_ID, startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { depsFor, expectAwsError } from './helpers.js';

let aws: FakeAws;
let clients: ReturnType<FakeAws['clients']>;

beforeEach(async () => {
  aws = await startFakeAws();
  clients = aws.clients();
});
afterEach(() => aws.close());

function gatewayInput(stage: string, over: Partial<GatewayInput> = {}): GatewayInput {
  const functionName = `shop-${stage}`;
  return {
    context: {
      project: 'shop',
      stage,
      functionName,
      region: aws.region,
      accountId: ACCOUNT_ID,
      tags: stageTags({
        project: 'shop',
        stage,
        repository: 'octo/shop',
        ref: stage.startsWith('pr-') ? `pull/${stage.slice(3)}` : stage,
      }),
    },
    aliasArn: `arn:aws:lambda:${aws.region}:${ACCOUNT_ID}:function:${functionName}:live`,
    apiKey: false,
    ...over,
  };
}

describe('REST APIs, keys and usage plans', () => {
  test('a REST API that a usage plan still uses cannot be deleted (400); nor a usage plan that still has stages (400)', async () => {
    const api = aws.seed.restApi('shop-pr-1', {}, { stage: 'live' });
    const plan = await clients.apiGateway.send(
      new CreateUsagePlanCommand({ name: 'p', apiStages: [{ apiId: api.id, stage: 'live' }] }),
    );
    await expectAwsError(
      clients.apiGateway.send(new DeleteRestApiCommand({ restApiId: api.id })),
      'BadRequestException',
      400,
      /still associated with usage plan/,
    );
    await expectAwsError(
      clients.apiGateway.send(new DeleteUsagePlanCommand({ usagePlanId: plan.id })),
      'BadRequestException',
      400,
      `Cannot delete Usage Plan ${plan.id} because there are API Stages associated with it, including ${api.id}:live`,
    );
    await clients.apiGateway.send(
      new UpdateUsagePlanCommand({
        usagePlanId: plan.id,
        patchOperations: [{ op: 'remove', path: '/apiStages', value: `${api.id}:live` }],
      }),
    );
    await clients.apiGateway.send(new DeleteUsagePlanCommand({ usagePlanId: plan.id }));
    await clients.apiGateway.send(new DeleteRestApiCommand({ restApiId: api.id }));
    await expectAwsError(
      clients.apiGateway.send(new GetRestApiCommand({ restApiId: api.id })),
      'NotFoundException',
      404,
      'Invalid API identifier specified',
    );
  });

  test('404 NotFound for what is not there, 409 Conflict for what already is, 400 for a stage a plan cannot use', async () => {
    const api = await clients.apiGateway.send(new CreateRestApiCommand({ name: 'r' }));
    await clients.apiGateway.send(
      new CreateResourceCommand({ restApiId: api.id, parentId: api.rootResourceId, pathPart: '{proxy+}' }),
    );
    await expectAwsError(
      clients.apiGateway.send(
        new CreateResourceCommand({ restApiId: api.id, parentId: api.rootResourceId, pathPart: '{proxy+}' }),
      ),
      'ConflictException',
      409,
    );
    await clients.apiGateway.send(
      new PutMethodCommand({
        restApiId: api.id,
        resourceId: api.rootResourceId,
        httpMethod: 'ANY',
        authorizationType: 'NONE',
      }),
    );
    await expectAwsError(
      clients.apiGateway.send(
        new PutMethodCommand({
          restApiId: api.id,
          resourceId: api.rootResourceId,
          httpMethod: 'ANY',
          authorizationType: 'NONE',
        }),
      ),
      'ConflictException',
      409,
    );
    await expectAwsError(
      clients.apiGateway.send(
        new PutMethodCommand({
          restApiId: api.id,
          resourceId: 'nope',
          httpMethod: 'ANY',
          authorizationType: 'NONE',
        }),
      ),
      'NotFoundException',
      404,
    );
    await expectAwsError(
      clients.apiGateway.send(
        new CreateUsagePlanCommand({ name: 'p', apiStages: [{ apiId: api.id, stage: 'live' }] }),
      ),
      'BadRequestException',
      400,
      /Invalid API Stage/,
    );
  });

  test('DeleteRestApi is limited to one call per 30 s per account when the limit is on (429 with Retry-After)', async () => {
    await aws.close();
    aws = await startFakeAws({ timings: { restApiDeleteIntervalMs: 30_000 } });
    clients = aws.clients();
    const [a, b] = [aws.seed.restApi('a'), aws.seed.restApi('b')];
    await clients.apiGateway.send(new DeleteRestApiCommand({ restApiId: a.id }));
    await expectAwsError(
      clients.apiGateway.send(new DeleteRestApiCommand({ restApiId: b.id })),
      'TooManyRequestsException',
      429,
    );
    aws.clock.advance(30_000);
    await clients.apiGateway.send(new DeleteRestApiCommand({ restApiId: b.id }));
    expect(aws.account.restApis.size).toBe(0);
  });

  test("the project's undeploy of two REST stages back to back waits out DeleteRestApi's 30 s limit (worst-case jitter)", async () => {
    await aws.close();
    aws = await startFakeAws({ timings: { restApiDeleteIntervalMs: 30_000 } });
    clients = aws.clients();
    for (const stage of ['pr-1', 'pr-2']) {
      const input = gatewayInput(stage);
      aws.seed.function(input.context.functionName, { alias: 'live', tags: input.context.tags });
      await ensureGateway('rest-api', clients, input, depsFor(aws));
    }
    const deps = { ...depsFor(aws), random: () => 0 };
    for (const stage of ['pr-1', 'pr-2'])
      await undeployStage(
        clients,
        {
          project: 'shop',
          stage,
          repository: 'octo/shop',
          functionName: `shop-${stage}`,
          removeLogs: false,
          dryRun: false,
          protectedStages: [],
        },
        deps,
      );
    expect(aws.account.restApis.size).toBe(0);
    const deletes = aws.calls.of({ operation: 'DeleteRestApi' });
    expect(deletes.map((d) => d.status).filter((s) => s === 202)).toHaveLength(2);
    expect(deletes.some((d) => d.status === 429)).toBe(true);
    expect(deletes.at(-1)!.at - deletes[0]!.at).toBeGreaterThanOrEqual(30_000);
  });

  test('GetRestApis pages with position; a forged position is refused', async () => {
    await aws.close();
    aws = await startFakeAws({ pageSize: 2 });
    clients = aws.clients();
    for (const n of ['a', 'b', 'c']) aws.seed.restApi(n);
    const first = await clients.apiGateway.send(new GetRestApisCommand({ limit: 500 }));
    expect(first.items).toHaveLength(2);
    const second = await clients.apiGateway.send(
      new GetRestApisCommand({ limit: 500, position: first.position }),
    );
    expect(second.items!.map((i) => i.name)).toEqual(['c']);
    expect(second.position).toBeUndefined();
    await expectAwsError(
      clients.apiGateway.send(new GetRestApisCommand({ position: 'forged' })),
      'BadRequestException',
      400,
    );
  });
});

describe('HTTP APIs', () => {
  test('created with an endpoint, read back; a duplicate route or stage is 409; a missing API is 404; a route must target an integration', async () => {
    const api = await clients.apiGatewayV2.send(
      new CreateApiCommand({ Name: 'shop-pr-1', ProtocolType: 'HTTP', Tags: { a: '1' } }),
    );
    expect(api.ApiEndpoint).toBe(`https://${api.ApiId}.execute-api.us-east-1.amazonaws.com`);
    expect(await clients.apiGatewayV2.send(new GetApiCommand({ ApiId: api.ApiId }))).toMatchObject({
      Name: 'shop-pr-1',
      Tags: { a: '1' },
    });
    await expectAwsError(
      clients.apiGatewayV2.send(
        new CreateIntegrationCommand({
          ApiId: api.ApiId,
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: 'arn:x',
        }),
      ),
      'BadRequestException',
      400,
      /PayloadFormatVersion/,
    );
    const integration = await clients.apiGatewayV2.send(
      new CreateIntegrationCommand({
        ApiId: api.ApiId,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: 'arn:x',
        PayloadFormatVersion: '2.0',
      }),
    );
    await expectAwsError(
      clients.apiGatewayV2.send(
        new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: '$default', Target: 'integrations/nope' }),
      ),
      'BadRequestException',
      400,
    );
    await clients.apiGatewayV2.send(
      new CreateRouteCommand({
        ApiId: api.ApiId,
        RouteKey: '$default',
        Target: `integrations/${integration.IntegrationId}`,
      }),
    );
    await expectAwsError(
      clients.apiGatewayV2.send(new CreateRouteCommand({ ApiId: api.ApiId, RouteKey: '$default' })),
      'ConflictException',
      409,
    );
    await clients.apiGatewayV2.send(
      new CreateStageCommand({ ApiId: api.ApiId, StageName: '$default', AutoDeploy: true }),
    );
    await expectAwsError(
      clients.apiGatewayV2.send(new CreateStageCommand({ ApiId: api.ApiId, StageName: '$default' })),
      'ConflictException',
      409,
    );
    await expectAwsError(
      clients.apiGatewayV2.send(new GetApiCommand({ ApiId: 'nope' })),
      'NotFoundException',
      404,
    );
  });

  test('GetApis pages with NextToken', async () => {
    await aws.close();
    aws = await startFakeAws({ pageSize: 2 });
    clients = aws.clients();
    for (const n of ['a', 'b', 'c']) aws.seed.httpApi(n);
    const first = await clients.apiGatewayV2.send(new GetApisCommand({}));
    const second = await clients.apiGatewayV2.send(new GetApisCommand({ NextToken: first.NextToken }));
    expect([...first.Items!, ...second.Items!].map((i) => i.Name)).toEqual(['a', 'b', 'c']);
    expect(second.NextToken).toBeUndefined();
  });
});

describe("the project's front doors, built and removed against one account", () => {
  test.each(['http-api', 'rest-api', 'function-url'] as const)(
    '%s: ensureGateway twice converges; undeployStage removes it all',
    async (kind) => {
      await aws.close();
      // Two items a page: every listing the code pages takes more than one call.
      aws = await startFakeAws({ pageSize: 2 });
      clients = aws.clients();
      const input = gatewayInput('pr-7', { apiKey: kind === 'rest-api' });
      aws.seed.function('shop-pr-7', { alias: 'live', tags: input.context.tags });
      // Decoys: the same name, other tags; they must survive.
      const decoy = aws.seed.httpApi(
        'shop-pr-7',
        stageTags({ project: 'shop', stage: 'pr-8', repository: 'octo/shop', ref: 'pull/8' }),
      );
      for (const n of ['x', 'y', 'z']) aws.seed.restApi(`other-${n}`);
      const deps = depsFor(aws);
      const first = await ensureGateway(kind, clients, input, deps);
      expect(first.changed).toBe(true);
      aws.calls.clear();
      const second = await ensureGateway(kind, clients, { ...input, functionChanged: false }, deps);
      expect(second).toEqual({
        ...first,
        changed: false,
        ...(first.apiKeyValue ? { apiKeyValue: first.apiKeyValue } : {}),
      });
      expect(aws.calls.writes()).toEqual([]);

      const outcome = await undeployStage(
        clients,
        {
          project: 'shop',
          stage: 'pr-7',
          repository: 'octo/shop',
          functionName: 'shop-pr-7',
          removeLogs: false,
          dryRun: false,
          protectedStages: ['main'],
        },
        deps,
      );
      expect(outcome.removed.length).toBeGreaterThanOrEqual(2);
      expect(aws.account.functions.size).toBe(0);
      expect([...aws.account.httpApis.keys()]).toEqual([decoy.ApiId]);
      expect([...aws.account.restApis.values()].map((a) => a.name)).toEqual([
        'other-x',
        'other-y',
        'other-z',
      ]);
      expect(aws.account.usagePlans.size + aws.account.apiKeys.size).toBe(0);
      expect(aws.calls.of().filter((c) => c.error)).toEqual([]);
    },
  );
});
