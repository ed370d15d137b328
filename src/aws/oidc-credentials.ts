import {
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  type STSClient,
} from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import {
  describeNetworkError,
  errorMessage,
  errorName,
  isThrottling,
  isTransient,
  networkError,
  withRetry,
} from '../util/retry.js';
import {
  actionCredentialsHint,
  actionSignIn,
  type AwsDeps,
  AwsError,
  hasErrorName,
  httpStatus,
  isAccessDenied,
  type SentWith,
  type SignInWords,
  wrapAwsError,
} from './aws-call.js';

/** Where the OIDC token comes from: the runner's token endpoint, or a test server. */
export interface TokenSource {
  getToken(audience: string): Promise<string>;
}

/** Why no token could be had; the pipeline skips a fork pull request instead of failing. */
export class OidcTokenUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: 'fork' | 'permission' | 'endpoint',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OidcTokenUnavailableError';
  }
}

export interface GithubTokenSourceOptions {
  /** The event is a pull request from a fork: GitHub gives it no token. */
  fromFork?: boolean;
  fetch?: typeof fetch;
}

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * Why this job cannot get an OIDC token, told from its environment alone
 * (checked before anything is built); undefined when it can ask for one.
 */
export function oidcTokenProblem(
  env: NodeJS.ProcessEnv,
  fromFork = false,
): OidcTokenUnavailableError | undefined {
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) return undefined;
  if (fromFork)
    return new OidcTokenUnavailableError(
      'No OIDC token: this run is a pull request from a fork, and GitHub never gives those an OIDC token ' +
        '(nor secrets). Deploy previews of fork pull requests from a trusted event instead, or skip them.',
      'fork',
    );
  return new OidcTokenUnavailableError(
    'No OIDC token for role-to-assume: ACTIONS_ID_TOKEN_REQUEST_URL is not set. Add `permissions: id-token: write` ' +
      '(and `contents: read`) to the workflow or job. Pull requests from forks never get a token.',
    'permission',
  );
}

/**
 * The runner's OIDC token endpoint (what @actions/core.getIDToken calls),
 * read from ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN.
 */
export function githubTokenSource(
  env: NodeJS.ProcessEnv,
  deps: AwsDeps,
  options: GithubTokenSourceOptions = {},
): TokenSource {
  const doFetch = options.fetch ?? fetch;
  return {
    async getToken(audience: string): Promise<string> {
      const problem = oidcTokenProblem(env, options.fromFork);
      if (problem) throw problem;
      const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL as string;
      const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN as string;
      deps.logger.mask(requestToken);
      const url = new URL(requestUrl);
      url.searchParams.set('audience', audience);
      try {
        return await withRetry(
          async () => {
            const response = await doFetch(url, {
              headers: { Authorization: `Bearer ${requestToken}`, Accept: 'application/json' },
            });
            if (!response.ok) throw new HttpStatusError(response.status);
            const body = (await response.json()) as { value?: unknown };
            if (typeof body.value !== 'string' || !body.value)
              throw new Error('the answer has no token (`value`)');
            deps.logger.mask(body.value);
            return body.value;
          },
          {
            attempts: 5,
            baseDelayMs: 1_000,
            maxDelayMs: 10_000,
            random: deps.random,
            sleep: deps.sleep,
            retryable: (error) =>
              error instanceof HttpStatusError
                ? error.status === 429 || error.status >= 500
                : error instanceof TypeError || isTransient(error), // fetch reports network failures as TypeError
          },
        );
      } catch (error) {
        // fetch says only `fetch failed`: the refused, reset or unnamed host is in its cause.
        const network = networkError(error);
        throw new OidcTokenUnavailableError(
          `Could not get an OIDC token from the runner for audience ${audience}: ${network ? describeNetworkError(network) : errorMessage(error)}`,
          'endpoint',
          { cause: error },
        );
      }
    },
  };
}

/** The token's claims worth comparing with a trust policy; none of them is secret. */
export const PRINTED_CLAIMS = [
  'sub',
  'aud',
  'repository',
  'ref',
  'event_name',
  'job_workflow_ref',
  'repository_owner_id',
  'repository_id',
] as const;

/**
 * For a refused token whose sub is GitHub's immutable form (repo:OWNER@ID/REPO@ID:…,
 * the default for repositories created, renamed or transferred since 15 July 2026):
 * the setup that trusts it too. Roles set up without the ids trust only repo:OWNER/REPO:….
 */
export function immutableSubjectAdvice(claims: Record<string, string>): string {
  const sub = /^repo:[^@/:]+@\d+\/[^@/:]+@\d+:/.exec(claims.sub ?? '');
  const { repository, repository_owner_id: ownerId, repository_id: repoId } = claims;
  if (!sub || !repository || !ownerId || !repoId) return '';
  return (
    `. GitHub names this repository by its ids in the token's sub (repo:OWNER@ID/REPO@ID): roles set up without them trust only repo:${repository}:…. ` +
    `Run npx github:org/lambda-deploy setup again with --repository ${repository} --owner-id ${ownerId} --repo-id ${repoId} (and your other setup flags): both forms are then trusted.`
  );
}

/** Decodes a JWT's payload without checking its signature (only to explain a refusal). */
export function tokenClaims(token: string): Record<string, string> {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const picked: Record<string, string> = {};
    for (const name of PRINTED_CLAIMS) {
      const value = claims[name];
      if (typeof value === 'string') picked[name] = value;
      else if (Array.isArray(value)) picked[name] = value.join(',');
    }
    return picked;
  } catch {
    return {};
  }
}

/** `lambda-deploy-{runId}`, cleaned to what STS accepts: [\w+=,.@-]{2,64}. */
export function roleSessionName(runId: string | undefined): string {
  const name = `lambda-deploy-${runId ?? ''}`
    .replace(/[^\w+=,.@-]/g, '-')
    .replace(/-+$/, '')
    .slice(0, 64);
  return name.length >= 2 ? name : 'lambda-deploy';
}

export interface OidcSignIn {
  roleArn: string;
  /** `audience` input; default sts.amazonaws.com. */
  audience: string;
  /** GITHUB_RUN_ID: names the session in CloudTrail. */
  runId?: string;
  durationSeconds?: number;
}

/**
 * Exchanges the runner's OIDC token for credentials of `roleArn`. Transient
 * errors, throttling, IDPCommunicationError and an InvalidIdentityToken (the
 * token can be a moment too new for STS) are retried with jittered backoff.
 */
export async function assumeRoleWithOidc(
  sts: STSClient,
  input: OidcSignIn,
  deps: AwsDeps & { tokenSource: TokenSource },
): Promise<AwsCredentialIdentity> {
  const token = await deps.tokenSource.getToken(input.audience);
  deps.logger.mask(token);
  const sessionName = roleSessionName(input.runId);
  let response;
  try {
    response = await withRetry(
      () =>
        sts.send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: input.roleArn,
            RoleSessionName: sessionName,
            WebIdentityToken: token,
            DurationSeconds: input.durationSeconds ?? 3600,
          }),
        ),
      {
        attempts: 6,
        baseDelayMs: 1_000,
        maxDelayMs: 10_000,
        random: deps.random,
        sleep: deps.sleep,
        retryable: (error, attempt) =>
          isTransient(error) ||
          hasErrorName(error, 'IDPCommunicationError') ||
          // A token a moment too new is accepted a second later; a wrong one never is.
          (hasErrorName(error, 'InvalidIdentityToken') && attempt < 3),
        onRetry: (error, attempt, delayMs) =>
          deps.logger.info(
            `AssumeRoleWithWebIdentity: ${errorName(error)}; attempt ${attempt + 1} in ${delayMs} ms`,
          ),
      },
    );
  } catch (error) {
    const claims = tokenClaims(token);
    const shown = Object.entries(claims)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    if (isAccessDenied(error)) {
      deps.logger.error(`OIDC token claims to compare with the role's trust policy: ${shown}`);
      throw new AwsError(
        `Could not assume role ${input.roleArn} with OIDC: ${errorMessage(error)}; the role's trust policy must allow ` +
          `this repository and event (token claims: ${shown})${immutableSubjectAdvice(claims)}`,
        errorName(error),
        { cause: error },
      );
    }
    if (hasErrorName(error, 'InvalidIdentityToken')) {
      throw new AwsError(
        `Could not assume role ${input.roleArn} with OIDC: ${errorMessage(error)}; the account needs an IAM OIDC ` +
          `provider for https://token.actions.githubusercontent.com whose audiences include ${input.audience} ` +
          `(token claims: ${shown})`,
        errorName(error),
        { cause: error },
      );
    }
    throw wrapAwsError(error, `assume role ${input.roleArn} with OIDC`);
  }
  const c = response.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    throw new AwsError(
      `Could not assume role ${input.roleArn} with OIDC: STS returned no credentials`,
      'NoCredentials',
    );
  }
  deps.logger.mask(c.AccessKeyId);
  deps.logger.mask(c.SecretAccessKey);
  deps.logger.mask(c.SessionToken);
  deps.logger.info(`Assumed role ${input.roleArn} (session ${sessionName}) with the runner's OIDC token`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
}

export interface SignInInput {
  /** `role-to-assume`; absent: the SDK's default chain. */
  roleToAssume?: string;
  audience: string;
  runId?: string;
}

/**
 * Credentials for the AWS clients: assumed through OIDC with role-to-assume,
 * otherwise undefined, so the SDK's default chain applies (env keys from
 * aws-actions/configure-aws-credentials, a profile, an instance role).
 */
export async function resolveCredentials(
  sts: STSClient,
  input: SignInInput,
  deps: AwsDeps & { tokenSource: TokenSource; signIn?: SignInWords },
): Promise<AwsCredentialIdentity | undefined> {
  if (!input.roleToAssume) {
    deps.logger.info((deps.signIn ?? actionSignIn).ambient);
    return undefined;
  }
  return assumeRoleWithOidc(
    sts,
    { roleArn: input.roleToAssume, audience: input.audience, runId: input.runId },
    deps,
  );
}

/**
 * A GetCallerIdentity request that tells `onSend` where it goes, once it is
 * signed and about to leave: a network error names no endpoint, and the
 * region or AWS_ENDPOINT_URL decides it.
 */
function callerIdentity(onSend: (endpoint: string) => void): GetCallerIdentityCommand {
  const command = new GetCallerIdentityCommand({});
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { protocol?: string; hostname?: string; port?: number };
      // Scheme, host and port only: never a query or a user name.
      if (request.hostname)
        onSend(
          `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}`,
        );
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'lambdaDeployEndpointOfCallerIdentity' },
  );
  return command;
}

const IDENTITY_ATTEMPTS = 4;

/** The region and key id a client signs with (the SDK resolved both already), and where it sent. */
async function sentWith(sts: STSClient, endpoint: string | undefined): Promise<SentWith> {
  const region = await sts.config.region().catch(() => undefined);
  const accessKeyId = await sts.config.credentials().then(
    (c) => c.accessKeyId,
    () => undefined,
  );
  return { endpoint, region, accessKeyId };
}

/** The account the credentials belong to; also the first proof that there are credentials at all. */
export async function getAccountId(sts: STSClient, deps: AwsDeps): Promise<string> {
  let endpoint: string | undefined;
  try {
    const identity = await withRetry(() => sts.send(callerIdentity((url) => (endpoint = url))), {
      attempts: IDENTITY_ATTEMPTS,
      baseDelayMs: 500,
      random: deps.random,
      sleep: deps.sleep,
      retryable: isTransient,
    });
    if (!identity.Account) throw new Error('GetCallerIdentity returned no account');
    deps.logger.debug(`AWS identity: ${identity.Arn ?? '?'}`);
    return identity.Account;
  } catch (error) {
    // No answer from STS says nothing about the credentials (a failing credential provider does).
    const unreached = hasErrorName(error, 'CredentialsProviderError') ? undefined : networkError(error);
    if (unreached)
      throw new AwsError(
        `Could not reach AWS STS${endpoint ? ` at ${endpoint}` : ''} (${describeNetworkError(unreached)}) ` +
          'to check the credentials of the environment: AWS did not answer, so nothing is known to be wrong ' +
          'with them. Check the network between here and AWS (proxy, firewall, DNS), and AWS_ENDPOINT_URL ' +
          '(or AWS_ENDPOINT_URL_STS) if it is set.',
        errorName(error),
        { cause: error },
      );
    // Throttling or a 5xx that outlasted the retries: STS answered, but not about the credentials.
    if (isThrottling(error) || (httpStatus(error) ?? 0) >= 500)
      throw new AwsError(
        `AWS STS${endpoint ? ` at ${endpoint}` : ''} kept failing (${errorName(error)}${httpStatus(error) ? `, HTTP ${httpStatus(error)}` : ''}: ` +
          `${errorMessage(error)}) after ${IDENTITY_ATTEMPTS} attempts, so the credentials of the environment were not checked; ` +
          'nothing is known to be wrong with them. Run the job again; if it persists, check the AWS Health Dashboard for STS in this region.',
        errorName(error),
        { cause: error },
      );
    // Credentials found and sent, but refused: say which part is wrong.
    const refused = deps.credentialRefusal?.(error, await sentWith(sts, endpoint));
    if (refused) throw new AwsError(refused, errorName(error), { cause: error });
    throw new AwsError(
      `Could not find AWS credentials: ${errorMessage(error)}; ${deps.credentialsHint ?? actionCredentialsHint}`,
      errorName(error),
      { cause: error },
    );
  }
}
