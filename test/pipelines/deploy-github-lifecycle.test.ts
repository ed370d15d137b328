/**
 * The GitHub Deployment and the pull request comment over a whole deploy
 * (runPipeline against the fake AWS and the GitHub recorder): in progress
 * while it runs, a final status whatever happens, and a failure that throws
 * before the report still said where the developer looks.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { appFolder, deployApp, removeApp } from '../../fakes/aws/pipeline-deploy.js';
import { createGitHubApi, type GitHubApi } from '../../src/reporting/github-api.js';
import { commentMarker } from '../../src/reporting/pr-comment.js';
import { startGitHubRecorder, type GitHubRecorder } from '../support/github-recorder.js';

const TIMEOUT = 60_000;
const RUN_URL = 'https://github.com/octo/shop/actions/runs/42';
const HEAD = 'feedfacefeedfacefeedfacefeedfacefeedface';
const PULL_REQUEST = {
  eventName: 'pull_request',
  payload: {
    action: 'synchronize',
    number: 7,
    pull_request: {
      number: 7,
      head: { sha: HEAD, repo: { full_name: 'octo/shop' } },
      base: { repo: { full_name: 'octo/shop' } },
    },
  },
  ref: 'refs/pull/7/merge',
};
const REPORTS = { comment: 'true', deployment: 'true' };

let aws: FakeAws;
let gh: GitHubRecorder;
const dirs: string[] = [];

beforeAll(async () => {
  aws = await startFakeAws();
  aws.seed.setup('shop');
}, TIMEOUT);
afterAll(async () => {
  await aws?.close();
});
afterEach(async () => {
  await gh?.close();
  for (const dir of dirs.splice(0)) removeApp(dir);
});

function app(): string {
  const dir = appFolder();
  dirs.push(dir);
  return dir;
}

/** The recorder's API, noting how many AWS requests had been made when each status was posted. */
function watchedApi(awsCallsAtStatus: Record<string, number>): GitHubApi {
  const api = createGitHubApi({ token: 'ghs_test', apiUrl: gh.url, repository: 'octo/shop' });
  return {
    ...api,
    createDeploymentStatus: async (id, status) => {
      awsCallsAtStatus[status.state] ??= aws.calls.calls.length;
      await api.createDeploymentStatus(id, status);
    },
  };
}

describe('the GitHub Deployment follows the deploy', () => {
  it(
    'is in progress, with the run as its log, before the first AWS request; success with the URL at the end',
    async () => {
      gh = await startGitHubRecorder();
      aws.calls.clear();
      const at: Record<string, number> = {};
      const run = await deployApp(aws, app(), {
        inputs: REPORTS,
        github: watchedApi(at),
        ctx: PULL_REQUEST,
      });
      expect(run.report.status).toBe('success');
      expect(gh.deployments).toHaveLength(1);
      expect(gh.deployments[0]).toMatchObject({ environment: 'shop/pr-7', ref: HEAD });
      const statuses = gh.statusesOf(gh.deployments[0]?.id as number);
      expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
      expect(at.in_progress).toBe(0);
      expect(at.success).toBeGreaterThan(0);
      expect(statuses[0]).toMatchObject({ logUrl: RUN_URL, environmentUrl: '' });
      expect(statuses[1]).toMatchObject({ logUrl: RUN_URL, environmentUrl: run.report.url });
    },
    TIMEOUT,
  );

  it(
    'a deploy that throws (pip fails on requirements.txt) ends in error, comments on the pull request, and still throws',
    async () => {
      gh = await startGitHubRecorder();
      const dir = app();
      writeFileSync(join(dir, 'app', 'requirements.txt'), 'no-such-package-lambda-deploy==1.0\n');
      const run = deployApp(aws, dir, {
        inputs: { ...REPORTS, 'pip-args': '--no-index' },
        github: createGitHubApi({ token: 'ghs_test', apiUrl: gh.url, repository: 'octo/shop' }),
        ctx: PULL_REQUEST,
      });
      await expect(run).rejects.toThrow(/no-such-package-lambda-deploy/);
      expect(gh.deployments).toHaveLength(1);
      const statuses = gh.statusesOf(gh.deployments[0]?.id as number);
      expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'error']);
      expect(statuses[1]?.logUrl).toBe(RUN_URL);
      expect(statuses[1]?.description).toMatch(/^Failed: .*no-such-package-lambda-deploy/);
      expect(gh.comments).toHaveLength(1);
      const body = gh.comments[0]?.body ?? '';
      expect(body.startsWith(commentMarker('shop', 'pr-7'))).toBe(true);
      expect(body).toContain('`shop` deploy failed');
      expect(body).toContain('no-such-package-lambda-deploy');
      expect(body).toContain(RUN_URL);
    },
    TIMEOUT,
  );

  it(
    'deployment: false creates no Deployment, even when the deploy throws; the comment still goes',
    async () => {
      gh = await startGitHubRecorder();
      const dir = app();
      writeFileSync(join(dir, 'app', 'requirements.txt'), 'no-such-package-lambda-deploy==1.0\n');
      const run = deployApp(aws, dir, {
        inputs: { comment: 'true', deployment: 'false', 'pip-args': '--no-index' },
        github: createGitHubApi({ token: 'ghs_test', apiUrl: gh.url, repository: 'octo/shop' }),
        ctx: PULL_REQUEST,
      });
      await expect(run).rejects.toThrow(/no-such-package-lambda-deploy/);
      expect(gh.requests.filter((r) => r.path.includes('/deployments'))).toEqual([]);
      expect(gh.comments).toHaveLength(1);
    },
    TIMEOUT,
  );
});
