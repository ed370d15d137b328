import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { INPUT_DEFAULTS, Inputs, Outputs } from '../../src/settings/names.js';

interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as ActionYml;

describe('action.yml', () => {
  test('runs dist/index.js on node24, and again as the post step at the end of every job', () => {
    expect(action.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/index.js',
      'post-if': 'always()',
    });
  });

  test('declares exactly the inputs the settings module reads', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.values(Inputs).sort());
  });

  test('declares exactly the outputs the action writes', () => {
    expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Outputs).sort());
  });

  test.each(Object.values(Inputs))('input %s has a description and the same default as the code', (name) => {
    const input = action.inputs[name];
    expect(input?.description.length).toBeGreaterThan(10);
    expect(input?.default ?? '').toBe(INPUT_DEFAULTS[name]);
  });

  test('only name is required', () => {
    const required = Object.entries(action.inputs)
      .filter(([, v]) => v.required)
      .map(([k]) => k);
    expect(required).toEqual(['name']);
  });
});
