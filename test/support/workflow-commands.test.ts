/** The runner model against the rules of actions/runner's parser (ActionCommand.cs, ActionCommandManager.cs, ProcessInvoker.cs). */
import { describe, expect, test } from '@jest/globals';
import { commandsInAnyOrder, executedCommands, ignorable } from './workflow-commands.js';

const names = (stream: string) => executedCommands(stream).map((c) => c.name);

describe('the runner model', () => {
  test('`::name::` after .NET white space (U+0085 too, not U+FEFF), `##[name]` anywhere; CR ends a line, U+2028 does not', () => {
    expect(names('::error::x\n \t\u0085\u00a0::warning::y\nsay ##[add-mask]z')).toEqual([
      'error',
      'warning',
      'add-mask',
    ]);
    expect(names('shown\r::error::x')).toEqual(['error']);
    expect(names('shown\u2028::error::x\nsay :: error::x')).toEqual([]);
    // ICU skips U+FEFF in StartsWith("::"), but the name is read from index 2: ":error".
    expect(names('\ufeff::error::x')).toEqual([]);
  });

  test('ICU: zero-width characters weigh nothing (skipped by StartsWith and IndexOf); U+2800 weighs', () => {
    for (const char of ['\u200b', '\u200d', '\u2060', '\u00ad', '\ufeff']) expect(ignorable(char)).toBe(true);
    for (const char of ['\u2800', ' ', ':', '#', '[']) expect(ignorable(char)).toBe(false);
  });

  test('two streams share one stop state and merge in any order: a block on each lets the other run', () => {
    const stdout = '::stop-commands::a\n::error::from-stdout\n::a::\n';
    const stderr = '::stop-commands::b\n::error::from-stderr\n::b::\n';
    expect(executedCommands(stdout).map((c) => c.name)).toEqual(['stop-commands']);
    expect(executedCommands(stderr).map((c) => c.name)).toEqual(['stop-commands']);
    expect(
      commandsInAnyOrder(stdout, stderr)
        .map((c) => `${c.stream} ${c.data}`)
        .sort(),
    ).toEqual(['stderr from-stderr', 'stdout from-stdout']);
    // One stream's block alone holds in any order.
    expect(commandsInAnyOrder(stdout, 'plain\nlines\n')).toEqual([]);
  });
});
