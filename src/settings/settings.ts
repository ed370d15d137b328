/** The one entry to the inputs: readSettings reads and checks every group of inputs (a file each) into one Settings. */
import type { Settings } from '../model/settings.js';
import { readAws } from './aws-account.js';
import { readDependencies } from './dependencies.js';
import { readEntryPoint } from './entry-point.js';
import { readExtras } from './extras.js';
import { readFrontDoor, readInvokeMode } from './front-door.js';
import { checkLayersTogether, readFunctionConfig } from './function-config.js';
import { InputReader, type InputSource } from './input-reader.js';
import { splitList } from './input-lists.js';
import { Inputs } from './names.js';
import { readProject } from './project.js';
import { checkRuntimeSchedule, type RuntimeClock } from './runtime-schedule-check.js';
import { readSmoke } from './smoke-and-rollback.js';
import { readSource, type SourceRoot } from './source-folder.js';
import { readLifecycle } from './stage-lifecycle.js';
import type { Surface } from './surface.js';

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1
        ? `Invalid input: ${problems[0]}`
        : `${problems.length} invalid inputs:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'SettingsError';
  }
}

/**
 * Reads and validates every input, one concern at a time. All problems are
 * collected and thrown together as a SettingsError, so a user fixes them in
 * one run.
 *
 * @param read  raw inputs (empty or undefined means "not set")
 * @param env   process environment, for AWS_REGION and the workspace
 * @param surface  who reads the problems: the action's inputs, or the CLI's flags
 * @param root  where `path` starts when not the workspace (init's --dir)
 */
export function readSettings(
  read: InputSource,
  env: NodeJS.ProcessEnv = process.env,
  surface: Surface = 'action',
  clock?: RuntimeClock,
  root?: SourceRoot,
): Settings {
  const r = new InputReader(read, surface);
  const project = readProject(r);
  const source = readSource(r, env, root);
  const entryPoint = readEntryPoint(r, source);
  const functionConfig = readFunctionConfig(r);
  const dependencies = readDependencies(r, source, entryPoint.runtime);
  const aws = readAws(r, env);
  const frontDoor = readFrontDoor(r);
  const invokeMode = readInvokeMode(r, frontDoor.gateway, entryPoint.runtime);
  const smoke = readSmoke(r);
  const lifecycle = readLifecycle(r, env);
  const extras = readExtras(r, entryPoint.runtime);
  checkLayersTogether(r, functionConfig.layers, extras.dependenciesLayer, aws.awsRegion);
  const schedule = clock && checkRuntimeSchedule(r, entryPoint.runtime, lifecycle.target, clock);
  if (r.problems.length) throw new SettingsError(r.problems);
  return {
    ...project,
    path: source.path,
    workspace: source.workspace,
    ...entryPoint,
    ...schedule,
    ...functionConfig,
    ...dependencies,
    include: extras.include,
    exclude: splitList(r.value(Inputs.Exclude)),
    ...aws,
    audience: r.value(Inputs.Audience),
    ...frontDoor,
    invokeMode,
    ...smoke,
    ...lifecycle,
    keepWarm: extras.keepWarm,
    provisionedConcurrency: extras.provisionedConcurrency,
    dependenciesLayer: extras.dependenciesLayer,
    slim: extras.slim,
    adopt: extras.adopt,
    report: r.value(Inputs.Report),
    reportUrl: r.value(Inputs.ReportUrl),
    reportResult: r.value(Inputs.ReportResult),
  };
}
