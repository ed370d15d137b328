import {
  DeleteApiKeyCommand,
  DeleteRestApiCommand,
  DeleteUsagePlanCommand,
  DeleteUsagePlanKeyCommand,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway';
import { DeleteApiCommand } from '@aws-sdk/client-apigatewayv2';
import { DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteRuleCommand,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DeleteFunctionCommand, DeleteFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { allPages } from '../aws/all-pages.js';
import { AwsError, hasErrorName } from '../aws/aws-call.js';
import type { UndeployOutcome } from '../model/outcome.js';
import { errorMessage } from '../util/retry.js';
import { awsCall, awsCallOrGone, wrapAwsError, type CleanupDeps } from '../resources/stage/aws-call.js';
import {
  findStageResources,
  inventoryIsEmpty,
  inventoryResources,
  type CleanupClients,
  type StageInventory,
  usagePlanKeys,
} from '../resources/stage/find-stage-resources.js';

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
}

/** Refusal to remove a stage listed in protected-stages. */
export class ProtectedStageError extends Error {
  constructor(stage: string, protectedStages: readonly string[]) {
    super(
      `Stage "${stage}" is listed in protected-stages (${protectedStages.join(', ')}): undeploy and prune never remove it. ` +
        `To remove it on purpose, run undeploy with protected-stages set without "${stage}".`,
    );
    this.name = 'ProtectedStageError';
  }
}

export function isProtectedStage(stage: string, protectedStages: readonly string[]): boolean {
  return protectedStages.some((p) => p.toLowerCase() === stage.toLowerCase());
}

/** One line for logs and summaries: "removed 4 resources", "nothing to remove", ... */
export function describeUndeploy(outcome: UndeployOutcome): string {
  const n = outcome.removed.length;
  if (n === 0) return `stage ${outcome.stage}: nothing to remove`;
  const what = `${n} resource${n === 1 ? '' : 's'} (${outcome.removed.join(', ')})`;
  return outcome.dryRun
    ? `stage ${outcome.stage}: would remove ${what}`
    : `stage ${outcome.stage}: removed ${what}`;
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
  deps: CleanupDeps,
): Promise<UndeployOutcome> {
  const { project, stage, dryRun } = target;
  const { logger } = deps;
  if (isProtectedStage(stage, target.protectedStages))
    throw new ProtectedStageError(stage, target.protectedStages);

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
  for (const s of inv.skipped) logger.warning(`Skipped ${s.resource}: ${s.why}.`);
  const outcome: UndeployOutcome = { project, stage, removed: [], skipped: inv.skipped, dryRun };

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

async function removeInventory(
  clients: CleanupClients,
  inv: StageInventory,
  deps: CleanupDeps,
  removed: (label: string) => void,
): Promise<void> {
  /** Runs a delete; a resource already gone is not reported as removed by this run. */
  const del = async (
    spec: Parameters<typeof awsCall>[1],
    fn: () => Promise<unknown>,
    label = spec.resource,
  ) => {
    const result = await awsCallOrGone(deps, spec, async () => (await fn()) ?? true);
    if (result !== undefined) removed(label);
    else deps.logger.info(`${label} was already gone.`);
  };
  const gw = clients.apiGateway;

  // REST front door: unlink keys, detach the API stages, then the plan, the keys, the API.
  for (const plan of inv.usagePlans) {
    const links = await usagePlanKeys(gw, plan, deps);
    for (const link of links) {
      if (!link.id) continue;
      await awsCallOrGone(
        deps,
        {
          operation: 'DeleteUsagePlanKey',
          resource: `link of API key ${link.id} to ${plan.label}`,
          permission: `apigateway:DELETE on /usageplans/${plan.id}/keys/*`,
        },
        () => gw.send(new DeleteUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: link.id })),
      );
    }
    for (const apiStage of plan.apiStages) {
      await awsCallOrGone(
        deps,
        {
          operation: 'UpdateUsagePlan',
          resource: `${plan.label} (detaching ${apiStage.apiId}:${apiStage.stage})`,
          permission: `apigateway:PATCH on /usageplans/${plan.id}`,
        },
        () =>
          gw.send(
            new UpdateUsagePlanCommand({
              usagePlanId: plan.id,
              patchOperations: [
                { op: 'remove', path: '/apiStages', value: `${apiStage.apiId}:${apiStage.stage}` },
              ],
            }),
          ),
      );
    }
    await del(
      {
        operation: 'DeleteUsagePlan',
        resource: plan.label,
        permission: `apigateway:DELETE on /usageplans/${plan.id}`,
      },
      () => gw.send(new DeleteUsagePlanCommand({ usagePlanId: plan.id })),
    );
  }
  for (const key of inv.apiKeys) {
    await del(
      {
        operation: 'DeleteApiKey',
        resource: key.label,
        permission: `apigateway:DELETE on /apikeys/${key.id}`,
      },
      () => gw.send(new DeleteApiKeyCommand({ apiKey: key.id })),
    );
  }
  for (const api of inv.restApis) {
    const spec = {
      operation: 'DeleteRestApi',
      resource: api.label,
      permission: `apigateway:DELETE on /restapis/${api.id}`,
    };
    try {
      await del(spec, () => gw.send(new DeleteRestApiCommand({ restApiId: api.id })));
    } catch (error) {
      // A usage plan we may not touch still holding the API is the usual reason.
      const holders = inv.skipped.filter((s) => s.resource.startsWith('usage plan '));
      if (
        error instanceof AwsError &&
        holders.length &&
        hasErrorName(error, 'BadRequestException', 'ConflictException')
      )
        throw wrapAwsError(
          spec,
          error.cause,
          `usage plans not tagged for this stage still use it (${holders.map((h) => h.resource).join(', ')}); detach the API stage from them, then undeploy again.`,
        );
      throw error;
    }
  }
  for (const api of inv.httpApis) {
    await del(
      { operation: 'DeleteApi', resource: api.label, permission: `apigateway:DELETE on /apis/${api.id}` },
      () => clients.apiGatewayV2.send(new DeleteApiCommand({ ApiId: api.id })),
    );
  }
  for (const url of inv.functionUrls) {
    await del(
      {
        operation: 'DeleteFunctionUrlConfig',
        resource: url.label,
        permission: 'lambda:DeleteFunctionUrlConfig',
      },
      () =>
        clients.lambda.send(
          new DeleteFunctionUrlConfigCommand({ FunctionName: url.functionName, Qualifier: url.qualifier }),
        ),
    );
  }

  // Keep-warm rules: a rule with targets cannot be deleted.
  for (const rule of inv.rules) {
    const bus = rule.eventBusName;
    const targets = await allPages(
      (token) =>
        awsCallOrGone(
          deps,
          { operation: 'ListTargetsByRule', resource: rule.label, permission: 'events:ListTargetsByRule' },
          () =>
            clients.events.send(
              new ListTargetsByRuleCommand({ Rule: rule.name, EventBusName: bus, NextToken: token }),
            ),
        ),
      (page) => page?.Targets,
      (page) => page?.NextToken,
    );
    const ids = targets.map((t) => t.Id).filter((id): id is string => !!id);
    // RemoveTargets takes at most 100 ids at a time.
    for (let i = 0; i < ids.length; i += 100) {
      await awsCallOrGone(
        deps,
        { operation: 'RemoveTargets', resource: rule.label, permission: 'events:RemoveTargets' },
        () =>
          clients.events.send(
            new RemoveTargetsCommand({ Rule: rule.name, EventBusName: bus, Ids: ids.slice(i, i + 100) }),
          ),
      );
    }
    await del({ operation: 'DeleteRule', resource: rule.label, permission: 'events:DeleteRule' }, () =>
      clients.events.send(new DeleteRuleCommand({ Name: rule.name, EventBusName: bus })),
    );
  }

  // The function takes its versions, aliases, permissions and URL configs with it.
  for (const fn of inv.functions) {
    await del(
      {
        operation: 'DeleteFunction',
        resource: fn.label,
        permission: 'lambda:DeleteFunction',
        alsoRetry: ['ResourceConflictException'],
      },
      () => clients.lambda.send(new DeleteFunctionCommand({ FunctionName: fn.name })),
    );
  }
  for (const group of inv.logGroups) {
    await del({ operation: 'DeleteLogGroup', resource: group.label, permission: 'logs:DeleteLogGroup' }, () =>
      clients.logs.send(new DeleteLogGroupCommand({ logGroupName: group.name })),
    );
  }
}
