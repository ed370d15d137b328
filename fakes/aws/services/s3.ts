/**
 * S3, path-style REST-XML, as far as lambda-deploy and its setup use it:
 * buckets with an owner (every call's ExpectedBucketOwner is checked, and
 * another account's bucket is never readable), the bucket settings
 * (public access block, encryption, ownership controls, lifecycle, policy,
 * versioning, tagging), objects with checksums that S3 verifies on upload
 * and returns with ChecksumMode ENABLED, multipart uploads with composite
 * checksums, conditional writes (`If-None-Match: *`, which s3rver 3.7 ignores
 * on PUT), ListObjectsV2 with continuation tokens.
 *
 * Why the model serves S3 itself rather than leaving it to s3rver: Lambda
 * reads the artifact from the same account (CodeSha256 is the hash of what
 * S3 holds), and s3rver checks no expected bucket owner, stores no checksum
 * and answers NotImplemented for every bucket setting above. s3rver stays
 * the independent wire peer for the multipart tests.
 */
import { createHash, type BinaryLike } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { ACCOUNT_ID, REGION, newId } from '../account.js';
import { fault } from '../errors.js';
import { paginate } from '../pagination.js';
import type { ServiceContext, ServiceHandler } from '../service.js';
import type { Bucket, S3Object } from '../state.js';
import {
  decodeAwsChunked,
  empty,
  escapeXml,
  toXml,
  xml,
  xmlValue,
  xmlValues,
  type Reply,
  type WireRequest,
} from '../wire.js';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const MIN_PART = 5 * 1024 * 1024;

/** Bucket subresources: query flag -> [operation suffix, error when none is set]. */
const SETTINGS: Record<string, { op: string; missing?: [string, string] }> = {
  publicAccessBlock: {
    op: 'PublicAccessBlock',
    missing: ['NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found'],
  },
  encryption: {
    op: 'BucketEncryption',
    missing: [
      'ServerSideEncryptionConfigurationNotFoundError',
      'The server side encryption configuration was not found',
    ],
  },
  ownershipControls: {
    op: 'BucketOwnershipControls',
    missing: ['OwnershipControlsNotFoundError', 'The bucket ownership controls were not found'],
  },
  lifecycle: {
    op: 'BucketLifecycleConfiguration',
    missing: ['NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist'],
  },
  policy: { op: 'BucketPolicy', missing: ['NoSuchBucketPolicy', 'The bucket policy does not exist'] },
  versioning: { op: 'BucketVersioning' },
  tagging: { op: 'BucketTagging', missing: ['NoSuchTagSet', 'The TagSet does not exist'] },
};

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest();
const digest = (algorithm: string, bytes: BinaryLike) => createHash(algorithm).update(bytes).digest('base64');

function checksumOf(algorithm: string, bytes: Buffer): string | undefined {
  switch (algorithm.toUpperCase()) {
    case 'SHA256':
      return digest('sha256', bytes);
    case 'SHA1':
      return digest('sha1', bytes);
    case 'CRC32': {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(crc32(bytes) >>> 0);
      return b.toString('base64');
    }
    default:
      return undefined; // CRC32C, CRC64NVME: not computable here; stored as sent
  }
}

function operationOf(req: WireRequest, bucket: string, key: string): string {
  const q = req.query;
  const m = req.method;
  if (!bucket) return m === 'GET' ? 'ListBuckets' : 'Unknown';
  if (!key) {
    const setting = Object.keys(SETTINGS).find((s) => q.has(s));
    if (setting) {
      const op = SETTINGS[setting]!.op;
      if (m === 'DELETE') return setting === 'lifecycle' ? 'DeleteBucketLifecycle' : `Delete${op}`;
      return `${m === 'PUT' ? 'Put' : 'Get'}${op}`;
    }
    if (q.has('location')) return 'GetBucketLocation';
    if (m === 'GET') return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    return (
      ({ HEAD: 'HeadBucket', PUT: 'CreateBucket', DELETE: 'DeleteBucket' } as Record<string, string>)[m] ??
      'Unknown'
    );
  }
  if (m === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (m === 'PUT' && q.has('partNumber')) return 'UploadPart';
  if (m === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (m === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  if (m === 'PUT' && req.headers['x-amz-copy-source']) return 'CopyObject';
  return (
    (
      { HEAD: 'HeadObject', PUT: 'PutObject', GET: 'GetObject', DELETE: 'DeleteObject' } as Record<
        string,
        string
      >
    )[m] ?? 'Unknown'
  );
}

/** The bucket, if the caller may use it: it exists, is this account's, and is the owner they expect. */
function bucketFor(ctx: ServiceContext, req: WireRequest, name: string): Bucket {
  const bucket = ctx.account.buckets.get(name);
  if (!bucket) throw fault('s3', 'NoSuchBucket', 'The specified bucket does not exist');
  const expected = req.headers['x-amz-expected-bucket-owner'];
  // Another account's bucket grants this account nothing (no bucket policies are modelled).
  if ((expected !== undefined && expected !== bucket.owner) || bucket.owner !== ACCOUNT_ID)
    throw fault('s3', 'AccessDenied', 'Access Denied');
  return bucket;
}

/** The bytes the client meant (aws-chunked framing removed), checked against every digest it declared. */
function payload(req: WireRequest): { bytes: Buffer; checksum?: { algorithm: string; value: string } } {
  const chunked =
    String(req.headers['content-encoding'] ?? '').includes('aws-chunked') ||
    String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  const { bytes, trailers } = chunked
    ? decodeAwsChunked(req.body)
    : { bytes: req.body, trailers: {} as Record<string, string> };
  const decoded = req.headers['x-amz-decoded-content-length'];
  if (typeof decoded === 'string' && Number(decoded) !== bytes.length)
    throw fault(
      's3',
      'IncompleteBody',
      'You did not provide the number of bytes specified by the Content-Length HTTP header',
    );
  const contentMd5 = req.headers['content-md5'];
  if (typeof contentMd5 === 'string' && contentMd5 !== md5(bytes).toString('base64'))
    throw fault('s3', 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  let checksum: { algorithm: string; value: string } | undefined;
  for (const [name, value] of [...Object.entries(req.headers), ...Object.entries(trailers)]) {
    const m = /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/.exec(name);
    if (!m || typeof value !== 'string') continue;
    const algorithm = (m[1] as string).toUpperCase();
    const computed = checksumOf(algorithm, bytes);
    if (computed !== undefined && computed !== value)
      throw fault('s3', 'BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`);
    checksum = { algorithm, value };
  }
  return { bytes, checksum };
}

function metadataOf(req: WireRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers))
    if (name.startsWith('x-amz-meta-') && typeof value === 'string')
      out[name.slice('x-amz-meta-'.length)] = value;
  return out;
}

const etagOf = (bytes: Buffer) => `"${md5(bytes).toString('hex')}"`;

function objectHeaders(o: S3Object, req: WireRequest): Record<string, string> {
  const headers: Record<string, string> = {
    'content-length': String(o.bytes.length),
    'last-modified': new Date(o.lastModified).toUTCString(),
    etag: o.etag,
    'content-type': o.contentType ?? 'binary/octet-stream',
    'x-amz-server-side-encryption': 'AES256',
    'accept-ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(o.metadata)) headers[`x-amz-meta-${name}`] = value;
  if (
    o.checksum &&
    String(req.headers['x-amz-checksum-mode'] ?? '').toUpperCase() === 'ENABLED' &&
    !req.headers.range
  ) {
    headers[`x-amz-checksum-${o.checksum.algorithm.toLowerCase()}`] = o.checksum.value;
    headers['x-amz-checksum-type'] = o.checksum.type;
  }
  return headers;
}

function createBucket(ctx: ServiceContext, req: WireRequest, name: string): Reply {
  if (!/^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..'))
    throw fault('s3', 'InvalidBucketName', 'The specified bucket is not valid.');
  const constraint = req.body.length ? xmlValue(req.body.toString('utf8'), 'LocationConstraint') : undefined;
  // us-east-1 is the one region that refuses its own name as location constraint.
  if (constraint !== undefined && (REGION === 'us-east-1' || constraint !== REGION))
    throw REGION === 'us-east-1'
      ? fault('s3', 'InvalidLocationConstraint', 'The specified location-constraint is not valid')
      : fault(
          's3',
          'IllegalLocationConstraintException',
          `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        );
  const existing = ctx.account.buckets.get(name);
  if (existing) {
    if (existing.owner !== ACCOUNT_ID)
      throw fault(
        's3',
        'BucketAlreadyExists',
        'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
      );
    // In us-east-1 S3 answers 200 to the owner re-creating its bucket; elsewhere BucketAlreadyOwnedByYou.
    if (REGION !== 'us-east-1')
      throw fault(
        's3',
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
      );
    return empty(200, { location: `/${name}` });
  }
  // CreateBucketConfiguration's Tags are the bucket's tag set from the start (GetBucketTagging reads them).
  const tags = /<Tags>([\s\S]*?)<\/Tags>/.exec(req.body.toString('utf8'))?.[1];
  ctx.account.buckets.set(name, {
    name,
    owner: ACCOUNT_ID,
    region: REGION,
    createdAt: ctx.clock.now(),
    objects: new Map(),
    // A new bucket has ownership controls: the x-amz-object-ownership asked for, else BucketOwnerEnforced (S3's default since 2023).
    settings: new Map([
      ['ownershipControls', ownershipControlsXml(String(req.headers['x-amz-object-ownership'] ?? ''))],
      ...(tags
        ? [['tagging', `<Tagging xmlns="${NS}"><TagSet>${tags}</TagSet></Tagging>`] as [string, string]]
        : []),
    ]),
    uploads: new Map(),
  });
  return empty(200, { location: `/${name}` });
}

function ownershipControlsXml(asked: string): string {
  const ownership = asked || 'BucketOwnerEnforced';
  return `<OwnershipControls xmlns="${NS}"><Rule><ObjectOwnership>${ownership}</ObjectOwnership></Rule></OwnershipControls>`;
}

function bucketSetting(ctx: ServiceContext, req: WireRequest, operation: string, name: string): Reply {
  const bucket = bucketFor(ctx, req, name);
  const key = Object.keys(SETTINGS).find((s) => req.query.has(s)) as string;
  const setting = SETTINGS[key]!;
  if (operation.startsWith('Put')) {
    const body = payload(req).bytes.toString('utf8');
    if (key === 'policy') {
      try {
        JSON.parse(body);
      } catch {
        throw fault('s3', 'MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'");
      }
    } else if (!/<\w/.test(body))
      throw fault(
        's3',
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
      );
    bucket.settings.set(key, body);
    return empty(key === 'policy' ? 204 : 200);
  }
  if (operation.startsWith('Delete')) {
    bucket.settings.delete(key);
    return empty(204);
  }
  const stored = bucket.settings.get(key);
  if (stored === undefined) {
    if (!setting.missing) return xml(200, `<VersioningConfiguration xmlns="${NS}"/>`);
    throw fault('s3', setting.missing[0], setting.missing[1]);
  }
  // S3 answers with the document it was given (the policy as JSON).
  if (key === 'policy') return { status: 200, headers: { 'content-type': 'application/json' }, body: stored };
  return xml(200, stored.replace(/^<\?xml[^>]*>\s*/, ''));
}

function listObjects(ctx: ServiceContext, req: WireRequest, name: string): Reply {
  const bucket = bucketFor(ctx, req, name);
  const q = req.query;
  const prefix = q.get('prefix') ?? '';
  const startAfter = q.get('start-after') ?? '';
  const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix) && k > startAfter).sort();
  const page = paginate(keys, {
    listing: `ListObjectsV2:${name}:${prefix}`,
    token: q.get('continuation-token'),
    requested: q.get('max-keys'),
    limits: { defaultSize: 1000, maxSize: 1000 },
    cap: ctx.pageSize,
    invalidToken: () => fault('s3', 'InvalidArgument', 'The continuation token provided is incorrect'),
  });
  const contents = page.items.map((k) => {
    const o = bucket.objects.get(k) as S3Object;
    return `<Contents>${toXml({ Key: k, LastModified: new Date(o.lastModified), ETag: o.etag, Size: o.bytes.length, StorageClass: 'STANDARD' }, 'repeat')}</Contents>`;
  });
  return xml(
    200,
    `<ListBucketResult xmlns="${NS}">${toXml({ Name: name, Prefix: prefix, KeyCount: page.items.length, MaxKeys: Number(q.get('max-keys') ?? 1000), IsTruncated: !!page.next }, 'repeat')}${contents.join('')}${page.next ? `<NextContinuationToken>${escapeXml(page.next)}</NextContinuationToken>` : ''}${q.get('continuation-token') ? `<ContinuationToken>${escapeXml(q.get('continuation-token') as string)}</ContinuationToken>` : ''}</ListBucketResult>`,
  );
}

function getObject(
  ctx: ServiceContext,
  req: WireRequest,
  operation: string,
  name: string,
  key: string,
): Reply {
  const bucket = bucketFor(ctx, req, name);
  const o = bucket.objects.get(key);
  if (!o) throw fault('s3', 'NoSuchKey', 'The specified key does not exist.');
  const headers = objectHeaders(o, req);
  if (operation === 'HeadObject') return empty(200, headers);
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
  if (range) {
    const size = o.bytes.length;
    const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    const slice = o.bytes.subarray(start, end + 1);
    return {
      status: 206,
      headers: {
        ...headers,
        'content-length': String(slice.length),
        'content-range': `bytes ${start}-${end}/${size}`,
      },
      body: slice,
    };
  }
  return { status: 200, headers, body: o.bytes };
}

/**
 * A conditional write (PutObject, CompleteMultipartUpload): `If-None-Match: *` creates the object
 * only when the key holds none, else 412 PreconditionFailed; S3 takes no other value there.
 */
function createOnly(req: WireRequest, bucket: Bucket, key: string): void {
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch === undefined) return;
  if (noneMatch !== '*')
    throw fault(
      's3',
      'NotImplemented',
      'A header you provided implies functionality that is not implemented',
    );
  if (bucket.objects.has(key))
    throw fault('s3', 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
}

function putObject(ctx: ServiceContext, req: WireRequest, name: string, key: string): Reply {
  const bucket = bucketFor(ctx, req, name);
  createOnly(req, bucket, key);
  const { bytes, checksum } = payload(req);
  const etag = etagOf(bytes);
  bucket.objects.set(key, {
    bytes,
    etag,
    lastModified: ctx.clock.now(),
    contentType: req.headers['content-type'],
    metadata: metadataOf(req),
    ...(checksum ? { checksum: { ...checksum, type: 'FULL_OBJECT' as const } } : {}),
  });
  return empty(200, {
    etag,
    'x-amz-server-side-encryption': 'AES256',
    ...(checksum ? { [`x-amz-checksum-${checksum.algorithm.toLowerCase()}`]: checksum.value } : {}),
  });
}

/**
 * CopyObject (a single request, so the copy is one part: its checksum is the
 * whole object's). The source's bucket is checked against
 * ExpectedSourceBucketOwner, the destination's against ExpectedBucketOwner.
 * A copy onto itself that changes nothing (metadata directive COPY, no
 * storage class or encryption asked for) is refused, as S3 does; with
 * REPLACE it rewrites the object and its LastModified.
 */
function copyObject(ctx: ServiceContext, req: WireRequest, name: string, key: string): Reply {
  const source = /^\/?([^/]+)\/([^?]+)/.exec(String(req.headers['x-amz-copy-source']));
  if (!source) throw fault('s3', 'InvalidArgument', 'Copy Source must mention the source bucket and key');
  const [sourceBucket, sourceKey] = [decodeURIComponent(source[1]!), decodeURIComponent(source[2]!)];
  const expectedSource = req.headers['x-amz-source-expected-bucket-owner'];
  const from = bucketFor(
    ctx,
    { ...req, headers: { ...req.headers, 'x-amz-expected-bucket-owner': expectedSource } },
    sourceBucket,
  );
  const bucket = bucketFor(ctx, req, name);
  const o = from.objects.get(sourceKey);
  if (!o) throw fault('s3', 'NoSuchKey', 'The specified key does not exist.');
  const replace = String(req.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
  const changes =
    replace || ['x-amz-storage-class', 'x-amz-server-side-encryption'].some((h) => req.headers[h]);
  if (sourceBucket === name && sourceKey === key && !changes)
    throw fault(
      's3',
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  const asked = req.headers['x-amz-checksum-algorithm'];
  const algorithm = typeof asked === 'string' ? asked.toUpperCase() : o.checksum?.algorithm;
  const value = algorithm ? (checksumOf(algorithm, o.bytes) ?? o.checksum?.value) : undefined;
  const copy: S3Object = {
    bytes: o.bytes,
    etag: etagOf(o.bytes),
    lastModified: ctx.clock.now(),
    contentType: replace ? req.headers['content-type'] : o.contentType,
    metadata: replace ? metadataOf(req) : { ...o.metadata },
    ...(algorithm && value ? { checksum: { algorithm, value, type: 'FULL_OBJECT' as const } } : {}),
  };
  bucket.objects.set(key, copy);
  const checksumXml = copy.checksum ? `<Checksum${algorithm}>${value}</Checksum${algorithm}>` : '';
  return xml(
    200,
    `<CopyObjectResult xmlns="${NS}"><ETag>${escapeXml(copy.etag)}</ETag><LastModified>${new Date(copy.lastModified).toISOString()}</LastModified>${checksumXml}</CopyObjectResult>`,
  );
}

function multipart(
  ctx: ServiceContext,
  req: WireRequest,
  operation: string,
  name: string,
  key: string,
): Reply {
  const bucket = bucketFor(ctx, req, name);
  const uploadId = req.query.get('uploadId') ?? '';
  if (operation === 'CreateMultipartUpload') {
    const id = newId(32);
    const algorithm = req.headers['x-amz-checksum-algorithm'];
    bucket.uploads.set(id, {
      key,
      metadata: metadataOf(req),
      contentType: req.headers['content-type'],
      ...(typeof algorithm === 'string' ? { checksumAlgorithm: algorithm.toUpperCase() } : {}),
      parts: new Map(),
    });
    return xml(
      200,
      `<InitiateMultipartUploadResult xmlns="${NS}"><Bucket>${escapeXml(name)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      typeof algorithm === 'string' ? { 'x-amz-checksum-algorithm': algorithm } : {},
    );
  }
  const upload = bucket.uploads.get(uploadId);
  if (!upload || upload.key !== key)
    throw fault(
      's3',
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    );
  if (operation === 'AbortMultipartUpload') {
    bucket.uploads.delete(uploadId);
    return empty(204);
  }
  if (operation === 'UploadPart') {
    const { bytes, checksum } = payload(req);
    const etag = etagOf(bytes);
    if (upload.checksumAlgorithm && checksum && checksum.algorithm !== upload.checksumAlgorithm)
      throw fault(
        's3',
        'InvalidRequest',
        `Checksum Type mismatch occurred, expected checksum Type: ${upload.checksumAlgorithm.toLowerCase()}, actual checksum Type: ${checksum.algorithm.toLowerCase()}`,
      );
    upload.parts.set(Number(req.query.get('partNumber')), {
      bytes,
      etag,
      ...(checksum ? { checksum: checksum.value } : {}),
    });
    return empty(200, {
      etag,
      ...(checksum ? { [`x-amz-checksum-${checksum.algorithm.toLowerCase()}`]: checksum.value } : {}),
    });
  }
  return completeUpload(ctx, bucket, uploadId, req);
}

function completeUpload(ctx: ServiceContext, bucket: Bucket, uploadId: string, req: WireRequest): Reply {
  const upload = bucket.uploads.get(uploadId)!;
  // The upload stays open after a 412: the client aborts it (or the lifecycle rule does).
  createOnly(req, bucket, upload.key);
  const body = req.body.toString('utf8');
  const listed = xmlValues(body, 'Part').map((p) => ({
    number: Number(xmlValue(p, 'PartNumber')),
    etag: xmlValue(p, 'ETag') ?? '',
    checksum: upload.checksumAlgorithm ? xmlValue(p, `Checksum${upload.checksumAlgorithm}`) : undefined,
  }));
  if (!listed.length)
    throw fault(
      's3',
      'MalformedXML',
      'The XML you provided was not well-formed or did not validate against our published schema',
    );
  listed.forEach((p, i) => {
    if (i > 0 && p.number <= (listed[i - 1] as { number: number }).number)
      throw fault(
        's3',
        'InvalidPartOrder',
        'The list of parts was not in ascending order. Parts must be ordered by part number.',
      );
    const stored = upload.parts.get(p.number);
    if (
      !stored ||
      stored.etag.replace(/"/g, '') !== p.etag.replace(/"/g, '') ||
      (p.checksum && p.checksum !== stored.checksum)
    )
      throw fault(
        's3',
        'InvalidPart',
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      );
    if (i < listed.length - 1 && stored.bytes.length < MIN_PART)
      throw fault(
        's3',
        'EntityTooSmall',
        'Your proposed upload is smaller than the minimum allowed object size.',
      );
  });
  const parts = listed.map((p) => upload.parts.get(p.number)!);
  const bytes = Buffer.concat(parts.map((p) => p.bytes));
  const etag = `"${md5(Buffer.concat(parts.map((p) => md5(p.bytes)))).toString('hex')}-${parts.length}"`;
  // A composite checksum: the checksum of the parts' raw checksums, then -N.
  const composite =
    upload.checksumAlgorithm && parts.every((p) => p.checksum)
      ? `${checksumOf(upload.checksumAlgorithm, Buffer.concat(parts.map((p) => Buffer.from(p.checksum as string, 'base64'))))}-${parts.length}`
      : undefined;
  bucket.objects.set(upload.key, {
    bytes,
    etag,
    lastModified: ctx.clock.now(),
    contentType: upload.contentType,
    metadata: upload.metadata,
    ...(composite
      ? {
          checksum: {
            algorithm: upload.checksumAlgorithm as string,
            value: composite,
            type: 'COMPOSITE' as const,
          },
        }
      : {}),
  });
  bucket.uploads.delete(uploadId);
  const checksumXml = composite
    ? `<Checksum${upload.checksumAlgorithm}>${composite}</Checksum${upload.checksumAlgorithm}><ChecksumType>COMPOSITE</ChecksumType>`
    : '';
  return xml(
    200,
    `<CompleteMultipartUploadResult xmlns="${NS}"><Location>/${escapeXml(bucket.name)}/${escapeXml(upload.key)}</Location><Bucket>${escapeXml(bucket.name)}</Bucket><Key>${escapeXml(upload.key)}</Key><ETag>${escapeXml(etag)}</ETag>${checksumXml}</CompleteMultipartUploadResult>`,
  );
}

function run(ctx: ServiceContext, req: WireRequest, operation: string, name: string, key: string): Reply {
  switch (operation) {
    case 'CreateBucket':
      return createBucket(ctx, req, name);
    case 'HeadBucket':
      bucketFor(ctx, req, name);
      return empty(200, { 'x-amz-bucket-region': REGION });
    case 'GetBucketLocation':
      bucketFor(ctx, req, name);
      // us-east-1 answers an empty constraint.
      return xml(
        200,
        `<LocationConstraint xmlns="${NS}">${REGION === 'us-east-1' ? '' : REGION}</LocationConstraint>`,
      );
    case 'DeleteBucket': {
      const bucket = bucketFor(ctx, req, name);
      if (bucket.objects.size)
        throw fault('s3', 'BucketNotEmpty', 'The bucket you tried to delete is not empty');
      ctx.account.buckets.delete(name);
      return empty(204);
    }
    case 'ListObjectsV2':
      return listObjects(ctx, req, name);
    case 'HeadObject':
    case 'GetObject':
      return getObject(ctx, req, operation, name, key);
    case 'PutObject':
      return putObject(ctx, req, name, key);
    case 'CopyObject':
      return copyObject(ctx, req, name, key);
    case 'DeleteObject':
      bucketFor(ctx, req, name).objects.delete(key);
      return empty(204);
    case 'CreateMultipartUpload':
    case 'UploadPart':
    case 'CompleteMultipartUpload':
    case 'AbortMultipartUpload':
      return multipart(ctx, req, operation, name, key);
    default:
      if (Object.keys(SETTINGS).some((s) => req.query.has(s)) && !key)
        return bucketSetting(ctx, req, operation, name);
      throw fault(
        's3',
        'NotImplemented',
        `The fake AWS does not model S3 ${operation} (${req.method} ${req.path})`,
      );
  }
}

export const s3Service: ServiceHandler = {
  name: 's3',
  protocol: 'rest-xml',
  route(req, ctx) {
    const [bucket = '', ...keyParts] = req.segments;
    const key = keyParts.join('/');
    const operation = operationOf(req, bucket, key);
    const h = req.headers;
    const input: Record<string, unknown> = {
      Bucket: bucket,
      ...(key ? { Key: key } : {}),
      ...(h['x-amz-expected-bucket-owner'] ? { ExpectedBucketOwner: h['x-amz-expected-bucket-owner'] } : {}),
      ...(h['x-amz-checksum-sha256'] ? { ChecksumSHA256: h['x-amz-checksum-sha256'] } : {}),
      ...(h['x-amz-checksum-algorithm'] ? { ChecksumAlgorithm: h['x-amz-checksum-algorithm'] } : {}),
      ...(h['x-amz-checksum-mode'] ? { ChecksumMode: h['x-amz-checksum-mode'] } : {}),
      ...(h['x-amz-copy-source'] ? { CopySource: h['x-amz-copy-source'] } : {}),
      ...(h['if-none-match'] ? { IfNoneMatch: h['if-none-match'] } : {}),
      ...(h['x-amz-metadata-directive'] ? { MetadataDirective: h['x-amz-metadata-directive'] } : {}),
      ...(h['x-amz-source-expected-bucket-owner']
        ? { ExpectedSourceBucketOwner: h['x-amz-source-expected-bucket-owner'] }
        : {}),
      ...(req.query.get('partNumber') ? { PartNumber: Number(req.query.get('partNumber')) } : {}),
      ...(req.query.get('uploadId') ? { UploadId: req.query.get('uploadId') } : {}),
      ...(req.method === 'PUT' || req.method === 'POST' ? { ContentLength: req.body.length } : {}),
    };
    return { name: operation, input, run: () => run(ctx, req, operation, bucket, key) };
  },
};
