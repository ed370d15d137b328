/**
 * The execution roles the action's functions run under: one for previews,
 * one for production, so code from a pull request never runs with
 * production's runtime permissions. Each may write its own functions' log
 * groups and read its own kind's slim dependencies archives, nothing else, plus exactly what the administrator adds with
 * `setup --policy-statements` (or a production deploy's `policy-statements`).
 *
 * The production role carries a permissions boundary (a managed policy that
 * `setup` writes): the production deploy role may rewrite that role's inline
 * policy, but never beyond the boundary, and never change the boundary.
 */
import { createHash } from 'node:crypto';
import { slimArchivePrefix } from '../../model/slim-location.js';
import { functionName } from '../../model/stage-name.js';
import { TagKeys } from '../../model/tags.js';
import {
  EXECUTION_POLICY_SIDS,
  policy,
  type Partition,
  type PolicyDocument,
  type PolicyStatement,
} from '../../model/policy-document.js';

export type ExecutionRoleKind = 'production' | 'preview';

const MAX_ROLE_NAME = 64;

/**
 * `{project}-lambda-deploy` (production: the name earlier releases gave the
 * shared role) and `{project}-lambda-deploy-preview`, shortened with a hash
 * past IAM's 64 characters.
 */
export function executionRoleName(project: string, kind: ExecutionRoleKind = 'production'): string {
  const full = `${project}-lambda-deploy${kind === 'preview' ? '-preview' : ''}`.replace(/[^\w+=,.@-]/g, '-');
  if (full.length <= MAX_ROLE_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_ROLE_NAME - 9).replace(/-+$/, '')}-${hash}`;
}

/** The managed policy that bounds the production execution role. */
export function boundaryPolicyName(project: string): string {
  return `${project}-lambda-deploy-boundary`;
}

/** The trust policy of the execution roles: only Lambda may assume them. */
export function executionRoleTrustPolicy(): PolicyDocument {
  return policy([
    {
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
    },
  ]);
}

export interface ExecutionPolicyOptions {
  region?: string;
  partition?: Partition;
  kind?: ExecutionRoleKind;
  /** Preview only: the stages whose log groups its functions may not write. */
  protectedStages?: readonly string[];
  /**
   * The artifact bucket: its functions may then read their kind's slim
   * dependencies archives (granted up front, so that no deploy, and no
   * preview job, writes IAM when a package turns slim).
   */
  bucket?: string;
}

function logGroupArn(p: string, region: string, accountId: string, name: string): string {
  return `arn:${p}:logs:${region}:${accountId}:log-group:/aws/lambda/${name}`;
}

export function executionRolePolicy(
  project: string,
  accountId: string,
  extraStatements: readonly object[] = [],
  options: ExecutionPolicyOptions = {},
): PolicyDocument {
  const p = options.partition ?? 'aws';
  const region = options.region ?? '*';
  const logGroups = logGroupArn(p, region, accountId, `${project}-*`);
  const statements: PolicyStatement[] = [
    {
      Sid: EXECUTION_POLICY_SIDS.ownLogs,
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      // CreateLogGroup is checked on the group, the other two on its streams.
      Resource: [logGroups, `${logGroups}:*`],
    },
  ];
  if (options.bucket)
    statements.push({
      Sid: EXECUTION_POLICY_SIDS.slimDependencies,
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `arn:${p}:s3:::${options.bucket}/${slimArchivePrefix(project, options.kind ?? 'production')}*`,
    });
  // `{project}-*` names another project's groups too (`shop-admin-main` for `shop`): pull-request
  // code would write lines into its logs (metric filters, alarms, subscriptions read them). Setup
  // refuses such a pair, but only warns when both were set up before it checked. A group Lambda
  // made has no tags, so only a group tagged for another project is denied.
  if (options.kind === 'preview')
    statements.push({
      Sid: EXECUTION_POLICY_SIDS.notOtherProjectsLogs,
      Effect: 'Deny',
      Action: 'logs:*',
      Resource: [logGroups, `${logGroups}:*`],
      Condition: {
        Null: { [`aws:ResourceTag/${TagKeys.Name}`]: 'false' },
        StringNotEquals: { [`aws:ResourceTag/${TagKeys.Name}`]: project },
      },
    });
  const protectedStages = options.kind === 'preview' ? (options.protectedStages ?? []) : [];
  if (protectedStages.length) {
    const groups = protectedStages.map((s) => logGroupArn(p, region, accountId, functionName(project, s)));
    statements.push({
      Sid: EXECUTION_POLICY_SIDS.notProductionLogs,
      Effect: 'Deny',
      Action: 'logs:*',
      Resource: groups.flatMap((g) => [g, `${g}:*`]),
    });
  }
  return policy([...statements, ...(extraStatements as PolicyStatement[])]);
}

/**
 * The permissions boundary of the production execution role: the most its
 * functions can ever do, whatever inline policy a production deploy writes.
 * Its own logs plus the statements the administrator allowed at setup.
 */
export function executionBoundaryPolicy(
  project: string,
  accountId: string,
  allowedStatements: readonly object[] = [],
  options: Pick<ExecutionPolicyOptions, 'partition' | 'region' | 'bucket'> = {},
): PolicyDocument {
  return executionRolePolicy(project, accountId, allowedStatements, { ...options, kind: 'production' });
}
