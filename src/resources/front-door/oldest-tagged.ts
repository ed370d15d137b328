import type { Logger } from '../../util/logger.js';

/**
 * The oldest of the APIs tagged for a stage. Two deploys racing can each make
 * one; the oldest is kept and the others are named for deletion.
 */
export function oldestTagged<T>(
  apis: T[],
  about: { kind: string; stage: string; logger: Logger },
  created: (api: T) => Date | undefined,
  id: (api: T) => string | undefined,
): T | undefined {
  const sorted = [...apis].sort((a, b) => (created(a)?.getTime() ?? 0) - (created(b)?.getTime() ?? 0));
  if (sorted.length > 1)
    about.logger.warning(
      `Stage ${about.stage} has ${sorted.length} ${about.kind} tagged for it (${sorted.map(id).join(', ')}); using the oldest, ${id(sorted[0] as T)}. Delete the others.`,
    );
  return sorted[0];
}
