/**
 * The inline policy of the execution role the action manages: its functions
 * may write their own log groups and nothing else, plus exactly what the user
 * adds with `policy-statements`. src/aws/execution-role.ts writes the role;
 * this is the reference the policy command prints and the tests compare to.
 */
import { policy, type Partition, type PolicyDocument, type PolicyStatement } from './policy-document.js';

/** The trust policy of the execution role: only Lambda may assume it. */
export function executionRoleTrustPolicy(): PolicyDocument {
  return policy([
    {
      Effect: 'Allow',
      Principal: { Service: 'lambda.amazonaws.com' },
      Action: 'sts:AssumeRole',
    },
  ]);
}

export function executionRolePolicy(
  project: string,
  accountId: string,
  extraStatements: readonly object[] = [],
  options: { region?: string; partition?: Partition } = {},
): PolicyDocument {
  const p = options.partition ?? 'aws';
  const region = options.region ?? '*';
  const logGroups = `arn:${p}:logs:${region}:${accountId}:log-group:/aws/lambda/${project}-*`;
  return policy([
    {
      Sid: 'OwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      // CreateLogGroup is checked on the group, the other two on its streams.
      Resource: [logGroups, `${logGroups}:*`],
    },
    ...(extraStatements as PolicyStatement[]),
  ]);
}
