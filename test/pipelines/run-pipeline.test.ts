import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../../src/aws/clients.js';
import { makePlan } from '../../src/model/plan.js';
import { runPipeline } from '../../src/pipelines/run-pipeline.js';
import { readSettings } from '../../src/settings/settings.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { eventContext, noEventContext } from '../support/github-context.js';

describe('runPipeline', () => {
  it('masks every environment value before anything runs', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'secrets-'));
    writeFileSync(join(workspace, 'app.py'), 'def handler(e, c):\n  return 1\n');
    const settings = readSettings(
      (name) =>
        ({
          name: 'shop',
          command: 'package',
          environment: 'DB_PASSWORD=Pg-Secret-771\nTOKEN=abcdef123456',
          'github-token': 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
        })[name as string],
      { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: workspace },
    );
    const ctx = noEventContext();
    // What was masked when the first line was logged (any level, a group's title too).
    let maskedAtFirstLine: string[] | undefined;
    const logger = new RecordingLogger();
    const seen = () => (maskedAtFirstLine ??= [...logger.secrets]);
    for (const level of ['info', 'warning', 'error', 'debug', 'untrusted', 'group'] as const) {
      const original = logger[level].bind(logger) as (...args: unknown[]) => unknown;
      Object.assign(logger, { [level]: (...args: unknown[]) => (seen(), original(...args)) });
    }
    await runPipeline(settings, makePlan(settings, ctx), ctx, {
      logger,
      env: { RUNNER_TEMP: workspace },
      awsClients: createAwsClients,
    });
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(maskedAtFirstLine).toEqual(
      expect.arrayContaining(['Pg-Secret-771', 'abcdef123456', 'ghs_16C7e42F292c6912E7710c838347Ae178B4a']),
    );
  });

  it.each([
    [
      'action' as const,
      'policy-statements: stage "pr-1" is a preview, not listed in protected-stages (not set in the workflow, so its default: main, master, prod, production), and a preview run never changes IAM: ' +
        'no job that can run pull-request code may write an execution role. ' +
        `Put the statements in "npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository OWNER/REPO --policy-statements FILE" (run once with administrator credentials; it writes the production execution role and its boundary, and --preview-policy-statements the previews'), ` +
        'or set policy-statements only on the production deploy, whose role may change its execution role under the permissions boundary setup made.',
    ],
    [
      'terminal' as const,
      '--policy-statements: stage "pr-1" is a preview (not one of the protected stages: main, master, prod, production), and a preview deploy never changes IAM. ' +
        `Put the statements in "npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository OWNER/REPO --policy-statements FILE" (run once with administrator credentials; it writes the production execution role and its boundary, and --preview-policy-statements the previews'), ` +
        'or pass --policy-statements only when deploying a protected stage (--stage main), whose role may change its execution role under the permissions boundary setup made.',
    ],
  ])('policy-statements on a preview stage are refused in the words of the %s', async (surface, said) => {
    const workspace = mkdtempSync(join(tmpdir(), 'preview-statements-'));
    writeFileSync(join(workspace, 'app.py'), 'def handler(e, c):\n  return 1\n');
    const inputs: Record<string, string> = {
      name: 'shop',
      stage: 'pr-1',
      'aws-region': 'eu-west-1',
      'policy-statements': JSON.stringify([
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:123456789012:orders' },
      ]),
    };
    const settings = readSettings((name) => inputs[name], {
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: workspace,
    });
    const ctx = noEventContext();
    const run = runPipeline(settings, makePlan(settings, ctx), ctx, {
      logger: new RecordingLogger(),
      env: { RUNNER_TEMP: workspace },
      awsClients: createAwsClients,
      surface,
    });
    await expect(run).rejects.toThrow(said);
  });

  it("policy-statements on a preview: the setup command carries the run's repository, protected-stages and s3-bucket", async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'preview-statements-flags-'));
    writeFileSync(join(workspace, 'app.py'), 'def handler(e, c):\n  return 1\n');
    const inputs: Record<string, string> = {
      name: 'shop',
      stage: 'pr-1',
      'aws-region': 'eu-west-1',
      'protected-stages': 'main,release',
      's3-bucket': 'acme-artifacts',
      'policy-statements': JSON.stringify([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }]),
    };
    const settings = readSettings((name) => inputs[name], {
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: workspace,
    });
    const ctx = { ...noEventContext(), repository: 'octo/shop' };
    const run = runPipeline(settings, makePlan(settings, ctx), ctx, {
      logger: new RecordingLogger(),
      env: { RUNNER_TEMP: workspace },
      awsClients: createAwsClients,
    });
    await expect(run).rejects.toThrow(
      'Put the statements in "npx github:org/lambda-deploy setup --name shop --aws-region eu-west-1 --repository octo/shop ' +
        '--protected-stages main,release --s3-bucket acme-artifacts --policy-statements FILE" (run once',
    );
  });

  it('dry-run: true on a run that deploys says first that this deploy is real (dry-run lists only what undeploy and prune would remove)', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'dry-run-deploy-'));
    writeFileSync(join(workspace, 'app.py'), 'def handler(e, c):\n  return 1\n');
    const inputs: Record<string, string> = { name: 'shop', 'aws-region': 'eu-west-1', 'dry-run': 'true' };
    const settings = readSettings((name) => inputs[name], {
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: workspace,
    });
    const ctx = eventContext('pull_request', {
      action: 'opened',
      number: 7,
      pull_request: {
        number: 7,
        head: { repo: { full_name: 'octo/svc' } },
        base: { repo: { full_name: 'octo/svc' } },
      },
    });
    const logger = new RecordingLogger();
    // It stops at sign-in: no credentials here.
    await expect(
      runPipeline(settings, makePlan(settings, ctx), ctx, {
        logger,
        env: { RUNNER_TEMP: workspace },
        awsClients: () => {
          throw new Error('no AWS client in this test');
        },
      }),
    ).rejects.toThrow();
    expect(logger.text('warning')).toContain(
      'dry-run: true applies to undeploy and prune (it lists what they would remove); this run deploys stage pr-7 for real. To build the package without deploying, set command: package.',
    );
  });

  it('api-key: true on a pull-request run is refused before any AWS call, naming the input and the fix', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'pr-api-key-'));
    writeFileSync(join(workspace, 'app.py'), 'def handler(e, c):\n  return 1\n');
    const inputs: Record<string, string> = {
      name: 'shop',
      'aws-region': 'eu-west-1',
      gateway: 'rest-api',
      'api-key': 'true',
    };
    const settings = readSettings((name) => inputs[name], {
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: workspace,
    });
    for (const event of ['pull_request', 'pull_request_target']) {
      const ctx = eventContext(event, {
        action: 'opened',
        number: 7,
        pull_request: {
          number: 7,
          head: { repo: { full_name: 'octo/svc' } },
          base: { repo: { full_name: 'octo/svc' } },
        },
      });
      const awsCalls: string[] = [];
      const run = runPipeline(settings, makePlan(settings, ctx), ctx, {
        logger: new RecordingLogger(),
        env: { RUNNER_TEMP: workspace },
        awsClients: () => {
          awsCalls.push('clients');
          throw new Error('no AWS client expected');
        },
      });
      await expect(run).rejects.toThrow(
        `api-key: true on a ${event} run: pull-request runs deploy with the preview role, which may not make or link API keys ` +
          "(IAM cannot check which key a usage plan link names, so a pull request could read production's key). " +
          "Turn it off for pull requests (api-key: ${{ !startsWith(github.event_name, 'pull_request') }}), or leave previews without a key; " +
          'stages deployed with the production role keep theirs.',
      );
      expect(awsCalls).toEqual([]);
    }
  });

  it('api-key: true on a push of a branch that differs from a protected stage only in case is refused before any AWS call, saying why', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'case-api-key-'));
    writeFileSync(join(workspace, 'app.py'), 'def handler(e, c):\n  return 1\n');
    const inputs: Record<string, string> = {
      name: 'shop',
      'aws-region': 'eu-west-1',
      gateway: 'rest-api',
      // What `init --api-key`'s expression gives a push of Main: GitHub compares it with main ignoring case.
      'api-key': 'true',
    };
    const read = (more: Record<string, string> = {}) =>
      readSettings((name) => ({ ...inputs, ...more })[name], {
        GITHUB_WORKSPACE: workspace,
        RUNNER_TEMP: workspace,
      });
    const deploy = (
      settings: ReturnType<typeof read>,
      branch: string,
      surface: 'action' | 'terminal' = 'action',
    ) => {
      const ctx = eventContext('push', {}, `refs/heads/${branch}`);
      const plan = makePlan(settings, ctx);
      const awsCalls: string[] = [];
      const run = runPipeline(settings, plan, ctx, {
        logger: new RecordingLogger(),
        env: { RUNNER_TEMP: workspace },
        awsClients: () => {
          awsCalls.push('clients');
          throw new Error('no AWS client expected');
        },
        credentialChain: () => {
          awsCalls.push('credentials');
          return Promise.reject(new Error('no credentials here'));
        },
        surface,
      });
      return { plan, run, awsCalls };
    };
    const main = deploy(read(), 'Main');
    await expect(main.run).rejects.toThrow(
      `api-key: true on branch Main, deployed as the preview stage ${main.plan.stage}: API keys are made only on protected stages (the production role's deploys). ` +
        "GitHub compares branch names ignoring case, so Main matched the protected stage main in the workflow's api-key expression (as init --api-key writes it), " +
        'while its stage is not main. Rename the branch (no branch should differ from a protected stage only in case), or leave its stage without a key.',
    );
    expect(main.awsCalls).toEqual([]);
    // Main protected in its own right: its stage is, and the key is the production role's to make.
    const own = deploy(read({ 'protected-stages': 'main,Main' }), 'Main');
    await expect(own.run).rejects.toThrow('No AWS credentials (no credentials here)');
    // A preview whose name is no protected stage's in any case: the preview role's own error, later.
    const other = deploy(read(), 'Mainline');
    await expect(other.run).rejects.toThrow('No AWS credentials (no credentials here)');
    // main itself, deployed to a stage of the workflow's choosing: no case matched anything, nothing to refuse.
    const staging = deploy(read({ stage: 'staging' }), 'main');
    expect(staging.plan.stage).toBe('staging');
    await expect(staging.run).rejects.toThrow('No AWS credentials (no credentials here)');
    // A terminal's --api-key is no workflow expression: left to AWS and the role.
    const terminal = deploy(read(), 'Main', 'terminal');
    await expect(terminal.run).rejects.toThrow('No AWS credentials (no credentials here)');
  });

  it('keep-warm and provisioned-concurrency on a pull-request run are skipped with a notice before any AWS call, not refused', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'pr-keep-warm-'));
    writeFileSync(join(workspace, 'app.py'), 'def handler(e, c):\n  return 1\n');
    const inputs: Record<string, string> = {
      name: 'shop',
      'aws-region': 'eu-west-1',
      'keep-warm': 'rate(5 minutes)',
      'provisioned-concurrency': '2',
    };
    const settings = readSettings((name) => inputs[name], {
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: workspace,
    });
    const ctx = eventContext('pull_request', {
      action: 'opened',
      number: 7,
      pull_request: {
        number: 7,
        head: { repo: { full_name: 'octo/svc' } },
        base: { repo: { full_name: 'octo/svc' } },
      },
    });
    const logger = new RecordingLogger();
    const awsCalls: string[] = [];
    // No credentials here: the run stops at signing in, after the notice.
    await runPipeline(settings, makePlan(settings, ctx), ctx, {
      logger,
      env: { RUNNER_TEMP: workspace },
      awsClients: () => {
        awsCalls.push('clients');
        throw new Error('no AWS client expected');
      },
    }).catch(() => undefined);
    expect(logger.lines).toContainEqual({
      level: 'info',
      message:
        'keep-warm skipped: a pull_request run deploys with the preview role, which may not create EventBridge rules or targets ' +
        "(IAM cannot limit which target a rule sends events to, so a pull request could send chosen events to production's queues). " +
        'Previews start cold; stages deployed with the production role are kept warm.',
    });
    expect(logger.lines).toContainEqual({
      level: 'info',
      message:
        'provisioned-concurrency skipped: a pull_request run deploys with the preview role, which may not set provisioned concurrency ' +
        "(it takes from the account's unreserved concurrency, which production's functions share, and is billed every hour). " +
        'Previews start on demand; stages deployed with the production role keep theirs.',
    });
    expect(awsCalls).toEqual([]);
  });
});
