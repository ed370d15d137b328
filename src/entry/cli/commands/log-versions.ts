/**
 * Which versions' environment values `logs` masks: every version whose lines
 * it prints. After a rollback `live` serves an older version, whose values
 * (a key rotated since) are not $LATEST's; a weighted alias serves two; and a
 * log window holds lines of versions `live` left. Lambda names each log
 * stream after the version that wrote it, so the versions are read as their
 * streams show up, those first seen together in one page at once.
 */
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';

/** The version a Lambda log stream's name carries: `2026/12/06/[3]ab12…`, `2026/12/06/shop-pr-3[$LATEST]ab12…`. Pure. */
export function streamVersion(stream: string | undefined): string | undefined {
  return /\[(\$LATEST|\d+)\][^/[\]]*$/.exec(stream ?? '')?.[1];
}

/** A version's environment variables ([name, value]: a name makes a short value a secret), or why they are unknown. */
export type VersionValues =
  { version?: string; values: [string, string][] } | { version?: string; unknown: string };

/** What a configuration says of its environment values; `what` names the version for the message. Pure. */
export function valuesOf(config: FunctionConfiguration | undefined, what: string): VersionValues {
  // Variables under a KMS key the caller may not use come back as an error instead.
  const error = config?.Environment?.Error;
  if (!error)
    return { version: config?.Version, values: Object.entries(config?.Environment?.Variables ?? {}) };
  const reason = `${error.ErrorCode ?? ''}: ${error.Message ?? ''}`.replace(/^: |: $/, '');
  return {
    version: config?.Version,
    unknown: `Could not read the environment variables of ${what} (${reason}; Lambda shows them to a caller with kms:Decrypt on the function's KMS key)`,
  };
}

/**
 * The values of the versions read so far, growing as lines of other versions
 * show up. `read` reads one version; a version whose
 * values stay unknown is said once through `warn`, and its lines are masked
 * with the other versions' values and the secret shapes.
 */
export class PrintedVersions {
  private readonly asked = new Set<string>();
  private readonly known: [string, string][] = [];

  constructor(
    private readonly read: (version: string) => Promise<VersionValues>,
    private readonly warn: (unknown: string) => void,
  ) {}

  /** Records what is known of a version read elsewhere (`$LATEST` with the tags, the alias's). */
  record(asked: string, found: VersionValues | undefined): void {
    for (const version of [asked, found?.version]) if (version) this.asked.add(version);
    if (!found) return;
    if ('values' in found) this.known.push(...found.values);
    else this.warn(found.unknown);
  }

  /** Reads the versions of `streams` not read yet, all at once. */
  async see(streams: readonly (string | undefined)[]): Promise<void> {
    const fresh = [...new Set(streams.map(streamVersion))].filter(
      (v): v is string => !!v && !this.asked.has(v),
    );
    for (const version of fresh) this.asked.add(version);
    const found = await Promise.all(fresh.map((version) => this.read(version)));
    fresh.forEach((version, i) => this.record(version, found[i]));
  }

  /** Every variable read so far. */
  get values(): readonly (readonly [string, string])[] {
    return this.known;
  }
}
