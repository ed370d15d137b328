/**
 * The WSGI/ASGI adapter's own settings (runtime/python/_lambda_deploy_adapter.py
 * reads them from the function's environment), checked where the `environment`
 * input is read: a bad value is an input error at deploy time, not a 500 on
 * every request of a deployed function. Each rule accepts what the adapter
 * accepts; test/settings/adapter-settings-runtime.test.ts runs the adapter on
 * the same values, so the two cannot drift apart.
 *
 * The other LAMBDA_DEPLOY_* variables of a function: LAMBDA_DEPLOY_HANDLER,
 * which the keep-warm wrappers (runtime/{python,node}/_lambda_deploy_warm.*)
 * read before their settings file, checked the same way; the slim loader's
 * LAMBDA_DEPLOY_SLIM_*, which the deploy sets itself, refused; and any other
 * LAMBDA_DEPLOY_* name, which nothing reads, warned about.
 */
import { SlimEnv } from '../model/slim-location.js';
import { closestName } from '../util/closest-name.js';
import { Inputs } from './names.js';
import { inputName, type Surface } from './surface.js';

/** `module:attribute` or `module:factory()`: the `app` input, and LAMBDA_DEPLOY_APP. */
export const APP = /^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(\))?$/;

/** LAMBDA_DEPLOY_LIFESPAN's values (the adapter's LIFESPAN_VALUES), any case. */
export const LIFESPAN_VALUES = ['auto', 'on', 'off'] as const;

/** A number as Python's float() reads it (ASCII digits; `_` between digits; inf, nan). */
const PY_FLOAT =
  /^[+-]?(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.?(?:[eE][+-]?\d(?:_?\d)*)?|inf(?:inity)?|nan)$/i;

function pythonFloat(text: string): number {
  if (!PY_FLOAT.test(text)) return NaN;
  const t = text.toLowerCase();
  if (t.includes('inf')) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(t.replaceAll('_', ''));
}

/** A media type (pattern) item of LAMBDA_DEPLOY_TEXT_TYPES: `type/subtype`, no parameters, no spaces. */
function mediaTypeItem(item: string): boolean {
  return item.includes('/') && !item.includes(';') && !/\s/.test(item);
}

interface AdapterSetting {
  /** What the message says is expected. */
  expected: string;
  /** Whether the adapter takes the value as it arrives in the function's environment. */
  accepts(value: string): boolean;
}

export const ADAPTER_SETTINGS: Readonly<Record<string, AdapterSetting>> = {
  LAMBDA_DEPLOY_APP: {
    expected: 'module:attribute, like "app:app" or "service.main:create_app()"',
    // Empty: the adapter reads the app from _lambda_deploy_settings.json, as without the variable.
    accepts: (v) => v.trim() === '' || APP.test(v.trim()),
  },
  LAMBDA_DEPLOY_LIFESPAN: {
    expected: 'auto, on or off',
    accepts: (v) => (LIFESPAN_VALUES as readonly string[]).includes((v || 'auto').trim().toLowerCase()),
  },
  LAMBDA_DEPLOY_LIFESPAN_TIMEOUT: {
    expected: 'a number of seconds greater than 0, like 30',
    accepts: (v) => v.trim() === '' || pythonFloat(v.trim()) > 0,
  },
  LAMBDA_DEPLOY_TEXT_TYPES: {
    expected: 'media types separated by commas, like "application/x-yaml, application/*+yaml"',
    accepts: (v) =>
      v
        .split(',')
        .map((item) => item.trim())
        .every((item) => item === '' || mediaTypeItem(item)),
  },
  LAMBDA_DEPLOY_BASE_PATH: {
    expected: 'a path without spaces, like "api" or "api/v1"',
    accepts: (v) => !/\s/.test(v.trim()),
  },
};

/**
 * A handler in Lambda's syntax, as both keep-warm wrappers split it: a file or
 * module (folders before it with `/`), a dot, then the function (an export
 * path on Node.js: `app.obj.fn`). No empty part: both refuse `app.`, Node.js
 * also `app..fn`.
 */
const WARM_HANDLER = /^(?:[\w-][\w.-]*\/)*[A-Za-z_][\w-]*(?:\.[A-Za-z_$][\w$]*)+$/;

/** Read by the keep-warm wrappers, not by the adapter. */
export const WARM_SETTINGS: Readonly<Record<string, AdapterSetting>> = {
  LAMBDA_DEPLOY_HANDLER: {
    expected:
      'file or module, a dot, then the function, like "app.handler", "src/index.handler" or "app.api.handler"',
    // Empty: the wrapper reads the handler from _lambda_deploy_settings.json, as without the variable.
    accepts: (v) => v.trim() === '' || WARM_HANDLER.test(v.trim()),
  },
};

/** Set by the deploy itself for a slim package; a user's value would be overwritten or mislead it. */
export const RESERVED_SETTINGS: Readonly<Record<string, string>> = {
  [SlimEnv.Bucket]: "where a slim package's dependencies archive is",
  [SlimEnv.Key]: "where a slim package's dependencies archive is",
  [SlimEnv.Owner]: "where a slim package's dependencies archive is",
};

/** Read by lambda-deploy's own process (packaging, the CLI), never by a function. */
const PROCESS_SETTINGS = [
  'LAMBDA_DEPLOY_PYTHON',
  'LAMBDA_DEPLOY_DEBUG',
  'LAMBDA_DEPLOY_QUIET_NODE_NOTICE',
  'LAMBDA_DEPLOY_TEST_PYTHON',
  'LAMBDA_DEPLOY_WAIT_SCALE',
];

/** Why `name` cannot be set in `environment` (a problem), or undefined when it may be. */
export function reservedSettingProblem(name: string): string | undefined {
  const why = Object.hasOwn(RESERVED_SETTINGS, name) ? RESERVED_SETTINGS[name] : undefined;
  return why
    ? `"${name}" is set by lambda-deploy itself (${why}) and cannot be set; expected another name (the slim setting decides whether there is an archive)`
    : undefined;
}

/**
 * The expected form of a bad adapter or keep-warm setting, for "NAME is VALUE; expected …";
 * undefined when the value is fine or the name is not one of those settings.
 */
export function adapterSettingExpected(name: string, value: string): string | undefined {
  const setting = Object.hasOwn(ADAPTER_SETTINGS, name)
    ? ADAPTER_SETTINGS[name]
    : Object.hasOwn(WARM_SETTINGS, name)
      ? WARM_SETTINGS[name]
      : undefined;
  if (!setting || setting.accepts(value)) return undefined;
  // `KEY=auto   # the mode` under `environment: |` is no YAML comment: the block keeps it.
  const comment = /\s#/.test(value)
    ? '. A YAML block scalar (environment: |) keeps a "# comment" as part of the value: put the comment on a line of its own'
    : '';
  return `${setting.expected}${comment}`;
}

const SETTABLE = [...Object.keys(ADAPTER_SETTINGS), ...Object.keys(WARM_SETTINGS)];
const PREFIX = 'LAMBDA_DEPLOY_';

/**
 * Warnings for the LAMBDA_DEPLOY_* variables of `environment` that nothing will
 * read: a misspelled or wrongly cased name (naming the one meant), a setting of
 * lambda-deploy's own process, or a setting whose reader this package lacks
 * (the adapter comes only with `app`, the keep-warm wrapper only with
 * `keep-warm` and a handler). Warnings, not errors: the variable may be the
 * user's own, and it is set on the function as it is.
 */
export function runtimeSettingWarnings(
  environment: Readonly<Record<string, string>>,
  uses: { app: boolean; keepWarm: boolean },
  surface: Surface = 'action',
): string[] {
  const input = inputName(surface, Inputs.Environment);
  const warnings: string[] = [];
  for (const name of Object.keys(environment)) {
    if (!name.toUpperCase().startsWith(PREFIX) || Object.hasOwn(RESERVED_SETTINGS, name)) continue;
    if (Object.hasOwn(ADAPTER_SETTINGS, name)) {
      if (!uses.app)
        warnings.push(
          `${input}: ${name} is read by the WSGI/ASGI adapter, which a package has only with app: here it does nothing.`,
        );
    } else if (Object.hasOwn(WARM_SETTINGS, name)) {
      if (uses.app || !uses.keepWarm)
        warnings.push(
          `${input}: ${name} is read by the keep-warm wrapper, which a package has only with keep-warm and a handler (not app): here it does nothing.`,
        );
    } else if (PROCESS_SETTINGS.includes(name)) {
      warnings.push(
        `${input}: ${name} is read by lambda-deploy from its own environment (the step's env:, or the terminal's), not from the function's: set there, it only becomes a variable of the function.`,
      );
    } else {
      const cased = SETTABLE.find((known) => known === name.toUpperCase());
      // Compared without the prefix, so a typo's distance is measured against the part that differs.
      const near = closestName(
        name.slice(PREFIX.length),
        SETTABLE.map((known) => known.slice(PREFIX.length)),
      );
      const meant = cased ?? (near && `${PREFIX}${near}`);
      warnings.push(
        `${input}: ${name} is not a variable lambda-deploy reads` +
          (meant
            ? `${cased ? ' (names are case-sensitive)' : ''}; did you mean ${meant}?`
            : ` (those are ${SETTABLE.join(', ')}).`) +
          ' It is set on the function as it is.',
      );
    }
  }
  return warnings;
}
