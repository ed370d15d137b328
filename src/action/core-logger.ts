import * as core from '@actions/core';
import type { Logger } from '../util/logger.js';

/** The pipelines' Logger, backed by the runner's workflow commands. */
export function coreLogger(): Logger {
  return {
    info: (m) => core.info(m),
    warning: (m) => core.warning(m),
    error: (m) => core.error(m),
    debug: (m) => core.debug(m),
    group: (title, fn) => core.group(title, fn),
    mask: (secret) => {
      if (secret) core.setSecret(secret);
    },
  };
}
