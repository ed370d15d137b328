import { createHash } from 'node:crypto';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';

/**
 * Pure decisions of the function deploy: what differs, which environment
 * variables to keep, and whether `live` already serves $LATEST. No I/O.
 */

export interface DesiredConfig {
  runtime: string;
  handler: string;
  memory: number;
  timeout: number;
  architecture: 'x86_64' | 'arm64';
  /** Order matters: later layers override earlier ones. */
  layers: string[];
  /** The variables the function should end up with (after planEnvironment). */
  environment: Record<string, string>;
  roleArn: string;
  description: string;
  /** /tmp in MB (slim packages); undefined leaves the function's as it is. */
  ephemeralStorage?: number;
  /** Set only to move the function's logs back to its own group (see strayLogGroup). */
  logGroup?: string;
}

/** Lambda's ephemeral storage when none is configured. */
export const DEFAULT_EPHEMERAL_STORAGE_MB = 512;

export type ConfigField =
  | 'runtime'
  | 'handler'
  | 'memory'
  | 'timeout'
  | 'layers'
  | 'environment'
  | 'role'
  | 'description'
  | 'ephemeral-storage'
  | 'log-group';

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

/**
 * The settings UpdateFunctionConfiguration must change. Architecture is not
 * here: it travels with the code (see codeNeedsUpdate).
 */
export function diffConfig(current: FunctionConfiguration, desired: DesiredConfig): ConfigField[] {
  const changed: ConfigField[] = [];
  if (current.Runtime !== desired.runtime) changed.push('runtime');
  if (current.Handler !== desired.handler) changed.push('handler');
  if (current.MemorySize !== desired.memory) changed.push('memory');
  if (current.Timeout !== desired.timeout) changed.push('timeout');
  const layers = (current.Layers ?? []).map((l) => l.Arn ?? '');
  if (layers.length !== desired.layers.length || layers.some((arn, i) => arn !== desired.layers[i])) {
    changed.push('layers');
  }
  if (!sameMap(current.Environment?.Variables ?? {}, desired.environment)) changed.push('environment');
  if (current.Role !== desired.roleArn) changed.push('role');
  if ((current.Description ?? '') !== desired.description) changed.push('description');
  if (
    desired.ephemeralStorage !== undefined &&
    (current.EphemeralStorage?.Size ?? DEFAULT_EPHEMERAL_STORAGE_MB) !== desired.ephemeralStorage
  )
    changed.push('ephemeral-storage');
  if (desired.logGroup !== undefined && current.LoggingConfig?.LogGroup !== desired.logGroup)
    changed.push('log-group');
  return changed;
}

/**
 * True when the function logs (LoggingConfig.LogGroup) to another function's
 * group of the project, `/aws/lambda/{project}-*`: every stage's execution
 * role may write there, and the preview role reads every such group of a
 * stage that is not protected, so a preview's credentials could have sent a
 * stage's logs (its production deploys' too, once protected) to a pull
 * request's group. The deploy sends them back to the function's own group; a
 * group outside the project's names is the owner's choice and stays.
 */
export function strayLogGroup(logGroup: string | undefined, functionName: string, project: string): boolean {
  return (
    logGroup !== undefined &&
    logGroup !== `/aws/lambda/${functionName}` &&
    logGroup.startsWith(`/aws/lambda/${project}-`)
  );
}

export function currentArchitecture(current: FunctionConfiguration): string {
  return current.Architectures?.[0] ?? 'x86_64';
}

/** UpdateFunctionCode is needed when the zip or the architecture differs. */
export function codeNeedsUpdate(
  current: FunctionConfiguration,
  codeSha256: string,
  architecture: string,
): boolean {
  return current.CodeSha256 !== codeSha256 || currentArchitecture(current) !== architecture;
}

/** Tag naming the environment variables the action set on the last deploy. */
export const ENV_TAG = 'lambda-deploy:env';
const TAG_VALUE_MAX = 256;

/**
 * The rule for variables on the function that the workflow does not set:
 * - a variable the workflow sets is managed: its value is the workflow's;
 * - a variable that exists only on the function is KEPT (someone set it
 *   outside the workflow: a secret pasted in the console, say), and named in
 *   the log;
 * - except when the action itself set it on an earlier deploy (its name is in
 *   the `lambda-deploy:env` tag) and the workflow no longer sets it: then it
 *   is REMOVED, so deleting a line from `environment` deletes the variable.
 * Names that do not fit the 256-character tag are not tracked, so they are
 * kept rather than removed later: the rule never loses data it is unsure of.
 */
export interface EnvironmentPlan {
  variables: Record<string, string>;
  /** On the function, not in the workflow, not set by us: kept. */
  kept: string[];
  /** Set by an earlier deploy, since removed from the workflow: removed. */
  removed: string[];
  /** Value for the ENV_TAG tag. */
  managedTag: string;
  /** Managed names that did not fit in the tag. */
  untracked: string[];
}

export function parseManagedTag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(/[\s,]+/).filter(Boolean);
}

/** Sorted names joined by spaces (commas are not allowed in tag values), whole names only, at most 256 characters. */
export function managedTagValue(names: string[]): { value: string; dropped: string[] } {
  let value = '';
  const dropped: string[] = [];
  for (const name of [...names].sort()) {
    const next = value ? `${value} ${name}` : name;
    if (next.length <= TAG_VALUE_MAX) value = next;
    else dropped.push(name);
  }
  return { value, dropped };
}

export function planEnvironment(
  current: Record<string, string>,
  wanted: Record<string, string>,
  previouslyManaged: string[] | undefined,
): EnvironmentPlan {
  const managedBefore = new Set(previouslyManaged ?? []);
  const variables: Record<string, string> = {};
  const kept: string[] = [];
  const removed: string[] = [];
  for (const [key, value] of Object.entries(current)) {
    if (Object.hasOwn(wanted, key)) continue;
    if (managedBefore.has(key)) removed.push(key);
    else {
      kept.push(key);
      variables[key] = value;
    }
  }
  Object.assign(variables, wanted);
  const { value, dropped } = managedTagValue(Object.keys(wanted));
  return { variables, kept: kept.sort(), removed: removed.sort(), managedTag: value, untracked: dropped };
}

/** The tags that are missing or differ on the function. */
export function tagsToUpdate(
  current: Record<string, string> | undefined,
  desired: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired)) if (current?.[key] !== value) out[key] = value;
  return out;
}

/**
 * A digest of what a version runs: code, runtime, handler, memory, timeout,
 * architecture, layers, environment (values included, hashed), role. Stored
 * in the `live` alias's description when it is pointed, so an unchanged
 * redeploy knows that `live` serves $LATEST without reading the version.
 */
export function configFingerprint(config: FunctionConfiguration): string {
  const env = config.Environment?.Variables ?? {};
  const canonical = JSON.stringify([
    config.CodeSha256 ?? '',
    config.Runtime ?? '',
    config.Handler ?? '',
    config.MemorySize ?? 0,
    config.Timeout ?? 0,
    currentArchitecture(config),
    (config.Layers ?? []).map((l) => l.Arn ?? ''),
    Object.keys(env)
      .sort()
      .map((k) => [k, env[k]]),
    config.Role ?? '',
    // Only when set: the fingerprints of functions at the default stay what they were.
    ...(config.EphemeralStorage?.Size && config.EphemeralStorage.Size !== DEFAULT_EPHEMERAL_STORAGE_MB
      ? [config.EphemeralStorage.Size]
      : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function aliasDescription(fingerprint: string): string {
  return `lambda-deploy fp=${fingerprint}`;
}

export function fingerprintOfAlias(description: string | undefined): string | undefined {
  return /\bfp=([0-9a-f]{16})\b/.exec(description ?? '')?.[1];
}

/**
 * Published versions to delete: all but the newest `keep`, and never the one
 * `live` points at or the previous one (rollback needs it).
 */
export function versionsToDelete(versions: string[], keep: number, protectedVersions: string[]): string[] {
  const numbered = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  const shield = new Set(protectedVersions.filter(Boolean));
  return numbered
    .slice(Math.max(keep, 0))
    .filter((v) => !shield.has(v))
    .sort((a, b) => Number(a) - Number(b));
}
