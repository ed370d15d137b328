import { actionCredentialsHint, actionSignIn, type AwsDeps } from '../aws/aws-call.js';
import type { AwsClients } from '../aws/clients.js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import {
  getAccountId,
  githubTokenSource,
  oidcTokenProblem,
  resolveCredentials,
} from '../aws/oidc-credentials.js';
import type { GitHubContext } from '../model/github-context.js';
import type { Plan } from '../model/plan.js';
import { stageTags } from '../model/tags.js';
import { credentialRefusalExplainer } from '../failure-hints/credential-hints.js';
import { Inputs } from '../settings/names.js';
import { inputName } from '../settings/surface.js';
import type { Settings } from '../model/settings.js';
import { errorMessage } from '../util/retry.js';
import { realSleep } from '../util/sleep.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { StageContext } from '../model/stage-context.js';

export interface AwsSession {
  clients: AwsClients;
  accountId: string;
  awsDeps: AwsDeps;
}

function regionOf(settings: Settings): string {
  if (!settings.awsRegion)
    throw new Error(
      `${Inputs.AwsRegion}: is not set and neither is AWS_REGION; expected a region like us-east-1.`,
    );
  return settings.awsRegion;
}

/**
 * What signing in needs, checked before anything is built or asked of AWS:
 * a region, and a source of credentials (the runner's OIDC token endpoint
 * for role-to-assume, else the AWS credential chain: environment, profile,
 * web identity, container or instance role).
 */
export async function checkAwsPrerequisites(
  settings: Settings,
  plan: Plan,
  deps: PipelineDeps,
): Promise<void> {
  regionOf(settings);
  if (settings.roleToAssume) {
    const problem = deps.tokenSource ? undefined : oidcTokenProblem(deps.env, plan.fromFork);
    if (problem) throw problem;
    return;
  }
  // A key pair in the environment is the chain's first answer; anything else, the chain itself tells.
  if (deps.env.AWS_ACCESS_KEY_ID && deps.env.AWS_SECRET_ACCESS_KEY) return;
  try {
    await (deps.credentialChain ?? defaultProvider())();
  } catch (error) {
    throw new Error(`No AWS credentials (${errorMessage(error)}). ${(deps.signIn ?? actionSignIn).expected}`);
  }
}

/** Signs in (OIDC or the ambient chain), builds the clients and learns the account. */
export async function openAwsSession(
  settings: Settings,
  plan: Plan,
  ctx: GitHubContext,
  deps: PipelineDeps,
): Promise<AwsSession> {
  const region = regionOf(settings);
  await checkAwsPrerequisites(settings, plan, deps);
  const awsDeps: AwsDeps = {
    logger: deps.logger,
    sleep: deps.sleep ?? realSleep,
    ...(deps.waitScale !== undefined && { waitScale: deps.waitScale }),
    ...(deps.needs && { needs: deps.needs }),
    ...(deps.credentialsHint && { credentialsHint: deps.credentialsHint }),
    ...(deps.surface && { surface: deps.surface }),
    ...(deps.sequentialAws && { sequential: true }),
    credentialRefusal: credentialRefusalExplainer(
      `${inputName(deps.surface ?? 'action', Inputs.AwsRegion)} or AWS_REGION`,
      deps.credentialsHint ?? actionCredentialsHint,
    ),
  };
  const bootstrap = deps.awsClients({ region });
  const credentials = await resolveCredentials(
    bootstrap.sts,
    { roleToAssume: settings.roleToAssume, audience: settings.audience, runId: ctx.runId },
    {
      ...awsDeps,
      tokenSource: deps.tokenSource ?? githubTokenSource(deps.env, awsDeps, { fromFork: plan.fromFork }),
      ...(deps.signIn && { signIn: deps.signIn }),
    },
  );
  const clients = credentials ? deps.awsClients({ region, credentials }) : bootstrap;
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
