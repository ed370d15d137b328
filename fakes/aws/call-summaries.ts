/**
 * Summaries of the call log that several suites and the bench assert on:
 * what a run changed, and how many bytes it uploaded.
 */
import type { FakeAws } from './index.js';

/** What each write named: the first of these inputs present (ids before names). */
const NAMED_BY = [
  'FunctionName',
  'RoleName',
  'Bucket',
  'usagePlanId',
  'restApiId',
  'ApiId',
  'apiKey',
  'logGroupName',
  'Rule',
  'Name',
  'ResourceArn',
  'Resource',
];

/** The input a write names beside its main key: a qualifier, a key id, a patch, target ids. */
function detail(input: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof input.keyId === 'string') parts.push(input.keyId);
  if (Array.isArray(input.patchOperations))
    for (const p of input.patchOperations as { op?: string; path?: string; value?: string }[])
      parts.push([p.op, p.path, p.value].filter((x) => x !== undefined).join(' '));
  if (Array.isArray(input.Ids)) parts.push((input.Ids as string[]).join(','));
  return parts.map((p) => ` ${p}`).join('');
}

/**
 * The writes the account received, in order, as `Operation key details`:
 * `DeleteFunction shop-pr-7`, `DeleteFunctionUrlConfig shop-pr-7:live`,
 * `UpdateUsagePlan p1 remove /apiStages a1:pr-7`, `RemoveTargets shop-pr-7-warm lambda-deploy-live`.
 * Refused writes count too (they are what the code attempted) unless `succeeded`.
 */
export function changes(aws: FakeAws, options: { succeeded?: boolean } = {}): string[] {
  const writes = new Set(aws.calls.writes().map((op) => op.slice(op.indexOf(':') + 1)));
  return aws.calls.calls
    .filter((c) => writes.has(c.operation) && (!options.succeeded || (c.status >= 200 && c.status < 300)))
    .map((c) => {
      const key = NAMED_BY.map((k) => c.input[k]).find((v) => typeof v === 'string');
      const alias = /Alias$/.test(c.operation) && c.input.FunctionName ? c.input.Name : undefined;
      const qualifier = [c.input.Qualifier, alias]
        .filter((q) => typeof q === 'string')
        .map((q) => `:${q}`)
        .join('');
      return key === undefined ? c.operation : `${c.operation} ${key}${qualifier}${detail(c.input)}`;
    });
}

/** Bytes the account accepted into S3 (PutObject and UploadPart answered 2xx). */
export function bytesUploaded(aws: FakeAws): number {
  return aws.calls.calls
    .filter((c) => c.service === 's3' && (c.operation === 'PutObject' || c.operation === 'UploadPart'))
    .filter((c) => c.status >= 200 && c.status < 300)
    .reduce((sum, c) => sum + (typeof c.input.ContentLength === 'number' ? c.input.ContentLength : 0), 0);
}
