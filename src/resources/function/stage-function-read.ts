/**
 * Reading the stage's function and its `live` alias before a deploy changes
 * anything, and refusing one that is not this stage's.
 */
import {
  GetFunctionCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { TagKeys } from '../../model/tags.js';
import { indexedTags, type IndexedTags } from '../stage/indexed-tags.js';
import { type AwsDeps, AwsError, callAws, isAccessDenied, isNotRoleDeny } from '../../aws/aws-call.js';
import { together } from '../../aws/together.js';
import { adoptSetting, functionOwnership, otherBranchStageError } from './function-ownership.js';
import { readAlias } from './function-alias.js';
import { isNotFound } from './function-wait.js';

export async function readFunction(
  lambda: LambdaClient,
  functionName: string,
  deps: AwsDeps,
): Promise<{ config: FunctionConfiguration; tags: Record<string, string> } | undefined> {
  try {
    const r = await callAws(
      deps,
      {
        what: `read function ${functionName}`,
        permission: 'lambda:GetFunction',
        // The generated policies grant reads only on functions tagged for this project.
        deniedHint: `A function of that name deployed by another lambda-deploy project (tag ${TagKeys.Name}) is refused the same way: if one exists, choose another stage or project name.`,
        passThrough: isNotFound,
      },
      () => lambda.send(new GetFunctionCommand({ FunctionName: functionName })),
    );
    if (!r.Configuration)
      throw new AwsError(`Could not read function ${functionName}: no configuration`, 'Empty');
    return { config: r.Configuration, tags: r.Tags ?? {} };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The stage's function (undefined when there is none yet) and its `live` alias, as read before any change. */
export interface StageFunction {
  existing?: { config: FunctionConfiguration; tags: Record<string, string> };
  alias?: AliasConfiguration;
  /**
   * Reading it was refused and the tagging index names no lambda-deploy owner:
   * taken as not there. The preview role's policy refuses every function of the
   * project's name without a lambda-deploy:name tag, and one that does not exist
   * has none, so a new preview stage reads so; CreateFunction then tells.
   */
  unseen?: true;
}

/** What readStageFunction needs to know about the stage's function. */
export interface StageFunctionQuery {
  functionName: string;
  tags: Record<string, string>;
  adopt?: boolean;
  /** Asked when the function may not be read: whose it is, without reading it. */
  indexedTags?: IndexedTags;
  /** The branch the stage was derived from (Plan.stageBranch): a function last deployed for another ref is refused. */
  stageBranch?: string;
}

/**
 * Reads the stage's function and alias, and refuses one that is not this
 * stage's (see functionOwnership) before anything is uploaded or changed.
 */
export async function readStageFunction(
  lambda: LambdaClient,
  input: StageFunctionQuery,
  deps: AwsDeps,
): Promise<StageFunction> {
  const name = input.functionName;
  let existing: StageFunction['existing'];
  let alias: AliasConfiguration | undefined;
  try {
    // Independent reads: together they are one round trip of waiting.
    [existing, alias] = await together(
      deps,
      () => readFunction(lambda, name, deps),
      () => readAlias(lambda, name, deps),
    );
  } catch (error) {
    const explained = await explainDeniedRead(error, input);
    if (explained !== UNSEEN) throw explained;
    deps.logger.info(
      `Function ${name} may not be read by this role and the tagging index names no lambda-deploy owner: ` +
        'taken as not there yet (creating it tells)',
    );
    return { unseen: true };
  }
  if (existing) {
    const surface = deps.surface ?? 'action';
    const ownership = functionOwnership(name, existing.tags, input.tags, input.adopt ?? false, surface);
    if (ownership.action === 'refuse') throw new AwsError(ownership.message, 'FunctionNotOwned');
    if (ownership.action === 'adopt')
      deps.logger.warning(
        `Function ${name} was not deployed by lambda-deploy; adopting it (${adoptSetting(surface)})`,
      );
    // Read here anyway: another branch's stage costs no request to tell.
    const taken = input.stageBranch && otherBranchStageError(name, existing.tags, input.stageBranch, surface);
    if (taken) throw taken;
  }
  return { existing, alias };
}

/** The function's tags as the tagging index lists them (tag:GetResources by ARN), whoever may read the function. */
export function indexedFunctionTags(
  tagging: ResourceGroupsTaggingAPIClient,
  functionArn: string,
  deps: AwsDeps,
): IndexedTags {
  return indexedTags(tagging, `function ${functionArn}`, functionArn, deps);
}

const UNSEEN = Symbol('unseen');

/**
 * A denied read of the stage's function. The generated policies let the
 * deploy read only functions this project may own, so the function may be
 * another project's (`api` stage `v2-main` and `api-v2` stage `main` are
 * both `api-v2-main`): the tagging index tells whose, and the run is refused
 * in the words a readable function would get. One the index lists without a
 * lambda-deploy:name tag, or not at all, is UNSEEN when an explicit Deny refused
 * it: the preview role's policy refuses those, and a function that does not
 * exist yet looks the same to IAM. A function that is ours, a denial AWS words
 * as a missing Allow, or an index that does not answer, leaves the denial as it
 * is (a permission really missing).
 */
async function explainDeniedRead(error: unknown, input: StageFunctionQuery): Promise<unknown> {
  if (!input.indexedTags || !isAccessDenied(error)) return error;
  let tags: Record<string, string> | undefined;
  try {
    tags = await input.indexedTags();
  } catch {
    return error;
  }
  // Only the role's Deny refuses a function without the tag: anything else is a permission to fix.
  if (tags?.[TagKeys.Name] === undefined) return isNotRoleDeny(error) ? error : UNSEEN;
  // adopt: an untagged function is not what the denial is about, so only a lambda-deploy owner
  // that is not this stage turns the denial into a refusal.
  const ownership = functionOwnership(input.functionName, tags, input.tags, true);
  if (ownership.action !== 'refuse') return error;
  return new AwsError(
    `${ownership.message} (Reading it was refused, as for any function of another project: its tags come from the tagging index.)`,
    'FunctionNotOwned',
    { cause: error },
  );
}
