/** The environment input: KEY=VALUE lines, checked without ever quoting a line that may hold a secret. */
import { adapterSettingExpected, reservedSettingProblem } from './adapter-settings.js';
import { show, type InputReader } from './input-reader.js';
import { Inputs } from './names.js';
import { inputName, settingOf } from './surface.js';

/** Variables Lambda sets itself and refuses in a function's configuration. */
export const RESERVED_ENV_NAMES: readonly string[] = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];

const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st. */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** 16 or more letters and digits, both cases and a digit, no underscore: a key's body, not a variable's name. */
function secretShaped(name: string): boolean {
  return (
    name.length >= 16 && /[a-z]/.test(name) && /[A-Z]/.test(name) && /\d/.test(name) && !name.includes('_')
  );
}

/**
 * KEY=VALUE lines; a bad line is pointed at by number, never quoted (it may hold a secret):
 * its line in the action's input, or which --environment flag in a terminal (one line each).
 * The adapter's own LAMBDA_DEPLOY_* settings are checked too, and a bad value is quoted:
 * they name modes, media types and paths, never a secret.
 */
export function readEnvironment(r: InputReader): Record<string, string> {
  const environment: Record<string, string> = {};
  const lines: Record<string, number> = {};
  const terminal = r.surface === 'terminal';
  // Pointed at, not quoted: "line 3" of the action's input; "the 3rd value" of a terminal's repeated flag.
  const at = (index: number) => (terminal ? `the ${ordinal(index + 1)} value` : `line ${index + 1}`);
  // Numbered as written (blank and comment lines count), so the message can point at a line it does not quote.
  for (const [index, raw] of r.value(Inputs.Environment).split(/\r?\n/).entries()) {
    // trim() also drops the \r of a CRLF file.
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      // Not quoted: a line without `=` may be a secret pasted on its own.
      r.problem(
        terminal
          ? `${Inputs.Environment}: ${at(index)} (not shown: it may hold a secret) has no "="; expected KEY=VALUE, one variable per ${inputName(r.surface, Inputs.Environment)}, like ${settingOf(r.surface, Inputs.Environment, 'LOG_LEVEL=debug')}.`
          : `${Inputs.Environment}: ${at(index)} (not shown: it may hold a secret) has no KEY=VALUE form; expected one KEY=VALUE per line.`,
      );
      continue;
    }
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1);
    // Not quoted either: a padded base64 secret pasted alone ("q8J+f/…==") splits at its first "=".
    if (!ENV_KEY.test(key))
      r.problem(
        `${Inputs.Environment}: ${at(index)} (not shown: it may hold a secret) does not start with a valid name; expected KEY=VALUE, the KEY of letters, digits and underscores, starting with a letter.`,
      );
    // A "name" followed by padding only is the body of a base64 secret: it would become a variable name, and a tag.
    else if (/^=+$/.test(value) || (value === '' && secretShaped(key)))
      r.problem(
        `${Inputs.Environment}: ${at(index)} (not shown: it may hold a secret) has ${value ? 'only "="' : 'nothing'} after a name that looks like a base64 value pasted without KEY=; expected KEY=VALUE.`,
      );
    else if (RESERVED_ENV_NAMES.includes(key))
      r.problem(
        `${Inputs.Environment}: ${show(key)} is reserved by Lambda and cannot be set; expected another name.`,
      );
    else if (reservedSettingProblem(key)) r.problem(`${Inputs.Environment}: ${reservedSettingProblem(key)}.`);
    else if (Object.hasOwn(lines, key))
      // The later line would win unseen: one of the two is a mistake (a pasted block, a merge).
      r.problem(
        `${Inputs.Environment}: ${show(key)} is set ${terminal ? `by the ${ordinal(lines[key]! + 1)} and the ${ordinal(index + 1)} value` : `on lines ${lines[key]! + 1} and ${index + 1}`}; expected each name once.`,
      );
    else {
      lines[key] = index;
      const expected = adapterSettingExpected(key, value);
      if (expected) r.problem(`${Inputs.Environment}: ${key} is ${show(value)}; expected ${expected}.`);
      else environment[key] = value;
    }
  }
  return environment;
}
