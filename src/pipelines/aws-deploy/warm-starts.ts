import type { KeepWarmResult } from '../../resources/warm-up/keep-warm.js';
import {
  ensureProvisionedConcurrency,
  removeOwnProvisionedConcurrency,
} from '../../resources/warm-up/provisioned-concurrency.js';
import type { FunctionResult } from '../../resources/function/lambda-function.js';
import type { Settings } from '../../model/settings.js';
import type { AwsSession } from '../aws-session.js';
import type { StageContext } from '../../model/stage-context.js';

/** keep-warm schedule and provisioned concurrency on `live`; returns notes for the summary (cost). */
export async function warmStarts(
  settings: Settings,
  context: StageContext,
  fn: FunctionResult,
  session: AwsSession,
  warm: KeepWarmResult,
): Promise<string[]> {
  const { clients, awsDeps } = session;
  const notes: string[] = [];
  if (warm.action !== 'none' && warm.action !== 'unchanged')
    awsDeps.logger.info(`Keep-warm rule ${warm.ruleName}: ${warm.action}`);
  if (settings.keepWarm) notes.push(`Kept warm by ${warm.ruleName} (${settings.keepWarm}).`);
  if (settings.provisionedConcurrency !== undefined) {
    const pc = await ensureProvisionedConcurrency(
      clients.lambda,
      {
        functionName: context.functionName,
        count: settings.provisionedConcurrency,
        memoryMb: settings.memory,
        architecture: settings.architecture,
      },
      awsDeps,
    );
    if (pc.costNote) notes.push(pc.costNote);
  } else {
    const { functionArn, previousTags } = fn;
    await removeOwnProvisionedConcurrency(
      clients.lambda,
      { functionName: context.functionName, functionArn, previousTags },
      awsDeps,
    );
  }
  return notes;
}
