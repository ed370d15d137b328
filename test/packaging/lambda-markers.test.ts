import { describe, expect, it } from '@jest/globals';
import { lambdaMarkerEnvironment } from '../../src/packaging/lambda-markers.js';
import { lambdaPythonPlatform } from '../../src/packaging/python-platform.js';

describe('lambdaMarkerEnvironment', () => {
  it("is Lambda's Linux CPython for the runtime and architecture, never the runner's kernel", () => {
    expect(lambdaMarkerEnvironment(lambdaPythonPlatform('python3.13', 'arm64'))).toEqual({
      implementation_name: 'cpython',
      implementation_version: '3.13.0',
      os_name: 'posix',
      platform_machine: 'aarch64',
      platform_python_implementation: 'CPython',
      platform_release: '',
      platform_system: 'Linux',
      platform_version: '',
      python_full_version: '3.13.0',
      python_version: '3.13',
      sys_platform: 'linux',
    });
    expect(lambdaMarkerEnvironment(lambdaPythonPlatform('python3.9', 'x86_64'))).toMatchObject({
      platform_machine: 'x86_64',
      python_version: '3.9',
    });
  });

  it("takes the patch release from pip-args' --python-version of the runtime's minor, and nothing else from platform options", () => {
    const platform = lambdaPythonPlatform('python3.12', 'x86_64');
    const markers = (pipArgs: string[]) => lambdaMarkerEnvironment(platform, pipArgs);
    expect(markers(['--python-version', '3.12.4'])).toMatchObject({
      python_full_version: '3.12.4',
      implementation_version: '3.12.4',
      python_version: '3.12',
    });
    expect(markers(['--python-version=3.12.7'])).toMatchObject({ python_full_version: '3.12.7' });
    // Abbreviated, as pip takes it.
    expect(markers(['--python-vers', '3.12.5'])).toMatchObject({ python_full_version: '3.12.5' });
    // Another minor, or no patch: the function still runs on python3.12.
    expect(markers(['--python-version', '3.11.2'])).toMatchObject({
      python_full_version: '3.12.0',
      python_version: '3.12',
    });
    expect(markers(['--python-version', '312'])).toMatchObject({ python_full_version: '3.12.0' });
    expect(markers(['--platform', 'manylinux2014_aarch64'])).toMatchObject({ platform_machine: 'x86_64' });
  });
});
