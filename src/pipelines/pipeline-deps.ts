import type { SignInWords } from '../aws/aws-call.js';
import type { AwsClients, ClientOptions } from '../aws/clients.js';
import type { TokenSource } from '../aws/oidc-credentials.js';
import type { GitHubApi } from '../reporting/github-api.js';
import type { Surface } from '../settings/surface.js';
import type { Logger } from '../util/logger.js';
import type { Sleep } from '../util/sleep.js';

/** What the pipelines need from the world, injected so the action, the CLI and tests share them. */
export interface PipelineDeps {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /**
   * Builds the AWS SDK clients for a region and, once signed in, credentials.
   * The entry passes createAwsClients; pipelines never construct a client.
   */
  awsClients: (options: ClientOptions) => AwsClients;
  sleep?: Sleep;
  /** Shortens the pauses of waits bounded by time (wait-scale.ts); runPipeline reads LAMBDA_DEPLOY_WAIT_SCALE from env when not given. */
  waitScale?: number;
  /** The advice after a denied AWS call (RetryDeps.needs); the deploy role's unless given. */
  needs?: (permission: string) => string;
  /** What to do when AWS finds no usable credentials (RetryDeps.credentialsHint); the action's unless given. */
  credentialsHint?: string;
  /** Who reads the advice in errors (how to set an input): the action's inputs unless given. */
  surface?: Surface;
  /** What signing in without a role says (the credentials used, or missing): the action's unless given. */
  signIn?: SignInWords;
  now?: () => number;
  /** OIDC token source (tests: a local server); default: the runner's ACTIONS_ID_TOKEN_REQUEST_* endpoint. */
  tokenSource?: TokenSource;
  /** The AWS credential chain, asked once before building (tests: a stand-in); default the SDK's. */
  credentialChain?: () => Promise<unknown>;
  /** The log groups a thrown error left (the action's step tracker), for a failure's comment. */
  failedIn?: (error: unknown) => string[];
  /**
   * The GitHub Deployment this deploy started and has not ended (undefined once it
   * has): the action keeps it for its post step, which ends one a cancelled job left.
   */
  onDeployment?: (deploymentId: number | undefined) => void;
  /**
   * A deploy's `report` output (JSON, redacted: see deployReportJson), for a later job that
   * posts the comment and the Deployment with command: report. Called once, success or not.
   */
  onReport?: (json: string) => void;
  /** GitHub REST API (tests: a recorder); default: built from github-token and GITHUB_API_URL. */
  github?: GitHubApi;
  /** Keep the local runtime running after a `target: local` deploy (the CLI's serve). */
  keepLocalRunning?: boolean;
  /** Port of the local front door (0: any free port). */
  localPort?: number;
  /**
   * Once the local stage serves, a request answered with a server error shows its traceback
   * after its line (the CLI's serve without --verbose, which prints none of the function's lines).
   */
  localErrors?: boolean;
  /**
   * Where built packages (and a local run's unpacked code) go. Default
   * RUNNER_TEMP/lambda-deploy: the action keeps its zip there for later steps
   * of the job. The CLI passes a folder of its own that it removes afterwards.
   */
  outDir?: string;
  /** outDir is removed when the run ends (the CLI's): the log names no path in it, which nobody would find. */
  temporaryOutDir?: boolean;
  /**
   * Send the deploy's AWS requests one at a time instead of running the
   * independent ones together: the baseline `npm run bench` compares with.
   */
  sequentialAws?: boolean;
}
