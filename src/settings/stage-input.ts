/**
 * What an invalid `stage` should have been: its cleaned form, unless that is
 * a protected stage, which is named as one rather than offered; and the stage
 * a branch of that name gets, which differs (it carries a hash), so neither
 * suggestion points at another stage silently.
 */
import { protectedListSource } from '../model/protected-stages.js';
import { branchStage, cleanedStage } from '../model/stage-name.js';
import { Inputs } from './names.js';
import { settingOf, type Surface } from './surface.js';

const FORM = 'up to 40 lower-case letters, digits and inner hyphens';
/** A value that may be a git branch's name, short enough to repeat in a message. */
const BRANCH_LIKE = /^[\w./@+-]{1,100}$/;

/** The `expected ...` of the problem with an invalid stage. Pure. */
export function stageExpected(
  value: string,
  protectedStages: readonly string[],
  surface: Surface,
  protectedGiven: boolean,
): string {
  const cleaned = cleanedStage(value);
  if (!cleaned) return `${FORM}, like "staging" or "pr-42"`;
  const use = settingOf(surface, Inputs.Stage, cleaned);
  const branch = BRANCH_LIKE.test(value)
    ? ` (a branch named ${value} gets the stage ${branchStage(value)})`
    : '';
  // A stage input shares its stage on purpose: say whose stage the suggestion already is.
  const pull = /^pr-(\d+)$/.exec(cleaned);
  const whose = pull ? `pull request #${pull[1]}'s preview` : `branch ${cleaned}`;
  if (!protectedStages.includes(cleaned)) return `${FORM}, like ${use}, also the stage of ${whose}${branch}`;
  const list = protectedListSource(protectedStages, surface, protectedGiven);
  return `${FORM}; its cleaned form ${cleaned} is a protected stage (${list}): ${use} only to mean that stage${branch}`;
}
