/**
 * A runner whose clock is 20 minutes off still deploys: AWS refuses a request
 * signed more than 15 minutes from its own clock, and the SDK corrects its
 * clock from the refusal's Date header and signs again. The bundled action
 * (`node dist/index.js`, OIDC sign-in, upload, function, front door, smoke
 * test) against a fake AWS whose clock is skewed rather than the runner's.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FakeAws } from '../../fakes/aws/index.js';
import { startFakeAwsForAction } from '../support/action-aws.js';
import { startOidcServer, type OidcServer } from '../support/oidc-server.js';
import { startSmokeTarget, type SmokeTarget } from '../support/smoke-target.js';
import { runAction, type ActionRun } from '../support/run-action.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');
const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const MINUTE = 60_000;
const TIMEOUT = 90_000;

const SKEW_ERRORS = new Set(['RequestTimeTooSkewed', 'InvalidSignatureException', 'SignatureDoesNotMatch']);

function details(run: ActionRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- summary\n${run.summary}`;
}

function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'aws-skew-ws-'));
  cpSync(EXAMPLE, ws, { recursive: true });
  return ws;
}

/**
 * Each service client met the skew (it starts with the runner's clock) and was
 * refused only until its first answer told it AWS's time; nothing else failed
 * but the lookups of what does not exist yet.
 */
function expectCorrectedOncePerClient(aws: FakeAws): void {
  const signed = aws.calls.calls.filter((c) => c.operation !== 'AssumeRoleWithWebIdentity');
  const refused = signed.filter((c) => c.error !== undefined && SKEW_ERRORS.has(c.error));
  for (const service of new Set(signed.map((c) => c.service))) {
    const calls = signed.filter((c) => c.service === service);
    const firstAnswered = calls.findIndex((c) => !refused.includes(c));
    expect({ service, refusedFirst: firstAnswered > 0 }).toEqual({ service, refusedFirst: true });
    expect(calls.slice(firstAnswered).filter((c) => refused.includes(c))).toEqual([]);
  }
  const otherErrors = signed.filter((c) => c.status >= 400 && !refused.includes(c));
  expect(otherErrors.filter((c) => !/NotFound|NoSuch/.test(c.error ?? ''))).toEqual([]);
}

describe.each([
  ['behind', 20 * MINUTE],
  ['ahead of', -20 * MINUTE],
])('a runner whose clock is 20 minutes %s AWS’s still deploys', (_, offsetMs) => {
  let aws: FakeAws;
  let oidc: OidcServer;
  let smoke: SmokeTarget;

  beforeEach(async () => {
    [oidc, smoke] = await Promise.all([startOidcServer(), startSmokeTarget()]);
    aws = await startFakeAwsForAction({
      stageUrl: smoke.stageUrlFor,
      apiKeyValue: () => 'fakeApiKeyValueSkew0000000000',
      serverClockOffsetMs: offsetMs,
    });
    aws.seed.setup('svc');
    aws.seed.githubDeployRole('deploy', ['repo:octo/svc:ref:refs/heads/main']);
  });
  afterEach(async () => {
    await Promise.all([aws?.close(), oidc?.close(), smoke?.close()]);
  });

  test(
    'OIDC sign-in, HTTP API, smoke test: each client’s first signed requests are refused as skewed, signed again with AWS’s time, and pass',
    async () => {
      const run = await runAction({
        inputs: { name: 'svc', 'role-to-assume': ROLE, 'smoke-timeout': '3' },
        workspace: workspace(),
        env: { ...aws.env(), ...oidc.env() },
      });
      if (run.code !== 0) throw new Error(details(run));
      expect(run.outputs).toMatchObject({ stage: 'main', 'function-name': 'svc-main', version: '1' });
      expect(aws.account.functions.get('svc-main')?.aliases.get('live')?.FunctionVersion).toBe('1');
      expect(smoke.requestsOf('svc-main').map((r) => r.path)).toEqual(['/svc-main/']);
      expectCorrectedOncePerClient(aws);
    },
    TIMEOUT,
  );

  test(
    'static keys, REST API with an API key (creates the SDK may not send twice)',
    async () => {
      const run = await runAction({
        inputs: { name: 'svc', gateway: 'rest-api', 'api-key': 'true', 'smoke-test': 'false' },
        ref: 'refs/heads/api',
        workspace: workspace(),
        env: { ...aws.env(), ...aws.staticCredentialsEnv() },
      });
      if (run.code !== 0) throw new Error(details(run));
      expect(run.outputs).toMatchObject({ stage: 'api', 'function-name': 'svc-api' });
      expect(aws.account.restApis.size).toBe(1);
      expectCorrectedOncePerClient(aws);
    },
    TIMEOUT,
  );
});
