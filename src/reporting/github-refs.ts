import type { Logger } from '../util/logger.js';
import { errorMessage, withRetry } from '../util/retry.js';
import type { Sleep } from '../util/sleep.js';
import type { PullRequestState } from '../model/prune-decisions.js';

/** What prune asks GitHub. */
export interface GitHubRefs {
  /** Every branch name of the repository, all pages. */
  listBranches(): Promise<string[]>;
  getPullRequestState(number: number): Promise<PullRequestState>;
}

export interface GitHubRefsOptions {
  /** GITHUB_API_URL, e.g. https://api.github.com or https://ghe.example.com/api/v3. */
  apiUrl: string;
  /** owner/repo */
  repository: string;
  token: string;
  logger: Logger;
  sleep?: Sleep;
  random?: () => number;
  /** Stops a runaway pagination; 100 branches a page. */
  maxPages?: number;
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

class GitHubHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GitHubHttpError';
  }
}

const PERMISSION_HINT: Record<string, string> = {
  branches: 'the job needs `permissions: contents: read`',
  pulls: 'the job needs `permissions: pull-requests: read`',
};

/** The GitHub REST API through plain fetch: branches (every page) and pull request states. */
export function createGitHubRefs(options: GitHubRefsOptions): GitHubRefs {
  const { repository, token, logger } = options;
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository))
    throw new Error(
      `GITHUB_REPOSITORY ${JSON.stringify(repository)} is not owner/repo; prune needs it to list branches.`,
    );
  if (token) logger.mask(token);
  const base = options.apiUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const maxPages = options.maxPages ?? 1000;

  const get = async (
    url: string,
    what: 'branches' | 'pulls',
    okStatuses: number[] = [],
  ): Promise<Response> => {
    // The token goes only to the API's own host, even if a Link header points elsewhere.
    if (new URL(url).origin !== origin)
      throw new Error(`GitHub API pagination pointed at ${url}, outside ${origin}; refusing to follow it.`);
    const request = async (): Promise<Response> => {
      try {
        return await fetch(url, {
          headers: {
            accept: 'application/vnd.github+json',
            'x-github-api-version': '2022-11-28',
            'user-agent': 'lambda-deploy',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        });
      } catch (error) {
        // fetch hides the reason (ECONNREFUSED, ENOTFOUND...) in its cause.
        const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
        const detail = typeof cause?.code === 'string' ? cause.code : cause?.message;
        const reason = `${errorMessage(error)}${typeof detail === 'string' ? ` (${detail})` : ''}`;
        throw new Error(`GET ${new URL(url).pathname} failed: ${reason}`, { cause: error });
      }
    };
    return withRetry(
      async () => {
        const response = await request();
        if (response.ok || okStatuses.includes(response.status)) return response;
        const body = (await response.text().catch(() => '')).slice(0, 300);
        let message = `GET ${new URL(url).pathname} returned ${response.status}${body ? `: ${body}` : ''}`;
        if (response.status === 401) message += '. Hint: github-token is missing or expired.';
        else if (response.status === 403 || response.status === 404)
          message += `. Hint: ${PERMISSION_HINT[what]}.`;
        throw new GitHubHttpError(response.status, message);
      },
      {
        attempts: 5,
        baseDelayMs: 1000,
        maxDelayMs: 20_000,
        sleep: options.sleep,
        random: options.random,
        retryable: (error) =>
          !(error instanceof GitHubHttpError) || error.status === 429 || error.status >= 500,
        onRetry: (error, attempt, delay) =>
          logger.info(
            `GitHub API: ${errorMessage(error)}; trying again in ${Math.round(delay / 1000)} s (attempt ${attempt + 1}).`,
          ),
      },
    );
  };

  return {
    async listBranches() {
      const names: string[] = [];
      let url: string | undefined = `${base}/repos/${repository}/branches?per_page=100`;
      for (let page = 1; url; page++) {
        if (page > maxPages)
          throw new Error(`Listing branches of ${repository} went past ${maxPages} pages; stopping.`);
        const response = await get(url, 'branches');
        const body = (await response.json()) as { name?: unknown }[];
        if (!Array.isArray(body)) throw new Error(`GET branches of ${repository} did not return a list.`);
        for (const b of body) if (typeof b.name === 'string') names.push(b.name);
        url = nextLink(response.headers.get('link'));
      }
      return names;
    },
    async getPullRequestState(number) {
      const response = await get(`${base}/repos/${repository}/pulls/${number}`, 'pulls', [404]);
      if (response.status === 404) {
        await response.body?.cancel();
        return 'missing';
      }
      const body = (await response.json()) as { state?: unknown };
      if (body.state === 'open' || body.state === 'closed') return body.state;
      throw new Error(
        `GET pull request #${number} of ${repository} returned state ${JSON.stringify(body.state)}; expected open or closed.`,
      );
    },
  };
}
