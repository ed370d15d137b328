/**
 * Whether the branches the production deploy role trusts are protected. The
 * role trusts `repo:OWNER/REPO:ref:refs/heads/BRANCH` for each of them: a job
 * on a push to such a branch needs no environment to assume it. So a branch
 * anyone with write access may create (the default list names both `main`
 * and `master`, and most repositories have one of them) or push to without
 * review hands production to whoever can open a pull request: push a
 * workflow there and take the role.
 *
 * GitHub's REST API: "Get a branch" (GET /repos/{o}/{r}/branches/{b}) answers
 * 404 for a branch that does not exist and `protected: true` for one under
 * branch protection; "Get rules for a branch" (GET /repos/{o}/{r}/rules/
 * branches/{b}) returns the active ruleset rules that apply to a branch of
 * that name, "The branch does not need to exist", as `[{type}]`, where
 * `creation` restricts who may create it, `update` who may push to it and
 * `pull_request` requires a pull request. Both are readable by anyone who
 * can read the repository.
 */
import { getGitHubJson, readProblem, type GitHubLookup } from './github-api.js';
import { lookUpRepositoryIds } from './repository-ids.js';

export interface TrustedBranches {
  /** owner/repo, as GitHub spells it. */
  repository: string;
  protectedBranches: readonly string[];
}

/** `safe`: only reviewed changes land there; `unsafe`: anyone with write access can (setup refuses); `unchecked`: GitHub could not be asked. */
export type BranchVerdict = 'safe' | 'unsafe' | 'unchecked';

export interface BranchFinding {
  branch: string;
  verdict: BranchVerdict;
  message: string;
}

/** Ruleset rules that keep a plain push of unreviewed commits off an existing branch. */
const GUARDS_PUSHES = new Set(['pull_request', 'update']);

function branchPath(repository: string, branch: string, rules: boolean): string {
  return rules
    ? `repos/${repository}/rules/branches/${encodeURIComponent(branch)}`
    : `repos/${repository}/branches/${encodeURIComponent(branch)}`;
}

function unchecked(t: TrustedBranches, branch: string, problem: string): BranchFinding {
  return {
    branch,
    verdict: 'unchecked',
    message:
      `Could not check branch ${branch} of ${t.repository} (${problem}), whose pushes the production role trusts. ` +
      `Verify by hand that it is protected (Settings > Rules > Rulesets: a pull request with an approving review; if the branch does not exist, ` +
      `"Restrict creations" too): otherwise whoever can push to ${t.repository} can push a workflow there and assume the production role.`,
  };
}

function statusProblem(status: number, token: string | undefined, message?: string): string {
  return readProblem(status, token, message, 'the repository');
}

/** How to stop trusting `branch`, or to protect it. */
function fix(t: TrustedBranches, branch: string, missing: boolean): string {
  const others = t.protectedBranches.filter((b) => b !== branch);
  const drop = others.length
    ? `run setup with --protected-branches ${others.join(',')} (and limit the production environment to ${others.join(', ')})`
    : `run setup with --protected-branches naming the branch production deploys from`;
  return (
    `Fix: ${drop}; or protect ${branch} with a ruleset (Settings > Rules > Rulesets > New branch ruleset, target ${branch}: ` +
    `${missing ? '"Restrict creations", ' : ''}"Require a pull request before merging" with an approving review, "Block force pushes"). Then run setup again.`
  );
}

/** The rule types that apply to `branch`, or why they could not be read. */
async function ruleTypes(
  t: TrustedBranches,
  branch: string,
  lookup: GitHubLookup,
): Promise<string[] | string> {
  const answer = await getGitHubJson(`${branchPath(t.repository, branch, true)}?per_page=100`, lookup);
  if ('problem' in answer) return answer.problem;
  if (answer.status !== 200) return statusProblem(answer.status, lookup.token, answer.message);
  if (!Array.isArray(answer.body)) return "GitHub's list of rules for the branch is not a list";
  return (answer.body as { type?: unknown }[]).map((r) => String(r?.type));
}

/** What GitHub says of a branch: whether it exists, its classic protection, the ruleset rules on its name. */
export type BranchState = { missing: boolean; classic: boolean; rules: string[] } | { problem: string };

/** What keeps unreviewed pushes off an existing branch: `branch protection`, `ruleset rule pull_request`; none when nothing does. */
export function branchGuards(state: { classic: boolean; rules: readonly string[] }): string[] {
  return [
    ...(state.classic ? ['branch protection'] : []),
    ...state.rules.filter((r) => GUARDS_PUSHES.has(r)).map((r) => `ruleset rule ${r}`),
  ];
}

export async function readBranch(
  t: TrustedBranches,
  branch: string,
  lookup: GitHubLookup,
): Promise<BranchState> {
  const answer = await getGitHubJson(branchPath(t.repository, branch, false), lookup);
  if ('problem' in answer) return answer;
  if (answer.status !== 200 && answer.status !== 404)
    return { problem: statusProblem(answer.status, lookup.token, answer.message) };
  const missing = answer.status === 404;
  if (missing) {
    // GitHub answers 404 for a private repository it does not show this caller too.
    const repository = await lookUpRepositoryIds(t.repository, lookup);
    if ('problem' in repository) return repository;
  }
  const rules = await ruleTypes(t, branch, lookup);
  if (typeof rules === 'string') return { problem: rules };
  const classic = (answer.body as { protected?: unknown } | undefined)?.protected === true;
  return { missing, classic, rules };
}

async function checkBranch(t: TrustedBranches, branch: string, lookup: GitHubLookup): Promise<BranchFinding> {
  const state = await readBranch(t, branch, lookup);
  if ('problem' in state) return unchecked(t, branch, state.problem);
  const { missing, classic, rules } = state;
  if (missing) {
    if (rules.includes('creation'))
      return {
        branch,
        verdict: 'safe',
        message: `Branch ${branch} does not exist in ${t.repository}; a ruleset restricts who may create it.`,
      };
    return {
      branch,
      verdict: 'unsafe',
      message:
        `Branch ${branch} does not exist in ${t.repository} and no ruleset restricts its creation, yet the production role trusts its pushes ` +
        `(sub ref:refs/heads/${branch}): whoever can push to ${t.repository} can create ${branch} with a workflow that assumes the production role, ` +
        `no review and no environment needed. ${fix(t, branch, true)}`,
    };
  }
  const guards = branchGuards({ classic, rules });
  if (guards.length)
    return {
      branch,
      verdict: 'safe',
      message: `Branch ${branch} of ${t.repository} is protected (${guards.join(', ')}).`,
    };
  return {
    branch,
    verdict: 'unsafe',
    message:
      `Branch ${branch} of ${t.repository} is not protected (no branch protection, no ruleset requiring a pull request or restricting updates), ` +
      `yet the production role trusts its pushes: whoever can push to ${t.repository} can push a workflow to ${branch} that assumes the production role. ` +
      fix(t, branch, false),
  };
}

/**
 * Which of `t.protectedBranches` a repository has, or may have only through
 * someone a ruleset allows to create it; undefined when GitHub could not say
 * for every one of them.
 */
export async function presentBranches(
  t: TrustedBranches,
  lookup: GitHubLookup,
): Promise<string[] | undefined> {
  const present: string[] = [];
  for (const branch of t.protectedBranches) {
    const state = await readBranch(t, branch, lookup);
    if ('problem' in state) return undefined;
    if (!state.missing || state.rules.includes('creation')) present.push(branch);
  }
  return present;
}

/** A finding for each branch the production role trusts, in order. */
export async function checkTrustedBranches(
  t: TrustedBranches,
  lookup: GitHubLookup,
): Promise<BranchFinding[]> {
  const findings: BranchFinding[] = [];
  for (const branch of t.protectedBranches) findings.push(await checkBranch(t, branch, lookup));
  return findings;
}
