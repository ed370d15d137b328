/** What the run knows about GitHub: the event and the repository. Read once, from the runner's env. */
export interface GitHubContext {
  /** GITHUB_EVENT_NAME; '' outside Actions. */
  eventName: string;
  /** The webhook payload (GITHUB_EVENT_PATH), or {}. */
  payload: Record<string, unknown>;
  /** GITHUB_REF, e.g. refs/heads/main. On `delete` it is the default branch, not the deleted one. */
  ref: string;
  sha: string;
  /** owner/repo */
  repository: string;
  serverUrl: string;
  apiUrl: string;
  runId: string;
  runAttempt: string;
  /** Link to this workflow run, or '' outside Actions. */
  runUrl: string;
}

/** Only a repository the event says is private (or internal) counts: unknown is treated as public. */
export function isPrivateRepository(ctx: Pick<GitHubContext, 'payload'>): boolean {
  const repo = ctx.payload.repository as { private?: unknown; visibility?: unknown } | undefined;
  return repo?.private === true || repo?.visibility === 'private' || repo?.visibility === 'internal';
}
