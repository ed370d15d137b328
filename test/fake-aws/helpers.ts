/** Shared pieces of the fake AWS's own tests. */
import { expect } from '@jest/globals';

/** The error an SDK call rejected with: its name, HTTP status and message. */
export async function awsError(
  promise: Promise<unknown>,
): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail, it succeeded');
}

export async function expectAwsError(
  promise: Promise<unknown>,
  name: string,
  status: number,
  message?: string | RegExp,
): Promise<void> {
  const e = await awsError(promise);
  expect({ name: e.name, status: e.status }).toEqual({ name, status });
  if (message !== undefined) expect(e.message).toMatch(message);
}

export { depsFor } from '../../fakes/aws/deps.js';
export { storedZip } from '../../fakes/aws/zip.js';
