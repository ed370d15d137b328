/**
 * The generated deploy policy allows every AWS call the action makes, for
 * every gateway kind, and little else.
 *
 * (a) The calls written out in policy-coverage-calls.ts, checked one by one.
 * (b) The scenario: the real deploy, redeploy, rollback, undeploy and prune
 *     modules run against the fake AWS (fakes/aws), every call recorded and
 *     checked (see policy-coverage-scenario.ts).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { PROBE_FUNCTION } from '../../src/resources/function/function-made-by.js';
import type { DeployPolicyOptions, DeployRoleKind } from '../../src/iam/deploy-policy-options.js';
import { isAllowed } from '../support/policy-check.js';
import type { GatewayKind } from '../../src/model/settings.js';
import { checkCalls, formatViolations, operations, type RecordedCall } from '../support/policy-recorder.js';
import {
  ACCOUNT,
  BUCKET,
  PREVIEW_ROLE_ARN,
  PROJECT,
  REGION,
  ROLE_ARN,
  stageCalls,
} from './policy-coverage-calls.js';
import { SCENARIO_FILES, type Recorded } from './policy-coverage-scenario.js';

const KINDS: GatewayKind[] = ['http-api', 'rest-api', 'function-url', 'none'];
const scope = { region: REGION, accountId: ACCOUNT };
const PREVIEW = stageCalls('pr-7');
const PRODUCTION = stageCalls('main');
type Calls = ReturnType<typeof stageCalls>;

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
    repository: 'octo/shop',
    ...extra,
  };
}

const roleDoc = (role: DeployRoleKind, gateway: DeployPolicyOptions['gateway'], extra = {}) =>
  deployRolePolicy(options(gateway, { role, ...extra }));

function stageOf(s: Calls, kind: GatewayKind): RecordedCall[] {
  return [
    ...s.DEPLOY_COMMON,
    ...s.DEPLOY_BY_GATEWAY[kind],
    ...s.UNDEPLOY_COMMON,
    ...s.UNDEPLOY_BY_GATEWAY[kind],
  ];
}

function expectAllowed(doc: ReturnType<typeof deployRolePolicy>, calls: RecordedCall[], s: Calls): void {
  expect(formatViolations(checkCalls(doc, calls, scope, s.facts))).toBe('');
}

/** Calls that change something (or, for Invoke, run it): everything the preview role must never do to production. */
const WRITE = /^(Create|Update|Put|Delete|Publish|Add|Remove|Tag|Untag|Invoke)/;

describe('(a) the deploy policies allow every call of the action', () => {
  describe.each(KINDS)('gateway %s', (kind) => {
    it('the preview role: deploy, redeploy, rollback, undeploy of a preview stage', () => {
      expectAllowed(roleDoc('preview', kind), stageOf(PREVIEW, kind), PREVIEW);
    });

    it('the production role: the same on the protected stage, and on previews (a single-role setup)', () => {
      expectAllowed(roleDoc('production', kind), stageOf(PRODUCTION, kind), PRODUCTION);
      expectAllowed(roleDoc('production', kind), stageOf(PREVIEW, kind), PREVIEW);
    });

    it('with keep-warm, provisioned concurrency and the dependencies layer', () => {
      const extra = { keepWarm: true, provisionedConcurrency: true, layers: true };
      for (const [role, s] of [
        ['preview', PREVIEW],
        ['production', PRODUCTION],
      ] as const)
        expectAllowed(
          roleDoc(role, kind, extra),
          [...stageOf(s, kind), ...s.KEEP_WARM, ...s.PROVISIONED_CONCURRENCY, ...s.DEPENDENCIES_LAYER],
          s,
        );
    });

    it('is also covered by the policies for all gateways', () => {
      expectAllowed(roleDoc('preview', 'all'), stageOf(PREVIEW, kind), PREVIEW);
      expectAllowed(roleDoc('production', 'all'), stageOf(PRODUCTION, kind), PRODUCTION);
    });

    it('the preview role refuses every write of the protected stage (S3 artifacts aside)', () => {
      const extra = { keepWarm: true, provisionedConcurrency: true };
      const calls = [
        ...stageOf(PRODUCTION, kind),
        ...PRODUCTION.KEEP_WARM,
        ...PRODUCTION.PROVISIONED_CONCURRENCY,
      ];
      const writes = calls.filter((c) => c.service !== 's3' && WRITE.test(c.command));
      const refused = new Set(
        checkCalls(roleDoc('preview', 'all', extra), writes, scope, PRODUCTION.facts).map((v) => v.call),
      );
      expect(writes.filter((c) => !refused.has(c)).map((c) => `${c.service} ${c.command}`)).toEqual([]);
      expect(refused.size).toBe(writes.length);
    });
  });

  it('every front door of every kind is removable with gateway all', () => {
    for (const [role, s] of [
      ['preview', PREVIEW],
      ['production', PRODUCTION],
    ] as const) {
      const all = KINDS.flatMap((k) => [...s.DEPLOY_BY_GATEWAY[k], ...s.UNDEPLOY_BY_GATEWAY[k]]);
      expectAllowed(roleDoc(role, 'all'), all, s);
    }
  });
});

describe('(a) and nothing much else', () => {
  const doc = deployRolePolicy(options('http-api'));
  const FUNCTION = PREVIEW.FUNCTION;
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

  it('passes the execution roles only to Lambda; the preview role only its own', () => {
    const lambda = { 'iam:PassedToService': 'lambda.amazonaws.com' };
    deny('iam:PassRole', ROLE_ARN, { 'iam:PassedToService': 'ec2.amazonaws.com' });
    expect(isAllowed(doc, 'iam:PassRole', ROLE_ARN, lambda)).toBe(true);
    expect(isAllowed(doc, 'iam:PassRole', PREVIEW_ROLE_ARN, lambda)).toBe(true);
    const preview = roleDoc('preview', 'http-api');
    expect(isAllowed(preview, 'iam:PassRole', PREVIEW_ROLE_ARN, lambda)).toBe(true);
    expect(isAllowed(preview, 'iam:PassRole', ROLE_ARN, lambda)).toBe(false);
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
      ...PREVIEW.KEEP_WARM.filter((c) => c.service === 'events'),
      ...PREVIEW.PROVISIONED_CONCURRENCY,
      ...PREVIEW.DEPENDENCIES_LAYER.slice(0, 4),
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

describe('(b) every call the real modules make is allowed', () => {
  // Never skipped: a scenario file gone missing fails here, by name.
  it('the modules the scenario drives are all there', () => {
    expect(SCENARIO_FILES.filter((file) => !existsSync(new URL(file, root)))).toEqual([]);
  });

  const load = () => import('./policy-coverage-scenario.js');
  type Policy = Partial<DeployPolicyOptions> & Pick<DeployPolicyOptions, 'gateway'>;
  const docFor = (recorded: Recorded, policy: Policy, project = PROJECT) =>
    deployRolePolicy({
      project,
      region: recorded.region,
      accountId: recorded.accountId,
      managesExecutionRole: true,
      repository: recorded.repository,
      ...policy,
    });
  const violations = (recorded: Recorded, policy: Policy, calls = recorded.calls, project?: string) =>
    checkCalls(docFor(recorded, policy, project), calls, recorded);
  /**
   * A call on a function, keep-warm rule or log group that had no lambda-deploy:name tag (one not made
   * yet, or gone): IAM refuses it to the preview role.
   */
  const onUntaggedFunction = (c: RecordedCall) =>
    ((c.service === 'lambda' && typeof c.input.FunctionName === 'string') ||
      (c.service === 'events' && typeof (c.input.Name ?? c.input.Rule ?? c.input.ResourceARN) === 'string') ||
      // A log group gone already (undeploy looks again once the function is gone), or made by Lambda untagged.
      (c.service === 'logs' && typeof (c.input.logGroupName ?? c.input.resourceArn) === 'string')) &&
    !['CreateFunctionCommand', 'CreateLogGroupCommand'].includes(c.command) &&
    !Object.values(c.resourceTags ?? {}).some((t) => t['lambda-deploy:name'] !== undefined);
  /** Allowed by the given role (and by production, which may do all a preview does); refused to another project. */
  const check = (recorded: Recorded, policy: Policy, all = recorded.calls, alsoRefused: string[] = []) => {
    // A preview's code tries to list /apikeys once and carries on without it when IAM refuses
    // (the fakes answer AccessDenied there, as IAM answers the preview role): refused, as it must be.
    const refusedCommands = ['GetApiKeysCommand', ...alsoRefused];
    const refused =
      policy.role === 'preview'
        ? all.filter((c) => refusedCommands.includes(c.command) || onUntaggedFunction(c))
        : [];
    const calls = all.filter((c) => !refused.includes(c));
    expect(violations(recorded, policy, refused)).toHaveLength(refused.length);
    expect(calls.length).toBeGreaterThan(0);
    expect(formatViolations(violations(recorded, policy, calls))).toBe('');
    expect(formatViolations(violations(recorded, { ...policy, role: 'production' }, calls))).toBe('');
    // The check has teeth: the same calls are refused to another project's policy.
    expect(violations(recorded, policy, calls, 'other').length).toBeGreaterThan(0);
  };
  const FRONT_DOOR_OPS: Record<GatewayKind, string[]> = {
    'http-api': ['apiGatewayV2 CreateApi', 'apiGatewayV2 CreateRoute', 'lambda AddPermission'],
    'rest-api': ['apiGateway CreateRestApi', 'apiGateway PutIntegration'],
    'function-url': ['lambda CreateFunctionUrlConfig', 'lambda AddPermission'],
    none: [],
  };

  it('preview stage: deploy, redeploy, unchanged redeploy and rollback, with the preview role', async () => {
    const recorded = await (await load()).deployScenario();
    for (const op of [
      'lambda CreateFunction',
      'lambda UpdateFunctionCode',
      'lambda UpdateAlias',
      'iam GetRole',
      'logs CreateLogGroup',
      'logs ListTagsForResource',
    ])
      expect(operations(recorded.calls)).toContain(op);
    // Setup made the bucket and the preview execution role: a preview writes no IAM.
    for (const op of ['s3 CreateBucket', 'iam CreateRole', 'iam PutRolePolicy', 'iam TagRole'])
      expect(operations(recorded.calls)).not.toContain(op);
    for (const kind of KINDS) check(recorded, { gateway: kind, role: 'preview' });
  });

  it('production stage: the same with the production role, which the preview role cannot do', async () => {
    const recorded = await (await load()).deployScenario({ stage: 'main' });
    for (const op of [
      's3 CreateBucket',
      'iam CreateRole',
      'iam GetPolicyVersion',
      'iam PutRolePolicy',
      'lambda CreateFunction',
    ])
      expect(operations(recorded.calls)).toContain(op);
    for (const kind of KINDS) check(recorded, { gateway: kind, role: 'production' });
    const refused = violations(recorded, { gateway: 'all', role: 'preview' });
    const writes = recorded.calls.filter((c) => c.service !== 's3' && WRITE.test(c.command));
    expect(writes.length).toBeGreaterThan(10);
    expect(writes.filter((w) => !refused.some((v) => v.call === w)).map((c) => c.command)).toEqual([]);
  });

  it('deploy to the bucket the user gave', async () => {
    const recorded = await (await load()).deployScenario({ s3Bucket: 'team-artifacts' });
    expect(operations(recorded.calls)).not.toContain('s3 CreateBucket');
    check(recorded, { gateway: 'none', bucket: 'team-artifacts', role: 'preview' });
  });

  it.each(KINDS)('front door %s: created, then redeployed, for a preview', async (kind) => {
    const recorded = await (await load()).gatewayScenario(kind);
    for (const op of FRONT_DOOR_OPS[kind]) expect(operations(recorded.calls)).toContain(op);
    if (kind === 'none') expect(recorded.calls).toEqual([]);
    if (recorded.calls.length) check(recorded, { gateway: kind, role: 'preview' });
  });

  it.each(KINDS)('front door %s of the protected stage: production only', async (kind) => {
    const recorded = await (await load()).gatewayScenario(kind, 'main');
    if (kind === 'none') return expect(recorded.calls).toEqual([]);
    if (kind === 'rest-api')
      for (const op of ['CreateApiKey', 'CreateUsagePlan', 'CreateUsagePlanKey'])
        expect(operations(recorded.calls)).toContain(`apiGateway ${op}`);
    check(recorded, { gateway: kind, role: 'production' });
    const writes = recorded.calls.filter((c) => WRITE.test(c.command));
    const refused = violations(recorded, { gateway: kind, role: 'preview' }, writes);
    expect(refused.length).toBe(writes.length);
  });

  it.each(KINDS)('undeploy of a %s preview (preview role) and prune (production role)', async (kind) => {
    const recorded = await (await load()).cleanupScenario(kind, false);
    for (const op of [
      'tagging GetResources',
      'lambda DeleteFunction',
      'logs DeleteLogGroup',
      'lambda ListVersionsByFunction',
      's3 ListObjectsV2',
      's3 DeleteObject',
      'logs UntagResource',
    ])
      expect(operations(recorded.calls)).toContain(op);
    // A preview's usage plan made before the preview role lost usage plan writes cannot be detached
    // from its REST API by that role (a PATCH could attach production's stage as well): prune removes it.
    check(recorded, { gateway: kind, role: 'preview' }, recorded.undeployCalls, ['UpdateUsagePlanCommand']);
    check(recorded, { gateway: kind, role: 'production' });
    // Prune runs with the production role: the preview role deletes no slim archive, not even a preview's.
    const deletes = recorded.calls.filter((c) => c.command === 'DeleteObjectCommand');
    expect(violations(recorded, { gateway: kind, role: 'preview' }, deletes).length).toBe(deletes.length);
  });

  // The reusable workflow's cleanup role when the default branch is not a production branch.
  it.each(KINDS)(
    'prune of %s stages with the preview role: previews and branch stages go with their logs, the protected stage is only read, and refused',
    async (kind) => {
      const recorded = await (await load()).previewPruneScenario(kind);
      expect(recorded.lines.map((l) => [l.stage, l.action])).toEqual([
        ['feature-gone', 'removed'],
        ['main', 'kept'],
        ['pr-7', 'removed'],
      ]);
      for (const op of ['lambda DeleteFunction', 'logs DeleteLogGroup'])
        expect(operations(recorded.calls)).toContain(op);
      const policy = { gateway: kind, role: 'preview' as const, layers: true };
      // What IAM refuses the preview role, and prune carries on without: the protected stage's function
      // (read to list the stages, for a claimed log group, and for the layer's and slim archives' use: both
      // then kept), /apikeys,
      // a usage plan a preview made before the role lost those writes (as undeploy, above).
      const main = recorded.calls.filter(recorded.denied);
      expect(main.length).toBeGreaterThan(0);
      // Its log group too: asked whether this role (and so pull-request code) may read it, it is not left unchecked.
      expect([...new Set(main.map((c) => c.command))]).toEqual([
        'GetFunctionCommand',
        'ListTagsForResourceCommand',
      ]);
      expect(violations(recorded, policy, main)).toHaveLength(main.length);
      const refused = (c: RecordedCall) =>
        recorded.denied(c) ||
        onUntaggedFunction(c) ||
        ['GetApiKeysCommand', 'UpdateUsagePlanCommand'].includes(c.command);
      expect(
        formatViolations(
          violations(
            recorded,
            policy,
            recorded.calls.filter((c) => !refused(c)),
          ),
        ),
      ).toBe('');
      expect(recorded.layers).toEqual([]);
      // A hand-made function's group a pull request tagged: the preview role may not read the function.
      expect(recorded.claimed).toEqual({ claimed: [], unchecked: ['/aws/lambda/shop-legacy'] });
      expect(recorded.slim).toMatchObject({
        deleted: [],
        skipped: expect.stringContaining('the function shop-main could not be read'),
      });
    },
  );

  // releaseClaimedLogGroups asks for a function no stage is named to tell which role it has.
  it('reading a function lambda-deploy did not make (the probe): the production role may, the preview role may not', () => {
    const probe = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${PROJECT}-${PROBE_FUNCTION}`;
    for (const gateway of [...KINDS, 'all'] as const) {
      expect(isAllowed(roleDoc('production', gateway), 'lambda:GetFunction', probe, {})).toBe(true);
      expect(isAllowed(roleDoc('preview', gateway), 'lambda:GetFunction', probe, {})).toBe(false);
    }
  });

  it("the preview role removes a preview's or branch stage's function and log group, never a protected stage's", () => {
    const preview = deployRolePolicy(options('all', { role: 'preview' }));
    const tags = (stage: string) => ({
      'aws:ResourceTag/lambda-deploy:name': PROJECT,
      'aws:ResourceTag/lambda-deploy:stage': stage,
      'aws:ResourceTag/lambda-deploy:repository': 'octo/shop',
    });
    const fn = (stage: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${PROJECT}-${stage}`;
    const group = (stage: string) =>
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${PROJECT}-${stage}`;
    for (const stage of ['pr-7', 'develop', 'feature-x']) {
      expect(isAllowed(preview, 'lambda:DeleteFunction', fn(stage), tags(stage))).toBe(true);
      expect(isAllowed(preview, 'logs:DeleteLogGroup', group(stage), tags(stage))).toBe(true);
    }
    for (const stage of ['main', 'master', 'prod', 'production']) {
      expect(isAllowed(preview, 'lambda:DeleteFunction', fn(stage), tags(stage))).toBe(false);
      expect(isAllowed(preview, 'lambda:GetFunction', fn(stage), tags(stage))).toBe(false);
      expect(isAllowed(preview, 'logs:DeleteLogGroup', group(stage), tags(stage))).toBe(false);
    }
  });

  it.each(KINDS)('undeploy and prune of %s stages with keep-warm rules', async (kind) => {
    const recorded = await (await load()).cleanupScenario(kind, true);
    expect(operations(recorded.calls)).toContain('events DeleteRule');
    check(recorded, { gateway: kind, keepWarm: true, role: 'preview' }, recorded.undeployCalls, [
      'UpdateUsagePlanCommand',
    ]);
    check(recorded, { gateway: kind, keepWarm: true, role: 'production' });
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
    const on = { gateway: 'none' as const, keepWarm: true, provisionedConcurrency: true, layers: true };
    // Creating the rule and its target, letting EventBridge invoke the function, setting provisioned
    // concurrency: the production role's only; the preview role removes its own.
    // Deleting a layer version: prune's, never a pull request's (production's functions attach them too).
    check(recorded, { ...on, role: 'preview' }, recorded.calls, [
      'PutRuleCommand',
      'PutTargetsCommand',
      'AddPermissionCommand',
      'PutProvisionedConcurrencyConfigCommand',
      'DeleteLayerVersionCommand',
    ]);
    // Without the options those calls are refused.
    expect(violations(recorded, { gateway: 'none', role: 'preview' }).length).toBeGreaterThan(5);
  });
});
