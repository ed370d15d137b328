import { describe, expect, it } from '@jest/globals';
import {
  checkPackageSize,
  DIRECT_UPLOAD_LIMIT_BYTES,
  formatBytes,
  largestParts,
  UNZIPPED_LIMIT_BYTES,
} from '../../src/packaging/size-check.js';

const MB = 1024 * 1024;

describe('formatBytes', () => {
  const cases: [number, string][] = [
    [0, '0 bytes'],
    [1, '1 byte'],
    [1023, '1023 bytes'],
    [1024, '1.0 KB'],
    [1536, '1.5 KB'],
    [1.2 * MB, '1.2 MB'],
    [UNZIPPED_LIMIT_BYTES, '250.0 MB'],
    [DIRECT_UPLOAD_LIMIT_BYTES, '50.0 MB'],
    [5 * 1024 * MB, '5.0 GB'],
    [-1, '?'],
    [Number.NaN, '?'],
  ];
  it.each(cases)('%d -> %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('largestParts', () => {
  it('sums by top-level folder or file, largest first, at most ten', () => {
    const files = [
      { path: 'numpy/core/_multiarray.so', bytes: 30 },
      { path: 'numpy/linalg/lapack.so', bytes: 20 },
      { path: 'app.py', bytes: 5 },
      { path: 'pandas/x.so', bytes: 40 },
      ...Array.from({ length: 12 }, (_, i) => ({ path: `small${i}/a.py`, bytes: 1 })),
    ];
    const parts = largestParts(files);
    expect(parts.slice(0, 3)).toEqual([
      { path: 'numpy/', bytes: 50 },
      { path: 'pandas/', bytes: 40 },
      { path: 'app.py', bytes: 5 },
    ]);
    expect(parts).toHaveLength(10);
  });
});

describe('checkPackageSize', () => {
  // A fake size table: a few big packages, as pip would install them.
  const heavy = [
    { path: 'torch/lib/libtorch_cpu.so', bytes: 200 * MB },
    { path: 'numpy/core/_multiarray_umath.so', bytes: 30 * MB },
    { path: 'botocore/data/ec2/service-2.json', bytes: 25 * MB },
    { path: 'boto3/session.py', bytes: 1 * MB },
    { path: 'app.py', bytes: 2000 },
  ];
  const heavyBytes = heavy.reduce((n, f) => n + f.bytes, 0);

  it('fails over 262,144,000 bytes unzipped, naming the largest parts with sizes and advice', () => {
    const result = checkPackageSize({ unpackedBytes: heavyBytes, files: heavy });
    expect(result.error).toBeDefined();
    const error = result.error!;
    expect(error).toContain('256.0 MB');
    expect(error).toContain('250.0 MB (262,144,000 bytes)');
    expect(error).toMatch(/torch\/\s+200\.0 MB\s+\(209,715,200 bytes\)/);
    expect(error).toMatch(/numpy\/\s+30\.0 MB/);
    expect(error.indexOf('torch/')).toBeLessThan(error.indexOf('numpy/'));
    expect(error).toContain('drop boto3 and botocore');
    expect(error).toContain('dependencies-layer: true');
    expect(error).toContain('exclude');
    expect(error).toContain('lighter dependencies');
  });

  it("advises the action's inputs in a workflow and the CLI's flags in a terminal", () => {
    const action = checkPackageSize({ unpackedBytes: heavyBytes, files: heavy }).error!;
    expect(action).toContain('e.g. exclude: "tests/**");');
    expect(action).toContain('with requirements: slim: auto (the default) or true');
    expect(action).toContain('(dependencies-layer: true) or an existing layer (layers);');

    const terminal = checkPackageSize({
      unpackedBytes: heavyBytes,
      files: heavy,
      surface: 'terminal',
    }).error!;
    expect(terminal).toContain('with --exclude globs (tests, docs, data files, e.g. --exclude "tests/**");');
    expect(terminal).toContain('with requirements: --slim auto (the default) or true');
    // package and serve have neither flag: both are deploy's.
    expect(terminal).toContain('(deploy --dependencies-layer) or an existing layer (deploy --layers ARN);');
    expect(terminal).not.toMatch(/[a-z]: true|exclude: |slim: /);
  });

  it('counts the layers in the same limit', () => {
    const under = { unpackedBytes: 200 * MB, files: [{ path: 'big/x', bytes: 200 * MB }] };
    expect(checkPackageSize(under).error).toBeUndefined();
    const error = checkPackageSize({ ...under, layerBytes: 60 * MB }).error;
    expect(error).toContain('package 200.0 MB + layers 60.0 MB');
  });

  it('leaves out the boto3 advice when boto3 is not among the largest', () => {
    const files = [{ path: 'data/blob.bin', bytes: UNZIPPED_LIMIT_BYTES + 1 }];
    const error = checkPackageSize({ unpackedBytes: UNZIPPED_LIMIT_BYTES + 1, files }).error!;
    expect(error).not.toContain('boto3');
    expect(error).toMatch(/data\/\s+250\.0 MB/);
  });

  const boundaries: [string, number, boolean][] = [
    ['exactly the limit', UNZIPPED_LIMIT_BYTES, false],
    ['one byte over', UNZIPPED_LIMIT_BYTES + 1, true],
  ];
  it.each(boundaries)('%s', (_what, bytes, fails) => {
    expect(checkPackageSize({ unpackedBytes: bytes }).error !== undefined).toBe(fails);
  });

  it('warns close to the limit', () => {
    expect(checkPackageSize({ unpackedBytes: 240 * MB }).warnings[0]).toMatch(/96% of Lambda's 250\.0 MB/);
    expect(checkPackageSize({ unpackedBytes: 200 * MB }).warnings).toEqual([]);
  });

  it('notes a zip over the 50 MB direct-upload limit without failing: the upload goes through S3', () => {
    const over = checkPackageSize({ unpackedBytes: 120 * MB, packageBytes: DIRECT_UPLOAD_LIMIT_BYTES + 1 });
    expect(over.error).toBeUndefined();
    expect(over.warnings).toEqual([]);
    expect(over.notes[0]).toMatch(/over the 50\.0 MB limit of a direct upload.*through S3/);
    expect(
      checkPackageSize({ unpackedBytes: 120 * MB, packageBytes: DIRECT_UPLOAD_LIMIT_BYTES }).notes,
    ).toEqual([]);
  });
});
