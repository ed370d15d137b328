import type { CliCommand } from '../command.js';
import { deployCommand } from './deploy.js';
import { initCommand } from './init.js';
import { logsCommand } from './logs.js';
import { packageCommand } from './package.js';
import { policyCommand } from './policy.js';
import { serveCommand } from './serve.js';
import { setupCommand } from './setup.js';
import { statusCommand } from './status.js';
import { undeployCommand } from './undeploy.js';

/** Every command, in the order the help lists them. A new command is a module added here. */
export const COMMANDS: readonly CliCommand[] = [
  serveCommand,
  packageCommand,
  deployCommand,
  undeployCommand,
  logsCommand,
  statusCommand,
  policyCommand,
  setupCommand,
  initCommand,
];
