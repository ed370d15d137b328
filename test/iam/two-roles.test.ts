/**
 * What the two deploy roles may and may not do, asked of the IAM evaluator
 * for every write AWS lists (test/support/sar.ts), not a hand-picked few.
 *
 * - The preview role: every write to a protected stage's resources (Lambda,
 *   API Gateway, Logs, EventBridge) is denied; so is every IAM write.
 * - The production role: every operation the action makes on a protected
 *   stage is allowed (the coverage test replays them; here the direct grants).
 * - Another project's tags: no Lambda, API Gateway or Logs write, for either role.
 */
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import { FUNCTION_ACTIONS } from '../../src/iam/policy-actions.js';
import type { DeployRoleKind } from '../../src/iam/deploy-policy-options.js';
import { evaluate, missingPermissions, type RequestContext } from '../support/policy-check.js';
import { isWrite, resourceTypeFor, sarActions, type SarAction } from '../support/sar.js';

const R = 'eu-west-1';
const A = '123456789012';
const api = (path: string) => `arn:aws:apigateway:${R}::${path}`;
const doc = (role: DeployRoleKind) =>
  deployRolePolicy({
    project: 'shop',
    region: R,
    accountId: A,
    gateway: 'all',
    managesExecutionRole: true,
    keepWarm: true,
    provisionedConcurrency: true,
    layers: true,
    role,
    repository: 'octo/shop',
  });

const tags = (project: string, stage: string): RequestContext => ({
  'aws:ResourceTag/lambda-deploy:name': project,
  'aws:ResourceTag/lambda-deploy:stage': stage,
  'aws:ResourceTag/lambda-deploy:repository': 'octo/shop',
});

/** Resources of a stage, with the context IAM sees on them (log groups Lambda creates carry no tags). */
function stageResources(project: string, stage: string, name = `${project}-${stage}`) {
  const t = tags(project, stage);
  return {
    lambda: [
      { arn: `arn:aws:lambda:${R}:${A}:function:${name}`, context: t },
      { arn: `arn:aws:lambda:${R}:${A}:function:${name}:live`, context: t },
      { arn: `arn:aws:lambda:${R}:${A}:function:${name}:7`, context: t },
    ],
    apigateway: [
      '/apis/h9',
      '/apis/h9/routes/r1',
      '/apis/h9/integrations/i1',
      '/apis/h9/stages/$default',
      '/restapis/a9',
      '/restapis/a9/resources/p1/methods/ANY',
      '/restapis/a9/stages/main',
      '/restapis/a9/deployments',
      '/usageplans/u9',
      '/usageplans/u9/keys/k9',
      '/apikeys/k9',
    ].map((path) => ({ arn: api(path), context: t })),
    logs: [{ arn: `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/${name}`, context: {} }],
    events: [{ arn: `arn:aws:events:${R}:${A}:rule/${name}-warm`, context: t }],
  };
}

/** Every (write action, resource of its type) pair AWS lists for the stage's resources. */
async function writesOn(resources: ReturnType<typeof stageResources>, services: (keyof typeof resources)[]) {
  const pairs: { action: SarAction; arn: string; context: RequestContext }[] = [];
  for (const service of services)
    for (const action of (await sarActions(service)).filter(isWrite))
      for (const r of resources[service]) if (resourceTypeFor(action, r.arn)) pairs.push({ action, ...r });
  return pairs;
}

const decisions = (role: DeployRoleKind, pairs: Awaited<ReturnType<typeof writesOn>>) =>
  pairs.map((p) => `${evaluate(doc(role), p.action.action, p.arn, p.context)} ${p.action.action} ${p.arn}`);

describe('the preview role', () => {
  it.each(['main', 'master', 'prod', 'production'])(
    'is denied every write AWS lists on the resources of protected stage %s',
    async (stage) => {
      const pairs = await writesOn(stageResources('shop', stage), ['lambda', 'apigateway', 'logs', 'events']);
      expect(pairs.length).toBeGreaterThan(150);
      const notDenied = decisions('preview', pairs).filter((d) => !d.startsWith('explicit-deny'));
      expect(notDenied).toEqual([]);
    },
  );

  it('is denied reading a protected function (its environment holds secrets) or an API key of production', () => {
    const preview = doc('preview');
    const main = tags('shop', 'main');
    expect(
      evaluate(
        preview,
        'lambda:GetFunctionConfiguration',
        `arn:aws:lambda:${R}:${A}:function:shop-main`,
        main,
      ),
    ).toBe('explicit-deny');
    expect(evaluate(preview, 'apigateway:GET', api('/apikeys/k9'), main)).toBe('explicit-deny');
    expect(
      evaluate(preview, 'logs:FilterLogEvents', `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-main`),
    ).toBe('explicit-deny');
  });

  it('may not create or tag anything as a protected stage, nor relabel an API through /tags', () => {
    const preview = doc('preview');
    const claim = {
      'aws:RequestTag/lambda-deploy:name': 'shop',
      'aws:RequestTag/lambda-deploy:stage': 'main',
      'aws:TagKeys': ['lambda-deploy:name', 'lambda-deploy:stage'],
    };
    expect(
      evaluate(preview, 'lambda:CreateFunction', `arn:aws:lambda:${R}:${A}:function:shop-x`, claim),
    ).toBe('explicit-deny');
    expect(evaluate(preview, 'apigateway:POST', api('/apis'), claim)).toBe('explicit-deny');
    expect(
      evaluate(preview, 'lambda:TagResource', `arn:aws:lambda:${R}:${A}:function:shop-pr-7`, claim),
    ).toBe('explicit-deny');
    // Prune counts stage tags case-insensitively: `Main` would make a preview's function protected, never pruned.
    expect(
      evaluate(preview, 'lambda:TagResource', `arn:aws:lambda:${R}:${A}:function:shop-pr-7`, {
        ...claim,
        'aws:RequestTag/lambda-deploy:stage': 'Main',
        'aws:ResourceTag/lambda-deploy:name': 'shop',
        'aws:ResourceTag/lambda-deploy:stage': 'pr-7',
      }),
    ).toBe('explicit-deny');
    // A protected stage's log group, not there yet (production not deployed): not even tagged as a preview's.
    const asPreview = {
      'aws:RequestTag/lambda-deploy:name': 'shop',
      'aws:RequestTag/lambda-deploy:stage': 'pr-7',
      'aws:ResourceTag/lambda-deploy:name': 'shop',
      'aws:ResourceTag/lambda-deploy:stage': 'pr-7',
      'aws:TagKeys': ['lambda-deploy:name', 'lambda-deploy:stage'],
    };
    for (const action of ['logs:CreateLogGroup', 'logs:TagResource'])
      expect(
        evaluate(preview, action, `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-main`, asPreview),
      ).toBe('explicit-deny');
    // What IAM cannot tell: whether a function of the name exists. The group of a hand-made shop-legacy
    // that has none yet may be made tagged as a preview's (README: give such functions another name).
    expect(
      evaluate(
        preview,
        'logs:CreateLogGroup',
        `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-legacy`,
        asPreview,
      ),
    ).toBe('allowed');
    const relabel = { 'aws:RequestTag/lambda-deploy:stage': 'pr-7', 'aws:TagKeys': ['lambda-deploy:stage'] };
    expect(
      evaluate(preview, 'apigateway:POST', api(`/tags/${encodeURIComponent(api('/apis/h9'))}`), relabel),
    ).toBe('explicit-deny');
  });

  /**
   * ReimportApi (PUT /apis/{id}) replaces an HTTP API with an OpenAPI document whose root `tags`
   * (x-amazon-apigateway-tag-value) become the API's tags: IAM sees no aws:RequestTag or aws:TagKeys
   * in a body, so NoProtectedStageTags and OnlyOurTagKeys never see them. A preview could label its
   * own API `lambda-deploy:stage: main` (or another project's stage), and the production deploy takes
   * the oldest HTTP API tagged for its stage (findHttpApi) with the routes the pull request put there.
   * The action never reimports.
   */
  it('may not reimport its own HTTP API: tags in an OpenAPI body are tags IAM never sees', () => {
    const own = tags('shop', 'pr-7');
    const body = JSON.stringify({
      openapi: '3.0.1',
      info: { title: 'shop-pr-7', version: '1' },
      tags: [
        { name: 'lambda-deploy:name', 'x-amazon-apigateway-tag-value': 'shop' },
        { name: 'lambda-deploy:stage', 'x-amazon-apigateway-tag-value': 'main' },
        { name: 'lambda-deploy:repository', 'x-amazon-apigateway-tag-value': 'octo/shop' },
      ],
      paths: { '/login': { 'x-amazon-apigateway-any-method': {} } },
    });
    const ownTags = {
      'lambda-deploy:name': 'shop',
      'lambda-deploy:stage': 'pr-7',
      'lambda-deploy:repository': 'octo/shop',
    };
    const refused = (gateway: 'http-api' | 'all') =>
      missingPermissions(
        deployRolePolicy({
          project: 'shop',
          region: R,
          accountId: A,
          gateway,
          managesExecutionRole: true,
          role: 'preview',
          repository: 'octo/shop',
        }),
        'apiGatewayV2',
        'ReimportApiCommand',
        { ApiId: 'h7', Body: body },
        { region: R, accountId: A },
        { tags: () => ownTags },
      ).map((m) => `${m.action} ${m.resource}`);
    for (const gateway of ['http-api', 'all'] as const)
      expect(refused(gateway)).toEqual([`apigateway:PUT ${api('/apis/h7')}`]);
    // The production role keeps it (trusted; it never reimports either).
    expect(evaluate(doc('production'), 'apigateway:PUT', api('/apis/h7'), own)).toBe('allowed');
    // The preview keeps every other verb on its API, and PUT on its REST API's methods.
    for (const verb of ['GET', 'POST', 'PATCH', 'DELETE'])
      expect(
        `${verb} ${evaluate(doc('preview'), `apigateway:${verb}`, api('/apis/h7/routes/r1'), own)}`,
      ).toBe(`${verb} allowed`);
    expect(
      evaluate(doc('preview'), 'apigateway:PUT', api('/restapis/a7/resources/p1/methods/ANY'), own),
    ).toBe('allowed');
  });

  it('is denied every IAM write AWS lists, on any role or policy, and passing the production execution role', async () => {
    const preview = doc('preview');
    const writes = (await sarActions('iam')).filter(isWrite).filter((a) => a.action !== 'iam:PassRole');
    expect(writes.length).toBeGreaterThan(100);
    const resources = [
      `arn:aws:iam::${A}:role/shop-lambda-deploy-preview`,
      `arn:aws:iam::${A}:role/shop-lambda-deploy`,
      `arn:aws:iam::${A}:role/shop-deploy-production`,
      `arn:aws:iam::${A}:policy/shop-lambda-deploy-boundary`,
      '*',
    ];
    const notDenied = writes.flatMap((w) =>
      resources
        .filter((r) => evaluate(preview, w.action, r) !== 'explicit-deny')
        .map((r) => `${w.action} ${r}`),
    );
    expect(notDenied).toEqual([]);
    const toLambda = { 'iam:PassedToService': 'lambda.amazonaws.com' };
    expect(evaluate(preview, 'iam:PassRole', `arn:aws:iam::${A}:role/shop-lambda-deploy`, toLambda)).toBe(
      'explicit-deny',
    );
    expect(
      evaluate(preview, 'iam:PassRole', `arn:aws:iam::${A}:role/shop-lambda-deploy-preview`, toLambda),
    ).toBe('allowed');
  });
});

/**
 * A function named like the project that lambda-deploy did not make (by hand, or a
 * Serverless Framework service `shop-prod-api`): no lambda-deploy:name tag, so
 * neither the protected-stage names nor the ownership tags catch it. A pull
 * request's code, holding the preview role, must neither change it nor read its
 * configuration (its environment holds secrets); the production role may (adopt).
 */
describe("a function of the project's name without a lambda-deploy:name tag", () => {
  const handMade = ['shop-prod-api', 'shop-prod-api:live', 'shop-prod-api:3'].map(
    (n) => `arn:aws:lambda:${R}:${A}:function:${n}`,
  );
  // Tags of another tool are no lambda-deploy tags.
  const contexts: RequestContext[] = [{}, { 'aws:ResourceTag/STAGE': 'prod' }];

  it('the preview role is denied every Lambda action AWS lists on it, reads included, but creating a function', async () => {
    const pairs: string[] = [];
    for (const action of await sarActions('lambda'))
      for (const arn of handMade)
        for (const context of contexts)
          if (resourceTypeFor(action, arn) && action.action !== 'lambda:CreateFunction')
            pairs.push(`${evaluate(doc('preview'), action.action, arn, context)} ${action.action} ${arn}`);
    expect(pairs.length).toBeGreaterThan(150);
    expect(pairs.filter((d) => !d.startsWith('explicit-deny'))).toEqual([]);
  });

  it('in particular what shows its environment or code location, and what changes it', () => {
    for (const action of [
      'lambda:GetFunction',
      'lambda:GetFunctionConfiguration',
      'lambda:ListVersionsByFunction',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:AddPermission',
      'lambda:DeleteFunction',
      // Tagging it as the project's would make it the preview's.
      'lambda:TagResource',
    ])
      expect(`${action} ${evaluate(doc('preview'), action, handMade[0]!, {})}`).toBe(
        `${action} explicit-deny`,
      );
  });

  it('the preview role keeps every function operation of the action on its own tagged stage', () => {
    const own = tags('shop', 'pr-7');
    // AddPermission always names a principal: the preview role's is the deploy's own (preview-invokers.test.ts).
    const sent = (action: string) =>
      action === 'lambda:AddPermission' ? { ...own, 'lambda:Principal': 'apigateway.amazonaws.com' } : own;
    for (const action of FUNCTION_ACTIONS)
      expect(
        `${action} ${evaluate(doc('preview'), action, `arn:aws:lambda:${R}:${A}:function:shop-pr-7`, sent(action))}`,
      ).toBe(`${action} allowed`);
  });

  it('nor any EventBridge action on a rule named like the project without the tag (made by hand)', async () => {
    const rule = `arn:aws:events:${R}:${A}:rule/shop-nightly-report`;
    const decided = (await sarActions('events'))
      .filter((a) => resourceTypeFor(a, rule))
      .map((a) => `${evaluate(doc('preview'), a.action, rule, {})} ${a.action}`);
    expect(decided.length).toBeGreaterThan(10);
    expect(decided.filter((d) => !d.startsWith('explicit-deny'))).toEqual([]);
    expect(evaluate(doc('production'), 'events:DeleteRule', rule, {})).toBe('allowed');
  });

  it('the production role is trusted with it (adopt: true takes such a function over)', () => {
    for (const action of ['lambda:GetFunction', 'lambda:UpdateFunctionCode', 'lambda:TagResource'])
      expect(`${action} ${evaluate(doc('production'), action, handMade[0]!, {})}`).toBe(`${action} allowed`);
  });
});

/**
 * Side doors IAM cannot close by tag: a link names an object the policy never sees
 * (an API key id, an API stage, an EventBridge target, the account's concurrency).
 * The preview role makes none of them; it keeps the reads and deletes that remove
 * what an earlier preview made. The production role keeps them all.
 */
describe('links IAM cannot check: only the production role makes them', () => {
  const own = tags('shop', 'pr-7');
  const fresh = { 'aws:RequestTag/lambda-deploy:name': 'shop', 'aws:RequestTag/lambda-deploy:stage': 'pr-7' };
  const keyWrites: [string, string, RequestContext][] = [
    ['apigateway:POST', '/usageplans', fresh],
    ['apigateway:POST', '/apikeys', fresh],
    ['apigateway:POST', '/usageplans/u7/keys', own],
    ['apigateway:PATCH', '/usageplans/u7', own],
    ['apigateway:PATCH', '/apikeys/k7', own],
    ['apigateway:PUT', '/usageplans/u7', own],
  ];
  const keyRemoval: [string, string][] = [
    ['apigateway:GET', '/usageplans/u7'],
    ['apigateway:GET', '/usageplans/u7/keys'],
    ['apigateway:GET', '/apikeys/k7'],
    ['apigateway:DELETE', '/usageplans/u7/keys/k7'],
    ['apigateway:DELETE', '/usageplans/u7'],
    ['apigateway:DELETE', '/apikeys/k7'],
  ];

  it('usage plans and API keys: the preview role may not create, change or link them, only read and delete its own', () => {
    const seen = (role: DeployRoleKind) =>
      keyWrites.map(
        ([action, path, context]) => `${action} ${path} ${evaluate(doc(role), action, api(path), context)}`,
      );
    // No Allow, and /apikeys itself is denied outright (its listing shows every key's value).
    expect(seen('preview')).toEqual(
      keyWrites.map(
        ([action, path]) => `${action} ${path} ${path === '/apikeys' ? 'explicit' : 'implicit'}-deny`,
      ),
    );
    expect(seen('production')).toEqual(keyWrites.map(([action, path]) => `${action} ${path} allowed`));
    for (const role of ['preview', 'production'] as const)
      for (const [action, path] of keyRemoval)
        expect(`${role} ${action} ${path} ${evaluate(doc(role), action, api(path), own)}`).toBe(
          `${role} ${action} ${path} allowed`,
        );
    // The REST API itself stays the preview's to make.
    expect(evaluate(doc('preview'), 'apigateway:POST', api('/restapis'), fresh)).toBe('allowed');
  });

  it("keep-warm rules: the preview role may not put a rule or its targets (any target, production's queues too), only read and remove its own", () => {
    const rule = `arn:aws:events:${R}:${A}:rule/shop-pr-7-warm`;
    const writes = ['events:PutRule', 'events:PutTargets', 'events:TagResource'];
    const removal = [
      'events:DescribeRule',
      'events:ListTargetsByRule',
      'events:RemoveTargets',
      'events:DeleteRule',
    ];
    for (const action of writes) {
      expect(`${action} ${evaluate(doc('preview'), action, rule, { ...own, ...fresh })}`).toBe(
        `${action} implicit-deny`,
      );
      expect(`${action} ${evaluate(doc('production'), action, rule, { ...own, ...fresh })}`).toBe(
        `${action} allowed`,
      );
    }
    for (const role of ['preview', 'production'] as const)
      for (const action of removal)
        expect(`${role} ${action} ${evaluate(doc(role), action, rule, own)}`).toBe(
          `${role} ${action} allowed`,
        );
  });

  it("provisioned concurrency: the preview role may not set it (it takes the account's unreserved concurrency), only read and remove it", () => {
    const live = `arn:aws:lambda:${R}:${A}:function:shop-pr-7:live`;
    const put = 'lambda:PutProvisionedConcurrencyConfig';
    expect(evaluate(doc('preview'), put, live, own)).toBe('implicit-deny');
    expect(evaluate(doc('production'), put, live, own)).toBe('allowed');
    for (const role of ['preview', 'production'] as const)
      for (const action of [
        'lambda:GetProvisionedConcurrencyConfig',
        'lambda:DeleteProvisionedConcurrencyConfig',
      ])
        expect(`${role} ${action} ${evaluate(doc(role), action, live, own)}`).toBe(
          `${role} ${action} allowed`,
        );
  });
});

describe('the production role', () => {
  it('may do every function operation of the action on a protected stage', () => {
    const production = doc('production');
    const main = tags('shop', 'main');
    for (const arn of [
      `arn:aws:lambda:${R}:${A}:function:shop-main`,
      `arn:aws:lambda:${R}:${A}:function:shop-main:live`,
    ])
      for (const action of FUNCTION_ACTIONS)
        expect(`${action} ${evaluate(production, action, arn, main)}`).toBe(`${action} allowed`);
    for (const verb of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'])
      for (const path of [
        '/apis/h9',
        '/apis/h9/routes/r1',
        '/restapis/a9/stages/main',
        '/usageplans/u9/keys/k9',
        '/apikeys/k9',
      ])
        expect(`${verb} ${path} ${evaluate(production, `apigateway:${verb}`, api(path), main)}`).toBe(
          `${verb} ${path} allowed`,
        );
    expect(
      evaluate(production, 'logs:DeleteLogGroup', `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-main`),
    ).toBe('allowed');
    expect(evaluate(production, 'events:PutRule', `arn:aws:events:${R}:${A}:rule/shop-main-warm`, main)).toBe(
      'allowed',
    );
  });

  it('writes its execution role only under the boundary, and never touches the boundary', () => {
    const production = doc('production');
    const role = `arn:aws:iam::${A}:role/shop-lambda-deploy`;
    const boundary = `arn:aws:iam::${A}:policy/shop-lambda-deploy-boundary`;
    expect(evaluate(production, 'iam:PutRolePolicy', role, { 'iam:PermissionsBoundary': boundary })).toBe(
      'allowed',
    );
    expect(evaluate(production, 'iam:PutRolePolicy', role)).toBe('implicit-deny');
    expect(
      evaluate(production, 'iam:CreateRole', role, { 'iam:PermissionsBoundary': `${boundary}-other` }),
    ).toBe('implicit-deny');
    for (const action of ['iam:DeleteRolePermissionsBoundary', 'iam:PutRolePermissionsBoundary'])
      expect(evaluate(production, action, role)).toBe('explicit-deny');
    expect(evaluate(production, 'iam:CreatePolicyVersion', boundary)).toBe('explicit-deny');
    expect(
      evaluate(production, 'iam:PutRolePolicy', `arn:aws:iam::${A}:role/shop-lambda-deploy-preview`),
    ).toBe('implicit-deny');
  });
});

describe.each(['preview', 'production'] as const)('the %s role and another project', (role) => {
  it('may not write any Lambda, API Gateway or Logs resource tagged for another project', async () => {
    // Named like ours ("shop-" prefix) but tagged for project "shop-admin": the tags decide.
    const resources = stageResources('shop-admin', 'pr-1', 'shop-admin-pr-1');
    resources.logs[0]!.context = tags('shop-admin', 'pr-1');
    const pairs = await writesOn(resources, ['lambda', 'apigateway', 'logs']);
    expect(pairs.length).toBeGreaterThan(100);
    expect(decisions(role, pairs).filter((d) => d.startsWith('allowed'))).toEqual([]);
  });

  it('may not write resources tagged for another repository', async () => {
    const pairs = await writesOn(stageResources('shop', 'pr-1'), ['lambda', 'apigateway']);
    const foreign = pairs.map((p) => ({
      ...p,
      context: { ...p.context, 'aws:ResourceTag/lambda-deploy:repository': 'someone/else' },
    }));
    expect(decisions(role, foreign).filter((d) => d.startsWith('allowed'))).toEqual([]);
  });
});

/**
 * IAM reads `aws:RequestTag/lambda-deploy:stage` whatever the key's case
 * (`Lambda-Deploy:Stage` too), and of two request keys that differ only in
 * case it reads one, not both (IAM User Guide, aws:RequestTag), while Lambda,
 * API Gateway and Logs keep them apart (tag keys are case-sensitive there). A
 * request that sends `lambda-deploy:stage: main` beside `LAMBDA-DEPLOY:STAGE:
 * pr-7` would be judged on either; the resource then carries the exact key
 * undeploy, prune and the production deploy read. The evaluator reads the last
 * of two such keys: both orders are tried.
 */
describe('tag keys in another case: the preview role writes only lambda-deploy’s own keys, as they are spelled', () => {
  const requests: [string, string][] = [
    ['apigateway:POST', api('/apis')],
    ['apigateway:POST', api('/restapis')],
    ['lambda:CreateFunction', `arn:aws:lambda:${R}:${A}:function:shop-pr-7`],
    ['lambda:TagResource', `arn:aws:lambda:${R}:${A}:function:shop-pr-7`],
    ['logs:CreateLogGroup', `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-pr-7`],
    ['logs:TagResource', `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/shop-pr-7`],
  ];
  const sent = (pairs: [string, string][]): RequestContext => ({
    ...Object.fromEntries(pairs.map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    'aws:TagKeys': pairs.map(([k]) => k),
    ...tags('shop', 'pr-7'),
  });
  const ours: [string, string][] = [
    ['lambda-deploy:name', 'shop'],
    ['lambda-deploy:repository', 'octo/shop'],
    ['lambda-deploy:ref', 'pull/7'],
  ];

  it.each([
    [
      'a protected stage hidden behind another case',
      [
        ['lambda-deploy:stage', 'main'],
        ['LAMBDA-DEPLOY:STAGE', 'pr-7'],
      ],
    ],
    [
      'in the other order',
      [
        ['Lambda-Deploy:Stage', 'pr-7'],
        ['lambda-deploy:stage', 'main'],
      ],
    ],
    [
      'another project hidden behind another case',
      [
        ['lambda-deploy:stage', 'pr-7'],
        ['lambda-deploy:Name', 'shop'],
        ['lambda-deploy:name', 'billing'],
      ],
    ],
  ] as [string, [string, string][]][])('%s: denied', (_, extra) => {
    for (const [action, arn] of requests)
      expect(
        `${action} ${evaluate(doc('preview'), action, arn, sent([...ours.filter(([k]) => !extra.some(([e]) => e.toLowerCase() === k)), ...extra]))}`,
      ).toBe(`${action} explicit-deny`);
  });

  it('its own keys, as the deploy writes them: allowed', () => {
    const own = sent([
      ...ours,
      ['lambda-deploy:stage', 'pr-7'],
      ['lambda-deploy:deploying', '2026-01-01T00:00:00Z'],
    ]);
    for (const [action, arn] of requests)
      expect(`${action} ${evaluate(doc('preview'), action, arn, own)}`).toBe(`${action} allowed`);
  });
});
