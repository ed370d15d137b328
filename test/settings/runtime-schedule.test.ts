/**
 * The runtime against AWS Lambda's deprecation schedule, on fixed days: one
 * AWS no longer accepts is refused before any AWS call; one it no longer
 * creates functions with is refused only for a first deploy; a deprecated one
 * gets one warning line. `--target local` runs any of them with a warning.
 */
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InputName } from '../../src/settings/names.js';
import { readSettings } from '../../src/settings/settings.js';
import { RUNTIMES } from '../../src/settings/runtimes.js';
import {
  LAMBDA_RUNTIME_SCHEDULE,
  runtimeStanding,
  type RuntimeSchedule,
} from '../../src/settings/runtime-schedule.js';
import { settingsProblems } from '../support/settings-problems.js';

const workspace = mkdtempSync(join(tmpdir(), 'runtime-schedule-'));
const env = { GITHUB_WORKSPACE: workspace } as NodeJS.ProcessEnv;

/** A schedule of the shape AWS publishes, so each stage can be reached on a fixed day. */
const SCHEDULE: RuntimeSchedule = {
  'python3.9': {
    deprecated: '2025-12-15',
    createBlocked: '2026-06-01',
    updateBlocked: '2026-07-01',
    replacement: 'python3.13',
  },
};
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
const read = (
  now: Date,
  inputs: Partial<Record<InputName, string>> = {},
  surface: 'action' | 'terminal' = 'action',
) =>
  readSettings((name) => ({ name: 'svc', runtime: 'python3.9', ...inputs })[name], env, surface, {
    now,
    schedule: SCHEDULE,
  });

describe('runtime deprecation schedule', () => {
  test('before the deprecation date: no warning, no refusal', () => {
    const settings = read(day('2025-12-14'));
    expect(settings.runtimeWarning).toBeUndefined();
    expect(settings.runtimeCreateRefusal).toBeUndefined();
  });

  test('deprecated: one warning line naming the date and the replacement', () => {
    const settings = read(day('2026-01-10'));
    expect(settings.runtimeWarning).toBe(
      'runtime: python3.9 is deprecated by AWS Lambda since 2025-12-15 (no more security patches); move to python3.13.',
    );
    expect(settings.runtimeCreateRefusal).toBeUndefined();
  });

  test('create blocked: a first deploy is refused, an update warned with the update block date', () => {
    const settings = read(day('2026-06-01'));
    expect(settings.runtimeCreateRefusal).toBe(
      'runtime: AWS Lambda stopped accepting python3.9 for new functions on 2026-06-01, and this stage has no function yet; expected a supported runtime such as python3.13.',
    );
    expect(settings.runtimeWarning).toMatch(
      /since 2026-06-01\) and stops updating them on 2026-07-01.*python3\.13/,
    );
  });

  test('update blocked: refused in settings, naming the input, the runtime, the date and the replacement', () => {
    expect(settingsProblems(() => read(day('2026-07-01')))).toEqual([
      'runtime: AWS Lambda stopped accepting python3.9 on 2026-07-01 (no function can be created or updated with it); expected a supported runtime such as python3.13.',
    ]);
  });

  test('the CLI names its flag', () => {
    expect(settingsProblems(() => read(day('2026-12-06'), {}, 'terminal'))[0]).toMatch(
      /^--runtime: AWS Lambda stopped accepting python3\.9 on 2026-07-01/,
    );
  });

  test('--target local runs a runtime AWS no longer accepts, with a warning only', () => {
    const settings = read(day('2026-12-06'), { target: 'local' });
    expect(settings.runtimeWarning).toMatch(
      /stopped accepting python3\.9 on 2026-07-01; it runs here on this machine only; move to python3\.13/,
    );
    expect(settings.runtimeCreateRefusal).toBeUndefined();
  });

  test('with no clock, no date is judged (callers that deploy pass one)', () => {
    const settings = readSettings((name) => ({ name: 'svc', runtime: 'python3.9' })[name as 'name'], env);
    expect(settings.runtimeWarning).toBeUndefined();
  });
});

describe('the shipped schedule', () => {
  test('every entry is an accepted runtime with an accepted replacement, dates in order', () => {
    for (const [runtime, dates] of Object.entries(LAMBDA_RUNTIME_SCHEDULE)) {
      expect(RUNTIMES).toContain(runtime);
      expect(RUNTIMES).toContain(dates.replacement);
      const order = [
        dates.deprecated,
        dates.createBlocked,
        dates.updateBlocked ?? dates.announcedUpdateBlock,
      ].filter((d) => d !== undefined);
      expect([...order].sort()).toEqual(order);
    }
  });

  test('the default runtime, python3.12, is supported today', () => {
    expect(runtimeStanding('python3.12', day('2026-12-06'), LAMBDA_RUNTIME_SCHEDULE)).toEqual({
      state: 'supported',
    });
  });

  test('python3.9, python3.10 and nodejs20.x are deprecated today, with a replacement and the day updates stop', () => {
    expect(runtimeStanding('python3.9', day('2026-12-06'), LAMBDA_RUNTIME_SCHEDULE)).toEqual({
      state: 'deprecated',
      deprecated: '2025-12-15',
      announcedUpdateBlock: '2027-03-03',
      replacement: 'python3.13',
    });
    expect(runtimeStanding('python3.10', day('2026-12-06'), LAMBDA_RUNTIME_SCHEDULE)).toEqual({
      state: 'deprecated',
      deprecated: '2026-10-31',
      announcedUpdateBlock: '2027-03-03',
      replacement: 'python3.13',
    });
    expect(runtimeStanding('nodejs20.x', day('2026-12-06'), LAMBDA_RUNTIME_SCHEDULE)).toMatchObject({
      state: 'deprecated',
      replacement: 'nodejs22.x',
    });
  });

  test('python3.11 and nodejs22.x (the Node.js default) are supported today and deprecated in 2027', () => {
    expect(runtimeStanding('python3.11', day('2026-12-06'), LAMBDA_RUNTIME_SCHEDULE)).toEqual({
      state: 'supported',
    });
    expect(runtimeStanding('nodejs22.x', day('2026-12-06'), LAMBDA_RUNTIME_SCHEDULE)).toEqual({
      state: 'supported',
    });
    expect(runtimeStanding('python3.11', day('2027-06-30'), LAMBDA_RUNTIME_SCHEDULE)).toMatchObject({
      state: 'deprecated',
    });
    expect(runtimeStanding('nodejs22.x', day('2027-04-30'), LAMBDA_RUNTIME_SCHEDULE)).toMatchObject({
      state: 'deprecated',
      replacement: 'nodejs24.x',
    });
  });

  test('a python3.10 deploy warns with the announced block date, before and after it, and is never refused on it', () => {
    const read = (now: Date) =>
      readSettings((name) => ({ name: 'svc', runtime: 'python3.10' })[name as 'name'], env, 'action', {
        now,
      });
    const warning =
      "runtime: python3.10 is deprecated by AWS Lambda since 2026-10-31 (no more security patches; AWS's schedule refuses updates from 2027-03-03); move to python3.13.";
    expect(read(day('2026-12-06')).runtimeWarning).toBe(warning);
    const after = read(day('2027-03-04'));
    expect(after.runtimeWarning).toBe(warning);
    expect(after.runtimeCreateRefusal).toBeUndefined();
  });
});
