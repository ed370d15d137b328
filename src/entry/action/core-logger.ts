import * as core from '@actions/core';
import { isShortSecret, redact, usableSecrets, withLines } from '../../util/redact.js';
import type { Logger } from '../../util/logger.js';
import { COMMAND_LIKE, inertLines } from '../../util/workflow-commands.js';

/** Values registered with the runner in this process: each is registered once. */
const registered = new Set<string>();

/** What this step registered with the runner: GitHub drops a job output that holds one (see output-masks). */
export const registeredSecrets = (): string[] => [...registered];

/**
 * Registers a secret with the runner (`::add-mask::`), once however often it is met. Not one
 * shorter than MIN_SECRET_LENGTH (a short one a name makes secret, see MIN_NAMED_SECRET_LENGTH):
 * the runner would star it inside every word and number of the job's log that holds it (its stars
 * then telling it: `***istrator`) and GitHub would drop every job output holding it; the logger
 * hides it from our lines as a word, and a value from the secrets context the runner masks anyway.
 */
export function registerSecret(secret: string): void {
  if (!secret || isShortSecret(secret) || registered.has(secret)) return;
  registered.add(secret);
  core.setSecret(secret);
}

/** Prints `text` between stop-commands and a random token: shown as it is, and the runner runs none of it. */
function printInert(text: string): void {
  for (const line of inertLines(text)) core.info(line);
}

/**
 * The pipelines' Logger, backed by the runner's workflow commands. Masked
 * values and secret shapes are also replaced here: the runner hides only
 * registered values, and only in its own view of the log.
 */
export function coreLogger(): Logger {
  const secrets: string[] = [];
  const clean = (text: string) => redact(text, secrets);
  // Messages quote values others wrote (tags the preview role may set, read by prune with the
  // production role): one that starts like a workflow command is shown, never run.
  const inertWhenCommandLike = (text: string) =>
    COMMAND_LIKE.test(text) ? printInert(text) : core.info(text);
  return {
    info: (m) => inertWhenCommandLike(clean(m)),
    warning: (m) => core.warning(clean(m)),
    error: (m) => core.error(clean(m)),
    debug: (m) => core.debug(clean(m)),
    group: (title, fn) => core.group(clean(title), fn),
    mask: (secret) => {
      if (!secret) return;
      for (const value of withLines(secret)) {
        registerSecret(value);
        if (usableSecrets([value]).length && !secrets.includes(value)) secrets.push(value);
      }
    },
    // Between stop-commands and its random token the runner executes no `::command::` line.
    untrusted: (text) => printInert(clean(text)),
  };
}
