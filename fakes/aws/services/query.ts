/**
 * The query protocol of IAM and STS: form-encoded `Action=…` requests with
 * `X.member.N` lists, XML answers. Shared parsing and paging.
 */
import { fault, type ServiceName } from '../errors.js';
import { paginate } from '../pagination.js';
import type { ServiceContext } from '../service.js';
import type { WireRequest } from '../wire.js';

export function formOf(req: WireRequest): URLSearchParams {
  const params = new URLSearchParams(req.body.toString('utf8'));
  for (const [k, v] of req.query) if (!params.has(k)) params.set(k, v);
  return params;
}

/** `Tags.member.1.Key=a&Tags.member.1.Value=b` as {a: 'b'}. */
export function memberTags(params: URLSearchParams, prefix = 'Tags'): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let i = 1; params.has(`${prefix}.member.${i}.Key`); i++)
    tags[params.get(`${prefix}.member.${i}.Key`) as string] = params.get(`${prefix}.member.${i}.Value`) ?? '';
  return tags;
}

/** `X.member.1=a&X.member.2=b` as ['a', 'b']. */
export function memberList(params: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${prefix}.member.${i}`); i++)
    out.push(params.get(`${prefix}.member.${i}`) as string);
  return out;
}

/** The form as the SDK input it came from, for the call log (lists and tags folded back). */
export function loggableForm(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of params) {
    if (k === 'Action' || k === 'Version') continue;
    const m = /^(\w+)\.member\.\d+(?:\.(\w+))?$/.exec(k);
    if (!m) out[k] = k === 'WebIdentityToken' ? `<${v.length} characters>` : v;
    else if (m[1] === 'Tags')
      out.Tags = Object.entries(memberTags(params)).map(([Key, Value]) => ({ Key, Value }));
    else out[m[1] as string] = memberList(params, m[1] as string);
  }
  return out;
}

export function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** IAM's Marker / MaxItems paging: the page, IsTruncated and the next Marker. */
export function iamPage<T>(
  ctx: ServiceContext,
  service: ServiceName,
  items: T[],
  params: URLSearchParams,
  listing: string,
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const p = paginate(items, {
    listing,
    token: params.get('Marker'),
    requested: params.get('MaxItems'),
    limits: { defaultSize: 100, maxSize: 1000 },
    cap: ctx.pageSize,
    invalidToken: (m) => fault(service, service === 'iam' ? 'InvalidInput' : 'ValidationError', m),
  });
  return { items: p.items, IsTruncated: !!p.next, ...(p.next ? { Marker: p.next } : {}) };
}
