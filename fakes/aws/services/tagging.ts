/**
 * The Resource Groups Tagging API (JSON 1.1): GetResources over every tagged
 * resource of the account (functions, API Gateway resources, rules, log
 * groups), filtered by tag and resource type, paged with PaginationToken;
 * or, with ResourceARNList (alone, at most 100), those resources' tags.
 * A resource with no tags is not in the index, as in AWS. Entries a test
 * adds with `seed.staleTagIndex` stand for resources already deleted that the
 * index still lists (it lags behind deletes).
 */
import { arn, type Tags } from '../account.js';
import { fault } from '../errors.js';
import type { ServiceContext } from '../service.js';
import { httpApiArns } from './apigateway-http.js';
import { restApiArns } from './apigateway-rest.js';
import { jsonPage, jsonService } from './json-protocol.js';

export interface IndexEntry {
  arn: string;
  tags: Tags;
}

/** Every tagged resource of the account, as the tagging index sees it. */
export function taggedResources(
  ctx: Pick<ServiceContext, 'account'>,
  stale: IndexEntry[] = [],
): IndexEntry[] {
  const a = ctx.account;
  return [
    ...[...a.functions.values()].map((f) => ({ arn: f.arn, tags: f.tags })),
    ...restApiArns(ctx),
    ...httpApiArns(ctx),
    ...[...a.rules.values()].map((r) => ({ arn: r.Arn, tags: r.tags })),
    ...[...a.logGroups.values()].map((g) => ({ arn: arn.logGroup(g.name), tags: g.tags })),
    ...stale,
  ].filter((r) => Object.keys(r.tags).length > 0);
}

/** `lambda:function`, `apigateway:restapis`, `events:rule`, `logs:log-group` of an ARN. */
export function resourceType(resourceArn: string): string {
  const [, , service = '', , , resource = ''] = resourceArn.split(':');
  if (service === 'apigateway') return `apigateway:${resource.split('/')[1] ?? ''}`;
  return `${service}:${resource.split('/')[0]}`;
}

export function taggingService(stale: IndexEntry[]) {
  return jsonService('tagging', {
    GetResources: (ctx, body) => {
      if (body.ResourceARNList !== undefined) return byArn(ctx, stale, body);
      const types = ((body.ResourceTypeFilters ?? []) as string[]).map(String);
      for (const t of types)
        if (!/^[a-z0-9-]+(:[a-zA-Z0-9-]+)?$/.test(t))
          throw fault(
            'tagging',
            'InvalidParameterException',
            `Unsupported service=${t} in ResourceTypeFilters.`,
          );
      const filters = (body.TagFilters ?? []) as { Key: string; Values?: string[] }[];
      const perPage = Number(body.ResourcesPerPage ?? 50);
      if (perPage < 1 || perPage > 100)
        throw fault('tagging', 'InvalidParameterException', 'ResourcesPerPage must be between 1 and 100.');
      const found = taggedResources(ctx, stale).filter(
        (r) =>
          (!types.length ||
            types.some((t) => resourceType(r.arn) === t || resourceType(r.arn).startsWith(`${t}:`))) &&
          filters.every(
            (f) => f.Key in r.tags && (!f.Values?.length || f.Values.includes(r.tags[f.Key] as string)),
          ),
      );
      const listing = `GetResources:${JSON.stringify([types, filters])}`;
      const page = jsonPage(ctx, 'tagging', found, body.PaginationToken || undefined, perPage, listing, {
        defaultSize: 50,
        maxSize: 100,
      });
      return {
        ResourceTagMappingList: page.items.map((r) => ({
          ResourceARN: r.arn,
          Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
        })),
        // The tagging API ends a listing with an empty token, not an absent one.
        PaginationToken: page.next ?? '',
      };
    },
  });
}

/** GetResources with ResourceARNList: the listed resources the index holds; an unknown ARN is no error. */
function byArn(ctx: ServiceContext, stale: IndexEntry[], body: Record<string, unknown>) {
  const arns = (body.ResourceARNList as unknown[]).map(String);
  const others = ['ResourceTypeFilters', 'TagFilters', 'ResourcesPerPage', 'TagsPerPage', 'PaginationToken'];
  const also = others.filter((k) => body[k] !== undefined && body[k] !== '');
  if (also.length)
    throw fault(
      'tagging',
      'InvalidParameterException',
      `ResourceARNList cannot be specified together with ${also.join(', ')}.`,
    );
  if (arns.length < 1 || arns.length > 100)
    throw fault('tagging', 'InvalidParameterException', 'ResourceARNList must hold between 1 and 100 ARNs.');
  const wanted = new Set(arns);
  return {
    ResourceTagMappingList: taggedResources(ctx, stale)
      .filter((r) => wanted.has(r.arn))
      .map((r) => ({
        ResourceARN: r.arn,
        Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })),
      })),
    PaginationToken: '',
  };
}
