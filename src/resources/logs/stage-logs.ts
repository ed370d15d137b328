/**
 * A stage's log group: made by the deploy, tagged like every other resource,
 * and found and removed by undeploy (remove-logs). Lambda creates
 * `/aws/lambda/{function}` without tags when the deploy has not made it first
 * (stages deployed before lambda-deploy made it), so a log group follows its
 * function unless its own lambda-deploy tags name another owner; only when the
 * function is gone do its own tags have to vouch for it.
 */
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import {
  AwsError,
  callAws,
  findAws,
  hasErrorName,
  isAccessDenied,
  isNotRoleDeny,
  type RetryDeps,
} from '../../aws/aws-call.js';
import { otherOwnerRefusal, TagKeys } from '../../model/tags.js';
import { errorMessage } from '../../util/retry.js';
import {
  INDEX_DISAGREES,
  removalCall,
  removeOrGone,
  type CleanupClients,
  type Labelled,
  type StageSearch,
} from '../stage/stage-search.js';
import { tagMismatch } from '../stage/tag-guard.js';

export interface FoundLogGroup extends Labelled {
  name: string;
}

/**
 * The log groups of the stage's functions (and of the expected name), plus
 * those the tagging API lists. `ours`: the functions found; `notOurs`: those
 * with the name but not the tags, with the reason. Each group's own tags
 * decide, as for every other kind: the index may lag.
 */
export async function findStageLogGroups(
  search: StageSearch,
  ours: readonly { name: string }[],
  notOurs: ReadonlyMap<string, string>,
): Promise<FoundLogGroup[]> {
  // Without remove-logs the groups are the inventory's keptLogGroups: undeploy names them, status does not.
  if (!search.target.includeLogs) return [];
  const names = new Set([
    ...[...ours.map((f) => f.name), search.target.functionName].map((fn) => `${LAMBDA_GROUP}${fn}`),
    ...search.tagged.logGroups,
  ]);
  const found: FoundLogGroup[] = [];
  for (const name of names) {
    const label = `log group ${name}`;
    // Sorted by name, so the exact name comes first among those sharing the prefix: one page is enough.
    const listed = await callAws(search.deps, removalCall(`find ${label}`, 'logs:DescribeLogGroups'), () =>
      search.clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name })),
    );
    const group = (listed.logGroups ?? []).find((g) => g.logGroupName === name);
    if (!group) continue;
    const why = await notTheStages(search, { name, label, arn: group.logGroupArn }, ours, notOurs);
    if (why === GONE) continue;
    if (why) search.skip(label, why);
    else found.push({ label, name });
  }
  return found;
}

const LAMBDA_GROUP = '/aws/lambda/';
const GONE = Symbol('gone');

/** Why a log group is not the stage's (GONE: no longer there), or undefined when it is. */
async function notTheStages(
  search: StageSearch,
  group: { name: string; label: string; arn?: string },
  ours: readonly { name: string }[],
  notOurs: ReadonlyMap<string, string>,
): Promise<string | undefined | typeof GONE> {
  const fnName = group.name.startsWith(LAMBDA_GROUP) ? group.name.slice(LAMBDA_GROUP.length) : undefined;
  const fromIndex = search.tagged.logGroups.has(group.name);
  // A function there that is not the stage's logs into it, whatever the group's tags say: pull-request
  // code may make and tag the group of a `{name}-*` function made by hand before it first logs.
  if (fnName !== undefined && !ours.some((f) => f.name === fnName)) {
    const other =
      notOurs.get(fnName) ??
      (fnName === search.target.functionName ? undefined : await otherFunction(search, fnName));
    if (other) return `belongs to function ${fnName}, whose ${other}`;
  }
  const tags = await stageGroupTags(search, group.arn, group.label);
  if (tags === undefined) return GONE;
  if (fnName !== undefined && ours.some((f) => f.name === fnName)) {
    // Its function's (Lambda made it without tags), unless its own tags name another owner: a
    // same-named stage of another repository, project or stage that kept its logs when removed.
    if (tags === ROLE_DENIED || !hasOurTags(tags)) return undefined;
    const theirs = tagMismatch(tags, search.owner);
    if (!theirs) return undefined;
    return fromIndex
      ? `${INDEX_DISAGREES}${theirs}`
      : `belongs to function ${fnName} of this stage, but its own tags name another owner (${theirs})`;
  }
  if (tags === ROLE_DENIED)
    return fromIndex
      ? `${INDEX_DISAGREES}this role may not read them, so it has no ${TagKeys.Name} tag`
      : `its function is gone and this role may not read its tags. ${UNTAGGED_GROUP}`;
  const mismatch = tagMismatch(tags, search.owner);
  if (!mismatch) return undefined;
  // Function gone (or not a function's group): only the log group's own tags can still vouch for it.
  return fromIndex
    ? `${INDEX_DISAGREES}${mismatch}`
    : `its function is gone and its own tags do not tie it to this stage (${mismatch})`;
}

/**
 * Why function `name`, which the stage's search did not find, keeps its log group:
 * it is there (or this role may not tell), not the stage's. Undefined when it is gone.
 */
async function otherFunction(search: StageSearch, name: string): Promise<string | undefined> {
  let fn;
  try {
    fn = await findAws(search.deps, removalCall(`read function ${name}`, 'lambda:GetFunction'), () =>
      search.clients.lambda.send(new GetFunctionCommand({ FunctionName: name })),
    );
  } catch (error) {
    if (!isRoleDeny(error)) throw error;
    return `existence this role may not read (it has no ${TagKeys.Name} tag, or is not there)`;
  }
  if (!fn) return undefined;
  const mismatch = tagMismatch(fn.Tags, search.owner);
  return mismatch
    ? `own tags are not this stage's (${mismatch})`
    : "own tags are this stage's, though it was not found with its functions: undeploy again";
}

const ROLE_DENIED = Symbol('role denied');

/**
 * A log group's tags (undefined when it is gone); ROLE_DENIED when this role's
 * own Deny refused the read: the preview role's answer on a group without the
 * lambda-deploy:name tag.
 */
async function stageGroupTags(
  search: StageSearch,
  arn: string | undefined,
  label: string,
): Promise<Record<string, string> | undefined | typeof ROLE_DENIED> {
  if (!arn) return {};
  try {
    const listed = await findAws(
      search.deps,
      removalCall(`read the tags of ${label}`, 'logs:ListTagsForResource'),
      () => search.clients.logs.send(new ListTagsForResourceCommand({ resourceArn: arn })),
    );
    return listed ? (listed.tags ?? {}) : undefined;
  } catch (error) {
    if (!isRoleDeny(error)) throw error;
    return ROLE_DENIED;
  }
}

/** Any lambda-deploy tag: a group without one is the one Lambda made for its function. */
function hasOurTags(tags: Record<string, string> | undefined): boolean {
  return Object.keys(tags ?? {}).some((key) => key.startsWith('lambda-deploy:'));
}

/**
 * Removes a log group; false when it was already gone. 'refused': this role's
 * own Deny refused it, which is the preview role's answer on a group without the
 * lambda-deploy:name tag (one Lambda made for a stage deployed before the
 * deploy made its group); the caller leaves its function too, so that prune
 * (the production role) still finds the stage and removes both.
 */
export async function removeLogGroup(
  clients: CleanupClients,
  group: FoundLogGroup,
  deps: RetryDeps,
  /** The check once its function is gone: one already deleted is refused to the preview role too (no tags). */
  again = false,
): Promise<boolean | 'refused'> {
  try {
    return await removeOrGone(deps, removalCall(`delete ${group.label}`, 'logs:DeleteLogGroup'), () =>
      clients.logs.send(new DeleteLogGroupCommand({ logGroupName: group.name })),
    );
  } catch (error) {
    if (!isRoleDeny(error)) throw error;
    if (again)
      deps.logger.debug(`Log group ${group.name}: this role may not look again (${errorMessage(error)})`);
    return again ? false : 'refused';
  }
}

/**
 * The role's own Deny (the preview role's Untagged statement on a group without
 * the lambda-deploy:name tag) refused it: the group is left, its function with
 * it. A missing Allow, or a Deny elsewhere (a service control policy), is a
 * policy to fix: undeploy stops and names the permission, as it always did.
 */
function isRoleDeny(error: unknown): boolean {
  return isAccessDenied(error) && !isNotRoleDeny(error);
}

/** Why a log group (and its function) were left: undeploy's skipped list. */
export function refusedLogGroup(group: FoundLogGroup): { resource: string; why: string } {
  return {
    resource: group.label,
    why: `this role may not delete it, so its function is left too (prune still finds both). ${UNTAGGED_GROUP}`,
  };
}

/** Why a stage's own log group may be out of this role's reach, and what removes it. */
const UNTAGGED_GROUP =
  `A log group without the ${TagKeys.Name} tag (Lambda made it for a stage deployed before lambda-deploy ` +
  "made and tagged its log groups) is out of the preview role's reach; a deploy with the production role " +
  'tags it, and prune (production role) with remove-logs deletes it.';

export interface LogGroupInput {
  /** `/aws/lambda/{function}`. */
  name: string;
  /** The stage's tags (stageTags). */
  tags: Record<string, string>;
  /** The group's ARN, for TagResource and ListTagsForResource. */
  arn: string;
  /**
   * The stage's function is this stage's (read and checked, or just made): an
   * existing group without lambda-deploy tags is its own, made by Lambda, and
   * gets the stage's tags. Otherwise such a group is left as it is.
   */
  functionIsOurs: boolean;
  /** The function was there before this deploy, so its group most likely is: read before any write. */
  functionExisted: boolean;
  /**
   * The group's tags as the tagging index lists them, asked when this role may not read or make it:
   * whose it is (another project's, see otherOwnerRefusal), without reading it.
   */
  indexedTags?: () => Promise<Record<string, string> | undefined>;
}

export type LogGroupOutcome = 'created' | 'tagged' | 'kept' | 'refused';

/**
 * Makes the function's log group with the stage's tags before Lambda makes it
 * without any (its first invocation would): the preview role's policy lets it
 * read and delete only log groups carrying the lambda-deploy:name tag. One that
 * is already there is tagged only when it has no lambda-deploy tags and the
 * function is ours (stages deployed before); one tagged for another project or
 * repository is never retagged nor used: the deploy stops, naming its owner
 * (read from the tagging index when this role may not read it). A redeploy
 * only reads it. Never fails the deploy on a refusal otherwise (a role without
 * logs:CreateLogGroup; the preview role on an untagged group): says so, goes on.
 */
export async function ensureFunctionLogGroup(
  logs: CloudWatchLogsClient,
  input: LogGroupInput,
  deps: RetryDeps,
): Promise<LogGroupOutcome> {
  const label = `log group ${input.name}`;
  const unreadable = async (): Promise<LogGroupOutcome> => {
    await refuseOtherOwnersIndexed(input);
    deps.logger.info(
      `Log group ${input.name} is there and this role may not read its tags: left as it is. ${UNTAGGED_GROUP}`,
    );
    return 'kept';
  };
  if (input.functionExisted) {
    const tags = await groupTags(logs, input, label, deps);
    if (tags !== MISSING && tags !== REFUSED) return settleTags(logs, input, label, tags, deps);
    // REFUSED: the preview role reads no group without the tag, nor one not there (no tags either).
  }
  const made = await createGroup(logs, input, label, deps);
  if (made !== 'exists') return made;
  if (input.functionExisted) return unreadable();
  const tags = await groupTags(logs, input, label, deps);
  if (tags === REFUSED) return unreadable();
  return tags === MISSING ? 'kept' : settleTags(logs, input, label, tags, deps);
}

const MISSING = Symbol('missing');
const REFUSED = Symbol('refused');

async function groupTags(
  logs: CloudWatchLogsClient,
  input: LogGroupInput,
  label: string,
  deps: RetryDeps,
): Promise<Record<string, string> | typeof MISSING | typeof REFUSED> {
  try {
    const listed = await findAws(
      deps,
      { what: `read the tags of ${label}`, permission: 'logs:ListTagsForResource' },
      () => logs.send(new ListTagsForResourceCommand({ resourceArn: input.arn })),
    );
    return listed ? (listed.tags ?? {}) : MISSING;
  } catch (error) {
    if (isAccessDenied(error)) return REFUSED;
    throw error;
  }
}

function refusedWrite(label: string, error: unknown, permission: string, deps: RetryDeps): LogGroupOutcome {
  deps.logger.warning(
    `Could not tag ${label} for this stage (${errorMessage(error)}): Lambda logs into it untagged. ` +
      `The deploy role needs ${permission} with the ${TagKeys.Name} tag (regenerate its policy: npx github:org/lambda-deploy policy). ` +
      UNTAGGED_GROUP,
  );
  return 'refused';
}

/**
 * CloudWatch Logs' answer to a write that meets another on the same group (a
 * create while Lambda makes it at a first invocation, or a parallel deploy
 * makes it): "Please try again". The next attempt finds the group there.
 */
function isConflictInProgress(error: unknown): boolean {
  return hasErrorName(error, 'OperationAbortedException');
}

async function createGroup(
  logs: CloudWatchLogsClient,
  input: LogGroupInput,
  label: string,
  deps: RetryDeps,
): Promise<LogGroupOutcome | 'exists'> {
  const permission = 'logs:CreateLogGroup and logs:TagResource';
  try {
    await callAws(
      deps,
      {
        what: `create ${label}`,
        permission,
        passThrough: (e) => hasErrorName(e, 'ResourceAlreadyExistsException') || isAccessDenied(e),
        retryable: isConflictInProgress,
      },
      () => logs.send(new CreateLogGroupCommand({ logGroupName: input.name, tags: input.tags })),
    );
  } catch (error) {
    if (isAccessDenied(error)) {
      // Refused a create: it may be there, another project's (CreateLogGroup on it is checked on its tags).
      await refuseOtherOwnersIndexed(input);
      return refusedWrite(label, error, permission, deps);
    }
    if (hasErrorName(error, 'ResourceAlreadyExistsException')) return 'exists';
    throw error;
  }
  deps.logger.info(`Created ${label}, tagged for this stage`);
  return 'created';
}

/**
 * A group lambda-deploy tagged for another project or repository: the function would log into it,
 * where that project's roles read and delete its lines (a pull request of `shop` may make
 * `/aws/lambda/shop-api-main` before `shop-api` deploys main). The deploy stops.
 */
function refuseOtherOwners(input: LogGroupInput, tags: Record<string, string>, how = ''): void {
  const refusal = otherOwnerRefusal(`Log group ${input.name}`, tags, input.tags);
  if (refusal)
    throw new AwsError(
      `${refusal} (This stage's function would log into it, where that project's deploy roles read and delete the lines.)${how}`,
      'LogGroupNotOwned',
    );
}

/** refuseOtherOwners for a group this role may not read or make: the tagging index tells whose it is. */
async function refuseOtherOwnersIndexed(input: LogGroupInput): Promise<void> {
  let tags: Record<string, string> | undefined;
  try {
    tags = await input.indexedTags?.();
  } catch {
    return; // The index does not answer: the denial is reported as it is.
  }
  if (tags)
    refuseOtherOwners(
      input,
      tags,
      ' (This role may not read it, as for any log group of another project: its tags come from the tagging index.)',
    );
}

/** An existing group: tagged for the stage when it has no lambda-deploy tags and the function is ours. */
async function settleTags(
  logs: CloudWatchLogsClient,
  input: LogGroupInput,
  label: string,
  tags: Record<string, string>,
  deps: RetryDeps,
): Promise<LogGroupOutcome> {
  refuseOtherOwners(input, tags);
  if (Object.keys(tags).some((k) => k.startsWith('lambda-deploy:'))) {
    if (tags[TagKeys.Name] === undefined)
      deps.logger.warning(`Log group ${input.name} is tagged for project (none): left as it is.`);
    return 'kept';
  }
  if (!input.functionIsOurs) {
    deps.logger.info(
      `Log group ${input.name} is there without lambda-deploy tags and its function is not known to be ours: left as it is.`,
    );
    return 'kept';
  }
  try {
    await callAws(
      deps,
      {
        what: `tag ${label}`,
        permission: 'logs:TagResource',
        passThrough: isAccessDenied,
        retryable: isConflictInProgress,
      },
      () => logs.send(new TagResourceCommand({ resourceArn: input.arn, tags: input.tags })),
    );
  } catch (error) {
    if (isAccessDenied(error)) return refusedWrite(label, error, 'logs:TagResource', deps);
    throw error;
  }
  deps.logger.info(`Tagged ${label} for this stage (Lambda had made it without tags)`);
  return 'tagged';
}
