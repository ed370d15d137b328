/**
 * The checks setup and policy run on what a production trust policy trusts:
 * the GitHub environments (setup/github-environments.ts) and the protected
 * branches, whose pushes need no environment (setup/github-branches.ts),
 * with the CLI's GitHub access and wording.
 */
import { DEFAULT_ENVIRONMENTS, DEFAULT_PROTECTED_BRANCHES } from '../../../iam/trust-policy.js';
import { gitHubLookupFrom } from '../../../setup/github-api.js';
import { checkTrustedBranches, presentBranches } from '../../../setup/github-branches.js';
import { productionBranches } from '../../../model/production-branches.js';
import { checkTrustedEnvironments } from '../../../setup/github-environments.js';
import { SettingsError } from '../../../settings/settings.js';
import type { CommandContext } from '../command.js';
import { branchList, TRUST_FLAGS } from './shared-flags.js';

const ENVIRONMENT_FLAG = TRUST_FLAGS.githubEnvironment.name;
const BRANCHES_FLAG = TRUST_FLAGS.protectedBranches.name;

/**
 * Refuses to trust a GitHub environment that lets more than the protected
 * branches deploy (a pull request's workflow could name it and assume the
 * production role), and a protected branch that anyone with write access
 * may create or push to unreviewed (a workflow pushed there assumes the
 * production role with no environment at all); warns when GitHub could not be asked, since a template,
 * a dry run or a printed policy meant for later trusts the same environments.
 */
export async function checkEnvironments(
  trust: { repository: string; environments?: readonly string[]; protectedBranches?: readonly string[] },
  ctx: CommandContext,
  /** What a dry run of --configure-github would create: not refused as missing. */
  wouldMake?: { environments: readonly string[]; branches: readonly string[] },
): Promise<void> {
  const lookup = gitHubLookupFrom(ctx.io.env, ctx.io.fetch);
  const protectedBranches = trust.protectedBranches ?? DEFAULT_PROTECTED_BRANCHES;
  const environments = await checkTrustedEnvironments(
    {
      repository: trust.repository,
      environments: trust.environments ?? DEFAULT_ENVIRONMENTS,
      protectedBranches,
    },
    lookup,
  );
  const branches = await checkTrustedBranches({ repository: trust.repository, protectedBranches }, lookup);
  const findings = [
    ...environments.map((f) => ({
      ...f,
      flag: ENVIRONMENT_FLAG,
      made: wouldMake?.environments.includes(f.environment),
    })),
    ...branches.map((f) => ({ ...f, flag: BRANCHES_FLAG, made: wouldMake?.branches.includes(f.branch) })),
  ];
  for (const f of findings.filter((f) => f.made && f.verdict === 'unsafe'))
    ctx.logger.info(`Not refused, as this dry run would make it: ${f.message.replace(/ Fix: .*$/s, '')}`);
  const unsafe = findings.filter((f) => f.verdict === 'unsafe' && !f.made);
  if (unsafe.length) throw new SettingsError(unsafe.map((f) => `--${f.flag}: ${f.message}`));
  for (const f of findings.filter((f) => !(f.made && f.verdict === 'unsafe')))
    if (f.verdict === 'safe') ctx.logger.info(f.message);
    else ctx.logger.warning(f.message);
}

/**
 * protected-stages without main or master: the reusable workflow deploys their
 * pushes as previews, which the roles follow; prune and branch deletions run on
 * the default branch, with the preview role when it is no production branch
 * (the route job says), which cannot read a protected stage, nor a function
 * lambda-deploy did not make (releaseClaimedLogGroups).
 */
function noDefaultBranch(protectedStages: readonly string[], branches: readonly string[]): string {
  const stages = protectedStages.join(',') || 'none';
  const what = branches.length
    ? `${stages} names neither main nor master, so the workflow deploys their pushes as previews and the production role trusts pushes to ${branches.join(', ')} only. `
    : `${stages} names no branch (prod and production name stages), so the workflow deploys every push as a preview: the production role trusts no branch push, the preview role every one. `;
  return (
    `--protected-stages: ${what}` +
    'Prune and branch deletions run on the default branch: when it is none of them, the workflow signs them in with the preview role, ' +
    "which removes previews and branch stages but may not read a protected stage's function, so prune keeps every version of the " +
    'dependencies layer and every slim archive (it cannot tell which are in use); nor may it read a function lambda-deploy did not make, ' +
    "so it cannot check the project's log groups for a hand-made function's, which pull-request code may have " +
    'tagged to read its logs (prune warns, naming the groups it could not check). List the default branch for the production role ' +
    `to prune and check those too, like --protected-stages main,${protectedStages.join(',')} (and the same protected-stages in the workflow).`
  );
}

/**
 * The protected branches the production role is to trust: `--protected-branches`
 * as given, else the production branches of `protectedStages`
 * (productionBranches: the pushes the workflow's route job sends to the
 * production job; main, master by default) that the repository has. One it
 * lacks is left out rather than refused: anyone with write access could
 * create it and assume the production role with a push. All of them when
 * GitHub cannot say, or the repository has all or none (checkEnvironments
 * then judges them).
 */
export async function branchesToTrust(
  repository: string,
  flag: string | undefined,
  protectedStages: readonly string[],
  ctx: CommandContext,
): Promise<readonly string[]> {
  const given = branchList(flag);
  if (given) return given;
  const candidates = productionBranches(protectedStages);
  if (!candidates.some((b) => DEFAULT_PROTECTED_BRANCHES.includes(b)))
    ctx.logger.warning(noDefaultBranch(protectedStages, candidates));
  if (!candidates.length) return candidates;
  const present = await presentBranches(
    { repository, protectedBranches: candidates },
    gitHubLookupFrom(ctx.io.env, ctx.io.fetch),
  );
  if (!present?.length || present.length === candidates.length) return candidates;
  const absent = candidates.filter((b) => !present.includes(b));
  ctx.logger.info(
    `The production role trusts pushes to ${present.join(', ')} only: ${repository} has no ${absent.join(', ')} ` +
      `(a branch anyone with write access could create). --${BRANCHES_FLAG} names the branches yourself.`,
  );
  return present;
}
