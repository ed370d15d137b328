/**
 * A stage whose `gateway` input changed kind (http-api -> rest-api, ...):
 * after the new front door passed the smoke test, the deploy removes the
 * old kind's front door of the same stage. Only what we made goes: APIs,
 * usage plans and keys whose own tags name the stage, a function URL on
 * `live` only when our public statements sit next to it, and our permission
 * statements for the old kind.
 */
import {
  DeleteFunctionUrlConfigCommand,
  RemovePermissionCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { RetryDeps } from '../../aws/aws-call.js';
import type { GatewayKind } from '../../model/settings.js';
import { LIVE_ALIAS } from '../../model/live-alias.js';
import {
  removalCall,
  removeOrGone,
  StageSearch,
  type CleanupClients,
  type FindTarget,
  emptyTaggedIndex,
} from '../stage/stage-search.js';
import { readFunctionUrlConfig } from './function-url.js';
import { readPermissions } from './lambda-permission.js';
import { PermissionIds } from './resource-policy.js';
import {
  findStageApiKeys,
  findStageHttpApis,
  findStageRestApis,
  findStageUsagePlans,
  removeApiKey,
  removeHttpApi,
  removeRestApi,
  removeUsagePlan,
} from './stage-front-door.js';

/** On the function: the gateway kind its last deploy set up (tells the next deploy what to clean up). */
export const GATEWAY_TAG = 'lambda-deploy:gateway';

const KINDS: readonly GatewayKind[] = ['http-api', 'rest-api', 'function-url'];

/**
 * The kinds whose front door the previous deploy may have left: the one its
 * tag names when it differs from `now`; every other kind when an existing
 * function has no such tag (deployed by an older release) or the tag is no
 * proof (`distrustTag`: a protected stage a preview may have deployed, whose
 * tag a preview's credentials could write, and a front door of another kind
 * they made then would be a way round the one production sets up); none for
 * a function this deploy created.
 */
export function oldFrontDoorKinds(
  previousTags: Record<string, string>,
  created: boolean,
  now: GatewayKind,
  distrustTag = false,
): GatewayKind[] {
  if (created) return [];
  const before = previousTags[GATEWAY_TAG];
  if (before === undefined || distrustTag) return KINDS.filter((k) => k !== now);
  return KINDS.includes(before as GatewayKind) && before !== now ? [before as GatewayKind] : [];
}

/** Removes the old kinds' front doors of the stage; returns what went, by kind and label. */
export async function removeOldFrontDoors(
  clients: CleanupClients,
  kinds: readonly GatewayKind[],
  target: FindTarget,
  deps: RetryDeps,
): Promise<{ kind: GatewayKind; label: string }[]> {
  const search = new StageSearch(clients, target, emptyTaggedIndex(), deps);
  const removed: { kind: GatewayKind; label: string }[] = [];
  const done = (kind: GatewayKind, label: string) => (gone: boolean) => gone && removed.push({ kind, label });
  if (kinds.includes('http-api')) {
    const apis = await findStageHttpApis(search);
    for (const api of apis) done('http-api', api.label)(await removeHttpApi(clients, api, deps));
    if (apis.length) await removeStatements(clients.lambda, target, [PermissionIds.httpApi], deps);
  }
  if (kinds.includes('rest-api')) {
    const apis = await findStageRestApis(search);
    const plans = await findStageUsagePlans(search, apis);
    const keys = await findStageApiKeys(search, plans);
    for (const plan of plans) done('rest-api', plan.label)(await removeUsagePlan(clients, plan, deps));
    for (const key of keys) done('rest-api', key.label)(await removeApiKey(clients, key, deps));
    for (const api of apis)
      done('rest-api', api.label)(await removeRestApi(clients, api, search.skipped, deps));
    if (apis.length) await removeStatements(clients.lambda, target, [PermissionIds.restApi], deps);
  }
  if (kinds.includes('function-url') && (await removeFunctionUrl(clients.lambda, target, deps)))
    removed.push({ kind: 'function-url', label: `function URL of ${target.functionName}:${LIVE_ALIAS}` });
  return removed;
}

/**
 * The URL on `live`, when our public statements show we made it; true when
 * removed. One its owner has since made private (AWS_IAM) is theirs: it
 * stays, and only our public statements go.
 */
async function removeFunctionUrl(
  lambda: LambdaClient,
  target: FindTarget,
  deps: RetryDeps,
): Promise<boolean> {
  const ids: string[] = [PermissionIds.functionUrl, PermissionIds.functionUrlInvoke];
  const sids = await statementIds(lambda, target, deps);
  if (!sids.includes(PermissionIds.functionUrl)) return false;
  const ours = ids.filter((id) => sids.includes(id));
  const url = await readFunctionUrlConfig(lambda, target.functionName, deps);
  // Only a URL known to be public (auth NONE, as we make it) goes; one Lambda said nothing about
  // (no AuthType, or null) is read as the deploy reads it: not known to be public, so it stays.
  if (url && url.AuthType !== 'NONE') {
    const auth = url.AuthType ?? 'unknown';
    deps.logger.info(
      `The function URL of ${target.functionName}:${LIVE_ALIAS} has auth ${auth}${url.AuthType ? ', set by its owner' : ''}: it stays (only the public statements lambda-deploy added go).`,
    );
    await removeStatements(lambda, target, ours, deps);
    return false;
  }
  const gone = await removeOrGone(
    deps,
    removalCall(
      `delete the function URL of ${target.functionName}:${LIVE_ALIAS}`,
      `lambda:DeleteFunctionUrlConfig on ${target.functionName}:${LIVE_ALIAS}`,
    ),
    () =>
      lambda.send(
        new DeleteFunctionUrlConfigCommand({ FunctionName: target.functionName, Qualifier: LIVE_ALIAS }),
      ),
  );
  await removeStatements(lambda, target, ours, deps);
  return gone;
}

async function statementIds(lambda: LambdaClient, target: FindTarget, deps: RetryDeps): Promise<string[]> {
  const statements = await readPermissions(
    lambda,
    {
      functionName: target.functionName,
      qualifier: LIVE_ALIAS,
      aliasArn: `${target.functionName}:${LIVE_ALIAS}`,
      stage: target.stage,
    },
    deps,
  );
  return statements.flatMap((s) => (s.Sid ? [s.Sid] : []));
}

/** Our statements of the old kind on `live`: nothing invokes through them any more. */
async function removeStatements(
  lambda: LambdaClient,
  target: FindTarget,
  ids: readonly string[],
  deps: RetryDeps,
): Promise<void> {
  for (const id of ids)
    await removeOrGone(
      deps,
      removalCall(
        `remove the permission ${id} of ${target.functionName}:${LIVE_ALIAS}`,
        `lambda:RemovePermission on ${target.functionName}:${LIVE_ALIAS}`,
      ),
      () =>
        lambda.send(
          new RemovePermissionCommand({
            FunctionName: target.functionName,
            Qualifier: LIVE_ALIAS,
            StatementId: id,
          }),
        ),
    );
}
