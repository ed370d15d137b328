/**
 * `npm run fake-aws`: the fake started by hand, as a contributor trying the
 * CLI would, and reached with the variables it prints.
 */
import { afterAll, expect, test } from '@jest/globals';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const child = spawn(process.execPath, ['--import', 'tsx', 'fakes/aws/serve.ts', '--port', '0'], {
  cwd: repo,
  stdio: ['ignore', 'pipe', 'pipe'],
});
afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

test('prints its endpoint and the exports that point the SDK at it; Ctrl-C stops it with exit 0', async () => {
  let stdout = '';
  const printed = await new Promise<string>((found, fail) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/Ctrl-C stops it/.test(stdout)) found(stdout);
    });
    child.on('close', (code) => fail(new Error(`fake-aws exited ${code}: ${stdout}`)));
  });
  expect(printed).toMatch(
    /^Fake AWS \(account 123456789012, region us-east-1\) at http:\/\/127\.0\.0\.1:\d+$/m,
  );
  // The README's commands say --aws-region eu-west-1: the fake has one region, and says which to use.
  expect(printed).toContain(
    'One region, us-east-1: leave --aws-region out of the commands (AWS_REGION above sets it), or pass --aws-region us-east-1.',
  );
  const env = Object.fromEntries([...printed.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  expect(env.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const sts = new STSClient({
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
  expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('123456789012');
  const code = new Promise<number | null>((done) => child.on('close', done));
  child.kill('SIGINT');
  expect(await code).toBe(0);
});

test('a port in use (another fake-aws running): one line saying so and what to pass, exit 1, no stack trace', async () => {
  const held = createServer();
  await new Promise<void>((done) => held.listen(0, '127.0.0.1', done));
  const port = (held.address() as AddressInfo).port;
  try {
    const second = spawn(
      process.execPath,
      ['--import', 'tsx', 'fakes/aws/serve.ts', '--port', String(port)],
      {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    second.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => second.on('close', done));
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: `error: port ${port} on 127.0.0.1 is already in use (another fake-aws?); stop it, or pass another with --port (npm run fake-aws -- --port 4567; 0: any free port)\n`,
    });
  } finally {
    held.close();
  }
}, 30_000);
