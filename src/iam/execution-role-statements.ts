/** The execution roles' statements: reading, passing and (production only) writing them under the permissions boundary. */
import type { PolicyStatement } from '../model/policy-document.js';
import {
  boundaryPolicyName,
  executionRoleName,
  type ExecutionRoleKind,
} from '../resources/execution-role/execution-policy.js';
import type { DeployPolicyOptions } from './deploy-policy-options.js';
import { ALLOW_PARTITION, anyPartition } from './policy-partitions.js';

/** The execution role the action manages (src/resources/execution-role/execution-role.ts), as a policy resource. */
export function managedExecutionRoleName(project: string, kind: ExecutionRoleKind = 'production'): string {
  return executionRoleName(project, kind);
}

/**
 * Execution roles. The preview role only reads and passes the preview
 * execution role. The production role passes either (a single-role setup
 * deploys previews with it too) and may create its own execution role or
 * rewrite its inline policy only with the permissions boundary that `setup`
 * made, which it cannot change (see previewDenies and boundaryDenies).
 */
export function roleStatements(options: DeployPolicyOptions, p: string): PolicyStatement[] {
  const { project, accountId } = options;
  const roleArn = (kind: ExecutionRoleKind) =>
    `arn:${ALLOW_PARTITION}:iam::${accountId}:role/${executionRoleName(project, kind)}`;
  const passToLambda = { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } };
  if (!options.managesExecutionRole)
    return [
      {
        Sid: 'PassExecutionRole',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: options.executionRoleArn ?? `arn:${ALLOW_PARTITION}:iam::${accountId}:role/*`,
        Condition: passToLambda,
      },
    ];
  if (options.role === 'preview')
    return [
      { Sid: 'ExecutionRole', Effect: 'Allow', Action: 'iam:GetRole', Resource: roleArn('preview') },
      {
        Sid: 'PassExecutionRole',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: roleArn('preview'),
        Condition: passToLambda,
      },
    ];
  const boundary = `arn:${p}:iam::${accountId}:policy/${boundaryPolicyName(project)}`;
  return [
    {
      Sid: 'ExecutionRoles',
      Effect: 'Allow',
      Action: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:TagRole'],
      Resource: [roleArn('production'), roleArn('preview')],
    },
    {
      // policy-statements are compared with the boundary's: one it lacks grants nothing.
      Sid: 'ReadTheBoundary',
      Effect: 'Allow',
      Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
      Resource: anyPartition(boundary),
    },
    {
      Sid: 'ExecutionRoleUnderBoundary',
      Effect: 'Allow',
      Action: ['iam:CreateRole', 'iam:PutRolePolicy'],
      Resource: roleArn('production'),
      Condition: { StringEquals: { 'iam:PermissionsBoundary': boundary } },
    },
    {
      Sid: 'PassExecutionRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: [roleArn('production'), roleArn('preview')],
      Condition: passToLambda,
    },
    {
      Sid: 'KeepTheBoundary',
      Effect: 'Deny',
      Action: [
        'iam:DeleteRolePermissionsBoundary',
        'iam:PutRolePermissionsBoundary',
        'iam:CreatePolicyVersion',
        'iam:DeletePolicy',
        'iam:DeletePolicyVersion',
        'iam:SetDefaultPolicyVersion',
      ],
      Resource: [roleArn('production'), roleArn('preview'), boundary].map(anyPartition),
    },
  ];
}
