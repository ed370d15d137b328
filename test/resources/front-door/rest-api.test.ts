import { afterEach, describe, expect, test } from '@jest/globals';
import { CreateDeploymentCommand } from '@aws-sdk/client-api-gateway';
import { ensureGateway } from '../../../src/resources/front-door/gateway.js';
import { type GatewayInput } from '../../../src/resources/front-door/gateway-types.js';
import { stageTags } from '../../../src/model/tags.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { ACCOUNT_ID, REGION, startFakeAws, type FakeAws } from '../../../fakes/aws/index.js';
import { gatewayInput, seedStageFunction, stageContext } from '../../../fakes/aws/stage-fixtures.js';

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** The one fake AWS, two items a page, the stage's function (alias live) deployed. */
async function setup(maxAttempts = 1) {
  aws = await startFakeAws({ pageSize: 2 });
  const fake = aws;
  seedStageFunction(fake);
  const logger = new RecordingLogger();
  // maxAttempts > 1: the SDK's own retries, as the action's clients have them.
  const clients = fake.clients({ maxAttempts });
  const run = (input: GatewayInput = gatewayInput()) =>
    ensureGateway('rest-api', clients, input, { logger, sleep: fake.clock.sleep, random: () => 1 });
  return { fake, logger, run };
}

/** Every call, in order, as operation names. */
const calls = (fake: FakeAws) => fake.calls.calls.map((c) => c.operation);
const WRITES = /^(Create|Update|Put|Add|Remove|Delete)/;
const writes = (fake: FakeAws) => calls(fake).filter((c) => WRITES.test(c));
const callsOf = (fake: FakeAws, operation: string) => fake.calls.of({ operation });
const onlyApi = (fake: FakeAws) => [...fake.account.restApis.values()][0]!;
const deploymentIds = (fake: FakeAws) => [...onlyApi(fake).deployments.keys()];
const statements = (fake: FakeAws) =>
  fake.account.functions.get('shop-pr-42')!.policies.get('live')?.statements ?? [];
const ALIAS_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:shop-pr-42:live`;
const URI = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${ALIAS_ARN}/invocations`;
const KEYED = {
  apiKey: true,
  throttleRate: 5,
  throttleBurst: 10,
  quota: { limit: 1000, period: 'DAY' as const },
};

interface AnyMethod {
  authorizationType: string;
  apiKeyRequired: boolean;
  methodIntegration: { type: string; httpMethod: string; uri: string };
}

/** The ANY method of each path, as API Gateway keeps it (with its integration). */
function methods(fake: FakeAws): Record<string, AnyMethod | undefined> {
  return Object.fromEntries(
    [...onlyApi(fake).resources.values()].map((r) => [r.path, r.methods.get('ANY') as AnyMethod | undefined]),
  );
}

/** The stage's method settings for every method (`*\/*`): where the stage throttles. */
const stageThrottle = (fake: FakeAws, stage = 'pr-42') =>
  (onlyApi(fake).stages.get(stage)!.methodSettings as Record<string, Record<string, unknown>>)['*/*'];

describe('rest-api', () => {
  test('first run: regional API, ANY / and ANY /{proxy+} to the alias, permission, deployment and stage', async () => {
    const { fake, run } = await setup();
    const result = await run();

    expect(calls(fake)).toEqual([
      'GetRestApis',
      'CreateRestApi',
      'PutMethod',
      'PutIntegration',
      'CreateResource',
      'PutMethod',
      'PutIntegration',
      'GetPolicy',
      'AddPermission',
      'CreateDeployment',
      'CreateStage',
    ]);
    const api = onlyApi(fake);
    const apiId = api.id;
    expect(result).toEqual({
      kind: 'rest-api',
      url: `https://${apiId}.execute-api.${REGION}.amazonaws.com/pr-42`,
      apiId,
      changed: true,
    });
    expect(callsOf(fake, 'CreateRestApi')[0]!.input).toMatchObject({
      name: 'shop-pr-42',
      endpointConfiguration: { types: ['REGIONAL'] },
      binaryMediaTypes: ['*/*'],
      tags: stageContext().tags,
    });
    const m = methods(fake);
    for (const path of ['/', '/{proxy+}']) {
      expect(m[path]).toMatchObject({
        authorizationType: 'NONE',
        apiKeyRequired: false,
        methodIntegration: { type: 'AWS_PROXY', httpMethod: 'POST', uri: URI },
      });
    }
    expect(api.stages.get('pr-42')).toMatchObject({
      deploymentId: deploymentIds(fake)[0],
      tags: stageContext().tags,
    });
    expect(api.deployments.size).toBe(1);
    expect(statements(fake)).toEqual([
      expect.objectContaining({
        Sid: 'lambda-deploy-rest-api',
        Principal: { Service: 'apigateway.amazonaws.com' },
        Condition: {
          ArnLike: { 'AWS:SourceArn': `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${apiId}/*/*/*` },
        },
      }),
    ]);
  });

  test("a protected stage's deploy removes the methods and resources a preview added, and deploys the API again", async () => {
    const { fake, logger, run } = await setup();
    await run();
    const api = onlyApi(fake);
    const resources = () => [...api.resources.values()];
    const proxy = resources().find((r) => r.path === '/{proxy+}')!;
    const root = resources().find((r) => r.path === '/')!;
    const evil = { type: 'HTTP_PROXY', httpMethod: 'ANY', uri: 'https://evil.example/{proxy}' };
    // As the preview role could: GET on the proxy (more specific than ANY: it takes every GET), a /login path of its own.
    proxy.methods.set('GET', {
      httpMethod: 'GET',
      authorizationType: 'NONE',
      apiKeyRequired: false,
      methodIntegration: evil,
    });
    api.resources.set('lgn001', {
      id: 'lgn001',
      parentId: root.id,
      pathPart: 'login',
      path: '/login',
      methods: new Map([
        [
          'POST',
          { httpMethod: 'POST', authorizationType: 'NONE', apiKeyRequired: false, methodIntegration: evil },
        ],
      ]),
    });
    api.resources.set('lgn002', {
      id: 'lgn002',
      parentId: 'lgn001',
      pathPart: 'x',
      path: '/login/x',
      methods: new Map(),
    });
    fake.calls.clear();

    const result = await run(gatewayInput({ protectedStage: true }));

    expect(resources().map((r) => [r.path, [...r.methods.keys()]])).toEqual([
      ['/', ['ANY']],
      ['/{proxy+}', ['ANY']],
    ]);
    expect(result.changed).toBe(true);
    expect(callsOf(fake, 'CreateDeployment')).toHaveLength(1);
    expect(logger.text('warning')).toMatch(/GET \/\{proxy\+\}.*evil\.example/);
    expect(logger.text('warning')).toMatch(/\/login/);

    // Clean now: the next protected deploy writes nothing.
    fake.calls.clear();
    expect((await run(gatewayInput({ protectedStage: true }))).changed).toBe(false);
    expect(writes(fake)).toEqual([]);
  });

  test('a protected stage left on a deployment that serves more than ours (the extra methods since deleted) is deployed again', async () => {
    const { fake, run } = await setup();
    await run();
    const api = onlyApi(fake);
    const proxy = [...api.resources.values()].find((r) => r.path === '/{proxy+}')!;
    const evil = { type: 'HTTP_PROXY', httpMethod: 'ANY', uri: 'https://evil.example/{proxy}' };
    proxy.methods.set('GET', {
      httpMethod: 'GET',
      authorizationType: 'NONE',
      apiKeyRequired: false,
      methodIntegration: evil,
    });
    await fake
      .clients()
      .apiGateway.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'pr-42' }));
    proxy.methods.delete('GET');
    fake.calls.clear();

    await run(gatewayInput({ functionChanged: false }));
    expect(callsOf(fake, 'CreateDeployment')).toHaveLength(0);
    await run(gatewayInput({ protectedStage: true, functionChanged: false }));
    expect(callsOf(fake, 'CreateDeployment')).toHaveLength(1);
  });

  test('an unchanged rerun reads five times, writes nothing and makes no deployment', async () => {
    const { fake, run } = await setup();
    const first = await run();
    fake.calls.clear();

    await expect(run()).resolves.toEqual({ ...first, changed: false });
    expect(calls(fake)).toEqual(['GetRestApis', 'GetResources', 'GetPolicy', 'GetStage', 'GetDeployment']);
    expect(onlyApi(fake).deployments.size).toBe(1);
  });

  test('stage throttling without api-key: set, changed, removed, never redeployed', async () => {
    const { fake, run } = await setup();
    await run();
    const api = onlyApi(fake);
    const throttle = () => stageThrottle(fake);

    fake.calls.clear();
    await expect(run(gatewayInput({ throttleRate: 20, throttleBurst: 40 }))).resolves.toMatchObject({
      changed: true,
    });
    expect(writes(fake)).toEqual(['UpdateStage']);
    expect(throttle()).toMatchObject({ throttlingRateLimit: 20, throttlingBurstLimit: 40 });

    fake.calls.clear();
    await run(gatewayInput({ throttleRate: 25, throttleBurst: 40 }));
    expect(writes(fake)).toEqual(['UpdateStage']);
    expect(throttle()).toMatchObject({ throttlingRateLimit: 25 });

    // Only the rate given: API Gateway's default burst is not fought over.
    fake.calls.clear();
    await expect(run(gatewayInput({ throttleRate: 25 }))).resolves.toMatchObject({ changed: false });

    fake.calls.clear();
    await run(gatewayInput());
    expect(writes(fake)).toEqual(['UpdateStage']);
    expect(throttle()).toBeUndefined();
    expect(api.deployments.size).toBe(1);
  });

  test('api-key turned on: both methods require it, one new deployment, a plan and one key, value masked', async () => {
    const { fake, run, logger } = await setup();
    await run();
    fake.calls.clear();

    const result = await run(gatewayInput(KEYED));

    const m = methods(fake);
    expect(m['/']!.apiKeyRequired).toBe(true);
    expect(m['/{proxy+}']!.apiKeyRequired).toBe(true);
    expect(callsOf(fake, 'UpdateMethod')).toHaveLength(2);
    expect(callsOf(fake, 'PutIntegration')).toHaveLength(0);
    expect(writes(fake)).toEqual([
      'UpdateMethod',
      'UpdateMethod',
      'CreateDeployment',
      'CreateApiKey',
      'CreateUsagePlan',
      'CreateUsagePlanKey',
    ]);
    const api = onlyApi(fake);
    expect(api.deployments.size).toBe(2);
    expect(api.stages.get('pr-42')!.deploymentId).toBe(deploymentIds(fake)[1]);

    const [key] = [...fake.account.apiKeys.values()];
    const [plan] = [...fake.account.usagePlans.values()];
    expect(key).toMatchObject({ name: 'shop-pr-42', enabled: true, tags: stageContext().tags });
    expect(plan).toMatchObject({
      name: 'shop-pr-42',
      apiStages: [{ apiId: api.id, stage: 'pr-42' }],
      throttle: { rateLimit: 5, burstLimit: 10 },
      quota: { limit: 1000, period: 'DAY', offset: 0 },
      tags: stageContext().tags,
    });
    expect(plan!.keyIds).toEqual([key!.id]);
    // With a key, the plan throttles each caller; the stage is left alone.
    expect(stageThrottle(fake)).toBeUndefined();

    expect(result).toMatchObject({ apiKeyId: key!.id, apiKeyValue: key!.value, changed: true });
    expect(logger.secrets).toContain(key!.value);
    for (const line of logger.lines) expect(line.message).not.toContain(key!.value);
  });

  test('api-key turned on by a deploy that failed before deploying it: the next deploy deploys it (the stage served no key)', async () => {
    const { fake, run } = await setup();
    await run();
    // The methods now require the key, but the stage's deployment is never made.
    fake.faults.fail('CreateDeployment', 'BadRequestException', { times: 1 });
    await expect(run(gatewayInput({ apiKey: true }))).rejects.toThrow(/BadRequestException/);
    expect(methods(fake)['/{proxy+}']!.apiKeyRequired).toBe(true);
    const served = () => {
      const api = onlyApi(fake);
      return api.deployments.get(api.stages.get('pr-42')!.deploymentId as string)!.apiSummary;
    };
    expect(served()['/{proxy+}']!.ANY!.apiKeyRequired).toBe(false);

    await run(gatewayInput({ apiKey: true }));
    expect(callsOf(fake, 'CreateDeployment')).toHaveLength(3);
    expect(served()['/']!.ANY).toEqual({ authorizationType: 'NONE', apiKeyRequired: true });
    expect(served()['/{proxy+}']!.ANY).toEqual({ authorizationType: 'NONE', apiKeyRequired: true });
  });

  test('creates that fail after taking effect leave one REST API, one key and one plan (no SDK retry; the retry looks first)', async () => {
    const { fake, run } = await setup(3);
    fake.faults
      .failAfter('CreateRestApi')
      .failAfter('CreateApiKey', { reset: true })
      .failAfter('CreateUsagePlan');
    const result = await run(gatewayInput(KEYED));

    expect(fake.account.restApis.size).toBe(1);
    expect(fake.account.apiKeys.size).toBe(1);
    expect(fake.account.usagePlans.size).toBe(1);
    for (const op of ['CreateRestApi', 'CreateApiKey', 'CreateUsagePlan'])
      expect(callsOf(fake, op)).toHaveLength(1);
    const [key] = [...fake.account.apiKeys.values()];
    const [plan] = [...fake.account.usagePlans.values()];
    expect(plan!.keyIds).toEqual([key!.id]);
    expect(result).toMatchObject({ apiKeyId: key!.id, apiKeyValue: key!.value });
    // The API the failed create made is the one set up: methods, deployment, stage.
    expect(methods(fake)['/{proxy+}']!.apiKeyRequired).toBe(true);
    expect(onlyApi(fake).stages.get('pr-42')!.deploymentId).toBe(deploymentIds(fake).at(-1));
  });

  test('the preview role (no /apikeys listing): a CreateApiKey that took effect before failing is found by its tags, not made twice', async () => {
    const { fake, run } = await setup(3);
    fake.faults.deny('GetApiKeys'); // as IAM answers the preview role
    // The key is made, the answer is lost; it is linked to no usage plan yet, so the plan's links do not show it.
    fake.faults.failAfter('CreateApiKey', { reset: true });
    const result = await run(gatewayInput(KEYED));

    expect(callsOf(fake, 'CreateApiKey')).toHaveLength(1);
    expect(fake.account.apiKeys.size).toBe(1);
    const [key] = [...fake.account.apiKeys.values()];
    expect([...fake.account.usagePlans.values()].map((p) => p.keyIds)).toEqual([[key!.id]]);
    expect(result).toMatchObject({ apiKeyId: key!.id, apiKeyValue: key!.value });
  });

  test.each(['CreateApiKey', 'CreateUsagePlan', 'CreateUsagePlanKey'])(
    'a branch stage deployed with the preview role: %s denied says the preview role may not make API keys, and why',
    async (op) => {
      const { fake, run } = await setup();
      fake.faults.deny('GetApiKeys'); // as IAM answers the preview role
      fake.faults.deny(op);
      const error = (await run(gatewayInput(KEYED)).catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/AccessDenied/);
      expect(error.message).toContain(
        "The preview role may not make, change or link API keys and usage plans: IAM cannot check which key or API stage a link names, so a pull request could link production's key to its own plan and read its value. " +
          'Deploy stages with api-key: true with the production role, or leave this stage without a key (api-key: false).',
      );
    },
  );

  test.each([
    ['CreateResource', 1],
    ['PutMethod', 2],
    ['CreateStage', 1],
  ])('%s that answers 500 after taking effect: not sent again, the deploy goes on', async (op, times) => {
    const { fake, run } = await setup(3);
    fake.faults.failAfter(op);
    await run();
    // As many calls as a deploy without the fault makes (PutMethod: one per resource), none twice.
    const sent = callsOf(fake, op).map((c) => JSON.stringify(c.input));
    expect(sent).toHaveLength(times);
    expect(new Set(sent).size).toBe(times);
    const m = methods(fake);
    expect(Object.keys(m).sort()).toEqual(['/', '/{proxy+}']);
    expect(m['/{proxy+}']!.methodIntegration.uri).toBe(URI);
    expect(onlyApi(fake).stages.get('pr-42')!.deploymentId).toBe(deploymentIds(fake).at(-1));
  });

  test('a rerun with api-key keeps the same key and writes nothing', async () => {
    const { fake, run, logger } = await setup();
    const first = await run(gatewayInput(KEYED));
    fake.calls.clear();
    logger.secrets.length = 0;

    const second = await run(gatewayInput(KEYED));

    expect(second).toEqual({ ...first, changed: false });
    expect(calls(fake)).toEqual([
      'GetRestApis',
      'GetResources',
      'GetPolicy',
      'GetStage',
      'GetDeployment',
      'GetApiKeys',
      'GetUsagePlans',
    ]);
    expect(fake.account.apiKeys.size).toBe(1);
    expect(logger.secrets).toEqual([first.apiKeyValue]);
  });

  test('the preview role may not list /apikeys: the key is found through its usage plan, nothing is written', async () => {
    const { fake, run } = await setup();
    fake.faults.deny('GetApiKeys'); // as IAM answers the preview role
    const first = await run(gatewayInput(KEYED));
    fake.calls.clear();
    const second = await run(gatewayInput(KEYED));
    expect(second).toEqual({ ...first, changed: false });
    expect(writes(fake)).toEqual([]);
    expect(calls(fake)).toEqual(
      expect.arrayContaining(['GetApiKeys', 'GetUsagePlans', 'GetUsagePlanKeys', 'GetApiKey']),
    );
    expect(fake.account.apiKeys.size).toBe(1);
  });

  test('quota and throttle changes update the plan in place, without a deployment', async () => {
    const { fake, run } = await setup();
    await run(gatewayInput(KEYED));
    fake.calls.clear();

    await run(gatewayInput({ ...KEYED, throttleRate: 7, quota: { limit: 50, period: 'WEEK' } }));

    expect(writes(fake)).toEqual(['UpdateUsagePlan']);
    expect([...fake.account.usagePlans.values()][0]).toMatchObject({
      throttle: { rateLimit: 7, burstLimit: 10 },
      quota: { limit: 50, period: 'WEEK' },
    });
  });

  test("API stages the owner added to the stage's usage plan stay; only our own leftovers go", async () => {
    const { fake, run, logger } = await setup();
    await run(gatewayInput(KEYED));
    const [plan] = [...fake.account.usagePlans.values()];
    const ours = onlyApi(fake);
    // The owner shares the key with an API of theirs; a race once made a second API for the stage.
    const theirs = fake.seed.restApi('billing', { team: 'billing' }, { stage: 'v1' });
    const duplicate = fake.seed.restApi('shop-pr-42', stageContext().tags, { stage: 'pr-42' });
    plan!.apiStages.push({ apiId: theirs.id, stage: 'v1' }, { apiId: duplicate.id, stage: 'pr-42' });
    fake.calls.clear();

    await run(gatewayInput({ ...KEYED, throttleRate: 7 }));

    expect(plan!.apiStages).toEqual([
      { apiId: ours.id, stage: 'pr-42' },
      { apiId: theirs.id, stage: 'v1' },
    ]);
    expect(plan!.throttle).toMatchObject({ rateLimit: 7 });
    expect(logger.text('info')).toContain(`usage plan ${plan!.id} also serves ${theirs.id}:v1`);
  });

  test('api-key turned off: methods stop requiring it (one deployment), the stage throttles instead', async () => {
    const { fake, run } = await setup();
    await run(gatewayInput(KEYED));
    fake.calls.clear();

    await run(gatewayInput({ throttleRate: 5, throttleBurst: 10 }));

    expect(writes(fake)).toEqual(['UpdateMethod', 'UpdateMethod', 'CreateDeployment', 'UpdateStage']);
    expect(methods(fake)['/']!.apiKeyRequired).toBe(false);
  });

  test('decoys with the same name but other tags are not reused: API, key and plan', async () => {
    const { fake, run } = await setup();
    const otherTags = stageTags({ project: 'shop', stage: 'pr-43', repository: 'octo/shop', ref: 'pull/43' });
    const decoyApis = [
      fake.seed.restApi('shop-pr-42', otherTags).id,
      fake.seed.restApi('shop-pr-42', {}).id,
      fake.seed.restApi('x', {}).id,
    ];
    const decoyKey = fake.seed.apiKey('shop-pr-42', otherTags);
    const prefixKey = fake.seed.apiKey('shop-pr-421', stageContext().tags); // nameQuery matches prefixes

    const result = await run(gatewayInput(KEYED));

    expect(decoyApis).not.toContain(result.apiId);
    expect(callsOf(fake, 'GetRestApis')).toHaveLength(2); // three decoys, two a page
    expect([decoyKey.id, prefixKey.id]).not.toContain(result.apiKeyId);
    expect(fake.account.apiKeys.size).toBe(3);
    expect(result.apiKeyValue).not.toBe(decoyKey.value);
  });

  test('throttled CreateRestApi and CreateDeployment (429) back off and succeed', async () => {
    const { fake, run } = await setup();
    fake.faults.throttle('CreateRestApi', 2).throttle('CreateDeployment', 2);

    await expect(run()).resolves.toMatchObject({ changed: true });

    expect(callsOf(fake, 'CreateRestApi').map((c) => c.status)).toEqual([429, 429, 201]);
    expect(callsOf(fake, 'CreateDeployment').map((c) => c.status)).toEqual([429, 429, 201]);
    expect(fake.clock.sleep.calls).toEqual([4000, 8000, 4000, 8000]);
    expect(fake.account.restApis.size).toBe(1);
  });

  test('a permission that already exists is not an error (409 ResourceConflictException)', async () => {
    const { fake, run } = await setup();
    await run();
    fake.calls.clear();
    // The read says "no policy"; the write then meets the statement that is there.
    fake.faults.fail('GetPolicy', 'ResourceNotFoundException');
    await expect(run()).resolves.toMatchObject({ changed: false });
    expect(writes(fake)).toEqual(['AddPermission']);
    expect(callsOf(fake, 'AddPermission')[0]).toMatchObject({
      status: 409,
      error: 'ResourceConflictException',
    });
    expect(statements(fake)).toHaveLength(1);
  });

  test('a key already linked to the plan is not an error (stopped run, stale read)', async () => {
    const { fake, run } = await setup();
    const first = await run(gatewayInput(KEYED));
    fake.calls.clear();
    // The plan list misses the plan, as a read that sees the account before this stage's plan.
    fake.faults.answer('GetUsagePlans', { item: [] });

    await expect(run(gatewayInput(KEYED))).resolves.toMatchObject({
      apiKeyId: first.apiKeyId,
      apiKeyValue: first.apiKeyValue,
    });
    expect(writes(fake)).toEqual(['CreateUsagePlanKey']);
    expect(callsOf(fake, 'CreateUsagePlanKey')[0]).toMatchObject({ status: 409, error: 'ConflictException' });
    expect(fake.account.usagePlans.size).toBe(1);
  });

  test('a usage plan listing that hands out its position again fails the deploy, writing nothing', async () => {
    const { fake, run } = await setup();
    await run(gatewayInput(KEYED));
    fake.calls.clear();
    // The stage's plan is on the page never read: acting on the pages read would make a second plan.
    fake.faults.answer('GetUsagePlans', { item: [], position: 'page-2' }, { times: 3 });
    await expect(run(gatewayInput(KEYED))).rejects.toThrow(/pagination token page-2 again/);
    expect(writes(fake)).toEqual([]);
    expect(fake.account.usagePlans.size).toBe(1);
  });

  test('a run stopped before linking the key converges: same key, the plan is found and linked', async () => {
    const { fake, run } = await setup();
    fake.faults.deny('CreateUsagePlanKey');
    await expect(run(gatewayInput(KEYED))).rejects.toThrow(
      /^Could not link API key \w+ to usage plan \w+ for stage pr-42: .*The deploy role needs apigateway:POST on arn:aws:apigateway:us-east-1::\/usageplans\/\w+\/keys\. The preview role may not make, change or link API keys/,
    );
    const keyId = [...fake.account.apiKeys.keys()][0];
    fake.faults.allow('CreateUsagePlanKey');
    fake.calls.clear();

    const result = await run(gatewayInput(KEYED));
    expect(result.apiKeyId).toBe(keyId);
    expect(writes(fake)).toEqual(['CreateUsagePlanKey']);
    expect(fake.account.usagePlans.size).toBe(1);
    expect(fake.account.apiKeys.size).toBe(1);
  });

  // An owner disables the stage's key because it leaked: it must never work again.
  test.each([
    ['production (lists /apikeys)', false],
    ['preview (reads its usage plan links)', true],
  ])('a disabled key is replaced, never enabled again: %s', async (_, preview) => {
    const { fake, logger, run } = await setup();
    if (preview) fake.faults.deny('GetApiKeys');
    const first = await run(gatewayInput(KEYED));
    const plan = [...fake.account.usagePlans.values()][0]!;
    fake.account.apiKeys.get(first.apiKeyId!)!.enabled = false;
    fake.calls.clear();

    const second = await run(gatewayInput(KEYED));
    expect(second.apiKeyId).toEqual(expect.any(String));
    expect(second.apiKeyId).not.toBe(first.apiKeyId);
    expect(second).toMatchObject({ changed: true });
    expect(writes(fake)).toEqual([
      'CreateApiKey',
      'CreateUsagePlanKey',
      'DeleteUsagePlanKey',
      'DeleteApiKey',
    ]);
    expect(calls(fake)).not.toContain('UpdateApiKey');
    // The leaked key is gone; the new one is the stage's, linked to the same plan.
    expect(fake.account.apiKeys.has(first.apiKeyId!)).toBe(false);
    const made = fake.account.apiKeys.get(second.apiKeyId!)!;
    expect(made).toMatchObject({ name: 'shop-pr-42', enabled: true, tags: stageContext().tags });
    expect(second.apiKeyValue).toBe(made.value);
    expect(second.apiKeyValue).not.toBe(first.apiKeyValue);
    expect(plan.keyIds).toEqual([second.apiKeyId]);
    expect(fake.account.usagePlans.size).toBe(1);
    // Said at warning level: which key, its replacement, how to read the new value; no value.
    const warned = logger.text('warning');
    expect(warned).toContain(first.apiKeyId);
    expect(warned).toContain(`aws apigateway get-api-key --api-key ${second.apiKeyId} --include-value`);
    expect(logger.secrets).toContain(second.apiKeyValue);
    for (const line of logger.lines) {
      expect(line.message).not.toContain(first.apiKeyValue);
      expect(line.message).not.toContain(second.apiKeyValue);
    }

    // The next deploy keeps the new key.
    fake.calls.clear();
    await expect(run(gatewayInput(KEYED))).resolves.toMatchObject({
      apiKeyId: second.apiKeyId,
      changed: false,
    });
    expect(writes(fake)).toEqual([]);
  });

  test('a disabled key the role may not delete stays disabled; the new key serves, and stays', async () => {
    const { fake, logger, run } = await setup();
    const first = await run(gatewayInput(KEYED));
    fake.account.apiKeys.get(first.apiKeyId!)!.enabled = false;
    fake.faults.deny('DeleteApiKey');

    const second = await run(gatewayInput(KEYED));
    expect(second.apiKeyId).not.toBe(first.apiKeyId);
    expect(fake.account.apiKeys.get(first.apiKeyId!)!.enabled).toBe(false);
    expect(logger.text('warning')).toMatch(new RegExp(`Could not delete.*${first.apiKeyId}`, 's'));

    fake.calls.clear();
    await expect(run(gatewayInput(KEYED))).resolves.toMatchObject({ apiKeyId: second.apiKeyId });
    expect(calls(fake)).not.toContain('CreateApiKey');
    expect(calls(fake)).not.toContain('UpdateApiKey');
    expect(fake.account.apiKeys.get(first.apiKeyId!)!.enabled).toBe(false);
  });

  test('an API made before binary support gets */* and one deployment', async () => {
    const { fake, run } = await setup();
    await run();
    const api = onlyApi(fake);
    api.binaryMediaTypes = [];
    fake.calls.clear();

    await expect(run()).resolves.toMatchObject({ changed: true });
    expect(writes(fake)).toEqual(['UpdateRestApi', 'CreateDeployment']);
    expect(api.binaryMediaTypes).toEqual(['*/*']);
    fake.calls.clear();
    await expect(run()).resolves.toMatchObject({ changed: false });
  });

  test('an integration pointing elsewhere is reconnected and redeployed', async () => {
    const { fake, run } = await setup();
    await run();
    methods(fake)['/{proxy+}']!.methodIntegration.uri =
      `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/other/invocations`;
    fake.calls.clear();

    await run();
    expect(writes(fake)).toEqual(['PutIntegration', 'CreateDeployment']);
    expect(methods(fake)['/{proxy+}']!.methodIntegration.uri).toBe(URI);
  });
});
