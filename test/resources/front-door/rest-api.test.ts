import { describe, expect, test } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import {
  CreateRestApiCommand,
  PutIntegrationCommand,
  UpdateMethodCommand,
} from '@aws-sdk/client-api-gateway';
import { ensureGateway } from '../../../src/resources/front-door/gateway.js';
import { type GatewayInput } from '../../../src/resources/front-door/gateway-types.js';
import { stageTags } from '../../../src/model/tags.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { recordingSleep } from '../../../src/util/sleep.js';
import { ACCOUNT, FakeAws, gatewayInput, REGION, stageContext } from '../../gateways/fake-aws.js';

function setup() {
  const fake = new FakeAws();
  const logger = new RecordingLogger();
  const sleep = recordingSleep();
  const run = (input: GatewayInput = gatewayInput()) =>
    ensureGateway('rest-api', fake.clients, input, { logger, sleep, random: () => 1 });
  return { fake, logger, sleep, run };
}

const WRITES = /^(Create|Update|Put|Add|Remove|Delete)/;
const writes = (fake: FakeAws) => fake.calls.filter((c) => WRITES.test(c));
const ALIAS_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:shop-pr-42:live`;
const URI = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${ALIAS_ARN}/invocations`;
const KEYED = {
  apiKey: true,
  throttleRate: 5,
  throttleBurst: 10,
  quota: { limit: 1000, period: 'DAY' as const },
};

function methods(fake: FakeAws) {
  const api = [...fake.restApis.values()][0]!;
  return Object.fromEntries(api.resources.map((r) => [r.path, r.resourceMethods?.ANY]));
}

describe('rest-api', () => {
  test('first run: regional API, ANY / and ANY /{proxy+} to the alias, permission, deployment and stage', async () => {
    const { fake, run } = setup();
    const result = await run();

    expect(fake.calls).toEqual([
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
    const api = [...fake.restApis.values()][0]!;
    const apiId = api.api.id!;
    expect(result).toEqual({
      kind: 'rest-api',
      url: `https://${apiId}.execute-api.${REGION}.amazonaws.com/pr-42`,
      apiId,
      changed: true,
    });
    expect(fake.v1Mock).toHaveReceivedCommandWith(CreateRestApiCommand, {
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
      deploymentId: api.deployments[0],
      tags: stageContext().tags,
    });
    expect(api.deployments).toHaveLength(1);
    expect(fake.policies.get('shop-pr-42:live')).toEqual([
      expect.objectContaining({
        Sid: 'lambda-deploy-rest-api',
        Principal: { Service: 'apigateway.amazonaws.com' },
        Condition: {
          ArnLike: { 'AWS:SourceArn': `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/*/*/*` },
        },
      }),
    ]);
  });

  test('an unchanged rerun reads four times, writes nothing and makes no deployment', async () => {
    const { fake, run } = setup();
    const first = await run();
    fake.resetCalls();

    await expect(run()).resolves.toEqual({ ...first, changed: false });
    expect(fake.calls).toEqual(['GetRestApis', 'GetResources', 'GetPolicy', 'GetStage']);
    expect([...fake.restApis.values()][0]!.deployments).toHaveLength(1);
  });

  test('stage throttling without api-key: set, changed, removed, never redeployed', async () => {
    const { fake, run } = setup();
    await run();
    const api = [...fake.restApis.values()][0]!;
    const throttle = () => api.stages.get('pr-42')!.methodSettings?.['*/*'];

    fake.resetCalls();
    await expect(run(gatewayInput({ throttleRate: 20, throttleBurst: 40 }))).resolves.toMatchObject({
      changed: true,
    });
    expect(writes(fake)).toEqual(['UpdateStage']);
    expect(throttle()).toMatchObject({ throttlingRateLimit: 20, throttlingBurstLimit: 40 });

    fake.resetCalls();
    await run(gatewayInput({ throttleRate: 25, throttleBurst: 40 }));
    expect(writes(fake)).toEqual(['UpdateStage']);
    expect(throttle()).toMatchObject({ throttlingRateLimit: 25 });

    // Only the rate given: API Gateway's default burst is not fought over.
    fake.resetCalls();
    await expect(run(gatewayInput({ throttleRate: 25 }))).resolves.toMatchObject({ changed: false });

    fake.resetCalls();
    await run(gatewayInput());
    expect(writes(fake)).toEqual(['UpdateStage']);
    expect(throttle()).toBeUndefined();
    expect(api.deployments).toHaveLength(1);
  });

  test('api-key turned on: both methods require it, one new deployment, a plan and one key, value masked', async () => {
    const { fake, run, logger } = setup();
    await run();
    fake.resetCalls();

    const result = await run(gatewayInput(KEYED));

    const m = methods(fake);
    expect(m['/']!.apiKeyRequired).toBe(true);
    expect(m['/{proxy+}']!.apiKeyRequired).toBe(true);
    expect(fake.v1Mock).toHaveReceivedCommandTimes(UpdateMethodCommand, 2);
    expect(fake.v1Mock).not.toHaveReceivedCommand(PutIntegrationCommand);
    expect(writes(fake)).toEqual([
      'UpdateMethod',
      'UpdateMethod',
      'CreateDeployment',
      'CreateApiKey',
      'CreateUsagePlan',
      'CreateUsagePlanKey',
    ]);
    const api = [...fake.restApis.values()][0]!;
    expect(api.deployments).toHaveLength(2);
    expect(api.stages.get('pr-42')!.deploymentId).toBe(api.deployments[1]);

    const [key] = [...fake.apiKeys.values()];
    const [plan] = [...fake.plans.values()];
    expect(key).toMatchObject({ name: 'shop-pr-42', enabled: true, tags: stageContext().tags });
    expect(plan!.plan).toMatchObject({
      name: 'shop-pr-42',
      apiStages: [{ apiId: api.api.id, stage: 'pr-42' }],
      throttle: { rateLimit: 5, burstLimit: 10 },
      quota: { limit: 1000, period: 'DAY', offset: 0 },
      tags: stageContext().tags,
    });
    expect([...plan!.keys]).toEqual([key!.id]);
    // With a key, the plan throttles each caller; the stage is left alone.
    expect(api.stages.get('pr-42')!.methodSettings?.['*/*']).toBeUndefined();

    expect(result).toMatchObject({ apiKeyId: key!.id, apiKeyValue: key!.value, changed: true });
    expect(logger.secrets).toContain(key!.value);
    for (const line of logger.lines) expect(line.message).not.toContain(key!.value);
  });

  test('a rerun with api-key keeps the same key and writes nothing', async () => {
    const { fake, run, logger } = setup();
    const first = await run(gatewayInput(KEYED));
    fake.resetCalls();
    logger.secrets.length = 0;

    const second = await run(gatewayInput(KEYED));

    expect(second).toEqual({ ...first, changed: false });
    expect(fake.calls).toEqual([
      'GetRestApis',
      'GetResources',
      'GetPolicy',
      'GetStage',
      'GetApiKeys',
      'GetUsagePlans',
    ]);
    expect(fake.apiKeys.size).toBe(1);
    expect(logger.secrets).toEqual([first.apiKeyValue]);
  });

  test('the preview role may not list /apikeys: the key is found through its usage plan, nothing is written', async () => {
    const { fake, run } = setup();
    fake.deny('GetApiKeys'); // as IAM answers the preview role
    const first = await run(gatewayInput(KEYED));
    fake.resetCalls();
    const second = await run(gatewayInput(KEYED));
    expect(second).toEqual({ ...first, changed: false });
    expect(writes(fake)).toEqual([]);
    expect(fake.calls).toEqual(
      expect.arrayContaining(['GetApiKeys', 'GetUsagePlans', 'GetUsagePlanKeys', 'GetApiKey']),
    );
    expect(fake.apiKeys.size).toBe(1);
  });

  test('quota and throttle changes update the plan in place, without a deployment', async () => {
    const { fake, run } = setup();
    await run(gatewayInput(KEYED));
    fake.resetCalls();

    await run(gatewayInput({ ...KEYED, throttleRate: 7, quota: { limit: 50, period: 'WEEK' } }));

    expect(writes(fake)).toEqual(['UpdateUsagePlan']);
    expect([...fake.plans.values()][0]!.plan).toMatchObject({
      throttle: { rateLimit: 7, burstLimit: 10 },
      quota: { limit: 50, period: 'WEEK' },
    });
  });

  test('api-key turned off: methods stop requiring it (one deployment), the stage throttles instead', async () => {
    const { fake, run } = setup();
    await run(gatewayInput(KEYED));
    fake.resetCalls();

    await run(gatewayInput({ throttleRate: 5, throttleBurst: 10 }));

    expect(writes(fake)).toEqual(['UpdateMethod', 'UpdateMethod', 'CreateDeployment', 'UpdateStage']);
    expect(methods(fake)['/']!.apiKeyRequired).toBe(false);
  });

  test('decoys with the same name but other tags are not reused: API, key and plan', async () => {
    const { fake, run } = setup();
    const otherTags = stageTags({ project: 'shop', stage: 'pr-43', repository: 'octo/shop', ref: 'pull/43' });
    const decoyApis = [
      fake.addRestApi('shop-pr-42', otherTags),
      fake.addRestApi('shop-pr-42', {}),
      fake.addRestApi('x', {}),
    ];
    const decoyKey = fake.addApiKey('shop-pr-42', otherTags);
    const prefixKey = fake.addApiKey('shop-pr-421', stageContext().tags); // nameQuery matches prefixes

    const result = await run(gatewayInput(KEYED));

    expect(decoyApis).not.toContain(result.apiId);
    expect(fake.callsOf('GetRestApis')).toHaveLength(2);
    expect([decoyKey.id, prefixKey.id]).not.toContain(result.apiKeyId);
    expect(fake.apiKeys.size).toBe(3);
    expect(result.apiKeyValue).not.toBe(decoyKey.value);
  });

  test('throttled CreateRestApi and CreateDeployment back off and succeed', async () => {
    const { fake, run, sleep } = setup();
    fake.throttle('CreateRestApi', 2);
    fake.throttle('CreateDeployment', 2);

    await expect(run()).resolves.toMatchObject({ changed: true });

    expect(fake.callsOf('CreateRestApi')).toHaveLength(3);
    expect(fake.callsOf('CreateDeployment')).toHaveLength(3);
    expect(sleep.calls).toEqual([4000, 8000, 4000, 8000]);
    expect(fake.restApis.size).toBe(1);
  });

  test('a permission that already exists is not an error', async () => {
    const { fake, run } = setup();
    await run();
    fake.resetCalls();
    fake.blindOnce('GetPolicy');
    await expect(run()).resolves.toMatchObject({ changed: false });
    expect(writes(fake)).toEqual(['AddPermission']);
    expect(fake.policies.get('shop-pr-42:live')).toHaveLength(1);
  });

  test('a key already linked to the plan is not an error (stopped run, stale read)', async () => {
    const { fake, run } = setup();
    const first = await run(gatewayInput(KEYED));
    fake.resetCalls();
    fake.blindOnce('GetUsagePlans');

    await expect(run(gatewayInput(KEYED))).resolves.toMatchObject({
      apiKeyId: first.apiKeyId,
      apiKeyValue: first.apiKeyValue,
    });
    expect(writes(fake)).toEqual(['CreateUsagePlanKey']);
    expect(fake.plans.size).toBe(1);
  });

  test('a run stopped before linking the key converges: same key, the plan is found and linked', async () => {
    const { fake, run } = setup();
    fake.deny('CreateUsagePlanKey');
    await expect(run(gatewayInput(KEYED))).rejects.toThrow(
      /^Could not link API key \w+ to usage plan \w+ for stage pr-42: .*The deploy role needs apigateway:POST on arn:aws:apigateway:eu-west-1::\/usageplans\/\w+\/keys\.$/,
    );
    const keyId = [...fake.apiKeys.keys()][0];
    fake.allow('CreateUsagePlanKey');
    fake.resetCalls();

    const result = await run(gatewayInput(KEYED));
    expect(result.apiKeyId).toBe(keyId);
    expect(writes(fake)).toEqual(['CreateUsagePlanKey']);
    expect(fake.plans.size).toBe(1);
    expect(fake.apiKeys.size).toBe(1);
  });

  test('a disabled key is enabled again, not replaced', async () => {
    const { fake, run } = setup();
    const first = await run(gatewayInput(KEYED));
    fake.apiKeys.get(first.apiKeyId!)!.enabled = false;
    fake.resetCalls();

    await expect(run(gatewayInput(KEYED))).resolves.toMatchObject({
      apiKeyId: first.apiKeyId,
      changed: true,
    });
    expect(writes(fake)).toEqual(['UpdateApiKey']);
    expect(fake.apiKeys.get(first.apiKeyId!)!.enabled).toBe(true);
  });

  test('an API made before binary support gets */* and one deployment', async () => {
    const { fake, run } = setup();
    await run();
    const api = [...fake.restApis.values()][0]!;
    delete api.api.binaryMediaTypes;
    fake.resetCalls();

    await expect(run()).resolves.toMatchObject({ changed: true });
    expect(writes(fake)).toEqual(['UpdateRestApi', 'CreateDeployment']);
    expect(api.api.binaryMediaTypes).toEqual(['*/*']);
    fake.resetCalls();
    await expect(run()).resolves.toMatchObject({ changed: false });
  });

  test('an integration pointing elsewhere is reconnected and redeployed', async () => {
    const { fake, run } = setup();
    await run();
    methods(fake)['/{proxy+}']!.methodIntegration!.uri =
      'arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/other/invocations';
    fake.resetCalls();

    await run();
    expect(writes(fake)).toEqual(['PutIntegration', 'CreateDeployment']);
    expect(methods(fake)['/{proxy+}']!.methodIntegration!.uri).toBe(URI);
  });
});
