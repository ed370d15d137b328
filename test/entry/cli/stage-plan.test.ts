/**
 * deploy, undeploy and logs without --stage work on the current git branch's
 * stage. A new user who forgot --stage reads "function shop-master does not
 * exist" and cannot tell where "master" came from: the stage's origin is said
 * once, first, naming the branch and --stage.
 */
import { describe, expect, test } from '@jest/globals';
import type { CommandContext } from '../../../src/entry/cli/command.js';
import { stagePlan } from '../../../src/entry/cli/commands/stage-plan.js';
import { readSettings } from '../../../src/settings/settings.js';
import { RecordingLogger } from '../../../src/util/logger.js';

function plan(inputs: Record<string, string>, ref: string) {
  const logger = new RecordingLogger();
  const ctx = {
    github: { eventName: '', payload: {}, ref, repository: '' },
    logger,
  } as unknown as CommandContext;
  const all: Record<string, string> = { name: 'shop', 'aws-region': 'eu-west-1', ...inputs };
  const settings = readSettings((name) => all[name], {});
  return { plan: stagePlan(ctx, settings, 'logs'), logger };
}

describe('stagePlan', () => {
  test('no --stage: the stage of the current git branch, said with the branch and how to choose another', () => {
    const { plan: p, logger } = plan({}, 'refs/heads/master');
    expect(p.stage).toBe('master');
    expect(logger.text('info')).toBe('Stage master: from the current git branch (--stage chooses another).');
  });

  test('a branch whose name had to change to become a stage: both named', () => {
    const { plan: p, logger } = plan({}, 'refs/heads/feature/Login');
    expect(logger.text('info')).toBe(
      `Stage ${p.stage}: from the current git branch, feature/Login (--stage chooses another).`,
    );
  });

  test('--stage given: nothing said, whatever the branch', () => {
    const { plan: p, logger } = plan({ stage: 'demo' }, 'refs/heads/master');
    expect(p.stage).toBe('demo');
    expect(logger.lines).toEqual([]);
  });

  test('no --stage outside a git branch: the usage error, naming --stage', () => {
    expect(() => plan({}, '')).toThrow(
      /--stage: none given, and this folder is not a git checkout on a branch/,
    );
  });
});
