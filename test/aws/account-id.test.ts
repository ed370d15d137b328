/**
 * getAccountId is the first AWS call of a run without role-to-assume (and of
 * the CLI): its error must say what went wrong. AWS not answering (refused,
 * reset, timed out, a name that does not resolve) is not "no credentials";
 * credentials that are missing or refused get advice for whoever runs it:
 * the action's inputs, or a terminal's profile and keys.
 */
import { describe, expect, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { terminalCredentialsHint } from '../../src/aws/aws-call.js';
import { getAccountId } from '../../src/aws/oidc-credentials.js';
import { testDeps } from '../support/aws-deploy-sequence.js';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const credentials = { accessKeyId: KEY_ID, secretAccessKey: SECRET };
const UNREACHED = 'to check the credentials of the environment: AWS did not answer';

/** What `promise` was rejected with. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** The error getAccountId gives when STS answers `send` with `error`. */
async function failure(error: unknown, deps = testDeps()): Promise<Error> {
  const sts = new STSClient({ region: 'eu-west-1', credentials });
  // This client only: the tests below use the client's own stack.
  mockClient(sts)
    .on(GetCallerIdentityCommand)
    .rejects(error as Error);
  return rejection(getAccountId(sts, deps));
}

/** A Node system error as the SDK passes it on: its code, and the SDK's $metadata (no HTTP status). */
const system = (message: string, code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, $metadata: { attempts: 5, totalRetryDelay: 900 }, ...extra });

describe('getAccountId: AWS not reached is said as such, never as missing credentials', () => {
  test.each<[string, unknown, string]>([
    [
      'refused',
      system('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'),
      'connect ECONNREFUSED 127.0.0.1:9',
    ],
    [
      'name not found',
      system('getaddrinfo ENOTFOUND sts.eu-west-1.amazonaws.com', 'ENOTFOUND'),
      'getaddrinfo ENOTFOUND sts.eu-west-1.amazonaws.com',
    ],
    [
      'DNS not answering',
      system('getaddrinfo EAI_AGAIN sts.eu-west-1.amazonaws.com', 'EAI_AGAIN'),
      'getaddrinfo EAI_AGAIN sts.eu-west-1.amazonaws.com',
    ],
    [
      'connect timed out',
      system('connect ETIMEDOUT 52.94.0.1:443', 'ETIMEDOUT'),
      'connect ETIMEDOUT 52.94.0.1:443',
    ],
    // The SDK renames a reset socket TimeoutError and keeps Node's code.
    [
      'reset',
      system('socket hang up', 'ECONNRESET', { name: 'TimeoutError' }),
      'socket hang up (ECONNRESET)',
    ],
    [
      "the SDK's connection timeout",
      Object.assign(new Error('Socket timed out without establishing a connection within 1000 ms'), {
        name: 'TimeoutError',
      }),
      'Socket timed out without establishing a connection within 1000 ms (TimeoutError)',
    ],
    // Node tries each address of a name; all refused: an AggregateError with an empty message.
    [
      'every address refused',
      Object.assign(
        new AggregateError(
          [
            system('connect ECONNREFUSED ::1:4566', 'ECONNREFUSED'),
            system('connect ECONNREFUSED 127.0.0.1:4566', 'ECONNREFUSED'),
          ],
          '',
        ),
        { code: 'ECONNREFUSED' },
      ),
      'connect ECONNREFUSED ::1:4566; connect ECONNREFUSED 127.0.0.1:4566',
    ],
    [
      'in the cause chain',
      new Error('request failed', { cause: system('connect EHOSTUNREACH 10.0.0.1:443', 'EHOSTUNREACH') }),
      'connect EHOSTUNREACH 10.0.0.1:443',
    ],
  ])('%s', async (_, error, detail) => {
    const e = await failure(error);
    expect(e.message).toBe(
      `Could not reach AWS STS (${detail}) ${UNREACHED}, so nothing is known to be wrong with them. ` +
        'Check the network between here and AWS (proxy, firewall, DNS), and AWS_ENDPOINT_URL ' +
        '(or AWS_ENDPOINT_URL_STS) if it is set.',
    );
    expect(e.message).not.toMatch(/Could not find|role-to-assume|configure-aws-credentials/);
    expect(e.cause).toBe(error);
  });

  test('an answer from AWS is not a network failure, whatever its name', async () => {
    const answered = Object.assign(new Error('Request timed out'), {
      name: 'TimeoutError',
      $metadata: { httpStatusCode: 400 },
    });
    expect((await failure(answered)).message).toMatch(/^Could not find AWS credentials: Request timed out;/);
  });

  test.each<[string, unknown, RegExp]>([
    [
      'a 503 that outlasts the retries',
      Object.assign(new Error('Service Unavailable'), {
        name: 'ServiceUnavailable',
        $metadata: { httpStatusCode: 503 },
      }),
      /^AWS STS kept failing \(ServiceUnavailable, HTTP 503: Service Unavailable\) after 4 attempts, so the credentials of the environment were not checked;/,
    ],
    [
      'throttling that outlasts the retries',
      Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      /^AWS STS kept failing \(Throttling, HTTP 400: Rate exceeded\) after 4 attempts/,
    ],
  ])('%s: STS answered, but not about the credentials', async (_, error, expected) => {
    const e = await failure(error);
    expect(e.message).toMatch(expected);
    expect(e.message).not.toMatch(/Could not find|role-to-assume/);
  });

  test('a credential provider that failed on the network (e.g. the instance metadata service) still means no credentials', async () => {
    const provider = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
      cause: system('connect ECONNREFUSED 169.254.169.254:80', 'ECONNREFUSED'),
    });
    expect((await failure(provider)).message).toBe(
      'Could not find AWS credentials: Could not load credentials from any providers; configure role-to-assume, ' +
        'or run aws-actions/configure-aws-credentials first',
    );
  });
});

describe('getAccountId: missing or refused credentials', () => {
  const refused = Object.assign(new Error('The security token included in the request is invalid.'), {
    name: 'InvalidClientTokenId',
    $metadata: { httpStatusCode: 403 },
  });

  test('the action: role-to-assume, or a step that sets credentials up (as before)', async () => {
    expect((await failure(refused)).message).toBe(
      'Could not find AWS credentials: The security token included in the request is invalid.; configure ' +
        'role-to-assume, or run aws-actions/configure-aws-credentials first',
    );
  });

  test('a terminal: a profile or a key pair, never an input of the action', async () => {
    const message = (await failure(refused, { ...testDeps(), credentialsHint: terminalCredentialsHint({}) }))
      .message;
    expect(message).toBe(
      'Could not find AWS credentials: The security token included in the request is invalid.; set AWS_PROFILE ' +
        'to a profile (from `aws configure`, or `aws sso login` first), or set AWS_ACCESS_KEY_ID and ' +
        'AWS_SECRET_ACCESS_KEY',
    );
    expect(message).not.toMatch(/role-to-assume|configure-aws-credentials/);
  });

  // "set AWS_PROFILE ... or set AWS_ACCESS_KEY_ID" reads wrong to someone who has both set: the SDK takes the profile alone.
  test('a terminal with AWS_PROFILE set: that profile is named, where it must be, and that it hides the key pair', async () => {
    const env = { AWS_PROFILE: 'admin', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' };
    const message = (await failure(refused, { ...testDeps(), credentialsHint: terminalCredentialsHint(env) }))
      .message;
    expect(message).toBe(
      'Could not find AWS credentials: The security token included in the request is invalid.; AWS_PROFILE is "admin", ' +
        'and the AWS SDK then reads that profile alone (not AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): expected ' +
        '[profile admin] in ~/.aws/config or [admin] in ~/.aws/credentials (aws configure --profile admin, or ' +
        'aws sso login --profile admin), or unset AWS_PROFILE',
    );
    const files = {
      AWS_PROFILE: 'ci',
      AWS_CONFIG_FILE: '/etc/aws/config',
      AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds',
    };
    expect(terminalCredentialsHint(files)).toMatch(
      /\[profile ci\] in \/etc\/aws\/config or \[ci\] in \/etc\/aws\/creds/,
    );
  });
});

describe('getAccountId through the SDK client: the endpoint it could not reach', () => {
  /**
   * The client's own stack (endpoint resolution, signing, retries) around a
   * transport that fails the way Node does. (A socket's error from inside
   * jest's sandbox is of another realm, which the SDK mangles; the bundled
   * action meets a real closed port in test/e2e/aws-unreachable.test.ts.)
   */
  const refusing = (sent: string[]) => ({
    handle: async (request: { hostname?: string }) => {
      sent.push(request.hostname ?? '');
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    },
  });

  test.each([
    ['the regional endpoint', {}, 'https://sts.eu-west-1.amazonaws.com'],
    ['an endpoint set for the client', { endpoint: 'http://127.0.0.1:9' }, 'http://127.0.0.1:9'],
  ])('%s', async (_, config, endpoint) => {
    const sent: string[] = [];
    const deps = testDeps();
    const sts = new STSClient({
      region: 'eu-west-1',
      credentials,
      maxAttempts: 1,
      requestHandler: refusing(sent),
      ...config,
    });
    const error = await rejection(getAccountId(sts, deps));
    expect(error.message).toMatch(
      `Could not reach AWS STS at ${endpoint} (connect ECONNREFUSED 127.0.0.1:9) ${UNREACHED}`,
    );
    // Transient: retried before giving up.
    expect(sent).toHaveLength(4);
    expect(deps.sleep.calls).toHaveLength(3);
    for (const secret of [KEY_ID, SECRET]) expect(error.message).not.toContain(secret);
  });

  test('no credentials: nothing was sent, so no endpoint is named and the credentials are blamed', async () => {
    const sent: string[] = [];
    const sts = new STSClient({
      region: 'eu-west-1',
      requestHandler: refusing(sent),
      credentials: () =>
        Promise.reject(
          Object.assign(new Error('Could not load credentials from any providers'), {
            name: 'CredentialsProviderError',
          }),
        ),
    });
    const error = await rejection(getAccountId(sts, testDeps()));
    expect(error.message).toMatch(
      /^Could not find AWS credentials: Could not load credentials from any providers;/,
    );
    expect(sent).toEqual([]);
  });
});
