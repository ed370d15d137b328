/**
 * STS and IAM: the query protocol (form-encoded `Action=...`), XML answers
 * wrapped in `{Action}Response/{Action}Result` with the service's namespace.
 */
import { randomBytes } from 'node:crypto';
import { AwsFault, toXml, xml, type FakeRequest, type Reply } from './http.js';
import type { Routed } from './lambda.js';
import { ACCOUNT_ID, newId, type AccountState, type FakeRole } from './state.js';

const NS = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
} as const;

/** Credentials STS handed out, so tests can assert where they (never) appear. */
export interface IssuedCredentials {
  roleArn: string;
  sessionName: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** The web identity token that was exchanged. */
  webIdentityToken: string;
}

export interface QueryContext {
  state: AccountState;
  issued: IssuedCredentials[];
  /** Decides whether STS accepts a web identity token; an error message refuses it (AccessDenied). */
  checkWebIdentity(token: string, roleArn: string): string | undefined;
}

function answer(service: keyof typeof NS, action: string, result?: Record<string, unknown>): Reply {
  const inner = result ? `<${action}Result>${toXml(result)}</${action}Result>` : '';
  return xml(
    200,
    `<${action}Response xmlns="${NS[service]}">${inner}<ResponseMetadata><RequestId>${newId(12)}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

/** `Tags.member.1.Key=a&Tags.member.1.Value=b` as {a: 'b'}. */
function memberTags(params: URLSearchParams, prefix = 'Tags'): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let i = 1; params.has(`${prefix}.member.${i}.Key`); i++)
    tags[params.get(`${prefix}.member.${i}.Key`) as string] = params.get(`${prefix}.member.${i}.Value`) ?? '';
  return tags;
}

function roleXml(role: FakeRole) {
  return {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: role.CreateDate,
    AssumeRolePolicyDocument: encodeURIComponent(role.AssumeRolePolicyDocument),
    Description: role.Description,
    MaxSessionDuration: 3600,
    Tags: Object.entries(role.Tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

export function routeQuery(service: 'sts' | 'iam', req: FakeRequest, ctx: QueryContext): Routed {
  const params = new URLSearchParams(req.body.toString('utf8'));
  const action = params.get('Action') ?? req.query.get('Action') ?? 'Unknown';
  const input = Object.fromEntries(params);
  // The exchanged token is a secret: keep only its length in the log.
  if (input.WebIdentityToken) input.WebIdentityToken = `<${input.WebIdentityToken.length} characters>`;
  const route = (run: () => Reply): Routed => ({ operation: action, input, run });
  return route(() => (service === 'sts' ? sts(action, params, req, ctx) : iam(action, params, ctx)));
}

function sts(action: string, params: URLSearchParams, req: FakeRequest, ctx: QueryContext): Reply {
  switch (action) {
    case 'GetCallerIdentity': {
      const session = ctx.issued.find((c) => c.accessKeyId === req.accessKeyId);
      const arn = session
        ? `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${session.roleArn.split('/').at(-1)}/${session.sessionName}`
        : `arn:aws:iam::${ACCOUNT_ID}:user/ci`;
      return answer('sts', action, {
        UserId: session ? `AROAFAKE:${session.sessionName}` : 'AIDAFAKEUSER',
        Account: ACCOUNT_ID,
        Arn: arn,
      });
    }
    case 'AssumeRoleWithWebIdentity': {
      const roleArn = params.get('RoleArn') ?? '';
      const sessionName = params.get('RoleSessionName') ?? '';
      const token = params.get('WebIdentityToken') ?? '';
      if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(roleArn))
        throw new AwsFault(400, 'ValidationError', `Invalid RoleArn ${roleArn}`);
      if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
        throw new AwsFault(400, 'ValidationError', `Invalid RoleSessionName ${sessionName}`);
      const refusal = ctx.checkWebIdentity(token, roleArn);
      if (refusal) throw new AwsFault(403, 'AccessDenied', refusal);
      const credentials: IssuedCredentials = {
        roleArn,
        sessionName,
        accessKeyId: `ASIAFAKE${randomBytes(6).toString('hex').toUpperCase()}`,
        secretAccessKey: `fakeSecret${randomBytes(15).toString('base64url')}`,
        sessionToken: `fakeSessionToken${randomBytes(24).toString('base64url')}`,
        webIdentityToken: token,
      };
      ctx.issued.push(credentials);
      return answer('sts', action, {
        Credentials: {
          AccessKeyId: credentials.accessKeyId,
          SecretAccessKey: credentials.secretAccessKey,
          SessionToken: credentials.sessionToken,
          Expiration: new Date(Date.now() + 3600_000),
        },
        SubjectFromWebIdentityToken: 'repo:octo/svc:ref:refs/heads/main',
        AssumedRoleUser: {
          Arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleArn.split('/').at(-1)}/${sessionName}`,
          AssumedRoleId: `AROAFAKE:${sessionName}`,
        },
        Provider: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
        Audience: 'sts.amazonaws.com',
      });
    }
    default:
      throw new AwsFault(400, 'InvalidAction', `The fake STS has no action ${action}`);
  }
}

function iam(action: string, params: URLSearchParams, ctx: QueryContext): Reply {
  const roleName = params.get('RoleName') ?? '';
  const role = () => {
    const found = ctx.state.roles.get(roleName);
    if (!found) throw new AwsFault(404, 'NoSuchEntity', `The role with name ${roleName} cannot be found.`);
    return found;
  };
  switch (action) {
    case 'GetRole':
      return answer('iam', action, { Role: roleXml(role()) });
    case 'CreateRole': {
      if (ctx.state.roles.has(roleName))
        throw new AwsFault(409, 'EntityAlreadyExists', `Role with name ${roleName} already exists.`);
      const made: FakeRole = {
        RoleName: roleName,
        RoleId: `AROA${newId(16).toUpperCase()}`,
        Arn: `arn:aws:iam::${ACCOUNT_ID}:role${params.get('Path') ?? '/'}${roleName}`,
        Path: params.get('Path') ?? '/',
        CreateDate: new Date(),
        AssumeRolePolicyDocument: params.get('AssumeRolePolicyDocument') ?? '',
        Description: params.get('Description') ?? undefined,
        Tags: memberTags(params),
        policies: new Map(),
      };
      ctx.state.roles.set(roleName, made);
      return answer('iam', action, { Role: roleXml(made) });
    }
    case 'PutRolePolicy':
      role().policies.set(params.get('PolicyName') ?? '', params.get('PolicyDocument') ?? '');
      return answer('iam', action);
    case 'GetRolePolicy': {
      const policyName = params.get('PolicyName') ?? '';
      const document = role().policies.get(policyName);
      if (document === undefined)
        throw new AwsFault(404, 'NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
      return answer('iam', action, {
        RoleName: roleName,
        PolicyName: policyName,
        PolicyDocument: encodeURIComponent(document),
      });
    }
    case 'TagRole':
      Object.assign(role().Tags, memberTags(params));
      return answer('iam', action);
    default:
      throw new AwsFault(400, 'InvalidAction', `The fake IAM has no action ${action}`);
  }
}
