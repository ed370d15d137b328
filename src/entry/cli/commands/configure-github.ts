/**
 * `setup --configure-github`: the GitHub settings the production role's
 * trust relies on, made with the terminal's GH_TOKEN before any AWS call
 * (setup/github-settings.ts), and said line by line.
 */
import {
  checkTrustedNames,
  DEFAULT_ENVIRONMENTS,
  DEFAULT_PROTECTED_BRANCHES,
} from '../../../iam/trust-policy.js';
import { gitHubLookupFrom } from '../../../setup/github-api.js';
import {
  CONFIGURE_GITHUB_FLAG,
  configureGitHubSettings,
  type GitHubSettingsReport,
} from '../../../setup/github-settings.js';
import type { CommandContext } from '../command.js';
import { UsageError } from '../flags.js';
import { branchesToTrust } from './environment-check.js';
import { commaList, TRUST_FLAGS } from './shared-flags.js';

export { CONFIGURE_GITHUB_FLAG };

/** What was made (or with dryRun would be), for the checks that follow. */
export type GitHubSettingsMade = GitHubSettingsReport['made'];

export async function configureGitHub(
  trust: { repository: string; environments?: readonly string[]; protectedBranches?: readonly string[] },
  dryRun: boolean,
  ctx: Pick<CommandContext, 'io' | 'logger'>,
): Promise<GitHubSettingsMade> {
  // A wildcard would open the environment to every branch and rule every branch: refused before any write.
  checkTrustedNames(trust);
  const lookup = gitHubLookupFrom(ctx.io.env, ctx.io.fetch);
  if (!lookup.token)
    throw new UsageError(
      `--${CONFIGURE_GITHUB_FLAG}: needs a token that can administer ${trust.repository} in GH_TOKEN (or GITHUB_TOKEN): ` +
        'a fine-grained token with the repository permission "Administration" read and write (or a classic token with the repo scope), ' +
        'e.g. GH_TOKEN=$(gh auth token). Or leave the switch out and make the two settings by hand.',
      'setup',
    );
  const report = await configureGitHubSettings(
    {
      repository: trust.repository,
      environments: trust.environments ?? DEFAULT_ENVIRONMENTS,
      protectedBranches: trust.protectedBranches ?? DEFAULT_PROTECTED_BRANCHES,
    },
    lookup,
    { dryRun },
  );
  const said = `GitHub (--${CONFIGURE_GITHUB_FLAG}${dryRun ? ', dry run' : ''})`;
  for (const line of [...report.changes, ...report.unchanged]) ctx.logger.info(`${said}: ${line}`);
  return report.made;
}

/**
 * What the production role is to trust on GitHub (the protected branches and
 * the environments), with --configure-github made first; `made` is what a dry
 * run would make, for the check that follows not to refuse it as missing.
 */
export async function gitHubTrust(
  repository: string,
  dryRun: boolean,
  ctx: CommandContext,
): Promise<{
  protectedBranches: readonly string[] | undefined;
  environments: string[] | undefined;
  made: GitHubSettingsMade | undefined;
}> {
  const { own } = ctx.flags;
  const protectedBranches = await branchesToTrust(repository, own[TRUST_FLAGS.protectedBranches.name], ctx);
  const environments = commaList(own[TRUST_FLAGS.githubEnvironment.name]);
  if (own[CONFIGURE_GITHUB_FLAG] !== 'true') return { protectedBranches, environments, made: undefined };
  const made = await configureGitHub({ repository, environments, protectedBranches }, dryRun, ctx);
  return { protectedBranches, environments, made: dryRun ? made : undefined };
}
