import { renderDeployComment } from '../../src/reporting/pr-comment.js';
import { describe, expect, it } from '@jest/globals';
import {
  renderDeploySummary,
  renderPruneSummary,
  renderUndeploySummary,
  renderClaimedLogGroupsSummary,
} from '../../src/reporting/summary.js';
import { type PruneLine } from '../../src/model/outcome.js';
import { API_KEY, failureOutcome, successOutcome, undeployOutcome } from './outcomes.js';

describe('a stage behind an API key (api-key: true)', () => {
  const keyed = successOutcome({
    url: 'https://abc123.execute-api.us-east-1.amazonaws.com/pr-12',
    apiId: 'abc123',
    apiKeyId: 'k3y1d0',
  });
  const how =
    'required: send its value as the `x-api-key` header (key `k3y1d0`: `aws apigateway get-api-key --api-key k3y1d0 --include-value --query value --output text`)';

  it('the summary and the pull request comment say the URL needs the key, and how to read it', () => {
    expect(renderDeploySummary(keyed)).toContain(`| **API key** | ${how} |`);
    expect(renderDeployComment(keyed)).toContain(`| **API key** | ${how} |`);
  });

  it('never its value, and no such row without a key', () => {
    expect(renderDeploySummary({ ...keyed }, { secrets: [API_KEY] })).not.toContain(API_KEY);
    expect(renderDeploySummary(successOutcome())).not.toContain('API key');
    expect(renderDeployComment(successOutcome())).not.toContain('API key');
  });
});

describe('renderDeploySummary', () => {
  it('shows the facts of a successful deploy', () => {
    const md = renderDeploySummary(successOutcome());
    expect(md).toContain('### ✅ `shop` deployed to `pr-12`');
    expect(md).toContain(
      '| **URL** | [https://abc123.execute-api.us-east-1.amazonaws.com](https://abc123.execute-api.us-east-1.amazonaws.com) |',
    );
    expect(md).toContain('| **Stage** | `pr-12` |');
    expect(md).toContain('| **Version** | 5 (previous: 4) |');
    expect(md).toContain('| **Commit** | `0123456` |');
    expect(md).toContain('| **Package** | 1.5 MB zipped, 5.0 MB unpacked |');
    expect(md).toContain('| **Changed** | yes |');
    expect(md).toContain('| **Smoke test** | ✅ passed: GET');
    expect(md).toContain('| **Time** | 42 s |');
    expect(md).not.toContain('<details>');
  });

  it.each([
    [{ previousVersion: '' }, '5 (first deploy)'],
    [{ previousVersion: '5', changed: false }, '5 (unchanged)'],
  ])('version line %j', (extra, line) => {
    expect(renderDeploySummary(successOutcome(extra))).toContain(`| **Version** | ${line} |`);
  });

  it('says when the code did not change', () => {
    expect(renderDeploySummary(successOutcome({ changed: false }))).toContain(
      '| **Changed** | no (same code and configuration) |',
    );
  });

  it('a deploy that failed before the function step claims no version and no comparison', () => {
    // E.g. the artifact bucket could not be created: nothing was published, nothing compared.
    const report = failureOutcome({
      version: '',
      previousVersion: '',
      failedVersion: undefined,
      changed: false,
      rolledBack: false,
      rollbackMessage: undefined,
      url: '',
      error: 'Could not create S3 bucket lambda-deploy-123456789012-eu-west-1: InvalidLocationConstraint',
      smoke: { status: 'skipped', target: '', attempts: 0, detail: 'not reached', durationMs: 0 },
    });
    for (const md of [renderDeploySummary(report), renderDeployComment(report)]) {
      expect(md).not.toContain('**Version**');
      expect(md).not.toContain('same code and configuration');
      expect(md).toContain('| **Stage** | `pr-12` |');
      expect(md).toContain('**Error:** Could not create S3 bucket');
    }
  });

  it('says the smoke test was skipped', () => {
    const md = renderDeploySummary(
      successOutcome({ smoke: { status: 'skipped', target: '', attempts: 0, detail: '', durationMs: 0 } }),
    );
    expect(md).toContain('| **Smoke test** | ⏭️ skipped (smoke-test: false) |');
  });

  it("a failed smoke test is said once, in its row: the error line adds only the pipeline's hint", () => {
    const detail =
      'GET https://abc123.execute-api.us-east-1.amazonaws.com/ answered 502, expected 200-399 after 4 attempts within smoke-timeout 60 s.';
    const hint =
      'flask_sqlalchemy is neither in the package nor in its requirements: add flask_sqlalchemy to a requirements.txt in `path` (or the file the `requirements` input names)';
    const smoke = { ...failureOutcome().smoke, detail };
    const restated = `Smoke test failed: ${detail.replace(/\.$/, '')}`;
    const withHint = failureOutcome({ smoke, error: `${restated}.`, hint });
    const plain = failureOutcome({ smoke, error: `${restated}.` });
    for (const md of [renderDeploySummary(withHint), renderDeployComment(withHint)]) {
      expect(md.split('answered 502')).toHaveLength(2); // the row only
      expect(md).toContain(`| **Smoke test** | ❌ failed: ${detail} |`);
      expect(md).toContain(`**Fix:** ${hint}`);
      expect(md).not.toContain('**Error:**');
    }
    for (const md of [renderDeploySummary(plain), renderDeployComment(plain)]) {
      expect(md.split('answered 502')).toHaveLength(2);
      expect(md).not.toContain('**Error:**');
      expect(md).not.toContain('**Fix:**');
      expect(md).toContain('↩️ Rolled back');
    }
    // Any other error is shown whole.
    const other = failureOutcome({ smoke, error: 'Could not point alias live: AccessDenied' });
    expect(renderDeploySummary(other)).toContain('**Error:** Could not point alias live: AccessDenied');
    // The hint is the report's own field: under any error, its Fix line follows the Error line.
    const started = failureOutcome({ error: 'The function could not start.', hint });
    for (const md of [renderDeploySummary(started), renderDeployComment(started)])
      expect(md).toContain(`**Error:** The function could not start.\n\n**Fix:** ${hint}`);
    // A hint in parentheses of the error is the error's text, no Fix line.
    const quoted = failureOutcome({ smoke, error: `${restated} (${hint}).` });
    expect(renderDeploySummary(quoted)).not.toContain('**Fix:**');
  });

  it('shows the error, the rollback, the smoke answer and the logs on failure', () => {
    const md = renderDeploySummary(failureOutcome(), {
      runUrl: 'https://github.com/octo/repo/actions/runs/9',
    });
    expect(md).toContain('### ❌ `shop` deploy to `pr-12` failed');
    expect(md).toContain('| **Version** | 4 (rolled back from failing version 5) |');
    expect(md).toContain('**Error:** The smoke test failed');
    expect(md).toContain('↩️ Rolled back: alias live of shop-pr-12 points at version 4 again');
    expect(md).toContain(
      '<details><summary>Smoke test: last answer 500 from https://abc123.execute-api.us-east-1.amazonaws.com/</summary>',
    );
    expect(md).toMatch(
      /<details><summary>Function logs: shop-pr-12<\/summary>\n\n```text\n--- errors \(1 distinct\) ---\n\[ERROR\] KeyError: 'DATABASE_URL'/,
    );
    expect(md).toContain('[the workflow run](https://github.com/octo/repo/actions/runs/9)');
  });

  it('makes a failed rollback stand out', () => {
    const md = renderDeploySummary(
      failureOutcome({
        rolledBack: false,
        version: '5',
        rollbackMessage: 'ROLLBACK FAILED: x. THE STAGE MAY BE SERVING THE FAILING VERSION 5.',
      }),
    );
    expect(md).toContain('⚠️ **ROLLBACK FAILED: x. THE STAGE MAY BE SERVING THE FAILING VERSION 5.**');
  });

  it('gives a logs note a line when there are no logs', () => {
    const md = renderDeploySummary(
      failureOutcome({
        logs: undefined,
        logsNote: 'No log group /aws/lambda/shop-pr-12 yet (the function never ran).',
      }),
    );
    expect(md).toContain('_Logs: No log group /aws/lambda/shop-pr-12 yet (the function never ran)._');
  });

  it('shows no secret', () => {
    const md = renderDeploySummary(failureOutcome(), { secrets: [API_KEY] });
    expect(md).not.toContain(API_KEY);
    expect(md).not.toContain('wJalrXUtnFEMI');
    expect(md).toContain('AWS_SECRET_ACCESS_KEY=***');
  });

  // A short value a secret's name holds (PASSWORD=api) is hidden as a word; our own endpoint holds none
  // (its words are the API's id, `execute-api`, the region and the stage), so there it stays whole.
  it("never stars a word of the stage's own URL, and still hides that word elsewhere", () => {
    const url = 'https://abc123.execute-api.us-east-1.amazonaws.com/qa-live';
    const o = failureOutcome({ url, error: 'login with api failed (east, live)' });
    const secrets = ['api', 'east', 'live'];
    for (const md of [renderDeploySummary(o, { secrets }), renderDeployComment(o, { secrets })]) {
      expect(md).toContain(`[${url}](${url})`);
      expect(md).toContain('login with *** failed (***, ***)');
    }
  });

  // A report job renders a URL from JSON that pull-request code could write: its shape is checked, its id is not ours.
  it("hides a short secret the URL's id label carries, in the summary and the comment", () => {
    const o = failureOutcome({ url: 'https://admin.execute-api.us-east-1.amazonaws.com/dev' });
    for (const md of [
      renderDeploySummary(o, { secrets: ['admin'] }),
      renderDeployComment(o, { secrets: ['admin'] }),
    ]) {
      expect(md).not.toMatch(/\badmin\b/);
      expect(md).toContain('https://***.execute-api.us-east-1.amazonaws.com/dev');
    }
  });

  it('keeps a log line with backticks inside its block', () => {
    const md = renderDeploySummary(failureOutcome({ logs: 'a ``` b\n```\nc' }));
    expect(md).toContain('````text\na ``` b\n```\nc\n````');
  });
});

describe('renderUndeploySummary', () => {
  it('lists what was removed', () => {
    const md = renderUndeploySummary(
      undeployOutcome({ skipped: [{ resource: 'S3 bucket b', why: 'shared by every stage' }] }),
    );
    expect(md).toContain('### 🗑️ Preview `pr-12` of `shop` removed');
    expect(md).toContain('Removed:\n- `HTTP API abc123`\n- `Lambda function shop-pr-12`');
    expect(md).toContain('| `S3 bucket b` | shared by every stage |');
  });
  it('names the log groups it kept (remove-logs: false), and how to remove them with the stage', () => {
    const md = renderUndeploySummary(undeployOutcome({ keptLogGroups: ['/aws/lambda/shop-pr-12'] }));
    expect(md).toContain(
      'Kept: `log group /aws/lambda/shop-pr-12` (`remove-logs: false`; with `remove-logs: true` an undeploy removes it too).',
    );
    expect(renderUndeploySummary(undeployOutcome())).not.toContain('Kept');
  });

  it('a dry run says what would go', () => {
    const md = renderUndeploySummary(undeployOutcome({ dryRun: true }));
    expect(md).toContain('dry run, nothing removed');
    expect(md).toContain('Would remove:');
  });
  it('says when nothing carried the tags, with a heading that does not claim a removal', () => {
    const md = renderUndeploySummary(undeployOutcome({ removed: [] }));
    expect(md).toContain(
      'Removed nothing: no resource carries the tags of stage `pr-12` (it was never deployed, or was already removed).',
    );
    expect(md).toContain('### 🗑️ Preview `pr-12` of `shop`: nothing to remove');
    expect(md).not.toMatch(/`shop` removed|\(0 resources?\)/);
  });
});

describe('renderPruneSummary', () => {
  it('has one line per stage', () => {
    const lines: PruneLine[] = [
      { stage: 'main', action: 'kept', why: 'protected stage' },
      { stage: 'pr-3', action: 'removed', why: 'pull request #3 is closed' },
      { stage: 'feature-x', action: 'would remove', why: 'branch feature-x | gone' },
    ];
    const md = renderPruneSummary('shop', lines);
    expect(md).toContain('### 🧹 `shop` prune: 1 removed, 1 would be removed (dry run), 1 kept');
    expect(md).toContain('| Stage | Action | Why |');
    expect(md).toContain('| `main` | kept | protected stage |');
    expect(md).toContain('| `pr-3` | removed | pull request #3 is closed |');
    expect(md).toContain('| `feature-x` | would remove | branch feature-x \\| gone |');
  });
  it('marks a stage that could not be removed', () => {
    const md = renderPruneSummary('shop', [
      { stage: 'pr-4', action: 'failed', why: 'AccessDenied on DeleteFunction' },
    ]);
    expect(md).toContain('### 🧹 `shop` prune: 0 kept, 1 failed');
    expect(md).toContain('| `pr-4` | ❌ failed | AccessDenied on DeleteFunction |');
  });

  it('shows a branch name as written: one with <!-- (a valid Git ref) hides none of the table', () => {
    const md = renderPruneSummary('shop', [
      { stage: 'x-1a2b3c4d', action: 'kept', why: 'branch x<!--y exists' },
      { stage: 'pr-4', action: 'removed', why: 'pull request #4 is closed' },
    ]);
    expect(md).not.toContain('<!--');
    expect(md).toContain('| `x-1a2b3c4d` | kept | branch x&lt;!--y exists |');
    expect(md).toContain('| `pr-4` | removed | pull request #4 is closed |');
  });

  it('says when there were no stages', () => {
    expect(renderPruneSummary('shop', [])).toContain('No stages of this project were found.');
  });
});

describe('renderClaimedLogGroupsSummary', () => {
  const claimed = [
    { group: '/aws/lambda/shop-legacy', functionName: 'shop-legacy', createdAt: undefined, released: true },
  ];
  const UNCHECKED = '**Log groups not checked for functions lambda-deploy did not make**: 2.';

  it('the groups the role could not check: one paragraph saying why and what to do, and each group', () => {
    const md = renderClaimedLogGroupsSummary(
      { claimed: [], unchecked: ['/aws/lambda/shop-pr-1', '/aws/lambda/shop-old'] },
      false,
    );
    expect(md.startsWith(UNCHECKED)).toBe(true);
    expect(md).toMatch(/preview role/);
    expect(md).toMatch(/`protected-stages`/);
    expect(md).toContain('\n\n- `/aws/lambda/shop-pr-1`\n- `/aws/lambda/shop-old`\n');
  });

  it('after the released groups, apart from their table; nothing when there is neither', () => {
    const md = renderClaimedLogGroupsSummary(
      { claimed, unchecked: ['/aws/lambda/shop-pr-1', '/aws/lambda/shop-old'] },
      false,
    );
    expect(md).toContain(`lambda-deploy tags removed |\n\n${UNCHECKED}`);
    expect(renderClaimedLogGroupsSummary({ claimed, unchecked: [] }, false)).not.toContain('not checked');
    expect(renderClaimedLogGroupsSummary({ claimed: [], unchecked: [] }, false)).toBe('');
  });
});
