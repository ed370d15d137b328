/**
 * The generated deploy policy allows every AWS call the action makes, for
 * every gateway kind, and little else.
 *
 * (a) The calls written out in policy-coverage-calls.ts, checked one by one.
 * (b) The scenario: the real deploy, redeploy, rollback, undeploy and prune
 *     modules run against the stateful fake AWS, every call recorded and
 *     checked (see policy-coverage-scenario.ts; it runs once those modules
 *     and test/support/fake-aws.ts exist).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy, type DeployPolicyOptions } from '../../src/iam/deploy-policy.js';
import { isAllowed } from '../../src/iam/policy-check.js';
import type { GatewayKind } from '../../src/settings/settings.js';
import { checkCalls, formatViolations, operations, type RecordedCall } from '../support/policy-recorder.js';
import {
  ACCOUNT,
  BUCKET,
  DEPENDENCIES_LAYER,
  DEPLOY_BY_GATEWAY,
  DEPLOY_COMMON,
  FUNCTION,
  KEEP_WARM,
  PROJECT,
  PROVISIONED_CONCURRENCY,
  REGION,
  ROLE_ARN,
  UNDEPLOY_BY_GATEWAY,
  UNDEPLOY_COMMON,
} from './policy-coverage-calls.js';
import { SCENARIO_FILES, type Recorded } from './policy-coverage-scenario.js';

const KINDS: GatewayKind[] = ['http-api', 'rest-api', 'function-url', 'none'];
const scope = { region: REGION, accountId: ACCOUNT };

function options(
  gateway: DeployPolicyOptions['gateway'],
  extra: Partial<DeployPolicyOptions> = {},
): DeployPolicyOptions {
  return {
    project: PROJECT,
    region: REGION,
    accountId: ACCOUNT,
    gateway,
    managesExecutionRole: true,
    ...extra,
  };
}

function expectAllowed(doc: ReturnType<typeof deployRolePolicy>, calls: RecordedCall[]): void {
  const violations = checkCalls(doc, calls, scope);
  expect(formatViolations(violations)).toBe('');
}

describe('(a) the deploy policy allows every call of the action', () => {
  describe.each(KINDS)('gateway %s', (kind) => {
    const calls = [
      ...DEPLOY_COMMON,
      ...DEPLOY_BY_GATEWAY[kind],
      ...UNDEPLOY_COMMON,
      ...UNDEPLOY_BY_GATEWAY[kind],
    ];

    it('deploy, redeploy, rollback, undeploy and prune', () => {
      expectAllowed(deployRolePolicy(options(kind)), calls);
    });

    it('with keep-warm, provisioned concurrency and the dependencies layer', () => {
      const doc = deployRolePolicy(
        options(kind, { keepWarm: true, provisionedConcurrency: true, layers: true }),
      );
      expectAllowed(doc, [...calls, ...KEEP_WARM, ...PROVISIONED_CONCURRENCY, ...DEPENDENCIES_LAYER]);
    });

    it('is also covered by the policy for all gateways', () => {
      expectAllowed(deployRolePolicy(options('all')), calls);
    });
  });

  it('every front door of every kind is removable with gateway all', () => {
    const all = KINDS.flatMap((k) => [...DEPLOY_BY_GATEWAY[k], ...UNDEPLOY_BY_GATEWAY[k]]);
    expectAllowed(deployRolePolicy(options('all')), all);
  });
});

describe('(a) and nothing much else', () => {
  const doc = deployRolePolicy(options('http-api'));
  const deny = (action: string, resource: string, context?: Record<string, string>) =>
    expect(isAllowed(doc, action, resource, context)).toBe(false);

  it('keeps to the project: functions, objects, roles, logs of other projects are denied', () => {
    deny('lambda:UpdateFunctionCode', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:other-main`);
    deny('lambda:DeleteFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:shopping-main`);
    deny('s3:PutObject', `arn:aws:s3:::${BUCKET}/lambda-deploy/other/x.zip`);
    deny('s3:GetObject', `arn:aws:s3:::another-bucket/lambda-deploy/${PROJECT}/x.zip`);
    deny('s3:DeleteBucket', `arn:aws:s3:::${BUCKET}`);
    deny('iam:PutRolePolicy', `arn:aws:iam::${ACCOUNT}:role/admin`);
    deny('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/admin`, {
      'iam:PassedToService': 'lambda.amazonaws.com',
    });
    deny('logs:DeleteLogGroup', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/other-main`);
  });

  it('passes the execution role only to Lambda', () => {
    deny('iam:PassRole', ROLE_ARN, { 'iam:PassedToService': 'ec2.amazonaws.com' });
    expect(isAllowed(doc, 'iam:PassRole', ROLE_ARN, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe(
      true,
    );
  });

  it('grants each front door only what its kind needs', () => {
    deny('apigateway:POST', `arn:aws:apigateway:${REGION}::/restapis`);
    deny('apigateway:DELETE', `arn:aws:apigateway:${REGION}::/usageplans/u1`);
    deny('lambda:CreateFunctionUrlConfig', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION}:live`);
    deny('lambda:InvokeFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION}:live`);
    deny('apigateway:POST', `arn:aws:apigateway:us-east-1::/apis`);
    const fnUrl = deployRolePolicy(options('function-url'));
    expect(isAllowed(fnUrl, 'apigateway:POST', `arn:aws:apigateway:${REGION}::/apis`)).toBe(false);
    // Undeploy still lists every kind, read-only.
    expect(isAllowed(fnUrl, 'apigateway:GET', `arn:aws:apigateway:${REGION}::/restapis`)).toBe(true);
    expect(isAllowed(fnUrl, 'apigateway:GET', `arn:aws:apigateway:${REGION}::/restapis/a1`)).toBe(false);
  });

  it('leaves out keep-warm, provisioned concurrency and layers until asked', () => {
    for (const call of [
      ...KEEP_WARM.filter((c) => c.service === 'events'),
      ...PROVISIONED_CONCURRENCY,
      ...DEPENDENCIES_LAYER.slice(0, 4),
    ])
      expect(checkCalls(doc, [call], scope)).toHaveLength(1);
  });

  it('with s3-bucket given, only reads and writes the prefix, never sets the bucket up', () => {
    const own = deployRolePolicy(options('http-api', { bucket: 'team-artifacts' }));
    expect(isAllowed(own, 's3:PutObject', 'arn:aws:s3:::team-artifacts/lambda-deploy/shop/a.zip')).toBe(true);
    expect(isAllowed(own, 's3:ListBucket', 'arn:aws:s3:::team-artifacts')).toBe(true);
    expect(isAllowed(own, 's3:CreateBucket', 'arn:aws:s3:::team-artifacts')).toBe(false);
    expect(isAllowed(own, 's3:PutObject', `arn:aws:s3:::${BUCKET}/lambda-deploy/shop/a.zip`)).toBe(false);
  });

  it('with execution-role-arn given, manages no role and passes only that one', () => {
    const given = 'arn:aws:iam::123456789012:role/service-role/shop-fn';
    const doc2 = deployRolePolicy(
      options('http-api', { managesExecutionRole: false, executionRoleArn: given }),
    );
    expect(isAllowed(doc2, 'iam:PassRole', given, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe(
      true,
    );
    expect(isAllowed(doc2, 'iam:CreateRole', ROLE_ARN)).toBe(false);
    expect(isAllowed(doc2, 'iam:PassRole', ROLE_ARN, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe(
      false,
    );
  });

  it('region * covers every region', () => {
    const any = deployRolePolicy({ ...options('http-api'), region: '*' });
    expect(
      isAllowed(any, 'lambda:GetFunction', `arn:aws:lambda:ap-south-1:${ACCOUNT}:function:shop-main`),
    ).toBe(true);
    expect(
      isAllowed(
        any,
        's3:PutObject',
        `arn:aws:s3:::lambda-deploy-${ACCOUNT}-ap-south-1/lambda-deploy/shop/a.zip`,
      ),
    ).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// (b) The real modules against the stateful fakes, every call recorded.

const root = new URL('../../', import.meta.url);
const scenarioReady = SCENARIO_FILES.every((file) => existsSync(new URL(file, root)));
const describeScenario = scenarioReady ? describe : describe.skip;

describeScenario('(b) every call the real modules make is allowed', () => {
  const load = () => import('./policy-coverage-scenario.js');
  const check = (
    recorded: Recorded,
    policy: Partial<DeployPolicyOptions> & Pick<DeployPolicyOptions, 'gateway'>,
  ) => {
    const doc = deployRolePolicy({
      project: PROJECT,
      region: recorded.region,
      accountId: recorded.accountId,
      managesExecutionRole: true,
      ...policy,
    });
    expect(recorded.calls.length).toBeGreaterThan(0);
    expect(formatViolations(checkCalls(doc, recorded.calls, recorded))).toBe('');
    // The check has teeth: the same calls are refused to another project's policy.
    const other = deployRolePolicy({
      project: 'other',
      region: recorded.region,
      accountId: recorded.accountId,
      managesExecutionRole: true,
      ...policy,
    });
    expect(checkCalls(other, recorded.calls, recorded).length).toBeGreaterThan(0);
  };
  const FRONT_DOOR_OPS: Record<GatewayKind, string[]> = {
    'http-api': ['apiGatewayV2 CreateApi', 'apiGatewayV2 CreateRoute', 'lambda AddPermission'],
    'rest-api': [
      'apiGateway CreateRestApi',
      'apiGateway PutIntegration',
      'apiGateway CreateApiKey',
      'apiGateway CreateUsagePlan',
    ],
    'function-url': ['lambda CreateFunctionUrlConfig', 'lambda AddPermission'],
    none: [],
  };

  it('deploy, redeploy, unchanged redeploy and rollback', async () => {
    const recorded = await (await load()).deployScenario();
    // The scenario really created the bucket, the role and the function, and rolled back.
    for (const op of [
      's3 CreateBucket',
      'iam CreateRole',
      'lambda CreateFunction',
      'lambda UpdateFunctionCode',
      'lambda UpdateAlias',
    ])
      expect(operations(recorded.calls)).toContain(op);
    for (const kind of KINDS) check(recorded, { gateway: kind });
  });

  it('deploy to the bucket the user gave', async () => {
    const recorded = await (await load()).deployScenario({ s3Bucket: 'team-artifacts' });
    expect(operations(recorded.calls)).not.toContain('s3 CreateBucket');
    check(recorded, { gateway: 'none', bucket: 'team-artifacts' });
  });

  it.each(KINDS)('front door %s: created, then redeployed', async (kind) => {
    const recorded = await (await load()).gatewayScenario(kind);
    for (const op of FRONT_DOOR_OPS[kind]) expect(operations(recorded.calls)).toContain(op);
    if (kind === 'none') expect(recorded.calls).toEqual([]);
    if (recorded.calls.length) check(recorded, { gateway: kind });
  });

  it.each(KINDS)('undeploy and prune of %s stages', async (kind) => {
    const recorded = await (await load()).cleanupScenario(kind, false);
    for (const op of ['tagging GetResources', 'lambda DeleteFunction', 'logs DeleteLogGroup'])
      expect(operations(recorded.calls)).toContain(op);
    check(recorded, { gateway: kind });
  });

  it.each(KINDS)('undeploy and prune of %s stages with keep-warm rules', async (kind) => {
    const recorded = await (await load()).cleanupScenario(kind, true);
    expect(operations(recorded.calls)).toContain('events DeleteRule');
    check(recorded, { gateway: kind, keepWarm: true });
  });

  it('keep-warm, provisioned concurrency and the dependencies layer, with those options on', async () => {
    const recorded = await (await load()).warmAndLayerScenario();
    for (const op of [
      'events PutRule',
      'events DeleteRule',
      'lambda PutProvisionedConcurrencyConfig',
      'lambda PublishLayerVersion',
      'lambda DeleteLayerVersion',
    ])
      expect(operations(recorded.calls)).toContain(op);
    check(recorded, { gateway: 'none', keepWarm: true, provisionedConcurrency: true, layers: true });
    // Without the options those calls are refused.
    const plain = deployRolePolicy({
      project: PROJECT,
      region: recorded.region,
      accountId: recorded.accountId,
      managesExecutionRole: true,
      gateway: 'none',
    });
    expect(checkCalls(plain, recorded.calls, recorded).length).toBeGreaterThan(5);
  });
});
