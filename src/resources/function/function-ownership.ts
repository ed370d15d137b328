/** Whose an existing function of the stage's name is, and what this run may do with it. Pure. */
import { cleanedRefNote, describeRef, otherRefOfStage } from '../../model/branch-stage-claim.js';
import { otherOwnerRefusal, ownerMismatch, TagKeys } from '../../model/tags.js';
import { AwsError } from '../../aws/aws-call.js';
import { Inputs } from '../../settings/names.js';
import { inputName, settingOf, type Surface } from '../../settings/surface.js';

/** What this run may do with an existing `{name}-{stage}` function. Pure. */
export type Ownership = { action: 'ours' } | { action: 'adopt' } | { action: 'refuse'; message: string };

/** `adopt: true` in a workflow; the CLI's switch `--adopt` in a terminal. */
export function adoptSetting(surface: Surface): string {
  return surface === 'terminal' ? inputName(surface, Inputs.Adopt) : settingOf(surface, Inputs.Adopt, 'true');
}

/**
 * Whether the function is this stage's: its project, stage and repository
 * tags (see ownerMismatch) must all be ours. A function without any
 * lambda-deploy tag (made by hand or another tool) is taken over only with
 * `adopt: true`; a function of another project, stage or repository never is.
 */
export function functionOwnership(
  name: string,
  tags: Record<string, string>,
  expected: Record<string, string>,
  adopt: boolean,
  surface: Surface = 'action',
): Ownership {
  const mismatch = ownerMismatch(tags, expected);
  if (!mismatch) return { action: 'ours' };
  const untagged = !Object.keys(tags).some((k) => k.startsWith('lambda-deploy:'));
  if (untagged) {
    if (adopt) return { action: 'adopt' };
    return {
      action: 'refuse',
      message:
        `Function ${name} exists but was not created by lambda-deploy (it has no lambda-deploy tags), so this deploy leaves it alone. ` +
        `${surface === 'terminal' ? 'Pass' : 'Set'} ${adoptSetting(surface)} to take it over (its code and configuration are replaced and it gets this stage's tags), or choose another name or stage.`,
    };
  }
  const other = otherOwnerRefusal(`Function ${name}`, tags, expected);
  if (other) return { action: 'refuse', message: other };
  if (tags[TagKeys.Name] === undefined)
    return {
      action: 'refuse',
      message: `Function ${name} belongs to no lambda-deploy project (it has no ${TagKeys.Name} tag), not ${expected[TagKeys.Name] ?? '?'}; choose another name or stage.`,
    };
  return {
    action: 'refuse',
    message: `Function ${name} is not stage ${expected[TagKeys.Stage] ?? '?'} of this project: it ${mismatch}; choose another name or stage.`,
  };
}

/**
 * A function of the stage's name that exists (CreateFunction said so) but that
 * this role may not read: no lambda-deploy:name tag, which the preview role's
 * policy refuses. Worded like functionOwnership's refusal of an untagged one.
 */
export function untaggedFunctionError(name: string, surface: Surface): AwsError {
  return new AwsError(
    `Function ${name} exists but was not created by lambda-deploy (it has no ${TagKeys.Name} tag), so this deploy ` +
      'leaves it alone: nothing was created or changed. This role may neither read nor change it ' +
      "(the preview role's policy keeps pull requests off every function named like the project without that tag). " +
      `Choose another name or stage, or deploy with the production role and ${adoptSetting(surface)} to take it over.`,
    'FunctionNotOwned',
  );
}

/**
 * The refusal of a stage derived from `branch`'s name whose function (`tags`)
 * was last deployed for another ref (see otherRefOfStage), or undefined.
 * Before anything is written: the deploy would replace the other's stage.
 */
export function otherBranchStageError(
  name: string,
  tags: Record<string, string>,
  branch: string,
  surface: Surface = 'action',
): AwsError | undefined {
  const stage = tags[TagKeys.Stage];
  const other = otherRefOfStage(tags[TagKeys.Ref], branch, stage);
  if (other === undefined || stage === undefined) return undefined;
  const project = tags[TagKeys.Name] ?? '?';
  const setStage =
    surface === 'terminal'
      ? `pass ${inputName(surface, Inputs.Stage)} with`
      : `set the ${Inputs.Stage} input to`;
  return new AwsError(
    `Stage ${stage} was last deployed for ${describeRef(other)}, not for branch '${branch}' (function ${name}, tag ${TagKeys.Ref}${cleanedRefNote(other, stage)}), ` +
      `whose name comes out as the same stage: deploying would replace the other's, so nothing of it was changed. ` +
      `To deploy branch '${branch}', remove stage ${stage} first ("npx github:org/lambda-deploy undeploy --name ${project} --stage ${stage}"), ` +
      `or ${setStage} a stage of this branch's own.`,
    'StageOfAnotherRef',
  );
}
