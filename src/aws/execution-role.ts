import { createHash } from 'node:crypto';
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import { TagKeys } from '../plan/tags.js';
import { type AwsDeps, AwsError, callAws, hasErrorName } from './aws-call.js';

/** Name of the inline policy the action writes on its role. */
export const POLICY_NAME = 'lambda-deploy';
/**
 * Tag holding a hash of the inline policy last written, so an unchanged
 * redeploy needs GetRole only (no GetRolePolicy). A hand edit of the policy
 * is not noticed until the wanted document changes.
 */
export const POLICY_HASH_TAG = 'lambda-deploy:policy';
const MAX_ROLE_NAME = 64;

export const LAMBDA_TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** `{project}-lambda-deploy`, shortened with a hash past IAM's 64 characters. */
export function executionRoleName(project: string): string {
  const full = `${project}-lambda-deploy`.replace(/[^\w+=,.@-]/g, '-');
  if (full.length <= MAX_ROLE_NAME) return full;
  return `${full.slice(0, MAX_ROLE_NAME - 9).replace(/-+$/, '')}-${shortHash(full)}`;
}

/** `aws`, `aws-cn` or `aws-us-gov`, for the ARNs in the policy. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The role's permissions: its own functions' log groups, nothing else, plus the user's statements. */
export function executionPolicy(
  project: string,
  accountId: string,
  extra: object[] = [],
  partition = 'aws',
): string {
  const logGroup = `arn:${partition}:logs:*:${accountId}:log-group:/aws/lambda/${project}-*`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [logGroup, `${logGroup}:*`],
      },
      ...extra,
    ],
  });
}

export interface ExecutionRoleInput {
  project: string;
  /** `execution-role-arn`: used as is. */
  executionRoleArn?: string;
  accountId: string;
  /** The stage's tags; only the project tag goes on the role (stages share it). */
  tags: Record<string, string>;
  /** `policy-statements`: extra statements for the managed role. */
  policyStatements?: object[];
  partition?: string;
}

export interface ExecutionRoleResult {
  roleArn: string;
  /** True when this run created the role: Lambda may not accept it for a few seconds. */
  created: boolean;
}

function policyHash(document: string): string {
  return createHash('sha256').update(document).digest('hex').slice(0, 16);
}

function sameDocument(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

/**
 * The function's execution role: `execution-role-arn` as given, or a minimal
 * role shared by all stages of the project, created on first use and reused.
 */
export async function ensureExecutionRole(
  iam: IAMClient,
  input: ExecutionRoleInput,
  deps: AwsDeps,
): Promise<ExecutionRoleResult> {
  if (input.executionRoleArn) return { roleArn: input.executionRoleArn, created: false };
  const roleName = executionRoleName(input.project);
  const projectTag = input.tags[TagKeys.Name];
  if (projectTag === undefined) throw new Error(`ensureExecutionRole: tags lack ${TagKeys.Name}`);
  const document = executionPolicy(input.project, input.accountId, input.policyStatements, input.partition);
  const hash = policyHash(document);

  let role = await getRole(iam, roleName, deps);
  let created = false;
  if (!role) {
    deps.logger.info(`Creating execution role ${roleName}`);
    try {
      const response = await callAws(
        () =>
          iam.send(
            new CreateRoleCommand({
              RoleName: roleName,
              AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY,
              Description: `Execution role of the ${input.project} functions deployed by lambda-deploy`,
              Tags: [{ Key: TagKeys.Name, Value: projectTag }],
            }),
          ),
        deps,
        {
          what: `Could not create IAM role ${roleName}`,
          permission: 'iam:CreateRole (or set execution-role-arn)',
          passThrough: (e) => hasErrorName(e, 'EntityAlreadyExists'),
        },
      );
      role = response.Role;
      created = true;
    } catch (error) {
      if (!hasErrorName(error, 'EntityAlreadyExists')) throw error;
      // A parallel job of the same project created it first.
      role = await getRole(iam, roleName, deps);
    }
    if (!role?.Arn)
      throw new AwsError(`IAM role ${roleName} was created but cannot be read back`, 'NoSuchEntity');
  } else {
    const tags = Object.fromEntries((role.Tags ?? []).map((t) => [t.Key, t.Value]));
    if (tags[TagKeys.Name] !== projectTag) {
      throw new AwsError(
        `IAM role ${roleName} exists but was not created by lambda-deploy for ${input.project} (its ${TagKeys.Name} tag ` +
          `is ${JSON.stringify(tags[TagKeys.Name] ?? null)}); set execution-role-arn, or remove or rename that role.`,
        'RoleNotOwned',
      );
    }
    if (tags[POLICY_HASH_TAG] === hash) return { roleArn: role.Arn!, created: false };
  }

  await ensurePolicy(iam, roleName, document, created, deps);
  await callAws(
    () => iam.send(new TagRoleCommand({ RoleName: roleName, Tags: [{ Key: POLICY_HASH_TAG, Value: hash }] })),
    deps,
    { what: `Could not tag IAM role ${roleName}`, permission: 'iam:TagRole' },
  );
  return { roleArn: role.Arn!, created };
}

async function getRole(iam: IAMClient, roleName: string, deps: AwsDeps): Promise<Role | undefined> {
  try {
    const response = await callAws(() => iam.send(new GetRoleCommand({ RoleName: roleName })), deps, {
      what: `Could not read IAM role ${roleName}`,
      permission: 'iam:GetRole (or set execution-role-arn)',
      passThrough: (e) => hasErrorName(e, 'NoSuchEntity'),
    });
    return response.Role;
  } catch (error) {
    if (hasErrorName(error, 'NoSuchEntity')) return undefined;
    throw error;
  }
}

/** PutRolePolicy only when the stored document differs (IAM stores it URL-encoded). */
async function ensurePolicy(
  iam: IAMClient,
  roleName: string,
  document: string,
  roleIsNew: boolean,
  deps: AwsDeps,
): Promise<void> {
  if (!roleIsNew) {
    let current: string | undefined;
    try {
      const response = await callAws(
        () => iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: POLICY_NAME })),
        deps,
        {
          what: `Could not read the policy of IAM role ${roleName}`,
          permission: 'iam:GetRolePolicy',
          passThrough: (e) => hasErrorName(e, 'NoSuchEntity'),
        },
      );
      current = response.PolicyDocument ? decodeURIComponent(response.PolicyDocument) : undefined;
    } catch (error) {
      if (!hasErrorName(error, 'NoSuchEntity')) throw error;
    }
    if (current !== undefined && sameDocument(current, document)) return;
  }
  deps.logger.info(`Writing the permissions of execution role ${roleName}`);
  await callAws(
    () =>
      iam.send(
        new PutRolePolicyCommand({ RoleName: roleName, PolicyName: POLICY_NAME, PolicyDocument: document }),
      ),
    deps,
    { what: `Could not write the policy of IAM role ${roleName}`, permission: 'iam:PutRolePolicy' },
  );
}
