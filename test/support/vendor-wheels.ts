/**
 * Offline wheels for tests that install requirements (pip cannot reach the
 * index here): `pip install --no-index --find-links DIR` then resolves them.
 * The work is done by vendor-wheels.py, in the Python the action under test uses.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(new URL('.', import.meta.url).pathname, 'vendor-wheels.py');

/** The Python the packager and the local runtime use in the e2e tests (see run-action.ts). */
export function testPython(): string {
  return process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3';
}

/**
 * Flask's upstream requirements, restored where the installed metadata lists
 * none (Debian's python3-flask strips them; dpkg tracks them instead).
 */
export const FLASK_REQUIRES: Record<string, string[]> = {
  flask: ['werkzeug', 'jinja2', 'itsdangerous', 'click', 'blinker'],
  werkzeug: ['markupsafe'],
  jinja2: ['markupsafe'],
};

function runScript(python: string, args: string[], input?: string): string[] {
  const out = execFileSync(python, [SCRIPT, ...args], {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return out.split('\n').filter(Boolean);
}

/**
 * Repackages distributions installed in `python` (and what they require
 * there) as py3-none-any wheels in `outDir`, without compiled extensions.
 * Returns the wheel file names.
 */
export function vendorWheels(
  outDir: string,
  distributions: readonly string[],
  options: { python?: string; requires?: Record<string, string[]> } = {},
): string[] {
  const requires = Object.entries(options.requires ?? {}).flatMap(([dist, deps]) => [
    '--require',
    `${dist}=${deps.join(',')}`,
  ]);
  return runScript(options.python ?? testPython(), ['vendor', outDir, ...distributions, ...requires]);
}

/** Flask and everything it needs, as wheels in `outDir`. */
export function vendorFlask(outDir: string, python?: string): string[] {
  return vendorWheels(outDir, ['flask'], { python, requires: FLASK_REQUIRES });
}

export interface WheelSpec {
  name: string;
  version: string;
  /** Archive path -> text, e.g. `{'tinydep/__init__.py': 'VALUE = 1\n'}`. */
  files: Record<string, string>;
  /** Requires-Dist lines. */
  requires?: string[];
  /** Archive path -> size: files of zero bytes (a big installed tree from a small wheel). */
  zeros?: Record<string, number>;
}

/** Writes one small py3-none-any wheel into `outDir`; returns its file name. */
export function buildWheel(outDir: string, spec: WheelSpec, python?: string): string {
  const [name] = runScript(python ?? testPython(), ['build', outDir], JSON.stringify(spec));
  if (!name) throw new Error(`vendor-wheels.py wrote no wheel for ${spec.name}`);
  return name;
}
