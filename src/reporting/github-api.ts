/**
 * The few GitHub REST calls the reports need, behind an interface so the
 * reporting logic is tested against a recorder and the CLI can leave it out.
 *
 * Built on @actions/github's Octokit rather than plain fetch: it follows the
 * runner's proxy settings (HTTPS_PROXY / NO_PROXY on self-hosted runners),
 * handles Link-header pagination, and GitHub Enterprise through baseUrl.
 */
import type { getOctokit } from '@actions/github';
import type { Logger } from '../util/logger.js';
import { errorMessage } from '../util/retry.js';

export interface IssueComment {
  id: number;
  body: string;
  /** login of the author, when GitHub says */
  user?: string;
}

export interface NewDeployment {
  /** The commit deployed (the pull request's head sha on pull request events). */
  ref: string;
  environment: string;
  description?: string;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
}

export type DeploymentState = 'in_progress' | 'queued' | 'success' | 'failure' | 'error' | 'inactive';

export interface NewDeploymentStatus {
  state: DeploymentState;
  environmentUrl?: string;
  logUrl?: string;
  /** At most 140 characters (GitHub cuts longer ones with an error). */
  description?: string;
}

export interface GitHubApi {
  /**
   * The login the token acts as (`github-actions[bot]` for GITHUB_TOKEN, `name[bot]`
   * for an app, the user for a personal token), as comment authors are named.
   */
  viewerLogin(): Promise<string>;
  /** Every comment of an issue or pull request: all pages. */
  listIssueComments(issue: number): Promise<IssueComment[]>;
  createIssueComment(issue: number, body: string): Promise<IssueComment>;
  updateIssueComment(commentId: number, body: string): Promise<IssueComment>;
  createDeployment(deployment: NewDeployment): Promise<{ id: number }>;
  createDeploymentStatus(deploymentId: number, status: NewDeploymentStatus): Promise<void>;
  /** Every deployment of an environment: all pages. */
  listDeployments(environment: string): Promise<{ id: number; ref: string }[]>;
}

/** A failed GitHub call, naming the operation and keeping the HTTP status for decisions. */
export class GitHubApiError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`${operation} failed${status ? ` (HTTP ${status})` : ''}: ${message}`);
    this.name = 'GitHubApiError';
  }
}

/** Is this the token missing a permission (403/404 "Resource not accessible by integration")? */
export function isPermissionError(error: unknown): boolean {
  if (!(error instanceof GitHubApiError)) return false;
  return error.status === 403 || error.status === 404 || /not accessible by integration/i.test(error.message);
}

export interface GitHubApiOptions {
  token: string;
  /** GITHUB_API_URL (GitHub Enterprise, or a local recorder in tests). */
  apiUrl: string;
  /** owner/repo */
  repository: string;
  logger?: Logger;
  /** Per call, including every page of a list; 30 s by default. */
  timeoutMs?: number;
}

export function createGitHubApi(options: GitHubApiOptions): GitHubApi {
  const [owner = '', repo = ''] = options.repository.split('/');
  if (!owner || !repo)
    throw new Error(`GITHUB_REPOSITORY must look like owner/repo, got "${options.repository}"`);
  const logger = options.logger;
  // Imported on first use: @actions/github parses GITHUB_EVENT_PATH when it loads, and a
  // malformed event file must fail as one clear line in run(), not as a stack trace at startup.
  let octokit: Promise<ReturnType<typeof getOctokit>> | undefined;
  const client = () =>
    (octokit ??= import('@actions/github').then(({ getOctokit: make }) =>
      make(options.token, {
        baseUrl: options.apiUrl.replace(/\/+$/, ''),
        log: {
          debug: (m: string) => logger?.debug(m),
          info: (m: string) => logger?.debug(m),
          warn: (m: string) => logger?.debug(`GitHub API: ${m}`),
          error: (m: string) => logger?.debug(`GitHub API: ${m}`),
        },
      }),
    ));
  const timeoutMs = options.timeoutMs ?? 30_000;
  // `request` in the constructor would replace the runner's proxy-aware fetch, so the signal goes per call.
  const request = () => ({ signal: AbortSignal.timeout(timeoutMs) });

  async function call<T>(
    operation: string,
    fn: (octokit: ReturnType<typeof getOctokit>) => Promise<T>,
  ): Promise<T> {
    try {
      return await fn(await client());
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      throw new GitHubApiError(
        operation,
        typeof status === 'number' ? status : undefined,
        errorMessage(error),
      );
    }
  }

  const comment = (c: {
    id: number;
    body?: string | null;
    user?: { login?: string } | null;
  }): IssueComment => ({
    id: c.id,
    body: c.body ?? '',
    user: c.user?.login,
  });

  return {
    // GraphQL's viewer: REST GET /user refuses installation tokens (GITHUB_TOKEN, apps).
    viewerLogin: () =>
      call('Read the login of github-token', async (octokit) => {
        const data = await octokit.graphql<{ viewer?: { login?: string } }>('query { viewer { login } }', {
          request: request(),
        });
        const login = data.viewer?.login;
        if (!login) throw new Error('GitHub answered without a login');
        return login;
      }),
    listIssueComments: (issue) =>
      call(`List comments of #${issue}`, async (octokit) =>
        (
          await octokit.paginate(octokit.rest.issues.listComments, {
            owner,
            repo,
            issue_number: issue,
            per_page: 100,
            request: request(),
          })
        ).map(comment),
      ),
    createIssueComment: (issue, body) =>
      call(`Create a comment on #${issue}`, async (octokit) =>
        comment(
          (
            await octokit.rest.issues.createComment({
              owner,
              repo,
              issue_number: issue,
              body,
              request: request(),
            })
          ).data,
        ),
      ),
    updateIssueComment: (commentId, body) =>
      call(`Update comment ${commentId}`, async (octokit) =>
        comment(
          (
            await octokit.rest.issues.updateComment({
              owner,
              repo,
              comment_id: commentId,
              body,
              request: request(),
            })
          ).data,
        ),
      ),
    createDeployment: (d) =>
      call(`Create a deployment of ${d.environment}`, async (octokit) => {
        const response = await octokit.rest.repos.createDeployment({
          owner,
          repo,
          ref: d.ref,
          environment: d.environment,
          description: d.description,
          auto_merge: false,
          required_contexts: [],
          transient_environment: d.transientEnvironment,
          production_environment: d.productionEnvironment,
          request: request(),
        });
        // 202 means GitHub merged the default branch instead (only with auto_merge): not a deployment.
        const id = (response.data as { id?: unknown }).id;
        if (typeof id !== 'number')
          throw new Error(`GitHub answered ${response.status} without a deployment id`);
        return { id };
      }),
    createDeploymentStatus: (deploymentId, s) =>
      call(`Set deployment ${deploymentId} to ${s.state}`, async (octokit) => {
        await octokit.rest.repos.createDeploymentStatus({
          owner,
          repo,
          deployment_id: deploymentId,
          state: s.state,
          environment_url: s.environmentUrl,
          log_url: s.logUrl,
          description: s.description?.slice(0, 140),
          request: request(),
        });
      }),
    listDeployments: (environment) =>
      call(`List deployments of ${environment}`, async (octokit) =>
        (
          await octokit.paginate(octokit.rest.repos.listDeployments, {
            owner,
            repo,
            environment,
            per_page: 100,
            request: request(),
          })
        ).map((d) => ({ id: d.id, ref: d.ref })),
      ),
  };
}
