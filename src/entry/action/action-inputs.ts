import * as core from '@actions/core';
import { readSettings } from '../../settings/settings.js';
import { type Settings } from '../../model/settings.js';
import { registerSecret } from './core-logger.js';

/** Settings from the step's `with:` inputs. The only caller of core.getInput. */
export function readActionSettings(env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): Settings {
  const settings = readSettings((name) => core.getInput(name), env, 'action', { now });
  if (settings.runtimeWarning) core.warning(settings.runtimeWarning);
  if (settings.handlerNote) core.info(settings.handlerNote);
  // A token is a secret whichever way it arrived.
  if (settings.githubToken) registerSecret(settings.githubToken);
  return settings;
}
