/**
 * How AWS refuses a signed request before any service looks at it, in the
 * order it checks: the credential scope (this endpoint's region, the service
 * the request is for), the request time (X-Amz-Date within 15 minutes of the
 * server's clock), the access key id, the session token and its expiry,
 * the signature itself, computed with the secret the account holds for
 * that key, then (S3) the body against the SHA-256 its header states. Each
 * refusal carries the code, status and words the protocol uses (AWS's
 * common errors; S3's own for S3).
 */
import { ACCOUNT_ID, REGION } from './account.js';
import type { Clock } from './clock.js';
import { AwsFault } from './errors.js';
import type { Caller } from './service.js';
import { parseAuthorization, sha256Hex, signatureMatches, type SignedRequest } from './sigv4.js';
import type { IssuedCredentials } from './state.js';
import type { Protocol } from './wire.js';

type Refusal = 'scope' | 'service' | 'skew' | 'unknownKey' | 'expired' | 'signature';

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';

/** [code, status] per protocol: JSON services name them *Exception (400 under JSON 1.1), the query protocol and S3 their own. */
const CODES: Record<Protocol, Record<Refusal, readonly [string, number]>> = {
  'rest-json': {
    scope: ['InvalidSignatureException', 403],
    service: ['InvalidSignatureException', 403],
    skew: ['InvalidSignatureException', 403],
    unknownKey: ['UnrecognizedClientException', 403],
    expired: ['ExpiredTokenException', 403],
    signature: ['InvalidSignatureException', 403],
  },
  'json-1.1': {
    scope: ['InvalidSignatureException', 400],
    service: ['InvalidSignatureException', 400],
    skew: ['InvalidSignatureException', 400],
    unknownKey: ['UnrecognizedClientException', 400],
    expired: ['ExpiredTokenException', 400],
    signature: ['InvalidSignatureException', 400],
  },
  query: {
    scope: ['SignatureDoesNotMatch', 403],
    service: ['SignatureDoesNotMatch', 403],
    skew: ['SignatureDoesNotMatch', 403],
    unknownKey: ['InvalidClientTokenId', 403],
    expired: ['ExpiredToken', 403],
    signature: ['SignatureDoesNotMatch', 403],
  },
  'rest-xml': {
    scope: ['AuthorizationHeaderMalformed', 400],
    service: ['AuthorizationHeaderMalformed', 400],
    skew: ['RequestTimeTooSkewed', 403],
    unknownKey: ['InvalidAccessKeyId', 403],
    expired: ['ExpiredToken', 400],
    signature: ['SignatureDoesNotMatch', 403],
  },
};

function refuse(
  protocol: Protocol,
  refusal: Refusal,
  message: string,
  fields?: Record<string, string>,
): AwsFault {
  const [code, status] = CODES[protocol][refusal];
  return new AwsFault(status, code, message, fields ? { fields } : {});
}

export interface KnownKeys {
  staticCredentials: { accessKeyId: string; secretAccessKey: string };
  issued: readonly IssuedCredentials[];
  clock: Clock;
  /** The server's wall clock (ms), which X-Amz-Date must be within 15 minutes of. */
  serverNow: () => number;
  /** 'any': a key the account does not know is let in unchecked (as the static user). */
  credentials: 'strict' | 'any';
}

/** How far X-Amz-Date may be from the server's clock, either way. */
const MAX_SKEW_MS = 15 * 60_000;

/** `20250101T001500Z`, the ISO basic form of X-Amz-Date. */
const amzStamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');

function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d, h, mi, sec);
}

/**
 * AWS's refusal of a request whose X-Amz-Date is more than 15 minutes from
 * the server's clock (`now`): S3 states both times; the others say which way.
 * The SDK corrects its clock from the answer's Date header (or ServerTime) and retries.
 */
export function skewRefusal(protocol: Protocol, amzDate: string, now: number): AwsFault | undefined {
  const sent = parseAmzDate(amzDate);
  if (sent === undefined || Math.abs(sent - now) <= MAX_SKEW_MS) return undefined;
  if (protocol === 'rest-xml')
    return refuse(
      protocol,
      'skew',
      'The difference between the request time and the current time is too large.',
      {
        RequestTime: amzDate,
        ServerTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      },
    );
  const server = amzStamp(now);
  return refuse(
    protocol,
    'skew',
    sent < now
      ? `Signature expired: ${amzDate} is now earlier than ${amzStamp(now - MAX_SKEW_MS)} (${server} - 15 min.)`
      : `Signature not yet current: ${amzDate} is still later than ${amzStamp(now + MAX_SKEW_MS)} (${server} + 15 min.)`,
  );
}

/**
 * S3's refusal of a body whose SHA-256 is not the one its x-amz-content-sha256
 * states (the signature covers the header, not the body: S3 hashes what
 * arrived). UNSIGNED-PAYLOAD and the STREAMING-… forms state no hash of the body.
 */
export function payloadHashRefusal(req: SignedRequest): AwsFault | undefined {
  const stated = String(req.headers['x-amz-content-sha256'] ?? '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(stated)) return undefined;
  const computed = sha256Hex(req.body);
  if (computed === stated) return undefined;
  return new AwsFault(
    400,
    'XAmzContentSHA256Mismatch',
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
    { fields: { ClientComputedContentSHA256: stated, S3ComputedContentSHA256: computed } },
  );
}

/** The IAM user the static key belongs to. */
export const STATIC_USER = { arn: `arn:aws:iam::${ACCOUNT_ID}:user/ci`, userId: 'AIDAFAKECIUSER000001' };

/**
 * The caller a signed request stands for, or the refusal AWS gives it.
 * `service` is the signing name the request is for (lambda, s3, …), when
 * known from more than its signature (JSON target, query action).
 */
export function authenticate(
  keys: KnownKeys,
  req: SignedRequest,
  protocol: Protocol,
  service?: string,
): Caller {
  const auth = parseAuthorization(String(req.headers.authorization ?? ''));
  if (!auth) return { accessKeyId: '', arn: 'anonymous', userId: 'anonymous' };
  if (auth.region !== REGION)
    throw protocol === 'rest-xml'
      ? refuse(
          protocol,
          'scope',
          `The authorization header is malformed; the region '${auth.region}' is wrong; expecting '${REGION}'`,
          { Region: REGION },
        )
      : refuse(protocol, 'scope', `Credential should be scoped to a valid region, not '${auth.region}'. `);
  if (service && auth.service !== service)
    throw refuse(protocol, 'service', `Credential should be scoped to correct service: '${service}'. `);
  const skewed = skewRefusal(protocol, String(req.headers['x-amz-date'] ?? ''), keys.serverNow());
  if (skewed) throw skewed;
  let secret: string;
  let caller: Caller;
  const session = keys.issued.find((c) => c.accessKeyId === auth.accessKeyId);
  if (auth.accessKeyId === keys.staticCredentials.accessKeyId) {
    secret = keys.staticCredentials.secretAccessKey;
    caller = { accessKeyId: auth.accessKeyId, ...STATIC_USER };
  } else if (session && req.headers['x-amz-security-token'] === session.sessionToken) {
    if (keys.clock.now() >= session.expiresAt)
      throw refuse(
        protocol,
        'expired',
        protocol === 'rest-xml' ? 'The provided token has expired.' : EXPIRED_TOKEN,
      );
    secret = session.secretAccessKey;
    const role = session.roleArn.split('/').at(-1);
    caller = {
      accessKeyId: auth.accessKeyId,
      arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${role}/${session.sessionName}`,
      userId: `AROAFAKE:${session.sessionName}`,
    };
  } else if (keys.credentials === 'any') {
    return { accessKeyId: auth.accessKeyId, ...STATIC_USER };
  } else {
    throw protocol === 'rest-xml'
      ? refuse(protocol, 'unknownKey', 'The AWS Access Key Id you provided does not exist in our records.', {
          AWSAccessKeyId: auth.accessKeyId,
        })
      : refuse(protocol, 'unknownKey', INVALID_TOKEN);
  }
  if (!signatureMatches(req, auth, secret))
    throw refuse(
      protocol,
      'signature',
      protocol === 'rest-xml'
        ? 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'
        : MISMATCH,
    );
  const payload = protocol === 'rest-xml' ? payloadHashRefusal(req) : undefined;
  if (payload) throw payload;
  return caller;
}

/** JSON 1.1 targets' prefixes, by signing name. */
const TARGETS: Record<string, string> = {
  Logs_20140328: 'logs',
  AWSEvents: 'events',
  ResourceGroupsTaggingAPI_20170126: 'tagging',
};
const STS_ACTIONS = new Set([
  'GetCallerIdentity',
  'AssumeRoleWithWebIdentity',
  'AssumeRole',
  'GetSessionToken',
]);

/** API Gateway's top-level resources (v1's, and v2's under /v2): the paths its host serves. */
const API_GATEWAY_ROOTS = new Set([
  'restapis',
  'apikeys',
  'usageplans',
  'tags',
  'v2',
  'domainnames',
  'account',
]);

/**
 * The REST service a path is for, as AWS tells it by the host: Lambda's paths
 * start with its API's date (`/2015-03-31/functions`), API Gateway's with its
 * resources. Undefined for any other path: S3's (path-style buckets).
 */
export function restServiceOf(segments: readonly string[]): 'lambda' | 'apigateway' | undefined {
  const first = segments[0] ?? '';
  if (/^\d{4}-\d\d-\d\d$/.test(first)) return 'lambda';
  return API_GATEWAY_ROOTS.has(first) ? 'apigateway' : undefined;
}

/**
 * The service a request is for as AWS tells it by its host, told here by what
 * the request names (one host serves every service): a JSON 1.1 target, a
 * query action of STS or IAM, a REST path of Lambda or API Gateway.
 * Undefined for S3 (its scope routes it).
 */
export function serviceNamedBy(
  protocol: Protocol,
  target: string,
  action: string | null,
  segments: readonly string[],
): string | undefined {
  if (protocol === 'json-1.1') return TARGETS[target.split('.')[0] ?? ''];
  if (protocol === 'query' && action) return STS_ACTIONS.has(action) ? 'sts' : 'iam';
  if (protocol === 'rest-json') return restServiceOf(segments);
  return undefined;
}
