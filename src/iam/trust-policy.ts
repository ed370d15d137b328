/**
 * The deploy role's trust policy: who may assume it through GitHub's OIDC
 * provider. The `sub` claim names the repository and what triggered the job:
 *
 * - push / workflow_dispatch / schedule:  repo:OWNER/REPO:ref:refs/heads/BRANCH
 * - pull_request:                         repo:OWNER/REPO:pull_request
 * - delete (a branch was deleted):        runs on the default branch, so its
 *                                         sub is ref:refs/heads/DEFAULT, covered by refs/heads/*
 * - a job with `environment: NAME`:       repo:OWNER/REPO:environment:NAME,
 *                                         which REPLACES the ref / pull_request form
 *
 * Repositories created (or renamed, or transferred) on or after July 15, 2026,
 * and older ones whose admins opted in, get GitHub's immutable form, with the
 * numeric owner and repository ids appended after `@`:
 *   repo:OWNER@OWNER_ID/REPO@REPO_ID:ref:refs/heads/main
 * (docs.github.com, "OpenID Connect", Immutable subject claims). Both forms are
 * trusted when the ids are known, so a repository keeps working across the switch.
 *
 * Two roles (DESIGN.md, "Who may deploy what"):
 * - production: pushes to the protected branches (`ref:refs/heads/main`; delete
 *   and schedule runs carry the default branch's ref, so prune and branch
 *   cleanup run with it too when the default branch is one of them, else with
 *   the preview role) and jobs in the named GitHub environments. An
 *   environment is only as safe as its deployment-branch rule: limit it to the
 *   protected branches, or a pull request's workflow could name it.
 * - preview: pull requests and every other branch, never a protected one.
 * Without a role (one role for everything) every branch and pull request is
 * trusted, as before.
 */
import { policy, type Partition, type PolicyDocument } from '../model/policy-document.js';
import {
  DEFAULT_ENVIRONMENTS,
  DEFAULT_PROTECTED_BRANCHES,
  ENVIRONMENT_NAME,
} from '../model/setup-command.js';
import { BRANCH_NAME } from '../model/production-branches.js';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export interface TrustPolicyOptions {
  /** `owner/repo`, as GitHub spells it (IAM's StringLike is case-sensitive). */
  repository: string;
  /** Numeric id of the owner (user or organization): GET /repos/OWNER/REPO -> owner.id. */
  ownerId?: string;
  /** Numeric id of the repository: GET /repos/OWNER/REPO -> id. */
  repoId?: string;
  accountId: string;
  /** The `audience` input; the action's default is sts.amazonaws.com. */
  audience?: string;
  /**
   * Trust jobs that run in a GitHub environment (`environment:` in the job):
   * `true` for any environment (single role), or the names the production
   * role trusts.
   */
  environments?: boolean | readonly string[];
  /** Which deploy role; absent: a single role trusted for everything. */
  role?: 'production' | 'preview';
  /** Branches whose pushes deploy production (only those are trusted by the production role). */
  protectedBranches?: readonly string[];
  partition?: Partition;
}

// Defined below the settings, whose hints print the setup command with them.
export { DEFAULT_ENVIRONMENTS, DEFAULT_PROTECTED_BRANCHES };

const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const NUMERIC_ID = /^\d+$/;

/** `owner/repo`, or an error that shows the owner/repo in a pasted clone URL. */
function checkRepository(repository: string): void {
  // The last two path parts of https://github.com/o/r(.git) or git@github.com:o/r.git.
  const parts = /([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(repository);
  const like = parts ? `${parts[1]}/${parts[2]}` : 'octo-org/my-service';
  // GitHub removes ".git" from a new repository's name: a trust naming it matches no workflow.
  if (REPOSITORY.test(repository) && repository.endsWith('.git'))
    throw new Error(
      `repository: "${repository}" is not valid: GitHub repository names never end in .git; expected owner/repo, like "${like}".`,
    );
  if (!REPOSITORY.test(repository))
    throw new Error(`repository: "${repository}" is not valid; expected owner/repo, like "${like}".`);
}

/** The `repo:...` prefixes of the sub claim: classic, and immutable when the ids are given. */
export function subjectPrefixes(
  options: Pick<TrustPolicyOptions, 'repository' | 'ownerId' | 'repoId'>,
): string[] {
  checkRepository(options.repository);
  const [owner, repo] = options.repository.split('/') as [string, string];
  const prefixes = [`repo:${owner}/${repo}`];
  if (options.ownerId !== undefined || options.repoId !== undefined) {
    if (
      !options.ownerId ||
      !NUMERIC_ID.test(options.ownerId) ||
      !options.repoId ||
      !NUMERIC_ID.test(options.repoId)
    )
      throw new Error(
        `ownerId/repoId: "${options.ownerId ?? ''}"/"${options.repoId ?? ''}" are not valid; expected both numeric ids (gh api repos/${options.repository} --jq '.owner.id, .id').`,
      );
    prefixes.push(`repo:${owner}@${options.ownerId}/${repo}@${options.repoId}`);
  }
  return prefixes;
}

type SubjectOptions = Pick<
  TrustPolicyOptions,
  'repository' | 'ownerId' | 'repoId' | 'environments' | 'role' | 'protectedBranches'
>;

function protectedBranches(options: Pick<SubjectOptions, 'protectedBranches'>): readonly string[] {
  const branches = options.protectedBranches ?? DEFAULT_PROTECTED_BRANCHES;
  for (const b of branches)
    if (!BRANCH_NAME.test(b))
      throw new Error(
        `protected branch: "${b}" is not valid; expected a branch name like "main" (no wildcards).`,
      );
  return branches;
}

function environmentNames(options: Pick<SubjectOptions, 'environments'>): readonly string[] {
  const envs = Array.isArray(options.environments) ? options.environments : DEFAULT_ENVIRONMENTS;
  for (const e of envs)
    if (!ENVIRONMENT_NAME.test(e))
      throw new Error(
        `environment: "${e}" is not valid; expected a GitHub environment name like "production".`,
      );
  return envs;
}

/** Throws, naming the bad one, when a branch or environment name is no exact name (a wildcard): before anything is written for them. */
export function checkTrustedNames(options: Pick<SubjectOptions, 'environments' | 'protectedBranches'>): void {
  protectedBranches(options);
  environmentNames(options);
}

/** Every `sub` pattern the trust policy accepts. */
export function trustedSubjects(options: SubjectOptions): string[] {
  const subjects: string[] = [];
  for (const prefix of subjectPrefixes(options)) {
    if (options.role === 'production') {
      for (const b of protectedBranches(options)) subjects.push(`${prefix}:ref:refs/heads/${b}`);
      if (options.environments !== false)
        for (const e of environmentNames(options)) subjects.push(`${prefix}:environment:${e}`);
      continue;
    }
    subjects.push(`${prefix}:ref:refs/heads/*`, `${prefix}:pull_request`);
    if (options.environments === true && options.role === undefined) subjects.push(`${prefix}:environment:*`);
  }
  return subjects;
}

/** The preview role's exceptions: the protected branches' pushes belong to production. */
export function excludedSubjects(options: SubjectOptions): string[] {
  if (options.role !== 'preview') return [];
  return subjectPrefixes(options).flatMap((prefix) =>
    protectedBranches(options).map((b) => `${prefix}:ref:refs/heads/${b}`),
  );
}

const TRUST_SIDS = {
  single: 'GitHubActionsDeploy',
  production: 'GitHubActionsProduction',
  preview: 'GitHubActionsPreview',
} as const;

export function oidcTrustPolicy(options: TrustPolicyOptions): PolicyDocument {
  const p = options.partition ?? 'aws';
  return policy([
    {
      Sid: TRUST_SIDS[options.role ?? 'single'],
      Effect: 'Allow',
      Principal: { Federated: `arn:${p}:iam::${options.accountId}:oidc-provider/${GITHUB_OIDC_HOST}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: options.audience ?? 'sts.amazonaws.com' },
        StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: trustedSubjects(options) },
        // No production branch (protected-stages: prod): the preview role takes every push.
        ...(options.role === 'preview' &&
          excludedSubjects(options).length && {
            StringNotLike: { [`${GITHUB_OIDC_HOST}:sub`]: excludedSubjects(options) },
          }),
      },
    },
  ]);
}

/** Notes printed with the trust policy. */
export function trustPolicyNotes(options: TrustPolicyOptions): string[] {
  const notes =
    options.role === 'production'
      ? [
          `Production role: trusted for pushes to ${protectedBranches(options).join(', ')} (branch deletions and schedules run there too) and the environments ${environmentNames(options).join(', ')}. Limit those environments' deployment branches to the protected branches: a pull request's workflow could otherwise name them.`,
          // The sub names no event: a base-branch job that runs a pull request's code would get production's power.
          `pull_request_target and workflow_run jobs (and every other event that runs on ${protectedBranches(options).join(', ')}) send the sub of the branch they run on, so this role trusts them: never check out, build or run a pull request's code or artifacts in such a job with this role.`,
        ]
      : options.role === 'preview'
        ? [
            `Preview role: trusted for pull requests (not from forks: they get no token) and every branch${protectedBranches(options).length ? ` but ${protectedBranches(options).join(', ')}` : ''}.`,
          ]
        : [
            'Branch pushes, pull requests (not from forks: they get no token) and branch deletions (they run on the default branch) are trusted.',
          ];
  if (!options.ownerId || !options.repoId)
    notes.push(
      `Only the classic sub form is trusted. Repositories created or renamed since July 15, 2026 (or opted in) send repo:OWNER@OWNER_ID/REPO@REPO_ID:...; pass their ids (gh api repos/${options.repository} --jq '.owner.id, .id') to trust that form too.`,
    );
  if (!options.environments && options.role === undefined)
    notes.push(
      'Jobs that run in a GitHub environment send repo:OWNER/REPO:environment:NAME instead; add environments to trust them.',
    );
  return notes;
}
