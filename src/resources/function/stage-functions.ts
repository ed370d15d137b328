/**
 * A stage's functions and their URLs, as undeploy finds and removes them:
 * the expected name and every function the tagging API lists for the
 * stage, each kept only when its own tags agree.
 */
import {
  DeleteFunctionCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionCommand,
  ListFunctionUrlConfigsCommand,
} from '@aws-sdk/client-lambda';
import { allPages } from '../../aws/all-pages.js';
import { findAws, hasErrorName, isAccessDenied, isNotRoleDeny, type RetryDeps } from '../../aws/aws-call.js';
import { DEPLOYING_TAG, tagTime, TagKeys } from '../../model/tags.js';
import {
  removalCall,
  removeOrGone,
  type CleanupClients,
  type Labelled,
  type StageSearch,
} from '../stage/stage-search.js';

export interface FoundFunction extends Labelled {
  name: string;
  arn: string;
  /** ISO time of the last code or configuration change. */
  lastModified?: string;
  /** Its lambda-deploy:ref tag: the branch or `pull/{number}` the last deploy was for. */
  ref?: string;
  /** When a deploy that has not finished started (its lambda-deploy:deploying tag). */
  deployingSince?: Date;
  /** Lambda is applying an update to it (State Pending, LastUpdateStatus InProgress). */
  updating: boolean;
}

export interface FoundFunctionUrl extends Labelled {
  functionName: string;
  /** `live` for ours; undefined for a URL on the unqualified function. */
  qualifier?: string;
}

export interface StageFunctions {
  functions: FoundFunction[];
  functionUrls: FoundFunctionUrl[];
  /** Functions that have the name but not the tags, with the reason: their log groups are not ours either. */
  notOurs: Map<string, string>;
}

const UNREADABLE = `it does not exist, or it has no ${TagKeys.Name} tag and is not lambda-deploy's`;

/** The stage's functions (expected name and tagged ones, by their own tags) and their URLs. */
export async function findStageFunctions(search: StageSearch): Promise<StageFunctions> {
  const { clients, deps, target } = search;
  const found: StageFunctions = { functions: [], functionUrls: [], notOurs: new Map() };
  for (const name of new Set([target.functionName, ...search.tagged.functions])) {
    let fn;
    try {
      fn = await findAws(deps, removalCall(`read function ${name}`, 'lambda:GetFunction'), () =>
        clients.lambda.send(new GetFunctionCommand({ FunctionName: name })),
      );
    } catch (error) {
      // The preview role may not read a function without the lambda-deploy:name tag, nor one that
      // does not exist (IAM sees no tags on either): not this stage's, unless the index lists it so.
      if (!isAccessDenied(error) || isNotRoleDeny(error) || search.tagged.functions.has(name)) throw error;
      deps.logger.info(`Function ${name} may not be read by this role (${UNREADABLE}): left alone`);
      found.notOurs.set(name, UNREADABLE);
      continue;
    }
    if (!fn?.Configuration) continue;
    const label = `function ${name}`;
    if (!search.belongs(label, fn.Tags, name !== target.functionName)) {
      found.notOurs.set(name, search.skipped.at(-1)?.why ?? '');
      continue;
    }
    found.functions.push({
      label,
      name,
      arn: fn.Configuration.FunctionArn ?? '',
      lastModified: fn.Configuration.LastModified,
      ref: fn.Tags?.[TagKeys.Ref],
      deployingSince: tagTime(fn.Tags?.[DEPLOYING_TAG]),
      updating: fn.Configuration.State === 'Pending' || fn.Configuration.LastUpdateStatus === 'InProgress',
    });
  }
  for (const fn of found.functions) found.functionUrls.push(...(await functionUrls(clients, fn, deps)));
  return found;
}

async function functionUrls(
  clients: CleanupClients,
  fn: FoundFunction,
  deps: RetryDeps,
): Promise<FoundFunctionUrl[]> {
  const urls = await allPages(
    (marker) =>
      findAws(
        deps,
        removalCall(`list the function URLs of ${fn.label}`, 'lambda:ListFunctionUrlConfigs'),
        () =>
          clients.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: fn.name, Marker: marker })),
      ),
    (page) => page?.FunctionUrlConfigs,
    (page) => page?.NextMarker,
  );
  return urls.map((url) => {
    const qualifier = parseQualifier(url.FunctionArn ?? '', fn.name);
    return {
      label: `function URL of ${fn.name}${qualifier ? `:${qualifier}` : ''}`,
      functionName: fn.name,
      qualifier,
    };
  });
}

/** `arn:...:function:name:live` -> live; the unqualified ARN -> undefined. */
function parseQualifier(functionArn: string, name: string): string | undefined {
  const marker = `:function:${name}:`;
  const at = functionArn.indexOf(marker);
  return at >= 0 ? functionArn.slice(at + marker.length) || undefined : undefined;
}

/** Removes a function URL; false when it was already gone. */
export function removeFunctionUrl(
  clients: CleanupClients,
  url: FoundFunctionUrl,
  deps: RetryDeps,
): Promise<boolean> {
  return removeOrGone(deps, removalCall(`delete the ${url.label}`, 'lambda:DeleteFunctionUrlConfig'), () =>
    clients.lambda.send(
      new DeleteFunctionUrlConfigCommand({ FunctionName: url.functionName, Qualifier: url.qualifier }),
    ),
  );
}

/** Removes a function with its versions, aliases, permissions and URL configs; false when already gone. */
export function removeFunction(
  clients: CleanupClients,
  fn: FoundFunction,
  deps: RetryDeps,
): Promise<boolean> {
  return removeOrGone(
    deps,
    removalCall(`delete ${fn.label}`, 'lambda:DeleteFunction', {
      // An update in progress: wait it out.
      retryable: (error) => hasErrorName(error, 'ResourceConflictException'),
    }),
    () => clients.lambda.send(new DeleteFunctionCommand({ FunctionName: fn.name })),
  );
}
