/** The size check's limits at, just inside and just outside each boundary. */
import { describe, expect, it } from '@jest/globals';
import {
  checkPackageSize,
  DIRECT_UPLOAD_LIMIT_BYTES,
  formatBytes,
  formatCount,
  largestParts,
  NEAR_LIMIT_SHARE,
  UNZIPPED_LIMIT_BYTES,
} from '../../src/packaging/size-check.js';

const LIMIT = UNZIPPED_LIMIT_BYTES;
const NEAR = LIMIT * NEAR_LIMIT_SHARE;

describe('the limits are the ones AWS states', () => {
  it('250 MB unzipped, 50 MB direct upload, a warning past 90%', () => {
    expect([LIMIT, DIRECT_UPLOAD_LIMIT_BYTES, NEAR_LIMIT_SHARE]).toEqual([262_144_000, 52_428_800, 0.9]);
    expect(NEAR).toBe(235_929_600);
  });
});

describe('unzipped: the function and its layers together', () => {
  it.each<[string, number, number, boolean]>([
    ['package alone, one byte under', LIMIT - 1, 0, false],
    ['package alone, at the limit', LIMIT, 0, false],
    ['package alone, one byte over', LIMIT + 1, 0, true],
    ['package and layers, at the limit', LIMIT - 1000, 1000, false],
    ['package and layers, one byte over', LIMIT - 1000, 1001, true],
    ['layers alone, one byte over', 0, LIMIT + 1, true],
  ])('%s', (_what, unpackedBytes, layerBytes, fails) => {
    const result = checkPackageSize({ unpackedBytes, layerBytes });
    expect(result.error !== undefined).toBe(fails);
    if (fails) expect(result.warnings).toEqual([]);
  });

  it('the error states the total, the limit and, with layers, both parts', () => {
    const error = checkPackageSize({ unpackedBytes: LIMIT - 1000, layerBytes: 1001 }).error;
    expect(error?.split('\n')[0]).toBe(
      'The package is too large for Lambda: 250.0 MB (262,144,001 bytes: package 250.0 MB + layers 1001 bytes) unzipped, over the limit of 250.0 MB (262,144,000 bytes) for the function and its layers together.',
    );
    expect(checkPackageSize({ unpackedBytes: LIMIT + 1 }).error?.split('\n')[0]).toBe(
      'The package is too large for Lambda: 250.0 MB (262,144,001 bytes) unzipped, over the limit of 250.0 MB (262,144,000 bytes) for the function and its layers together.',
    );
  });

  it('without a file list the error has no "largest parts" section, but the advice', () => {
    const lines = checkPackageSize({ unpackedBytes: LIMIT + 1 }).error?.split('\n') ?? [];
    expect(lines).not.toContain('Largest parts of the package:');
    expect(lines[1]).toBe('What to do:');
    expect(lines).toHaveLength(7);
    expect(lines).toContainEqual(
      expect.stringMatching(/^ {2}- with requirements: slim: auto \(the default\) or true /),
    );
  });

  it('the largest parts line up, the boto3 advice appears for any of boto3, botocore and s3transfer', () => {
    for (const name of ['boto3', 'BotoCore', 's3transfer']) {
      const files = [
        { path: `${name}/a.py`, bytes: 1024 },
        { path: 'big.bin', bytes: LIMIT },
      ];
      const lines = checkPackageSize({ unpackedBytes: LIMIT + 1024, files }).error?.split('\n') ?? [];
      expect(lines.slice(1, 4)).toEqual([
        'Largest parts of the package:',
        `  big.bin${' '.repeat(Math.max(0, name.length + 1 - 7))}   250.0 MB  (262,144,000 bytes)`,
        `  ${name}/${' '.repeat(Math.max(0, 7 - name.length - 1))}     1.0 KB  (1,024 bytes)`,
      ]);
      expect(lines[5]).toMatch(/^ {2}- drop boto3 and botocore from the requirements/);
    }
  });
});

describe('near the limit: a warning above 90%', () => {
  it.each<[number, string | undefined]>([
    [NEAR - 1, undefined],
    [NEAR, undefined],
    [NEAR + 1, "The package uses 90% of Lambda's 250.0 MB unzipped limit (225.0 MB (235,929,601 bytes))."],
    [LIMIT, "The package uses 100% of Lambda's 250.0 MB unzipped limit (250.0 MB (262,144,000 bytes))."],
  ])('%d bytes: %j', (bytes, warning) => {
    expect(checkPackageSize({ unpackedBytes: bytes })).toEqual({
      warnings: warning ? [warning] : [],
      notes: [],
    });
  });

  it('the layers count toward the warning too', () => {
    expect(checkPackageSize({ unpackedBytes: NEAR, layerBytes: 1 }).warnings).toHaveLength(1);
  });
});

describe('zipped: over 50 MB is a note (the upload goes through S3)', () => {
  it.each<[number | undefined, number]>([
    [undefined, 0],
    [DIRECT_UPLOAD_LIMIT_BYTES - 1, 0],
    [DIRECT_UPLOAD_LIMIT_BYTES, 0],
    [DIRECT_UPLOAD_LIMIT_BYTES + 1, 1],
  ])('a zip of %j bytes: %d notes', (packageBytes, notes) => {
    const result = checkPackageSize({ unpackedBytes: 1, packageBytes });
    expect(result.notes).toHaveLength(notes);
    expect(result.error).toBeUndefined();
  });

  it('the note names the zip size and the limit', () => {
    expect(checkPackageSize({ unpackedBytes: 1, packageBytes: 60 * 1024 * 1024 }).notes).toEqual([
      'The zip (60.0 MB) is over the 50.0 MB limit of a direct upload; that is fine: lambda-deploy uploads it through S3.',
    ]);
  });
});

describe('formatBytes and formatCount at unit boundaries', () => {
  it.each<[number, string]>([
    [0, '0 bytes'],
    [1, '1 byte'],
    [2, '2 bytes'],
    [1023, '1023 bytes'],
    [1024, '1.0 KB'],
    [1024 * 1024 - 1, '1024.0 KB'],
    [1024 * 1024, '1.0 MB'],
    [1024 ** 3, '1.0 GB'],
    [1024 ** 4, '1.0 TB'],
    [1024 ** 5, '1024.0 TB'],
    [Infinity, '?'],
    [-0.5, '?'],
  ])('%d is %j', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('counts get thousands separators', () => {
    expect([formatCount(999), formatCount(1000), formatCount(1234567)]).toEqual([
      '999',
      '1,000',
      '1,234,567',
    ]);
  });
});

describe('largestParts', () => {
  it('keeps the ten largest by default, or as many as asked; equal sizes go by name', () => {
    const files = Array.from({ length: 12 }, (_, i) => ({
      path: `f${String(i).padStart(2, '0')}`,
      bytes: 5,
    }));
    expect(largestParts(files).map((p) => p.path)).toEqual(files.slice(0, 10).map((f) => f.path));
    expect(largestParts(files, 2)).toEqual([
      { path: 'f00', bytes: 5 },
      { path: 'f01', bytes: 5 },
    ]);
    expect(largestParts([...files].reverse(), 1)).toEqual([{ path: 'f00', bytes: 5 }]);
  });

  it('a nested file counts for its top folder; a top-level file is its own part', () => {
    expect(
      largestParts([
        { path: 'a/b/c.py', bytes: 1 },
        { path: 'a/d.py', bytes: 2 },
        { path: 'a.py', bytes: 4 },
      ]),
    ).toEqual([
      { path: 'a.py', bytes: 4 },
      { path: 'a/', bytes: 3 },
    ]);
  });
});
