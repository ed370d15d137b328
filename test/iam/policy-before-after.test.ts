/**
 * The deploy policies were made shorter to fit IAM's 10,240 characters in
 * GovCloud and China (Deny statements in every partition and, where only
 * Lambda, API Gateway, Logs and EventBridge resources can match, for every
 * action; IAM writes by the first letters of their verbs; the API Gateway
 * denies in one statement; no `{function}:*` beside `{project}-*`; Allow
 * statements in every partition where the account or region pins it; the
 * keep-warm rules beside the functions, the front doors' creation beside the
 * functions', under the same conditions), and the
 * preview role gained a Deny of tag keys that are not lambda-deploy's own
 * (test/iam/two-roles.test.ts). test/fixtures/iam/deploy-policies-before.json
 * holds the documents as they were, with the options that made them (their
 * requests send only lambda-deploy's keys); here both are evaluated (the
 * project's IAM evaluator, test/support/policy-check.ts) for every action AWS
 * lists on the services the policies name, on the resources they reach and
 * their neighbours, under tags of every kind: whatever was explicitly denied
 * still is, and the role is allowed exactly what it was.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { deployRolePolicy } from '../../src/iam/deploy-policy.js';
import type { DeployPolicyOptions } from '../../src/iam/deploy-policy-options.js';
import { functionName } from '../../src/model/stage-name.js';
import { policySize, type PolicyDocument } from '../../src/model/policy-document.js';
import {
  evaluate,
  supportsResourceTag,
  wildcardMatch,
  type Decision,
  type RequestContext,
} from '../support/policy-check.js';
import { resourceTypeFor, sarActions } from '../support/sar.js';

interface Before {
  name: string;
  options: DeployPolicyOptions;
  before: PolicyDocument;
}

const cases = JSON.parse(
  readFileSync(new URL('../fixtures/iam/deploy-policies-before.json', import.meta.url), 'utf8'),
) as Before[];

const SERVICES = ['lambda', 'apigateway', 'logs', 'events', 'iam', 's3', 'sts', 'tag'];

/** The resources of a project, of its protected and preview stages, and their neighbours. */
function resources(o: DeployPolicyOptions): Record<string, string[]> {
  const { project, region, accountId: account } = o;
  const p = o.partition ?? 'aws';
  const other = 'aws' === p ? 'aws-cn' : 'aws';
  const bucket = o.bucket ?? `lambda-deploy-${account}-${region}`;
  const stages = ['pr-7', 'main', 'Main', 'production', 'staging', 'main-fix', 'feature-main'];
  const fns = [...stages.map((s) => functionName(project, s)), `other${project}-main`, 'billing-main'];
  const lambda = fns.flatMap((f) => {
    const arn = `arn:${p}:lambda:${region}:${account}:function:${f}`;
    return [arn, `${arn}:live`, `${arn}:3`, `arn:${p}:lambda:us-west-2:${account}:function:${f}`];
  });
  const layer = (name: string) => `arn:${p}:lambda:${region}:${account}:layer:${name}`;
  const logGroup = (name: string) => `arn:${p}:logs:${region}:${account}:log-group:${name}`;
  const api = (path: string, r = region) => `arn:${p}:apigateway:${r}::${path}`;
  const role = (name: string) => `arn:${p}:iam::${account}:role/${name}`;
  return {
    lambda: [
      ...lambda,
      `arn:${other}:lambda:${region}:${account}:function:${functionName(project, 'main')}`,
      layer(`${project}-deps`),
      `${layer(`${project}-deps`)}:3`,
      `${layer(`${project}-common`)}:1`,
      ...(o.attachedLayers ?? []),
      `arn:${p}:lambda:${region}:${account}:event-source-mapping:abc`,
      '*',
    ],
    logs: [
      `arn:${other}:logs:${region}:${account}:log-group:/aws/lambda/${functionName(project, 'pr-7')}`,
      ...fns.flatMap((f) => [
        logGroup(`/aws/lambda/${f}`),
        logGroup(`/aws/lambda/${f}:*`),
        logGroup(`/aws/lambda/${f}:log-stream:2026/01/01/[$LATEST]abc`),
      ]),
      logGroup('*'),
      logGroup('/ecs/shop'),
      '*',
    ],
    events: [
      ...fns.map((f) => `arn:${p}:events:${region}:${account}:rule/${f}-warm`),
      `arn:${p}:events:${region}:${account}:event-bus/default`,
      `arn:${other}:events:${region}:${account}:rule/${functionName(project, 'pr-7')}-warm`,
      '*',
    ],
    apigateway: [
      ...['/apis', '/restapis', '/usageplans', '/apikeys', '/domainnames'].map((c) => api(c)),
      ...['/apis/h1', '/apis/h1/routes/r1', '/apis/h1/stages/$default', '/restapis/a1/stages/main'].map((c) =>
        api(c),
      ),
      ...['/usageplans/u1', '/usageplans/u1/keys/k1', '/apikeys/k1'].map((c) => api(c)),
      api(`/tags/${encodeURIComponent(api('/apis/h1'))}`),
      api('/apikeys', 'us-west-2'),
      api('/tags/x', 'us-west-2'),
      api('/apis/h1', 'us-west-2'),
      `arn:${other}:apigateway:${region}::/apis/h1`,
      `arn:${other}:apigateway:${region}::/apis`,
      '*',
    ],
    iam: [
      role(`${project}-lambda-deploy`),
      role(`${project}-lambda-deploy-preview`),
      role(`${project}-deploy-production`),
      role(`${project}-deploy-preview`),
      role('admin'),
      ...(o.executionRoleArn ? [o.executionRoleArn] : []),
      `arn:${p}:iam::${account}:policy/${project}-lambda-deploy-boundary`,
      `arn:${other}:iam::${account}:policy/${project}-lambda-deploy-boundary`,
      `arn:${other}:iam::${account}:role/${project}-lambda-deploy-preview`,
      `arn:${p}:iam::${account}:policy/other`,
      `arn:${p}:iam::${account}:user/alice`,
      `arn:${p}:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
      '*',
    ],
    s3: [
      `arn:${p}:s3:::${bucket}`,
      `arn:${p}:s3:::${bucket}/lambda-deploy/${project}/abc.zip`,
      `arn:${p}:s3:::${bucket}/lambda-deploy/other/abc.zip`,
      `arn:${p}:s3:::${bucket}/lambda-deploy-slim/${project}/preview/abc.tar.gz`,
      `arn:${p}:s3:::${bucket}/lambda-deploy-slim/${project}/production/abc.tar.gz`,
      `arn:${p}:s3:::other-bucket`,
      `arn:${other}:s3:::${bucket}/lambda-deploy/${project}/abc.zip`,
      '*',
    ],
    sts: ['*'],
    tag: ['*'],
  };
}

/** Tags the resource has, and the tags a create or tag request sends, in every shape that decides. */
function contexts(o: DeployPolicyOptions, service: string): RequestContext[] {
  const { project } = o;
  const repository = o.repository ?? '';
  const rt = (tags: Record<string, string>) =>
    Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
  const req = (tags: Record<string, string>) => ({
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    'aws:TagKeys': Object.keys(tags),
  });
  const ours = (stage: string) => ({
    'lambda-deploy:name': project,
    'lambda-deploy:stage': stage,
    'lambda-deploy:repository': repository,
  });
  const resourceTags = [
    {},
    rt({ 'lambda-deploy:name': project }),
    rt(ours('pr-7')),
    rt(ours('main')),
    rt(ours('production')),
    rt({ ...ours('pr-7'), 'lambda-deploy:repository': 'someone/else' }),
    rt({ 'lambda-deploy:name': 'billing', 'lambda-deploy:stage': 'pr-7' }),
  ];
  const requestTags = [{}, req(ours('pr-7')), req(ours('Main')), req({ 'lambda-deploy:name': 'billing' })];
  if (service === 'iam')
    return [{}, rt({ 'lambda-deploy:name': project })].flatMap((r) => [
      r,
      {
        ...r,
        'iam:PassedToService': 'lambda.amazonaws.com',
        'iam:PermissionsBoundary': `arn:${o.partition ?? 'aws'}:iam::${o.accountId}:policy/${project}-lambda-deploy-boundary`,
      },
    ]);
  if (!['lambda', 'apigateway', 'logs', 'events'].includes(service)) return [{}];
  return resourceTags.flatMap((r) => requestTags.map((q) => ({ ...r, ...q })));
}

/**
 * One action of each kind: two actions that every statement of both documents
 * names alike (Action or NotAction) get the same decisions everywhere.
 */
function representatives(actions: readonly string[], docs: readonly PolicyDocument[]): string[] {
  const statements = docs.flatMap((d) => d.Statement);
  const names = (s: PolicyDocument['Statement'][number]) => [s.Action ?? s.NotAction ?? []].flat();
  const kinds = new Map<string, string>();
  for (const action of actions) {
    const kind = statements
      .map((s) => (names(s).some((n) => wildcardMatch(n, action, true)) ? 1 : 0))
      .join('');
    if (!kinds.has(kind)) kinds.set(kind, action);
  }
  return [...kinds.values()];
}

/**
 * What the roles lost on purpose since: the preview's PUT on its own HTTP APIs (ReimportApi, which
 * lambda-deploy never calls; an OpenAPI body's tags are tags IAM never sees, test/iam/two-roles.test.ts),
 * either role's requests that send another project's name or another repository
 * (test/iam/other-owner-tags.test.ts), and the preview's AddPermission for any principal but the
 * deploy's own (these contexts name none; test/iam/preview-invokers.test.ts has those), and the
 * preview's deletes of layer versions.
 */
function stoppedOnPurpose(
  o: DeployPolicyOptions,
  action: string,
  resource: string,
  context: RequestContext,
): boolean {
  const p = o.partition ?? 'aws';
  const name = context['aws:RequestTag/lambda-deploy:name'];
  const repository = context['aws:RequestTag/lambda-deploy:repository'];
  return (
    (name !== undefined && name !== o.project) ||
    (o.repository !== undefined &&
      repository !== undefined &&
      ![o.repository, ''].includes(repository as string)) ||
    (o.role === 'preview' &&
      action === 'apigateway:PUT' &&
      resource.startsWith(`arn:${p}:apigateway:${o.region}::/apis/`)) ||
    (o.role === 'preview' &&
      action === 'lambda:AddPermission' &&
      context['lambda:Principal'] === undefined) ||
    // A version of the dependencies layer, production's functions' too (test/iam/preview-layer-deletes.test.ts).
    (o.role === 'preview' && action === 'lambda:DeleteLayerVersion')
  );
}

/**
 * Allow statements name every partition (`arn:*:`) wherever the ARN names the account or a region
 * (ALLOW_PARTITION in src/iam/policy-partitions.ts): an account lives in one partition and a region
 * belongs to one, so an ARN of another partition that names this account or region names nothing,
 * and the role acts only in its own partition anyway. Such an ARN is judged against what the old
 * document decided for the same ARN in the role's own partition: the new one may allow there only
 * what the old allowed at home, and must deny there whatever the old denied at home. Nothing is
 * "stopped" there, as no request of the role ever names another partition.
 */
function homeTwin(o: DeployPolicyOptions, resource: string): string | undefined {
  const [arn, partition, , region, account] = resource.split(':');
  const pinned = [region, account].some((part) => part && part !== '*');
  // An S3 ARN names neither: it is held to the old document's decision on itself.
  if (arn !== 'arn' || partition === (o.partition ?? 'aws') || !pinned) return undefined;
  return resource.replace(/^arn:[^:]+:/, `arn:${o.partition ?? 'aws'}:`);
}

/** The statements added since, on purpose, which the shortening did not have to pay for. */
const ADDED = new Set(['NotOurName', 'NotOurRepo']);
const withoutAdded = (d: PolicyDocument): PolicyDocument => ({
  ...d,
  Statement: d.Statement.filter((s) => !ADDED.has(s.Sid ?? '')),
});

/** A preview that would pass every role of the account (no execution role named, none managed) is refused now. */
const passesEveryRole = (o: DeployPolicyOptions): boolean =>
  o.role === 'preview' && !o.managesExecutionRole && !o.executionRoleArn;

it('a preview document that passed every role is refused now, not shortened', () => {
  const refused = cases.filter((c) => passesEveryRole(c.options));
  expect(refused.map((c) => c.name)).toEqual([
    'preview, aws, no execution role named, no repository, no protected stage',
  ]);
  for (const c of refused) expect(() => deployRolePolicy(c.options)).toThrow(/iam:PassRole on every role/);
});

/**
 * The comparison below pairs each service's actions with that service's ARNs only. An Allow that names
 * resources of several services (a function, its log group and its rule under one condition) grants
 * no more than one statement per service only because IAM checks an action on its own service's
 * resources: every resource type the reference gives for each action it names is its service's.
 */
it("an Allow that names several services' resources: each of its actions acts only on its own service's", async () => {
  const service = (arn: string) => arn.split(':')[2];
  let mixed = 0;
  for (const { options } of cases.filter((c) => !passesEveryRole(c.options)))
    for (const statement of deployRolePolicy(options).Statement) {
      const resources = [statement.Resource ?? []].flat();
      if (statement.Effect !== 'Allow' || new Set(resources.map(service)).size < 2) continue;
      mixed++;
      for (const pattern of [statement.Action ?? []].flat()) {
        const [prefix] = pattern.split(':');
        const named = (await sarActions(prefix!)).filter((a) => wildcardMatch(pattern, a.action, true));
        expect(named.length).toBeGreaterThan(0);
        for (const action of named)
          expect(action.resourceTypes.flatMap((t) => t.arns).filter((a) => service(a) !== prefix)).toEqual(
            [],
          );
      }
    }
  expect(mixed).toBeGreaterThan(0);
});

describe.each(cases.filter((c) => !passesEveryRole(c.options)).map((c) => [c.name, c] as const))(
  '%s',
  (_, { options, before }) => {
    const after = deployRolePolicy(options);

    it('is shorter', () => {
      expect(policySize(withoutAdded(after))).toBeLessThan(policySize(before));
    });

    it('denies everything it denied, and allows exactly what it allowed', async () => {
      const lost: string[] = [];
      const gained: string[] = [];
      const stopped: string[] = [];
      let checked = 0;
      const arns = resources(options);
      for (const service of SERVICES) {
        const ctxs = contexts(options, service);
        const reference = new Map((await sarActions(service)).map((a) => [a.action, a]));
        for (const action of representatives([...reference.keys()], [before, after]))
          for (const resource of arns[service]!) {
            // Tags only where IAM has them: not on a layer, a collection, nor for a call on another type.
            const tagged =
              supportsResourceTag(action, resource) && !!resourceTypeFor(reference.get(action)!, resource);
            for (const sent of ctxs) {
              checked++;
              const context = tagged
                ? sent
                : Object.fromEntries(Object.entries(sent).filter(([k]) => !k.startsWith('aws:ResourceTag/')));
              const twin = homeTwin(options, resource);
              const was: Decision = evaluate(before, action, twin ?? resource, context);
              const is: Decision = evaluate(after, action, resource, context);
              if (was === is) continue;
              const line = `${action} ${resource} ${JSON.stringify(context)}: ${was} -> ${is}`;
              if (was === 'explicit-deny') lost.push(line);
              else if (is === 'allowed') gained.push(line);
              else if (was === 'allowed' && !twin && !stoppedOnPurpose(options, action, resource, context))
                stopped.push(line);
            }
          }
      }
      expect(checked).toBeGreaterThan(10_000);
      expect({ lost, gained, stopped }).toEqual({ lost: [], gained: [], stopped: [] });
    });
  },
);
