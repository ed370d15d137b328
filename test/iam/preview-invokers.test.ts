/**
 * Who the preview role may let invoke a function (lambda:AddPermission): only
 * the principals and shapes the deploy itself grants on a preview stage, API
 * Gateway and the function URL's two public statements. A statement a pull
 * request added for anyone else would stay when a production run later
 * deploys that stage (it only warns about foreign statements).
 */
import { describe, expect, it } from '@jest/globals';
import { deployPolicyNotes } from '../../src/iam/deploy-policy-notes.js';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import type { DeployRoleKind } from '../../src/iam/deploy-policy-options.js';
import type { GatewayKind } from '../../src/model/settings.js';
import { functionUrlPermissions } from '../../src/resources/front-door/function-url.js';
import { addPermissionRequest } from '../../src/resources/front-door/lambda-permission.js';
import { PermissionIds, type PermissionSpec } from '../../src/resources/front-door/resource-policy.js';
import { httpApiSourceArn, restApiSourceArn } from '../../src/resources/front-door/urls.js';
import { evaluate, requiredPermissions, type Decision } from '../support/policy-check.js';

const R = 'eu-west-1';
const A = '123456789012';
const OTHER = '210987654321';
const FUNCTION = 'shop-pr-7';
const ALIAS = { partition: 'aws', region: R, accountId: A, functionName: FUNCTION, qualifier: 'live' };
const TAGS = {
  'lambda-deploy:name': 'shop',
  'lambda-deploy:stage': 'pr-7',
  'lambda-deploy:repository': 'octo/shop',
};
const scope = { region: R, accountId: A };

const doc = (gateway: GatewayKind | 'all', role: DeployRoleKind = 'preview') =>
  deployRolePolicy({
    project: 'shop',
    region: R,
    accountId: A,
    gateway,
    managesExecutionRole: true,
    keepWarm: true,
    role,
    repository: 'octo/shop',
  });

/** IAM's decision on an AddPermission request on the preview stage's `live` alias. */
function decide(
  gateway: GatewayKind | 'all',
  request: Record<string, unknown>,
  role?: DeployRoleKind,
): Decision {
  const input = { FunctionName: FUNCTION, Qualifier: 'live', StatementId: 'x', ...request };
  const [own] = requiredPermissions('lambda', 'AddPermissionCommand', input, scope, { tags: () => TAGS });
  return evaluate(doc(gateway, role), own!.action, own!.resource, own!.context);
}

const ours = (spec: PermissionSpec): Record<string, unknown> => ({
  ...addPermissionRequest({ functionName: FUNCTION, qualifier: 'live' }, spec),
});
const apiGateway = (statementId: string, sourceArn: string): PermissionSpec => ({
  statementId,
  action: 'lambda:InvokeFunction',
  principal: 'apigateway.amazonaws.com',
  sourceArn,
});
/** What the deploy itself grants on a stage's alias, per front door. */
const OURS: Record<'http-api' | 'rest-api' | 'function-url', Record<string, unknown>[]> = {
  'http-api': [ours(apiGateway(PermissionIds.httpApi, httpApiSourceArn(ALIAS, 'h1')))],
  'rest-api': [ours(apiGateway(PermissionIds.restApi, restApiSourceArn(ALIAS, 'a1')))],
  'function-url': functionUrlPermissions().map(ours),
};

/** What a pull request's code could ask for with the preview role's credentials. */
const HOSTILE: [string, Record<string, unknown>][] = [
  ['another account', { Action: 'lambda:InvokeFunction', Principal: OTHER }],
  ['another account, reading the code', { Action: 'lambda:GetFunction', Principal: OTHER }],
  [
    'a role of another account',
    { Action: 'lambda:InvokeFunction', Principal: `arn:aws:iam::${OTHER}:role/x` },
  ],
  ['another account root', { Action: 'lambda:InvokeFunction', Principal: `arn:aws:iam::${OTHER}:root` }],
  [
    'another account, IAM-authenticated URL',
    { Action: 'lambda:InvokeFunctionUrl', Principal: OTHER, FunctionUrlAuthType: 'AWS_IAM' },
  ],
  ['everyone, through the Invoke API', { Action: 'lambda:InvokeFunction', Principal: '*' }],
  ['everyone, reading the code', { Action: 'lambda:GetFunction', Principal: '*' }],
  [
    'everyone, not only through the URL',
    { Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: false },
  ],
  [
    'everyone, IAM-authenticated URL',
    { Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'AWS_IAM' },
  ],
  [
    'EventBridge (a rule of any account)',
    { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' },
  ],
  [
    'EventBridge, from a rule of ours',
    {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: `arn:aws:events:${R}:${A}:rule/shop-pr-7-warm`,
    },
  ],
  ['S3 (a bucket of any account)', { Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com' }],
  ['SNS', { Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceAccount: OTHER }],
];

describe('the preview role lets through only the permissions the deploy grants', () => {
  it.each([
    ['all', [...OURS['http-api'], ...OURS['rest-api'], ...OURS['function-url']]],
    ['http-api', OURS['http-api']],
    ['rest-api', OURS['rest-api']],
    ['function-url', OURS['function-url']],
  ] as const)('gateway %s: its own front door', (gateway, requests) => {
    expect(requests.map((r) => `${r.Principal as string} ${decide(gateway, r)}`)).toEqual(
      requests.map((r) => `${r.Principal as string} allowed`),
    );
  });

  it.each(HOSTILE)('denies %s, whatever the front door', (_, request) => {
    for (const gateway of ['all', 'http-api', 'rest-api', 'function-url', 'none'] as const)
      expect(`${gateway}: ${decide(gateway, request)}`).toBe(`${gateway}: explicit-deny`);
  });

  it("denies another front door's permissions than the one the policy is for", () => {
    const denied = (gateway: GatewayKind, requests: Record<string, unknown>[]) =>
      requests.map((r) => decide(gateway, r)).filter((d) => d !== 'explicit-deny');
    expect(denied('http-api', OURS['function-url'])).toEqual([]);
    expect(denied('function-url', OURS['http-api'])).toEqual([]);
    expect(denied('none', [...OURS['http-api'], ...OURS['function-url']])).toEqual([]);
  });

  it('a request without the principal (never sent: AddPermission requires it) is denied, not let through', () => {
    const [own] = requiredPermissions(
      'lambda',
      'AddPermissionCommand',
      { FunctionName: FUNCTION, Qualifier: 'live', StatementId: 'x', Action: 'lambda:InvokeFunction' },
      scope,
      { tags: () => TAGS },
    );
    expect(own!.context?.['lambda:Principal']).toBeUndefined();
    expect(evaluate(doc('all'), own!.action, own!.resource, own!.context)).toBe('explicit-deny');
  });

  it('the production role keeps its grants: keep-warm lets EventBridge invoke the stage', () => {
    const warm = HOSTILE.find(([what]) => what === 'EventBridge, from a rule of ours')![1];
    expect(decide('all', warm, 'production')).toBe('allowed');
    expect(
      doc('all', 'production').Statement.some((s) => JSON.stringify(s).includes('lambda:Principal')),
    ).toBe(false);
  });

  it('the policy command says so beside the preview role, not the production role', () => {
    const notes = (role: DeployRoleKind) =>
      deployPolicyNotes({
        project: 'shop',
        region: R,
        accountId: A,
        gateway: 'all',
        managesExecutionRole: true,
        role,
      });
    expect(notes('preview').join('\n')).toMatch(
      /lambda:AddPermission only for API Gateway and the function URL/,
    );
    expect(notes('production').join('\n')).not.toMatch(/AddPermission/);
  });
});
