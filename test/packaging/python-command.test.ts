import { describe, expect, it } from '@jest/globals';
import { pythonExecutable, windowsStoreStub } from '../../src/packaging/python-command.js';

describe('pythonExecutable: the one choice of Python for pip, the handler check, slim and serve', () => {
  it('is python3 on Linux and macOS, python on Windows (where python3 is often the Microsoft Store stub)', () => {
    expect(pythonExecutable({}, 'linux')).toBe('python3');
    expect(pythonExecutable({}, 'darwin')).toBe('python3');
    expect(pythonExecutable({}, 'win32')).toBe('python');
  });

  it('is LAMBDA_DEPLOY_PYTHON when set, on every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const)
      expect(pythonExecutable({ LAMBDA_DEPLOY_PYTHON: 'C:\\Python312\\python.exe' }, platform)).toBe(
        'C:\\Python312\\python.exe',
      );
  });

  it("recognises the Store stub's answer (exit 9009) instead of a Python", () => {
    expect(
      windowsStoreStub(
        'Python was not found; run without arguments to install from the Microsoft Store, or disable this shortcut from Settings > Manage App Execution Aliases.\n',
      ),
    ).toBe(true);
    expect(windowsStoreStub('ERROR: No matching distribution found for numpy')).toBe(false);
  });
});
