/**
 * The stage's execution role: its input, read alongside the function and
 * made or brought up to date before the function is written.
 */
import { defaultBucketName } from '../../resources/artifacts/artifact-bucket.js';
import {
  ensureExecutionRole,
  partitionOf,
  readExecutionRole,
  type ExecutionRoleInput,
  type ExecutionRoleResult,
} from '../../resources/execution-role/execution-role.js';
import { isProtectedStage } from '../../model/protected-stages.js';
import { boundaryPolicyName } from '../../resources/execution-role/execution-policy.js';
import { start } from '../../aws/together.js';
import type { Logger } from '../../util/logger.js';
import type { Plan } from '../../model/plan.js';
import { setupOptionsFor } from '../../model/setup-command.js';
import type { Settings } from '../../model/settings.js';
import type { AwsSession } from '../aws-session.js';

/** The stage's execution role, as ensureExecutionRole takes it: production or preview by the stage. */
function executionRoleInput(
  settings: Settings,
  plan: Plan,
  session: AwsSession,
  tags: Record<string, string>,
): ExecutionRoleInput {
  const { clients, accountId } = session;
  const partition = partitionOf(clients.region);
  return {
    project: settings.name,
    executionRoleArn: settings.executionRoleArn,
    accountId,
    region: clients.region,
    tags,
    policyStatements: settings.policyStatements,
    kind: isProtectedStage(plan.stage, settings.protectedStages) ? 'production' : 'preview',
    partition,
    permissionsBoundary: `arn:${partition}:iam::${accountId}:policy/${boundaryPolicyName(settings.name)}`,
    // The artifact bucket: the slim archives' read grant, as setup wrote it.
    bucket: settings.s3Bucket || defaultBucketName(accountId, clients.region),
    setup: setupOptionsFor(settings, plan.repository),
  };
}

/**
 * The stage's execution role, read alongside the function. `first()`: a role
 * not there yet is made (on a preview, refused) before anything else is
 * written, so a first deploy before setup (no permissions boundary, no preview
 * role) fails having made nothing, not even the bucket; a later deploy's role
 * is there, and is brought up to date alongside the upload as before.
 */
export function startExecutionRole(
  settings: Settings,
  plan: Plan,
  session: AwsSession,
  tags: Record<string, string>,
  logger: Logger,
) {
  const { clients, awsDeps } = session;
  const deps = { ...awsDeps, logger };
  const input = executionRoleInput(settings, plan, session, tags);
  const read = start(awsDeps, () => readExecutionRole(clients.iam, input, deps));
  const ensure = async () =>
    ensureExecutionRole(
      clients.iam,
      input,
      deps,
      input.executionRoleArn ? undefined : { role: await read.result() },
    );
  let made: Promise<ExecutionRoleResult> | undefined;
  return {
    async first(): Promise<void> {
      if (input.executionRoleArn || (await read.result())) return;
      made = ensure();
      await made;
    },
    result: () => (made ??= ensure()),
    settled: () => read.settled(),
  };
}
