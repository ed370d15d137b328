/**
 * The two GitHub settings `setup --configure-github` makes, so that the
 * checks of github-environments.ts and github-branches.ts pass: each GitHub
 * environment the production role trusts, limited to the protected branches,
 * and a ruleset keeping unreviewed pushes off those branches. It creates only
 * what is missing: an existing environment, branch protection or ruleset is
 * left as it is (the checks that follow judge them).
 *
 * GitHub's REST API: "Create or update an environment" (PUT
 * /repos/{o}/{r}/environments/{name}, body `deployment_branch_policy:
 * {protected_branches, custom_branch_policies}`, exactly one true), "Create a
 * deployment branch policy" (POST .../deployment-branch-policies, `{name,
 * type}`), "Create a repository ruleset" (POST /repos/{o}/{r}/rulesets) and,
 * when setup's ruleset exists (GitHub refuses a second one with its name),
 * "Update a repository ruleset" (PUT .../rulesets/{id}, only the fields sent
 * change); all need the "Administration" repository permission (write), or a
 * classic token's repo scope. The environment is limited by name, not to
 * "protected branches": GitHub counts only classic branch protection rules
 * there (not rulesets), and then every branch with one could deploy.
 *
 * `--admin-bypass` adds the repository admin role to the ruleset's bypass
 * list in `pull_request` mode (a maintainer alone cannot approve their own
 * pull request), rather than requiring no approval: that would let anyone
 * with write access merge unreviewed code into a branch production trusts,
 * while an admin can change the ruleset anyway. The repository's rulesets are
 * listed with their organisation's (`includes_parents`): one of ours that
 * comes from there is named, never changed. A private repository of a GitHub
 * Free account has none of this: GitHub's 403 asks for an upgrade.
 */
import {
  sendGitHubJson,
  getGitHubJson,
  gitHubMessage,
  planProblem,
  type GitHubLookup,
} from './github-api.js';
import { branchGuards, readBranch } from './github-branches.js';
import { branchPolicies, environmentPath, statusProblem } from './github-environments.js';

export interface GitHubSettingsTarget {
  /** owner/repo. */
  repository: string;
  environments: readonly string[];
  protectedBranches: readonly string[];
}

export interface GitHubSettingsReport {
  /** What was (or, with dryRun, would be) created, a line each. */
  changes: string[];
  /** What was already there and left as it is, a line each. */
  unchanged: string[];
  /** Advice for the user, a line each (a maintainer alone, who cannot approve their own pull requests). */
  hints: string[];
  /** The environments and branches it created (or, with dryRun, would create). */
  made: { environments: string[]; branches: string[] };
}

export const CONFIGURE_GITHUB_FLAG = 'configure-github';
export const ADMIN_BYPASS_FLAG = 'admin-bypass';

export interface GitHubSettingsOptions {
  dryRun: boolean;
  /** Repository admins may merge a pull request into a protected branch without an approving review (`--admin-bypass`). */
  adminBypass?: boolean;
}

/**
 * GitHub's built-in "Repository admin" role as a ruleset bypass actor, in
 * `pull_request` mode: it may merge a pull request without the required
 * review, never push to the branch directly.
 */
export const ADMIN_BYPASS = {
  actor_id: 5,
  actor_type: 'RepositoryRole',
  bypass_mode: 'pull_request',
} as const;
export const RULESET_NAME = 'lambda-deploy: production branches';

/** A write GitHub refused, or a read that failed: setup stops before any AWS change. */
export class GitHubSettingsError extends Error {
  constructor(message: string) {
    super(`--${CONFIGURE_GITHUB_FLAG}: ${message}`);
    this.name = 'GitHubSettingsError';
  }
}

/** The ruleset's rules: a pull request with an approving review, no force push, no deletion; no creation for a branch not there yet. */
export function rulesetBody(
  branches: readonly string[],
  restrictCreation: boolean,
  adminBypass = false,
): object {
  return {
    name: RULESET_NAME,
    target: 'branch',
    enforcement: 'active',
    bypass_actors: adminBypass ? [ADMIN_BYPASS] : [],
    conditions: { ref_name: { include: branches.map((b) => `refs/heads/${b}`), exclude: [] } },
    rules: [
      { type: 'deletion' },
      { type: 'non_fast_forward' },
      {
        type: 'pull_request',
        parameters: {
          required_approving_review_count: 1,
          dismiss_stale_reviews_on_push: true,
          require_code_owner_review: false,
          require_last_push_approval: false,
          required_review_thread_resolution: false,
        },
      },
      ...(restrictCreation ? [{ type: 'creation' }] : []),
    ],
  };
}

/** One write; what GitHub refused it for, naming the token and the permission it lacks. */
async function write(
  method: 'PUT' | 'POST',
  path: string,
  body: unknown,
  purpose: string,
  t: GitHubSettingsTarget,
  lookup: GitHubLookup,
): Promise<void> {
  const answer = await sendGitHubJson(method, path, body, lookup);
  if ('problem' in answer) throw new GitHubSettingsError(`could not ${purpose}: ${answer.problem}`);
  if (answer.status >= 200 && answer.status <= 299) return;
  const said = gitHubMessage(answer.body);
  const plan = planProblem(answer.status, said);
  if (plan)
    throw new GitHubSettingsError(
      `${plan}. Could not ${purpose} (${method} ${path}). Nothing was changed in AWS.`,
    );
  const why = said === undefined ? '' : ` (${said})`;
  const permission = [401, 403, 404].includes(answer.status)
    ? `: GH_TOKEN (or GITHUB_TOKEN) needs Administration: write on ${t.repository} ` +
      '(a fine-grained token with the repository permission "Administration" read and write, or a classic token with the repo scope)'
    : '';
  throw new GitHubSettingsError(
    `GitHub answered ${answer.status} to ${method} ${path}${why}${permission} to ${purpose}. Nothing was changed in AWS.`,
  );
}

const onlyProtected = (t: GitHubSettingsTarget) => `only ${t.protectedBranches.join(', ')} may deploy to it`;

/** Who may deploy to an existing environment, as a phrase; why that could not be read otherwise. */
async function whoMayDeploy(
  t: GitHubSettingsTarget,
  environment: string,
  body: unknown,
  lookup: GitHubLookup,
) {
  const policy = (body as { deployment_branch_policy?: unknown } | undefined)?.deployment_branch_policy as
    { protected_branches?: unknown; custom_branch_policies?: unknown } | null | undefined;
  if (!policy) return 'any branch may deploy to it';
  if (policy.custom_branch_policies !== true)
    return 'every branch with a branch protection rule may deploy to it';
  const policies = await branchPolicies(t, environment, lookup);
  if (typeof policies === 'string') return `its deployment branches could not be read: ${policies}`;
  const names = policies.map((p) => (p.type === 'branch' ? p.name : `${p.type} ${p.name}`));
  const exact =
    names.length === t.protectedBranches.length && t.protectedBranches.every((b) => names.includes(b));
  if (exact) return onlyProtected(t);
  return names.length ? `${names.join(', ')} may deploy to it` : 'no branch may deploy to it';
}

async function configureEnvironment(
  t: GitHubSettingsTarget,
  environment: string,
  lookup: GitHubLookup,
  dryRun: boolean,
  report: GitHubSettingsReport,
): Promise<void> {
  const path = environmentPath(t.repository, environment);
  const only = onlyProtected(t);
  const answer = await getGitHubJson(path, lookup);
  const what = `GitHub environment ${environment} of ${t.repository}`;
  if ('problem' in answer) throw new GitHubSettingsError(`could not read ${what} (${answer.problem})`);
  if (answer.status === 200) {
    const who = await whoMayDeploy(t, environment, answer.body, lookup);
    const differs = who === only ? '' : `, where setup would let only ${t.protectedBranches.join(', ')}`;
    report.unchanged.push(`${what} exists: left as it is (${who}${differs})`);
    return;
  }
  if (answer.status !== 404)
    throw new GitHubSettingsError(
      `could not read ${what} (${statusProblem(answer.status, lookup.token, answer.message)})`,
    );
  report.changes.push(`${dryRun ? 'would create' : 'created'} ${what}: ${only}`);
  report.made.environments.push(environment);
  if (dryRun) return;
  // Named branches with none named yet lets no branch deploy: safe between the two writes.
  const purpose = `create the environment ${environment}`;
  const limit = { deployment_branch_policy: { protected_branches: false, custom_branch_policies: true } };
  await write('PUT', path, limit, purpose, t, lookup);
  for (const name of t.protectedBranches)
    await write('POST', `${path}/deployment-branch-policies`, { name, type: 'branch' }, purpose, t, lookup);
}

const byAdmins =
  'repository admins may merge a pull request without the review (a bypass for pull requests only)';

async function configureBranches(
  t: GitHubSettingsTarget,
  lookup: GitHubLookup,
  options: GitHubSettingsOptions,
  report: GitHubSettingsReport,
): Promise<Ruleset | 'created' | undefined> {
  const unguarded: string[] = [];
  let missing = false;
  for (const branch of t.protectedBranches) {
    const state = await readBranch(t, branch, lookup);
    const what = `Branch ${branch} of ${t.repository}`;
    if ('problem' in state) throw new GitHubSettingsError(`could not read ${what} (${state.problem})`);
    const guards = branchGuards(state);
    if (!state.missing && guards.length)
      report.unchanged.push(`${what} is protected (${guards.join(', ')}): left as it is`);
    else if (state.missing && state.rules.includes('creation'))
      report.unchanged.push(`${what} does not exist; a ruleset restricts its creation: left as it is`);
    else {
      unguarded.push(branch);
      missing ||= state.missing;
    }
  }
  const found = await findRulesets(t, lookup);
  if (found.ours) {
    await extendRuleset(t, found.ours, unguarded, missing, lookup, options, report);
    return found.ours;
  }
  if (!unguarded.length) {
    if (options.adminBypass)
      report.unchanged.push(
        `no ruleset "${RULESET_NAME}" on ${t.repository}: --${ADMIN_BYPASS_FLAG} has none to add repository admins to (the protection the branches have is left as it is)`,
      );
    return undefined;
  }
  if (found.parent) {
    // GitHub lists the rulesets of the organisation (or enterprise) that apply to the repository
    // too; setup changes none of those, and a second ruleset of the same name would only confuse.
    report.unchanged.push(
      `ruleset "${RULESET_NAME}" of ${found.parent} (${found.parentType} ruleset) applies to ${t.repository} and does not protect ${unguarded.join(', ')}: ` +
        `setup changes no ${found.parentType.toLowerCase()} ruleset and creates no second one of that name; add ${unguarded.join(', ')} to it in ${found.parent}'s Settings, ` +
        'or protect them in the repository yourself',
    );
    return undefined;
  }
  report.made.branches.push(...unguarded);
  report.changes.push(
    `${options.dryRun ? 'would create' : 'created'} ruleset "${RULESET_NAME}" on ${t.repository}: ${unguarded.join(', ')} ` +
      `${unguarded.length === 1 ? 'takes' : 'take'} a pull request with an approving review, no force push, no deletion` +
      (missing ? ', and only those allowed to bypass may create them' : '') +
      (options.adminBypass ? `; ${byAdmins}` : ''),
  );
  if (options.dryRun) return 'created';
  await write(
    'POST',
    `repos/${t.repository}/rulesets`,
    rulesetBody(unguarded, missing, options.adminBypass),
    `create the ruleset protecting ${unguarded.join(', ')}`,
    t,
    lookup,
  );
  return 'created';
}

const RULESET_PAGE = 100;
const RULESET_PAGES = 10;

type Fields = Record<string, unknown>;
/** A ruleset as GitHub answers it, with what this reads of it; the rest is sent back as it is. */
interface Ruleset {
  id: number;
  enforcement?: unknown;
  bypass_actors?: unknown;
  conditions?: Fields & { ref_name?: Fields & { include?: unknown; exclude?: unknown } };
  rules?: { type?: unknown }[];
}

/** Reads one ruleset list page or one ruleset; what went wrong as an error. */
async function readRulesets(t: GitHubSettingsTarget, path: string, lookup: GitHubLookup): Promise<unknown> {
  const answer = await getGitHubJson(`repos/${t.repository}/${path}`, lookup);
  const what = `the rulesets of ${t.repository}`;
  if ('problem' in answer) throw new GitHubSettingsError(`could not read ${what} (${answer.problem})`);
  if (answer.status !== 200)
    throw new GitHubSettingsError(
      `could not read ${what} (${statusProblem(answer.status, lookup.token, answer.message)})`,
    );
  return answer.body;
}

type RulesetSummary = { id?: unknown; name?: unknown; source_type?: unknown; source?: unknown };

/**
 * The repository's own ruleset named RULESET_NAME (an earlier setup's), in
 * full; and where one of that name comes from its organisation (or
 * enterprise), which the listing includes with `includes_parents`.
 */
async function findRulesets(
  t: GitHubSettingsTarget,
  lookup: GitHubLookup,
): Promise<{ ours?: Ruleset; parent?: string; parentType: string }> {
  let parent: RulesetSummary | undefined;
  for (let page = 1; page <= RULESET_PAGES; page++) {
    const path = `rulesets?includes_parents=true&per_page=${RULESET_PAGE}&page=${page}`;
    const list = await readRulesets(t, path, lookup);
    if (!Array.isArray(list))
      throw new GitHubSettingsError(`GitHub's list of rulesets of ${t.repository} is not a list`);
    const named = (list as RulesetSummary[]).filter((r) => r.name === RULESET_NAME);
    const ours = named.find((r) => (r.source_type ?? 'Repository') === 'Repository');
    if (ours && typeof ours.id === 'number')
      return {
        ours: { ...((await readRulesets(t, `rulesets/${ours.id}`, lookup)) as Ruleset), id: ours.id },
        parentType: '',
      };
    parent ??= named.find((r) => r !== ours);
    if (list.length < RULESET_PAGE) break;
    if (page === RULESET_PAGES)
      throw new GitHubSettingsError(`${t.repository} has more than ${RULESET_PAGE * RULESET_PAGES} rulesets`);
  }
  return parent
    ? { parent: String(parent.source), parentType: String(parent.source_type) }
    : { parentType: '' };
}

const isAdminBypass = (a: unknown) =>
  (a as { actor_type?: unknown })?.actor_type === ADMIN_BYPASS.actor_type &&
  (a as { actor_id?: unknown })?.actor_id === ADMIN_BYPASS.actor_id;

/**
 * Adds the branches to the existing ruleset's include list (and a creation
 * rule for a branch not there yet), and with adminBypass the admin role to
 * its bypass list; nothing in it is removed or changed.
 */
async function extendRuleset(
  t: GitHubSettingsTarget,
  ruleset: Ruleset,
  unguarded: readonly string[],
  missing: boolean,
  lookup: GitHubLookup,
  options: GitHubSettingsOptions,
  report: GitHubSettingsReport,
): Promise<void> {
  const refName = ruleset.conditions?.ref_name ?? {};
  const include = Array.isArray(refName.include) ? (refName.include as string[]) : [];
  const added = unguarded.filter((b) => !include.includes(`refs/heads/${b}`));
  const name = `ruleset "${RULESET_NAME}" on ${t.repository}`;
  const actors = ruleset.bypass_actors;
  if (options.adminBypass && !Array.isArray(actors))
    // Sending a list without the actors GitHub did not show would remove them.
    throw new GitHubSettingsError(
      `GitHub's answer for ${name} has no bypass list (bypass_actors): --${ADMIN_BYPASS_FLAG} adds nothing rather than replace it. Nothing was changed in AWS.`,
    );
  const bypass = options.adminBypass === true && !(actors as unknown[]).some(isAdminBypass);
  if (options.adminBypass && !bypass)
    report.unchanged.push(`${name} lets repository admins bypass it already: left as it is`);
  if (!added.length && unguarded.length)
    // Named already yet unguarded: the ruleset is not active, or the user took rules out; the checks judge it.
    report.unchanged.push(
      `${name} names ${unguarded.join(', ')} already (enforcement ${String(ruleset.enforcement)}): left as it is`,
    );
  if (!added.length && !bypass) return;
  const wider = [...include, ...added.map((b) => `refs/heads/${b}`)];
  const rules = ruleset.rules ?? [];
  const restrict = added.length > 0 && missing && !rules.some((r) => r.type === 'creation');
  const covers = wider.map((r) => r.replace(/^refs\/heads\//, '')).join(', ');
  report.made.branches.push(...added);
  const verb = options.dryRun ? 'would add' : 'added';
  if (added.length)
    report.changes.push(
      `${verb} ${added.join(', ')} to ${name} (it then covers ${covers}; its rules are ` +
        (restrict
          ? `kept, one added: only those allowed to bypass may create ${added.join(', ')})`
          : 'left as they are)'),
    );
  if (bypass)
    report.changes.push(
      `${verb} repository admins to the bypass list of ${name}: ${byAdmins}; the actors there are kept`,
    );
  if (options.dryRun) return;
  const exclude = Array.isArray(refName.exclude) ? refName.exclude : [];
  const body = {
    ...(added.length
      ? { conditions: { ...ruleset.conditions, ref_name: { ...refName, include: wider, exclude } } }
      : {}),
    ...(restrict ? { rules: [...rules, { type: 'creation' }] } : {}),
    ...(bypass ? { bypass_actors: [...(actors as unknown[]), ADMIN_BYPASS] } : {}),
  };
  const what = [
    ...(added.length ? [`add ${added.join(', ')} to`] : []),
    ...(bypass ? ['add repository admins as a bypass to'] : []),
  ];
  const purpose = `${what.join(' and ')} the ruleset "${RULESET_NAME}"`;
  await write('PUT', `repos/${t.repository}/rulesets/${ruleset.id}`, body, purpose, t, lookup);
}

/**
 * With a ruleset of setup's that requires a review and lets no admin bypass
 * it: whether the repository has a single collaborator, who then can never
 * merge their own pull request. Only a hint: when GitHub cannot say, none.
 */
async function aloneHint(
  t: GitHubSettingsTarget,
  ruleset: Ruleset | 'created' | undefined,
  options: GitHubSettingsOptions,
  lookup: GitHubLookup,
): Promise<string | undefined> {
  if (options.adminBypass || !ruleset) return undefined;
  if (ruleset !== 'created' && Array.isArray(ruleset.bypass_actors) && ruleset.bypass_actors.length)
    return undefined;
  const answer = await getGitHubJson(
    `repos/${t.repository}/collaborators?affiliation=all&per_page=2`,
    lookup,
  );
  if ('problem' in answer || answer.status !== 200 || !Array.isArray(answer.body) || answer.body.length !== 1)
    return undefined;
  return (
    `${t.repository} has a single collaborator, who cannot approve their own pull request: add --${ADMIN_BYPASS_FLAG} ` +
    `to let repository admins merge pull requests into ${t.protectedBranches.join(', ')} without the review.`
  );
}

/** Creates what is missing of the two settings (with dryRun, only says so), environments first. */
export async function configureGitHubSettings(
  t: GitHubSettingsTarget,
  lookup: GitHubLookup,
  options: GitHubSettingsOptions,
): Promise<GitHubSettingsReport> {
  const report: GitHubSettingsReport = {
    changes: [],
    unchanged: [],
    hints: [],
    made: { environments: [], branches: [] },
  };
  for (const environment of t.environments)
    await configureEnvironment(t, environment, lookup, options.dryRun, report);
  const ruleset = await configureBranches(t, lookup, options, report);
  const hint = await aloneHint(t, ruleset, options, lookup);
  if (hint) report.hints.push(hint);
  return report;
}
