import { afterEach, describe, expect, test } from '@jest/globals';
import { ensureGateway } from '../../../src/resources/front-door/gateway.js';
import { type GatewayInput } from '../../../src/resources/front-door/gateway-types.js';
import { stageTags } from '../../../src/model/tags.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { gatewayInput, seedStageFunction, stageContext } from '../../../fakes/aws/stage-fixtures.js';

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** The one fake AWS, two items a page (three decoys take two GetApis calls), the stage's function deployed. */
async function setup(maxAttempts = 1) {
  aws = await startFakeAws({ pageSize: 2 });
  const fake = aws;
  seedStageFunction(fake);
  // maxAttempts > 1: the SDK's own retries, as the action's clients have them.
  const clients = fake.clients({ maxAttempts });
  const logger = new RecordingLogger();
  const run = (input: GatewayInput = gatewayInput()) =>
    ensureGateway('http-api', clients, input, { logger, sleep: fake.clock.sleep, random: () => 1 });
  /** Every call, in order, as operation names (`GetApis`). */
  const calls = () => fake.calls.calls.map((c) => c.operation);
  const writes = () => fake.calls.writes().map((op) => op.split(':')[1]);
  const apis = () => [...fake.account.httpApis.values()];
  const statements = () => fake.account.functions.get('shop-pr-42')!.policies.get('live')?.statements ?? [];
  return { fake, logger, run, calls, writes, apis, statements };
}

describe('http-api', () => {
  test.each([
    ['CreateApi', 'answers 500', {}],
    ['CreateApi', 'drops the connection', { reset: true }],
    ['CreateIntegration', 'answers 500', {}],
    ['CreateRoute', 'answers 500', {}],
    ['CreateStage', 'drops the connection', { reset: true }],
  ])('%s that %s after taking effect: one of each, the deploy goes on', async (op, _, fault) => {
    const { fake, run, calls, apis } = await setup(3);
    fake.faults.failAfter(op, fault);
    const result = await run();

    // Not sent again by the SDK; our retry looked before creating and found it.
    expect(calls().filter((c) => c === op)).toHaveLength(1);
    expect(apis()).toHaveLength(1);
    const [entry] = apis();
    expect(result).toMatchObject({ apiId: entry!.ApiId, changed: true });
    expect([entry!.integrations.size, entry!.routes.size, entry!.stages.size]).toEqual([1, 1, 1]);
    const [integration] = [...entry!.integrations.values()];
    expect([...entry!.routes.values()][0]).toMatchObject({
      target: `integrations/${integration!.integrationId}`,
    });
  });

  test('first run creates the API, integration, route, permission and stage, in that order', async () => {
    const { fake, run, calls, apis } = await setup();
    const result = await run();

    expect(calls()).toEqual([
      'GetApis',
      'CreateApi',
      'CreateIntegration',
      'CreateRoute',
      'GetPolicy',
      'AddPermission',
      'CreateStage',
    ]);
    const [entry] = apis();
    const apiId = entry!.ApiId;
    expect(result).toEqual({
      kind: 'http-api',
      url: `https://${apiId}.execute-api.${REGION}.amazonaws.com`,
      apiId,
      changed: true,
    });
    expect(entry!.Name).toBe('shop-pr-42');
    expect(entry!.Tags).toEqual(stageContext().tags);
    const [integration] = [...entry!.integrations.values()];
    expect(integration).toMatchObject({
      integrationType: 'AWS_PROXY',
      integrationUri: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-pr-42:live`,
      payloadFormatVersion: '2.0',
    });
    expect([...entry!.routes.values()]).toEqual([
      expect.objectContaining({ routeKey: '$default', target: `integrations/${integration!.integrationId}` }),
    ]);
    expect(entry!.stages.get('$default')).toMatchObject({ autoDeploy: true, tags: stageContext().tags });
    expect(fake.calls.of({ operation: 'AddPermission' })[0]!.input).toMatchObject({
      FunctionName: 'shop-pr-42',
      Qualifier: 'live',
      StatementId: 'lambda-deploy-http-api',
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${apiId}/*/*`,
    });
  });

  test('an unchanged rerun reads three times and writes nothing', async () => {
    const { fake, run, calls, apis, statements } = await setup();
    const first = await run();
    fake.calls.clear();

    const second = await run();

    expect(calls()).toEqual(['GetApis', 'GetStage', 'GetPolicy']);
    expect(second).toEqual({ ...first, changed: false });
    expect(apis()).toHaveLength(1);
    expect(statements()).toHaveLength(1);
  });

  test('with an unchanged function, a complete front door is not asked for its permission again', async () => {
    const { fake, run, calls } = await setup();
    await run();
    fake.calls.clear();

    await run(gatewayInput({ functionChanged: false }));
    expect(calls()).toEqual(['GetApis', 'GetStage']);

    // A function that changed (or was re-created) gets its permission checked, and restored when missing.
    fake.account.functions.get('shop-pr-42')!.policies.delete('live');
    fake.calls.clear();
    await run(gatewayInput({ functionChanged: true }));
    expect(calls()).toEqual(['GetApis', 'GetStage', 'GetPolicy', 'AddPermission']);
  });

  test('throttling is set on the stage, changed, then removed, without touching anything else', async () => {
    const { fake, run, calls, writes, apis } = await setup();
    await run(gatewayInput({ throttleRate: 50, throttleBurst: 100 }));
    const stage = () => apis()[0]!.stages.get('$default')!;
    expect(fake.calls.of({ operation: 'apiGatewayV2:CreateStage' })[0]!.input).toMatchObject({
      DefaultRouteSettings: {
        DetailedMetricsEnabled: false,
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      },
    });

    fake.calls.clear();
    await expect(run(gatewayInput({ throttleRate: 10, throttleBurst: 100 }))).resolves.toMatchObject({
      changed: true,
    });
    expect(calls()).toEqual(['GetApis', 'GetStage', 'GetPolicy', 'UpdateStage']);
    expect(stage().defaultRouteSettings).toEqual({
      detailedMetricsEnabled: false,
      throttlingRateLimit: 10,
      throttlingBurstLimit: 100,
    });

    fake.calls.clear();
    await expect(run(gatewayInput())).resolves.toMatchObject({ changed: true });
    expect(writes()).toEqual(['UpdateStage']);
    expect(stage().defaultRouteSettings).toEqual({ detailedMetricsEnabled: false });

    fake.calls.clear();
    await expect(run(gatewayInput())).resolves.toMatchObject({ changed: false });
    expect(writes()).toEqual([]);
  });

  test('a decoy with the same name but other tags is never reused (and lists are read page by page)', async () => {
    const { fake, run, calls } = await setup();
    const otherStage = fake.seed.httpApi(
      'shop-pr-42',
      stageTags({ project: 'shop', stage: 'pr-43', repository: 'octo/shop', ref: 'pull/43' }),
    ).ApiId;
    const untagged = fake.seed.httpApi('shop-pr-42', {}).ApiId;
    const otherProject = fake.seed.httpApi(
      'shop-pr-42',
      stageTags({ project: 'shopx', stage: 'pr-42', repository: 'o/x', ref: 'pull/42' }),
    ).ApiId;

    const result = await run();

    expect(calls().filter((c) => c === 'GetApis')).toHaveLength(2); // 3 decoys, 2 a page
    expect(calls()).toContain('CreateApi');
    expect([otherStage, untagged, otherProject]).not.toContain(result.apiId);
    for (const id of [otherStage, untagged, otherProject]) {
      expect(fake.account.httpApis.get(id)!.integrations.size).toBe(0);
      expect(fake.account.httpApis.get(id)!.stages.size).toBe(0);
    }
  });

  test('a permission that already exists is not an error and is not added twice', async () => {
    const { fake, run, calls, statements } = await setup();
    await run();
    // A parallel run added the statement between our GetPolicy (which saw none) and AddPermission.
    fake.calls.clear();
    fake.faults.fail('GetPolicy', 'ResourceNotFoundException', {
      message: 'The resource you requested does not exist.',
    });
    await expect(run()).resolves.toMatchObject({ changed: false });
    expect(calls()).toEqual(['GetApis', 'GetStage', 'GetPolicy', 'AddPermission']);
    expect(fake.calls.of({ operation: 'AddPermission' })[0]).toMatchObject({
      status: 409,
      error: 'ResourceConflictException',
    });
    expect(statements()).toHaveLength(1);
  });

  test('a statement left from an API that was deleted is replaced, not duplicated', async () => {
    const { fake, run, writes, apis, statements } = await setup();
    await run();
    (statements()[0]!.Condition!.ArnLike as Record<string, string>)['AWS:SourceArn'] =
      `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:gone/*/*`;
    fake.calls.clear();

    await run();

    expect(writes()).toEqual(['RemovePermission', 'AddPermission']);
    expect(statements()).toHaveLength(1);
    expect(JSON.stringify(statements()[0])).toContain(apis()[0]!.ApiId);
  });

  test('throttled creation backs off and succeeds', async () => {
    const { fake, run, logger, apis } = await setup();
    fake.faults.throttle('CreateApi', 2);

    await expect(run()).resolves.toMatchObject({ kind: 'http-api', changed: true });

    expect(fake.calls.of({ operation: 'CreateApi' }).map((c) => c.status)).toEqual([429, 429, 201]);
    expect(fake.clock.sleep.calls).toEqual([4000, 8000]);
    expect(apis()).toHaveLength(1);
    expect(logger.text('info')).toMatch(
      /TooManyRequestsException while trying to create the HTTP API for stage pr-42; trying again in 4\.0 s/,
    );
  });

  test('a run stopped half-way converges on the next, without duplicates', async () => {
    const { fake, run, calls, apis } = await setup();
    fake.faults.deny('CreateRoute');
    await expect(run()).rejects.toThrow(
      /^Could not create the \$default route of HTTP API \w+ for stage pr-42/,
    );

    fake.faults.allow('CreateRoute');
    fake.calls.clear();
    await expect(run()).resolves.toMatchObject({ changed: true });

    expect(calls()).toEqual([
      'GetApis',
      'GetStage',
      'GetIntegrations',
      'GetRoutes',
      'CreateRoute',
      'GetPolicy',
      'AddPermission',
      'CreateStage',
    ]);
    const [entry] = apis();
    expect(apis()).toHaveLength(1);
    expect(entry!.integrations.size).toBe(1);
    expect(entry!.routes.size).toBe(1);
  });

  test('AccessDenied names the permission', async () => {
    const { fake, run } = await setup();
    fake.faults.deny('CreateApi');
    await expect(run()).rejects.toThrow(
      `Could not create the HTTP API for stage pr-42: AccessDeniedException: User: arn:aws:iam::${ACCOUNT_ID}:user/ci is not authorized to perform: apigateway:POST on resource: * because no identity-based policy allows the apigateway:POST action. The deploy role needs apigateway:POST on arn:aws:apigateway:${REGION}::/apis.`,
    );
    expect(fake.calls.of({ operation: 'CreateApi' })).toHaveLength(1); // not retried
  });

  describe('a protected stage first deployed as a preview: what the preview role could add to its HTTP API', () => {
    const release = stageContext('release');
    const protectedInput = (over: Partial<GatewayInput> = {}) =>
      gatewayInput({ protectedStage: true, ...over }, release);
    /** The preview's credentials add their own integrations and routes to the stage's (tagged) API. */
    function plant(fake: FakeAws) {
      const entry = [...fake.account.httpApis.values()].find(
        (a) => a.Tags?.['lambda-deploy:stage'] === 'release',
      )!;
      const pr = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-pr-7:live`;
      entry.integrations.set('prfn', {
        integrationId: 'prfn',
        integrationType: 'AWS_PROXY',
        integrationUri: pr,
        payloadFormatVersion: '2.0',
      });
      entry.integrations.set('evil', {
        integrationId: 'evil',
        integrationType: 'HTTP_PROXY',
        integrationUri: 'https://evil.example/{proxy}',
        integrationMethod: 'ANY',
      });
      const [route] = [...entry.routes.values()];
      route!.target = 'integrations/prfn';
      entry.routes.set('login', {
        routeId: 'login',
        routeKey: 'GET /login',
        target: 'integrations/evil',
        authorizationType: 'NONE',
      });
      return entry;
    }

    test('the production deploy points $default back at the alias and removes routes to anything else, naming them', async () => {
      aws = await startFakeAws();
      const fake = aws;
      seedStageFunction(fake, release);
      const logger = new RecordingLogger();
      const clients = fake.clients();
      const run = (input: GatewayInput) =>
        ensureGateway('http-api', clients, input, { logger, sleep: fake.clock.sleep });
      await run(gatewayInput({}, release));
      const entry = plant(fake);
      const ours = [...entry.integrations.values()].find(
        (i) => i.integrationUri === `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-release:live`,
      )!;

      const result = await run(protectedInput({ functionChanged: false }));

      expect(result.changed).toBe(true);
      expect([...entry.routes.values()].map((r) => [r.routeKey, r.target])).toEqual([
        ['$default', `integrations/${ours.integrationId}`],
      ]);
      expect(logger.text('warning')).toMatch(/GET \/login.*evil\.example/);
    });

    test('an unprotected stage keeps its three reads; a protected one reads its routes and integrations too, alongside', async () => {
      aws = await startFakeAws();
      const fake = aws;
      seedStageFunction(fake, release);
      const clients = fake.clients();
      const run = (input: GatewayInput) =>
        ensureGateway('http-api', clients, input, { logger: new RecordingLogger(), sleep: fake.clock.sleep });
      await run(gatewayInput({}, release));
      fake.calls.clear();
      await run(protectedInput());
      expect(fake.calls.calls.map((c) => c.operation).sort()).toEqual([
        'GetApis',
        'GetIntegrations',
        'GetPolicy',
        'GetRoutes',
        'GetStage',
      ]);
      expect(fake.calls.writes()).toEqual([]);
    });
  });

  test('a $default route pointing elsewhere is repointed, a stage without auto-deploy is fixed', async () => {
    const { fake, run, writes, apis } = await setup();
    await run();
    const entry = apis()[0]!;
    const [route] = [...entry.routes.values()];
    const [integration] = [...entry.integrations.values()];
    entry.stages.delete('$default');
    route!.target = 'integrations/other';
    fake.calls.clear();

    await run();
    expect(writes()).toEqual(['UpdateRoute', 'CreateStage']);
    expect(route!.target).toBe(`integrations/${integration!.integrationId}`);

    entry.stages.get('$default')!.autoDeploy = false;
    fake.calls.clear();
    await run();
    expect(fake.calls.of({ operation: 'apiGatewayV2:UpdateStage' })[0]!.input).toMatchObject({
      AutoDeploy: true,
    });
  });
});
