/**
 * The `report` JSON a deploy without a token hands to the report job: what it carries is redacted
 * and bounded, and what the report job accepts is only what a deploy makes (the JSON was written
 * where pull-request code ran, so every key, type, size, the stage and the URL are checked).
 */
import { describe, expect, it } from '@jest/globals';
import {
  deployReportJson,
  errorReportJson,
  MAX_REPORT_CHARS,
  parseReport,
} from '../../src/reporting/report-json.js';
import { isReportUrl } from '../../src/reporting/report-url.js';
import { API_KEY, failureOutcome, TOKEN } from './outcomes.js';

const URL = 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com';
/** The report job's own project, stage and region (its name and aws-region inputs, its event). */
const EXPECTED = { project: 'shop', stage: 'pr-12', region: 'us-east-1' };

function good(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...JSON.parse(deployReportJson(failureOutcome({ url: URL }), { secrets: [API_KEY], commentLogs: true })),
    ...extra,
  };
}
const parse = (value: unknown) => () => parseReport(JSON.stringify(value), EXPECTED);

describe('deployReportJson', () => {
  it('round-trips through parseReport: the outcome the comment and the Deployment need', () => {
    const payload = parseReport(JSON.stringify(good()), EXPECTED);
    expect(payload.kind).toBe('deploy');
    if (payload.kind !== 'deploy') return;
    const o = failureOutcome({ url: URL });
    for (const key of [
      'status',
      'stage',
      'version',
      'previousVersion',
      'failedVersion',
      'url',
      'rolledBack',
    ] as const)
      expect(payload.outcome[key]).toEqual(o[key]);
    expect(payload.outcome.logs).toContain("KeyError: 'DATABASE_URL'");
    expect(payload.logsOmitted).toBe(false);
  });

  it("carries the deploy's notes, redacted and bounded, so the report job's summary shows them", () => {
    const notes = [`Kept warm by shop-warm, key ${API_KEY}.`, 'x'.repeat(5_000), ...Array(30).fill('n')];
    const json = deployReportJson(failureOutcome({ url: URL, notes }), {
      secrets: [API_KEY],
      commentLogs: true,
    });
    expect(json).not.toContain(API_KEY);
    const payload = parseReport(json, EXPECTED);
    if (payload.kind !== 'deploy') throw new Error('not a deploy');
    expect(payload.outcome.notes?.[0]).toBe('Kept warm by shop-warm, key ***.');
    expect(payload.outcome.notes?.[1]?.length).toBeLessThanOrEqual(1_000);
    expect(payload.outcome.notes).toHaveLength(20);
    const none = parseReport(
      deployReportJson(failureOutcome({ url: URL }), { secrets: [], commentLogs: true }),
      EXPECTED,
    );
    expect(none.kind === 'deploy' && none.outcome.notes).toBeUndefined();
  });

  it('redacts the known secrets and secret-shaped values before the JSON is made', () => {
    const o = failureOutcome({ url: URL, error: `boom token=${TOKEN} key ${API_KEY}` });
    const json = deployReportJson(o, { secrets: [API_KEY, TOKEN], commentLogs: true });
    expect(json).not.toContain(API_KEY);
    expect(json).not.toContain(TOKEN);
    expect(json).not.toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(json).toContain('***');
  });

  it('public-comment-logs false in a public repository: the logs stay out, and the report says they were left out', () => {
    const json = deployReportJson(failureOutcome({ url: URL }), { secrets: [], commentLogs: false });
    expect(json).not.toContain('DATABASE_URL');
    const payload = parseReport(json, EXPECTED);
    expect(payload.kind === 'deploy' && payload.logsOmitted).toBe(true);
  });

  it('cuts an oversized log to what parseReport accepts', () => {
    const json = deployReportJson(failureOutcome({ url: URL, logs: 'x'.repeat(200_000) }), {
      secrets: [],
      commentLogs: true,
    });
    expect(json.length).toBeLessThan(MAX_REPORT_CHARS);
    expect(() => parseReport(json, EXPECTED)).not.toThrow();
  });

  it('a log that JSON escapes grow (a spinner: carriage returns and ANSI codes) still fits what parseReport accepts', () => {
    // A spinner's redraw (CR, erase line, cursor up): 10 characters of log, 22 of JSON. Cut to its
    // 30,000 characters, the log alone would pass the limit.
    const logs = `Downloading${'.\r\u001b[2K\u001b[1A'.repeat(20_000)}`;
    const json = deployReportJson(failureOutcome({ url: URL, logs }), { secrets: [], commentLogs: true });
    expect(json.length).toBeLessThanOrEqual(MAX_REPORT_CHARS);
    const payload = parseReport(json, EXPECTED);
    // As much of the log as fits, and the rest of the report whole.
    expect(payload.kind === 'deploy' && payload.outcome.logs).toMatch(
      /^Downloading[\s\S]+more characters\)$/,
    );
    expect(payload.kind === 'deploy' && payload.outcome.rollbackMessage).toBe(
      failureOutcome().rollbackMessage,
    );
  });

  it('a URL with a word equal to a short secret (PASSWORD=api) is kept: the runner masks no short value, and ours holds no secret', () => {
    const json = deployReportJson(failureOutcome({ url: URL, error: 'api refused' }), {
      secrets: ['api', 'east'],
      commentLogs: true,
    });
    const payload = parseReport(json, EXPECTED);
    expect(payload.kind === 'deploy' && payload.outcome.url).toBe(URL);
    expect(payload.kind === 'deploy' && payload.outcome.error).toBe('*** refused');
  });

  it('a URL that holds a masked value is left out, not the report: GitHub would drop the whole output', () => {
    // An environment value (masked: every one is) that names the API: the runner drops any job
    // output holding it ("Skip output 'report' since it may contain secret"), so no comment at all.
    const json = deployReportJson(failureOutcome({ url: URL }), {
      secrets: ['a1b2c3d4e5'],
      commentLogs: true,
    });
    expect(json).not.toContain('a1b2c3d4e5');
    const payload = parseReport(json, EXPECTED);
    expect(payload.kind === 'deploy' && payload.outcome.url).toBe('');
    expect(payload.kind === 'deploy' && payload.outcome.status).toBe('failure');
  });

  it('a deploy that threw: its message, redacted, and where it failed', () => {
    const json = errorReportJson(
      { ...EXPECTED, message: `pip failed with password=${API_KEY}`, steps: ['Build'] },
      [API_KEY],
    );
    expect(json).not.toContain(API_KEY);
    expect(parseReport(json, EXPECTED)).toEqual(
      expect.objectContaining({ kind: 'error', message: 'pip failed with password=***', steps: ['Build'] }),
    );
  });
});

describe('parseReport refuses what a deploy never makes, naming the input, the key and the form', () => {
  it.each([
    ['empty', '', /^report: is empty; expected the JSON of the deploy step's report output/],
    ['not JSON', '{oops', /^report: "\{oops" is not JSON; expected the JSON/],
    ['an array', '[1]', /^report: \[1\] is not an object; expected/],
    ['unknown kind', '{"kind":"comment"}', /^report: kind is "comment"; expected deploy or error\.$/],
  ])('%s', (_what, text, message) => {
    expect(() => parseReport(text, EXPECTED)).toThrow(message);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'an unknown key',
      { body: '<script>' },
      /^report: body is not a known key; expected only v, project, stage, kind, status, target/,
    ],
    ['a missing key', { version: undefined }, /^report: version is missing; expected a version number\.$/],
    ['a wrong type', { changed: 'yes' }, /^report: changed is "yes"; expected true or false\.$/],
    [
      'a negative number',
      { packageBytes: -1 },
      /^report: packageBytes is -1; expected a whole number, 0 or more\.$/,
    ],
    [
      'an unknown status',
      { status: 'approved' },
      /^report: status is "approved"; expected one of success, failure\.$/,
    ],
    [
      'a nested unknown key',
      { smoke: { ...(good().smoke as object), html: 'x' } },
      /^report: smoke\.html is not a known key/,
    ],
    [
      'an invalid stage',
      { stage: 'Main!' },
      /^report: stage is "Main!"; expected a stage name: lower-case letters, digits and hyphens\.$/,
    ],
    [
      'another stage',
      { stage: 'main' },
      /^report: stage is "main"; expected "pr-12", the stage of this run \(its name input and event\)\.$/,
    ],
    ['another project', { project: 'bank' }, /^report: project is "bank"; expected "shop"/],
    [
      'notes not a list of strings',
      { notes: 'Kept warm' },
      /^report: notes is "Kept warm"; expected a list of at most 20 strings of at most 1000 characters\.$/,
    ],
    [
      'an oversized note',
      { notes: ['n'.repeat(1_001)] },
      /^report: notes is .+; expected a list of at most 20 strings of at most 1000 characters\.$/,
    ],
    [
      'an oversized field',
      { error: 'e'.repeat(4_001) },
      /^report: error is ".+; expected at most 4000 characters \(got 4001\)\.$/,
    ],
  ])('%s', (_what, extra, message) => {
    expect(parse(good(extra))).toThrow(message);
  });

  it('oversized as a whole', () => {
    const text = JSON.stringify(good({ logs: 'l'.repeat(MAX_REPORT_CHARS) }));
    expect(() => parseReport(text, EXPECTED)).toThrow(
      new RegExp(`^report: has ${text.length} characters; expected at most ${MAX_REPORT_CHARS}`),
    );
  });

  it.each([
    'https://evil.example.com/',
    'http://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
    'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com.evil.example',
    'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/main',
    'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/pr-12/../x',
    'https://user:pw@a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
    'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com:8443',
    'https://x.y.lambda-url.us-east-1.on.aws',
    'javascript:alert(1)',
    // Well shaped, but not where this run deploys: another region's API, or a China suffix on it.
    'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
    'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com.cn',
    'https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn',
    'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws',
  ])('a forged URL: %s', (url) => {
    expect(parse(good({ url }))).toThrow(
      /^report: url is ".+; expected a URL the deploy makes in this run's region us-east-1 \(aws-region\): https:\/\/\{id\}\.execute-api\.us-east-1\.amazonaws\.com \(REST API: \/pr-12 after it\), https:\/\/\{id\}\.lambda-url\.us-east-1\.on\.aws, or empty\.$/,
    );
  });

  it.each([
    ['HTTP API', URL, 'aws'],
    ['REST API', `${URL}/pr-12`, 'aws'],
    ['function URL', 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws', 'aws'],
    ['gateway none', '', 'aws'],
    ['local', 'http://127.0.0.1:43121', 'local'],
  ] as const)('accepts the URL a deploy makes: %s', (_what, url, target) => {
    expect(isReportUrl(url, { stage: 'pr-12', target, region: 'us-east-1' })).toBe(true);
    expect(parse(good({ url, target }))).not.toThrow();
  });

  describe('a run that deploys to a China region (amazonaws.com.cn)', () => {
    const china = { ...EXPECTED, region: 'cn-north-1' };
    const parseIn = (url: string) => () => parseReport(JSON.stringify(good({ url })), china);

    it("accepts that region's execute-api URL, REST API or not", () => {
      for (const url of [
        'https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn',
        'https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn/pr-12',
      ])
        expect(parseIn(url)).not.toThrow();
    });

    it.each([
      'https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com',
      'https://a1b2c3d4e5.execute-api.cn-northwest-1.amazonaws.com.cn',
      // AWS documents Lambda function URLs as not available in the China regions: no suffix to trust.
      'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.cn-north-1.on.aws',
      'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.cn-north-1.on.amazonwebservices.com.cn',
    ])('refuses %s, saying function URLs are not available there', (url) => {
      expect(parseIn(url)).toThrow(
        /^report: url is ".+; expected a URL the deploy makes in this run's region cn-north-1 \(aws-region\): https:\/\/\{id\}\.execute-api\.cn-north-1\.amazonaws\.com\.cn \(REST API: \/pr-12 after it\), or empty \(Lambda function URLs are not available in the China regions\)\.$/,
      );
    });
  });

  it('with no region (no aws-region input, AWS_REGION unset) no AWS URL is accepted: the error says to pass it', () => {
    const noRegion = { project: 'shop', stage: 'pr-12' };
    expect(() => parseReport(JSON.stringify(good()), noRegion)).toThrow(
      /^report: url is "https:\/\/a1b2c3d4e5\.execute-api\.us-east-1\.amazonaws\.com"; expected a URL of the region the deploy ran in, and this step has none: set its aws-region input to the deploy's\.$/,
    );
    // Gateway none and a local deploy name no region.
    expect(() => parseReport(JSON.stringify(good({ url: '' })), noRegion)).not.toThrow();
    expect(() =>
      parseReport(JSON.stringify(good({ url: 'http://127.0.0.1:43121', target: 'local' })), noRegion),
    ).not.toThrow();
  });

  it('a loopback URL only for a local deploy', () => {
    expect(
      isReportUrl('http://127.0.0.1:43121', { stage: 'pr-12', target: 'aws', region: 'us-east-1' }),
    ).toBe(false);
  });
});
