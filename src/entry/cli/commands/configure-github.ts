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
  ADMIN_BYPASS_FLAG,
  CONFIGURE_GITHUB_FLAG,
  configureGitHubSettings,
  type GitHubSettingsOptions,
  type GitHubSettingsReport,
} from '../../../setup/github-settings.js';
import type { CommandContext } from '../command.js';
import type { Settings } from '../../../model/settings.js';
import { stageEntries } from '../../../model/production-branches.js';
import { UsageError } from '../flags.js';
import { branchesToTrust } from './environment-check.js';
import { environmentList, TRUST_FLAGS } from './shared-flags.js';

export { ADMIN_BYPASS_FLAG, CONFIGURE_GITHUB_FLAG };

const CLOUDFORMATION_FLAG = 'cloudformation';

/** What was made (or with dryRun would be), for the checks that follow. */
export type GitHubSettingsMade = GitHubSettingsReport['made'];

export async function configureGitHub(
  trust: { repository: string; environments?: readonly string[]; protectedBranches?: readonly string[] },
  options: GitHubSettingsOptions,
  ctx: Pick<CommandContext, 'io' | 'logger'>,
): Promise<GitHubSettingsMade> {
  const { dryRun } = options;
  // A wildcard would open the environment to every branch and rule every branch: refused before any write.
  checkTrustedNames(trust);
  // An environment no branch may deploy to, a ruleset on no branch: nothing to make.
  if (trust.protectedBranches?.length === 0)
    throw new UsageError(
      `--${CONFIGURE_GITHUB_FLAG}: no production branch to limit the environment to and protect (protected-stages names none); ` +
        'expected the branch production deploys from in --protected-stages, like --protected-stages main,prod, or --protected-branches naming it.',
      'setup',
    );
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
    options,
  );
  const said = `GitHub (--${CONFIGURE_GITHUB_FLAG}${dryRun ? ', dry run' : ''})`;
  for (const line of [...report.changes, ...report.unchanged]) ctx.logger.info(`${said}: ${line}`);
  for (const line of report.hints) ctx.logger.info(`${said}: hint: ${line}`);
  return report.made;
}

/**
 * What the production role is to trust on GitHub (the protected branches and
 * the environments), with --configure-github made first; `made` is what a dry
 * run would make, for the check that follows not to refuse it as missing.
 */
export async function gitHubTrust(
  repository: string,
  settings: Pick<Settings, 'dryRun' | 'protectedStages' | 'protectedStageEntries'>,
  ctx: CommandContext,
): Promise<{
  protectedBranches: readonly string[] | undefined;
  environments: string[] | undefined;
  made: GitHubSettingsMade | undefined;
}> {
  const { own } = ctx.flags;
  const { dryRun } = settings;
  const configure = own[CONFIGURE_GITHUB_FLAG] === 'true';
  const adminBypass = own[ADMIN_BYPASS_FLAG] === 'true';
  if (adminBypass && !configure)
    throw new UsageError(
      `--${ADMIN_BYPASS_FLAG}: only with --${CONFIGURE_GITHUB_FLAG} (it lets repository admins bypass the ruleset that makes; ` +
        'for a ruleset of your own, add the bypass in Settings > Rules > Rulesets)',
      'setup',
    );
  // A template is printed for someone to apply later: that mode changes nothing, on GitHub neither.
  if (configure && own[CLOUDFORMATION_FLAG] === 'true' && !dryRun)
    throw new UsageError(
      `--${CONFIGURE_GITHUB_FLAG}: not with --${CLOUDFORMATION_FLAG}, which only prints a template and changes nothing, while --${CONFIGURE_GITHUB_FLAG} writes to GitHub. ` +
        `Make the GitHub settings first (setup --${CONFIGURE_GITHUB_FLAG} without --${CLOUDFORMATION_FLAG}, or by hand), then print the template; ` +
        `or add --dry-run to see what --${CONFIGURE_GITHUB_FLAG} would make`,
      'setup',
    );
  const protectedBranches = await branchesToTrust(
    repository,
    own[TRUST_FLAGS.protectedBranches.name],
    stageEntries(settings),
    ctx,
  );
  const environments = environmentList(own[TRUST_FLAGS.githubEnvironment.name]);
  if (!configure) return { protectedBranches, environments, made: undefined };
  const made = await configureGitHub(
    { repository, environments, protectedBranches },
    { dryRun, adminBypass },
    ctx,
  );
  return { protectedBranches, environments, made: dryRun ? made : undefined };
}
