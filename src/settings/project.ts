/** The command, name and stage inputs. */
import type { Command } from '../model/settings.js';
import type { Checked, InputReader } from './input-reader.js';
import { Inputs } from './names.js';
import { readProtectedStages } from './stage-lifecycle.js';
import { stageExpected } from './stage-input.js';

const PROJECT_NAME = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;
/** PROJECT_NAME in words, for the errors that name the input. */
export const PROJECT_NAME_FORM =
  'a letter followed by up to 39 letters, digits or hyphens, like "my-service"';
const STAGE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** What to run, for which project and stage. */
export function readProject(r: InputReader): Checked<'command' | 'name' | 'stage'> {
  const command = r.oneOf<Command>(Inputs.Command, [
    'auto',
    'deploy',
    'undeploy',
    'package',
    'prune',
    'report',
  ]);
  const name = r.value(Inputs.Name);
  if (!name) r.problem(`${Inputs.Name}: is required; expected a project name like "my-service".`);
  else if (!PROJECT_NAME.test(name)) r.bad(Inputs.Name, PROJECT_NAME_FORM);
  const stage = r.value(Inputs.Stage) || undefined;
  if (stage !== undefined && !STAGE.test(stage))
    r.bad(
      Inputs.Stage,
      stageExpected(stage, readProtectedStages(r), r.surface, r.given(Inputs.ProtectedStages)),
    );
  return { command, name, stage };
}

/**
 * A package's or a Python distribution's name as a project name (pure): an npm scope (`@acme/`)
 * dropped, and "_", "." and "~", which npm and PyPI allow, made "-"; `name` undefined when that is
 * still no project name (`1st-api`), and `changes` says what was done.
 */
export function projectNameOf(declared: string): { name: string | undefined; changes: string[] } {
  const unscoped = declared.replace(/^@[^/]*\//, '');
  const swapped = [...new Set(unscoped.match(/[._~]/g))].map((c) => `"${c}"`);
  const name = unscoped.replace(/[._~]/g, '-');
  const changes = [
    ...(unscoped === declared ? [] : ['its scope dropped']),
    ...(swapped.length ? [`its ${swapped.join(' and ')} made "-"`] : []),
  ];
  return { name: PROJECT_NAME.test(name) ? name : undefined, changes };
}
