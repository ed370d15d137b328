/**
 * What a deploy leaves behind for one stage, seeded in one step for the
 * undeploy and prune tests: the function with `live`, its log group, the
 * front door, and the keep-warm rule, all with the stage's tags.
 */
import { functionName } from '../../src/model/stage-name.js';
import { stageTags } from '../../src/model/tags.js';
import { restStageName } from '../../src/resources/front-door/urls.js';
import { WARM_TARGET_ID, warmRuleName } from '../../src/resources/warm-up/keep-warm.js';
import { REGION } from './account.js';
import type { FakeAws } from './index.js';

type Tags = Record<string, string>;

export type FrontDoor = 'http-api' | 'rest-api' | 'function-url' | 'none';

/** Tags of a stage as the deploy writes them (repository acme/shop unless told). */
export function tagsFor(project: string, stage: string, repository = 'acme/shop'): Tags {
  return stageTags({
    project,
    stage,
    repository,
    ref: stage.startsWith('pr-') ? `pull/${stage.slice(3)}` : stage,
  });
}

export interface DeployedStage {
  functionName: string;
  /** The HTTP API's ApiId or the REST API's id. */
  apiId?: string;
  /** The REST API's stage, named after the stage. */
  restStage?: string;
  usagePlanId?: string;
  apiKeyId?: string;
  ruleName?: string;
}

export interface DeployedStageOptions {
  project: string;
  stage: string;
  gateway: FrontDoor;
  keepWarm?: boolean;
  /** The stage's tags (default: tagsFor(project, stage), with `ref`). */
  tags?: Tags;
  /** The lambda-deploy:ref tag, when not the stage's own. */
  ref?: string;
  /** The function's LastModified, as Lambda writes it (`2026-01-01T00:00:00.000+0000`). */
  lastModified?: string;
  /** Its log group as Lambda made it for a stage deployed before the deploy made it: without tags. */
  untaggedLogGroup?: boolean;
}

export function seedDeployedStage(aws: FakeAws, options: DeployedStageOptions): DeployedStage {
  const name = functionName(options.project, options.stage);
  const tags = options.tags ?? {
    ...tagsFor(options.project, options.stage),
    ...(options.ref ? { 'lambda-deploy:ref': options.ref } : {}),
  };
  const fn = aws.seed.function(name, { alias: 'live', tags });
  if (options.lastModified) fn.latest.LastModified = options.lastModified;
  // As the deploy makes it; a stage deployed before that has an untagged one (`untaggedLogGroup`).
  aws.seed.logGroup(`/aws/lambda/${name}`, { tags: options.untaggedLogGroup ? {} : tags });
  const seeded: DeployedStage = { functionName: name };
  if (options.gateway === 'http-api') seeded.apiId = aws.seed.httpApi(name, tags).ApiId;
  if (options.gateway === 'rest-api') {
    seeded.restStage = restStageName(options.stage);
    seeded.apiId = aws.seed.restApi(name, tags, { stage: seeded.restStage }).id;
    seeded.apiKeyId = aws.seed.apiKey(name, tags).id;
    seeded.usagePlanId = aws.seed.usagePlan(
      name,
      tags,
      [{ apiId: seeded.apiId, stage: seeded.restStage }],
      [seeded.apiKeyId],
    ).id;
  }
  if (options.gateway === 'function-url') {
    const at = fn.latest.LastModified;
    fn.urls.set('live', {
      FunctionUrl: `https://${name.toLowerCase().replace(/[^a-z0-9]/g, '')}.lambda-url.${REGION}.on.aws/`,
      FunctionArn: `${fn.arn}:live`,
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
      CreationTime: at,
      LastModifiedTime: at,
    });
  }
  if (options.keepWarm) {
    seeded.ruleName = warmRuleName(name);
    aws.seed.rule(seeded.ruleName, { tags, targets: [{ Id: WARM_TARGET_ID, Arn: `${fn.arn}:live` }] });
  }
  return seeded;
}
