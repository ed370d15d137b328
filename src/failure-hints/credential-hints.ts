/**
 * What to do when AWS refuses a request's credentials before looking at what
 * it asks (pure): the region it was signed for is not the endpoint's, the
 * secret does not match the key id, the key id is unknown, or the session
 * token has expired. Each service words these its own way (STS and IAM:
 * SignatureDoesNotMatch, InvalidClientTokenId, ExpiredToken; JSON services:
 * InvalidSignatureException, UnrecognizedClientException,
 * ExpiredTokenException; S3: AuthorizationHeaderMalformed, InvalidAccessKeyId),
 * so all are recognised here. Secrets are never part of the advice; of the
 * key id only its first four characters (AKIA: a long-term key, ASIA: a
 * temporary one), as every full key id is masked in what we print.
 */
import { errorMessage, errorName } from '../util/retry.js';

export type CredentialRefusal =
  | {
      kind: 'region';
      /** The region the request was signed for, when AWS's answer names it. */
      signedFor?: string;
      /** The endpoint's region, when AWS's answer names it (S3 does). */
      expected?: string;
    }
  | { kind: 'signature' | 'unknown-key' | 'expired' };

const SCOPE = /Credential should be scoped to a valid region(?:, not '([^']*)')?/;
const S3_REGION = /the region '([^']+)' is wrong; expecting '([^']+)'/;

/** The refusal an error (or one of its causes) reports; undefined for any other error. */
export function credentialRefusalIn(error: unknown): CredentialRefusal | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const name = errorName(e).replace(/Exception$/, '');
    const message = errorMessage(e);
    const s3 = S3_REGION.exec(message);
    if (s3) return { kind: 'region', signedFor: s3[1] as string, expected: s3[2] as string };
    const scope = SCOPE.exec(message);
    if (scope) return { kind: 'region', ...(scope[1] && { signedFor: scope[1] }) };
    if (name === 'ExpiredToken') return { kind: 'expired' };
    if (['InvalidClientTokenId', 'UnrecognizedClient', 'InvalidAccessKeyId'].includes(name))
      return { kind: 'unknown-key' };
    // "Signature expired" / "not yet current" is the clock's doing, not the secret's.
    if (
      ['SignatureDoesNotMatch', 'InvalidSignature'].includes(name) &&
      !/^Signature (?:expired|not yet)/.test(message)
    )
      return { kind: 'signature' };
  }
  return undefined;
}

/** A key id as far as we show one: its kind, from its first four characters. */
export function shownKeyId(keyId: string | undefined): string {
  if (!keyId) return 'the access key id';
  const prefix = keyId.slice(0, 4);
  const kind = prefix === 'ASIA' ? ' (a temporary key)' : prefix === 'AKIA' ? ' (a long-term key)' : '';
  return `access key id ${prefix}…${kind}`;
}

export interface RefusalContext {
  /** The access key id that signed the request (only its kind is shown). */
  keyId?: string;
  /** The region the client signed for. */
  region?: string;
  /** Where the region is set: `--aws-region or AWS_REGION`, or the action's input. */
  regionSetting: string;
  /** Where the request went (scheme, host, port), when known. */
  endpoint?: string;
  /** Where the credentials come from and how to change them (the CLI's or the action's words). */
  credentialsHint: string;
}

/** Whether requests go to an endpoint of AWS's own (not AWS_ENDPOINT_URL's emulator or fake). */
const awsOwn = (endpoint: string | undefined) =>
  !endpoint || /\.amazonaws\.com(?:\.cn)?(?::\d+)?$/.test(endpoint);

/** "AWS refused …: what is wrong. What to do." */
export function credentialRefusalFix(refusal: CredentialRefusal, ctx: RefusalContext): string {
  const key = shownKeyId(ctx.keyId);
  switch (refusal.kind) {
    case 'region': {
      const signed = refusal.signedFor ?? ctx.region ?? 'the configured region';
      const at = ctx.endpoint ? ` at ${ctx.endpoint}` : '';
      const serves = refusal.expected
        ? `serves ${refusal.expected}, not ${signed}`
        : `does not serve ${signed}`;
      const to = refusal.expected ?? "that endpoint's region";
      return (
        `AWS refused the region: the requests were signed for ${signed} (${ctx.regionSetting}), and the endpoint${at} ${serves}. ` +
        `Set ${ctx.regionSetting} to ${to}` +
        (awsOwn(ctx.endpoint)
          ? '.'
          : `, or unset AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_STS) to reach AWS's own endpoints for ${signed}.`)
      );
    }
    case 'signature':
      return (
        `AWS refused the credentials: the secret access key is not the one of ${key}, so the request's signature does not match. ` +
        'Check the secret that goes with that key id (AWS_SECRET_ACCESS_KEY, or aws_secret_access_key in the profile): ' +
        `a character lost or added when it was copied, or the secret of another key; ${ctx.credentialsHint}.`
      );
    case 'unknown-key':
      return (
        `AWS refused the credentials: ${key} is not known in this account's partition ` +
        '(deleted, deactivated, mistyped, from another partition such as AWS GovCloud or China' +
        `${ctx.keyId?.startsWith('ASIA') ? ', or a temporary key sent without its AWS_SESSION_TOKEN' : ''}). ` +
        `Check AWS_ACCESS_KEY_ID or the profile (AWS_PROFILE); ${ctx.credentialsHint}.`
      );
    case 'expired':
      return (
        `AWS refused the credentials: the session token of ${key} has expired. ` +
        'Get new temporary credentials (aws sso login --profile NAME, or assume the role again) and set ' +
        `AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN anew; ${ctx.credentialsHint}.`
      );
  }
}

/**
 * The message for a refused request, for AwsDeps.credentialRefusal: what is
 * wrong and what to do, or undefined when AWS refused nothing of the kind.
 */
export function credentialRefusalExplainer(
  regionSetting: string,
  credentialsHint: string,
): (
  error: unknown,
  sent: { endpoint?: string; region?: string; accessKeyId?: string },
) => string | undefined {
  return (error, sent) => {
    const refusal = credentialRefusalIn(error);
    return (
      refusal &&
      credentialRefusalFix(refusal, {
        keyId: sent.accessKeyId,
        region: sent.region,
        endpoint: sent.endpoint,
        regionSetting,
        credentialsHint,
      })
    );
  };
}
