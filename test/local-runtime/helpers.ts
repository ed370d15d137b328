import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  startFrontDoor,
  startLocalFunction,
  type FrontDoor,
  type FrontDoorOptions,
  type LocalFunction,
} from '../../src/local-runtime/index.js';
import type { RecordingLogger } from '../../src/util/logger.js';

/** Writes `files` (relative path -> content) into a fresh temp folder and returns it. */
export async function codeDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'local-runtime-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

export async function removeAll(dirs: string[]): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** An event AWS sent, from test/local-runtime/fixtures (aws/aws-lambda-go's events/testdata). */
export function awsEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** A Python app (app.py, app.handler) running locally behind a front door: a suite's beforeAll; stop() in its afterAll. */
export interface PythonDoor {
  fn: LocalFunction;
  door: FrontDoor;
  stop(): Promise<void>;
}

export async function startPythonDoor(
  app: string,
  fnOptions: { functionName: string; runtime?: string; timeout?: number },
  door: Omit<FrontDoorOptions, 'logger'> & { logger: RecordingLogger },
): Promise<PythonDoor> {
  const dir = await codeDir({ 'app.py': app });
  const fn = await startLocalFunction(
    {
      codeDir: dir,
      runtime: fnOptions.runtime ?? 'python3.11',
      handler: 'app.handler',
      environment: {},
      timeout: fnOptions.timeout ?? 1,
      memory: 128,
      functionName: fnOptions.functionName,
    },
    { logger: door.logger, pythonCommand: process.env.LAMBDA_DEPLOY_TEST_PYTHON || 'python3' },
  );
  const frontDoor = await startFrontDoor(fn, door);
  return {
    fn,
    door: frontDoor,
    stop: async () => {
      await frontDoor.close();
      await fn.stop();
      await removeAll([dir]);
    },
  };
}
