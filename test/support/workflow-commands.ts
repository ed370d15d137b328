/**
 * What the GitHub runner makes of a step's output: which lines it executes as
 * workflow commands. Modelled on actions/runner's ProcessInvoker (stdout and
 * stderr each read by StreamReader.ReadLine on its own thread, queued apart and
 * handed on in no fixed order between the two), OutputManager and
 * ActionCommandManager (one stop-commands state for both streams) and
 * ActionCommand's parsers:
 * - TryParseV2: the line TrimStart()ed (.NET white space), `StartsWith("::")`,
 *   then `IndexOf("::", 2)`; the name is the ordinal text from index 2;
 * - TryParse (legacy): `IndexOf("##[")`, the name the ordinal text from 3
 *   past it up to the next `]`.
 * StartsWith(string) and IndexOf(string) compare by the culture: with ICU (the
 * runner's globalization) a character of no collation weight (U+200B, U+00AD,
 * U+FEFF...) is skipped in the line as if absent; indices stay ordinal.
 */

export interface WorkflowCommand {
  name: string;
  properties: Record<string, string>;
  data: string;
  /** 1-based line of the stream. */
  line: number;
}

/** The runner's registered commands (set-output and save-state are deprecated, still processed). */
const COMMANDS = new Set([
  'set-output',
  'save-state',
  'set-env',
  'add-path',
  'add-mask',
  'add-matcher',
  'remove-matcher',
  'debug',
  'notice',
  'warning',
  'error',
  'group',
  'endgroup',
  'echo',
  'stop-commands',
]);

/** .NET's Char.IsWhiteSpace, which TrimStart removes (JavaScript's \s adds U+FEFF and lacks U+0085). */
const DOTNET_LEADING_WHITE_SPACE =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** ICU's root collation (Node's Intl, as .NET's ICU): a character of no weight at tertiary strength. */
const collator = new Intl.Collator('en', { sensitivity: 'variant' });
const weightless = new Map<string, boolean>();
export function ignorable(char: string): boolean {
  let known = weightless.get(char);
  if (known === undefined) weightless.set(char, (known = collator.compare(`a${char}b`, 'ab') === 0));
  return known;
}

/** Where `needle` (ASCII) matches `text` from `at`, ignorable characters of `text` skipped; the end, or -1. */
function matchAt(text: string, needle: string, at: number): number {
  let i = at;
  for (const wanted of needle) {
    while (i < text.length && ignorable(text[i]!)) i++;
    if (text[i] !== wanted) return -1;
    i++;
  }
  return i;
}

/** .NET's culture-sensitive `text.IndexOf(needle, from)`. */
function cultureIndexOf(text: string, needle: string, from = 0): number {
  for (let i = from; i < text.length; i++)
    if (!ignorable(text[i]!) && matchAt(text, needle, i) >= 0) return i;
  return -1;
}

function properties(info: string, space: number, separator: string): Record<string, string> {
  const found: Record<string, string> = {};
  if (space > 0)
    for (const pair of info.slice(space + 1).split(separator)) {
      const eq = pair.indexOf('=');
      if (eq > 0) found[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
    }
  return found;
}

function named(info: string, registered: Set<string>, separator: string, data: string) {
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  return registered.has(name.toLowerCase())
    ? { name, properties: properties(info, space, separator), data }
    : undefined;
}

function parse(line: string, registered: Set<string>): Omit<WorkflowCommand, 'line'> | undefined {
  const trimmed = line.replace(DOTNET_LEADING_WHITE_SPACE, '');
  if (matchAt(trimmed, '::', 0) >= 0) {
    const end = cultureIndexOf(trimmed, '::', 2);
    const command =
      end >= 0 ? named(trimmed.slice(2, end), registered, ',', trimmed.slice(end + 2)) : undefined;
    if (command) return command;
  }
  const legacy = cultureIndexOf(line, '##[');
  if (legacy < 0) return undefined;
  const close = line.indexOf(']', legacy);
  // Substring with a negative length throws, which TryParse takes for no command.
  if (close < legacy + 3) return undefined;
  return named(line.slice(legacy + 3, close), registered, ';', line.slice(close + 1));
}

/** .NET's ReadLine: a CR alone ends a line too (U+2028 and U+0085 do not). */
const linesOf = (stream: string): string[] => stream.split(/\r\n|\r|\n/);

/** The runner's ActionCommandManager: one stop state (its resume token, if stopped) for every stream of the step. */
class CommandManager {
  private readonly registered = new Set(COMMANDS);

  constructor(public stopToken?: string) {
    if (stopToken !== undefined) this.registered.add(stopToken.toLowerCase());
  }

  /** What `text` does: runs a command (stop-commands too), resumes, or nothing. */
  process(text: string): { command: Omit<WorkflowCommand, 'line'>; resumed: boolean } | undefined {
    const command = parse(text, this.registered);
    if (!command) return undefined;
    const name = command.name.toLowerCase();
    if (this.stopToken !== undefined) {
      if (name !== this.stopToken.toLowerCase()) return undefined;
      this.registered.delete(name);
      this.stopToken = undefined;
      return { command, resumed: true };
    }
    if (name === 'stop-commands') {
      this.stopToken = command.data;
      this.registered.add(command.data.toLowerCase());
    }
    return { command, resumed: false };
  }
}

/** The commands the runner would execute for this one stream, in order (stop-commands among them, not resume tokens). */
export function executedCommands(stdout: string): WorkflowCommand[] {
  const manager = new CommandManager();
  const executed: WorkflowCommand[] = [];
  linesOf(stdout).forEach((text, index) => {
    const done = manager.process(text);
    if (done && !done.resumed) executed.push({ ...done.command, line: index + 1 });
  });
  return executed;
}

/**
 * The commands, stop-commands aside, that the runner runs in some order of
 * the lines of `stdout` and `stderr`: each stream's lines in their order, the
 * two merged in any way, as the runner's two readers may. Every merge is
 * walked, with the stop state each reaches.
 */
export function commandsInAnyOrder(stdout: string, stderr: string): (WorkflowCommand & { stream: string })[] {
  const streams = [linesOf(stdout), linesOf(stderr)];
  const found = new Map<string, WorkflowCommand & { stream: string }>();
  const seen = new Set<string>();
  const pending: [number, number, string | undefined][] = [[0, 0, undefined]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [i, j, token] = next;
    const key = JSON.stringify(next);
    if (seen.has(key)) continue;
    seen.add(key);
    for (const s of [0, 1]) {
      const at = s ? j : i;
      const text = streams[s]![at];
      if (text === undefined) continue;
      const manager = new CommandManager(token);
      const done = manager.process(text);
      if (done && !done.resumed && done.command.name.toLowerCase() !== 'stop-commands')
        found.set(`${s}:${at}`, { ...done.command, line: at + 1, stream: s ? 'stderr' : 'stdout' });
      pending.push(s ? [i, j + 1, manager.stopToken] : [i + 1, j, manager.stopToken]);
    }
  }
  return [...found.values()];
}
