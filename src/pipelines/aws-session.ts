import type { AwsDeps } from '../aws/aws-call.js';
import { createAwsClients, type AwsClients } from '../aws/clients.js';
import { getAccountId, githubTokenSource, resolveCredentials } from '../aws/oidc-credentials.js';
import type { GitHubContext } from '../github/github-context.js';
import type { Plan } from '../plan/plan.js';
import { stageTags } from '../plan/tags.js';
import { Inputs } from '../settings/names.js';
import type { Settings } from '../settings/settings.js';
import { realSleep } from '../util/sleep.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { StageContext } from './stage-context.js';

export interface AwsSession {
  clients: AwsClients;
  accountId: string;
  awsDeps: AwsDeps;
}

/** Signs in (OIDC or the ambient chain), builds the clients and learns the account. */
export async function openAwsSession(
  settings: Settings,
  plan: Plan,
  ctx: GitHubContext,
  deps: PipelineDeps,
): Promise<AwsSession> {
  const region = settings.awsRegion;
  if (!region)
    throw new Error(
      `${Inputs.AwsRegion}: is not set and neither is AWS_REGION; expected a region like us-east-1.`,
    );
  const awsDeps: AwsDeps = { logger: deps.logger, sleep: deps.sleep ?? realSleep };
  const bootstrap = createAwsClients({ region });
  const credentials = await resolveCredentials(
    bootstrap.sts,
    { roleToAssume: settings.roleToAssume, audience: settings.audience, runId: ctx.runId },
    {
      ...awsDeps,
      tokenSource: deps.tokenSource ?? githubTokenSource(deps.env, awsDeps, { fromFork: plan.fromFork }),
    },
  );
  const clients = credentials ? createAwsClients({ region, credentials }) : bootstrap;
  // The assumed role's ARN names the account: no GetCallerIdentity needed after OIDC sign-in.
  const accountId =
    (credentials && roleAccount(settings.roleToAssume)) || (await getAccountId(clients.sts, awsDeps));
  return { clients, accountId, awsDeps };
}

/** The account id in an IAM role ARN (arn:aws:iam::123456789012:role/name). */
export function roleAccount(roleArn: string | undefined): string | undefined {
  return /^arn:[\w-]+:iam::(\d{12}):role\//.exec(roleArn ?? '')?.[1];
}

export function stageContext(settings: Settings, plan: Plan, session: AwsSession): StageContext {
  return {
    project: settings.name,
    stage: plan.stage,
    functionName: plan.functionName,
    region: session.clients.region,
    accountId: session.accountId,
    tags: stageTags({
      project: settings.name,
      stage: plan.stage,
      repository: plan.repository,
      ref: plan.ref,
    }),
  };
}
