import type { StageFunction } from '../../resources/function/stage-function-read.js';
import { strayLogGroup } from '../../resources/function/function-config.js';
import type { Logger } from '../../util/logger.js';
import { defaultLogGroup, logGroupArn } from '../../resources/logs/function-logs.js';
import { ensureFunctionLogGroup, type LogGroupInput } from '../../resources/logs/stage-logs.js';
import { indexedTags } from '../../resources/stage/indexed-tags.js';
import type { AwsSession } from '../aws-session.js';
import type { StageContext } from '../../model/stage-context.js';

/**
 * The stage's log group, tagged for it (see ensureFunctionLogGroup), made
 * before CreateFunction (alongside the upload) so that Lambda logs into it
 * rather than making one without tags; nothing when the function logs to a
 * group of its owner's choosing (LoggingConfig). A function this role may not
 * read (`unseen`: a new preview stage's) may be someone else's: its group is
 * made only once CreateFunction made it ours, while Lambda makes it Active
 * (`whenCreated`), so before anything can invoke it and with no round trip of
 * its own; a CreateFunction that fails leaves no group. Its lines go to
 * `logger`: the execution role's, at the head of the Function group.
 */
export function functionLogGroup(
  context: StageContext,
  session: AwsSession,
  current: StageFunction,
  logger: Logger,
): { before(): Promise<void>; whenCreated?: () => Promise<void> } {
  const name = defaultLogGroup(context.functionName);
  const own = current.existing?.config.LoggingConfig?.LogGroup;
  const ensure = async (whose: Pick<LogGroupInput, 'functionIsOurs' | 'functionExisted'>) => {
    // A stray group (another function's of the project) is left: the deploy sends the logs back here.
    if (own && own !== name && !strayLogGroup(own, context.functionName, context.project)) return;
    const arn = logGroupArn(context.region, session.accountId, name);
    const deps = { ...session.awsDeps, logger };
    const indexed = indexedTags(session.clients.tagging, `log group ${name}`, arn, deps);
    await ensureFunctionLogGroup(
      session.clients.logs,
      { name, arn, tags: context.tags, ...whose, indexedTags: indexed },
      deps,
    );
  };
  const existed = !!current.existing;
  if (current.unseen)
    return {
      before: async () => undefined,
      whenCreated: () => ensure({ functionIsOurs: true, functionExisted: false }),
    };
  return { before: () => ensure({ functionIsOurs: existed, functionExisted: existed }) };
}
