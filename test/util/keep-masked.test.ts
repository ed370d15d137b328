import { describe, expect, it } from '@jest/globals';
import { keepMasked, RecordingLogger } from '../../src/util/logger.js';
import { redact } from '../../src/util/redact.js';

describe('keepMasked', () => {
  it('keeps each line of a value of several lines for the reports, which print them apart', () => {
    const inner = new RecordingLogger();
    const into: string[] = [];
    const logger = keepMasked(inner, into);
    logger.mask('Line-One-Q7w2x9\r\n  Line-Two-Z3k8p1\n}');
    logger.mask('Line-One-Q7w2x9');
    expect(into).toEqual(['Line-One-Q7w2x9\r\n  Line-Two-Z3k8p1\n}', 'Line-One-Q7w2x9', 'Line-Two-Z3k8p1']);
    expect(redact('12:00 Line-Two-Z3k8p1 and }', into)).toBe('12:00 *** and }');
    // The step's own logger registers the value as given (coreLogger splits it for the runner).
    expect(inner.secrets[0]).toBe('Line-One-Q7w2x9\r\n  Line-Two-Z3k8p1\n}');
  });
});
