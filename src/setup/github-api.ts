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

type GitHubAnswer = { status: number; body: unknown } | { problem: string };

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

/** The answer's status and JSON body (none unless 2xx), or why there was none (network, timeout, not JSON). */
export async function getGitHubJson(path: string, lookup: GitHubLookup): Promise<GitHubAnswer> {
  const answer = await requestGitHubJson('GET', path, lookup);
  return 'status' in answer && (answer.status < 200 || answer.status > 299)
    ? { status: answer.status, body: undefined }
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
