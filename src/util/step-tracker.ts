import type { Logger } from './logger.js';

/** A Logger that also remembers which group a failure came out of, and what was masked. */
export interface StepTracker {
  logger: Logger;
  /** The groups (outermost first) that were running when `error` was thrown; [] when none. */
  failedIn(error: unknown): string[];
  /** Everything masked through the logger, for text the logger does not print (the job summary). */
  secrets(): string[];
}

/**
 * Wraps a logger so a failure can say where it happened ("Package ›
 * Installing requirements"): the group titles are the pipeline's own steps.
 * The path is taken where the error first leaves a group, before the
 * enclosing groups unwind.
 */
export function trackSteps(inner: Logger): StepTracker {
  const running: string[] = [];
  const failures = new WeakMap<object, string[]>();
  const masked: string[] = [];
  const logger: Logger = {
    info: (m) => inner.info(m),
    warning: (m) => inner.warning(m),
    error: (m) => inner.error(m),
    debug: (m) => inner.debug(m),
    untrusted: (text) => inner.untrusted(text),
    mask: (secret) => {
      if (secret) masked.push(secret);
      inner.mask(secret);
    },
    async group(title, fn) {
      running.push(title);
      try {
        return await inner.group(title, fn);
      } catch (error) {
        if (error && typeof error === 'object' && !failures.has(error)) failures.set(error, [...running]);
        throw error;
      } finally {
        running.pop();
      }
    },
  };
  return {
    logger,
    failedIn: (error) => (error && typeof error === 'object' ? (failures.get(error) ?? []) : []),
    secrets: () => [...masked],
  };
}
