/**
 * A role may not label anything, even its own resources, as another
 * project's or another repository's: the production deploy of `billing`
 * finds its front door by tags (findHttpApi takes the oldest HTTP API tagged
 * for its stage), so a `shop` pull request that could tag its own API
 * `lambda-deploy:name: billing`, `lambda-deploy:stage: prod` (a stage shop's
 * policy does not protect) would hand billing's production its routes.
 * Requests as the SDK sends them, checked with the IAM evaluator.
 */
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { executionRoleName } from '../../src/resources/execution-role/execution-policy.js';
import type { DeployRoleKind } from '../../src/iam/deploy-policy-options.js';
import { ownerTags, tagsMatchStage } from '../../src/model/tags.js';
import { missingPermissions, type AwsService } from '../support/policy-check.js';

const R = 'eu-west-1';
const A = '123456789012';
const scope = { region: R, accountId: A };
const doc = (role: DeployRoleKind) =>
  deployRolePolicy({
    project: 'shop',
    region: R,
    accountId: A,
    gateway: 'all',
    managesExecutionRole: true,
    role,
    repository: 'octo/shop',
    // billing protects prod; shop does not.
    protectedStages: ['main'],
  });

const own = ownerTags({ project: 'shop', stage: 'pr-7', repository: 'octo/shop' });
const billingProd = ownerTags({ project: 'billing', stage: 'prod', repository: 'octo/billing' });
const functionArn = `arn:aws:lambda:${R}:${A}:function:shop-pr-7`;
const httpApiArn = `arn:aws:apigateway:${R}::/apis/h7`;

/** The calls that write tags, on shop's own pull-request stage, sending `tags`. */
function tagWrites(tags: Record<string, string>, role: DeployRoleKind): [AwsService, string, object][] {
  return [
    ['lambda', 'TagResourceCommand', { Resource: functionArn, Tags: tags }],
    [
      'lambda',
      'CreateFunctionCommand',
      {
        FunctionName: 'shop-pr-7',
        Role: `arn:aws:iam::${A}:role/${executionRoleName('shop', role)}`,
        Code: { S3Bucket: `lambda-deploy-${A}-${R}`, S3Key: 'lambda-deploy/shop/abc.zip' },
        Tags: tags,
      },
    ],
    ['apiGatewayV2', 'CreateApiCommand', { Name: 'shop-pr-7', ProtocolType: 'HTTP', Tags: tags }],
    ['apiGatewayV2', 'CreateStageCommand', { ApiId: 'h7', StageName: '$default', Tags: tags }],
    ['apiGatewayV2', 'TagResourceCommand', { ResourceArn: httpApiArn, Tags: tags }],
    ['apiGateway', 'CreateRestApiCommand', { name: 'shop-pr-7', tags }],
    ['apiGateway', 'CreateStageCommand', { restApiId: 'a7', stageName: 'pr-7', deploymentId: 'd1', tags }],
    ['logs', 'CreateLogGroupCommand', { logGroupName: '/aws/lambda/shop-pr-7', tags }],
  ];
}

/** Each call with the permissions the role lacks for it (none: allowed). */
const decisions = (role: DeployRoleKind, tags: Record<string, string>) =>
  tagWrites(tags, role).map(([service, command, input]) => {
    const missing = missingPermissions(doc(role), service, command, input as Record<string, unknown>, scope, {
      tags: () => own,
    });
    return `${service} ${command}: ${missing.length ? 'refused' : 'allowed'}`;
  });
const allowedOf = (lines: string[]) => lines.filter((l) => l.endsWith('allowed'));

describe.each(['preview', 'production'] as const)('the %s role', (role) => {
  it("may not label its own resources as another project's stage", () => {
    expect(allowedOf(decisions(role, billingProd))).toEqual([]);
    // billing's production deploy would take an API so tagged for its own: project, stage and repository match.
    expect(
      tagsMatchStage(
        billingProd,
        ownerTags({ project: 'billing', stage: 'prod', repository: 'Octo/Billing' }),
      ),
    ).toBe(true);
    // The project's name alone, with this repository.
    expect(allowedOf(decisions(role, { ...billingProd, 'lambda-deploy:repository': 'octo/shop' }))).toEqual(
      [],
    );
  });

  it("may not label them as another repository's", () => {
    expect(allowedOf(decisions(role, { ...own, 'lambda-deploy:repository': 'octo/billing' }))).toEqual([]);
  });

  it('keeps every tag write with its own name and repository, and those that send neither', () => {
    // /tags/{arn} on an API has no resource tags: no role may write there (test/iam/two-roles.test.ts).
    const everyAllowed = [
      'lambda TagResourceCommand',
      'lambda CreateFunctionCommand',
      'apiGatewayV2 CreateApiCommand',
      'apiGatewayV2 CreateStageCommand',
      'apiGateway CreateRestApiCommand',
      'apiGateway CreateStageCommand',
      'logs CreateLogGroupCommand',
    ].map((c) => `${c}: allowed`);
    expect(allowedOf(decisions(role, own))).toEqual(everyAllowed);
    // A deploy from a terminal tags an empty repository.
    expect(allowedOf(decisions(role, { ...own, 'lambda-deploy:repository': '' }))).toEqual(everyAllowed);
    // A request with neither key: the deploy's own mark on its function, on a stage of its API.
    const mark = { 'lambda-deploy:deploying': '2026-12-06T07:00:00Z' };
    expect(allowedOf(decisions(role, mark))).toEqual([
      'lambda TagResourceCommand: allowed',
      'apiGatewayV2 CreateStageCommand: allowed',
      'apiGateway CreateStageCommand: allowed',
    ]);
  });
});
