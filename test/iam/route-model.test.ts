/**
 * The reusable workflow's route job (real bash, test/support/workflow-runner.ts) against the
 * model setup's roles and the action take it from (src/model/production-branches.ts, the plan),
 * for many generated protected-stages, branches and stage inputs: case, blanks, commas and lines,
 * `#` entries, Unicode. A disagreement is a push the trust or the action judges otherwise.
 */
import { describe, expect, it } from '@jest/globals';
import { makePlan, ProtectedStageFromBranchError } from '../../src/model/plan.js';
import { productionBranches, routeStages } from '../../src/model/production-branches.js';
import { InputReader } from '../../src/settings/input-reader.js';
import { protectedStageEntries, readProtectedStages } from '../../src/settings/stage-lifecycle.js';
import { eventContext } from '../support/github-context.js';
import { runWorkflow } from '../support/workflow-runner.js';

const ENTRIES = [
  'main',
  'Main',
  ' master ',
  'prod',
  'PROD',
  'Production',
  'Release/1.x',
  'Release',
  'staging',
  '# main',
  '#staging',
  '',
  '\u00a0dev\u00a0',
  '\u212aube',
  'main\r',
  '\tqa\u3000',
  'İx',
  'ſtaging',
];
const BRANCHES = [
  'main',
  'Main',
  'master',
  'prod',
  'Prod',
  'production',
  'release',
  'Release',
  'Release/1.x',
  'release/1.x',
  'staging',
  'dev',
  'kube',
  '\u212aube',
  'qa',
  'feature/x',
  '#main',
  'ix',
  'staging\u00a0x',
];
const STAGES = [
  '',
  'prod',
  ' prod\n',
  '\u00a0dev',
  'main\r\n',
  ' ',
  'main',
  'staging',
  'dev',
  'kube',
  'qa',
  'release',
  'production',
  'x',
];

/** A small deterministic generator: the same cases every run. */
function generator(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s % n;
  };
}

describe('the route job and production-branches.ts agree', () => {
  it('for generated protected-stages, branches and stage inputs', () => {
    const next = generator(7);
    const pick = <T>(list: readonly T[]) => list[next(list.length)] as T;
    const disagreements: unknown[] = [];
    for (let i = 0; i < 120; i++) {
      const written = Array.from({ length: 1 + next(4) }, () => pick(ENTRIES)).join(next(2) ? ',' : '\n');
      const branch = pick(BRANCHES);
      const stageInput = next(2) ? '' : pick(STAGES);
      const inputs = { 'protected-stages': written, ...(stageInput && { stage: stageInput }) };
      const reader = new InputReader((name) => inputs[name as keyof typeof inputs]);
      const entries = protectedStageEntries(reader);
      const runs = runWorkflow(
        { name: 'push', branch },
        { 'production-role': 'arn:production', 'preview-role': 'arn:preview', ...inputs },
      );
      const route = runs.get('route')!;
      const isProductionBranch = productionBranches(entries).includes(branch);
      const stage = stageInput.trim() || branch;
      const stageProtected = routeStages(entries).includes(stage);
      const expected = {
        'branch-production': String(isProductionBranch),
        job:
          stageProtected && !isProductionBranch
            ? 'refused'
            : !stageProtected && isProductionBranch
              ? 'refused'
              : stageProtected
                ? 'deploy'
                : 'preview',
      };
      const job =
        route.result === 'failure'
          ? 'refused'
          : runs.get('deploy')?.result === 'success'
            ? 'deploy'
            : runs.get('preview')?.result === 'success'
              ? 'preview'
              : 'none';
      const actual = {
        'branch-production': route.outputs['branch-production'] ?? String(isProductionBranch),
        job,
      };
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        disagreements.push({ written, branch, stageInput, expected, actual });
      // The action behind the production job deploys there; behind the preview job it never deploys
      // a protected stage from this branch.
      if (job === 'deploy' || job === 'preview') {
        const settings = {
          command: 'deploy' as const,
          name: 'shop',
          stage: stageInput.trim() || undefined,
          protectedStages: readProtectedStages(reader),
          protectedStageEntries: entries,
        };
        const plan = () => makePlan(settings, eventContext('push', {}, `refs/heads/${branch}`));
        if (job === 'deploy') expect({ written, branch, stageInput, stage: plan().stage }).toBeTruthy();
        else if (settings.stage && settings.protectedStages.includes(settings.stage))
          expect(plan).toThrow(ProtectedStageFromBranchError);
      }
    }
    expect(disagreements).toEqual([]);
  });
});
