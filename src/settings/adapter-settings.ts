/**
 * The WSGI/ASGI adapter's own settings (runtime/python/_lambda_deploy_adapter.py
 * reads them from the function's environment), checked where the `environment`
 * input is read: a bad value is an input error at deploy time, not a 500 on
 * every request of a deployed function. Each rule accepts what the adapter
 * accepts; test/settings/adapter-settings-runtime.test.ts runs the adapter on
 * the same values, so the two cannot drift apart.
 */

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
 * The expected form of a bad adapter setting, for "NAME is VALUE; expected …"; undefined
 * when the value is fine or the name is not one of the adapter's settings.
 */
export function adapterSettingExpected(name: string, value: string): string | undefined {
  const setting = Object.hasOwn(ADAPTER_SETTINGS, name) ? ADAPTER_SETTINGS[name] : undefined;
  if (!setting || setting.accepts(value)) return undefined;
  // `KEY=auto   # the mode` under `environment: |` is no YAML comment: the block keeps it.
  const comment = /\s#/.test(value)
    ? '. A YAML block scalar (environment: |) keeps a "# comment" as part of the value: put the comment on a line of its own'
    : '';
  return `${setting.expected}${comment}`;
}
