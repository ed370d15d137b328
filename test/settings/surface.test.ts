import { describe, expect, it } from '@jest/globals';
import { Inputs } from '../../src/settings/names.js';
import { settingOf } from '../../src/settings/surface.js';

describe('settingOf', () => {
  it("says a workflow's input line as it is, and quotes a terminal's value where a shell would split or expand it", () => {
    expect(settingOf('action', Inputs.Exclude, 'tests/**')).toBe('exclude: tests/**');
    expect(settingOf('terminal', Inputs.Exclude, 'tests/**')).toBe('--exclude "tests/**"');
    expect(settingOf('terminal', Inputs.Exclude, 'data/?.csv')).toBe('--exclude "data/?.csv"');
    expect(settingOf('terminal', Inputs.PipArgs, '--no-index --find-links w')).toBe(
      '--pip-args "--no-index --find-links w"',
    );
    expect(settingOf('terminal', Inputs.Slim, 'true')).toBe('--slim true');
  });
});
