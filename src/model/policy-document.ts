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
  notOtherProjectsLogs: 'NotOtherProjectsLogs',
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

/**
 * IAM's size quotas, in characters not counting white space (IAM and STS
 * quotas). A document over one is refused when it is written, so lambda-deploy
 * checks them before its first AWS write.
 */
export const IAM_SIZE_LIMITS = Object.freeze({
  /** All inline policies of one role together; lambda-deploy writes one per role. */
  roleInlinePolicies: 10_240,
  /** One managed policy: the permissions boundary. */
  managedPolicy: 6_144,
  /** A role's trust policy: the default quota ("Role trust policy length"). */
  trustPolicy: 2_048,
  /** The most that quota can be raised to. */
  trustPolicyMax: 4_096,
});

/** A document's size as IAM counts it against those quotas: its JSON without white space. */
export function policySize(document: PolicyDocument | readonly object[]): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

const count = (n: number): string => n.toLocaleString('en-US');

/** A document over one of IAM's size quotas, and what to change. */
export interface Oversize {
  /** The input that makes it long. */
  input: string;
  /** "the inline policy of role shop-lambda-deploy". */
  what: string;
  size: number;
  limit: number;
  /** Which quota, completing "over ...": "IAM's limit for a managed policy,". */
  quota: string;
  advice: string;
}

/** The one wording of a size problem, led by the input; undefined when the document fits. */
export function oversizeProblem(o: Oversize): string | undefined {
  if (o.size <= o.limit) return undefined;
  return `${o.input}: ${o.what} would be ${count(o.size)} characters (IAM counts them without white space), over ${o.quota} ${count(o.limit)}; ${o.advice}.`;
}

export const INLINE_QUOTA = "IAM's limit for a role's inline policies,";

/** What shrinks a policy that `policy-statements` made too long. */
export function statementsAdvice(statements: readonly object[]): string {
  return `your statements make up ${count(policySize(statements))} of them: merge statements that share Effect and Resource, or use wildcards in Action`;
}
