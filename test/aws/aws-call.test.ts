/**
 * The one AWS call wrapper: its error grammar, which errors it retries and
 * how long it waits (zero real delay: the sleep only records).
 */
import { describe, expect, it } from '@jest/globals';
import {
  actionCredentialsHint,
  AwsError,
  callAws,
  findAws,
  isNotRoleDeny,
  PATIENCE,
  wrapAwsError,
  type RetryDeps,
  yourCredentialsNeed,
} from '../../src/aws/aws-call.js';
import { credentialRefusalExplainer } from '../../src/failure-hints/credential-hints.js';
import { RecordingLogger } from '../../src/util/logger.js';
import { recordingSleep } from '../../src/util/sleep.js';

function sdkError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

function deps(): RetryDeps & { logger: RecordingLogger; sleep: ReturnType<typeof recordingSleep> } {
  // random 1: the full backoff ceiling, so the delays are exact.
  return { logger: new RecordingLogger(), sleep: recordingSleep(), random: () => 1 };
}

/** A call that fails with `errors` in turn, then answers 'done'. */
function failing(...errors: Error[]): { fn: () => Promise<string>; calls: () => number } {
  let n = 0;
  return {
    fn: async () => {
      const error = errors[n++];
      if (error) throw error;
      return 'done';
    },
    calls: () => n,
  };
}

describe('the error grammar: "Could not X: AWS\'s words. The deploy role needs P."', () => {
  it('names the permission when AWS denied the call', () => {
    const error = wrapAwsError(
      sdkError('AccessDeniedException', 'not authorized to perform: lambda:GetFunction'),
      'read function shop-main',
      'lambda:GetFunction',
    );
    expect(error).toBeInstanceOf(AwsError);
    expect(error.message).toBe(
      'Could not read function shop-main: AccessDeniedException: not authorized to perform: lambda:GetFunction. The deploy role needs lambda:GetFunction.',
    );
    expect(error.awsErrorName).toBe('AccessDeniedException');
  });

  it('gives the hint, not the permission, for an error that is not a denial', () => {
    const error = wrapAwsError(
      sdkError('LimitExceededException', 'Too many APIs.'),
      'create the REST API',
      'apigateway:POST',
      'Remove unused APIs.',
    );
    expect(error.message).toBe(
      'Could not create the REST API: LimitExceededException: Too many APIs. Remove unused APIs.',
    );
  });

  it('says the denied hint after the permission on a denial only', () => {
    const denied = wrapAwsError(
      sdkError('AccessDeniedException', 'not authorized'),
      'read function shop-x',
      'lambda:GetFunction',
      'Not said.',
      yourCredentialsNeed,
      'Or the name is taken.',
    );
    expect(denied.message).toBe(
      'Could not read function shop-x: AccessDeniedException: not authorized. Your AWS credentials need lambda:GetFunction. Or the name is taken.',
    );
    const other = wrapAwsError(
      sdkError('ServiceException', 'boom'),
      'read function shop-x',
      'lambda:GetFunction',
      undefined,
      undefined,
      'Or the name is taken.',
    );
    expect(other.message).toBe('Could not read function shop-x: ServiceException: boom');
  });

  it('adds nothing when there is no advice, and never wraps twice', () => {
    const inner = wrapAwsError(
      sdkError('ValidationException', 'bad name'),
      'create function x',
      'lambda:CreateFunction',
    );
    expect(inner.message).toBe('Could not create function x: ValidationException: bad name');
    expect(wrapAwsError(inner, 'something else')).toBe(inner);
  });
});

describe('callAws retries', () => {
  it.each([
    ['ThrottlingException', 400],
    ['Throttling', 400],
    ['ThrottledException', 400],
    ['TooManyRequestsException', 429],
  ])('%s is retried with backoff, then the call goes through', async (name, status) => {
    const d = deps();
    const call = failing(sdkError(name, 'slow down', status), sdkError(name, 'slow down', status));
    await expect(callAws(d, { what: 'list things' }, call.fn)).resolves.toBe('done');
    expect(call.calls()).toBe(3);
    // PATIENCE.quick: 500 ms doubling.
    expect(d.sleep.calls).toEqual([500, 1000]);
    expect(d.logger.text('debug')).toContain(
      `AWS said ${name} while trying to list things; trying again in 0.5 s (attempt 2).`,
    );
  });

  it('gives up after its attempts and wraps the last error', async () => {
    const d = deps();
    const throttled = sdkError('ThrottlingException', 'Rate exceeded');
    const call = failing(throttled, throttled, throttled);
    await expect(
      callAws(d, { what: 'list things', permission: 'x:List', attempts: 3 }, call.fn),
    ).rejects.toThrow('Could not list things: ThrottlingException: Rate exceeded');
    expect(call.calls()).toBe(3);
    expect(d.sleep.calls).toEqual([500, 1000]);
  });

  it('does not retry a denial or a validation error', async () => {
    const d = deps();
    const call = failing(sdkError('AccessDeniedException', 'no'));
    await expect(callAws(d, { what: 'read x', permission: 'x:Read' }, call.fn)).rejects.toThrow(
      'Could not read x: AccessDeniedException: no. The deploy role needs x:Read.',
    );
    expect(call.calls()).toBe(1);
    expect(d.sleep.calls).toEqual([]);
  });

  it('a denial names whoever signed in, when the caller says who (the CLI: your credentials)', async () => {
    const d = { ...deps(), needs: yourCredentialsNeed };
    const call = failing(sdkError('AccessDeniedException', 'no'));
    await expect(callAws(d, { what: 'read x', permission: 'x:Read' }, call.fn)).rejects.toThrow(
      'Could not read x: AccessDeniedException: no. Your AWS credentials need x:Read.',
    );
    // A hint for anything else is unchanged.
    const other = failing(sdkError('ValidationException', 'bad'));
    await expect(
      callAws(d, { what: 'read x', permission: 'x:Read', hint: () => 'Check y.' }, other.fn),
    ).rejects.toThrow('Could not read x: ValidationException: bad. Check y.');
  });

  it('a patient call waits seconds and says so at info level', async () => {
    const d = deps();
    const call = failing(sdkError('TooManyRequestsException', 'slow', 429));
    await callAws(d, { what: 'delete REST API a', patience: PATIENCE.removal }, call.fn);
    expect(d.sleep.calls).toEqual([2000]);
    expect(d.logger.text('info')).toContain('trying to delete REST API a; trying again in 2.0 s');
  });

  it('retries what the caller names, and runs beforeRetry first', async () => {
    const d = deps();
    const seen: string[] = [];
    const call = failing(sdkError('ResourceConflictException', 'update in progress', 409));
    await callAws(
      d,
      {
        what: 'update function x',
        retryable: (e) => (e as Error).name === 'ResourceConflictException',
        beforeRetry: async (e) => {
          seen.push((e as Error).name);
        },
      },
      call.fn,
    );
    expect(seen).toEqual(['ResourceConflictException']);
    expect(call.calls()).toBe(2);
  });

  it('passes through what the caller resolves itself, unwrapped and not retried', async () => {
    const d = deps();
    const conflict = sdkError('ResourceConflictException', 'exists', 409);
    const call = failing(conflict);
    await expect(
      callAws(d, { what: 'add permission', passThrough: (e) => e === conflict }, call.fn),
    ).rejects.toBe(conflict);
    expect(call.calls()).toBe(1);
  });
});

describe('findAws', () => {
  it('answers undefined for "not there" without retrying', async () => {
    const d = deps();
    const call = failing(sdkError('ResourceNotFoundException', 'Function not found', 404));
    await expect(findAws(d, { what: 'read function x' }, call.fn)).resolves.toBeUndefined();
    expect(call.calls()).toBe(1);
  });

  it('uses the absent names it is given; other errors are wrapped', async () => {
    const d = deps();
    await expect(
      findAws(
        d,
        { what: 'read stage s', absent: ['NotFoundException'] },
        failing(sdkError('NotFoundException', 'gone', 404)).fn,
      ),
    ).resolves.toBeUndefined();
    await expect(
      findAws(
        d,
        { what: 'read stage s', absent: ['NotFoundException'] },
        failing(sdkError('NoSuchEntity', 'gone', 404)).fn,
      ),
    ).rejects.toThrow('Could not read stage s: NoSuchEntity: gone');
  });
});

describe('isNotRoleDeny: a denial the role’s own Deny statements did not make', () => {
  const denied = (why: string) =>
    Object.assign(
      new Error(
        'User: arn:aws:sts::123456789012:assumed-role/shop-deploy/gha is not authorized to perform: ' +
          `lambda:GetFunction on resource: arn:aws:lambda:eu-west-1:123456789012:function:shop-pr-7 ${why}`,
      ),
      { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } },
    );
  it.each([
    ['because no identity-based policy allows the lambda:GetFunction action', true],
    ['because no session policy allows the lambda:GetFunction action', true],
    ['because no permissions boundary allows the lambda:GetFunction action', true],
    // Not the role's policy: an organization's or the session's Deny is no untagged function either.
    ['with an explicit deny in a service control policy', true],
    ['with an explicit deny in a permissions boundary', true],
    ['with an explicit deny in a session policy', true],
    ['with an explicit deny in a resource control policy', true],
    // The role's own Deny (the preview role's on functions without the lambda-deploy:name tag).
    ['with an explicit deny in an identity-based policy', false],
    // AWS said nothing of why.
    ['', false],
  ])('%s: %s', (why, expected) => {
    expect(isNotRoleDeny(denied(why))).toBe(expected);
    expect(
      isNotRoleDeny(
        new AwsError('Could not read function shop-pr-7', 'AccessDenied', { cause: denied(why) }),
      ),
    ).toBe(expected);
  });
});

describe('refused credentials are not a missing permission', () => {
  const expired = () =>
    sdkError('ExpiredTokenException', 'The security token included in the request is expired', 403);

  it('a 403 that refuses the key, the secret, the region or the session names no permission', async () => {
    for (const [name, message] of [
      ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
      [
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      ],
      ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'],
      ['ExpiredTokenException', 'The security token included in the request is expired'],
    ] as const)
      expect(
        wrapAwsError(sdkError(name, message, 403), 'read function f', 'lambda:GetFunction').message,
      ).not.toContain('needs lambda:GetFunction');
  });

  it('a session that expired mid-run: the explainer says what to do, once, without retrying', async () => {
    const d = {
      ...deps(),
      credentialRefusal: credentialRefusalExplainer('aws-region or AWS_REGION', actionCredentialsHint),
    };
    const call = failing(expired(), expired());
    const error = await callAws(
      d,
      { what: 'read function f', permission: 'lambda:GetFunction' },
      call.fn,
    ).catch((e: Error) => e);
    expect(call.calls()).toBe(1);
    expect((error as Error).message).toBe(
      'Could not read function f: AWS refused the credentials: the session token of the access key id has expired. ' +
        'Get new temporary credentials (aws sso login --profile NAME, or assume the role again) and set AWS_ACCESS_KEY_ID, ' +
        `AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN anew; ${actionCredentialsHint}.`,
    );
  });
});
