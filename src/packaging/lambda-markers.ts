import { join } from 'node:path';
import { runtimeAssetsDir } from '../util/assets.js';
import { optionValues } from '../settings/pip-options.js';
import type { LambdaPythonPlatform } from './python-platform.js';

/** The script that runs pip with Lambda's markers: runtime/python/_lambda_deploy_pip.py. */
export function pipBootstrapPath(): string {
  return join(runtimeAssetsDir(), 'python', '_lambda_deploy_pip.py');
}

/** The line the script writes when pip decides markers with the Python that runs it; what follows says why. */
export const MARKERS_FALLBACK = /^lambda-deploy: pip decides environment markers with this Python: (.+)$/m;

/**
 * The environment markers (PEP 508) of Lambda's Python for `platform`: what
 * pip decides `python_version`, `platform_machine`, ... with, in the
 * requirements and in every wheel's Requires-Dist.
 *
 * python_full_version is `3.N.0`: Lambda updates the patch release itself,
 * and pip checks Requires-Python against 3.N.0 for `--python-version 3.N`,
 * so both decide alike. A `--python-version 3.N.P` of the same minor in
 * pip-args names the patch release. Platform options in pip-args choose
 * which wheel files pip accepts; the markers stay those of the runtime and
 * architecture the function runs on. The kernel (platform_release,
 * platform_version) is Lambda's own and unknown here: empty, never the
 * runner's.
 */
export function lambdaMarkerEnvironment(
  platform: LambdaPythonPlatform,
  pipArgs: readonly string[] = [],
): Record<string, string> {
  const named = optionValues(pipArgs, '--python-version').at(-1);
  const full = named && named.startsWith(`${platform.pythonVersion}.`) && /^\d+\.\d+\.\d+$/.test(named);
  const version = full ? named : `${platform.pythonVersion}.0`;
  return {
    implementation_name: 'cpython',
    implementation_version: version,
    os_name: 'posix',
    platform_machine: platform.machine,
    platform_python_implementation: 'CPython',
    platform_release: '',
    platform_system: 'Linux',
    platform_version: '',
    python_full_version: version,
    python_version: platform.pythonVersion,
    sys_platform: 'linux',
  };
}
