/**
 * How AWS refuses a signed request before any service looks at it, in the
 * order it checks: the credential scope (this endpoint's region, the service
 * the request is for), the access key id, the session token and its expiry,
 * then the signature itself, computed with the secret the account holds for
 * that key. Each refusal carries the code, status and words the protocol
 * uses (AWS's common errors; S3's own for S3).
 */
import { ACCOUNT_ID, REGION } from './account.js';
import type { Clock } from './clock.js';
import { AwsFault } from './errors.js';
import type { Caller } from './service.js';
import { parseAuthorization, signatureMatches, type SignedRequest } from './sigv4.js';
import type { IssuedCredentials } from './state.js';
import type { Protocol } from './wire.js';

type Refusal = 'scope' | 'service' | 'unknownKey' | 'expired' | 'signature';

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';

/** [code, status] per protocol: JSON services name them *Exception (400 under JSON 1.1), the query protocol and S3 their own. */
const CODES: Record<Protocol, Record<Refusal, readonly [string, number]>> = {
  'rest-json': {
    scope: ['InvalidSignatureException', 403],
    service: ['InvalidSignatureException', 403],
    unknownKey: ['UnrecognizedClientException', 403],
    expired: ['ExpiredTokenException', 403],
    signature: ['InvalidSignatureException', 403],
  },
  'json-1.1': {
    scope: ['InvalidSignatureException', 400],
    service: ['InvalidSignatureException', 400],
    unknownKey: ['UnrecognizedClientException', 400],
    expired: ['ExpiredTokenException', 400],
    signature: ['InvalidSignatureException', 400],
  },
  query: {
    scope: ['SignatureDoesNotMatch', 403],
    service: ['SignatureDoesNotMatch', 403],
    unknownKey: ['InvalidClientTokenId', 403],
    expired: ['ExpiredToken', 403],
    signature: ['SignatureDoesNotMatch', 403],
  },
  'rest-xml': {
    scope: ['AuthorizationHeaderMalformed', 400],
    service: ['AuthorizationHeaderMalformed', 400],
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
  /** 'any': a key the account does not know is let in unchecked (as the static user). */
  credentials: 'strict' | 'any';
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

/**
 * The service a request is for as AWS tells it by its host, told here by what
 * the request names (one host serves every service): a JSON 1.1 target, or a
 * query action of STS or IAM. Undefined for REST requests (their scope routes them).
 */
export function serviceNamedBy(
  protocol: Protocol,
  target: string,
  action: string | null,
): string | undefined {
  if (protocol === 'json-1.1') return TARGETS[target.split('.')[0] ?? ''];
  if (protocol === 'query' && action) return STS_ACTIONS.has(action) ? 'sts' : 'iam';
  return undefined;
}
