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
 */
import { policy, type Partition, type PolicyDocument } from './policy-document.js';

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
   * Trust jobs that run in a GitHub environment (`environment:` in the job).
   * lambda-deploy's own workflows do not need it; set it when your workflow
   * puts the deploy job in an environment (for protection rules).
   */
  environments?: boolean;
  partition?: Partition;
}

const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const NUMERIC_ID = /^\d+$/;

/** The `repo:...` prefixes of the sub claim: classic, and immutable when the ids are given. */
export function subjectPrefixes(
  options: Pick<TrustPolicyOptions, 'repository' | 'ownerId' | 'repoId'>,
): string[] {
  if (!REPOSITORY.test(options.repository))
    throw new Error(
      `repository: "${options.repository}" is not valid; expected owner/repo, like "octo-org/my-service".`,
    );
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

/** Every `sub` pattern the trust policy accepts. */
export function trustedSubjects(
  options: Pick<TrustPolicyOptions, 'repository' | 'ownerId' | 'repoId' | 'environments'>,
): string[] {
  const subjects: string[] = [];
  for (const prefix of subjectPrefixes(options)) {
    subjects.push(`${prefix}:ref:refs/heads/*`, `${prefix}:pull_request`);
    if (options.environments) subjects.push(`${prefix}:environment:*`);
  }
  return subjects;
}

export function oidcTrustPolicy(options: TrustPolicyOptions): PolicyDocument {
  const p = options.partition ?? 'aws';
  return policy([
    {
      Sid: 'GitHubActionsDeploy',
      Effect: 'Allow',
      Principal: { Federated: `arn:${p}:iam::${options.accountId}:oidc-provider/${GITHUB_OIDC_HOST}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: options.audience ?? 'sts.amazonaws.com' },
        StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: trustedSubjects(options) },
      },
    },
  ]);
}

/** Notes printed with the trust policy. */
export function trustPolicyNotes(options: TrustPolicyOptions): string[] {
  const notes = [
    'Branch pushes, pull requests (not from forks: they get no token) and branch deletions (they run on the default branch) are trusted.',
  ];
  if (!options.ownerId || !options.repoId)
    notes.push(
      `Only the classic sub form is trusted. Repositories created or renamed since July 15, 2026 (or opted in) send repo:OWNER@OWNER_ID/REPO@REPO_ID:...; pass their ids (gh api repos/${options.repository} --jq '.owner.id, .id') to trust that form too.`,
    );
  if (!options.environments)
    notes.push(
      'Jobs that run in a GitHub environment send repo:OWNER/REPO:environment:NAME instead; add environments to trust them.',
    );
  return notes;
}
