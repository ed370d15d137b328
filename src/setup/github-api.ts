/** One GET of GitHub's REST API, as setup makes them: JSON, versioned, with the token when there is one. */

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

/** The answer's status and JSON body, or why there was none (network, timeout, not JSON). */
export async function getGitHubJson(
  path: string,
  lookup: GitHubLookup,
): Promise<{ status: number; body: unknown } | { problem: string }> {
  const url = `${lookup.apiUrl.replace(/\/+$/, '')}/${path}`;
  let response: Response;
  try {
    response = await lookup.fetch(url, {
      headers: {
        accept: 'application/vnd.github+json',
        'user-agent': 'lambda-stage-deploy',
        'x-github-api-version': '2022-11-28',
        ...(lookup.token ? { authorization: `Bearer ${lookup.token}` } : {}),
      },
      signal: AbortSignal.timeout(lookup.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { problem: `GET ${url} failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}` };
  }
  if (!response.ok) return { status: response.status, body: undefined };
  try {
    return { status: response.status, body: await response.json() };
  } catch {
    return { problem: `GitHub's answer to GET ${url} is not JSON` };
  }
}
