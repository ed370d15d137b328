import type { Settings } from '../model/settings.js';
import { INPUT_DEFAULTS, type InputName } from './names.js';
import type { Surface } from './surface.js';

/** Where raw input values come from: the action's inputs, or CLI flags. */
export type InputSource = (name: InputName) => string | undefined;

export type Checked<K extends keyof Settings> = Pick<Settings, K>;

/** An input value quoted for a message, cut at 200 characters. */
export function show(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

/**
 * Reads raw inputs and collects every problem instead of stopping at the
 * first, so a user fixes them all in one run. Each check names the input,
 * quotes the value and states the expected form.
 */
export class InputReader {
  readonly problems: string[] = [];

  /** `surface`: who reads the problems, a workflow's author or a terminal's user (its wording). */
  constructor(
    private readonly read: InputSource,
    readonly surface: Surface = 'action',
  ) {}

  /** The value as given, trimmed ('' when not set). */
  raw(name: InputName): string {
    return (this.read(name) ?? '').trim();
  }

  given(name: InputName): boolean {
    return this.raw(name) !== '';
  }

  /** The value, or action.yml's default when not set (an expression default counts as none). */
  value(name: InputName): string {
    const v = this.raw(name);
    if (v !== '') return v;
    const d = INPUT_DEFAULTS[name];
    return d.startsWith('${{') ? '' : d;
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  bad(name: InputName, expected: string, shown: string = this.value(name)): void {
    this.problems.push(`${name}: ${show(shown)} is not valid; expected ${expected}.`);
  }

  oneOf<T extends string>(name: InputName, allowed: readonly T[]): T {
    const v = this.value(name);
    if (!(allowed as readonly string[]).includes(v)) this.bad(name, `one of ${allowed.join(', ')}`);
    return v as T;
  }

  bool(name: InputName): boolean {
    const v = this.value(name);
    if (/^(true|yes|on|1)$/i.test(v)) return true;
    if (/^(false|no|off|0)$/i.test(v)) return false;
    this.bad(name, 'true or false');
    return false;
  }

  integer(name: InputName, min: number, max: number, unit = ''): number | undefined {
    const v = this.value(name);
    if (v === '') return undefined;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) {
      this.bad(name, `a whole number from ${min} to ${max}${unit}`);
      return undefined;
    }
    return n;
  }
}
