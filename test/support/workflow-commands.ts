/**
 * What the GitHub runner makes of a step's stdout: which lines it executes
 * as workflow commands. Modelled on the runner's ActionCommandManager and
 * ActionCommand parsers: `::name props::data` at the start of a line (after
 * leading spaces), the legacy `##[name props]data` anywhere in a line, and
 * `::stop-commands::TOKEN` ... `::TOKEN::`, between which nothing runs.
 */

export interface WorkflowCommand {
  name: string;
  properties: Record<string, string>;
  data: string;
  /** 1-based line of stdout. */
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

function parse(line: string, registered: Set<string>): Omit<WorkflowCommand, 'line'> | undefined {
  // .NET's TrimStart: JavaScript's blanks and U+0085 (NEXT LINE), which .NET counts as white space.
  const trimmed = line.replace(/^[\s\u0085]+/, '');
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2);
    if (end >= 0) {
      const info = trimmed.slice(2, end);
      const space = info.indexOf(' ');
      const name = space < 0 ? info : info.slice(0, space);
      if (registered.has(name.toLowerCase())) {
        const properties: Record<string, string> = {};
        if (space > 0)
          for (const pair of info.slice(space + 1).split(',')) {
            const eq = pair.indexOf('=');
            if (eq > 0) properties[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
          }
        return { name, properties, data: trimmed.slice(end + 2) };
      }
    }
  }
  const legacy = line.indexOf('##[');
  if (legacy >= 0) {
    const close = line.indexOf(']', legacy);
    if (close >= 0) {
      const info = line.slice(legacy + 3, close);
      const space = info.indexOf(' ');
      const name = space < 0 ? info : info.slice(0, space);
      if (registered.has(name.toLowerCase())) {
        const properties: Record<string, string> = {};
        if (space > 0)
          for (const pair of info.slice(space + 1).split(';')) {
            const eq = pair.indexOf('=');
            if (eq > 0) properties[pair.slice(0, eq)] = pair.slice(eq + 1);
          }
        return { name, properties, data: line.slice(close + 1) };
      }
    }
  }
  return undefined;
}

/** The commands the runner would execute for this stdout, in order. */
export function executedCommands(stdout: string): WorkflowCommand[] {
  const registered = new Set(COMMANDS);
  const executed: WorkflowCommand[] = [];
  let stopToken: string | undefined;
  // .NET's ReadLine: a CR alone ends a line too.
  stdout.split(/\r\n|\r|\n/).forEach((text, index) => {
    const command = parse(text, registered);
    if (!command) return;
    const name = command.name.toLowerCase();
    if (stopToken !== undefined) {
      if (name === stopToken.toLowerCase()) {
        registered.delete(stopToken.toLowerCase());
        stopToken = undefined;
      }
      return;
    }
    if (name === 'stop-commands') {
      stopToken = command.data;
      registered.add(stopToken.toLowerCase());
    }
    executed.push({ ...command, line: index + 1 });
  });
  return executed;
}
