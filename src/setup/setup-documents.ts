/**
 * Everything `lambda-deploy setup` puts in an account, as documents: the two
 * deploy roles (trust + permissions), the two execution roles, the permissions
 * boundary of the production execution role, the artifact bucket's settings.
 * Pure: `setup` applies these, `setup --dry-run` and `policy` print them,
 * `setup --cloudformation` turns them into a template.
 */
import { ARTIFACT_EXPIRY_DAYS, defaultBucketName } from '../resources/artifacts/artifact-bucket.js';
import { deployRolePolicy } from '../iam/deploy-policy.js';
import { DEFAULT_PROTECTED_STAGES } from '../model/protected-stages.js';
import {
  boundaryPolicyName,
  executionBoundaryPolicy,
  executionRoleName,
  executionRolePolicy,
  executionRoleTrustPolicy,
} from '../resources/execution-role/execution-policy.js';
import {
  IAM_SIZE_LIMITS,
  INLINE_QUOTA,
  oversizeProblem,
  policy,
  policySize,
  statementsAdvice,
  type Oversize,
  type Partition,
  type PolicyDocument,
} from '../model/policy-document.js';
import {
  DEFAULT_ENVIRONMENTS,
  DEFAULT_PROTECTED_BRANCHES,
  GITHUB_OIDC_HOST,
  oidcTrustPolicy,
} from '../iam/trust-policy.js';
import { TagKeys } from '../model/tags.js';
import type { GatewayKind } from '../model/settings.js';

export interface SetupConfig {
  /** The `name` input. */
  project: string;
  region: string;
  accountId: string;
  partition?: Partition;
  /** `owner/repo`. */
  repository: string;
  ownerId?: string;
  repoId?: string;
  audience?: string;
  protectedStages?: readonly string[];
  protectedBranches?: readonly string[];
  /** GitHub environments the production role trusts. */
  environments?: readonly string[];
  gateway?: GatewayKind | 'all';
  /** The `s3-bucket` input; default `lambda-deploy-{account}-{region}`. */
  bucket?: string;
  keepWarm?: boolean;
  provisionedConcurrency?: boolean;
  layers?: boolean;
  /** Extra statements for the production execution role and its boundary. */
  policyStatements?: readonly object[];
  /**
   * Statements for the preview execution role: what pull requests' code may
   * do. None unless given: previews never inherit production's.
   */
  previewPolicyStatements?: readonly object[];
}

export interface RoleDocuments {
  name: string;
  arn: string;
  description: string;
  trust: PolicyDocument;
  /** The inline policy `lambda-deploy`. */
  policy: PolicyDocument;
  tags: Record<string, string>;
  /** The managed policy ARN that bounds the role. */
  boundaryArn?: string;
}

export interface SetupDocuments {
  oidcProvider: { url: string; arn: string; audience: string };
  deployRoles: { production: RoleDocuments; preview: RoleDocuments };
  executionRoles: { production: RoleDocuments; preview: RoleDocuments };
  boundary: { name: string; arn: string; document: PolicyDocument };
  bucket: {
    name: string;
    policy: PolicyDocument;
    expireAfterDays: number;
    /**
     * Named by --s3-bucket, not the default lambda-deploy bucket: when it
     * exists, it may be anyone's, and setup leaves it as the action does.
     */
    given: boolean;
  };
}

/** The inline policy name on every role setup writes (the action's own name for it too). */
export const INLINE_POLICY_NAME = 'lambda-deploy';

/** `{project}-deploy-production` / `{project}-deploy-preview`. */
export function deployRoleName(project: string, kind: 'production' | 'preview'): string {
  return `${project}-deploy-${kind}`;
}

/** TLS only: every request over plain HTTP is refused, whoever makes it. */
export function tlsOnlyBucketPolicy(bucket: string, partition: Partition = 'aws'): PolicyDocument {
  const arn = `arn:${partition}:s3:::${bucket}`;
  return policy([
    {
      Sid: 'TlsOnly',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ]);
}

function bucketDocuments(name: string, defaultName: string, p: Partition): SetupDocuments['bucket'] {
  return {
    name,
    policy: tlsOnlyBucketPolicy(name, p),
    expireAfterDays: ARTIFACT_EXPIRY_DAYS,
    given: name !== defaultName,
  };
}

export function setupDocuments(config: SetupConfig): SetupDocuments {
  const p = config.partition ?? 'aws';
  const { project, accountId, region } = config;
  const protectedStages = config.protectedStages ?? DEFAULT_PROTECTED_STAGES;
  const projectTags = { [TagKeys.Name]: project, [TagKeys.Repository]: config.repository };
  const roleArn = (name: string) => `arn:${p}:iam::${accountId}:role/${name}`;
  const trust = {
    repository: config.repository,
    ownerId: config.ownerId,
    repoId: config.repoId,
    accountId,
    audience: config.audience,
    protectedBranches: config.protectedBranches ?? DEFAULT_PROTECTED_BRANCHES,
    environments: config.environments ?? DEFAULT_ENVIRONMENTS,
    partition: p,
  };
  const permissions = {
    project,
    region,
    accountId,
    gateway: config.gateway ?? 'all',
    bucket: config.bucket,
    managesExecutionRole: true,
    keepWarm: config.keepWarm ?? true,
    provisionedConcurrency: config.provisionedConcurrency ?? true,
    layers: config.layers ?? true,
    protectedStages,
    repository: config.repository,
    partition: p,
  } as const;
  const deployRole = (kind: 'production' | 'preview'): RoleDocuments => {
    const name = deployRoleName(project, kind);
    return {
      name,
      arn: roleArn(name),
      description: `lambda-deploy ${kind} deploys of ${project} from ${config.repository} (GitHub OIDC)`,
      trust: oidcTrustPolicy({ ...trust, role: kind }),
      policy: deployRolePolicy({ ...permissions, role: kind }),
      tags: projectTags,
    };
  };
  const statements = config.policyStatements ?? [];
  const previewStatements = config.previewPolicyStatements ?? [];
  const bucket = config.bucket ?? defaultBucketName(accountId, region);
  const boundaryName = boundaryPolicyName(project);
  const boundaryArn = `arn:${p}:iam::${accountId}:policy/${boundaryName}`;
  const executionRole = (kind: 'production' | 'preview'): RoleDocuments => {
    const name = executionRoleName(project, kind);
    return {
      name,
      arn: roleArn(name),
      description: `Execution role of the ${project} ${kind === 'preview' ? 'preview ' : ''}functions deployed by lambda-deploy`,
      trust: executionRoleTrustPolicy(),
      policy: executionRolePolicy(project, accountId, kind === 'preview' ? previewStatements : statements, {
        partition: p,
        kind,
        protectedStages,
        bucket,
      }),
      tags: { [TagKeys.Name]: project },
      ...(kind === 'production' && { boundaryArn }),
    };
  };
  return {
    oidcProvider: {
      url: `https://${GITHUB_OIDC_HOST}`,
      arn: `arn:${p}:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`,
      audience: config.audience ?? 'sts.amazonaws.com',
    },
    deployRoles: { production: deployRole('production'), preview: deployRole('preview') },
    executionRoles: { production: executionRole('production'), preview: executionRole('preview') },
    boundary: {
      name: boundaryName,
      arn: boundaryArn,
      document: executionBoundaryPolicy(project, accountId, statements, { partition: p, bucket }),
    },
    bucket: bucketDocuments(bucket, defaultBucketName(accountId, region), p),
  };
}

/**
 * What IAM would refuse for its size, one problem per document, each led by
 * the input that makes it long; empty when every document fits. `trustQuota`:
 * the account's "Role trust policy length" (2,048 unless raised).
 */
export function documentSizeProblems(
  docs: SetupDocuments,
  config: Pick<SetupConfig, 'protectedStages' | 'policyStatements' | 'previewPolicyStatements'>,
  trustQuota: number = IAM_SIZE_LIMITS.trustPolicy,
): string[] {
  const stages = config.protectedStages ?? DEFAULT_PROTECTED_STAGES;
  const shrink = statementsAdvice(config.policyStatements ?? []);
  const inline = (role: RoleDocuments, input: string, advice: string): Oversize => ({
    input,
    what: `the inline policy of role ${role.name}`,
    size: policySize(role.policy),
    limit: IAM_SIZE_LIMITS.roleInlinePolicies,
    quota: INLINE_QUOTA,
    advice,
  });
  const quota = Math.min(trustQuota, IAM_SIZE_LIMITS.trustPolicyMax);
  const trust = (role: RoleDocuments): Oversize => ({
    input: 'protected-branches, github-environment',
    what: `the trust policy of role ${role.name}`,
    size: policySize(role.trust),
    limit: quota,
    quota:
      quota < IAM_SIZE_LIMITS.trustPolicyMax
        ? 'this account\'s "Role trust policy length" quota (Service Quotas can raise it to 4,096),'
        : "IAM's most for a trust policy,",
    advice: 'name fewer protected branches or environments',
  });
  const { production, preview } = docs.deployRoles;
  const checks: Oversize[] = [
    inline(production, 'gateway', 'grant one front door (--gateway) instead of all'),
    inline(preview, 'protected-stages', `each protected stage adds to it: name fewer (${stages.length} now)`),
    inline(docs.executionRoles.production, 'policy-statements', shrink),
    inline(
      docs.executionRoles.preview,
      'preview-policy-statements',
      statementsAdvice(config.previewPolicyStatements ?? []),
    ),
    {
      input: 'policy-statements',
      what: `the permissions boundary ${docs.boundary.name}`,
      size: policySize(docs.boundary.document),
      limit: IAM_SIZE_LIMITS.managedPolicy,
      quota: "IAM's limit for a managed policy,",
      advice: shrink,
    },
    trust(production),
    trust(preview),
  ];
  return checks.map(oversizeProblem).filter((p): p is string => p !== undefined);
}
