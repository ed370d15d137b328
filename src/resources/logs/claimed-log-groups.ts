/**
 * The hole IAM cannot close (README, "Who may deploy what"): the preview role
 * may create `/aws/lambda/{project}-*` tagged for the project, and IAM cannot
 * tell whether a function of that name exists, so pull-request code can make
 * the group of a hand-made `{project}-legacy` that has never logged and read
 * what it logs. The production role (prune) finds such groups afterwards: tagged
 * for the project, their function there without the lambda-deploy:name tag. It
 * takes lambda-deploy's tags off (the preview role's Untagged Deny covers the
 * group again), never deletes the group or its logs, and says what to do.
 * The preview role (prune's when the default branch is not a production
 * branch) may read no such function: it lists the groups it could not check.
 */
import {
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { callAws, findAws, isAccessDenied, type RetryDeps } from '../../aws/aws-call.js';
import type { ClaimedLogGroup, ClaimedLogGroups } from '../../model/outcome.js';
import { TagKeys } from '../../model/tags.js';
import { errorMessage } from '../../util/retry.js';
import type { CleanupClients } from '../stage/stage-search.js';
import { listProjectTagged } from '../stage/project-stages.js';
import { parseTaggedArn } from '../stage/tag-guard.js';
import { madeBy, readsOnlyOurFunctions } from '../function/function-made-by.js';

const LAMBDA_GROUP = '/aws/lambda/';
const OUR_TAG = 'lambda-deploy:';
/**
 * A function's name: only a group named so can be a function's. Others (the
 * preview role may make `/aws/lambda/{project}-#`) are passed over: no
 * function logs there, and Lambda refuses to look such a name up, which would
 * stop the check before the groups listed after it.
 */
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The project's tagged log groups whose function exists without the
 * lambda-deploy:name tag, released (or, with dryRun, not). A group whose
 * function is gone is a stage's leftover and stays as it is; one whose
 * function this role may not read (another project's) too. Under a role that
 * may read no function lambda-deploy did not make (the preview role), such
 * groups are `unchecked` when the role may read them: pull-request code may.
 */
export async function releaseClaimedLogGroups(
  clients: Pick<CleanupClients, 'tagging' | 'lambda' | 'logs'>,
  options: { project: string; dryRun: boolean },
  deps: RetryDeps,
): Promise<ClaimedLogGroups> {
  const { project } = options;
  const mappings = await listProjectTagged(clients, project, 'logs:log-group', 'log groups', deps);
  const claimed: ClaimedLogGroup[] = [];
  const refused: { arn: string; name: string }[] = [];
  for (const m of mappings) {
    const parsed = parseTaggedArn(m.ResourceARN ?? '');
    if (parsed.kind !== 'log-group' || !parsed.name.startsWith(`${LAMBDA_GROUP}${project}-`)) continue;
    const fnName = parsed.name.slice(LAMBDA_GROUP.length);
    if (!FUNCTION_NAME.test(fnName)) continue;
    try {
      const by = await madeBy(clients, fnName, deps);
      if (by === 'refused') refused.push({ arn: parsed.arn, name: parsed.name });
      if (by !== 'hand') continue;
      claimed.push(await release(clients, { arn: parsed.arn, name: parsed.name, fnName }, options, deps));
    } catch (error) {
      // One group's failure does not keep the groups after it claimed.
      deps.logger.warning(
        `Could not check log group ${parsed.name} for a function lambda-deploy did not make: ${errorMessage(error)}`,
      );
    }
  }
  return { claimed, unchecked: await uncheckedGroups(clients, project, refused, deps) };
}

/**
 * Of the groups whose function this role was refused, those it could not check because it may
 * read no function lambda-deploy did not make (the probe says), and that it may read itself (a
 * protected stage's it may not, nor may pull-request code). None under a role that may read such a
 * function: it was refused another project's, whose deploys tend its group.
 */
async function uncheckedGroups(
  clients: Pick<CleanupClients, 'lambda' | 'logs'>,
  project: string,
  refused: readonly { arn: string; name: string }[],
  deps: RetryDeps,
): Promise<string[]> {
  if (!refused.length || !(await readsOnlyOurFunctions(clients, project, deps))) return [];
  const readable: string[] = [];
  for (const group of refused) {
    try {
      await findAws(
        deps,
        {
          what: `read the tags of log group ${group.name}`,
          permission: 'logs:ListTagsForResource',
          passThrough: isAccessDenied,
        },
        () => clients.logs.send(new ListTagsForResourceCommand({ resourceArn: group.arn })),
      );
      readable.push(group.name);
    } catch (error) {
      if (!isAccessDenied(error)) throw error;
    }
  }
  return readable;
}

async function release(
  clients: Pick<CleanupClients, 'logs'>,
  group: { arn: string; name: string; fnName: string },
  options: { project: string; dryRun: boolean },
  deps: RetryDeps,
): Promise<ClaimedLogGroup> {
  const label = `log group ${group.name}`;
  // The tagging index may lag: the group's own tags are the truth, and say which keys to take off.
  const tags = await findAws(
    deps,
    { what: `read the tags of ${label}`, permission: 'logs:ListTagsForResource' },
    () => clients.logs.send(new ListTagsForResourceCommand({ resourceArn: group.arn })),
  );
  const keys = Object.keys(tags?.tags ?? {}).filter((k) => k.startsWith(OUR_TAG));
  const listed = await callAws(deps, { what: `find ${label}`, permission: 'logs:DescribeLogGroups' }, () =>
    clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group.name })),
  );
  const time = listed.logGroups?.find((g) => g.logGroupName === group.name)?.creationTime;
  const found: ClaimedLogGroup = {
    group: group.name,
    functionName: group.fnName,
    createdAt: time === undefined ? undefined : new Date(time),
    released: false,
  };
  if (keys.length === 0) return found;
  const exposure =
    `Log group ${group.name} carries lambda-deploy's tags (stage ${tags?.tags?.[TagKeys.Stage] ?? '(none)'}), but its function ` +
    `${group.fnName} was not made by lambda-deploy (no ${TagKeys.Name} tag). The preview role may create a log ` +
    `group /aws/lambda/${options.project}-* tagged for the project, so a pull-request job may have made this one ` +
    `before ${group.fnName} first logged and may have read its logs since ` +
    `${found.createdAt?.toISOString() ?? 'the group was made'}.`;
  const advice =
    `Rotate any secret ${group.fnName} has logged, and rename the function out of ${options.project}-* ` +
    `(or give it its own log group outside /aws/lambda/${options.project}-*).`;
  if (options.dryRun) {
    deps.logger.warning(`${exposure} Would remove lambda-deploy's tags from ${label} (dry run). ${advice}`);
    return { ...found, released: true };
  }
  try {
    await callAws(
      deps,
      { what: `untag ${label}`, permission: 'logs:UntagResource', passThrough: isAccessDenied },
      () => clients.logs.send(new UntagResourceCommand({ resourceArn: group.arn, tagKeys: keys })),
    );
  } catch (error) {
    if (!isAccessDenied(error)) throw error;
    deps.logger.warning(
      `${exposure} Could not remove lambda-deploy's tags from ${label} (${errorMessage(error)}): the preview ` +
        `role can still read it. The production role needs logs:UntagResource on /aws/lambda/${options.project}-* ` +
        `(regenerate its policy: npx github:org/lambda-deploy policy), or remove the tags ${keys.join(', ')} by hand. ${advice}`,
    );
    return found;
  }
  deps.logger.warning(
    `${exposure} Removed lambda-deploy's tags from ${label} (the group and its logs are kept), so the ` +
      `preview role may no longer read it. ${advice}`,
  );
  return { ...found, released: true };
}
