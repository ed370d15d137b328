import { createHash } from 'node:crypto';
import {
  CreateRoleCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import {
  executionRoleName,
  executionRolePolicy,
  executionRoleTrustPolicy,
  type ExecutionRoleKind,
} from './execution-policy.js';
import {
  IAM_SIZE_LIMITS,
  INLINE_QUOTA,
  oversizeProblem,
  policySize,
  statementsAdvice,
  type Partition,
} from '../../model/policy-document.js';
import { defaultBucketName } from '../artifacts/artifact-bucket.js';
import { TagKeys } from '../../model/tags.js';
import { type AwsDeps, AwsError, callAws, hasErrorName, isAccessDenied } from '../../aws/aws-call.js';
import { Inputs } from '../../settings/names.js';
import { inputName, type Surface } from '../../settings/surface.js';
import { errorMessage } from '../../util/retry.js';
import { coveredByBoundary } from '../../model/statement-coverage.js';
import { setupCommandLine, type SetupCommandOptions } from '../../model/setup-command.js';

/** Name of the inline policy the action writes on its role. */
export const POLICY_NAME = 'lambda-deploy';
/**
 * Tag holding a hash of the inline policy last written, so an unchanged
 * redeploy needs GetRole only (no GetRolePolicy). A hand edit of the policy
 * is not noticed until the wanted document changes.
 */
export const POLICY_HASH_TAG = 'lambda-deploy:policy';
export { executionRoleName, type ExecutionRoleKind };

export const LAMBDA_TRUST_POLICY = JSON.stringify(executionRoleTrustPolicy());

/** `aws`, `aws-cn` or `aws-us-gov`, for the ARNs in the policy. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The role's permissions: its own functions' log groups (and slim archives in `bucket`), plus the user's statements. */
export function executionPolicy(
  project: string,
  accountId: string,
  extra: object[] = [],
  partition = 'aws',
  bucket?: string,
): string {
  return JSON.stringify(
    executionRolePolicy(project, accountId, extra, { partition: partition as Partition, bucket }),
  );
}

/** Any 12-digit account id gives the documents their real length. */
const ANY_ACCOUNT = '000000000000';

/**
 * Why IAM would refuse the production execution role's inline policy with
 * `policy-statements` for its size (undefined: it fits). Pure, so a deploy
 * says it before signing in, not after uploading.
 */
export function executionPolicySizeProblem(input: {
  project: string;
  policyStatements: object[];
  region: string;
  /** `s3-bucket`; the default bucket when empty. */
  bucket?: string;
}): string | undefined {
  const document = executionRolePolicy(input.project, ANY_ACCOUNT, input.policyStatements, {
    partition: partitionOf(input.region) as Partition,
    bucket: input.bucket || defaultBucketName(ANY_ACCOUNT, input.region),
  });
  return oversizeProblem({
    input: 'policy-statements',
    what: `the inline policy of role ${executionRoleName(input.project)}`,
    size: policySize(document),
    limit: IAM_SIZE_LIMITS.roleInlinePolicies,
    quota: INLINE_QUOTA,
    advice: statementsAdvice(input.policyStatements),
  });
}

export interface ExecutionRoleInput {
  project: string;
  /** `execution-role-arn`: used as is. */
  executionRoleArn?: string;
  accountId: string;
  /** The deploy's region: the setup command a missing role or boundary prints names it. */
  region?: string;
  /** The stage's tags; only the project tag goes on the role (stages share it). */
  tags: Record<string, string>;
  /** `policy-statements`: extra statements for the managed role (production runs only). */
  policyStatements?: object[];
  partition?: string;
  /**
   * Which role the stage runs under. A preview run only reads its role: it
   * never writes IAM, so `setup` must have made the role.
   */
  kind?: ExecutionRoleKind;
  /** The managed policy a production role is created with (`setup` makes it). */
  permissionsBoundary?: string;
  /** The artifact bucket, for the slim archives' read grant (as `setup` writes it). */
  bucket?: string;
  /** What the setup command in a hint carries beyond name, region and repository (the deploy's settings). */
  setup?: Partial<SetupCommandOptions>;
}

export interface ExecutionRoleResult {
  roleArn: string;
  /** True when this run created the role: Lambda may not accept it for a few seconds. */
  created: boolean;
}

export function policyHash(document: string): string {
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
  /** The role as readExecutionRole found it (undefined: not there): not read again. */
  known?: { role: Role | undefined },
): Promise<ExecutionRoleResult> {
  if (input.executionRoleArn) return { roleArn: input.executionRoleArn, created: false };
  const kind = input.kind ?? 'production';
  const roleName = executionRoleName(input.project, kind);
  const projectTag = input.tags[TagKeys.Name];
  if (projectTag === undefined) throw new Error(`ensureExecutionRole: tags lack ${TagKeys.Name}`);
  const read = () => (known ? Promise.resolve(known.role) : getRole(iam, roleName, deps));
  if (kind === 'preview') return previewRole(input, roleName, projectTag, read, deps);
  const document = executionPolicy(
    input.project,
    input.accountId,
    input.policyStatements,
    input.partition,
    input.bucket,
  );
  const hash = policyHash(document);

  let role = await read();
  let created = false;
  if (!role) {
    deps.logger.info(`Creating execution role ${roleName}`);
    try {
      const response = await callAws(
        deps,
        {
          what: `create IAM role ${roleName}`,
          permission: `iam:CreateRole with the permissions boundary ${input.permissionsBoundary ?? '(none)'}; run ${setupCommand(input)} once, or ${useOwnRole(deps.surface)}`,
          passThrough: (e) => hasErrorName(e, 'EntityAlreadyExists'),
          // IAM answers NoSuchEntity, "Scope ARN: … does not exist or is not attachable.", for a boundary
          // that is not there: setup, which makes it, never ran. The words count too: the code is undocumented.
          hint: (e) =>
            input.permissionsBoundary &&
            (hasErrorName(e, 'NoSuchEntity') ||
              (e instanceof Error && e.message.includes('does not exist or is not attachable')))
              ? `The permissions boundary is made by setup: run ${setupCommand(input)} once with administrator credentials, or ${useOwnRole(deps.surface)}.`
              : undefined,
        },
        () =>
          iam.send(
            new CreateRoleCommand({
              RoleName: roleName,
              AssumeRolePolicyDocument: LAMBDA_TRUST_POLICY,
              Description: `Execution role of the ${input.project} functions deployed by lambda-deploy`,
              Tags: [{ Key: TagKeys.Name, Value: projectTag }],
              PermissionsBoundary: input.permissionsBoundary,
            }),
          ),
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
    checkOwner(role, roleName, input.project, projectTag, deps.surface);
    const tags = Object.fromEntries((role.Tags ?? []).map((t) => [t.Key, t.Value]));
    if (tags[POLICY_HASH_TAG] === hash) return { roleArn: role.Arn!, created: false };
    // Without policy-statements the policy is setup's to keep: a deploy does not undo it.
    if (!input.policyStatements) return { roleArn: role.Arn!, created: false };
  }

  if (input.policyStatements && input.permissionsBoundary)
    await warnOutsideBoundary(iam, input, input.policyStatements, input.permissionsBoundary, deps);
  await ensurePolicy(iam, roleName, document, created, deps);
  await callAws(deps, { what: `tag IAM role ${roleName}`, permission: 'iam:TagRole' }, () =>
    iam.send(new TagRoleCommand({ RoleName: roleName, Tags: [{ Key: POLICY_HASH_TAG, Value: hash }] })),
  );
  return { roleArn: role.Arn!, created };
}

/**
 * Which of `statements` the boundary does not cover (see coveredByBoundary),
 * by position and Sid ("2 (Orders)"). Pure. Setup writes the boundary with
 * the same statements, so one not covered was added to the workflow only.
 */
export function statementsOutsideBoundary(statements: readonly object[], boundary: unknown): string[] {
  const held = (boundary as { Statement?: unknown } | undefined)?.Statement;
  return statements.flatMap((statement, i) => {
    if (coveredByBoundary(statement, held)) return [];
    const sid = (statement as { Sid?: unknown }).Sid;
    return [typeof sid === 'string' ? `${i + 1} (${sid})` : `${i + 1}`];
  });
}

/**
 * A function gets only what both its role's policy and its boundary allow: a
 * statement that is only in `policy-statements` grants nothing. Said as a
 * warning (a wider boundary statement may still cover it); a failed read is one too.
 */
async function warnOutsideBoundary(
  iam: IAMClient,
  input: ExecutionRoleInput,
  statements: readonly object[],
  boundaryArn: string,
  deps: AwsDeps,
): Promise<void> {
  const name = boundaryArn.slice(boundaryArn.lastIndexOf('/') + 1);
  const flag = inputName(deps.surface ?? 'action', Inputs.PolicyStatements);
  let boundary: unknown;
  try {
    const found = await callAws(
      deps,
      { what: `read the permissions boundary ${name}`, permission: `iam:GetPolicy on ${name}` },
      () => iam.send(new GetPolicyCommand({ PolicyArn: boundaryArn })),
    );
    const version = await callAws(
      deps,
      { what: `read the permissions boundary ${name}`, permission: `iam:GetPolicyVersion on ${name}` },
      () =>
        iam.send(
          new GetPolicyVersionCommand({ PolicyArn: boundaryArn, VersionId: found.Policy?.DefaultVersionId }),
        ),
    );
    boundary = JSON.parse(decodeURIComponent(version.PolicyVersion?.Document ?? '{}'));
  } catch (error) {
    // Only a warning: the comparison is advice. IAM enforces the boundary whether or not it is
    // read, and failing here would stop every production deploy of roles set up before the read.
    const fix =
      isAccessDenied(error) && deps.surface !== 'terminal'
        ? ` Deploy roles set up before this check lack that read: run ${setupCommand(input)} again (administrator credentials); it adds ReadTheBoundary to the production deploy role. The statements were written; IAM grants only what the boundary also allows.`
        : '';
    deps.logger.warning(
      `${deps.surface === 'terminal' ? `The statements of ${flag}` : 'policy-statements'} were not compared with the permissions boundary (a statement it lacks grants nothing): ${errorMessage(error)}${fix}`,
    );
    return;
  }
  const outside = statementsOutsideBoundary(statements, boundary);
  if (outside.length)
    deps.logger.warning(
      `${flag}: ${outside.length === 1 ? 'statement' : 'statements'} ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not covered by the permissions boundary ${name}: ` +
        'a function gets only what both allow, so the actions and resources the boundary does not allow are not granted. ' +
        `Run ${setupCommand(input, '--policy-statements FILE')} with the same statements (administrator credentials).`,
    );
}

/** How to give the function a role of one's own: the input `execution-role-arn`, or the CLI's flag. */
function useOwnRole(surface: Surface = 'action'): string {
  return surface === 'terminal'
    ? `pass ${inputName(surface, Inputs.ExecutionRoleArn)} ARN`
    : `set ${inputName(surface, Inputs.ExecutionRoleArn)}`;
}

function checkOwner(
  role: Role,
  roleName: string,
  project: string,
  projectTag: string,
  surface?: Surface,
): void {
  const tags = Object.fromEntries((role.Tags ?? []).map((t) => [t.Key, t.Value]));
  if (tags[TagKeys.Name] !== projectTag)
    throw new AwsError(
      `IAM role ${roleName} exists but was not created by lambda-deploy for ${project} (its ${TagKeys.Name} tag ` +
        `is ${JSON.stringify(tags[TagKeys.Name] ?? null)}); ${useOwnRole(surface)}, or remove or rename that role.`,
      'RoleNotOwned',
    );
}

/**
 * The setup command that makes the roles, with every flag setup requires and
 * the deploy's own (see setupCommandLine), for this deploy's name, region and
 * repository (OWNER/REPO when it has none: a CLI deploy outside git), quoted.
 */
function setupCommand(
  input: Pick<ExecutionRoleInput, 'project' | 'region' | 'tags' | 'setup'>,
  extra?: string,
): string {
  const named = { name: input.project, region: input.region, repository: input.tags[TagKeys.Repository] };
  return `"${setupCommandLine({ ...named, ...input.setup, ...(extra && { extra }) })}"`;
}

/** A preview run reads its execution role and nothing more: IAM writes belong to setup. */
async function previewRole(
  input: ExecutionRoleInput,
  roleName: string,
  projectTag: string,
  read: () => Promise<Role | undefined>,
  deps: AwsDeps,
): Promise<ExecutionRoleResult> {
  if (input.policyStatements)
    throw new Error(
      deps.surface === 'terminal'
        ? `${inputName(deps.surface, Inputs.PolicyStatements)}: a preview deploy never changes IAM; put the statements in ${setupCommand(input, '--policy-statements FILE')} (run once with administrator credentials).`
        : `policy-statements: a preview run never changes IAM; put the statements in ${setupCommand(input, '--policy-statements FILE')} (run once with administrator credentials).`,
    );
  const role = await read();
  if (!role?.Arn)
    throw new AwsError(
      `The preview execution role ${roleName} does not exist, and a preview run never creates IAM roles. ` +
        `Run ${setupCommand(input)} once with administrator credentials, or ${useOwnRole(deps.surface)}.`,
      'NoSuchEntity',
    );
  checkOwner(role, roleName, input.project, projectTag, deps.surface);
  return { roleArn: role.Arn, created: false };
}

/**
 * The managed execution role as IAM has it now (undefined: not made yet; none
 * with execution-role-arn): read ahead, so a role to make is made (or a
 * missing preview role refused) before anything else is written.
 */
export async function readExecutionRole(
  iam: IAMClient,
  input: Pick<ExecutionRoleInput, 'project' | 'kind' | 'executionRoleArn'>,
  deps: AwsDeps,
): Promise<Role | undefined> {
  if (input.executionRoleArn) return undefined;
  return getRole(iam, executionRoleName(input.project, input.kind ?? 'production'), deps);
}

async function getRole(iam: IAMClient, roleName: string, deps: AwsDeps): Promise<Role | undefined> {
  try {
    const response = await callAws(
      deps,
      {
        what: `read IAM role ${roleName}`,
        permission: `iam:GetRole (or ${useOwnRole(deps.surface)})`,
        passThrough: (e) => hasErrorName(e, 'NoSuchEntity'),
      },
      () => iam.send(new GetRoleCommand({ RoleName: roleName })),
    );
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
        deps,
        {
          what: `read the policy of IAM role ${roleName}`,
          permission: 'iam:GetRolePolicy',
          passThrough: (e) => hasErrorName(e, 'NoSuchEntity'),
        },
        () => iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: POLICY_NAME })),
      );
      current = response.PolicyDocument ? decodeURIComponent(response.PolicyDocument) : undefined;
    } catch (error) {
      if (!hasErrorName(error, 'NoSuchEntity')) throw error;
    }
    if (current !== undefined && sameDocument(current, document)) return;
  }
  deps.logger.info(`Writing the permissions of execution role ${roleName}`);
  await callAws(
    deps,
    { what: `write the policy of IAM role ${roleName}`, permission: 'iam:PutRolePolicy' },
    () =>
      iam.send(
        new PutRolePolicyCommand({ RoleName: roleName, PolicyName: POLICY_NAME, PolicyDocument: document }),
      ),
  );
}
