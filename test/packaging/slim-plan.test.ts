import { describe, expect, it } from '@jest/globals';
import {
  checkSlimSize,
  coldStartEstimate,
  decideSlim,
  ephemeralStorageMb,
  type SlimDecisionInput,
} from '../../src/packaging/slim-plan.js';

const MB = 1024 * 1024;
const base: SlimDecisionInput = {
  setting: 'auto',
  python: true,
  functionBytes: 1 * MB,
  dependencyBytes: 100 * MB,
  dependencyFiles: 1000,
  layerBytes: 0,
};

describe('decideSlim', () => {
  it.each<[string, Partial<SlimDecisionInput>, boolean, RegExp]>([
    ['auto, under 250 MB', {}, false, /fits Lambda's 250\.0 MB limit \(101\.0 MB unzipped\)/],
    ['auto, over 250 MB', { dependencyBytes: 300 * MB }, true, /would be 301\.0 MB unzipped, over/],
    ['auto, at exactly the limit', { dependencyBytes: 262_144_000 - MB }, false, /fits/],
    ['auto, layers push it over', { layerBytes: 200 * MB }, true, /301\.0 MB unzipped/],
    ['true, small', { setting: 'true' }, true, /^slim: true$/],
    ['false, over', { setting: 'false', dependencyBytes: 300 * MB }, false, /^slim: false$/],
    ['Node.js', { python: false, dependencyBytes: 300 * MB }, false, /for Python runtimes/],
    [
      'auto, no requirements',
      { dependencyFiles: 0, dependencyBytes: 0, functionBytes: 300 * MB },
      false,
      /no installed/,
    ],
  ])('%s', (_, overrides, slim, reason) => {
    const decision = decideSlim({ ...base, ...overrides });
    expect(decision.slim).toBe(slim);
    expect(decision.reason).toMatch(reason);
    expect(decision.warning).toBeUndefined();
  });

  it('warns when slim: true has nothing to move', () => {
    const decision = decideSlim({ ...base, setting: 'true', dependencyFiles: 0, dependencyBytes: 0 });
    expect(decision.slim).toBe(false);
    expect(decision.warning).toBe(
      'slim: true, but there are no installed requirements to move out of the function zip; the package is built as usual.',
    );
  });
});

describe('ephemeralStorageMb', () => {
  it.each<[number, number | undefined]>([
    [0, 512], // what the function had before
    // 512 for the function plus the tree and 10%, rounded up to the next 128 MB step
    [1 * MB, 640],
    [300 * MB, 896], // 330 + 512 = 842 -> 896
    [1000 * MB, 1664], // 1100 + 512 = 1612 -> 1664
    [8843 * MB, 10240], // 9727.3 + 512 = 10240 -> exactly the ceiling
    [8844 * MB, undefined], // past it
  ])('%d bytes on disk -> %s MB', (disk, mb) => {
    expect(ephemeralStorageMb(disk)).toBe(mb);
  });
});

describe('checkSlimSize', () => {
  it('accepts a tree that fits, refuses one past 10,240 MB naming its largest parts', () => {
    const dependencies = [
      { path: 'torch/lib/libtorch_cuda.so', bytes: 8000 * MB },
      { path: 'torch/__init__.py', bytes: 1000 },
      { path: 'nvidia/cudnn/lib/libcudnn.so', bytes: 1500 * MB },
    ];
    expect(checkSlimSize({ dependencyDiskBytes: 2000 * MB, dependencyBytes: 2000 * MB, dependencies })).toBe(
      undefined,
    );
    const error = checkSlimSize({ dependencyDiskBytes: 9500 * MB, dependencyBytes: 9500 * MB, dependencies });
    expect(error).toMatch(/^The dependencies are too large even for a slim package: 9\.3 GB unpacked/);
    expect(error).toContain("Lambda's largest ephemeral storage (/tmp) of 10,240 MB");
    expect(error).toMatch(/torch\/\s+7\.8 GB .*\n\s+nvidia\/\s+1\.5 GB/);
    expect(error).toContain('CPU-only builds');
  });
});

describe('coldStartEstimate', () => {
  it('scales the CPU part of the measurement by the share of a vCPU the memory buys', () => {
    const e = coldStartEstimate({ seconds: 3, cpuSeconds: 2 }, 180 * MB, 256, 30);
    // 1 s of waiting + 2 s of CPU at 256/1769 of a vCPU
    expect(e.estimatedSeconds).toBeCloseTo(1 + 2 / (256 / 1769), 5);
    expect(e.measured).toBe(
      'unpack measured in this build: 3.0 s (CPU 2.0 s), plus downloading 180.0 MB from S3 while it unpacks',
    );
    expect(e.atMemory).toMatch(/^at memory 256 MB Lambda gives the function 0\.14 of a vCPU .*about 14\.8 s/);
    expect(e.warning).toMatch(/may pass Lambda's 10 s init limit/);
  });

  it('uses the measurement as it is from 1,769 MB up, and warns past the timeout', () => {
    const full = coldStartEstimate({ seconds: 3, cpuSeconds: 2 }, 180 * MB, 3008, 30);
    expect(full.estimatedSeconds).toBe(3);
    expect(full.atMemory).toMatch(/full vCPU: expect about 3\.0 s/);
    expect(full.warning).toBeUndefined();
    expect(coldStartEstimate({ seconds: 8, cpuSeconds: 8 }, 1, 512, 20).warning).toMatch(
      /may not fit the function's timeout of 20 s/,
    );
  });
});
