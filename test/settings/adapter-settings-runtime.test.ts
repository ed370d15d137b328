/**
 * The action's checks of the adapter's settings (src/settings/adapter-settings.ts)
 * and the adapter itself (runtime/python/_lambda_deploy_adapter.py) take the
 * same values: the adapter, run on every value below, takes a value exactly
 * when the action does (takes: no start-up error, nothing logged as ignored).
 * A rule changed on one side only fails here.
 */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { ADAPTER_SETTINGS, APP, LIFESPAN_VALUES } from '../../src/settings/adapter-settings.js';

const ADAPTER_DIR = new URL('../../runtime/python/', import.meta.url).pathname;
const PYTHON = process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3';

/** For each case [name, value]: whether the adapter's settings take it. */
const SCRIPT = `
import json, sys
sys.path.insert(0, sys.argv[1])
import _lambda_deploy_adapter as adapter

logged = []
adapter._log = logged.append

def takes(name, value):
    del logged[:]
    try:
        adapter._Settings({name: value})
    except adapter.StartupError:
        return False
    return not logged

cases = json.load(sys.stdin)
print(json.dumps({
    "names": sorted(v for k, v in vars(adapter).items()
                    if k.endswith("_VAR") and isinstance(v, str) and v.startswith("LAMBDA_DEPLOY_")),
    "lifespan": list(adapter.LIFESPAN_VALUES),
    "takes": [takes(name, value) for name, value in cases],
}))
`;

/** Values the adapter reads in _Settings, taken and refused, the YAML-comment kind among them. */
const VALUES: Record<string, string[]> = {
  LAMBDA_DEPLOY_LIFESPAN: [
    ...['', ' ', 'auto', 'on', 'off', 'AUTO', ' Off ', 'On\t'],
    ...[
      'maybe',
      'true',
      'auto # ASGI lifespan',
      'auto            # ASGI lifespan: auto (default), on or off',
    ],
  ],
  LAMBDA_DEPLOY_LIFESPAN_TIMEOUT: [
    ...['', ' ', '10', ' 30 ', '2.5', '.5', '5.', '1e3', '1.e2', '1_000', '+7', 'inf', '-Infinity', 'NaN'],
    ...['0', '-1', '0.0', 'soon', '10s', '1__0', '_1', '1_', '.', 'e3', '0x10', '1 0', '10 # seconds'],
  ],
  LAMBDA_DEPLOY_TEXT_TYPES: [
    ...['', ',', 'application/x-yaml', ' application/x-yaml , application/*+yaml ', 'TEXT/*,'],
    ...['yaml', 'application/x-yaml; charset=utf-8', 'application/x-yaml, json'],
    'application/x-yaml   # returned as text, on top of text/*, JSON, XML, JavaScript, SVG',
    'application/x-yaml # as text',
  ],
  LAMBDA_DEPLOY_BASE_PATH: [
    ...['', ' ', 'api', '/api/v1/', ' shop ', 'a%20b', '$v1'],
    ...['api v1', "api            # a custom domain's base path mapping", 'api\t#'],
  ],
};

function runAdapter(cases: [string, string][]): { names: string[]; lifespan: string[]; takes: boolean[] } {
  const out = execFileSync(PYTHON, ['-c', SCRIPT, ADAPTER_DIR], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return JSON.parse(out) as { names: string[]; lifespan: string[]; takes: boolean[] };
}

const cases = Object.entries(VALUES).flatMap(([name, values]) =>
  values.map((value) => [name, value] as [string, string]),
);
const adapter = runAdapter(cases);

describe('the adapter settings the action checks are the ones the adapter reads, with its rules', () => {
  test('the same variables, and the same LAMBDA_DEPLOY_LIFESPAN values', () => {
    expect(Object.keys(ADAPTER_SETTINGS).sort()).toEqual(adapter.names);
    expect([...LIFESPAN_VALUES]).toEqual(adapter.lifespan);
  });

  test('each value is taken by both or by neither', () => {
    const action = cases.map(([name, value]) => ADAPTER_SETTINGS[name]!.accepts(value));
    const row = (takes: boolean[]) =>
      cases.map(([name, value], i) => `${name}=${JSON.stringify(value)}: ${takes[i]}`);
    expect(row(action)).toEqual(row(adapter.takes));
    // Every variable has values of both kinds, so the comparison means something.
    for (const name of Object.keys(VALUES))
      expect(new Set(cases.flatMap(([n], i) => (n === name ? [adapter.takes[i]] : [])))).toEqual(
        new Set([true, false]),
      );
  });

  test("LAMBDA_DEPLOY_APP, which the adapter imports rather than reads in its settings, has the app input's form", () => {
    expect(Object.keys(VALUES)).toEqual(
      Object.keys(ADAPTER_SETTINGS).filter((n) => n !== 'LAMBDA_DEPLOY_APP'),
    );
    const app = ADAPTER_SETTINGS.LAMBDA_DEPLOY_APP!;
    for (const value of ['app:app', ' service.main:create_app() ', 'mysite.wsgi:application'])
      expect([value, app.accepts(value), APP.test(value.trim())]).toEqual([value, true, true]);
    for (const value of ['app', 'app.py', 'app:app # the app', 'app:app()x'])
      expect([value, app.accepts(value), APP.test(value.trim())]).toEqual([value, false, false]);
  });
});
