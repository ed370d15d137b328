/**
 * The numeric ids GitHub's immutable `sub` form carries
 * (repo:OWNER@OWNER_ID/REPO@REPO_ID:..., the default for repositories created,
 * renamed or transferred since 15 July 2026), read from GitHub's API so that
 * setup can trust both forms without the user looking them up.
 */
import { getGitHubJson, type GitHubLookup } from './github-api.js';

/** The owner's and the repository's ids, as GET /repos/OWNER/REPO gives them. */
export interface RepositoryIds {
  ownerId: string;
  repoId: string;
  /** owner/repo as GitHub spells it, which its sub claims use (IAM compares them case-sensitively). */
  fullName: string;
}

export type RepositoryIdsLookup = GitHubLookup;

/** A JSON number or numeric string, as text; undefined for anything else. */
function numericId(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof text === 'string' && /^\d+$/.test(text) ? text : undefined;
}

/**
 * The ids of `repository` (owner/repo), or why they could not be read. A
 * repository GitHub now names otherwise (renamed: the API redirects) is an
 * answer too: the roles would trust a name no workflow sends.
 */
export async function lookUpRepositoryIds(
  repository: string,
  lookup: RepositoryIdsLookup,
): Promise<RepositoryIds | { problem: string }> {
  const answer = await getGitHubJson(`repos/${repository}`, lookup);
  if ('problem' in answer) return answer;
  if (answer.status === 404 || answer.status === 401 || answer.status === 403)
    return {
      problem:
        `GitHub answered ${answer.status} for ${repository}` +
        (lookup.token
          ? ': check the name, and that GH_TOKEN (or GITHUB_TOKEN) can read the repository'
          : ': check the name; a private repository needs GH_TOKEN (or GITHUB_TOKEN) set to a token that can read it'),
    };
  if (answer.status >= 300) return { problem: `GitHub answered ${answer.status} for ${repository}` };
  const body = (answer.body ?? {}) as { id?: unknown; full_name?: unknown; owner?: { id?: unknown } };
  const fullName = typeof body.full_name === 'string' ? body.full_name : '';
  if (fullName && fullName.toLowerCase() !== repository.toLowerCase())
    return {
      problem: `GitHub names ${repository} ${fullName} now (renamed or transferred): use --repository ${fullName}`,
    };
  const ownerId = numericId(body.owner?.id);
  const repoId = numericId(body.id);
  if (!ownerId || !repoId)
    return { problem: `GitHub's answer for ${repository} has no owner and repository ids` };
  return { ownerId, repoId, fullName: fullName || repository };
}
