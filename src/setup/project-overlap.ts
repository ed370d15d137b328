import { ListRolesCommand, ListRoleTagsCommand, type IAMClient } from '@aws-sdk/client-iam';
import { allPages } from '../aws/all-pages.js';
import { callAws, hasErrorName, isAccessDenied, type AwsDeps } from '../aws/aws-call.js';
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

/**
 * For the documents printed with no AWS call (`policy`, `setup --cloudformation
 * --account`): the check checkProjectOverlap makes, left to the reader (pure).
 */
export function overlapUncheckedNote(project: string): string {
  return (
    `No lambda-deploy project whose name overlaps ${project}'s (${project}-…, or the part of ${project} before a hyphen) may share this account: ` +
    "their function and log group names would collide, and a deploy role may read the other's log groups, which IAM scopes only by name. " +
    `Offline, that was not checked: aws iam list-roles --query "Roles[?ends_with(RoleName, '-deploy-preview')].RoleName" lists the projects set up.`
  );
}

/** Whether `project`'s own deploy roles are among `roleNames`: a setup run before. */
export function alreadySetUp(project: string, roleNames: readonly string[]): boolean {
  return roleNames.some((name) => DEPLOY_ROLE.exec(name)?.[1] === project);
}

async function roleNames(iam: IAMClient, deps: AwsDeps): Promise<string[]> {
  const roles = await allPages(
    (marker) =>
      callAws(deps, { what: 'list the IAM roles', permission: 'iam:ListRoles' }, () =>
        iam.send(new ListRolesCommand({ Marker: marker, MaxItems: 1000 })),
      ),
    (page) => page.Roles,
    (page) => (page.IsTruncated ? page.Marker : undefined),
  );
  return roles.flatMap((role) => (role.RoleName ? [role.RoleName] : []));
}

/** A project found by its deploy role, named by the tags that say whose it is. */
interface Owner {
  project: string;
  role: string;
  repository?: string;
}

/**
 * The project whose preview deploy role is `${other}-deploy-preview`, when
 * its tags say lambda-deploy set it up for `other`; undefined for a role gone
 * since the listing. Tags that may not be read are an AccessDenied the caller
 * reports, not a "no".
 */
async function ownerOf(iam: IAMClient, other: string, deps: AwsDeps): Promise<Owner | undefined> {
  const role = `${other}-deploy-preview`;
  const found = await callAws(
    deps,
    {
      what: `read the tags of IAM role ${role}`,
      permission: 'iam:ListRoleTags',
      passThrough: (e) => hasErrorName(e, 'NoSuchEntity'),
    },
    () => iam.send(new ListRoleTagsCommand({ RoleName: role })),
  ).catch((error: unknown) => {
    if (hasErrorName(error, 'NoSuchEntity')) return undefined;
    throw error;
  });
  const tag = (key: string) => found?.Tags?.find((t) => t.Key === key)?.Value;
  if (!found || tag(TagKeys.Name) !== other) return undefined;
  return { project: other, role, repository: tag(TagKeys.Repository) };
}

/** "a", "a and b", "a, b and c". */
function andList(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

const describeOwner = (o: Owner) =>
  `${o.project} (role ${o.role}, tags ${TagKeys.Name}=${o.project}` +
  `${o.repository ? `, ${TagKeys.Repository}=${o.repository}` : ''})`;

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
  // overlappingProjects sorts: the message is the same whatever order IAM lists the roles in.
  const owners: Owner[] = [];
  const unread: string[] = [];
  let denied: unknown;
  for (const other of overlappingProjects(project, names)) {
    try {
      const owner = await ownerOf(iam, other, deps);
      if (owner) owners.push(owner);
    } catch (error) {
      if (!isAccessDenied(error)) throw error;
      unread.push(`${other}-deploy-preview`);
      denied ??= error;
    }
  }
  if (unread.length)
    deps.logger.warning(
      `Could not check that the projects of ${andList(unread)} do not overlap ${project}'s (their tags could not be read): ${errorMessage(denied)} Setup goes on: check their ${TagKeys.Name} tags yourself (aws iam list-role-tags --role-name ${unread[0]}).`,
    );
  if (!owners.length) return;
  const others = owners.map((o) => o.project);
  const other = others[0]!;
  const [short, long] = other.length < project.length ? [other, project] : [project, other];
  const several = others.length > 1;
  const problem =
    `--name ${project}: the lambda-deploy ${several ? 'projects' : 'project'} ${andList(owners.map(describeOwner))} ${several ? 'are' : 'is'} set up in this account, and the names overlap: ` +
    `${short}'s stage ${long.slice(short.length + 1)}-main and ${long}'s stage main are both ${long}-main, so ${short}'s preview role ` +
    `(any pull request) could reach ${long}'s production log groups, which IAM can scope only by name`;
  if (alreadySetUp(project, names)) {
    deps.logger.warning(
      `${problem}. Both are set up already; rename one of them (set up the new name, move its workflow, undeploy the old stages).`,
    );
    return;
  }
  throw new Error(
    `${problem}; expected a name that neither starts with ${others.map((o) => `"${o}-"`).join(' or ')} nor is the part of ${several ? 'one of them' : `"${other}"`} before a hyphen.`,
  );
}
