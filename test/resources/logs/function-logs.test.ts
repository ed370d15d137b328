import { afterEach, describe, expect, it } from '@jest/globals';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { fetchFunctionLogs, localFunctionLogs } from '../../../src/resources/logs/function-logs.js';
import { RecordingLogger } from '../../../src/util/logger.js';
import { recordingSleep } from '../../../src/util/sleep.js';

const logsMock = mockClient(CloudWatchLogsClient);
const logs = new CloudWatchLogsClient({ region: 'us-east-1' });
afterEach(() => {
  logsMock.reset();
});

const window = { functionName: 'shop-pr-7', startTime: 1_700_000_000_000, endTime: 1_700_000_060_000 };
const deps = () => ({ logger: new RecordingLogger(), sleep: recordingSleep() });
const event = (timestamp: number, message: string) => ({
  timestamp,
  message,
  logStreamName: 's',
  eventId: String(timestamp),
});
function awsError(name: string, status: number) {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

describe('fetchFunctionLogs', () => {
  it('reads the window of /aws/lambda/{function}, errors first', async () => {
    logsMock
      .on(FilterLogEventsCommand, { nextToken: undefined })
      .resolves({
        events: [
          event(3, 'START RequestId: a Version: 4\n'),
          event(
            4,
            '[ERROR] KeyError: \'name\'\rTraceback (most recent call last):\r  File "/var/task/app.py", line 5, in handler\n',
          ),
        ],
        nextToken: 'page-2',
      })
      .on(FilterLogEventsCommand, { nextToken: 'page-2' })
      .resolves({
        events: [event(5, 'END RequestId: a\n'), event(6, 'REPORT RequestId: a Duration: 2.1 ms\n')],
      });
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.note).toBeUndefined();
    expect(result.text.indexOf("KeyError: 'name'")).toBeLessThan(result.text.indexOf('--- last'));
    expect(result.text).toContain('REPORT RequestId: a');
    expect(logsMock).toHaveReceivedCommandWith(FilterLogEventsCommand, {
      logGroupName: '/aws/lambda/shop-pr-7',
      startTime: window.startTime,
      endTime: window.endTime,
    });
    expect(logsMock).toHaveReceivedCommandTimes(FilterLogEventsCommand, 2);
  });

  it('orders interleaved streams by time', async () => {
    logsMock.on(FilterLogEventsCommand).resolves({ events: [event(20, 'second'), event(10, 'first')] });
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.text).toBe('--- last 2 lines ---\nfirst\nsecond');
  });

  it('stops after the page and event bounds, and says only part was read', async () => {
    let page = 0;
    logsMock.on(FilterLogEventsCommand).callsFake(() => ({
      events: Array.from({ length: 200 }, (_, i) => event(page * 1000 + i, `line ${page}-${i}`)),
      nextToken: `t${++page}`,
    }));
    const result = await fetchFunctionLogs(logs, window, { ...deps(), maxEvents: 500, maxPages: 2 });
    expect(logsMock).toHaveReceivedCommandTimes(FilterLogEventsCommand, 2);
    expect(result.note).toContain('Only the first 400 log events');
    expect(Buffer.byteLength(result.text)).toBeLessThanOrEqual(8192);
  });

  it('asks for no more events than the bound', async () => {
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    await fetchFunctionLogs(logs, window, { ...deps(), maxEvents: 123 });
    expect(logsMock).toHaveReceivedCommandWith(FilterLogEventsCommand, { limit: 123 });
  });

  it('notes a missing log group: the function never ran', async () => {
    logsMock.on(FilterLogEventsCommand).rejects(awsError('ResourceNotFoundException', 400));
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result).toEqual({
      text: '',
      note: 'No log group /aws/lambda/shop-pr-7 yet (the function never ran).',
    });
  });

  it('notes a missing permission naming logs:FilterLogEvents', async () => {
    logsMock.on(FilterLogEventsCommand).rejects(awsError('AccessDeniedException', 400));
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.text).toBe('');
    expect(result.note).toContain('logs:FilterLogEvents');
  });

  it('keeps what it read before a later page failed', async () => {
    logsMock
      .on(FilterLogEventsCommand, { nextToken: undefined })
      .resolves({ events: [event(1, 'Exception: early')], nextToken: 'n' })
      .on(FilterLogEventsCommand, { nextToken: 'n' })
      .rejects(awsError('AccessDeniedException', 400));
    const result = await fetchFunctionLogs(logs, window, deps());
    expect(result.text).toContain('Exception: early');
    expect(result.note).toContain('logs:FilterLogEvents');
  });

  it('retries throttling', async () => {
    logsMock
      .on(FilterLogEventsCommand)
      .rejectsOnce(awsError('ThrottlingException', 400))
      .resolves({ events: [event(1, 'ok')] });
    const d = deps();
    const result = await fetchFunctionLogs(logs, window, d);
    expect(result.text).toContain('ok');
    expect(d.sleep.calls).toHaveLength(1);
  });

  it('never throws on an unexpected error', async () => {
    logsMock.on(FilterLogEventsCommand).rejects(new Error('socket hang up'));
    const result = await fetchFunctionLogs(logs, window, { ...deps() });
    expect(result.note).toContain('Could not read /aws/lambda/shop-pr-7: socket hang up');
  });

  it('says so when the window has no lines', async () => {
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    expect((await fetchFunctionLogs(logs, window, deps())).note).toContain('No log lines');
  });

  it('uses a custom log group', async () => {
    logsMock.on(FilterLogEventsCommand).resolves({ events: [] });
    await fetchFunctionLogs(logs, { ...window, logGroupName: '/custom/group' }, deps());
    expect(logsMock).toHaveReceivedCommandWith(FilterLogEventsCommand, { logGroupName: '/custom/group' });
  });
});

describe('localFunctionLogs', () => {
  it('formats local runtime lines like CloudWatch ones', () => {
    expect(localFunctionLogs(['Exception: x', 'done']).text).toMatch(
      /^--- errors \(1 distinct\) ---\nException: x/,
    );
    expect(localFunctionLogs([]).note).toBe('The function wrote no log lines.');
  });
});
