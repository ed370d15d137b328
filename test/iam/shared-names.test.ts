/**
 * Project names that differ by a "-…" tail share resource names: `shop`'s
 * stage `api-main` and `shop-api`'s stage `main` are both `shop-api-main`
 * (function, log group `/aws/lambda/shop-api-main`, keep-warm rule
 * `shop-api-main-warm`); stage names may hold hyphens. What each role may do
 * there, as IAM decides it (the project's evaluator, requests as the SDK sends
 * them). IAM scopes these by name (`shop-*`) and by the lambda-deploy:name
 * tag: before `shop-api` has made the name, `shop`'s preview role (any pull
 * request) may make it, tagged for `shop`; once `shop-api` has, `shop` may not
 * touch it, nor may `shop-api` touch what `shop` made. The deploy then refuses
 * to use another project's function or log group, naming it
 * (test/pipelines/deploy-name-collision.test.ts); `setup` refuses to set up
 * such a pair of names (test/setup/project-overlap.test.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { executionRoleName } from '../../src/resources/execution-role/execution-policy.js';
import type { DeployRoleKind } from '../../src/iam/deploy-policy-options.js';
import { ownerTags } from '../../src/model/tags.js';
import { missingPermissions, type AwsService } from '../support/policy-check.js';

const R = 'eu-west-1';
const A = '123456789012';
const scope = { region: R, accountId: A };
const doc = (project: string, role: DeployRoleKind) =>
  deployRolePolicy({
    project,
    region: R,
    accountId: A,
    gateway: 'all',
    managesExecutionRole: true,
    keepWarm: true,
    role,
    repository: `octo/${project}`,
  });

const NAME = 'shop-api-main';
const GROUP = `/aws/lambda/${NAME}`;
const shopsStage = ownerTags({ project: 'shop', stage: 'api-main', repository: 'octo/shop' });
const apisMain = ownerTags({ project: 'shop-api', stage: 'main', repository: 'octo/shop-api' });

/** Making the shared names, with `tags` on the request. */
const creates = (project: string, tags: Record<string, string>): [AwsService, string, object][] => [
  [
    'lambda',
    'CreateFunctionCommand',
    {
      FunctionName: NAME,
      Role: `arn:aws:iam::${A}:role/${executionRoleName(project, 'preview')}`,
      Code: { S3Bucket: `lambda-deploy-${A}-${R}`, S3Key: `lambda-deploy/${project}/abc.zip` },
      Tags: tags,
    },
  ],
  ['logs', 'CreateLogGroupCommand', { logGroupName: GROUP, tags }],
];

/** Reading, changing and removing the shared names once they exist. */
const uses: [AwsService, string, object][] = [
  ['lambda', 'GetFunctionCommand', { FunctionName: NAME }],
  ['lambda', 'UpdateFunctionCodeCommand', { FunctionName: NAME, ZipFile: new Uint8Array([1]) }],
  ['lambda', 'DeleteFunctionCommand', { FunctionName: NAME }],
  ['logs', 'FilterLogEventsCommand', { logGroupName: GROUP }],
  ['logs', 'DeleteLogGroupCommand', { logGroupName: GROUP }],
  ['events', 'DeleteRuleCommand', { Name: `${NAME}-warm` }],
];

const decide = (
  project: string,
  role: DeployRoleKind,
  calls: [AwsService, string, object][],
  tags: Record<string, string> | undefined,
) =>
  calls.map(([service, command, input]) => {
    const missing = missingPermissions(
      doc(project, role),
      service,
      command,
      input as Record<string, unknown>,
      scope,
      {
        tags: () => tags,
      },
    );
    return `${command}: ${missing.length ? 'refused' : 'allowed'}`;
  });

describe(`${NAME}: shop's stage api-main and shop-api's stage main`, () => {
  it("before shop-api made it, shop's preview role (a pull request) may make it, tagged for shop", () => {
    expect(decide('shop', 'preview', creates('shop', shopsStage), undefined)).toEqual([
      'CreateFunctionCommand: allowed',
      'CreateLogGroupCommand: allowed',
    ]);
    // Never tagged for shop-api: the name may be taken, not shop-api's labels.
    expect(decide('shop', 'preview', creates('shop', apisMain), undefined)).toEqual([
      'CreateFunctionCommand: refused',
      'CreateLogGroupCommand: refused',
    ]);
  });

  it.each(['preview', 'production'] as const)(
    "once shop-api made it, shop's %s role may not touch it, reads included",
    (role) => {
      expect(decide('shop', role, uses, apisMain)).toEqual(uses.map(([, c]) => `${c}: refused`));
    },
  );

  it.each(['preview', 'production'] as const)(
    "what shop made, shop-api's %s role may not touch either: its deploy cannot adopt it, and says whose it is",
    (role) => {
      expect(decide('shop-api', role, uses, shopsStage)).toEqual(uses.map(([, c]) => `${c}: refused`));
    },
  );

  it("one made by hand (no lambda-deploy tags): shop-api's production role may adopt it, no preview role may touch it", () => {
    expect(decide('shop-api', 'production', uses, undefined)).toEqual(uses.map(([, c]) => `${c}: allowed`));
    for (const project of ['shop', 'shop-api'])
      expect(decide(project, 'preview', uses, undefined)).toEqual(uses.map(([, c]) => `${c}: refused`));
  });
});
