/**
 * fakes/aws/preview-iam.ts answers AccessDenied by a hand-written rule; the
 * preview role's policy decides by its Untagged statement. Both must agree on
 * the same requests, or the pipeline tests run under an IAM that is not the
 * policy's: each request goes to the fake's rule and, as the permissions it
 * needs (test/support/policy-check.ts), to the generated statement, with the
 * tags the fake account holds.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { denyUntaggedFunctions } from '../../fakes/aws/preview-iam.js';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { policy } from '../../src/model/policy-document.js';
import { stageTags } from '../../src/model/tags.js';
import { evaluate, requiredPermissions, type AwsService } from '../support/policy-check.js';

let aws: FakeAws;
beforeAll(async () => {
  aws = await startFakeAws();
  denyUntaggedFunctions(aws, 'shop');
  const own = stageTags({ project: 'shop', stage: 'pr-7', repository: 'octo/shop', ref: 'pull/7' });
  aws.seed.function('shop-pr-7', { tags: own });
  aws.seed.function('shop-hand');
  aws.seed.function('shop-tool', { tags: { STAGE: 'prod' } });
  aws.seed.function('other-fn');
  aws.seed.rule('shop-pr-7-warm', { tags: own, targets: [] });
  aws.seed.rule('shop-hand-rule', { targets: [] });
});
afterAll(async () => {
  await aws.close();
});

describe("the fake's preview IAM and the preview policy's Untagged statement", () => {
  it('refuse exactly the same requests', () => {
    const { accountId, region } = aws;
    const doc = deployRolePolicy({
      project: 'shop',
      region,
      accountId,
      gateway: 'all',
      managesExecutionRole: true,
      keepWarm: true,
      layers: true,
      role: 'preview',
    });
    const untagged = policy(doc.Statement.filter((s) => s.Sid === 'Untagged'));
    expect(untagged.Statement).toHaveLength(1);
    const fnArn = (name: string) => `arn:aws:lambda:${region}:${accountId}:function:${name}`;
    const ruleArn = (name: string) => `arn:aws:events:${region}:${accountId}:rule/${name}`;
    const tagsOf = (arn: string) => {
      const fn = /:function:([^:]+)$/.exec(arn)?.[1];
      if (fn) return aws.account.functions.get(fn)?.tags;
      const rule = /:rule\/(.+)$/.exec(arn)?.[1];
      return rule ? aws.account.rules.get(rule)?.tags : undefined;
    };
    const requests: [AwsService, string, Record<string, unknown>][] = [];
    for (const name of ['shop-pr-7', 'shop-hand', 'shop-tool', 'shop-new', 'other-fn', 'shopx'])
      for (const FunctionName of [name, `${name}:live`, fnArn(name), `${fnArn(name)}:3`]) {
        for (const op of [
          'GetFunction',
          'GetFunctionConfiguration',
          'UpdateFunctionCode',
          'UpdateFunctionConfiguration',
          'PublishVersion',
          'ListVersionsByFunction',
          'DeleteFunction',
          'AddPermission',
          'GetPolicy',
          'GetFunctionUrlConfig',
          'ListFunctionUrlConfigs',
          'GetProvisionedConcurrencyConfig',
        ])
          requests.push(['lambda', op, { FunctionName }]);
        requests.push(['lambda', 'GetAlias', { FunctionName, Name: 'live' }]);
        requests.push([
          'lambda',
          'CreateFunction',
          { FunctionName: name, Tags: { 'lambda-deploy:name': 'shop' } },
        ]);
      }
    for (const name of ['shop-pr-7', 'shop-hand', 'shop-tool', 'shop-new', 'other-fn']) {
      requests.push(['lambda', 'ListTags', { Resource: fnArn(name) }]);
      requests.push([
        'lambda',
        'TagResource',
        { Resource: fnArn(name), Tags: { 'lambda-deploy:name': 'shop' } },
      ]);
      requests.push(['lambda', 'UntagResource', { Resource: fnArn(name), TagKeys: ['x'] }]);
    }
    for (const LayerName of ['shop-deps', 'shop-hand'])
      requests.push(
        ['lambda', 'ListLayerVersions', { LayerName }],
        ['lambda', 'GetLayerVersion', { LayerName, VersionNumber: 1 }],
      );
    for (const name of ['shop-pr-7-warm', 'shop-hand-rule', 'shop-new-warm', 'other-rule']) {
      for (const op of ['DescribeRule', 'DeleteRule']) requests.push(['events', op, { Name: name }]);
      requests.push(['events', 'ListTargetsByRule', { Rule: name }]);
      requests.push(['events', 'RemoveTargets', { Rule: name, Ids: ['a'] }]);
      requests.push(['events', 'ListTagsForResource', { ResourceARN: ruleArn(name) }]);
      requests.push([
        'events',
        'PutRule',
        { Name: name, Tags: [{ Key: 'lambda-deploy:name', Value: 'shop' }] },
      ]);
    }
    requests.push(['events', 'ListRules', { NamePrefix: 'shop-' }]);

    const rule = aws.faults.rules.find((r) => r.when);
    const disagree: string[] = [];
    for (const [service, operation, input] of requests) {
      const fake = rule!.when!({ service, operation, input }) ? 'denied' : 'not denied';
      const needs = requiredPermissions(
        service,
        `${operation}Command`,
        input,
        { region, accountId },
        { tags: tagsOf },
      );
      const iam = needs.some((n) => evaluate(untagged, n.action, n.resource, n.context) === 'explicit-deny')
        ? 'denied'
        : 'not denied';
      if (fake !== iam)
        disagree.push(`${service} ${operation} ${JSON.stringify(input)}: fake ${fake}, policy ${iam}`);
    }
    expect(requests.length).toBeGreaterThan(300);
    expect(disagree).toEqual([]);
  });
});
