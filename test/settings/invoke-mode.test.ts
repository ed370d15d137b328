/**
 * `invoke-mode`: response-stream only where Lambda streams (Node.js) and the
 * front door passes the stream on (function URL, REST API); refused before
 * any AWS call otherwise.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InputName } from '../../src/settings/names.js';
import { readSettings } from '../../src/settings/settings.js';
import { settingsProblems } from '../support/settings-problems.js';

const workspace = mkdtempSync(join(tmpdir(), 'invoke-mode-'));
mkdirSync(join(workspace, 'node'));
const env = { GITHUB_WORKSPACE: workspace } as NodeJS.ProcessEnv;
const NODE = { name: 'svc', runtime: 'nodejs22.x', path: 'node', handler: 'index.handler' };

const read = (inputs: Partial<Record<InputName, string>>) => readSettings((name) => inputs[name], env);
const problemsOf = (inputs: Partial<Record<InputName, string>>) => settingsProblems(() => read(inputs));

describe('invoke-mode', () => {
  test('defaults to buffered', () => {
    expect(read({ name: 'svc' }).invokeMode).toBe('buffered');
  });

  test.each(['function-url', 'rest-api'])('response-stream with gateway %s on Node.js', (gateway) => {
    expect(read({ ...NODE, gateway, 'invoke-mode': 'response-stream' }).invokeMode).toBe('response-stream');
  });

  test('an unknown value names the input and the expected values', () => {
    expect(problemsOf({ ...NODE, 'invoke-mode': 'stream' })).toEqual([
      'invoke-mode: "stream" is not valid; expected one of buffered, response-stream.',
    ]);
  });

  test('response-stream with the default gateway (http-api) names both inputs and the fix', () => {
    const problems = problemsOf({ ...NODE, 'invoke-mode': 'response-stream' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^invoke-mode, gateway: .*gateway is "http-api", the default: HTTP APIs buffer/,
    );
    expect(problems[0]).toMatch(
      /response-stream needs a front door .*expected gateway function-url or rest-api\.$/,
    );
  });

  test('response-stream with gateway none is refused', () => {
    expect(problemsOf({ ...NODE, gateway: 'none', 'invoke-mode': 'response-stream' })).toEqual([
      expect.stringMatching(/^invoke-mode, gateway: .*\(gateway is "none"\); expected gateway function-url/),
    ]);
  });

  test('response-stream with a Python runtime names runtime and invoke-mode', () => {
    expect(problemsOf({ name: 'svc', gateway: 'function-url', 'invoke-mode': 'response-stream' })).toEqual([
      expect.stringMatching(
        /^invoke-mode, runtime: Lambda streams responses only from Node\.js runtimes \(runtime is "python3\.12"\); expected a runtime of nodejs20\.x, nodejs22\.x, nodejs24\.x/,
      ),
    ]);
  });

  test('buffered is fine with any gateway and runtime', () => {
    expect(problemsOf({ name: 'svc', gateway: 'none', 'invoke-mode': 'buffered' })).toEqual([]);
  });
});
