/**
 * The reusable workflow's deploy and preview jobs serialise runs by the stage
 * the action deploys, not by the stage input as written: `prod`, ` prod` and a
 * `stage: |` block's `prod\n` are one stage to the action (it trims the
 * input), so one concurrency group. The group is evaluated as the runner
 * does, with the route job's outputs (the route job actually run in bash).
 */
import { describe, expect, it } from '@jest/globals';
import { interpolate } from '../support/workflow-expressions.js';
import { githubContext, runWorkflow, type Event } from '../support/workflow-runner.js';
import { readReusableWorkflow, reusableWorkflowInputs } from '../support/workflow-snippets.js';

const ROLES = { 'production-role': 'arn:production', 'preview-role': 'arn:preview' };

/** The job among deploy and preview that runs for `event`, and its concurrency group. */
function group(event: Event, callerWith: Record<string, string> = {}): [string, string] {
  const workflow = readReusableWorkflow();
  const runs = runWorkflow(event, { ...ROLES, ...callerWith });
  const ran = (['deploy', 'preview'] as const).filter((j) => runs.get(j)?.result === 'success');
  expect(ran).toHaveLength(1);
  const job = ran[0]!;
  const contexts = {
    github: githubContext(event),
    inputs: reusableWorkflowInputs(
      { name: 'shop', 'aws-region': 'eu-west-1', ...ROLES, ...callerWith },
      workflow,
    ),
    needs: { route: runs.get('route') },
  };
  return [job, interpolate(workflow.jobs[job]!.concurrency!.group, contexts)];
}

describe('the deploy and preview jobs are grouped by the stage deployed', () => {
  it.each(['prod', ' prod', 'prod\n', '\tprod \n'])(
    'stage input %j on a production branch: the production stage prod',
    (stage) => {
      expect(group({ name: 'push', branch: 'main' }, { stage })).toEqual([
        'deploy',
        'lambda-deploy-shop-prod',
      ]);
      expect(group({ name: 'workflow_dispatch', branch: 'main' }, { stage })).toEqual([
        'deploy',
        'lambda-deploy-shop-prod',
      ]);
    },
  );

  it.each(['staging', 'staging ', ' staging\n'])(
    'stage input %j from another branch: the preview stage staging',
    (stage) => {
      expect(group({ name: 'push', branch: 'feature/x' }, { stage })).toEqual([
        'preview',
        'lambda-deploy-shop-staging',
      ]);
    },
  );

  it('without a stage input, the branch: a push to main and one to feature/x each their own', () => {
    expect(group({ name: 'push', branch: 'main' })).toEqual(['deploy', 'lambda-deploy-shop-main']);
    expect(group({ name: 'push', branch: 'feature/x' })).toEqual(['preview', 'lambda-deploy-shop-feature/x']);
  });

  it('a pull request (no route job) groups per pull request', () => {
    for (const action of ['opened', 'synchronize', 'reopened'])
      expect(group({ name: 'pull_request', action })).toEqual(['preview', 'lambda-deploy-shop-pr-7']);
  });

  it.each(['demo', ' demo', 'demo\n', '\tdemo \n'])(
    'a pull request with stage input %j: the stage demo, the group a push deploying demo takes',
    (stage) => {
      for (const action of ['opened', 'synchronize', 'reopened'])
        expect(group({ name: 'pull_request', action }, { stage })).toEqual([
          'preview',
          'lambda-deploy-shop-demo',
        ]);
      expect(group({ name: 'push', branch: 'feature/x' }, { stage: 'demo' })).toEqual([
        'preview',
        'lambda-deploy-shop-demo',
      ]);
    },
  );

  it.each(['prod', ' prod', 'prod\n', 'Prod'])(
    "a pull request with protected stage input %j: the route job gives the stage only, and the pull request's own group, not production's",
    (stage) => {
      // A preview queued in production's group would cancel a production deploy waiting there;
      // the action refuses a protected stage on a pull request anyway.
      const runs = runWorkflow({ name: 'pull_request', action: 'opened' }, { ...ROLES, stage });
      expect(runs.get('route')?.outputs).toMatchObject({ stage: 'pr-7', production: '' });
      expect(group({ name: 'pull_request', action: 'opened' }, { stage })).toEqual([
        'preview',
        'lambda-deploy-shop-pr-7',
      ]);
    },
  );

  // An unset variable passed as protected-stages: the action's default list, so prod stays protected.
  it.each(['', ' ', '\u00a0\n'])(
    "a pull request with stage input prod and a blank protected-stages (%j): the pull request's own group",
    (blank) => {
      const stages = { stage: 'prod', 'protected-stages': blank };
      expect(group({ name: 'pull_request', action: 'opened' }, stages)).toEqual([
        'preview',
        'lambda-deploy-shop-pr-7',
      ]);
      expect(group({ name: 'push', branch: 'main' }, stages)).toEqual(['deploy', 'lambda-deploy-shop-prod']);
    },
  );

  it('a pull request with a blank stage input: its own stage, as the action reads it', () => {
    expect(group({ name: 'pull_request', action: 'opened' }, { stage: ' \n' })).toEqual([
      'preview',
      'lambda-deploy-shop-pr-7',
    ]);
  });

  it.each<[Event, string]>([
    [{ name: 'pull_request', action: 'opened' }, ' demo\n'],
    [{ name: 'push', branch: 'feature/x' }, 'demo '],
  ])(
    '%j, stage input %j: the preview-report job takes the stage the action reads, + :report',
    (event, stage) => {
      const workflow = readReusableWorkflow();
      const runs = runWorkflow(event, { ...ROLES, stage });
      const contexts = {
        github: githubContext(event),
        inputs: reusableWorkflowInputs(
          { name: 'shop', 'aws-region': 'eu-west-1', ...ROLES, stage },
          workflow,
        ),
        needs: { route: runs.get('route'), preview: { result: 'success', outputs: { report: '{}' } } },
      };
      expect(interpolate(workflow.jobs['preview-report']!.concurrency!.group, contexts)).toBe(
        'lambda-deploy-shop-demo:report',
      );
    },
  );

  it('a stage input that is no stage name (a line break inside) makes one line of output, not another output', () => {
    const runs = runWorkflow(
      { name: 'push', branch: 'feature/x' },
      { ...ROLES, stage: 'x\nproduction=true' },
    );
    const [job, name] = group({ name: 'push', branch: 'feature/x' }, { stage: 'x\nproduction=true' });
    expect(runs.get('route')?.outputs.production).toBe('false');
    expect(job).toBe('preview');
    expect(name).toMatch(/^lambda-deploy-shop-[^\n]+$/);
    expect(name).not.toBe(group({ name: 'push', branch: 'feature/x' }, { stage: 'x' })[1]);
  });

  it.each(['feature_x', 'fix/über', 'a,b'])(
    "branch %s: the group its delete's undeploy-branch job takes, so that one waits for the other",
    (branch) => {
      const workflow = readReusableWorkflow();
      const undeploy = interpolate(workflow.jobs['undeploy-branch']!.concurrency!.group, {
        github: githubContext({ name: 'delete', branch }),
        inputs: reusableWorkflowInputs({ name: 'shop', 'aws-region': 'eu-west-1', ...ROLES }, workflow),
      });
      expect(undeploy).toBe(`lambda-deploy-shop-${branch}`);
      expect(group({ name: 'push', branch })).toEqual(['preview', undeploy]);
    },
  );
});
