/** The AWS inputs: region, role-to-assume, execution-role-arn, policy-statements and s3-bucket. */
import { setupCommandFor, type SetupSettings } from '../model/setup-command.js';
import type { Checked, InputReader } from './input-reader.js';
import { Inputs } from './names.js';
import { parsePolicyStatements, POLICY_STATEMENTS_EXPECTED } from './policy-statements.js';
import { protectedStageEntries, readProtectedStages } from './stage-lifecycle.js';

const ROLE_ARN = /^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** The account in the role ARNs `init` writes until setup has printed the real ones. */
export const PLACEHOLDER_ACCOUNT = 'ACCOUNT_ID';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const BUCKET = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Extra IAM statements for the managed execution role, checked as IAM would (policy-statements.ts). */
function readPolicyStatements(r: InputReader, executionRoleArn: string | undefined): object[] | undefined {
  if (!r.given(Inputs.PolicyStatements)) return undefined;
  if (executionRoleArn)
    r.problem(
      `${Inputs.PolicyStatements}: only applies to the role the action manages, but execution-role-arn is set; expected one of the two.`,
    );
  const result = parsePolicyStatements(r.value(Inputs.PolicyStatements));
  if ('statements' in result) return result.statements;
  // Not quoted whole (a policy can be long): each problem names its statement and quotes the part at fault.
  r.problem(
    `${Inputs.PolicyStatements}: ${result.problems.join('; ')}; expected ${POLICY_STATEMENTS_EXPECTED}.`,
  );
  return undefined;
}

/** What the setup command in the placeholder hint carries: the inputs as given (they are checked elsewhere). */
function placeholderSetup(r: InputReader, awsRegion: string | undefined): SetupSettings {
  return {
    name: r.value(Inputs.Name),
    awsRegion,
    protectedStages: readProtectedStages(r),
    protectedStageEntries: protectedStageEntries(r),
    s3Bucket: r.value(Inputs.S3Bucket) || undefined,
  };
}

/** Where in AWS, as whom, with which execution role and bucket. */
export function readAws(
  r: InputReader,
  env: NodeJS.ProcessEnv,
): Checked<'awsRegion' | 'roleToAssume' | 'executionRoleArn' | 'policyStatements' | 's3Bucket'> {
  const awsRegion = r.value(Inputs.AwsRegion) || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  if (awsRegion && !REGION.test(awsRegion)) r.bad(Inputs.AwsRegion, 'a region like us-east-1', awsRegion);
  const roleToAssume = r.value(Inputs.RoleToAssume) || undefined;
  if (roleToAssume && !ROLE_ARN.test(roleToAssume))
    r.bad(
      Inputs.RoleToAssume,
      roleToAssume.includes(`::${PLACEHOLDER_ACCOUNT}:`)
        ? `the role ARN setup prints: ${PLACEHOLDER_ACCOUNT} is the placeholder lambda-deploy init writes (production-role and preview-role of the reusable workflow); run ${setupCommandFor(placeholderSetup(r, awsRegion), env.GITHUB_REPOSITORY)} once and put the two ARNs it ends with in the workflow`
        : 'an IAM role ARN like arn:aws:iam::123456789012:role/deploy',
    );
  const executionRoleArn = r.value(Inputs.ExecutionRoleArn) || undefined;
  if (executionRoleArn && !ROLE_ARN.test(executionRoleArn))
    r.bad(Inputs.ExecutionRoleArn, 'an IAM role ARN like arn:aws:iam::123456789012:role/my-function');
  const policyStatements = readPolicyStatements(r, executionRoleArn);
  const s3Bucket = r.value(Inputs.S3Bucket) || undefined;
  if (s3Bucket && !BUCKET.test(s3Bucket))
    r.bad(Inputs.S3Bucket, 'an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens');
  return { awsRegion, roleToAssume, executionRoleArn, policyStatements, s3Bucket };
}
