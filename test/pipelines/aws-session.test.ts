import { describe, expect, test } from '@jest/globals';
import type { Plan } from '../../src/model/plan.js';
import { STSClient } from '@aws-sdk/client-sts';
import { terminalSignIn } from '../../src/aws/aws-call.js';
import { resolveCredentials } from '../../src/aws/oidc-credentials.js';
import { checkAwsPrerequisites, roleAccount } from '../../src/pipelines/aws-session.js';
import type { PipelineDeps } from '../../src/pipelines/pipeline-deps.js';
import type { Settings } from '../../src/model/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';

test.each([
  ['arn:aws:iam::123456789012:role/deploy', '123456789012'],
  ['arn:aws-us-gov:iam::210987654321:role/path/deploy', '210987654321'],
  ['arn:aws:iam::123:role/deploy', undefined],
  [undefined, undefined],
])('the account of role %s is %s', (arn, account) => {
  expect(roleAccount(arn)).toBe(account);
});

describe('checkAwsPrerequisites: what signing in needs, before anything is built', () => {
  const settings = (over: Partial<Settings> = {}) => ({ awsRegion: 'eu-west-1', ...over }) as Settings;
  const plan = { fromFork: false } as Plan;
  const failingChain = async () => {
    throw new Error('Could not load credentials from any providers');
  };
  const deps = (env: NodeJS.ProcessEnv, over: Partial<PipelineDeps> = {}): PipelineDeps => ({
    logger: new RecordingLogger(),
    env,
    credentialChain: failingChain,
    awsClients: () => {
      throw new Error('checkAwsPrerequisites must build no AWS client');
    },
    ...over,
  });

  test('a region', async () => {
    await expect(checkAwsPrerequisites(settings({ awsRegion: undefined }), plan, deps({}))).rejects.toThrow(
      'aws-region: is not set and neither is AWS_REGION; expected a region like us-east-1.',
    );
  });

  test('role-to-assume: the runner must offer an OIDC token (id-token: write)', async () => {
    const role = settings({ roleToAssume: 'arn:aws:iam::123456789012:role/deploy' });
    await expect(checkAwsPrerequisites(role, plan, deps({}))).rejects.toThrow(/permissions: id-token: write/);
    await expect(checkAwsPrerequisites(role, { fromFork: true } as Plan, deps({}))).rejects.toThrow(
      /from a fork/,
    );
    const oidc = {
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
    };
    await expect(checkAwsPrerequisites(role, plan, deps(oidc))).resolves.toBeUndefined();
  });

  test('without a role: a key pair in the environment, or whatever the credential chain finds', async () => {
    const keys = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' };
    await expect(checkAwsPrerequisites(settings(), plan, deps(keys))).resolves.toBeUndefined();
    const profile = deps({ AWS_PROFILE: 'dev' }, { credentialChain: async () => ({ accessKeyId: 'A' }) });
    await expect(checkAwsPrerequisites(settings(), plan, profile)).resolves.toBeUndefined();
    await expect(checkAwsPrerequisites(settings(), plan, deps({}))).rejects.toThrow(
      /^No AWS credentials \(Could not load credentials from any providers\)\. Expected role-to-assume .*aws-actions\/configure-aws-credentials.*AWS_PROFILE/,
    );
  });

  test("without a role, each surface's words: the action's input, or a terminal's profile and keys", async () => {
    const terminal = deps({}, { signIn: terminalSignIn({}) });
    const refused = checkAwsPrerequisites(settings(), plan, terminal);
    await expect(refused).rejects.toThrow(
      /^No AWS credentials \(Could not load credentials from any providers\)\. Expected a profile \(AWS_PROFILE/,
    );
    await expect(refused).rejects.not.toThrow(/role-to-assume|configure-aws-credentials/);

    // A profile that is not there (a typo, another machine's name): named, with the files it must be in.
    const missing = { AWS_PROFILE: 'admin' };
    await expect(
      checkAwsPrerequisites(settings(), plan, deps(missing, { signIn: terminalSignIn(missing) })),
    ).rejects.toThrow(
      /^No AWS credentials \(Could not load credentials from any providers\)\. AWS_PROFILE is "admin".*expected \[profile admin\] in ~\/\.aws\/config or \[admin\] in ~\/\.aws\/credentials/,
    );

    const sts = new STSClient({ region: 'eu-west-1' });
    const sayings = async (signIn?: ReturnType<typeof terminalSignIn>) => {
      const logger = new RecordingLogger();
      const tokenSource = { getToken: () => Promise.reject(new Error('no token wanted')) };
      await resolveCredentials(
        sts,
        { audience: 'sts.amazonaws.com' },
        { logger, sleep: async () => undefined, tokenSource, ...(signIn && { signIn }) },
      );
      return logger.text('info');
    };
    expect(await sayings()).toContain('No role-to-assume: using the AWS credentials of the environment');
    expect(await sayings(terminalSignIn({ AWS_PROFILE: 'dev' }))).toContain('AWS credentials: profile "dev"');
  });
});
