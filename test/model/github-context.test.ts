import { describe, expect, it } from '@jest/globals';
import { isPrivateRepository } from '../../src/model/github-context.js';

describe('isPrivateRepository', () => {
  it.each([
    [{ repository: { private: true } }, true],
    [{ repository: { private: true, visibility: 'internal' } }, true],
    [{ repository: { private: false, visibility: 'public' } }, false],
    // Unknown counts as public: the safe side for what a comment shows.
    [{}, false],
  ])('%j -> %s', (payload, expected) => {
    expect(isPrivateRepository({ payload })).toBe(expected);
  });
});
