import { ListRolesCommand, ListRoleTagsCommand, type IAMClient } from '@aws-sdk/client-iam';
import { callAws, isAccessDenied, type AwsDeps } from '../aws/aws-call.js';
import { TagKeys } from '../model/tags.js';
import { errorMessage } from '../util/retry.js';

/**
 * Two projects whose names differ by a "-…" tail share resource names: `shop`'s
 * stage `admin-main` and `shop-admin`'s stage `main` are both `shop-admin-main`.
 * The roles' grants are scoped by name (`shop-*`) and, where AWS allows it, by
 * tag; the log groups Lambda creates have no tags, so `shop`'s preview role
 * would reach `shop-admin`'s production logs. Setup refuses such a pair.
 */

const DEPLOY_ROLE = /^(.+)-deploy-(?:production|preview)$/;

/** The projects, by their deploy roles' names, whose names overlap `project`'s (pure). */
export function overlappingProjects(project: string, roleNames: readonly string[]): string[] {
  const found = new Set<string>();
  for (const name of roleNames) {
    const other = DEPLOY_ROLE.exec(name)?.[1];
    if (other && other !== project && (other.startsWith(`${project}-`) || project.startsWith(`${other}-`)))
      found.add(other);
  }
  return [...found].sort();
}

/** Whether `project`'s own deploy roles are among `roleNames`: a setup run before. */
export function alreadySetUp(project: string, roleNames: readonly string[]): boolean {
  return roleNames.some((name) => DEPLOY_ROLE.exec(name)?.[1] === project);
}

async function roleNames(iam: IAMClient, deps: AwsDeps): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await callAws(deps, { what: 'list the IAM roles', permission: 'iam:ListRoles' }, () =>
      iam.send(new ListRolesCommand({ Marker: marker, MaxItems: 1000 })),
    );
    for (const role of page.Roles ?? []) if (role.RoleName) names.push(role.RoleName);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return names;
}

async function projectTag(iam: IAMClient, roleName: string, deps: AwsDeps): Promise<string | undefined> {
  const tags = await callAws(
    deps,
    { what: `read the tags of IAM role ${roleName}`, permission: 'iam:ListRoleTags' },
    () => iam.send(new ListRoleTagsCommand({ RoleName: roleName })),
  );
  return tags.Tags?.find((t) => t.Key === TagKeys.Name)?.Value;
}

/**
 * Refuses, before any write, a project whose name overlaps a lambda-deploy
 * project already in the account (its deploy role tagged with its name). A
 * project set up before the check existed only gets a warning: refusing
 * would not take its roles' reach away. A denied listing is a warning too.
 */
export async function checkProjectOverlap(iam: IAMClient, project: string, deps: AwsDeps): Promise<void> {
  let names: string[];
  try {
    names = await roleNames(iam, deps);
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    deps.logger.warning(
      `Could not check that no lambda-deploy project's name overlaps ${project}'s: ${errorMessage(error)}`,
    );
    return;
  }
  const others: string[] = [];
  for (const other of overlappingProjects(project, names))
    if ((await projectTag(iam, `${other}-deploy-preview`, deps).catch(() => undefined)) === other)
      others.push(other);
  if (!others.length) return;
  const [other] = others as [string];
  const [short, long] = other.length < project.length ? [other, project] : [project, other];
  const problem =
    `--name ${project}: the lambda-deploy project ${others.join(', ')} is set up in this account, and the names overlap: ` +
    `${short}'s stage ${long.slice(short.length + 1)}-main and ${long}'s stage main are both ${long}-main, so ${short}'s preview role ` +
    `(any pull request) could reach ${long}'s production log groups, which IAM can scope only by name`;
  if (alreadySetUp(project, names)) {
    deps.logger.warning(
      `${problem}. Both are set up already; rename one of them (set up the new name, move its workflow, undeploy the old stages).`,
    );
    return;
  }
  throw new Error(
    `${problem}; expected a name that neither starts with "${other}-" nor is the part of "${other}" before a hyphen.`,
  );
}
