/**
 * The bundled action's outputs as a later job receives them: GitHub's runner
 * leaves out a job output that holds a masked value (see job-outputs.ts).
 * Every environment value is masked, so a value that is part of an output
 * would silently empty it for later jobs: the account ID (public: it is in
 * function-arn) must not be masked, and a value that is merely part of an
 * output, still masked, gets a warning naming the output and the variable.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FakeAws } from '../../fakes/aws/index.js';
import { startFakeAwsForAction } from '../support/action-aws.js';
import { startOidcServer, type OidcServer } from '../support/oidc-server.js';
import { startSmokeTarget, type SmokeTarget } from '../support/smoke-target.js';
import { startGitHubRecorder, type GitHubRecorder } from '../support/github-recorder.js';
import { jobOutputs, maskedValues } from '../support/job-outputs.js';
import { runAction } from '../support/run-action.js';
import { executedCommands } from '../support/workflow-commands.js';

const EXAMPLE = resolve(new URL('.', import.meta.url).pathname, '../../examples/handler');
const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;

describe('outputs of a deploy whose environment holds parts of them', () => {
  let aws: FakeAws;
  let oidc: OidcServer;
  let smoke: SmokeTarget;
  let github: GitHubRecorder;

  beforeAll(async () => {
    [oidc, smoke, github] = await Promise.all([startOidcServer(), startSmokeTarget(), startGitHubRecorder()]);
    aws = await startFakeAwsForAction({ stageUrl: smoke.stageUrlFor });
    aws.seed.setup('svc');
    aws.seed.githubDeployRole('deploy', ['repo:octo/svc:ref:refs/heads/main']);
  });
  afterAll(async () => {
    await Promise.all([aws?.close(), oidc?.close(), smoke?.close(), github?.close()]);
  });

  test('the account ID is not masked and function-arn reaches later jobs; a masked part of the URL is named in a warning', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'output-masks-ws-'));
    cpSync(EXAMPLE, ws, { recursive: true });
    // The stage's host: known only once the gateway exists, so masked like any value.
    const host = new URL(smoke.url).host;
    const run = await runAction({
      inputs: {
        name: 'svc',
        'role-to-assume': ROLE,
        'smoke-timeout': '3',
        environment: `ACCOUNT_ID=${ACCOUNT}\nPUBLIC_HOST=${host}\nDB_PASSWORD=Pg-Secret-771`,
      },
      workspace: ws,
      env: { ...aws.env(), ...oidc.env(), GITHUB_API_URL: github.url },
    });
    expect(run.code).toBe(0);

    const masked = maskedValues(run.stdout);
    expect(masked).not.toContain(ACCOUNT);
    expect(masked).toEqual(expect.arrayContaining(['Pg-Secret-771', host]));

    const later = jobOutputs(run);
    expect(later.outputs).toMatchObject({
      'function-arn': `arn:aws:lambda:us-east-1:${ACCOUNT}:function:svc-main`,
      'function-name': 'svc-main',
      stage: 'main',
    });
    // The report output (for command: report) leaves the URL out rather than be dropped whole:
    // preview-report still posts the comment and the Deployment, without the link.
    expect(later.skipped).toEqual(["Skip output 'url' since it may contain secret."]);
    expect(JSON.parse(later.outputs.report ?? '{}')).toMatchObject({ status: 'success', url: '' });
    expect(later.outputs.report).not.toContain(host);

    const warnings = executedCommands(run.stdout)
      .filter((c) => c.name === 'warning')
      .map((c) => c.data);
    const about = warnings.filter((w) => w.includes('Skip output'));
    expect(about).toHaveLength(1);
    expect(about[0]).toContain("Output 'url' holds the value of environment variable PUBLIC_HOST");
    for (const warning of about) {
      expect(warning).not.toContain(host);
      expect(warning).not.toContain('DB_PASSWORD');
    }
  }, 90_000);
});
