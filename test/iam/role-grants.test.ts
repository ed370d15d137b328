/**
 * The deploy policies' IAM statements and their defences in depth, asked of
 * the evaluator as explicit decisions: a Deny that only repeats what no Allow
 * grants would pass an "is not allowed" check even if it were lost, so these
 * ask for `explicit-deny` where the policy means one. And every statement of
 * every generated policy is valid IAM (the check `policy-statements` uses).
 */
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import type { DeployPolicyOptions } from '../../src/iam/deploy-policy-options.js';
import { parsePolicyStatements } from '../../src/settings/policy-statements.js';
import type { PolicyDocument } from '../../src/model/policy-document.js';
import { evaluate, type RequestContext } from '../support/policy-check.js';
import { A, R, base } from '../support/shop-policy.js';

const role = (name: string) => `arn:aws:iam::${A}:role/${name}`;
const toLambda: RequestContext = { 'iam:PassedToService': 'lambda.amazonaws.com' };
const production = deployRolePolicy({ ...base, role: 'production' });
/** A document's Allow statements alone: what its grants reach without any Deny. */
const grantsOf = (document: PolicyDocument): PolicyDocument => ({
  ...document,
  Statement: document.Statement.filter((s) => s.Effect === 'Allow'),
});
const preview = deployRolePolicy({ ...base, role: 'preview' });

describe('every generated deploy policy is valid IAM', () => {
  const variants: [string, DeployPolicyOptions][] = [
    ['production', { ...base, role: 'production' }],
    ['preview', { ...base, role: 'preview' }],
    ['preview without protected stages', { ...base, role: 'preview', protectedStages: [] }],
    ['a role without repository', { ...base, repository: undefined }],
    ['an execution role given', { ...base, managesExecutionRole: false, executionRoleArn: role('mine') }],
    ['any execution role', { ...base, managesExecutionRole: false }],
    [
      'every option',
      {
        ...base,
        keepWarm: true,
        provisionedConcurrency: true,
        layers: true,
        attachedLayers: [`arn:aws:lambda:${R}:${A}:layer:x:1`],
      },
    ],
  ];
  it.each(variants)('%s', (_title, options) => {
    const document = deployRolePolicy(options);
    expect(parsePolicyStatements(JSON.stringify(document.Statement))).toEqual({
      statements: document.Statement,
    });
  });
});

describe('execution roles', () => {
  const productionRole = role('shop-lambda-deploy');
  const previewRole = role('shop-lambda-deploy-preview');
  const boundary = `arn:aws:iam::${A}:policy/shop-lambda-deploy-boundary`;

  it('production reads, tags and passes both execution roles, and writes only its own under the boundary', () => {
    for (const r of [productionRole, previewRole]) {
      for (const action of ['iam:GetRole', 'iam:GetRolePolicy', 'iam:TagRole'])
        expect(evaluate(production, action, r)).toBe('allowed');
      expect(evaluate(production, 'iam:PassRole', r, toLambda)).toBe('allowed');
      expect(evaluate(production, 'iam:PassRole', r, { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe(
        'implicit-deny',
      );
      expect(evaluate(production, 'iam:DeleteRolePermissionsBoundary', r)).toBe('explicit-deny');
    }
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy']) {
      expect(evaluate(production, action, productionRole, { 'iam:PermissionsBoundary': boundary })).toBe(
        'allowed',
      );
      expect(evaluate(production, action, previewRole, { 'iam:PermissionsBoundary': boundary })).toBe(
        'implicit-deny',
      );
    }
    for (const action of ['iam:DeletePolicy', 'iam:SetDefaultPolicyVersion'])
      expect(evaluate(production, action, boundary)).toBe('explicit-deny');
    expect(evaluate(production, 'iam:GetRole', role('someone-else'))).toBe('implicit-deny');
  });

  it("preview reads and passes its own execution role; passing production's is an explicit deny", () => {
    expect(evaluate(preview, 'iam:GetRole', previewRole)).toBe('allowed');
    expect(evaluate(preview, 'iam:PassRole', previewRole, toLambda)).toBe('allowed');
    expect(evaluate(preview, 'iam:PassRole', productionRole, toLambda)).toBe('explicit-deny');
    expect(evaluate(preview, 'iam:GetRole', productionRole)).toBe('implicit-deny');
  });

  it('with execution-role-arn: passes that role to Lambda only; without an ARN given, any role of the account', () => {
    const given = deployRolePolicy({ ...base, managesExecutionRole: false, executionRoleArn: role('mine') });
    expect(evaluate(given, 'iam:PassRole', role('mine'), toLambda)).toBe('allowed');
    expect(evaluate(given, 'iam:PassRole', role('other'), toLambda)).toBe('implicit-deny');
    expect(evaluate(given, 'iam:GetRole', role('mine'))).toBe('implicit-deny');
    const any = deployRolePolicy({ ...base, managesExecutionRole: false });
    expect(evaluate(any, 'iam:PassRole', role('other'), toLambda)).toBe('allowed');
    expect(evaluate(any, 'iam:PassRole', `arn:aws:iam::999999999999:role/x`, toLambda)).toBe('implicit-deny');
  });
});

describe.each([
  ['production', production],
  ['preview', preview],
] as const)('the %s role and resources named like ours but tagged for someone else', (name, document) => {
  // Project "shop-admin"'s resources match "shop-*": only the tags tell them apart.
  const other = (name: string, repository = 'octo/shop'): RequestContext => ({
    'aws:ResourceTag/lambda-deploy:name': name,
    'aws:ResourceTag/lambda-deploy:repository': repository,
  });
  const writes: [string, string][] = [
    ['lambda:UpdateFunctionCode', `arn:aws:lambda:${R}:${A}:function:shop-admin-pr-1`],
    ['apigateway:DELETE', `arn:aws:apigateway:${R}::/apis/h9`],
    ['logs:DeleteLogGroup', `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-admin-pr-1`],
    ['events:DeleteRule', `arn:aws:events:${R}:${A}:rule/shop-admin-pr-1-warm`],
  ];

  it.each(writes)("%s on another project's resource is an explicit deny", (action, arn) => {
    expect(evaluate(document, action, arn, other('shop-admin'))).toBe('explicit-deny');
  });

  it.each(writes)("%s on another repository's resource is an explicit deny", (action, arn) => {
    expect(evaluate(document, action, arn, other('shop', 'someone/else'))).toBe('explicit-deny');
  });

  // Two repositories deploying one project name: the deploy reads the same-named function (GetFunction
  // with its tags, GetAlias) to refuse it as "stage X of repository Y", not as a denied read.
  const reads: [string, string][] = [
    ['lambda:GetFunction', `arn:aws:lambda:${R}:${A}:function:shop-pr-1`],
    ['lambda:GetAlias', `arn:aws:lambda:${R}:${A}:function:shop-pr-1:live`],
    ['lambda:ListTags', `arn:aws:lambda:${R}:${A}:function:shop-pr-1`],
    ['apigateway:GET', `arn:aws:apigateway:${R}::/apis/h9`],
    ['logs:FilterLogEvents', `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-pr-1`],
    ['logs:ListTagsForResource', `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-pr-1`],
  ];
  it.each(reads)("%s on another repository's resource of this project stays allowed", (action, arn) => {
    expect(evaluate(document, action, arn, other('shop', 'someone/else'))).toBe('allowed');
  });

  it("another project's function is not even read: the grant itself is limited to this project's tag", () => {
    const arn = `arn:aws:lambda:${R}:${A}:function:shop-admin-pr-1`;
    expect(evaluate(grantsOf(document), 'lambda:GetFunction', arn, other('shop-admin'))).toBe(
      'implicit-deny',
    );
    // And OtherProjects refuses every action there, reads included.
    expect(evaluate(document, 'lambda:GetFunction', arn, other('shop-admin'))).toBe('explicit-deny');
  });

  it('a stage deployed from a terminal (empty repository tag) stays writable', () => {
    const arn = `arn:aws:lambda:${R}:${A}:function:shop-dev`;
    expect(evaluate(document, 'lambda:UpdateFunctionCode', arn, other('shop', ''))).toBe('allowed');
  });
});

describe('the preview role and the API key listing', () => {
  it('GET /apikeys is an explicit deny (it would show every key value of the region), not only missing', () => {
    expect(evaluate(preview, 'apigateway:GET', `arn:aws:apigateway:${R}::/apikeys`)).toBe('explicit-deny');
    expect(evaluate(production, 'apigateway:GET', `arn:aws:apigateway:${R}::/apikeys`)).toBe('allowed');
  });
});

it('without a repository, no statement is about repositories', () => {
  const document = deployRolePolicy({ ...base, repository: undefined });
  expect(JSON.stringify(document)).not.toContain('lambda-deploy:repository');
});

describe("the grants' own conditions: what stays out even without the defences in depth", () => {
  const BUCKET = `arn:aws:s3:::lambda-deploy-${A}-${R}`;
  const tagged = (project: string): RequestContext => ({ 'aws:ResourceTag/lambda-deploy:name': project });
  const creating = (project?: string): RequestContext =>
    project === undefined ? {} : { 'aws:RequestTag/lambda-deploy:name': project };

  it.each([
    ['production', production],
    ['preview', preview],
  ] as const)('%s: creates functions and front doors only tagged as the project’s', (name, document) => {
    const fn = `arn:aws:lambda:${R}:${A}:function:shop-pr-9`;
    expect(evaluate(document, 'lambda:CreateFunction', fn, creating('shop'))).toBe('allowed');
    expect(evaluate(document, 'lambda:CreateFunction', fn, creating())).toBe('implicit-deny');
    expect(evaluate(grantsOf(document), 'lambda:CreateFunction', fn, creating('shop-admin'))).toBe(
      'implicit-deny',
    );
    // And refused outright: no request may send another project's name (test/iam/other-owner-tags.test.ts).
    expect(evaluate(document, 'lambda:CreateFunction', fn, creating('shop-admin'))).toBe('explicit-deny');
    // Usage plans and API keys: production's only (test/iam/two-roles.test.ts, links IAM cannot check).
    const collections =
      name === 'production' ? ['/apis', '/restapis', '/usageplans', '/apikeys'] : ['/apis', '/restapis'];
    for (const collection of collections) {
      const arn = `arn:aws:apigateway:${R}::${collection}`;
      expect(evaluate(document, 'apigateway:POST', arn, creating('shop'))).toBe('allowed');
      expect(evaluate(document, 'apigateway:POST', arn, creating())).toBe('implicit-deny');
    }
  });

  it.each([
    ['production', production],
    ['preview', preview],
  ] as const)(
    "%s: an API without our tag (someone else's, untagged) is not ours to change or read",
    (name, document) => {
      for (const path of ['/apis/h9', '/restapis/r1', '/usageplans/u1', '/apikeys/k1']) {
        const arn = `arn:aws:apigateway:${R}::${path}`;
        expect(evaluate(document, 'apigateway:DELETE', arn, tagged('shop'))).toBe('allowed');
        expect(evaluate(document, 'apigateway:DELETE', arn)).toBe('implicit-deny');
        expect(evaluate(document, 'apigateway:GET', arn)).toBe('implicit-deny');
      }
    },
  );

  it("another project's log group (tagged) is not read; untagged ones (Lambda's, from before) only by production", () => {
    const group = `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-admin-pr-1`;
    for (const document of [production, preview])
      expect(evaluate(grantsOf(document), 'logs:FilterLogEvents', group, tagged('shop-admin'))).toBe(
        'implicit-deny',
      );
    expect(evaluate(production, 'logs:FilterLogEvents', group)).toBe('allowed');
    expect(evaluate(preview, 'logs:FilterLogEvents', group)).toBe('explicit-deny');
  });

  it('both roles make a log group only with the project tag, and tag one only with it', () => {
    const group = `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-pr-1`;
    for (const document of [production, preview])
      for (const action of ['logs:CreateLogGroup', 'logs:TagResource']) {
        // At create IAM sees the request's tags as the group's (test/support/policy-check.ts, CREATES_WITH_TAGS).
        expect(evaluate(document, action, group, { ...creating('shop'), ...tagged('shop') })).toBe('allowed');
        expect(evaluate(document, action, group, creating())).not.toBe('allowed');
        expect(evaluate(document, action, group, creating('shop-admin'))).not.toBe('allowed');
      }
    // An existing group without the tag: production tags it (stages deployed before), a preview may not open it.
    expect(evaluate(production, 'logs:TagResource', group, creating('shop'))).toBe('allowed');
    expect(evaluate(preview, 'logs:TagResource', group, creating('shop'))).toBe('explicit-deny');
  });

  it('only the gateway kinds asked for: function-url gets no API Gateway grant at all', () => {
    const urlOnly = deployRolePolicy({ ...base, gateway: 'function-url', role: 'production' });
    for (const collection of ['/apis', '/restapis'])
      expect(
        evaluate(urlOnly, 'apigateway:POST', `arn:aws:apigateway:${R}::${collection}`, creating('shop')),
      ).toBe('implicit-deny');
    const httpOnly = deployRolePolicy({ ...base, gateway: 'http-api', role: 'production' });
    expect(evaluate(httpOnly, 'apigateway:POST', `arn:aws:apigateway:${R}::/apis`, creating('shop'))).toBe(
      'allowed',
    );
    expect(
      evaluate(httpOnly, 'apigateway:POST', `arn:aws:apigateway:${R}::/restapis`, creating('shop')),
    ).toBe('implicit-deny');
  });

  it('only production sets the default bucket up; neither role does with s3-bucket given', () => {
    for (const action of [
      's3:CreateBucket',
      's3:PutLifecycleConfiguration',
      's3:PutBucketPublicAccessBlock',
    ]) {
      expect(evaluate(production, action, BUCKET)).toBe('allowed');
      expect(evaluate(preview, action, BUCKET)).toBe('implicit-deny');
      const own = deployRolePolicy({ ...base, bucket: 'team-artifacts', role: 'production' });
      expect(evaluate(own, action, 'arn:aws:s3:::team-artifacts')).toBe('implicit-deny');
    }
    expect(evaluate(preview, 's3:GetLifecycleConfiguration', BUCKET)).toBe('allowed');
  });

  it('attached layers: each once, sorted', () => {
    const layer = (n: number) => `arn:aws:lambda:${R}:${A}:layer:tools:${n}`;
    const document = deployRolePolicy({ ...base, attachedLayers: [layer(2), layer(1), layer(2)] });
    expect(document.Statement.find((s) => s.Sid === 'AttachLayers')?.Resource).toEqual([layer(1), layer(2)]);
  });
});
