/**
 * A stage of the fake account, as the deploy hands it to the front doors:
 * its context (names, tags, this account and region), the gateway input,
 * and the function with its alias `live` that a front door needs to exist
 * (Lambda refuses AddPermission on a missing function).
 */
import type { GatewayInput } from '../../src/resources/front-door/gateway-types.js';
import type { StageContext } from '../../src/model/stage-context.js';
import { stageTags } from '../../src/model/tags.js';
import { ACCOUNT_ID, REGION } from './account.js';
import type { FakeAws } from './index.js';

export function stageContext(stage = 'pr-42', project = 'shop'): StageContext {
  return {
    project,
    stage,
    functionName: `${project}-${stage}`,
    region: REGION,
    accountId: ACCOUNT_ID,
    tags: stageTags({
      project,
      stage,
      repository: `octo/${project}`,
      ref: stage.startsWith('pr-') ? `pull/${stage.slice(3)}` : stage,
    }),
  };
}

export function gatewayInput(overrides: Partial<GatewayInput> = {}, context = stageContext()): GatewayInput {
  return {
    context,
    aliasArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${context.functionName}:live`,
    apiKey: false,
    ...overrides,
  };
}

/** The stage's function, deployed earlier: published, with `live` on version 1 and the stage's tags. */
export function seedStageFunction(aws: FakeAws, context = stageContext()) {
  return aws.seed.function(context.functionName, { alias: 'live', tags: context.tags });
}
