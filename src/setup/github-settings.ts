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
 */
import { sendGitHubJson, getGitHubJson, type GitHubLookup } from './github-api.js';
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
  /** The environments and branches it created (or, with dryRun, would create). */
  made: { environments: string[]; branches: string[] };
}

export const CONFIGURE_GITHUB_FLAG = 'configure-github';
export const RULESET_NAME = 'lambda-deploy: production branches';

/** A write GitHub refused, or a read that failed: setup stops before any AWS change. */
export class GitHubSettingsError extends Error {
  constructor(message: string) {
    super(`--${CONFIGURE_GITHUB_FLAG}: ${message}`);
    this.name = 'GitHubSettingsError';
  }
}

/** The ruleset's rules: a pull request with an approving review, no force push, no deletion; no creation for a branch not there yet. */
export function rulesetBody(branches: readonly string[], restrictCreation: boolean): object {
  return {
    name: RULESET_NAME,
    target: 'branch',
    enforcement: 'active',
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
  const said = (answer.body as { message?: unknown } | undefined)?.message;
  const why = typeof said === 'string' ? ` (${said})` : '';
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
    throw new GitHubSettingsError(`could not read ${what} (${statusProblem(answer.status, lookup.token)})`);
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

async function configureBranches(
  t: GitHubSettingsTarget,
  lookup: GitHubLookup,
  dryRun: boolean,
  report: GitHubSettingsReport,
): Promise<void> {
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
  if (!unguarded.length) return;
  const existing = await findRuleset(t, lookup);
  if (existing) return extendRuleset(t, existing, unguarded, missing, lookup, dryRun, report);
  report.made.branches.push(...unguarded);
  report.changes.push(
    `${dryRun ? 'would create' : 'created'} ruleset "${RULESET_NAME}" on ${t.repository}: ${unguarded.join(', ')} ` +
      `${unguarded.length === 1 ? 'takes' : 'take'} a pull request with an approving review, no force push, no deletion` +
      (missing ? ', and only those allowed to bypass may create them' : ''),
  );
  if (dryRun) return;
  await write(
    'POST',
    `repos/${t.repository}/rulesets`,
    rulesetBody(unguarded, missing),
    `create the ruleset protecting ${unguarded.join(', ')}`,
    t,
    lookup,
  );
}

const RULESET_PAGE = 100;
const RULESET_PAGES = 10;

type Fields = Record<string, unknown>;
/** A ruleset as GitHub answers it, with what this reads of it; the rest is sent back as it is. */
interface Ruleset {
  id: number;
  enforcement?: unknown;
  conditions?: Fields & { ref_name?: Fields & { include?: unknown; exclude?: unknown } };
  rules?: { type?: unknown }[];
}

/** Reads one ruleset list page or one ruleset; what went wrong as an error. */
async function readRulesets(t: GitHubSettingsTarget, path: string, lookup: GitHubLookup): Promise<unknown> {
  const answer = await getGitHubJson(`repos/${t.repository}/${path}`, lookup);
  const what = `the rulesets of ${t.repository}`;
  if ('problem' in answer) throw new GitHubSettingsError(`could not read ${what} (${answer.problem})`);
  if (answer.status !== 200)
    throw new GitHubSettingsError(`could not read ${what} (${statusProblem(answer.status, lookup.token)})`);
  return answer.body;
}

/** The repository's own ruleset named RULESET_NAME (an earlier setup's), in full; undefined when there is none. */
async function findRuleset(t: GitHubSettingsTarget, lookup: GitHubLookup): Promise<Ruleset | undefined> {
  for (let page = 1; page <= RULESET_PAGES; page++) {
    const path = `rulesets?includes_parents=false&per_page=${RULESET_PAGE}&page=${page}`;
    const list = await readRulesets(t, path, lookup);
    if (!Array.isArray(list))
      throw new GitHubSettingsError(`GitHub's list of rulesets of ${t.repository} is not a list`);
    const ours = (list as { id?: unknown; name?: unknown }[]).find((r) => r.name === RULESET_NAME);
    if (ours && typeof ours.id === 'number')
      return { ...((await readRulesets(t, `rulesets/${ours.id}`, lookup)) as Ruleset), id: ours.id };
    if (list.length < RULESET_PAGE) return undefined;
  }
  throw new GitHubSettingsError(`${t.repository} has more than ${RULESET_PAGE * RULESET_PAGES} rulesets`);
}

/** Adds the branches to the existing ruleset's include list (and a creation rule for a branch not there yet); nothing in it is removed or changed. */
async function extendRuleset(
  t: GitHubSettingsTarget,
  ruleset: Ruleset,
  unguarded: readonly string[],
  missing: boolean,
  lookup: GitHubLookup,
  dryRun: boolean,
  report: GitHubSettingsReport,
): Promise<void> {
  const refName = ruleset.conditions?.ref_name ?? {};
  const include = Array.isArray(refName.include) ? (refName.include as string[]) : [];
  const added = unguarded.filter((b) => !include.includes(`refs/heads/${b}`));
  const name = `ruleset "${RULESET_NAME}" on ${t.repository}`;
  if (!added.length) {
    // Named already yet unguarded: the ruleset is not active, or the user took rules out; the checks judge it.
    report.unchanged.push(
      `${name} names ${unguarded.join(', ')} already (enforcement ${String(ruleset.enforcement)}): left as it is`,
    );
    return;
  }
  const wider = [...include, ...added.map((b) => `refs/heads/${b}`)];
  const rules = ruleset.rules ?? [];
  const restrict = missing && !rules.some((r) => r.type === 'creation');
  const covers = wider.map((r) => r.replace(/^refs\/heads\//, '')).join(', ');
  report.made.branches.push(...added);
  report.changes.push(
    `${dryRun ? 'would add' : 'added'} ${added.join(', ')} to ${name} (it then covers ${covers}; its rules are ` +
      (restrict
        ? `kept, one added: only those allowed to bypass may create ${added.join(', ')})`
        : 'left as they are)'),
  );
  if (dryRun) return;
  const exclude = Array.isArray(refName.exclude) ? refName.exclude : [];
  const body = {
    conditions: { ...ruleset.conditions, ref_name: { ...refName, include: wider, exclude } },
    ...(restrict ? { rules: [...rules, { type: 'creation' }] } : {}),
  };
  const purpose = `add ${added.join(', ')} to the ruleset "${RULESET_NAME}"`;
  await write('PUT', `repos/${t.repository}/rulesets/${ruleset.id}`, body, purpose, t, lookup);
}

/** Creates what is missing of the two settings (with dryRun, only says so), environments first. */
export async function configureGitHubSettings(
  t: GitHubSettingsTarget,
  lookup: GitHubLookup,
  options: { dryRun: boolean },
): Promise<GitHubSettingsReport> {
  const report: GitHubSettingsReport = {
    changes: [],
    unchanged: [],
    made: { environments: [], branches: [] },
  };
  for (const environment of t.environments)
    await configureEnvironment(t, environment, lookup, options.dryRun, report);
  await configureBranches(t, lookup, options.dryRun, report);
  return report;
}
