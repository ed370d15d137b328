import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';

// Runs the Python bootstrap's own unittest suite (test_bootstrap.py) so `npm test` covers it.
it('passes test_bootstrap.py', async () => {
  const python = process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3';
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      python,
      ['-m', 'unittest', 'discover', '-s', dir, '-p', 'test_bootstrap.py'],
      { env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
  expect({ code, output }).toEqual({
    code: 0,
    output: expect.stringMatching(/Ran \d+ tests[\s\S]*\nOK\s*$/),
  });
});
