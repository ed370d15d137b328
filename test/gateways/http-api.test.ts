import { describe, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { CreateApiCommand, CreateStageCommand, UpdateStageCommand } from '@aws-sdk/client-apigatewayv2';
import { AddPermissionCommand } from '@aws-sdk/client-lambda';
import { ensureGateway, type GatewayInput } from '../../src/gateways/gateway.js';
import { stageTags } from '../../src/plan/tags.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';
import { ACCOUNT, FakeAws, gatewayInput, REGION, stageContext } from './fake-aws.js';

function setup() {
  const fake = new FakeAws();
  const logger = new RecordingLogger();
  const sleep = recordingSleep();
  const run = (input: GatewayInput = gatewayInput()) =>
    ensureGateway('http-api', fake.clients, input, { logger, sleep, random: () => 1 });
  return { fake, logger, sleep, run };
}

const WRITES = /^(Create|Update|Put|Add|Remove|Delete)/;

describe('http-api', () => {
  test('first run creates the API, integration, route, permission and stage, in that order', async () => {
    const { fake, run } = setup();
    const result = await run();

    expect(fake.calls).toEqual([
      'GetApis',
      'CreateApi',
      'CreateIntegration',
      'CreateRoute',
      'GetPolicy',
      'AddPermission',
      'CreateStage',
    ]);
    const [entry] = [...fake.httpApis.values()];
    const apiId = entry!.api.ApiId!;
    expect(result).toEqual({
      kind: 'http-api',
      url: `https://${apiId}.execute-api.${REGION}.amazonaws.com`,
      apiId,
      changed: true,
    });
    expect(entry!.api.Name).toBe('shop-pr-42');
    expect(entry!.api.Tags).toEqual(stageContext().tags);
    expect(entry!.integrations).toEqual([
      expect.objectContaining({
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:shop-pr-42:live`,
        PayloadFormatVersion: '2.0',
      }),
    ]);
    expect(entry!.routes).toEqual([
      expect.objectContaining({
        RouteKey: '$default',
        Target: `integrations/${entry!.integrations[0]!.IntegrationId}`,
      }),
    ]);
    expect(entry!.stages.get('$default')).toMatchObject({ AutoDeploy: true, Tags: stageContext().tags });
    expect(fake.lambdaMock).toHaveReceivedCommandWith(AddPermissionCommand, {
      FunctionName: 'shop-pr-42',
      Qualifier: 'live',
      StatementId: 'lambda-deploy-http-api',
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/*/*`,
    });
  });

  test('an unchanged rerun reads three times and writes nothing', async () => {
    const { fake, run } = setup();
    const first = await run();
    fake.resetCalls();

    const second = await run();

    expect(fake.calls).toEqual(['GetApis', 'GetStage', 'GetPolicy']);
    expect(second).toEqual({ ...first, changed: false });
    expect(fake.httpApis.size).toBe(1);
    expect(fake.policies.get('shop-pr-42:live')).toHaveLength(1);
  });

  test('with an unchanged function, a complete front door is not asked for its permission again', async () => {
    const { fake, run } = setup();
    await run();
    fake.resetCalls();

    await run(gatewayInput({ functionChanged: false }));
    expect(fake.calls).toEqual(['GetApis', 'GetStage']);

    // A function that changed (or was re-created) gets its permission checked, and restored when missing.
    fake.policies.delete('shop-pr-42:live');
    fake.resetCalls();
    await run(gatewayInput({ functionChanged: true }));
    expect(fake.calls).toEqual(['GetApis', 'GetStage', 'GetPolicy', 'AddPermission']);
  });

  test('throttling is set on the stage, changed, then removed, without touching anything else', async () => {
    const { fake, run } = setup();
    await run(gatewayInput({ throttleRate: 50, throttleBurst: 100 }));
    const stage = () => [...fake.httpApis.values()][0]!.stages.get('$default')!;
    expect(fake.v2Mock).toHaveReceivedCommandWith(CreateStageCommand, {
      DefaultRouteSettings: {
        DetailedMetricsEnabled: false,
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      },
    });

    fake.resetCalls();
    await expect(run(gatewayInput({ throttleRate: 10, throttleBurst: 100 }))).resolves.toMatchObject({
      changed: true,
    });
    expect(fake.calls).toEqual(['GetApis', 'GetStage', 'GetPolicy', 'UpdateStage']);
    expect(stage().DefaultRouteSettings).toEqual({
      DetailedMetricsEnabled: false,
      ThrottlingRateLimit: 10,
      ThrottlingBurstLimit: 100,
    });

    fake.resetCalls();
    await expect(run(gatewayInput())).resolves.toMatchObject({ changed: true });
    expect(fake.calls.filter((c) => WRITES.test(c))).toEqual(['UpdateStage']);
    expect(stage().DefaultRouteSettings).toEqual({ DetailedMetricsEnabled: false });

    fake.resetCalls();
    await expect(run(gatewayInput())).resolves.toMatchObject({ changed: false });
    expect(fake.calls.filter((c) => WRITES.test(c))).toEqual([]);
  });

  test('a decoy with the same name but other tags is never reused (and lists are read page by page)', async () => {
    const { fake, run } = setup();
    const otherStage = fake.addHttpApi(
      'shop-pr-42',
      stageTags({ project: 'shop', stage: 'pr-43', repository: 'octo/shop', ref: 'pull/43' }),
    );
    const untagged = fake.addHttpApi('shop-pr-42', {});
    const otherProject = fake.addHttpApi(
      'shop-pr-42',
      stageTags({ project: 'shopx', stage: 'pr-42', repository: 'o/x', ref: 'pull/42' }),
    );

    const result = await run();

    expect(fake.callsOf('GetApis')).toHaveLength(2); // 3 decoys, 2 a page
    expect(fake.calls).toContain('CreateApi');
    expect([otherStage, untagged, otherProject]).not.toContain(result.apiId);
    for (const id of [otherStage, untagged, otherProject]) {
      expect(fake.httpApis.get(id)!.integrations).toEqual([]);
      expect(fake.httpApis.get(id)!.stages.size).toBe(0);
    }
  });

  test('a permission that already exists is not an error and is not added twice', async () => {
    const { fake, run } = setup();
    await run();
    // A parallel run added the statement between our GetPolicy and AddPermission.
    fake.resetCalls();
    fake.blindOnce('GetPolicy');
    await expect(run()).resolves.toMatchObject({ changed: false });
    expect(fake.calls).toEqual(['GetApis', 'GetStage', 'GetPolicy', 'AddPermission']);
    expect(fake.policies.get('shop-pr-42:live')).toHaveLength(1);
  });

  test('a statement left from an API that was deleted is replaced, not duplicated', async () => {
    const { fake, run } = setup();
    await run();
    const statements = fake.policies.get('shop-pr-42:live')!;
    (statements[0]!.Condition!.ArnLike as Record<string, string>)['AWS:SourceArn'] =
      `arn:aws:execute-api:${REGION}:${ACCOUNT}:gone/*/*`;
    fake.resetCalls();

    await run();

    expect(fake.calls.filter((c) => WRITES.test(c))).toEqual(['RemovePermission', 'AddPermission']);
    const after = fake.policies.get('shop-pr-42:live')!;
    expect(after).toHaveLength(1);
    expect(JSON.stringify(after[0])).toContain([...fake.httpApis.keys()][0]);
  });

  test('throttled creation backs off and succeeds', async () => {
    const { fake, run, sleep, logger } = setup();
    fake.throttle('CreateApi', 2);

    await expect(run()).resolves.toMatchObject({ kind: 'http-api', changed: true });

    expect(fake.callsOf('CreateApi')).toHaveLength(3);
    expect(fake.v2Mock).toHaveReceivedCommandTimes(CreateApiCommand, 3);
    expect(sleep.calls).toEqual([4000, 8000]);
    expect(fake.httpApis.size).toBe(1);
    expect(logger.text('info')).toMatch(
      /TooManyRequestsException while trying to create the HTTP API; trying again in 4\.0 s/,
    );
  });

  test('a run stopped half-way converges on the next, without duplicates', async () => {
    const { fake, run } = setup();
    fake.deny('CreateRoute');
    await expect(run()).rejects.toThrow(
      /^Could not create the \$default route of HTTP API \w+ for stage pr-42/,
    );

    fake.allow('CreateRoute');
    fake.resetCalls();
    await expect(run()).resolves.toMatchObject({ changed: true });

    expect(fake.calls).toEqual([
      'GetApis',
      'GetStage',
      'GetIntegrations',
      'GetRoutes',
      'CreateRoute',
      'GetPolicy',
      'AddPermission',
      'CreateStage',
    ]);
    const [entry] = [...fake.httpApis.values()];
    expect(fake.httpApis.size).toBe(1);
    expect(entry!.integrations).toHaveLength(1);
    expect(entry!.routes).toHaveLength(1);
  });

  test('AccessDenied names the permission', async () => {
    const { fake, run } = setup();
    fake.deny('CreateApi');
    await expect(run()).rejects.toThrow(
      `Could not create the HTTP API for stage pr-42: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy/gh is not authorized to perform this action The deploy role needs apigateway:POST on arn:aws:apigateway:${REGION}::/apis.`,
    );
    expect(fake.callsOf('CreateApi')).toHaveLength(1); // not retried
  });

  test('a $default route pointing elsewhere is repointed, a stage without auto-deploy is fixed', async () => {
    const { fake, run } = setup();
    await run();
    const entry = [...fake.httpApis.values()][0]!;
    entry.stages.delete('$default');
    entry.routes[0]!.Target = 'integrations/other';
    fake.resetCalls();

    await run();
    expect(fake.calls.filter((c) => WRITES.test(c))).toEqual(['UpdateRoute', 'CreateStage']);
    expect(entry.routes[0]!.Target).toBe(`integrations/${entry.integrations[0]!.IntegrationId}`);

    entry.stages.get('$default')!.AutoDeploy = false;
    fake.resetCalls();
    await run();
    expect(fake.v2Mock).toHaveReceivedCommandWith(UpdateStageCommand, { AutoDeploy: true });
  });
});
