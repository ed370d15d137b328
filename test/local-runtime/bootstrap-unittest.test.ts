import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';

// Runs the Python bootstrap's own unittest suite (test_bootstrap.py) so `npm test` covers it.
it('passes test_bootstrap.py', async () => {
  const python = process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3';
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const cache = join(dir, '__pycache__');
  const cachedBefore = existsSync(cache);
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      python,
      ['-m', 'unittest', 'discover', '-s', dir, '-p', 'test_bootstrap.py'],
      // No bytecode: importing test_bootstrap.py would leave __pycache__ in the repository.
      { env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1' }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
  expect({ code, output }).toEqual({
    code: 0,
    output: expect.stringMatching(/Ran \d+ tests[\s\S]*\nOK\s*$/),
  });
  // The run leaves no bytecode in the repository (one there before is an older run's).
  if (!cachedBefore) expect(existsSync(cache)).toBe(false);
});
