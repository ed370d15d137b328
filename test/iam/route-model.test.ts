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

const ROLES = { 'production-role': 'arn:production', 'preview-role': 'arn:preview' };

/** Cases each run: those the generator may miss. */
const FIXED: [string, string, string][] = [
  ['\u212aube', 'kube', ''],
  ['main,\u212aube', 'main', 'kube'],
  ['\u00a0dev\u00a0', 'dev', ''],
  ['main', 'main', ' prod\n'],
  ['main', 'feature/x', '\u00a0prod'],
  ['# main, staging', 'staging', ''],
  ['main\r\nprod', 'feature/x', 'prod\r\n'],
  ['Release', 'release', ''],
  ['main,PROD', 'PROD', ''],
  // Blank: the action's default list (an unset variable passed as protected-stages).
  ['', 'main', ''],
  [' \u00a0\n', 'main', 'prod'],
  ['\u3000', 'feature/x', 'prod'],
  ['\t', 'prod', ''],
];

/** What the route job did with a push, against what the model says; undefined when they agree. */
function disagreement(written: string, branch: string, stageInput: string, cleanup: boolean): unknown {
  const inputs = { 'protected-stages': written, ...(stageInput && { stage: stageInput }) };
  const reader = new InputReader((name) => inputs[name as keyof typeof inputs]);
  const entries = protectedStageEntries(reader);
  const runs = runWorkflow({ name: 'push', branch }, { ...ROLES, ...inputs });
  const route = runs.get('route')!;
  const isProductionBranch = productionBranches(entries).includes(branch);
  const stageProtected = routeStages(entries).includes(stageInput.trim() || branch);
  // A protected stage from another branch, or another stage from a production branch (the preview
  // role does not trust it): refused.
  const expected = {
    'branch-production': String(isProductionBranch),
    job: stageProtected !== isProductionBranch ? 'refused' : stageProtected ? 'deploy' : 'preview',
  };
  const ran = (job: string) => runs.get(job)?.result === 'success';
  const job =
    route.result === 'failure' ? 'refused' : ran('deploy') ? 'deploy' : ran('preview') ? 'preview' : 'none';
  const actual = {
    'branch-production': route.outputs['branch-production'] ?? String(isProductionBranch),
    job,
  };
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    return { written, branch, stageInput, expected, actual };
  // Cleanup on a default branch of that name: the role whose trust has it.
  if (cleanup) {
    const said = runWorkflow({ name: 'schedule', defaultBranch: branch }, { ...ROLES, ...inputs }).get(
      'route',
    )!.outputs['branch-production'];
    if (said !== String(isProductionBranch)) return { written, schedule: branch, isProductionBranch, said };
  }
  // The action behind the production job deploys there; behind the preview job it never deploys a
  // protected stage from this branch.
  const settings = {
    command: 'deploy' as const,
    name: 'shop',
    stage: stageInput.trim() || undefined,
    protectedStages: readProtectedStages(reader),
    protectedStageEntries: entries,
  };
  const plan = () => makePlan(settings, eventContext('push', {}, `refs/heads/${branch}`));
  if (job === 'deploy') expect(plan().stage).toBeTruthy();
  else if (job === 'preview' && settings.stage && settings.protectedStages.includes(settings.stage))
    expect(plan).toThrow(ProtectedStageFromBranchError);
  return undefined;
}

describe('the route job and production-branches.ts agree', () => {
  it('for generated protected-stages, branches and stage inputs', () => {
    const next = generator(7);
    const pick = <T>(list: readonly T[]) => list[next(list.length)] as T;
    const generated = Array.from({ length: 110 }, (): [string, string, string] => [
      Array.from({ length: 1 + next(4) }, () => pick(ENTRIES)).join(next(2) ? ',' : '\n'),
      pick(BRANCHES),
      next(2) ? '' : pick(STAGES),
    ]);
    const disagreements = [...FIXED, ...generated]
      .map(([written, branch, stageInput], i) => disagreement(written, branch, stageInput, i % 3 === 0))
      .filter((d) => d !== undefined);
    expect(disagreements).toEqual([]);
  });
});
