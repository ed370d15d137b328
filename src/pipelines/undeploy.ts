import { PATIENCE, type RetryDeps } from '../aws/aws-call.js';
import type { UndeployOutcome } from '../model/outcome.js';
import { runningDeploy } from '../model/prune-decisions.js';
import { Inputs } from '../settings/names.js';
import { isProtectedStage, listWithout, protectedListSource } from '../model/protected-stages.js';
import { inputName, settingOf, type Surface } from '../settings/surface.js';
import { cleanedRefNote, describeRef, otherRefOfStage } from '../model/branch-stage-claim.js';
import { errorMessage } from '../util/retry.js';
import { tagValue } from '../model/stage-name.js';
import { TagKeys } from '../model/tags.js';
import {
  removeApiKey,
  removeHttpApi,
  removeRestApi,
  removeUsagePlan,
} from '../resources/front-door/stage-front-door.js';
import { removeFunction, removeFunctionUrl } from '../resources/function/stage-functions.js';
import { refusedLogGroup, removeLogGroup } from '../resources/logs/stage-logs.js';
import {
  findStageResources,
  inventoryIsEmpty,
  inventoryResources,
  type CleanupClients,
  type StageInventory,
} from '../resources/stage/find-stage-resources.js';
import { removeRule } from '../resources/warm-up/rules.js';

export interface UndeployTarget {
  project: string;
  stage: string;
  /** owner/repo of this run: another repository's stage of the same name is left alone. */
  repository: string;
  /** `{name}-{stage}` from the plan. */
  functionName: string;
  /** Also delete `/aws/lambda/{function}`. */
  removeLogs: boolean;
  /** List what would be removed; remove nothing. */
  dryRun: boolean;
  /** Lower-case stage names that are never removed. */
  protectedStages: readonly string[];
  /**
   * Remove the stage only when its function's lambda-deploy:ref tag is this
   * ref (branch or `pull/{number}`): it was deployed for that pull request
   * or branch. Else nothing is removed and the outcome says why.
   */
  onlyIfDeployedFor?: string;
  /**
   * The branch the stage was derived from (Plan.stageBranch): a stage whose
   * function was last deployed for another ref is that ref's, and is kept
   * (one with no ref tag, deployed before it, goes as before).
   */
  stageBranch?: string;
  /**
   * Remove nothing when a deploy runs on the stage (its function's deploying
   * mark under an hour old at this time, or started since; Lambda applying an
   * update): prune's, whose judgement predates such a deploy.
   */
  unlessDeployingAt?: Date;
}

/**
 * Why the stage is not one deployed for `ref`, or undefined when its
 * function (every one found, and at least one) carries that ref tag.
 */
export function notDeployedFor(inv: StageInventory, ref: string, repository: string): string | undefined {
  const want = tagValue(ref);
  const refs = [...new Set(inv.functions.map((fn) => fn.ref ?? ''))];
  if (refs.length === 0)
    return `no function of this repository (${repository || 'unknown'}) is tagged for stage ${inv.stage}`;
  // A name the tag had to clean or cut (`feat#1` -> `feat-1`) equals the tag of another branch's deploy too.
  if (want !== ref)
    return `its ${TagKeys.Ref} tag cannot tell: the name '${ref.slice(0, 80)}' is cleaned or cut to fit a tag value, and another branch's name can come out the same`;
  const other = refs.filter((r) => r !== want);
  if (other.length === 0) return undefined;
  const said = other.map((r) => (r ? `'${r}'` : 'nothing')).join(' and ');
  return `its function was last deployed for ${said} (tag ${TagKeys.Ref}), not for '${want}'`;
}

/**
 * Why a stage derived from `branch` is kept: its function was last deployed
 * for another ref (see otherRefOfStage); undefined when it may go.
 */
export function keptForOtherRef(
  inv: StageInventory,
  branch: string,
  surface: Surface = 'action',
): string | undefined {
  for (const fn of inv.functions) {
    const other = otherRefOfStage(fn.ref, branch, inv.stage);
    if (other === undefined) continue;
    return (
      `Stage ${inv.stage} was last deployed for ${describeRef(other)} (${fn.label}, tag ${TagKeys.Ref}${cleanedRefNote(other, inv.stage)}), ` +
      `not for branch '${branch}', whose name comes out as the same stage: kept, nothing removed. ` +
      `To remove it on purpose, run undeploy with ${settingOf(surface, Inputs.Stage, inv.stage)}.`
    );
  }
  return undefined;
}

/** Refusal to remove a stage listed in protected-stages (the CLI's --protected-stages, whose default lists some). */
export class ProtectedStageError extends Error {
  constructor(stage: string, protectedStages: readonly string[], surface: Surface = 'action') {
    const flag = inputName(surface, Inputs.ProtectedStages);
    const source = protectedListSource(protectedStages, surface);
    const like = listWithout(stage, protectedStages, surface);
    super(
      surface === 'terminal'
        ? `Stage "${stage}" is a protected stage (${source}): undeploy never removes it. ` +
            `To remove it on purpose, run undeploy with ${flag} listing the stages to keep, without "${stage}"${like}.`
        : `Stage "${stage}" is listed in protected-stages (${source}): undeploy and prune never remove it. ` +
            `To remove it on purpose, run undeploy with the ${Inputs.ProtectedStages} input set without "${stage}"${like}.`,
    );
    this.name = 'ProtectedStageError';
  }
}

/**
 * The log's last line of an undeploy: "Stage pr-7 of shop: 2 resources removed.". A count only:
 * each resource had its own "Removed …" (or "Would remove …") line just before.
 */
export function describeUndeploy(outcome: UndeployOutcome): string {
  const n = outcome.removed.length;
  const which = `Stage ${outcome.stage} of ${outcome.project}`;
  if (n === 0) return `${which}: nothing to remove.`;
  return `${which}: ${n} resource${n === 1 ? '' : 's'} ${outcome.dryRun ? 'would be removed' : 'removed'}.`;
}

/**
 * Removes a stage: the front door first (so nothing routes to a function
 * being deleted), keep-warm rules, the function with its versions and
 * aliases, and with removeLogs its log group. Only resources whose own tags
 * name this project and stage are touched; a resource already gone counts
 * as removed before. The shared execution role is never touched.
 */
export async function undeployStage(
  clients: CleanupClients,
  target: UndeployTarget,
  deps: RetryDeps,
): Promise<UndeployOutcome> {
  const { project, stage, dryRun } = target;
  const { logger } = deps;
  if (isProtectedStage(stage, target.protectedStages))
    throw new ProtectedStageError(stage, target.protectedStages, deps.surface);

  const inv = await findStageResources(
    clients,
    {
      project,
      stage,
      repository: target.repository,
      functionName: target.functionName,
      includeLogs: target.removeLogs,
    },
    deps,
  );
  const outcome: UndeployOutcome = { project, stage, removed: [], skipped: inv.skipped, dryRun };
  if (target.onlyIfDeployedFor !== undefined) {
    outcome.notDeployedFor = notDeployedFor(inv, target.onlyIfDeployedFor, target.repository);
    if (outcome.notDeployedFor) return outcome;
  }
  if (target.stageBranch !== undefined) {
    outcome.keptForOtherRef = keptForOtherRef(inv, target.stageBranch, deps.surface);
    if (outcome.keptForOtherRef) return outcome;
  }
  if (target.unlessDeployingAt) {
    const at = target.unlessDeployingAt;
    outcome.deployRunning = inv.functions.map((fn) => runningDeploy(fn, at)).find(Boolean);
    if (outcome.deployRunning) return outcome;
  }
  for (const s of inv.skipped) logger.warning(`Skipped ${s.resource}: ${s.why}.`);
  // A choice, not a problem: every stage's group carries its tags since the deploy makes it.
  const kept = deps.surface === 'terminal' ? ' (--remove-logs removes it).' : ': remove-logs is false.';
  for (const name of inv.keptLogGroups) logger.info(`Kept log group ${name}${kept}`);
  if (inv.keptLogGroups.length) outcome.keptLogGroups = [...inv.keptLogGroups];

  if (inventoryIsEmpty(inv)) {
    logger.info(`Stage ${stage} of ${project}: nothing to remove.`);
    return outcome;
  }
  if (dryRun) {
    outcome.removed = inventoryResources(inv).map((r) => r.label);
    for (const label of outcome.removed) logger.info(`Would remove ${label}.`);
    return outcome;
  }

  try {
    await removeInventory(clients, inv, deps, (label) => {
      outcome.removed.push(label);
      logger.info(`Removed ${label}.`);
    });
  } catch (error) {
    const done = outcome.removed.length ? ` Removed before the failure: ${outcome.removed.join(', ')}.` : '';
    const wrapped = new Error(
      `Undeploy of stage ${stage} stopped: ${errorMessage(error).replace(/\.$/, '')}.${done} Running undeploy again continues where it stopped.`,
      { cause: error },
    );
    throw wrapped;
  }
  logger.info(describeUndeploy(outcome));
  return outcome;
}

/**
 * Removes what the inventory holds, in an order AWS accepts: the front door
 * first (a usage plan before its keys and API, so nothing routes to a
 * function being deleted), keep-warm rules, the logs (while the function
 * still vouches for them), the function. Each kind's remover lives with its
 * kind.
 */
async function removeInventory(
  clients: CleanupClients,
  inv: StageInventory,
  deps: RetryDeps,
  removed: (label: string) => void,
): Promise<void> {
  const report = (label: string, done: boolean) => {
    if (done) removed(label);
    // A sentence: the label starts lower-case ("function shop-pr-7").
    else deps.logger.info(`${label.charAt(0).toUpperCase()}${label.slice(1)} was already gone.`);
  };
  for (const plan of inv.usagePlans) report(plan.label, await removeUsagePlan(clients, plan, deps));
  for (const key of inv.apiKeys) report(key.label, await removeApiKey(clients, key, deps));
  for (const api of inv.restApis) report(api.label, await removeRestApi(clients, api, inv.skipped, deps));
  for (const api of inv.httpApis) report(api.label, await removeHttpApi(clients, api, deps));
  for (const url of inv.functionUrls) report(url.label, await removeFunctionUrl(clients, url, deps));
  for (const rule of inv.rules)
    report(rule.label, await removeRule(clients.events, rule, deps, PATIENCE.removal));
  // Log groups before the function: Lambda never tags `/aws/lambda/{function}`, so once the
  // function is gone nothing ties its group to the stage, and a failed delete would strand it.
  // One this role may not delete keeps its function: else nothing would tie the group to the stage.
  const refused = new Set<string>();
  for (const group of inv.logGroups) {
    const done = await removeLogGroup(clients, group, deps);
    if (done !== 'refused') report(group.label, done);
    else {
      refused.add(group.name);
      const skip = refusedLogGroup(group);
      inv.skipped.push(skip);
      deps.logger.warning(`Left ${skip.resource}: ${skip.why}`);
    }
  }
  const functions = inv.functions.filter((fn) => !refused.has(`/aws/lambda/${fn.name}`));
  // The function takes its versions, aliases, permissions and URL configs with it.
  for (const fn of functions) report(fn.label, await removeFunction(clients, fn, deps));
  // A last invocation in between (an event source mapping, a direct invoke) recreates its group.
  for (const fn of functions) {
    const group = inv.logGroups.find((g) => g.name === `/aws/lambda/${fn.name}`);
    if (group && (await removeLogGroup(clients, group, deps, true)))
      deps.logger.info(`Removed ${group.label} again: the function wrote to it while being removed.`);
  }
}
