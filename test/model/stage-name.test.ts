import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  branchStage,
  cleanedStage,
  functionName,
  pullRequestStage,
  tagValue,
} from '../../src/model/stage-name.js';

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
// Valid as an API Gateway stage name and inside a Lambda alias/permission context.
const STAGE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

describe('stage names', () => {
  test.each([
    ['main', 'main'],
    ['develop', 'develop'],
    ['release-2', 'release-2'],
  ])('branch %j keeps its name', (branch, stage) => {
    expect(branchStage(branch)).toBe(stage);
  });

  test('pull request 42 is pr-42', () => {
    expect(pullRequestStage(42)).toBe('pr-42');
  });

  test.each([['feature/Login'], ['feature-login/'], ['Feature-Login'], ['pr-42'], ['a'.repeat(41)], ['🚀']])(
    'branch %j had to change, so it carries a hash',
    (branch) => {
      expect(branchStage(branch)).toMatch(/-[0-9a-f]{8}$/);
      expect(branchStage(branch)).toMatch(STAGE);
    },
  );

  test.each([
    ['Feature_X', 'feature-x'],
    ['feature/Login', 'feature-login'],
    ['Main', 'main'],
    ['-x-', 'x'],
    ['Café', 'cafe'],
    [`a${'-b'.repeat(25)}`, `a${'-b'.repeat(19)}`],
    ['__', undefined],
    ['🚀', undefined],
  ])('invalid stage %j, cleaned as a branch name is but with no hash: %j', (text, cleaned) => {
    expect(cleanedStage(text)).toBe(cleaned);
    if (cleaned) expect(cleaned).toMatch(STAGE);
  });

  test('feature/Login and feature-login differ', () => {
    expect(branchStage('feature/Login')).not.toBe(branchStage('feature-login'));
    expect(branchStage('feature-login')).toBe('feature-login');
  });

  test('a branch named like a pull request stage does not take its place', () => {
    expect(branchStage('pr-7')).not.toBe(pullRequestStage(7));
  });

  test('long function names are shortened with a hash and stay unique', () => {
    const a = functionName('a-long-project-name-for-testing', 'feature-with-a-very-long-name-12345678');
    const b = functionName('a-long-project-name-for-testing', 'feature-with-a-very-long-name-87654321');
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
    expect(functionName('svc', 'main')).toBe('svc-main');
  });

  test.each([
    ['feature/x', 'feature/x'],
    ['fix: émoji 🚀!', 'fix: émoji --'],
    ['a'.repeat(300), 'a'.repeat(256)],
  ])('tag value of %j', (input, expected) => {
    expect(tagValue(input)).toBe(expected);
  });
});

describe('property: 10,000 generated branch names', () => {
  const segment = fc.oneof(
    fc.stringMatching(/^[a-z0-9]{1,12}$/),
    fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
    fc.constantFrom('🚀', 'ü', 'Ä', 'ß', '日本', '..', '.', '--', '__', 'PR-1', 'pr-2', 'Main'),
  );
  const branch = fc.oneof(
    { weight: 6, arbitrary: fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => s.join('/')) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 200, maxLength: 255 }) },
    { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{230,255}$/) },
  );
  // Each branch also appears in variants that differ only by case or separators.
  const variants = (b: string) => [
    b,
    b.toUpperCase(),
    b.toLowerCase(),
    b.replace(/\//g, '-'),
    b.replace(/-/g, '/'),
    b.replace(/[/-]/g, '.'),
  ];

  const sample = new Set<string>();
  fc.sample(branch, { numRuns: 2500, seed: 20261127 }).forEach((b) =>
    variants(b).forEach((v) => v && sample.add(v)),
  );

  test('the sample is large and varied', () => {
    expect(sample.size).toBeGreaterThanOrEqual(10_000);
    expect([...sample].some((b) => b.length === 255)).toBe(true);
    expect([...sample].some((b) => /\p{Extended_Pictographic}/u.test(b))).toBe(true);
  });

  test('every stage is valid, every function name fits Lambda, no two branches share a stage', () => {
    const owner = new Map<string, string>();
    for (const b of sample) {
      const stage = branchStage(b);
      expect(stage).toMatch(STAGE);
      const fn = functionName('my-service-project', stage);
      expect(fn).toMatch(FUNCTION_NAME);
      const previous = owner.get(stage);
      if (previous !== undefined)
        throw new Error(`${JSON.stringify(b)} and ${JSON.stringify(previous)} share ${stage}`);
      owner.set(stage, b);
    }
    expect(owner.size).toBe(sample.size);
  });
});
