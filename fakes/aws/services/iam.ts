/**
 * IAM (query protocol): roles with their trust policy, inline and attached
 * policies, permissions boundary and tags; OpenID Connect providers. A new
 * role is recorded with its creation time: Lambda refuses it until
 * `timings.rolePropagationMs` has passed (lambda-model.ts).
 */
import { ACCOUNT_ID, arn, newIamId } from '../account.js';
import { fault } from '../errors.js';
import type { ServiceContext, ServiceHandler } from '../service.js';
import type { ManagedPolicy, OidcProvider, Role } from '../state.js';
import { queryAnswer, type Reply } from '../wire.js';
import { formOf, iamPage, loggableForm, memberList, memberTags, tagList } from './query.js';

const NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

const noSuchRole = (name: string) =>
  fault('iam', 'NoSuchEntity', `The role with name ${name} cannot be found.`);
const validation = (value: string, member: string, constraint: string) =>
  fault(
    'iam',
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );

/** A trust policy may name only OpenID Connect providers that exist in the account (IAM checks at write time). */
function checkPrincipals(ctx: ServiceContext, document: string): void {
  const statements = [(JSON.parse(document) as { Statement?: unknown }).Statement ?? []].flat() as {
    Principal?: { Federated?: string | string[] };
  }[];
  for (const s of statements)
    for (const federated of [s.Principal?.Federated ?? []].flat())
      if (federated.includes(':oidc-provider/') && !ctx.account.oidcProviders.has(federated))
        throw fault(
          'iam',
          'MalformedPolicyDocument',
          `Invalid principal in policy: "Federated":"${federated}"`,
        );
}

function checkDocument(document: string, what: string): void {
  try {
    const parsed = JSON.parse(document) as { Statement?: unknown };
    if (!parsed || typeof parsed !== 'object' || parsed.Statement === undefined)
      throw new Error('no Statement');
  } catch {
    throw fault('iam', 'MalformedPolicyDocument', `${what}: This policy contains invalid Json`);
  }
}

/** IAM counts a policy's size without white space. */
const sizeOf = (document: string): number => document.replace(/\s/g, '').length;

function checkManagedSize(document: string): void {
  if (sizeOf(document) > 6_144)
    throw fault('iam', 'LimitExceeded', 'Cannot exceed quota for PolicySize: 6144');
}

function checkTrustSize(ctx: ServiceContext, document: string): void {
  const quota = ctx.account.trustPolicyQuota;
  if (sizeOf(document) > quota)
    throw fault('iam', 'LimitExceeded', `Cannot exceed quota for ACLSizePerRole: ${quota}`);
}

function roleXml(role: Role) {
  return {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: new Date(role.createdAt),
    // IAM returns policy documents URL-encoded.
    AssumeRolePolicyDocument: encodeURIComponent(role.AssumeRolePolicyDocument),
    Description: role.Description,
    MaxSessionDuration: role.MaxSessionDuration,
    ...(role.PermissionsBoundary
      ? {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'Policy',
            PermissionsBoundaryArn: role.PermissionsBoundary,
          },
        }
      : {}),
    ...(Object.keys(role.Tags).length ? { Tags: tagList(role.Tags) } : {}),
  };
}

function checkBoundary(ctx: ServiceContext, value: string): void {
  if (!/^arn:aws[a-zA-Z-]*:iam::(\d{12}|aws):policy\//.test(value))
    throw fault('iam', 'InvalidInput', `ARN ${value} is not valid.`);
  if (!ctx.account.managedPolicies.has(value))
    throw fault('iam', 'NoSuchEntity', `Scope ARN: ${value} does not exist or is not attachable.`);
}

function createRole(ctx: ServiceContext, p: URLSearchParams): Record<string, unknown> {
  const name = p.get('RoleName') ?? '';
  if (!NAME.test(name))
    throw validation(
      name,
      'roleName',
      'Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length less than or equal to 64',
    );
  const path = p.get('Path') ?? '/';
  if (!/^\/([\x21-\x7e]*\/)?$/.test(path))
    throw validation(
      path,
      'path',
      'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
    );
  const trust = p.get('AssumeRolePolicyDocument') ?? '';
  checkDocument(trust, 'AssumeRolePolicyDocument');
  checkPrincipals(ctx, trust);
  checkTrustSize(ctx, trust);
  const maxSession = Number(p.get('MaxSessionDuration') ?? 3600);
  if (maxSession < 3600 || maxSession > 43200)
    throw validation(
      String(maxSession),
      'maxSessionDuration',
      'Member must have value between 3600 and 43200',
    );
  const boundary = p.get('PermissionsBoundary');
  if (boundary) checkBoundary(ctx, boundary);
  if (ctx.account.roles.has(name))
    throw fault('iam', 'EntityAlreadyExists', `Role with name ${name} already exists.`);
  const role: Role = {
    RoleName: name,
    RoleId: newIamId('AROA'),
    Arn: arn.role(name, path),
    Path: path,
    createdAt: ctx.clock.now(),
    AssumeRolePolicyDocument: trust,
    ...(p.get('Description') !== null ? { Description: p.get('Description') as string } : {}),
    MaxSessionDuration: maxSession,
    Tags: memberTags(p),
    inlinePolicies: new Map(),
    attachedPolicies: [],
    ...(boundary ? { PermissionsBoundary: boundary } : {}),
  };
  ctx.account.roles.set(name, role);
  return { Role: roleXml(role) };
}

function deleteRole(ctx: ServiceContext, role: Role): void {
  if (role.inlinePolicies.size)
    throw fault('iam', 'DeleteConflict', 'Cannot delete entity, must delete policies first.');
  if (role.attachedPolicies.length)
    throw fault('iam', 'DeleteConflict', 'Cannot delete entity, must detach all policies first.');
  ctx.account.roles.delete(role.RoleName);
}

// ---- OpenID Connect providers, keyed by ARN (`…:oidc-provider/token.actions.githubusercontent.com`)

function providerOf(ctx: ServiceContext, providerArn: string): OidcProvider {
  const found = ctx.account.oidcProviders.get(providerArn);
  if (!found) throw fault('iam', 'NoSuchEntity', `OpenIDConnect Provider not found for arn ${providerArn}`);
  return found;
}

function createProvider(ctx: ServiceContext, p: URLSearchParams): Record<string, unknown> {
  const url = p.get('Url') ?? '';
  if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(url)) throw fault('iam', 'InvalidInput', `Invalid URL: ${url}`);
  const hostPath = url.slice('https://'.length).replace(/\/$/, '');
  const providerArn = arn.oidcProvider(hostPath);
  if (ctx.account.oidcProviders.has(providerArn))
    throw fault('iam', 'EntityAlreadyExists', `Provider with url ${url} already exists.`);
  const thumbprints = memberList(p, 'ThumbprintList');
  if (thumbprints.some((t) => !/^[0-9a-fA-F]{40}$/.test(t)))
    throw fault('iam', 'InvalidInput', 'Thumbprint must be 40 hexadecimal characters.');
  ctx.account.oidcProviders.set(providerArn, {
    Arn: providerArn,
    Url: hostPath,
    ClientIDList: memberList(p, 'ClientIDList'),
    ThumbprintList: thumbprints,
    Tags: memberTags(p),
    createdAt: ctx.clock.now(),
  });
  return {
    OpenIDConnectProviderArn: providerArn,
    ...(Object.keys(memberTags(p)).length ? { Tags: tagList(memberTags(p)) } : {}),
  };
}

// ---- customer managed policies, keyed by ARN, with up to 5 versions

const MAX_POLICY_VERSIONS = 5;

function policyOf(ctx: ServiceContext, policyArn: string): ManagedPolicy {
  const found = ctx.account.managedPolicies.get(policyArn);
  if (!found) throw fault('iam', 'NoSuchEntity', `Policy ${policyArn} does not exist or is not attachable.`);
  return found;
}

function attachments(ctx: ServiceContext, policyArn: string): number {
  return [...ctx.account.roles.values()].filter((r) => r.attachedPolicies.includes(policyArn)).length;
}

function policyXml(ctx: ServiceContext, policy: ManagedPolicy) {
  return {
    PolicyName: policy.PolicyName,
    PolicyId: policy.PolicyId,
    Arn: policy.Arn,
    Path: policy.Path,
    DefaultVersionId: policy.DefaultVersionId,
    AttachmentCount: attachments(ctx, policy.Arn),
    PermissionsBoundaryUsageCount: [...ctx.account.roles.values()].filter(
      (r) => r.PermissionsBoundary === policy.Arn,
    ).length,
    IsAttachable: true,
    ...(policy.Description !== undefined ? { Description: policy.Description } : {}),
    CreateDate: new Date(policy.createdAt),
    UpdateDate: new Date(policy.createdAt),
    ...(Object.keys(policy.Tags).length ? { Tags: tagList(policy.Tags) } : {}),
  };
}

function createPolicy(ctx: ServiceContext, p: URLSearchParams): Record<string, unknown> {
  const name = p.get('PolicyName') ?? '';
  if (!POLICY_NAME.test(name))
    throw validation(name, 'policyName', 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  const path = p.get('Path') ?? '/';
  const document = p.get('PolicyDocument') ?? '';
  checkDocument(document, 'PolicyDocument');
  checkManagedSize(document);
  const policyArn = `arn:aws:iam::${ACCOUNT_ID}:policy${path}${name}`;
  if (ctx.account.managedPolicies.has(policyArn))
    throw fault(
      'iam',
      'EntityAlreadyExists',
      `A policy called ${name} already exists. Duplicate names are not allowed.`,
    );
  const policy: ManagedPolicy = {
    PolicyName: name,
    PolicyId: newIamId('ANPA'),
    Arn: policyArn,
    Path: path,
    ...(p.get('Description') !== null ? { Description: p.get('Description') as string } : {}),
    DefaultVersionId: 'v1',
    versions: new Map([['v1', { document, createdAt: ctx.clock.now() }]]),
    nextVersion: 2,
    Tags: memberTags(p),
    createdAt: ctx.clock.now(),
  };
  ctx.account.managedPolicies.set(policyArn, policy);
  return { Policy: policyXml(ctx, policy) };
}

function versionXml(policy: ManagedPolicy, id: string, withDocument: boolean) {
  const v = policy.versions.get(id)!;
  return {
    ...(withDocument ? { Document: encodeURIComponent(v.document) } : {}),
    VersionId: id,
    IsDefaultVersion: id === policy.DefaultVersionId,
    CreateDate: new Date(v.createdAt),
  };
}

const MANAGED_POLICY_ACTIONS: Record<string, Handler> = {
  CreatePolicy: createPolicy,
  GetPolicy: (ctx, p) => ({ Policy: policyXml(ctx, policyOf(ctx, p.get('PolicyArn') ?? '')) }),
  ListPolicies: (ctx, p) => {
    const scope = p.get('Scope') ?? 'All';
    const prefix = p.get('PathPrefix') ?? '/';
    const all = [...ctx.account.managedPolicies.values()].filter(
      (x) =>
        x.Path.startsWith(prefix) &&
        (scope === 'All' || (scope === 'Local') === !x.Arn.includes(':aws:policy/')),
    );
    const page = iamPage(ctx, 'iam', all, p, `ListPolicies:${scope}:${prefix}`);
    return {
      Policies: page.items.map((x) => policyXml(ctx, x)),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  DeletePolicy: (ctx, p) => {
    const policy = policyOf(ctx, p.get('PolicyArn') ?? '');
    if (attachments(ctx, policy.Arn))
      throw fault('iam', 'DeleteConflict', 'Cannot delete a policy attached to entities.');
    if (policy.versions.size > 1)
      throw fault(
        'iam',
        'DeleteConflict',
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      );
    ctx.account.managedPolicies.delete(policy.Arn);
    return undefined;
  },
  CreatePolicyVersion: (ctx, p) => {
    const policy = policyOf(ctx, p.get('PolicyArn') ?? '');
    const document = p.get('PolicyDocument') ?? '';
    checkDocument(document, 'PolicyDocument');
    checkManagedSize(document);
    if (policy.versions.size >= MAX_POLICY_VERSIONS)
      throw fault(
        'iam',
        'LimitExceeded',
        `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      );
    const id = `v${policy.nextVersion++}`;
    policy.versions.set(id, { document, createdAt: ctx.clock.now() });
    if (p.get('SetAsDefault') === 'true') policy.DefaultVersionId = id;
    return { PolicyVersion: versionXml(policy, id, false) };
  },
  GetPolicyVersion: (ctx, p) => {
    const policy = policyOf(ctx, p.get('PolicyArn') ?? '');
    const id = p.get('VersionId') ?? '';
    if (!policy.versions.has(id))
      throw fault(
        'iam',
        'NoSuchEntity',
        `Policy ${policy.Arn} version ${id} does not exist or is not attachable.`,
      );
    return { PolicyVersion: versionXml(policy, id, true) };
  },
  ListPolicyVersions: (ctx, p) => {
    const policy = policyOf(ctx, p.get('PolicyArn') ?? '');
    const ids = [...policy.versions.keys()].reverse();
    const page = iamPage(ctx, 'iam', ids, p, `ListPolicyVersions:${policy.Arn}`);
    return {
      Versions: page.items.map((id) => versionXml(policy, id, false)),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  DeletePolicyVersion: (ctx, p) => {
    const policy = policyOf(ctx, p.get('PolicyArn') ?? '');
    const id = p.get('VersionId') ?? '';
    if (id === policy.DefaultVersionId)
      throw fault('iam', 'DeleteConflict', 'Cannot delete the default version of a policy.');
    if (!policy.versions.delete(id))
      throw fault(
        'iam',
        'NoSuchEntity',
        `Policy ${policy.Arn} version ${id} does not exist or is not attachable.`,
      );
    return undefined;
  },
};

type Handler = (ctx: ServiceContext, p: URLSearchParams) => Record<string, unknown> | undefined;

const role = (ctx: ServiceContext, p: URLSearchParams): Role => {
  const name = p.get('RoleName') ?? '';
  const found = ctx.account.roles.get(name);
  if (!found) throw noSuchRole(name);
  return found;
};

const ACTIONS: Record<string, Handler> = {
  CreateRole: createRole,
  GetRole: (ctx, p) => ({ Role: roleXml(role(ctx, p)) }),
  DeleteRole: (ctx, p) => {
    deleteRole(ctx, role(ctx, p));
    return undefined;
  },
  GetAccountSummary: (ctx) => ({
    SummaryMap: new Map([
      ['Roles', ctx.account.roles.size],
      ['RolesQuota', 1000],
      ['AssumeRolePolicySizeQuota', ctx.account.trustPolicyQuota],
      ['RolePolicySizeQuota', 10_240],
      ['PolicySizeQuota', 6_144],
    ]),
  }),
  ListRoles: (ctx, p) => {
    const prefix = p.get('PathPrefix') ?? '/';
    const all = [...ctx.account.roles.values()].filter((r) => r.Path.startsWith(prefix));
    const page = iamPage(ctx, 'iam', all, p, `ListRoles:${prefix}`);
    return { Roles: page.items.map(roleXml), IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
  UpdateAssumeRolePolicy: (ctx, p) => {
    const r = role(ctx, p);
    const document = p.get('PolicyDocument') ?? '';
    checkDocument(document, 'PolicyDocument');
    checkPrincipals(ctx, document);
    checkTrustSize(ctx, document);
    r.AssumeRolePolicyDocument = document;
    return undefined;
  },
  TagRole: (ctx, p) => {
    Object.assign(role(ctx, p).Tags, memberTags(p));
    return undefined;
  },
  UntagRole: (ctx, p) => {
    const r = role(ctx, p);
    for (const key of memberList(p, 'TagKeys')) delete r.Tags[key];
    return undefined;
  },
  ListRoleTags: (ctx, p) => ({ Tags: tagList(role(ctx, p).Tags), IsTruncated: false }),
  PutRolePolicy: (ctx, p) => {
    const r = role(ctx, p);
    const name = p.get('PolicyName') ?? '';
    if (!POLICY_NAME.test(name))
      throw validation(name, 'policyName', 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
    const document = p.get('PolicyDocument') ?? '';
    checkDocument(document, 'PolicyDocument');
    // The quota is for all of a role's inline policies together, not each one.
    const others = [...r.inlinePolicies].filter(([n]) => n !== name).map(([, d]) => sizeOf(d));
    if (others.reduce((sum, n) => sum + n, sizeOf(document)) > 10_240)
      throw fault(
        'iam',
        'LimitExceeded',
        'Maximum policy size of 10240 bytes exceeded for role ' + r.RoleName,
      );
    r.inlinePolicies.set(name, document);
    return undefined;
  },
  GetRolePolicy: (ctx, p) => {
    const r = role(ctx, p);
    const name = p.get('PolicyName') ?? '';
    const document = r.inlinePolicies.get(name);
    if (document === undefined)
      throw fault('iam', 'NoSuchEntity', `The role policy with name ${name} cannot be found.`);
    return { RoleName: r.RoleName, PolicyName: name, PolicyDocument: encodeURIComponent(document) };
  },
  DeleteRolePolicy: (ctx, p) => {
    const r = role(ctx, p);
    const name = p.get('PolicyName') ?? '';
    if (!r.inlinePolicies.delete(name))
      throw fault('iam', 'NoSuchEntity', `The role policy with name ${name} cannot be found.`);
    return undefined;
  },
  ListRolePolicies: (ctx, p) => {
    const r = role(ctx, p);
    const page = iamPage(ctx, 'iam', [...r.inlinePolicies.keys()], p, `ListRolePolicies:${r.RoleName}`);
    return { PolicyNames: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
  AttachRolePolicy: (ctx, p) => {
    const r = role(ctx, p);
    const policyArn = p.get('PolicyArn') ?? '';
    if (!ctx.account.managedPolicies.has(policyArn))
      throw fault('iam', 'NoSuchEntity', `Policy ${policyArn} does not exist or is not attachable.`);
    if (!r.attachedPolicies.includes(policyArn)) r.attachedPolicies.push(policyArn);
    return undefined;
  },
  DetachRolePolicy: (ctx, p) => {
    const r = role(ctx, p);
    const policyArn = p.get('PolicyArn') ?? '';
    if (!r.attachedPolicies.includes(policyArn))
      throw fault('iam', 'NoSuchEntity', `Policy ${policyArn} was not found.`);
    r.attachedPolicies = r.attachedPolicies.filter((a) => a !== policyArn);
    return undefined;
  },
  ListAttachedRolePolicies: (ctx, p) => {
    const r = role(ctx, p);
    const page = iamPage(ctx, 'iam', r.attachedPolicies, p, `ListAttachedRolePolicies:${r.RoleName}`);
    return {
      AttachedPolicies: page.items.map((a) => ({ PolicyArn: a, PolicyName: a.split('/').at(-1) })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
  PutRolePermissionsBoundary: (ctx, p) => {
    const r = role(ctx, p);
    const boundary = p.get('PermissionsBoundary') ?? '';
    checkBoundary(ctx, boundary);
    r.PermissionsBoundary = boundary;
    return undefined;
  },
  DeleteRolePermissionsBoundary: (ctx, p) => {
    delete role(ctx, p).PermissionsBoundary;
    return undefined;
  },
  CreateOpenIDConnectProvider: createProvider,
  GetOpenIDConnectProvider: (ctx, p) => {
    const provider = providerOf(ctx, p.get('OpenIDConnectProviderArn') ?? '');
    return {
      Url: provider.Url,
      ClientIDList: provider.ClientIDList,
      ThumbprintList: provider.ThumbprintList,
      CreateDate: new Date(provider.createdAt),
      ...(Object.keys(provider.Tags).length ? { Tags: tagList(provider.Tags) } : {}),
    };
  },
  ListOpenIDConnectProviders: (ctx) => ({
    OpenIDConnectProviderList: [...ctx.account.oidcProviders.keys()].map((a) => ({ Arn: a })),
  }),
  DeleteOpenIDConnectProvider: (ctx, p) => {
    const providerArn = p.get('OpenIDConnectProviderArn') ?? '';
    providerOf(ctx, providerArn);
    ctx.account.oidcProviders.delete(providerArn);
    return undefined;
  },
  ...MANAGED_POLICY_ACTIONS,
  AddClientIDToOpenIDConnectProvider: (ctx, p) => {
    const provider = providerOf(ctx, p.get('OpenIDConnectProviderArn') ?? '');
    const id = p.get('ClientID') ?? '';
    if (!provider.ClientIDList.includes(id)) provider.ClientIDList.push(id);
    return undefined;
  },
};

export const iamService: ServiceHandler = {
  name: 'iam',
  protocol: 'query',
  route(req, ctx) {
    const params = formOf(req);
    const action = params.get('Action') ?? 'Unknown';
    return {
      name: action,
      input: loggableForm(params),
      run: (): Reply => {
        const handler = ACTIONS[action];
        if (!handler) throw fault('iam', 'InvalidAction', `The fake AWS does not model IAM ${action}`);
        return queryAnswer('iam', action, ctx.requestId, handler(ctx, params));
      },
    };
  },
};
