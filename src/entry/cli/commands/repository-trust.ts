/**
 * The repository ids both `setup` and `policy` put in the deploy roles' trust
 * policies: GitHub sends the immutable sub form (repo:OWNER@ID/REPO@ID:...) by
 * default for repositories created, renamed or transferred since 15 July 2026,
 * so a trust policy with only the classic form locks such a repository out.
 */
import { lookUpRepositoryIds } from '../../../setup/repository-ids.js';
import { gitHubLookupFrom } from '../../../setup/github-api.js';
import type { CommandContext } from '../command.js';

/** The trust policy's view of the repository; the lookup fills in what it reads. */
export interface TrustedRepository {
  /** owner/repo; replaced by GitHub's spelling, which its tokens carry. */
  repository: string;
  ownerId?: string;
  repoId?: string;
}

/** Why only the classic form is trusted, with the command for the ids; undefined when both are. */
export function classicSubjectWarning(config: TrustedRepository, lookupProblem?: string): string | undefined {
  if (config.ownerId && config.repoId) return undefined;
  return (
    `--owner-id/--repo-id: not given${lookupProblem ? ` and not read from GitHub (${lookupProblem})` : ''}, ` +
    `so the deploy roles trust only GitHub's classic sub form (repo:${config.repository}:...). ` +
    'Repositories created, renamed or transferred since 15 July 2026 send repo:OWNER@ID/REPO@ID:... instead, and their workflows could not sign in. ' +
    `Add --owner-id and --repo-id (gh api repos/${config.repository} --jq '.owner.id, .id'): both forms are then trusted.`
  );
}

/**
 * Neither --owner-id nor --repo-id given: both read from GitHub's API into
 * `config` (GH_TOKEN or GITHUB_TOKEN for a private repository), so the roles
 * trust the immutable sub form too. Why they could not be read, otherwise.
 */
async function repositoryIdsFromGitHub(
  config: TrustedRepository,
  ctx: Pick<CommandContext, 'io' | 'logger'>,
): Promise<string | undefined> {
  if (config.ownerId !== undefined || config.repoId !== undefined) return undefined;
  const found = await lookUpRepositoryIds(config.repository, gitHubLookupFrom(ctx.io.env, ctx.io.fetch));
  if ('problem' in found) return found.problem;
  if (found.fullName !== config.repository) {
    ctx.logger.info(
      `GitHub spells the repository ${found.fullName}, as its tokens do: the trust policies use that spelling (IAM compares it case by case), not ${config.repository}.`,
    );
    config.repository = found.fullName;
  }
  config.ownerId = found.ownerId;
  config.repoId = found.repoId;
  ctx.logger.info(
    `Read from GitHub: ${config.repository} is owner ${found.ownerId}, repository ${found.repoId} ` +
      '(--owner-id/--repo-id): the deploy roles trust both sub forms, repo:OWNER/REPO and repo:OWNER@ID/REPO@ID.',
  );
  return undefined;
}

/**
 * Fills in the ids `config` lacks from GitHub; the warning to show when the
 * roles still trust only the classic form.
 */
export async function trustRepositoryIds(
  config: TrustedRepository,
  ctx: Pick<CommandContext, 'io' | 'logger'>,
): Promise<string | undefined> {
  return classicSubjectWarning(config, await repositoryIdsFromGitHub(config, ctx));
}
