/** The command, name and stage inputs. */
import type { Command } from '../model/settings.js';
import type { Checked, InputReader } from './input-reader.js';
import { Inputs } from './names.js';
import { readProtectedStages } from './stage-lifecycle.js';
import { stageExpected } from './stage-input.js';

const PROJECT_NAME = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;
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
  else if (!PROJECT_NAME.test(name))
    r.bad(Inputs.Name, 'a letter followed by up to 39 letters, digits or hyphens, like "my-service"');
  const stage = r.value(Inputs.Stage) || undefined;
  if (stage !== undefined && !STAGE.test(stage))
    r.bad(
      Inputs.Stage,
      stageExpected(stage, readProtectedStages(r), r.surface, r.given(Inputs.ProtectedStages)),
    );
  return { command, name, stage };
}
