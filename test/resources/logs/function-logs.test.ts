import { afterEach, describe, expect, it } from '@jest/globals';
import 'aws-sdk-client-mock-jest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudWatchLogsClient,
  CloudWatchLogsServiceException,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  fetchFunctionLogs,
  localFunctionLogs,
  streamPrefixes,
} from '../../../src/resources/logs/function-logs.js';
import { LogBuffer } from '../../../src/local-runtime/log-buffer.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { REDACTED } from '../../../src/util/redact.js';
import { startFakeAws, type FakeAws, type FakeAwsOptions } from '../../../fakes/aws/index.js';

const window = { functionName: 'shop-pr-7', startTime: 1_700_000_000_000, endTime: 1_700_000_060_000 };
const at = (offsetMs: number) => window.startTime + offsetMs;

let aws: FakeAws | undefined;
afterEach(() => aws?.close());

/** The one fake AWS, its Logs client, and the calls FilterLogEvents received. */
async function account(options: FakeAwsOptions = {}) {
  aws = await startFakeAws(options);
  const fake = aws;
  const logs = fake.clients().logs;
  const deps = () => ({ logger: new RecordingLogger(), sleep: fake.clock.sleep, random: () => 1 });
  const filters = () => fake.calls.of({ operation: 'FilterLogEvents' });
  return { fake, logs, deps, filters };
}

describe('fetchFunctionLogs', () => {
  it('reads the window of /aws/lambda/{function}, page by page, errors first', async () => {
    const { fake, logs, deps, filters } = await account({ pageSize: 2 });
    fake.setFunctionLogs('shop-pr-7', [
      { timestamp: at(3), message: 'START RequestId: a Version: 4\n' },
      {
        timestamp: at(4),
        message:
          '[ERROR] KeyError: \'name\'\rTraceback (most recent call last):\r  File "/var/task/app.py", line 5, in handler\n',
      },
      { timestamp: at(5), message: 'END RequestId: a\n' },
      { timestamp: at(6), message: 'REPORT RequestId: a Duration: 2.1 ms\n' },
      // Outside the window: another run's lines.
      { timestamp: window.endTime + 1, message: 'Exception: later run\n' },
    ]);
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.note).toBeUndefined();
    expect(result.text.indexOf("KeyError: 'name'")).toBeLessThan(result.text.indexOf('--- last'));
    expect(result.text).toContain('REPORT RequestId: a');
    expect(result.text).not.toContain('later run');
    expect(filters()[0]!.input).toMatchObject({
      logGroupName: '/aws/lambda/shop-pr-7',
      startTime: window.startTime,
      endTime: window.endTime,
    });
    expect(filters().map((c) => typeof c.input.nextToken)).toEqual(['undefined', 'string']);
  });

  it('orders interleaved streams by time', async () => {
    const { fake, logs, deps } = await account();
    fake.setFunctionLogs('shop-pr-7', [
      { timestamp: at(20), message: 'second' },
      { timestamp: at(10), message: 'first' },
    ]);
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.text).toBe('--- last 2 lines ---\nfirst\nsecond');
  });

  it('stops after the page and event bounds, and says only part was read', async () => {
    const { fake, logs, deps, filters } = await account({ pageSize: 200 });
    fake.setFunctionLogs(
      'shop-pr-7',
      Array.from({ length: 1000 }, (_, i) => ({ timestamp: at(i), message: `line ${i}` })),
    );
    const result = await fetchFunctionLogs(logs, window, { ...deps(), maxEvents: 500, maxPages: 2 });
    expect(filters()).toHaveLength(2);
    expect(result.note).toContain('Only the first 400 log events');
    expect(Buffer.byteLength(result.text)).toBeLessThanOrEqual(8192);
  });

  it('asks for no more events than the bound', async () => {
    const { fake, logs, deps, filters } = await account();
    fake.setFunctionLogs('shop-pr-7', []);
    await fetchFunctionLogs(logs, window, { ...deps(), maxEvents: 123 });
    expect(filters()[0]!.input).toMatchObject({ limit: 123 });
  });

  it('notes a missing log group without claiming the function never ran (its lines may be on their way)', async () => {
    const { logs, deps, filters } = await account();
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result).toEqual({
      text: '',
      note:
        'No log group /aws/lambda/shop-pr-7 yet: nothing the function wrote had reached CloudWatch Logs when this deploy read it ' +
        '(lines arrive seconds after they are written; an execution role without logs:CreateLogGroup and logs:PutLogEvents writes none).',
    });
    expect(filters()[0]).toMatchObject({ status: 400, error: 'ResourceNotFoundException' });
  });

  it('notes a missing permission naming logs:FilterLogEvents', async () => {
    const { fake, logs, deps } = await account();
    fake.setFunctionLogs('shop-pr-7', ['Exception: x']);
    fake.faults.deny('FilterLogEvents');
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.text).toBe('');
    expect(result.note).toContain('logs:FilterLogEvents');
  });

  it('a custom log group the deploy role may not read: says which group, and the grant to add, never throws', async () => {
    // As CloudWatch Logs answers a role whose policy does not cover the group (HTTP 400, JSON protocol).
    const logs = new CloudWatchLogsClient({ region: 'eu-west-1' });
    const mock = mockClient(logs);
    mock.on(FilterLogEventsCommand).rejects(
      new CloudWatchLogsServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message:
          'User: arn:aws:sts::123456789012:assumed-role/shop-deploy-preview/GitHubActions is not authorized to perform: logs:FilterLogEvents on resource: arn:aws:logs:eu-west-1:123456789012:log-group:/shop/all:log-stream: because no identity-based policy allows the logs:FilterLogEvents action',
      }),
    );
    const logger = new RecordingLogger();
    const result = await fetchFunctionLogs(
      logs,
      {
        ...window,
        logGroupName: '/shop/all',
        logGroupArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:/shop/all',
      },
      { logger, sleep: async () => undefined },
    );
    expect(result).toEqual({
      text: '',
      note:
        'No logs: the deploy role may not read /shop/all, the log group this function logs to (its LoggingConfig, set outside the workflow); ' +
        "the roles lambda-deploy sets up read only the functions' own groups (/aws/lambda/{function}). " +
        'To show its lines here, grant the deploy role logs:FilterLogEvents on arn:aws:logs:eu-west-1:123456789012:log-group:/shop/all and arn:aws:logs:eu-west-1:123456789012:log-group:/shop/all:* ' +
        "(other functions' lines in that group then show here too, and to the preview role's pull requests if you grant it that); or read them in CloudWatch Logs.",
    });
    expect(mock).toHaveReceivedCommandTimes(FilterLogEventsCommand, 1);
  });

  it('from a terminal, names these AWS credentials, not the deploy role', async () => {
    const { fake, logs, deps } = await account();
    fake.setFunctionLogs('shop-pr-7', ['Exception: x']);
    fake.faults.deny('FilterLogEvents');
    const own = await fetchFunctionLogs(logs, window, { ...deps(), surface: 'terminal' });
    expect(own.note).toBe(
      'No logs: these AWS credentials may not read /aws/lambda/shop-pr-7 (they need logs:FilterLogEvents).',
    );
    const arn = 'arn:aws:logs:eu-west-1:123456789012:log-group:/shop/all';
    const custom = await fetchFunctionLogs(
      logs,
      { ...window, logGroupName: '/shop/all', logGroupArn: arn },
      { ...deps(), surface: 'terminal' },
    );
    expect(custom.note).toBe(
      'No logs: these AWS credentials may not read /shop/all, the log group this function logs to (its LoggingConfig, set outside lambda-deploy); ' +
        "the roles lambda-deploy sets up read only the functions' own groups (/aws/lambda/{function}). " +
        `To show its lines here, grant the identity you deploy with logs:FilterLogEvents on ${arn} and ${arn}:*; or read them in CloudWatch Logs.`,
    );
    // The action's wording is unchanged.
    const action = await fetchFunctionLogs(logs, window, { ...deps(), surface: 'action' });
    expect(action.note).toContain('No logs: the deploy role may not read /aws/lambda/shop-pr-7');
  });

  it('keeps what it read before a later page failed', async () => {
    const { fake, logs, deps, filters } = await account();
    // The first page comes back with a next token; the read of the second is refused.
    fake.faults
      .answer('FilterLogEvents', {
        events: [{ timestamp: at(1), message: 'Exception: early', eventId: '1' }],
        nextToken: 'n',
      })
      .deny('FilterLogEvents');
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.text).toContain('Exception: early');
    expect(result.note).toContain('logs:FilterLogEvents');
    expect(filters().map((c) => [c.input.nextToken, c.status])).toEqual([
      [undefined, 200],
      ['n', 400],
    ]);
  });

  it('retries throttling (ThrottlingException, 400)', async () => {
    const { fake, logs, deps, filters } = await account();
    fake.setFunctionLogs('shop-pr-7', ['ok']);
    fake.faults.throttle('FilterLogEvents', 1);
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.text).toContain('ok');
    expect(filters().map((c) => [c.status, c.error])).toEqual([
      [400, 'ThrottlingException'],
      [200, undefined],
    ]);
    expect(fake.clock.sleep.calls).toHaveLength(1);
  });

  it('never throws on an unexpected error (a dropped connection)', async () => {
    const { fake, logs, deps } = await account();
    fake.setFunctionLogs('shop-pr-7', ['ok']);
    fake.faults.failAfter('FilterLogEvents', { reset: true, times: 100 });
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.text).toBe('');
    expect(result.note).toMatch(/^Could not read \/aws\/lambda\/shop-pr-7: /);
  });

  it('says so when the window has no lines', async () => {
    const { fake, logs, deps } = await account();
    fake.setFunctionLogs('shop-pr-7', []);
    expect((await fetchFunctionLogs(logs, window, deps())).note).toContain('No log lines');
  });

  it("with a version, reads only that version's streams: the serving version's lines do not crowd it out", async () => {
    const { fake, logs, deps, filters } = await account();
    // Version 3 serves the stage's traffic during the deploy; version 4 failed its smoke test.
    const serving = '2023/11/14/[3]aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const failed = '2023/11/14/[4]bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    fake.setFunctionLogs('shop-pr-7', [
      ...Array.from({ length: 600 }, (_, i) => ({
        timestamp: at(i),
        message: i === 7 ? '[ERROR] ValueError: a caller of version 3' : `GET /orders ${i}`,
        logStreamName: serving,
      })),
      { timestamp: at(700), message: 'START RequestId: b Version: 4', logStreamName: failed },
      { timestamp: at(701), message: "[ERROR] KeyError: 'orders'", logStreamName: failed },
    ]);
    const result = await fetchFunctionLogs(logs, { ...window, version: '4' }, deps());
    expect(result.text).toContain("KeyError: 'orders'");
    expect(result.text).not.toContain('version 3');
    expect(result.text).not.toContain('GET /orders');
    expect(filters()[0]!.input).toMatchObject({ logStreamNamePrefix: '2023/11/14/[4]' });
    expect(result.note).toBeUndefined();
  });

  it("a window across UTC midnight reads the version's streams of both days", async () => {
    const { fake, logs, deps, filters } = await account();
    const midnight = Date.UTC(2023, 10, 15);
    fake.setFunctionLogs('shop-pr-7', [
      { timestamp: midnight - 5, message: 'before midnight', logStreamName: '2023/11/14/[4]aa' },
      { timestamp: midnight + 5, message: 'after midnight', logStreamName: '2023/11/15/[4]bb' },
      { timestamp: midnight + 6, message: 'version 3', logStreamName: '2023/11/15/[3]cc' },
    ]);
    const result = await fetchFunctionLogs(
      logs,
      { functionName: 'shop-pr-7', startTime: midnight - 60_000, endTime: midnight + 60_000, version: '4' },
      deps(),
    );
    expect(result.text).toBe('--- last 2 lines ---\nbefore midnight\nafter midnight');
    expect(filters().map((c) => c.input.logStreamNamePrefix)).toEqual(['2023/11/14/[4]', '2023/11/15/[4]']);
  });

  it('says which version had no lines', async () => {
    const { fake, logs, deps } = await account();
    fake.setFunctionLogs('shop-pr-7', [{ message: 'version 3', logStreamName: '2023/11/14/[3]aa' }]);
    const result = await fetchFunctionLogs(logs, { ...window, version: '4' }, deps());
    expect(result.text).toBe('');
    expect(result.note).toContain('No log lines of version 4 had reached /aws/lambda/shop-pr-7');
  });

  it('reads on through empty pages that carry a next token (FilterLogEvents returns those while it searches)', async () => {
    const { fake, logs, deps, filters } = await account();
    fake.setFunctionLogs('shop-pr-7', [{ timestamp: at(5), message: "[ERROR] KeyError: 'orders'" }]);
    fake.account.logGroups.get('/aws/lambda/shop-pr-7')!.emptyPagesFirst = 3;
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.text).toContain("KeyError: 'orders'");
    expect(result.note).toBeUndefined();
    expect(filters()).toHaveLength(4);
  });

  it('does not claim there are no lines when it stopped before the end', async () => {
    const { fake, logs, deps, filters } = await account();
    fake.setFunctionLogs('shop-pr-7', ['late']);
    fake.account.logGroups.get('/aws/lambda/shop-pr-7')!.emptyPagesFirst = 1000;
    const result = await fetchFunctionLogs(logs, { ...window, version: '4' }, deps());
    expect(result.text).toBe('');
    expect(result.note).toBe(
      'No log lines of version 4 in the 12 pages of /aws/lambda/shop-pr-7 this deploy read; the rest was left unread: see the log group in CloudWatch Logs.',
    );
    expect(filters()).toHaveLength(12);
  });

  it("says lines may still be on their way, not that there are none, when the window's read found none", async () => {
    const { fake, logs, deps } = await account();
    fake.setFunctionLogs('shop-pr-7', []);
    expect((await fetchFunctionLogs(logs, { ...window, version: '4' }, deps())).note).toBe(
      'No log lines of version 4 had reached /aws/lambda/shop-pr-7 when this deploy read it: CloudWatch Logs receives them seconds after they are written, so look there again shortly.',
    );
  });

  it('uses a custom log group', async () => {
    const { fake, logs, deps, filters } = await account();
    fake.seed.logGroup('/custom/group');
    await fetchFunctionLogs(logs, { ...window, logGroupName: '/custom/group' }, deps());
    expect(filters()[0]!.input).toMatchObject({ logGroupName: '/custom/group' });
    expect(filters()[0]!.status).toBe(200);
  });
});

describe('streamPrefixes', () => {
  const midnight = Date.UTC(2023, 10, 15);
  const w = { functionName: 'shop-main', startTime: midnight - 60_000, endTime: midnight - 1_000 };
  it.each([
    ['its own group, every version: every stream', w, [undefined]],
    ['its own group, version 4', { ...w, version: '4' }, ['2023/11/14/[4]']],
    [
      'the default group named',
      { ...w, logGroupName: '/aws/lambda/shop-main', version: '4' },
      ['2023/11/14/[4]'],
    ],
    [
      'a custom group, version 4',
      { ...w, logGroupName: '/shop/all', version: '4' },
      ['2023/11/14/shop-main[4]'],
    ],
    [
      'a custom group, every version: this function only',
      { ...w, logGroupName: '/shop/all' },
      ['2023/11/14/shop-main['],
    ],
    [
      'a window across midnight',
      { ...w, endTime: midnight + 1_000, version: '12' },
      ['2023/11/14/[12]', '2023/11/15/[12]'],
    ],
  ])('%s', (_name, window, expected) => {
    expect(streamPrefixes(window)).toEqual(expected);
  });
});

describe('localFunctionLogs', () => {
  it('formats local runtime lines like CloudWatch ones', () => {
    expect(localFunctionLogs(['Exception: x', 'done']).text).toMatch(
      /^--- errors \(1 distinct\) ---\nException: x/,
    );
    expect(localFunctionLogs([]).note).toBe('The function wrote no log lines.');
  });

  // Each local line starts with its time: the signature's line too, after botocore's `Signature:` label.
  it("hides botocore's signature on the line after its label, each line with its time", () => {
    const sig = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
    const buffer = new LogBuffer(() => Date.UTC(2026, 11, 7, 10, 0, 0, 5));
    buffer.write('stderr', `botocore.auth [DEBUG] Signature:\n${sig}\ndone, ${'0a'.repeat(32)}\n`);
    const time = '2026-12-07T10:00:00.005Z';
    expect(localFunctionLogs(buffer.snapshot()).text).toBe(
      `--- last 3 lines ---\n${time} botocore.auth [DEBUG] Signature:\n${time} ${REDACTED}\n${time} done, ${'0a'.repeat(32)}`,
    );
  });
});
