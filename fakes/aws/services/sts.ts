/**
 * STS (query protocol): GetCallerIdentity, and AssumeRoleWithWebIdentity the
 * way AWS decides it: the token's issuer must be an OpenID Connect provider
 * of the account, its audience one of the provider's client ids, it must not
 * have expired, and the role's trust policy must allow the provider with the
 * token's claims (trust.ts). The signature of the token is not checked (the
 * test OIDC server signs nothing). Issued credentials expire on the fake's
 * clock.
 */
import { randomBytes } from 'node:crypto';
import { ACCOUNT_ID, arn } from '../account.js';
import { fault } from '../errors.js';
import type { ServiceContext, ServiceHandler } from '../service.js';
import type { IssuedCredentials } from '../state.js';
import { queryAnswer, type Reply } from '../wire.js';
import { formOf, loggableForm } from './query.js';
import { trustAllows } from './trust.js';

export type WebIdentityMode = 'trust-policy' | 'any-jwt';

function claimsOf(token: string): Record<string, unknown> {
  const parts = token.split('.');
  try {
    if (parts.length !== 3) throw new Error('not three parts');
    const claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as unknown;
    if (!claims || typeof claims !== 'object') throw new Error('not an object');
    return claims as Record<string, unknown>;
  } catch {
    throw fault(
      'sts',
      'InvalidIdentityToken',
      'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
    );
  }
}

/** The checks AWS makes before handing out credentials for a web identity token. */
function checkWebIdentity(ctx: ServiceContext, roleArn: string, token: string): Record<string, unknown> {
  const claims = claimsOf(token);
  const issuer = String(claims.iss ?? '');
  const hostPath = issuer.replace(/^https:\/\//, '').replace(/\/$/, '');
  const provider = ctx.account.oidcProviders.get(arn.oidcProvider(hostPath));
  if (!provider)
    throw fault(
      'sts',
      'InvalidIdentityToken',
      `No OpenIDConnect provider found in your account for ${issuer}`,
    );
  const audiences = [claims.aud ?? []].flat().map(String);
  if (!audiences.some((a) => provider.ClientIDList.includes(a)))
    throw fault('sts', 'InvalidIdentityToken', 'Incorrect token audience');
  const now = ctx.clock.now();
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= now)
    throw fault(
      'sts',
      'ExpiredTokenException',
      `Token expired: current date/time ${Math.floor(now / 1000)} must be before the expiration date/time ${claims.exp}`,
    );
  const role = [...ctx.account.roles.values()].find((r) => r.Arn === roleArn);
  if (
    !role ||
    !trustAllows(role.AssumeRolePolicyDocument, { federated: provider.Arn, issuerHost: hostPath, claims })
  )
    throw fault('sts', 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  return claims;
}

function assumeRoleWithWebIdentity(
  ctx: ServiceContext,
  p: URLSearchParams,
  mode: WebIdentityMode,
): Record<string, unknown> {
  const roleArn = p.get('RoleArn') ?? '';
  const sessionName = p.get('RoleSessionName') ?? '';
  const token = p.get('WebIdentityToken') ?? '';
  if (!/^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/.+$/.test(roleArn))
    throw fault(
      'sts',
      'ValidationError',
      `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+`,
    );
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
    throw fault(
      'sts',
      'ValidationError',
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  const claims = mode === 'trust-policy' ? checkWebIdentity(ctx, roleArn, token) : claimsOf(token);
  const role = [...ctx.account.roles.values()].find((r) => r.Arn === roleArn);
  const duration = Number(p.get('DurationSeconds') ?? 3600);
  if (duration < 900 || (role && duration > role.MaxSessionDuration))
    throw fault(
      'sts',
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  const credentials: IssuedCredentials = {
    roleArn,
    sessionName,
    accessKeyId: `ASIAFAKE${randomBytes(6).toString('hex').toUpperCase()}`,
    secretAccessKey: `fakeSecret${randomBytes(15).toString('base64url')}`,
    sessionToken: `fakeSessionToken${randomBytes(24).toString('base64url')}`,
    expiresAt: ctx.clock.now() + duration * 1000,
    claims,
  };
  ctx.account.issued.push(credentials);
  const roleName = roleArn.split('/').at(-1);
  return {
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: new Date(credentials.expiresAt),
    },
    SubjectFromWebIdentityToken: String(claims.sub ?? ''),
    AssumedRoleUser: {
      Arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleName}/${sessionName}`,
      AssumedRoleId: `${role?.RoleId ?? 'AROAFAKE'}:${sessionName}`,
    },
    Provider: String(claims.iss ?? ''),
    Audience: [claims.aud ?? ''].flat()[0],
  };
}

export function stsService(mode: WebIdentityMode): ServiceHandler {
  return {
    name: 'sts',
    protocol: 'query',
    route(req, ctx) {
      const params = formOf(req);
      const action = params.get('Action') ?? 'Unknown';
      return {
        name: action,
        input: loggableForm(params),
        run: (): Reply => {
          if (action === 'GetCallerIdentity')
            return queryAnswer('sts', action, ctx.requestId, {
              UserId: ctx.caller.userId,
              Account: ACCOUNT_ID,
              Arn: ctx.caller.arn,
            });
          if (action === 'AssumeRoleWithWebIdentity')
            return queryAnswer('sts', action, ctx.requestId, assumeRoleWithWebIdentity(ctx, params, mode));
          throw fault('sts', 'InvalidAction', `The fake AWS does not model STS ${action}`);
        },
      };
    },
  };
}
