/**
 * deploy, undeploy and logs without --stage work on the current git branch's
 * stage. A new user who forgot --stage reads "function shop-master does not
 * exist" and cannot tell where "master" came from: the stage's origin is said
 * once, first, naming the branch and --stage.
 */
import { describe, expect, test } from '@jest/globals';
import type { CommandContext } from '../../../src/entry/cli/command.js';
import { stagePlan } from '../../../src/entry/cli/commands/stage-plan.js';
import { UsageError } from '../../../src/entry/cli/flags.js';
import { readSettings } from '../../../src/settings/settings.js';
import { RecordingLogger } from '../../../src/util/logger.js';

function plan(inputs: Record<string, string>, ref: string, command = 'logs') {
  const logger = new RecordingLogger();
  const ctx = {
    github: { eventName: '', payload: {}, ref, repository: '' },
    logger,
    flags: { inputs, own: {}, json: false, verbose: false, help: false },
  } as unknown as CommandContext;
  const all: Record<string, string> = { name: 'shop', 'aws-region': 'eu-west-1', ...inputs };
  const settings = readSettings((name) => all[name], {});
  return { plan: stagePlan(ctx, settings, command), logger };
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

  // A laptop on master is not a push to master: production is deployed from a terminal only when named.
  describe('deploy of a protected stage that came from the branch name alone', () => {
    test('refused as a usage error naming the stage, what protects it and the explicit --stage', () => {
      expect(() => plan({}, 'refs/heads/master', 'deploy')).toThrow(
        new UsageError(
          'Stage master (from the current git branch) is a protected stage (--protected-stages not given, so its default: main, master, prod, production): ' +
            'its production deploy is not made from a branch name alone. To deploy it on purpose, name it: --stage master; ' +
            'for a stage of your own, --stage STAGE, like "demo".',
          'deploy',
        ),
      );
    });

    test('a protected list given as a flag is named as the flag', () => {
      expect(() => plan({ 'protected-stages': 'live' }, 'refs/heads/live', 'deploy')).toThrow(
        /is a protected stage \(--protected-stages: live\)/,
      );
      // Given, though equal to the default: the flag said it.
      expect(() =>
        plan({ 'protected-stages': 'main,master,prod,production' }, 'refs/heads/master', 'deploy'),
      ).toThrow(/is a protected stage \(--protected-stages: main, master, prod, production\)/);
    });

    test('--stage naming it deploys it, as asked', () => {
      const { plan: p } = plan({ stage: 'master' }, 'refs/heads/master', 'deploy');
      expect(p).toMatchObject({ command: 'deploy', stage: 'master' });
    });

    test('--target local asks AWS nothing: not refused', () => {
      const { plan: p, logger } = plan({ target: 'local' }, 'refs/heads/master', 'deploy');
      expect(p.stage).toBe('master');
      expect(logger.text('info')).toBe(
        'Stage master: from the current git branch (--stage chooses another).',
      );
    });

    test('a branch that is not protected deploys its own stage', () => {
      expect(plan({}, 'refs/heads/feature-x', 'deploy').plan.stage).toBe('feature-x');
    });

    test('logs of the branch stage reads it (undeploy refuses a protected stage in its pipeline, however named)', () => {
      expect(plan({}, 'refs/heads/master', 'logs').plan.stage).toBe('master');
    });
  });
});
