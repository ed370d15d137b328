/**
 * The check setup and policy run on the GitHub environments a production
 * trust policy trusts (setup/github-environments.ts), with the CLI's
 * GitHub access and wording.
 */
import { DEFAULT_ENVIRONMENTS, DEFAULT_PROTECTED_BRANCHES } from '../../../iam/trust-policy.js';
import { gitHubLookupFrom } from '../../../setup/github-api.js';
import { checkTrustedEnvironments } from '../../../setup/github-environments.js';
import { SettingsError } from '../../../settings/settings.js';
import type { CommandContext } from '../command.js';
import { TRUST_FLAGS } from './shared-flags.js';

const ENVIRONMENT_FLAG = TRUST_FLAGS.githubEnvironment.name;

/**
 * Refuses to trust a GitHub environment that lets more than the protected
 * branches deploy (a pull request's workflow could name it and assume the
 * production role); warns when GitHub could not be asked, since a template,
 * a dry run or a printed policy meant for later trusts the same environments.
 */
export async function checkEnvironments(
  trust: { repository: string; environments?: readonly string[]; protectedBranches?: readonly string[] },
  ctx: CommandContext,
): Promise<void> {
  const findings = await checkTrustedEnvironments(
    {
      repository: trust.repository,
      environments: trust.environments ?? DEFAULT_ENVIRONMENTS,
      protectedBranches: trust.protectedBranches ?? DEFAULT_PROTECTED_BRANCHES,
    },
    gitHubLookupFrom(ctx.io.env, ctx.io.fetch),
  );
  const unsafe = findings.filter((f) => f.verdict === 'unsafe');
  if (unsafe.length) throw new SettingsError(unsafe.map((f) => `--${ENVIRONMENT_FLAG}: ${f.message}`));
  for (const f of findings)
    if (f.verdict === 'safe') ctx.logger.info(f.message);
    else ctx.logger.warning(f.message);
}
