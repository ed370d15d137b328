/**
 * The fake checks a request as AWS does before any service sees it: the
 * credential scope's region and service, the key id, an expired session, and
 * the SigV4 signature itself, recomputed with the secret the account holds.
 * Each refusal has the code, status and words of the service's protocol.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { SignatureV4 } from '@smithy/signature-v4';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startFakeAws, type FakeAws } from '../../fakes/aws/index.js';
import { parseAuthorization, signatureMatches, type SignedRequest } from '../../fakes/aws/sigv4.js';
import { awsError, expectAwsError } from './helpers.js';

const BUCKET = 'signature-checks';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** The hash the SDK's signer takes: SHA-256, or HMAC-SHA256 with a key. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(key?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = key === undefined ? createHash('sha256') : createHmac('sha256', bytes(key));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

/** A request signed by the SDK's own signer, as it arrives at a server. */
async function signed(
  options: { service?: string; region?: string; secret?: string; body?: string } = {},
): Promise<SignedRequest> {
  const signer = new SignatureV4({
    service: options.service ?? 'lambda',
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: options.secret ?? SECRET },
    sha256: Sha256,
    // S3 signs the path as sent, as the S3 client tells its signer.
    uriEscapePath: options.service !== 's3',
  });
  const request = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4566,
    // A label with characters that are encoded (once on the wire, twice in the signature).
    path: '/2015-03-31/functions/shop%3Amain%20x/configuration',
    query: { Qualifier: 'live', Marker: 'a b+c' },
    headers: {
      host: '127.0.0.1:4566',
      'content-type': 'application/json',
      'x-amz-meta-note': '  two   spaces ',
    },
    body: options.body ?? '{"Timeout":30}',
  });
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method: 'POST',
    rawPath: request.path,
    rawQuery: 'Qualifier=live&Marker=a%20b%2Bc',
    headers,
    body: Buffer.from(String(request.body)),
  };
}

const check = (req: SignedRequest, secret = SECRET) =>
  signatureMatches(req, parseAuthorization(String(req.headers.authorization))!, secret);

describe('the SigV4 signature, recomputed from the canonical request', () => {
  test('a request signed with the secret passes', async () => {
    expect(check(await signed())).toBe(true);
    expect(check(await signed({ service: 's3' }))).toBe(true);
  });

  test('a changed signed header, body, path or query fails; so does another secret', async () => {
    const good = await signed();
    expect(check({ ...good, headers: { ...good.headers, 'content-type': 'text/plain' } })).toBe(false);
    expect(check({ ...good, body: Buffer.from('{"Timeout":31}') })).toBe(false);
    expect(check({ ...good, rawPath: good.rawPath.replace('main', 'prod') })).toBe(false);
    expect(check({ ...good, rawQuery: 'Qualifier=1&Marker=a%20b%2Bc' })).toBe(false);
    expect(check(good, `${SECRET.slice(0, -1)}X`)).toBe(false);
  });

  test('a signature for another region does not pass for this one (the scope is signed too)', async () => {
    const other = await signed({ region: 'eu-west-1' });
    const auth = parseAuthorization(String(other.headers.authorization))!;
    expect(auth).toMatchObject({
      region: 'eu-west-1',
      service: 'lambda',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    });
    expect(signatureMatches(other, { ...auth, region: 'us-east-1' }, SECRET)).toBe(false);
  });
});

/** Changes a request after the SDK signed it: what a proxy that rewrites requests does. */
function tamper(
  stack: {
    add: (
      m: (next: (a: { request: unknown }) => unknown) => (a: { request: unknown }) => unknown,
      o: object,
    ) => void;
  },
  change: (request: { headers: Record<string, string>; body?: unknown }) => void,
): void {
  stack.add(
    (next) => (args) => {
      change(args.request as { headers: Record<string, string>; body?: unknown });
      return next(args);
    },
    { step: 'deserialize', name: 'tamperAfterSigning' },
  );
}

describe('requests the fake refuses, as AWS words them per protocol', () => {
  let aws: FakeAws;
  beforeEach(async () => {
    aws = await startFakeAws();
  });
  afterEach(() => aws.close());

  const client = <T>(Client: new (c: object) => T, config: object = {}): T =>
    new Client({
      region: aws.region,
      endpoint: aws.url,
      credentials: aws.staticCredentials,
      maxAttempts: 1,
      forcePathStyle: true,
      ...config,
    });

  test('the static key signs correctly: every service answers', async () => {
    const clients = aws.clients();
    await expect(clients.sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Account: aws.accountId,
    });
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await expect(clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).resolves.toBeDefined();
  });

  test('another region in the credential scope: Credential should be scoped to a valid region (S3: AuthorizationHeaderMalformed)', async () => {
    const region = { region: 'eu-west-1' };
    const scoped = /^Credential should be scoped to a valid region, not 'eu-west-1'\./;
    await expectAwsError(
      client(STSClient, region).send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      403,
      scoped,
    );
    await expectAwsError(
      client(IAMClient, region).send(new GetRoleCommand({ RoleName: 'r' })),
      'SignatureDoesNotMatch',
      403,
      scoped,
    );
    await expectAwsError(
      client(LambdaClient, region).send(new GetFunctionCommand({ FunctionName: 'f' })),
      'InvalidSignatureException',
      403,
      scoped,
    );
    await expectAwsError(
      client(CloudWatchLogsClient, region).send(new DescribeLogGroupsCommand({})),
      'InvalidSignatureException',
      400,
      scoped,
    );
    const s3 = await awsError(client(S3Client, region).send(new ListObjectsV2Command({ Bucket: BUCKET })));
    expect(s3).toEqual({
      name: 'AuthorizationHeaderMalformed',
      status: 400,
      message:
        "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'",
    });
  });

  test('a wrong secret for a known key: the signature does not match', async () => {
    const credentials = { accessKeyId: aws.staticCredentials.accessKeyId, secretAccessKey: 'not-the-secret' };
    const mismatch = /^The request signature we calculated does not match the signature you provided\./;
    await expectAwsError(
      client(STSClient, { credentials }).send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      403,
      mismatch,
    );
    await expectAwsError(
      client(LambdaClient, { credentials }).send(new GetFunctionCommand({ FunctionName: 'f' })),
      'InvalidSignatureException',
      403,
      mismatch,
    );
    await expectAwsError(
      client(CloudWatchLogsClient, { credentials }).send(new DescribeLogGroupsCommand({})),
      'InvalidSignatureException',
      400,
      mismatch,
    );
    await expectAwsError(
      aws.clients({ credentials }).s3.send(new ListObjectsV2Command({ Bucket: BUCKET })),
      'SignatureDoesNotMatch',
      403,
      mismatch,
    );
    // Nothing was done: a refused request reaches no service.
    expect(aws.calls.calls.every((c) => c.status >= 400)).toBe(true);
  });

  test('an unknown key id: the security token is invalid (S3: InvalidAccessKeyId), the key not echoed', async () => {
    const stranger = aws.clients({
      credentials: { accessKeyId: 'AKIASTRANGER00000000', secretAccessKey: 'x' },
    });
    const error = await awsError(stranger.sts.send(new GetCallerIdentityCommand({})));
    expect(error).toEqual({
      name: 'InvalidClientTokenId',
      status: 403,
      message: 'The security token included in the request is invalid.',
    });
    await expectAwsError(
      stranger.logs.send(new DescribeLogGroupsCommand({})),
      'UnrecognizedClientException',
      400,
    );
    await expectAwsError(
      stranger.s3.send(new ListObjectsV2Command({ Bucket: BUCKET })),
      'InvalidAccessKeyId',
      403,
      /does not exist in our records/,
    );
  });

  test('a body or a signed header changed after signing is refused', async () => {
    const lambda = client(LambdaClient);
    // A second off: within the 15 minutes AWS allows, so it is the signature that fails.
    tamper(
      lambda.middlewareStack as never,
      (r) =>
        (r.headers['x-amz-date'] = r.headers['x-amz-date']!.replace(/\d\dZ$/, (t) =>
          t === '00Z' ? '01Z' : '00Z',
        )),
    );
    await expectAwsError(
      lambda.send(new GetFunctionCommand({ FunctionName: 'f' })),
      'InvalidSignatureException',
      403,
    );
    const s3 = aws.clients().s3;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    tamper(s3.middlewareStack as never, (r) => (r.headers['x-amz-content-sha256'] = '0'.repeat(64)));
    await expectAwsError(
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' })),
      'SignatureDoesNotMatch',
      403,
    );
    const sts = client(STSClient);
    tamper(
      sts.middlewareStack as never,
      (r) => (r.body = String(r.body).replace('2011-06-15', '2011-06-16')),
    );
    await expectAwsError(sts.send(new GetCallerIdentityCommand({})), 'SignatureDoesNotMatch', 403);
  });

  test('an S3 body that is not what its signed x-amz-content-sha256 says: 400 XAmzContentSHA256Mismatch with both hashes, nothing stored', async () => {
    const s3 = aws.clients().s3;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // Changed after signing, as a body corrupted on the way would be: the signature still matches its header.
    tamper(s3.middlewareStack as never, (r) => (r.body = 'y'));
    const e = (await s3
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x' }))
      .catch((error: unknown) => error)) as Record<string, unknown>;
    expect({
      name: e.name,
      status: (e.$metadata as { httpStatusCode: number }).httpStatusCode,
      message: e.message,
      client: e.ClientComputedContentSHA256,
      s3: e.S3ComputedContentSHA256,
    }).toEqual({
      name: 'XAmzContentSHA256Mismatch',
      status: 400,
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
      client: createHash('sha256').update('x').digest('hex'),
      s3: createHash('sha256').update('y').digest('hex'),
    });
    expect(aws.object(BUCKET, 'k')).toBeUndefined();
  });

  test('UNSIGNED-PAYLOAD and a streamed aws-chunked body (STREAMING-UNSIGNED-PAYLOAD-TRAILER) are taken, as S3 takes them', async () => {
    const s3 = aws.clients().s3;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // Stated before signing, as a client that does not hash its body does.
    s3.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] =
          'UNSIGNED-PAYLOAD';
        return next(args);
      },
      { step: 'build', name: 'unsignedPayload' },
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'unsigned', Body: 'x' }));
    expect(aws.object(BUCKET, 'unsigned')?.toString()).toBe('x');
    // The SDK's default for a stream: a checksum trailer after an aws-chunked body.
    const streaming = client(S3Client);
    const sent: string[] = [];
    tamper(streaming.middlewareStack as never, (r) => sent.push(r.headers['x-amz-content-sha256']!));
    const body = Buffer.alloc(70_000, 7);
    await streaming.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'streamed',
        Body: Readable.from([body]),
        ContentLength: body.length,
      }),
    );
    expect(sent).toEqual(['STREAMING-UNSIGNED-PAYLOAD-TRAILER']);
    expect(aws.object(BUCKET, 'streamed')).toEqual(body);
  });

  /** A GET of `path` signed with the static key for `service`, sent as is: status, error type, message. */
  async function sendSigned(path: string, service: string) {
    const signer = new SignatureV4({
      service,
      region: aws.region,
      credentials: aws.staticCredentials,
      sha256: Sha256,
    });
    const url = new URL(path, aws.url);
    const request = await signer.sign({
      method: 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path,
      headers: { host: url.host },
    });
    const response = await fetch(url, { headers: request.headers });
    const body = (await response.json()) as { message?: string; Message?: string };
    return {
      status: response.status,
      type: response.headers.get('x-amzn-errortype'),
      message: body.message ?? body.Message,
    };
  }

  test('a REST request signed for another service than its path names (AWS: its host): scoped to correct service, for API Gateway and Lambda', async () => {
    expect(await sendSigned('/restapis', 'lambda')).toEqual({
      status: 403,
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'apigateway'. ",
    });
    expect(await sendSigned('/v2/apis', 'lambda')).toMatchObject({
      status: 403,
      message: "Credential should be scoped to correct service: 'apigateway'. ",
    });
    expect(await sendSigned('/2015-03-31/functions/', 'apigateway')).toEqual({
      status: 403,
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'lambda'. ",
    });
    expect(await sendSigned('/restapis', 'logs')).toMatchObject({
      status: 403,
      type: 'InvalidSignatureException',
    });
    // Signed for the right service, each answers.
    expect((await sendSigned('/restapis', 'apigateway')).status).toBe(200);
    expect((await sendSigned('/2015-03-31/functions/', 'lambda')).status).toBe(200);
    expect(aws.calls.calls.map((c) => [c.service, c.status])).toEqual([
      ['apiGateway', 403],
      ['apiGatewayV2', 403],
      ['lambda', 403],
      ['apiGateway', 403],
      ['apiGateway', 200],
      ['lambda', 200],
    ]);
  });

  test('a request signed for another service than it names: Credential should be scoped to correct service', async () => {
    const iam = client(IAMClient);
    await expectAwsError(
      iam.send(new GetCallerIdentityCommand({}) as never),
      'SignatureDoesNotMatch',
      403,
      "Credential should be scoped to correct service: 'sts'. ",
    );
  });
});
