/**
 * S3, path-style REST-XML: buckets with an owner (every call's
 * x-amz-expected-bucket-owner is checked), the put-* bucket settings, objects
 * with a checked and stored x-amz-checksum-sha256 (returned by HEAD and GET
 * only with x-amz-checksum-mode: ENABLED, composite `...-N` for a multipart
 * upload created with x-amz-checksum-algorithm: SHA256), and multipart uploads.
 */
import { createHash } from 'node:crypto';
import { AwsFault, decodeAwsChunked, empty, escapeXml, xml, type FakeRequest, type Reply } from './http.js';
import type { Routed } from './lambda.js';
import { ACCOUNT_ID, newId, type AccountState, type FakeBucket } from './state.js';

export interface S3Context {
  state: AccountState;
  uploads: Map<
    string,
    {
      bucket: string;
      key: string;
      parts: Map<number, Buffer>;
      metadata: Record<string, string>;
      sha256: boolean;
    }
  >;
}

const SETTINGS = [
  'publicAccessBlock',
  'encryption',
  'ownershipControls',
  'lifecycle',
  'versioning',
  'policy',
  'tagging',
];
const SETTING_OPERATION: Record<string, string> = {
  publicAccessBlock: 'PublicAccessBlock',
  encryption: 'BucketEncryption',
  ownershipControls: 'BucketOwnershipControls',
  lifecycle: 'BucketLifecycleConfiguration',
  versioning: 'BucketVersioning',
  policy: 'BucketPolicy',
  tagging: 'BucketTagging',
};

const etagOf = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;

function metadataOf(req: FakeRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (name.startsWith('x-amz-meta-') && typeof value === 'string')
      out[name.slice('x-amz-meta-'.length)] = value;
  return out;
}

/** The bytes the client meant: aws-chunked framing removed. */
function payload(req: FakeRequest): Buffer {
  const encoding = String(req.headers['content-encoding'] ?? '');
  return encoding.includes('aws-chunked') ||
    String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
    ? decodeAwsChunked(req.body)
    : req.body;
}

export function routeS3(req: FakeRequest, ctx: S3Context): Routed {
  const [bucketName = '', ...keyParts] = req.segments;
  const key = keyParts.join('/');
  const q = req.query;
  const m = req.method;
  const setting = SETTINGS.find((s) => q.has(s));
  const operation = (() => {
    if (!bucketName) return m === 'GET' ? 'ListBuckets' : 'Unknown';
    if (!key) {
      if (setting)
        return `${m === 'PUT' ? 'Put' : m === 'GET' ? 'Get' : 'Delete'}${SETTING_OPERATION[setting]}`;
      return (
        (
          { HEAD: 'HeadBucket', PUT: 'CreateBucket', DELETE: 'DeleteBucket', GET: 'ListObjectsV2' } as Record<
            string,
            string
          >
        )[m] ?? 'Unknown'
      );
    }
    if (m === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
    if (m === 'PUT' && q.has('partNumber')) return 'UploadPart';
    if (m === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
    if (m === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
    return (
      (
        { HEAD: 'HeadObject', PUT: 'PutObject', GET: 'GetObject', DELETE: 'DeleteObject' } as Record<
          string,
          string
        >
      )[m] ?? 'Unknown'
    );
  })();
  const input: Record<string, unknown> = {
    Bucket: bucketName,
    ...(key ? { Key: key } : {}),
    ...(req.headers['x-amz-expected-bucket-owner']
      ? { ExpectedBucketOwner: req.headers['x-amz-expected-bucket-owner'] }
      : {}),
    ...(m === 'PUT' || m === 'POST' ? { ContentLength: req.body.length } : {}),
  };
  return { operation, input, run: () => runS3(operation, req, ctx, bucketName, key, setting) };
}

function bucketFor(req: FakeRequest, ctx: S3Context, name: string): FakeBucket {
  const bucket = ctx.state.buckets.get(name);
  if (!bucket) throw new AwsFault(404, 'NoSuchBucket', 'The specified bucket does not exist');
  const expected = req.headers['x-amz-expected-bucket-owner'];
  if (expected !== undefined && expected !== bucket.owner)
    throw new AwsFault(403, 'AccessDenied', 'Access Denied');
  return bucket;
}

function runS3(
  operation: string,
  req: FakeRequest,
  ctx: S3Context,
  bucketName: string,
  key: string,
  setting?: string,
): Reply {
  const state = ctx.state;
  switch (operation) {
    case 'CreateBucket': {
      const existing = state.buckets.get(bucketName);
      if (existing)
        throw existing.owner === ACCOUNT_ID
          ? new AwsFault(
              409,
              'BucketAlreadyOwnedByYou',
              'Your previous request to create the named bucket succeeded and you already own it.',
            )
          : new AwsFault(409, 'BucketAlreadyExists', 'The requested bucket name is not available.');
      state.buckets.set(bucketName, {
        name: bucketName,
        owner: ACCOUNT_ID,
        createdAt: new Date(),
        objects: new Map(),
        settings: new Map(),
      });
      return empty(200, { location: `/${bucketName}` });
    }
    case 'HeadBucket':
      bucketFor(req, ctx, bucketName);
      return empty(200, { 'x-amz-bucket-region': 'us-east-1' });
    case 'HeadObject':
    case 'GetObject': {
      const bucket = bucketFor(req, ctx, bucketName);
      const object = bucket.objects.get(key);
      if (!object) throw new AwsFault(404, 'NoSuchKey', 'The specified key does not exist.');
      const headers: Record<string, string> = {
        'content-length': String(object.bytes.length),
        'last-modified': object.lastModified.toUTCString(),
        etag: object.etag,
        'content-type': object.contentType ?? 'binary/octet-stream',
      };
      for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
      if (req.headers['x-amz-checksum-mode'] === 'ENABLED' && object.checksumSha256) {
        headers['x-amz-checksum-sha256'] = object.checksumSha256;
        headers['x-amz-checksum-type'] = object.checksumSha256.includes('-') ? 'COMPOSITE' : 'FULL_OBJECT';
      }
      return operation === 'HeadObject' ? empty(200, headers) : { status: 200, headers, body: object.bytes };
    }
    case 'PutObject': {
      const bucket = bucketFor(req, ctx, bucketName);
      const bytes = payload(req);
      const declared = req.headers['x-amz-checksum-sha256'];
      if (typeof declared === 'string' && declared !== createHash('sha256').update(bytes).digest('base64'))
        throw new AwsFault(
          400,
          'BadDigest',
          'The SHA256 you specified did not match the calculated checksum.',
        );
      const decoded = req.headers['x-amz-decoded-content-length'];
      if (typeof decoded === 'string' && Number(decoded) !== bytes.length)
        throw new AwsFault(
          400,
          'IncompleteBody',
          'You did not provide the number of bytes specified by the Content-Length HTTP header',
        );
      bucket.objects.set(key, {
        bytes,
        lastModified: new Date(),
        etag: etagOf(bytes),
        contentType: req.headers['content-type'],
        metadata: metadataOf(req),
        checksumSha256: typeof declared === 'string' ? declared : undefined,
      });
      return empty(200, { etag: etagOf(bytes) });
    }
    case 'CreateMultipartUpload': {
      bucketFor(req, ctx, bucketName);
      const uploadId = newId(32);
      ctx.uploads.set(uploadId, {
        bucket: bucketName,
        key,
        parts: new Map(),
        metadata: metadataOf(req),
        sha256: String(req.headers['x-amz-checksum-algorithm'] ?? '').toUpperCase() === 'SHA256',
      });
      return xml(
        200,
        `<InitiateMultipartUploadResult><Bucket>${escapeXml(bucketName)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    case 'UploadPart': {
      bucketFor(req, ctx, bucketName);
      const upload = ctx.uploads.get(req.query.get('uploadId') ?? '');
      if (!upload) throw new AwsFault(404, 'NoSuchUpload', 'The specified upload does not exist.');
      const bytes = payload(req);
      const digest = createHash('sha256').update(bytes).digest('base64');
      const declaredPart = req.headers['x-amz-checksum-sha256'];
      if (typeof declaredPart === 'string' && declaredPart !== digest)
        throw new AwsFault(
          400,
          'BadDigest',
          'The SHA256 you specified did not match the calculated checksum.',
        );
      upload.parts.set(Number(req.query.get('partNumber')), bytes);
      return empty(200, {
        etag: etagOf(bytes),
        ...(upload.sha256 ? { 'x-amz-checksum-sha256': digest } : {}),
      });
    }
    case 'CompleteMultipartUpload': {
      const bucket = bucketFor(req, ctx, bucketName);
      const uploadId = req.query.get('uploadId') ?? '';
      const upload = ctx.uploads.get(uploadId);
      if (!upload) throw new AwsFault(404, 'NoSuchUpload', 'The specified upload does not exist.');
      const parts = [...upload.parts.entries()].sort(([a], [b]) => a - b).map(([, b]) => b);
      const bytes = Buffer.concat(parts);
      ctx.uploads.delete(uploadId);
      const etag = `"${createHash('md5').update(bytes).digest('hex')}-${upload.parts.size}"`;
      // S3's composite checksum: the SHA-256 of the parts' SHA-256s, then -{parts}.
      const checksumSha256 = upload.sha256
        ? `${createHash('sha256')
            .update(Buffer.concat(parts.map((part) => createHash('sha256').update(part).digest())))
            .digest('base64')}-${parts.length}`
        : undefined;
      bucket.objects.set(key, {
        bytes,
        lastModified: new Date(),
        etag,
        metadata: upload.metadata,
        checksumSha256,
      });
      return xml(
        200,
        `<CompleteMultipartUploadResult><Location>/${escapeXml(bucketName)}/${escapeXml(key)}</Location><Bucket>${escapeXml(bucketName)}</Bucket><Key>${escapeXml(key)}</Key><ETag>${escapeXml(etag)}</ETag></CompleteMultipartUploadResult>`,
      );
    }
    case 'AbortMultipartUpload':
      ctx.uploads.delete(req.query.get('uploadId') ?? '');
      return empty(204);
    default:
      if (setting && operation.startsWith('Put')) {
        bucketFor(req, ctx, bucketName).settings.set(setting, payload(req).toString('utf8'));
        return empty(200);
      }
      if (setting && operation.startsWith('Get')) {
        const stored = bucketFor(req, ctx, bucketName).settings.get(setting);
        if (stored === undefined) {
          const code =
            setting === 'lifecycle' ? 'NoSuchLifecycleConfiguration' : `NoSuch${SETTING_OPERATION[setting]}`;
          throw new AwsFault(404, code, `The ${setting} configuration does not exist`);
        }
        // S3 answers with the document it was given.
        return xml(200, stored.replace(/^<\?xml[^>]*>\s*/, ''));
      }
      throw new AwsFault(
        501,
        'NotImplemented',
        `The fake S3 has no ${operation} (${req.method} ${req.path})`,
      );
  }
}
