import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_PROTECTED_BRANCHES,
  productionBranches,
  routesToProduction,
  routeStages,
} from '../../src/model/production-branches.js';
import { DEFAULT_PROTECTED_STAGES } from '../../src/model/protected-stages.js';

describe('productionBranches: the branches the production job serves, from protected-stages', () => {
  it.each([
    ['the default list', DEFAULT_PROTECTED_STAGES, ['main', 'master']],
    // prod and production name stages (the stage input deploys them), never a branch production trusts.
    ['prod alone: no branch, so main is a preview', ['prod'], []],
    ['prod and production only', ['production', 'prod'], []],
    // The route job sends a push of staging to the production job: its role must trust it.
    ['a custom stage', ['main', 'staging', 'prod'], ['main', 'staging']],
    ['a custom stage without main', ['staging'], ['staging']],
    ['a branch with a slash', ['main', 'release/1.x'], ['main', 'release/1.x']],
    // The route compares the branch as it is with each entry as written, and lower-cased where that is a stage's form.
    ['case', ['Main', 'Release/1.X', 'PROD'], ['Main', 'main', 'Release/1.X']],
    ['blanks, comments and repeats', [' main ', '# staging', 'main', ''], ['main']],
  ])('%s: %j -> %j', (_, stages, branches) => {
    expect(productionBranches(stages)).toEqual(branches);
  });

  it('the default list gives the default protected branches', () => {
    expect(productionBranches(DEFAULT_PROTECTED_STAGES)).toEqual(DEFAULT_PROTECTED_BRANCHES);
  });

  it('every production branch is one the route job sends to production; no other listed branch is trusted', () => {
    for (const stages of [['main', 'staging', 'prod'], ['Main', 'release/1.x'], ['prod']]) {
      for (const branch of productionBranches(stages)) expect(routesToProduction(branch, stages)).toBe(true);
      expect(routeStages(stages).filter((s) => !productionBranches(stages).includes(s))).toEqual(
        routeStages(stages).filter((s) => s === 'prod' || s === 'production'),
      );
    }
    expect(routesToProduction('Main', ['Main'])).toBe(true);
    expect(routesToProduction('main', ['Main'])).toBe(true);
    expect(routesToProduction('Main', ['main'])).toBe(false);
    expect(routesToProduction('release/1.x', ['Release/1.x'])).toBe(false);
  });
});
