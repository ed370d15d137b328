/**
 * The fake refuses a request signed more than 15 minutes from its clock, as
 * AWS does (S3: RequestTimeTooSkewed with RequestTime and ServerTime; the
 * others: "Signature expired" / "Signature not yet current"), and dates every
 * answer, so the SDK corrects its clock (systemClockOffset) and retries.
 * The fake's clock is skewed (`aws.serverClock.offsetMs`), not the process's.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { expectAwsError } from './helpers.js';

const MINUTE = 60_000;
const STAMP = /\d{8}T\d{6}Z/.source;

let aws: FakeAws;
beforeEach(async () => {
  aws = await startFakeAws();
});
afterEach(() => aws.close());

const client = <T>(Client: new (c: object) => T, maxAttempts = 1): T =>
  new Client({
    region: aws.region,
    endpoint: aws.url,
    credentials: aws.staticCredentials,
    maxAttempts,
  });

interface Refusal {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
  $response?: { headers: Record<string, string> };
  RequestTime?: string;
  ServerTime?: string;
  MaxAllowedSkewMilliseconds?: string;
}

async function refusal(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    return error as Refusal;
  }
  throw new Error('expected the call to fail, it succeeded');
}

describe('a request signed more than 15 minutes from the fake’s clock is refused, the way AWS words it', () => {
  test('S3: 403 RequestTimeTooSkewed with RequestTime, ServerTime and MaxAllowedSkewMilliseconds; the answer is dated', async () => {
    aws.serverClock.offsetMs = 20 * MINUTE;
    const before = Date.now();
    const e = await refusal(aws.clients().s3.send(new ListObjectsV2Command({ Bucket: 'b' })));
    expect({ name: e.name, status: e.$metadata.httpStatusCode, message: e.message }).toEqual({
      name: 'RequestTimeTooSkewed',
      status: 403,
      message: 'The difference between the request time and the current time is too large.',
    });
    expect(e.RequestTime).toMatch(new RegExp(`^${STAMP}$`));
    expect(e.ServerTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(e.ServerTime!) - before).toBeGreaterThanOrEqual(20 * MINUTE - 1000);
    expect(e.MaxAllowedSkewMilliseconds).toBe('900000');
    const date = Date.parse(e.$response!.headers.date!);
    expect(Math.abs(date - (Date.now() + 20 * MINUTE))).toBeLessThan(2000);
    // Refused before any service looked at it (so before the operation was named).
    expect(aws.calls.calls.map((c) => [c.service, c.status, c.error])).toEqual([
      ['s3', 403, 'RequestTimeTooSkewed'],
    ]);
  });

  test('a runner behind: "Signature expired: … is now earlier than … (… - 15 min.)", each protocol’s code and status', async () => {
    aws.serverClock.offsetMs = 20 * MINUTE;
    const expired = new RegExp(
      `^Signature expired: ${STAMP} is now earlier than ${STAMP} \\(${STAMP} - 15 min\\.\\)$`,
    );
    await expectAwsError(
      client(LambdaClient).send(new GetFunctionCommand({ FunctionName: 'f' })),
      'InvalidSignatureException',
      403,
      expired,
    );
    await expectAwsError(
      client(CloudWatchLogsClient).send(new DescribeLogGroupsCommand({})),
      'InvalidSignatureException',
      400,
      expired,
    );
    const e = await refusal(client(STSClient).send(new GetCallerIdentityCommand({})));
    expect({ name: e.name, status: e.$metadata.httpStatusCode }).toEqual({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    // The three times: the request's, the server's less 15 minutes, the server's.
    const [, sent, limit, server] = new RegExp(
      `^Signature expired: (${STAMP}) is now earlier than (${STAMP}) \\((${STAMP}) - 15 min\\.\\)$`,
    ).exec(e.message)!;
    const at = (s: string) =>
      Date.parse(s.replace(/(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/, '$1-$2-$3T$4:$5:$6Z'));
    expect(at(server!) - at(limit!)).toBe(15 * MINUTE);
    expect(Math.abs(at(server!) - at(sent!) - 20 * MINUTE)).toBeLessThanOrEqual(1000);
  });

  test('a runner ahead: "Signature not yet current: … is still later than … (… + 15 min.)"', async () => {
    aws.serverClock.offsetMs = -20 * MINUTE;
    await expectAwsError(
      client(LambdaClient).send(new GetFunctionCommand({ FunctionName: 'f' })),
      'InvalidSignatureException',
      403,
      new RegExp(
        `^Signature not yet current: ${STAMP} is still later than ${STAMP} \\(${STAMP} \\+ 15 min\\.\\)$`,
      ),
    );
    await expectAwsError(
      client(STSClient).send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      403,
      /^Signature not yet current: /,
    );
  });

  test('within 15 minutes passes; a refused request reaches no service', async () => {
    aws.serverClock.offsetMs = 14 * MINUTE;
    await expect(client(STSClient).send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: aws.accountId,
    });
    aws.serverClock.offsetMs = 16 * MINUTE;
    aws.seed.bucket('b');
    await expectAwsError(
      aws.clients().s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })),
      'RequestTimeTooSkewed',
      403,
    );
    expect(aws.object('b', 'k')).toBeUndefined();
  });
});

describe('the SDK corrects its clock from the refusal and retries', () => {
  test('every protocol: the first attempt is refused, the second, signed with the server’s time, passes', async () => {
    aws.serverClock.offsetMs = 20 * MINUTE;
    aws.seed.bucket('b');
    const sts = client(STSClient, 2);
    await expect(sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: aws.accountId,
    });
    expect(Math.abs(sts.config.systemClockOffset - 20 * MINUTE)).toBeLessThan(2000);
    await expect(
      client(LambdaClient, 2).send(new GetFunctionCommand({ FunctionName: 'f' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(
      client(CloudWatchLogsClient, 2).send(new DescribeLogGroupsCommand({})),
    ).resolves.toBeDefined();
    await expect(
      aws.clients({ maxAttempts: 2 }).s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })),
    ).resolves.toBeDefined();
    expect(aws.object('b', 'k')?.toString()).toBe('x');
    expect(aws.calls.calls.map((c) => [c.service, c.status, c.error])).toEqual([
      ['sts', 403, 'SignatureDoesNotMatch'],
      ['sts', 200, undefined],
      ['lambda', 403, 'InvalidSignatureException'],
      ['lambda', 404, 'ResourceNotFoundException'],
      ['logs', 400, 'InvalidSignatureException'],
      ['logs', 200, undefined],
      ['s3', 403, 'RequestTimeTooSkewed'],
      ['s3', 200, undefined],
    ]);
  });
});
