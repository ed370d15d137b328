/**
 * `npm run fake-aws [-- --port N]`: the fake AWS account on 127.0.0.1 for
 * trying the CLI by hand, on the wall clock (a new function is Pending for
 * 2 s, a new role propagates for 8 s, as the tests' defaults say). Prints the
 * endpoint and the variables that point the CLI at it; Ctrl-C stops it, and
 * everything it held is gone.
 */
import { startFakeAws } from './index.js';

function portArgument(argv: readonly string[]): number {
  const i = argv.indexOf('--port');
  if (i < 0) return 4566;
  const text = argv[i + 1] ?? '';
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    process.stderr.write(
      `error: --port: ${JSON.stringify(text)} is not a port number; expected 0 to 65535\n`,
    );
    process.exit(2);
  }
  return port;
}

const port = portArgument(process.argv.slice(2));
const aws = await startFakeAws({ clock: 'real', port }).catch((error: NodeJS.ErrnoException) => {
  if (error.code !== 'EADDRINUSE') throw error;
  process.stderr.write(
    `error: port ${port} on 127.0.0.1 is already in use (another fake-aws?); stop it, or pass another with --port (npm run fake-aws -- --port 4567; 0: any free port)\n`,
  );
  process.exit(1);
});
const env = { ...aws.env(), ...aws.staticCredentialsEnv() };
process.stdout.write(
  [
    `Fake AWS (account ${aws.accountId}, region ${aws.region}) at ${aws.url}`,
    'Point the CLI at it (in another shell):',
    '',
    ...Object.entries(env).map(([name, value]) => `export ${name}=${value}`),
    '',
    `One region, ${aws.region}: leave --aws-region out of the commands (AWS_REGION above sets it), or pass --aws-region ${aws.region}.`,
    'Its HTTP API URLs do not answer: deploy with --smoke-test false. Ctrl-C stops it (its state is lost).',
    '',
  ].join('\n'),
);
const stop = () => void aws.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
