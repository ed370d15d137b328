/** GitHub's REST API as setup calls it: JSON, versioned, with the token when there is one. */

export interface GitHubLookup {
  /** GITHUB_API_URL, or https://api.github.com. */
  apiUrl: string;
  /** GH_TOKEN or GITHUB_TOKEN: needed for a private repository. */
  token?: string;
  fetch: typeof fetch;
  timeoutMs?: number;
}

/** GitHub's API as a terminal reaches it: GITHUB_API_URL (GitHub Enterprise) and GH_TOKEN or GITHUB_TOKEN from the environment. */
export function gitHubLookupFrom(env: NodeJS.ProcessEnv, fetchFn: typeof fetch): GitHubLookup {
  return {
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    token: env.GH_TOKEN || env.GITHUB_TOKEN || undefined,
    fetch: fetchFn,
  };
}

type GitHubAnswer = { status: number; body: unknown; message?: string } | { problem: string };

/** GitHub's message in an error answer's body, when it has one. */
export function gitHubMessage(body: unknown): string | undefined {
  const said = (body as { message?: unknown } | undefined)?.message;
  return typeof said === 'string' ? said : undefined;
}

/**
 * Whether GitHub refused because of the owner's plan, not the token: rulesets,
 * branch protection and environment branch limits on a private repository of
 * a GitHub Free account (403 "Upgrade to GitHub Pro or make this repository
 * public to enable this feature.").
 */
export function planRefusal(message: string | undefined): boolean {
  return /upgrade to github (pro|team|enterprise)|make this repository public/i.test(message ?? '');
}

/** What the owner of a Free private repository can do when GitHub refuses for its plan. */
export const PLAN_FIX =
  'GitHub offers rulesets, branch protection and environment deployment branches for a private repository only on a paid plan ' +
  "(GitHub Pro, Team or Enterprise): make the repository public, or upgrade its owner's plan, then run setup again; " +
  'a token with more permissions does not help';

/** GitHub's plan refusal, said with what to do; undefined for any other answer. */
export function planProblem(status: number, message: string | undefined): string | undefined {
  return planRefusal(message) ? `GitHub answered ${status} (${message}): ${PLAN_FIX}` : undefined;
}

/** Why a read got no answer to use: the owner's plan, or the token and what it must read (`readable`, `permission`). */
export function readProblem(
  status: number,
  token: string | undefined,
  message: string | undefined,
  readable: string,
  permission = '',
): string {
  const plan = planProblem(status, message);
  if (plan) return plan;
  if (status === 401 || status === 403)
    return token
      ? `GitHub answered ${status}: GH_TOKEN (or GITHUB_TOKEN) must be able to read ${readable}${permission}`
      : `GitHub answered ${status} without a token: set GH_TOKEN (or GITHUB_TOKEN) to a token that can read ${readable}`;
  return `GitHub answered ${status}`;
}

/** One request; the JSON body of any answer (GitHub's error answers carry a message). */
async function requestGitHubJson(
  method: 'GET' | 'PUT' | 'POST',
  path: string,
  lookup: GitHubLookup,
  body?: unknown,
): Promise<GitHubAnswer> {
  const url = `${lookup.apiUrl.replace(/\/+$/, '')}/${path}`;
  let response: Response;
  try {
    response = await lookup.fetch(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        'user-agent': 'lambda-stage-deploy',
        'x-github-api-version': '2022-11-28',
        ...(lookup.token ? { authorization: `Bearer ${lookup.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(lookup.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { problem: `${method} ${url} failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}` };
  }
  try {
    return { status: response.status, body: await response.json() };
  } catch {
    if (!response.ok) return { status: response.status, body: undefined };
    return { problem: `GitHub's answer to ${method} ${url} is not JSON` };
  }
}

/** The answer's status and JSON body (none unless 2xx, then GitHub's message), or why there was none (network, timeout, not JSON). */
export async function getGitHubJson(path: string, lookup: GitHubLookup): Promise<GitHubAnswer> {
  const answer = await requestGitHubJson('GET', path, lookup);
  return 'status' in answer && (answer.status < 200 || answer.status > 299)
    ? { status: answer.status, body: undefined, message: gitHubMessage(answer.body) }
    : answer;
}

/** A write (PUT, POST) with a JSON body: the answer's status and JSON body, GitHub's message on an error too. */
export function sendGitHubJson(
  method: 'PUT' | 'POST',
  path: string,
  body: unknown,
  lookup: GitHubLookup,
): Promise<GitHubAnswer> {
  return requestGitHubJson(method, path, lookup, body);
}
