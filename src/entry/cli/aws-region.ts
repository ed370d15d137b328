import { sdkRegion } from '../../aws/clients.js';
import { errorMessage } from '../../util/retry.js';
import { UsageError } from './flags.js';

/** No flag, variable or profile gives a region (a usage error: exit 2). */
export class NoRegionError extends UsageError {}

/**
 * The region of a command that calls AWS when neither --aws-region nor
 * AWS_REGION / AWS_DEFAULT_REGION gives one: where the AWS SDK finds it, as
 * the aws CLI does (the profile's `region`). Undefined when the flag or a
 * variable gives it (the settings read those). The action never asks: its
 * region is its input or the runner's environment.
 */
export async function profileRegion(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if (flag || env.AWS_REGION || env.AWS_DEFAULT_REGION) return undefined;
  const profile = env.AWS_PROFILE || 'default';
  const file = env.AWS_CONFIG_FILE || '~/.aws/config';
  let region: string | undefined;
  try {
    region = await sdkRegion();
  } catch (error) {
    throw new UsageError(
      `--aws-region: is not set, and the region of AWS profile "${profile}" (${file}) is not usable: ` +
        `${errorMessage(error).replace(/\.$/, '')}; expected a region like eu-west-1`,
    );
  }
  if (!region)
    throw new NoRegionError(
      `--aws-region: is not set, nor AWS_REGION / AWS_DEFAULT_REGION, nor a region of AWS profile "${profile}" ` +
        `(${file}); expected a region like eu-west-1: --aws-region eu-west-1, or region = eu-west-1 ` +
        `under [${profile === 'default' ? 'default' : `profile ${profile}`}] in ${file}`,
    );
  return region;
}
