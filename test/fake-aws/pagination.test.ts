/**
 * Pagination on every listing the project pages: with `pageSize: 2`, three
 * items take two pages, the second token ends the listing, and each page is
 * no larger than asked.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  GetApiKeysCommand,
  GetResourcesCommand as GetRestResourcesCommand,
  GetRestApisCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway';
import { GetApisCommand, GetIntegrationsCommand, GetRoutesCommand } from '@aws-sdk/client-apigatewayv2';
import { DescribeLogGroupsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import {
  ListAliasesCommand,
  ListFunctionUrlConfigsCommand,
  ListLayerVersionsCommand,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';

let aws: FakeAws;
let c: ReturnType<FakeAws['clients']>;

beforeAll(async () => {
  aws = await startFakeAws({ pageSize: 2 });
  c = aws.clients();
  const s = aws.seed;
  const fn = s.function('f', { versions: 3, tags: { t: '1' } });
  for (const a of ['a', 'b', 'c']) {
    fn.aliases.set(a, { Name: a, FunctionVersion: '1', Description: '', RevisionId: 'r' });
    fn.urls.set(a, {
      FunctionUrl: `https://${a}`,
      FunctionArn: `${fn.arn}:${a}`,
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
      CreationTime: '',
      LastModifiedTime: '',
    });
    s.layerVersion('deps');
    s.restApi(`rest-${a}`);
    s.httpApi(`http-${a}`, { t: '1' });
    s.apiKey(`shop-${a}`);
    s.logGroup(`/aws/lambda/shop-${a}`);
    s.rule(`shop-${a}`, { targets: [{ Id: 'x', Arn: 'arn:x' }] });
    s.role(`role-${a}`).inlinePolicies.set('p', '{}');
    s.object('bucket', a, Buffer.from(a));
  }
  const api = s.httpApi('with-children');
  for (const a of ['a', 'b', 'c']) {
    api.integrations.set(a, { integrationId: a });
    api.routes.set(a, { routeId: a });
  }
  const rest = s.restApi('tree');
  for (const a of ['a', 'b']) rest.resources.set(a, { id: a, path: `/${a}`, methods: new Map() });
  const keys = [...aws.account.apiKeys.keys()];
  for (const a of ['a', 'b', 'c']) s.usagePlan(`plan-${a}`, {}, [], keys);
  aws.account.rules.get('shop-a')!.targets = new Map(
    ['x', 'y', 'z'].map((id) => [id, { Id: id, Arn: 'arn:x' }]),
  );
  aws.account.roles.get('role-a')!.inlinePolicies = new Map(['p', 'q', 'r'].map((n) => [n, '{}']));
  aws.setFunctionLogs('shop-a', ['1', '2', '3']);
});
afterAll(() => aws.close());

type Page = { items: unknown[] | undefined; next: string | undefined };
const listings: [string, (token?: string) => Promise<Page>][] = [
  [
    'Lambda ListVersionsByFunction',
    async (t) => {
      const r = await c.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'f', Marker: t }));
      return { items: r.Versions?.slice(0, 3), next: r.NextMarker };
    },
  ],
  [
    'Lambda ListAliases',
    async (t) => {
      const r = await c.lambda.send(new ListAliasesCommand({ FunctionName: 'f', Marker: t }));
      return { items: r.Aliases, next: r.NextMarker };
    },
  ],
  [
    'Lambda ListFunctionUrlConfigs',
    async (t) => {
      const r = await c.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'f', Marker: t }));
      return { items: r.FunctionUrlConfigs, next: r.NextMarker };
    },
  ],
  [
    'Lambda ListLayerVersions',
    async (t) => {
      const r = await c.lambda.send(
        new ListLayerVersionsCommand({ LayerName: 'deps', Marker: t, MaxItems: 50 }),
      );
      return { items: r.LayerVersions, next: r.NextMarker };
    },
  ],
  [
    'API Gateway GetRestApis',
    async (t) => {
      const r = await c.apiGateway.send(new GetRestApisCommand({ position: t, limit: 500 }));
      return { items: r.items, next: r.position };
    },
  ],
  [
    'API Gateway GetResources',
    async (t) => {
      const api = [...aws.account.restApis.values()].find((a) => a.name === 'tree')!;
      const r = await c.apiGateway.send(
        new GetRestResourcesCommand({ restApiId: api.id, position: t, limit: 500, embed: ['methods'] }),
      );
      return { items: r.items, next: r.position };
    },
  ],
  [
    'API Gateway GetApiKeys',
    async (t) => {
      const r = await c.apiGateway.send(
        new GetApiKeysCommand({ nameQuery: 'shop-', position: t, limit: 500 }),
      );
      return { items: r.items, next: r.position };
    },
  ],
  [
    'API Gateway GetUsagePlans',
    async (t) => {
      const r = await c.apiGateway.send(new GetUsagePlansCommand({ position: t, limit: 500 }));
      return { items: r.items, next: r.position };
    },
  ],
  [
    'API Gateway GetUsagePlanKeys',
    async (t) => {
      const plan = [...aws.account.usagePlans.keys()][0]!;
      const r = await c.apiGateway.send(
        new GetUsagePlanKeysCommand({ usagePlanId: plan, position: t, limit: 500 }),
      );
      return { items: r.items, next: r.position };
    },
  ],
  [
    'HTTP API GetApis',
    async (t) => {
      const r = await c.apiGatewayV2.send(new GetApisCommand({ NextToken: t }));
      return { items: r.Items?.filter((i) => i.Name?.startsWith('http-')), next: r.NextToken };
    },
  ],
  [
    'HTTP API GetIntegrations',
    async (t) => {
      const api = [...aws.account.httpApis.values()].find((a) => a.Name === 'with-children')!;
      const r = await c.apiGatewayV2.send(new GetIntegrationsCommand({ ApiId: api.ApiId, NextToken: t }));
      return { items: r.Items, next: r.NextToken };
    },
  ],
  [
    'HTTP API GetRoutes',
    async (t) => {
      const api = [...aws.account.httpApis.values()].find((a) => a.Name === 'with-children')!;
      const r = await c.apiGatewayV2.send(new GetRoutesCommand({ ApiId: api.ApiId, NextToken: t }));
      return { items: r.Items, next: r.NextToken };
    },
  ],
  [
    'Logs FilterLogEvents',
    async (t) => {
      const r = await c.logs.send(
        new FilterLogEventsCommand({
          logGroupName: '/aws/lambda/shop-a',
          startTime: aws.clock.now(),
          endTime: aws.clock.now() + 1000,
          nextToken: t,
        }),
      );
      return { items: r.events, next: r.nextToken };
    },
  ],
  [
    'Logs DescribeLogGroups',
    async (t) => {
      const r = await c.logs.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/shop-', nextToken: t }),
      );
      return { items: r.logGroups, next: r.nextToken };
    },
  ],
  [
    'EventBridge ListRules',
    async (t) => {
      const r = await c.events.send(new ListRulesCommand({ NamePrefix: 'shop-', NextToken: t }));
      return { items: r.Rules, next: r.NextToken };
    },
  ],
  [
    'EventBridge ListTargetsByRule',
    async (t) => {
      const r = await c.events.send(new ListTargetsByRuleCommand({ Rule: 'shop-a', NextToken: t }));
      return { items: r.Targets, next: r.NextToken };
    },
  ],
  [
    'Tagging GetResources',
    async (t) => {
      const r = await c.tagging.send(
        new GetResourcesCommand({
          TagFilters: [{ Key: 't', Values: ['1'] }],
          ResourceTypeFilters: ['apigateway'],
          PaginationToken: t,
        }),
      );
      return { items: r.ResourceTagMappingList, next: r.PaginationToken || undefined };
    },
  ],
  [
    'S3 ListObjectsV2',
    async (t) => {
      const r = await c.s3.send(new ListObjectsV2Command({ Bucket: 'bucket', ContinuationToken: t }));
      return { items: r.Contents, next: r.NextContinuationToken };
    },
  ],
  [
    'IAM ListRoles',
    async (t) => {
      const r = await c.iam.send(new ListRolesCommand({ Marker: t }));
      return { items: r.Roles?.filter((x) => x.RoleName?.startsWith('role-')), next: r.Marker };
    },
  ],
  [
    'IAM ListRolePolicies',
    async (t) => {
      const r = await c.iam.send(new ListRolePoliciesCommand({ RoleName: 'role-a', Marker: t }));
      return { items: r.PolicyNames, next: r.Marker };
    },
  ],
];

describe('every paged listing hands out pages no larger than pageSize', () => {
  test.each(listings)('%s: three items in two pages', async (_name, fetchPage) => {
    const first = await fetchPage();
    expect(first.next).toEqual(expect.any(String));
    const second = await fetchPage(first.next);
    expect(second.next).toBeUndefined();
    expect((first.items?.length ?? 0) + (second.items?.length ?? 0)).toBeGreaterThanOrEqual(3);
    expect(first.items!.length).toBeLessThanOrEqual(2);
  });
});
