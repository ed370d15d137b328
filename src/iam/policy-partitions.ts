/** Which partition the deploy roles' ARNs name: every partition wherever the account or region pins it. */

/**
 * Deny statements name their resources in every partition (`arn:*:`): a role
 * only ever acts in its own partition, so this denies nothing more there, and
 * keeps the policy the same length in GovCloud (`arn:aws-us-gov:`) and China
 * as in the commercial regions.
 */
export const DENY_PARTITION = '*';

/**
 * Allow statements too, wherever the ARN names the account or a region: an
 * account lives in one partition and a region belongs to one, so `arn:*:`
 * reaches no resource more than the exact partition did (and the role acts
 * only in its own). S3 ARNs name neither (bucket names are per partition):
 * they keep the exact partition, as do the user's own ARNs (execution-role-arn,
 * layers) and the boundary ARN that a condition compares.
 */
export const ALLOW_PARTITION = '*';

/** An ARN of this partition in every partition (DENY_PARTITION, ALLOW_PARTITION: the account pins it). */
export function anyPartition(arn: string): string {
  return arn.replace(/^arn:[^:]+:/, `arn:${DENY_PARTITION}:`);
}
