/**
 * The one account the fake AWS models, stated once: its id, its region, and
 * the id of "another account" (a bucket squatter, a cross-account role).
 * Every ARN the fake builds comes from here.
 */
import { randomBytes } from 'node:crypto';

export const ACCOUNT_ID = '123456789012';
export const OTHER_ACCOUNT_ID = '210987654321';
export const REGION = 'us-east-1';
export const PARTITION = 'aws';

export const arn = {
  function: (name: string, qualifier?: string) =>
    `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT_ID}:function:${name}${qualifier ? `:${qualifier}` : ''}`,
  layer: (name: string, version?: number) =>
    `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT_ID}:layer:${name}${version === undefined ? '' : `:${version}`}`,
  role: (name: string, path = '/') => `arn:${PARTITION}:iam::${ACCOUNT_ID}:role${path}${name}`,
  oidcProvider: (hostPath: string) => `arn:${PARTITION}:iam::${ACCOUNT_ID}:oidc-provider/${hostPath}`,
  policy: (name: string) => `arn:${PARTITION}:iam::${ACCOUNT_ID}:policy/${name}`,
  restApi: (id: string) => `arn:${PARTITION}:apigateway:${REGION}::/restapis/${id}`,
  restStage: (id: string, stage: string) =>
    `arn:${PARTITION}:apigateway:${REGION}::/restapis/${id}/stages/${stage}`,
  httpApi: (id: string) => `arn:${PARTITION}:apigateway:${REGION}::/apis/${id}`,
  httpStage: (id: string, stage: string) =>
    `arn:${PARTITION}:apigateway:${REGION}::/apis/${id}/stages/${stage}`,
  usagePlan: (id: string) => `arn:${PARTITION}:apigateway:${REGION}::/usageplans/${id}`,
  apiKey: (id: string) => `arn:${PARTITION}:apigateway:${REGION}::/apikeys/${id}`,
  rule: (name: string) => `arn:${PARTITION}:events:${REGION}:${ACCOUNT_ID}:rule/${name}`,
  logGroup: (name: string) => `arn:${PARTITION}:logs:${REGION}:${ACCOUNT_ID}:log-group:${name}`,
};

/** API Gateway style ids: lower-case letters and digits. */
export function newId(length = 10): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** A UUID-shaped id (Lambda RevisionId, request ids). */
export function newUuid(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** IAM's unique ids: a prefix (AROA for roles) and 17 upper-case characters. */
export function newIamId(prefix: string): string {
  return prefix + newId(17).toUpperCase();
}

export type Tags = Record<string, string>;
