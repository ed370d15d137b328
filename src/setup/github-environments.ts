/**
 * Whether the GitHub environments the production deploy role trusts admit
 * only the protected branches. A job with `environment: NAME` is sent the
 * sub repo:OWNER/REPO:environment:NAME whatever branch it runs on, so an
 * environment any branch may deploy to lets a pull request from a branch of
 * the repository edit a workflow, name it, and assume the production role.
 *
 * GitHub's REST API (https://docs.github.com/en/rest/deployments/environments,
 * "Get an environment"): `deployment_branch_policy` is null when any branch
 * may deploy, `{protected_branches: true}` for branches with a branch
 * protection rule, `{custom_branch_policies: true}` for name patterns, listed
 * by "List deployment branch policies"
 * (https://docs.github.com/en/rest/deployments/branch-policies: `{total_count,
 * branch_policies: [{id, name, type: "branch" | "tag"}]}`, paged). Both are
 * readable by anyone who can read the repository (a private one needs a token
 * with the "Actions" read permission or the repo scope). A job that names an
 * environment that does not exist creates it, with no branch limit.
 */
import { getGitHubJson, readProblem, type GitHubLookup } from './github-api.js';
import { lookUpRepositoryIds } from './repository-ids.js';

export interface TrustedEnvironments {
  /** owner/repo, as GitHub spells it. */
  repository: string;
  environments: readonly string[];
  protectedBranches: readonly string[];
}

/**
 * `safe`: only protected branches may deploy; `loose`: any branch with a
 * protection rule may (an administrator's choice: warned); `unsafe`: other
 * branches or tags may, or the environment does not exist (setup refuses);
 * `unchecked`: GitHub could not be asked (warned, to be verified by hand).
 */
export type EnvironmentVerdict = 'safe' | 'loose' | 'unsafe' | 'unchecked';

export interface EnvironmentFinding {
  environment: string;
  verdict: EnvironmentVerdict;
  message: string;
}

export interface BranchPolicy {
  id?: number;
  name: string;
  type: string;
}

const WILDCARD = /[*?[\]{}\\]/;
const PAGE = 100;
const MAX_PAGES = 20;

/** The repository-relative API path of an environment (its name URL-encoded, as GitHub requires). */
export function environmentPath(repository: string, environment: string): string {
  return `repos/${repository}/environments/${encodeURIComponent(environment)}`;
}

/** How to limit `environment` to the protected branches: the Settings path, then the same with gh. */
function limitFix(t: TrustedEnvironments, environment: string, exists: boolean): string {
  const path = environmentPath(t.repository, environment);
  const commands = [
    `gh api -X PUT ${path} -F 'deployment_branch_policy[protected_branches]=false' -F 'deployment_branch_policy[custom_branch_policies]=true'`,
    ...t.protectedBranches.map(
      (b) => `gh api -X POST ${path}/deployment-branch-policies -f name=${b} -f type=branch`,
    ),
  ];
  const where = exists
    ? `Settings > Environments > ${environment}`
    : `Settings > Environments > New environment "${environment}", then`;
  return (
    `Fix: in the repository's ${where} > Deployment branches and tags: "Selected branches and tags", adding ${t.protectedBranches.join(', ')} (type Branch, no wildcards); ` +
    `or run: ${commands.join(' && ')}` +
    (exists
      ? " (then check that the environment's reviewers and wait timer are still as you want them)"
      : '') +
    '. Then run setup again.'
  );
}

/** Why GitHub could not be asked, for an unchecked finding. */
function unchecked(t: TrustedEnvironments, environment: string, problem: string): EnvironmentFinding {
  return {
    environment,
    verdict: 'unchecked',
    message:
      `Could not check GitHub environment ${environment} of ${t.repository} (${problem}), which the production role trusts. ` +
      `Verify by hand that only ${t.protectedBranches.join(', ')} may deploy to it (Settings > Environments > ${environment} > Deployment branches and tags: ` +
      `"Selected branches and tags" naming exactly those branches, no wildcards, no tags): otherwise a pull request from a branch of ${t.repository} can name it and assume the production role.`,
  };
}

export function statusProblem(status: number, token: string | undefined, message?: string): string {
  return readProblem(
    status,
    token,
    message,
    "the repository's environments",
    ' (the "Actions" read permission)',
  );
}

/** Every deployment branch policy of the environment, page by page; a string says why they could not be read. */
export async function branchPolicies(
  t: Pick<TrustedEnvironments, 'repository'>,
  environment: string,
  lookup: GitHubLookup,
): Promise<BranchPolicy[] | string> {
  const policies: BranchPolicy[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await getGitHubJson(
      `${environmentPath(t.repository, environment)}/deployment-branch-policies?per_page=${PAGE}&page=${page}`,
      lookup,
    );
    if ('problem' in answer) return answer.problem;
    if (answer.status !== 200) return statusProblem(answer.status, lookup.token, answer.message);
    const body = answer.body as { total_count?: unknown; branch_policies?: unknown };
    if (!Array.isArray(body?.branch_policies))
      return "GitHub's list of deployment branch policies has no branch_policies";
    for (const p of body.branch_policies as { id?: unknown; name?: unknown; type?: unknown }[])
      policies.push({
        id: typeof p.id === 'number' ? p.id : undefined,
        name: String(p.name),
        // Before tag policies existed, every policy was a branch pattern.
        type: typeof p.type === 'string' ? p.type : 'branch',
      });
    const total = typeof body.total_count === 'number' ? body.total_count : undefined;
    if (body.branch_policies.length < PAGE || (total !== undefined && policies.length >= total))
      return policies;
  }
  return `more than ${PAGE * MAX_PAGES} deployment branch policies`;
}

/** Why a policy lets more than the protected branches deploy; undefined when it does not. */
function policyProblem(policy: BranchPolicy, protectedBranches: readonly string[]): string | undefined {
  const wildcard = WILDCARD.test(policy.name);
  const what = `${policy.type === 'branch' ? 'branch' : policy.type}${wildcard ? ' pattern' : ''} ${JSON.stringify(policy.name)}`;
  if (policy.type !== 'branch') return `${what} (tags are not protected branches)`;
  if (wildcard) return `${what} (a wildcard)`;
  if (!protectedBranches.includes(policy.name)) return `${what} (not a protected branch)`;
  return undefined;
}

function customVerdict(
  t: TrustedEnvironments,
  environment: string,
  policies: BranchPolicy[],
): EnvironmentFinding {
  const bad = policies.flatMap((p) => {
    const problem = policyProblem(p, t.protectedBranches);
    return problem ? [{ policy: p, problem }] : [];
  });
  if (!bad.length) {
    const names = [...new Set(policies.map((p) => p.name))];
    return {
      environment,
      verdict: 'safe',
      message: names.length
        ? `GitHub environment ${environment}: only ${names.join(', ')} may deploy to it.`
        : `GitHub environment ${environment}: no branch may deploy to it (its deployment branches name none), so the production job cannot run in it; add ${t.protectedBranches.join(', ')}.`,
    };
  }
  const path = environmentPath(t.repository, environment);
  const deletes = bad
    .filter((b) => b.policy.id !== undefined)
    .map((b) => `gh api -X DELETE ${path}/deployment-branch-policies/${b.policy.id}`);
  return {
    environment,
    verdict: 'unsafe',
    message:
      `GitHub environment ${environment} of ${t.repository} lets more than the protected branches (${t.protectedBranches.join(', ')}) deploy to it: ` +
      `${bad.map((b) => b.problem).join(', ')}. Whoever can push such a ref can run a workflow there that names the environment and assumes the production role, so setup does not trust it. ` +
      `Fix: remove ${bad.length === 1 ? 'it' : 'them'} in the repository's Settings > Environments > ${environment} > Deployment branches and tags` +
      (deletes.length ? `, or run: ${deletes.join(' && ')}` : '') +
      '. Then run setup again.',
  };
}

/** One environment's verdict. */
async function checkEnvironment(
  t: TrustedEnvironments,
  environment: string,
  lookup: GitHubLookup,
): Promise<EnvironmentFinding> {
  const answer = await getGitHubJson(environmentPath(t.repository, environment), lookup);
  if ('problem' in answer) return unchecked(t, environment, answer.problem);
  if (answer.status === 404) {
    // GitHub answers 404 for a private repository it does not show this caller too.
    const repository = await lookUpRepositoryIds(t.repository, lookup);
    if ('problem' in repository) return unchecked(t, environment, repository.problem);
    return {
      environment,
      verdict: 'unsafe',
      message:
        `GitHub environment ${environment} does not exist in ${t.repository}: the first job that names it creates it with no deployment branch limit, ` +
        `so a pull request from a branch of ${t.repository} could assume the production role. ${limitFix(t, environment, false)}`,
    };
  }
  if (answer.status !== 200)
    return unchecked(t, environment, statusProblem(answer.status, lookup.token, answer.message));
  const policy = (answer.body as { deployment_branch_policy?: unknown })?.deployment_branch_policy;
  if (policy === null)
    return {
      environment,
      verdict: 'unsafe',
      message:
        `GitHub environment ${environment} of ${t.repository} lets any branch deploy to it, so a pull request from a branch of ${t.repository} can edit a workflow, name the environment and assume the production role. ` +
        limitFix(t, environment, true),
    };
  const rule = policy as { protected_branches?: unknown; custom_branch_policies?: unknown } | undefined;
  if (rule?.custom_branch_policies === true) {
    const policies = await branchPolicies(t, environment, lookup);
    return typeof policies === 'string'
      ? unchecked(t, environment, policies)
      : customVerdict(t, environment, policies);
  }
  if (rule?.protected_branches === true)
    // Only a repository administrator adds branch protection rules, and such a person can change
    // the roles' environment anyway: a choice to warn about, not a hole to refuse.
    return {
      environment,
      verdict: 'loose',
      message:
        `GitHub environment ${environment} lets every branch with a branch protection rule deploy to it, not only ${t.protectedBranches.join(', ')}: ` +
        "a rule added for another branch (or a pattern like release/*), even one that requires no review, lets that branch's workflows assume the production role. " +
        limitFix(t, environment, true).replace(/^Fix:/, 'To limit it exactly:'),
    };
  return unchecked(
    t,
    environment,
    `GitHub's answer has an unexpected deployment_branch_policy ${JSON.stringify(policy)}`,
  );
}

/** A finding for each environment the production role trusts, in order. */
export async function checkTrustedEnvironments(
  t: TrustedEnvironments,
  lookup: GitHubLookup,
): Promise<EnvironmentFinding[]> {
  const findings: EnvironmentFinding[] = [];
  for (const environment of t.environments) findings.push(await checkEnvironment(t, environment, lookup));
  return findings;
}
