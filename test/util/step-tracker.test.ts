import { describe, expect, test } from '@jest/globals';
import { RecordingLogger } from '../../src/util/logger.js';
import { trackSteps } from '../../src/util/step-tracker.js';

describe('trackSteps', () => {
  test('names the groups a failure came out of, innermost last, and passes everything through', async () => {
    const inner = new RecordingLogger();
    const { logger, failedIn } = trackSteps(inner);
    const error = new Error('pip failed');
    await logger.group('Package', async () => {
      logger.info('collecting');
      await logger.group('Collect', async () => undefined);
    });
    const failed = logger.group('Package', () =>
      logger.group('Installing requirements', async () => {
        throw error;
      }),
    );
    await expect(failed).rejects.toBe(error);
    expect(failedIn(error)).toEqual(['Package', 'Installing requirements']);
    expect(failedIn(new Error('elsewhere'))).toEqual([]);
    expect(failedIn('a string')).toEqual([]);
    expect(inner.text('group')).toBe('Package\nCollect\nPackage\nInstalling requirements');
    expect(inner.text('info')).toBe('collecting');
  });

  test('remembers what was masked, and still masks it', () => {
    const inner = new RecordingLogger();
    const tracker = trackSteps(inner);
    tracker.logger.mask('s3cret-token');
    tracker.logger.mask('');
    expect(tracker.secrets()).toEqual(['s3cret-token']);
    expect(inner.secrets).toEqual(['s3cret-token']);
  });
});
