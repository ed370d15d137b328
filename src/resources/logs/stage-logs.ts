/**
 * A stage's log groups as undeploy finds and removes them (remove-logs).
 * Lambda creates `/aws/lambda/{function}` without tags, so a log group
 * follows its function; only when the function is gone do its own tags
 * have to vouch for it.
 */
import {
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { callAws, findAws, type RetryDeps } from '../../aws/aws-call.js';
import {
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
 * with the name but not the tags, with the reason.
 */
export async function findStageLogGroups(
  search: StageSearch,
  ours: readonly { name: string }[],
  notOurs: ReadonlyMap<string, string>,
): Promise<FoundLogGroup[]> {
  const tagged = search.tagged.logGroups;
  if (!search.target.includeLogs) {
    for (const name of tagged) search.skip(`log group ${name}`, 'kept: remove-logs is false');
    return [];
  }
  const found: FoundLogGroup[] = [];
  for (const fnName of new Set([...ours.map((f) => f.name), search.target.functionName])) {
    const groupName = `/aws/lambda/${fnName}`;
    const label = `log group ${groupName}`;
    // Sorted by name, so the exact name comes first among those sharing the prefix: one page is enough.
    const listed = await callAws(search.deps, removalCall(`find ${label}`, 'logs:DescribeLogGroups'), () =>
      search.clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: groupName })),
    );
    const group = (listed.logGroups ?? []).find((g) => g.logGroupName === groupName);
    if (!group) continue;
    if (ours.some((f) => f.name === fnName) || tagged.has(groupName)) {
      found.push({ label, name: groupName });
    } else if (notOurs.has(fnName)) {
      search.skip(label, `belongs to function ${fnName}, whose ${notOurs.get(fnName)}`);
    } else {
      // Function gone: only the log group's own tags can still vouch for it.
      const tags = group.logGroupArn
        ? await findAws(
            search.deps,
            removalCall(`read the tags of ${label}`, 'logs:ListTagsForResource'),
            () =>
              search.clients.logs.send(new ListTagsForResourceCommand({ resourceArn: group.logGroupArn })),
          )
        : undefined;
      const mismatch = tagMismatch(tags?.tags, search.owner);
      if (mismatch)
        search.skip(label, `its function is gone and its own tags do not tie it to this stage (${mismatch})`);
      else found.push({ label, name: groupName });
    }
  }
  for (const name of tagged)
    if (!found.some((g) => g.name === name)) found.push({ label: `log group ${name}`, name });
  return found;
}

/** Removes a log group; false when it was already gone. */
export function removeLogGroup(
  clients: CleanupClients,
  group: FoundLogGroup,
  deps: RetryDeps,
): Promise<boolean> {
  return removeOrGone(deps, removalCall(`delete ${group.label}`, 'logs:DeleteLogGroup'), () =>
    clients.logs.send(new DeleteLogGroupCommand({ logGroupName: group.name })),
  );
}
