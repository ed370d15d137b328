/** The parts of the IAM policy grammar this project writes and checks. */

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  /** Trust policies only. */
  Principal?: string | Record<string, string | string[]>;
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The Sids of the statements lambda-deploy writes into an execution role's policy (IAM wants them unique). */
export const EXECUTION_POLICY_SIDS = Object.freeze({
  ownLogs: 'OwnLogs',
  slimDependencies: 'SlimDependencies',
  notProductionLogs: 'NotProductionLogs',
});

/** The partition of every ARN written here; China and GovCloud take another. */
export type Partition = 'aws' | 'aws-cn' | 'aws-us-gov';

export function policy(statements: PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/** Stable, readable JSON for printing (two-space indent, as the IAM console shows it). */
export function policyJson(document: PolicyDocument): string {
  return JSON.stringify(document, null, 2);
}
