/**
 * The one GitHub client: the few REST calls the reports and prune need,
 * behind an interface so the logic is tested against a local server and the
 * CLI can leave it out.
 *
 * Built on @actions/github's Octokit rather than plain fetch: it follows the
 * runner's proxy settings (HTTPS_PROXY / NO_PROXY on self-hosted runners) and
 * GitHub Enterprise through baseUrl. Lists follow Link headers here rather
 * than through Octokit's paginate, so the token never follows a link to
 * another host.
 */
import type { getOctokit } from '@actions/github';
import type { PullRequestState } from '../model/prune-decisions.js';
import type { Logger } from '../util/logger.js';
import { errorMessage, withRetry } from '../util/retry.js';
import type { Sleep } from '../util/sleep.js';

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

export interface ListedDeployment {
  id: number;
  ref: string;
  /** login of the creator, when GitHub says */
  creator?: string;
  description?: string;
}

export type DeploymentState = 'in_progress' | 'queued' | 'success' | 'failure' | 'error' | 'inactive';

export interface NewDeploymentStatus {
  state: DeploymentState;
  environmentUrl?: string;
  logUrl?: string;
  /** Cut to one line of 140 characters by statusLine (GitHub refuses a longer one). */
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
  /** Every deployment of an environment: all pages, with who created it and its description. */
  listDeployments(environment: string): Promise<ListedDeployment[]>;
  /** A deployment's newest status (the highest id: GitHub documents no order), undefined when it has none. */
  latestDeploymentState(deploymentId: number): Promise<DeploymentState | undefined>;
  /** Every branch name of the repository: all pages. Retried on 429, 5xx and network errors. */
  listBranches(): Promise<string[]>;
  /** open or closed; missing when GitHub has no such pull request. Retried like listBranches. */
  getPullRequestState(number: number): Promise<PullRequestState>;
}

/** What prune asks GitHub. */
export type GitHubRefs = Pick<GitHubApi, 'listBranches' | 'getPullRequestState'>;

/** A failed GitHub call, naming the operation and keeping the HTTP status for decisions. */
export class GitHubApiError extends Error {
  constructor(
    readonly operation: string,
    /** undefined: no answer at all (network). */
    readonly status: number | undefined,
    message: string,
    options?: ErrorOptions & {
      /** The wait GitHub asked for (Retry-After, or until x-ratelimit-reset), when it did. */
      retryAfterMs?: number;
    },
  ) {
    super(`${operation} failed${status ? ` (HTTP ${status})` : ''}: ${message}`, options);
    this.name = 'GitHubApiError';
    this.retryAfterMs = options?.retryAfterMs;
  }

  readonly retryAfterMs: number | undefined;
}

/** The longest rate-limit wait a run sits out; past it, the report gives up with a warning. */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;

/** The wait a rate-limited answer asks for: Retry-After seconds, or until x-ratelimit-reset when none are left. */
export function rateLimitWaitMs(
  headers: Record<string, string | number | undefined> | undefined,
  now = Date.now(),
): number | undefined {
  const retryAfter = Number(headers?.['retry-after']);
  if (headers?.['retry-after'] !== undefined && Number.isFinite(retryAfter))
    return Math.max(0, retryAfter) * 1000;
  if (String(headers?.['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers?.['x-ratelimit-reset']);
    if (Number.isFinite(reset)) return Math.max(0, reset * 1000 - now);
  }
  return undefined;
}

/**
 * GitHub's primary or secondary rate limit: 429, or 403 with Retry-After, no requests left, or
 * its rate-limit message. Not a missing permission: the same call works a little later.
 */
export function isRateLimited(error: unknown): boolean {
  if (!(error instanceof GitHubApiError)) return false;
  if (error.status === 429) return true;
  return error.status === 403 && (error.retryAfterMs !== undefined || /rate limit/i.test(error.message));
}

/** fetch hides the reason (ECONNREFUSED, ENOTFOUND...) a cause or two down: " (ECONNREFUSED)". */
function networkCode(error: unknown): string {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return ` (${code})`;
    e = cause;
  }
  return '';
}

/** Worth another attempt: no answer, rate limited, or GitHub's own trouble. */
function isTransientGitHub(error: unknown): boolean {
  if (!(error instanceof GitHubApiError)) return false;
  return error.status === undefined || error.status >= 500 || isRateLimited(error);
}

/** The `rel="next"` URL of a Link header, if any. Pure. */
export function nextLink(header: string | null | undefined): string | undefined {
  for (const part of (header ?? '').split(',')) {
    const m = /^<([^>]+)>(.*)$/.exec(part.trim());
    const rel = /;\s*rel="?([^";]*)"?/i.exec(m?.[2] ?? '')?.[1] ?? '';
    if (m && rel.split(/\s+/).includes('next')) return m[1];
  }
  return undefined;
}

/** GitHub's limit on a deployment status description, in characters. */
export const MAX_STATUS_DESCRIPTION_CHARS = 140;

/**
 * A deployment status description: one line (GitHub shows it on one), at most `max` UTF-16 units
 * with `…` when cut, never cut between the halves of an emoji (a lone half is not text). Pure.
 */
export function statusLine(text: string, max = MAX_STATUS_DESCRIPTION_CHARS): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/** Is this the token missing a permission (403/404 "Resource not accessible by integration")? */
export function isPermissionError(error: unknown): boolean {
  if (!(error instanceof GitHubApiError) || isRateLimited(error)) return false;
  return error.status === 403 || error.status === 404 || /not accessible by integration/i.test(error.message);
}

export interface GitHubApiOptions {
  token: string;
  /** GITHUB_API_URL (GitHub Enterprise, or a local recorder in tests). */
  apiUrl: string;
  /** owner/repo */
  repository: string;
  logger?: Logger;
  /** Per request; 30 s by default. */
  timeoutMs?: number;
  /** Backoff of the retried reads (tests: a recording sleep). */
  sleep?: Sleep;
  random?: () => number;
  /** Stops a runaway pagination; 100 items a page. */
  maxPages?: number;
}

/** What a 401, 403 or 404 most likely means, for the reads prune makes. */
function accessHint(status: number | undefined, permission: string): string {
  if (status === 401) return ' Hint: github-token is missing or expired.';
  if (status === 403 || status === 404) return ` Hint: the job needs \`permissions: ${permission}\`.`;
  return '';
}

type Octokit = ReturnType<typeof getOctokit>;

/** How every method reaches GitHub: one error shape, lists by Link header, retries for reads. */
interface Transport {
  owner: string;
  repo: string;
  /** `{base}/repos/{owner}/{repo}` */
  repoUrl: string;
  /** Per-request options: the timeout signal. */
  request: () => { signal: AbortSignal };
  call<T>(operation: string, fn: (octokit: Octokit) => Promise<T>): Promise<T>;
  /**
   * Every item of a list, first page at `url`, following rel="next" on the
   * API's own host only; `retry`: each page with backoff, like `retried`.
   */
  pages<T>(operation: string, url: string, retry?: boolean): Promise<T[]>;
  /** `call` with backoff on rate limits, 5xx and no answer. */
  retried<T>(operation: string, fn: (octokit: Octokit) => Promise<T>): Promise<T>;
  /**
   * `call` for writes: again only after a rate limit (GitHub did not act on the request),
   * never after a 5xx or no answer, which may have posted the comment already.
   */
  write<T>(operation: string, fn: (octokit: Octokit) => Promise<T>): Promise<T>;
}

/** Rate-limit waits and retries around `call`: reads on any transient failure, writes on rate limits only. */
function backoffCalls(
  options: GitHubApiOptions,
  call: Transport['call'],
): Pick<Transport, 'retried' | 'write'> {
  const { logger } = options;
  /** A rate limit's own wait when it names one (a secondary limit without one: a minute, as GitHub advises). */
  const delayFor = (error: unknown, backoff: number) =>
    isRateLimited(error) ? ((error as GitHubApiError).retryAfterMs ?? MAX_RATE_LIMIT_WAIT_MS) : backoff;
  /** A rate limit asking for longer than a run should sit waiting is not retried. */
  const waitable = (error: unknown) =>
    !isRateLimited(error) || ((error as GitHubApiError).retryAfterMs ?? 0) <= MAX_RATE_LIMIT_WAIT_MS;

  function withBackoff<T>(
    operation: string,
    fn: (octokit: Octokit) => Promise<T>,
    retryable: (error: unknown) => boolean,
  ): Promise<T> {
    return withRetry(() => call(operation, fn), {
      attempts: 5,
      baseDelayMs: 1000,
      maxDelayMs: 20_000,
      sleep: options.sleep,
      random: options.random,
      retryable: (error) => retryable(error) && waitable(error),
      delayFor,
      onRetry: (error, attempt, delay) =>
        logger?.info(
          `GitHub API: ${errorMessage(error)}; trying again in ${Math.round(delay / 1000)} s (attempt ${attempt + 1}).`,
        ),
    });
  }
  const retried = <T>(operation: string, fn: (octokit: Octokit) => Promise<T>) =>
    withBackoff(operation, fn, isTransientGitHub);
  const write = <T>(operation: string, fn: (octokit: Octokit) => Promise<T>) =>
    withBackoff(operation, fn, isRateLimited);
  return { retried, write };
}

function transport(options: GitHubApiOptions): Transport {
  const [owner = '', repo = ''] = /^[\w.-]+\/[\w.-]+$/.test(options.repository)
    ? options.repository.split('/')
    : [];
  if (!owner || !repo)
    throw new Error(`GITHUB_REPOSITORY must look like owner/repo, got ${JSON.stringify(options.repository)}`);
  const { logger } = options;
  if (options.token) logger?.mask(options.token);
  const base = options.apiUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const maxPages = options.maxPages ?? 1000;
  // Imported on first use: @actions/github parses GITHUB_EVENT_PATH when it loads, and a
  // malformed event file must fail as one clear line in run(), not as a stack trace at startup.
  let octokit: Promise<Octokit> | undefined;
  const client = () =>
    (octokit ??= import('@actions/github').then(({ getOctokit: make }) =>
      make(options.token, {
        baseUrl: base,
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

  async function call<T>(operation: string, fn: (octokit: Octokit) => Promise<T>): Promise<T> {
    try {
      return await fn(await client());
    } catch (error) {
      if (error instanceof GitHubApiError) throw error;
      // Octokit reports "no answer" as status 500 without a response.
      const e = error as { status?: unknown; response?: { headers?: Record<string, string | number> } };
      const status = typeof e.status === 'number' && e.response !== undefined ? e.status : undefined;
      throw new GitHubApiError(operation, status, errorMessage(error) + networkCode(error), {
        cause: error,
        retryAfterMs: status === 403 || status === 429 ? rateLimitWaitMs(e.response?.headers) : undefined,
      });
    }
  }

  async function pages<T>(operation: string, first: string, retry = false): Promise<T[]> {
    const get = retry ? retried : call;
    const items: T[] = [];
    let url: string | undefined = first;
    for (let page = 1; url; page++) {
      if (page > maxPages) throw new Error(`${operation} went past ${maxPages} pages; stopping.`);
      // The token goes only to the API's own host, even if a Link header points elsewhere.
      if (new URL(url).origin !== origin)
        throw new Error(`GitHub API pagination pointed at ${url}, outside ${origin}; refusing to follow it.`);
      const pageUrl: string = url;
      const response = await get(operation, (o) => o.request(`GET ${pageUrl}`, { request: request() }));
      if (!Array.isArray(response.data))
        throw new GitHubApiError(operation, response.status, 'GitHub did not answer with a list');
      items.push(...(response.data as T[]));
      url = nextLink(response.headers.link);
    }
    return items;
  }

  const { retried, write } = backoffCalls(options, call);

  return { owner, repo, repoUrl: `${base}/repos/${owner}/${repo}`, request, call, pages, retried, write };
}

function toComment(c: { id: number; body?: string | null; user?: { login?: string } | null }): IssueComment {
  return { id: c.id, body: c.body ?? '', user: c.user?.login };
}

function commentMethods(
  t: Transport,
): Pick<GitHubApi, 'viewerLogin' | 'listIssueComments' | 'createIssueComment' | 'updateIssueComment'> {
  const { owner, repo } = t;
  return {
    // GraphQL's viewer: REST GET /user refuses installation tokens (GITHUB_TOKEN, apps).
    viewerLogin: () =>
      t.call('Read the login of github-token', async (octokit) => {
        const data = await octokit.graphql<{ viewer?: { login?: string } }>('query { viewer { login } }', {
          request: t.request(),
        });
        const login = data.viewer?.login;
        if (!login) throw new Error('GitHub answered without a login');
        return login;
      }),
    listIssueComments: async (issue) =>
      (
        await t.pages<Parameters<typeof toComment>[0]>(
          `List comments of #${issue}`,
          `${t.repoUrl}/issues/${issue}/comments?per_page=100`,
          true,
        )
      ).map(toComment),
    createIssueComment: (issue, body) =>
      t.write(`Create a comment on #${issue}`, async (octokit) =>
        toComment(
          (
            await octokit.rest.issues.createComment({
              owner,
              repo,
              issue_number: issue,
              body,
              request: t.request(),
            })
          ).data,
        ),
      ),
    updateIssueComment: (commentId, body) =>
      t.write(`Update comment ${commentId}`, async (octokit) =>
        toComment(
          (
            await octokit.rest.issues.updateComment({
              owner,
              repo,
              comment_id: commentId,
              body,
              request: t.request(),
            })
          ).data,
        ),
      ),
  };
}

function deploymentMethods(
  t: Transport,
): Pick<
  GitHubApi,
  'createDeployment' | 'createDeploymentStatus' | 'listDeployments' | 'latestDeploymentState'
> {
  const { owner, repo } = t;
  return {
    createDeployment: (d) =>
      t.write(`Create a deployment of ${d.environment}`, async (octokit) => {
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
          request: t.request(),
        });
        // 202 means GitHub merged the default branch instead (only with auto_merge): not a deployment.
        const id = (response.data as { id?: unknown }).id;
        if (typeof id !== 'number')
          throw new Error(`GitHub answered ${response.status} without a deployment id`);
        return { id };
      }),
    // Retried like a read: a status sent twice changes nothing (the newest says the state), and one
    // lost to a 502 would leave the Deployment in progress for good.
    createDeploymentStatus: (deploymentId, s) =>
      t.retried(`Set deployment ${deploymentId} to ${s.state}`, async (octokit) => {
        await octokit.rest.repos.createDeploymentStatus({
          owner,
          repo,
          deployment_id: deploymentId,
          state: s.state,
          environment_url: s.environmentUrl,
          log_url: s.logUrl,
          description: s.description === undefined ? undefined : statusLine(s.description),
          request: t.request(),
        });
      }),
    listDeployments: async (environment) =>
      (
        await t.pages<{
          id: number;
          ref: string;
          creator?: { login?: string } | null;
          description?: string | null;
        }>(
          `List deployments of ${environment}`,
          `${t.repoUrl}/deployments?environment=${encodeURIComponent(environment)}&per_page=100`,
          true,
        )
      ).map((d) => ({
        id: d.id,
        ref: d.ref,
        creator: d.creator?.login,
        description: d.description ?? undefined,
      })),
    latestDeploymentState: async (deploymentId) => {
      const statuses = await t.pages<{ id: number; state: DeploymentState }>(
        `List the statuses of deployment ${deploymentId}`,
        `${t.repoUrl}/deployments/${deploymentId}/statuses?per_page=100`,
        true,
      );
      return statuses.reduce<(typeof statuses)[number] | undefined>(
        (newest, s) => (newest && newest.id > s.id ? newest : s),
        undefined,
      )?.state;
    },
  };
}

/** The reads prune makes: every branch, and pull request states. */
function refMethods(t: Transport): GitHubRefs {
  const repository = `${t.owner}/${t.repo}`;
  const withHint = async <T>(permission: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof GitHubApiError) || !accessHint(error.status, permission)) throw error;
      throw new GitHubApiError(
        error.operation,
        error.status,
        `${error.message.replace(/^.*?failed( \(HTTP \d+\))?: /, '')}.${accessHint(error.status, permission)}`,
        { cause: error.cause },
      );
    }
  };
  return {
    listBranches: () =>
      withHint('contents: read', async () => {
        const operation = `List the branches of ${repository}`;
        const branches = await t.pages<{ name?: unknown }>(
          operation,
          `${t.repoUrl}/branches?per_page=100`,
          true,
        );
        return branches.map((b) => b.name).filter((name): name is string => typeof name === 'string');
      }),
    getPullRequestState: (number) =>
      withHint('pull-requests: read', async () => {
        const operation = `Read pull request #${number} of ${repository}`;
        const state = await t
          .retried(operation, async (octokit) => {
            const response = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
              owner: t.owner,
              repo: t.repo,
              pull_number: number,
              request: t.request(),
            });
            return (response.data as { state?: unknown }).state;
          })
          .catch((error: unknown) => {
            if (error instanceof GitHubApiError && error.status === 404) return 'missing';
            throw error;
          });
        if (state === 'open' || state === 'closed' || state === 'missing') return state;
        throw new Error(`${operation} answered state ${JSON.stringify(state)}; expected open or closed.`);
      }),
  };
}

export function createGitHubApi(options: GitHubApiOptions): GitHubApi {
  const t = transport(options);
  return { ...commentMethods(t), ...deploymentMethods(t), ...refMethods(t) };
}
