/**
 * Redaction at the edges of each secret shape: the forms only one pattern
 * reaches (a field whose opening quote was cut off, a header whose scheme is
 * not Bearer), and the look-alikes that must stay readable.
 */
import { describe, expect, it } from '@jest/globals';
import { lineRedactor, redact, redactCutTail, REDACTED } from '../../src/util/redact.js';

/** A secret access key without upper-case letters: the bare-key shape (mixed case) does not take it. */
const LOWER_KEY = 'wjalrxutnfemi/k7mdeng/bpxrficyexamplekey';
const TOKEN = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVz';
const PEM_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun';

describe('a bare 40-character run is a secret key only with lower case, upper case and a digit', () => {
  it.each([
    ['no lower case', 'id ABCDEFGHIJ0123456789ABCDEFGHIJ0123456789 in the log'],
    ['no digit', 'id abcdefghijABCDEFGHIJabcdefghijABCDEFGHIJ in the log'],
  ])('%s: kept', (_name, text) => {
    expect(redact(text)).toBe(text);
  });

  it('all three: hidden, whatever the text around it', () => {
    expect(redact('ID ABCDEFGHIJ0123456789abcdefghij0123456789 IN THE LOG')).toBe(
      `ID ${REDACTED} IN THE LOG`,
    );
  });
});

describe("a value after a secret's name", () => {
  it.each([
    ['a setting word', 'password=off', 'password=off'],
    ['an already hidden value', 'password=****', 'password=****'],
    ['a placeholder to fill in', 'password=<your-password>', 'password=<your-password>'],
    ['a shell variable', 'password=${DB_PASSWORD}', 'password=${DB_PASSWORD}'],
    // Only a whole word is a setting: a value that begins or ends like one is a value.
    ['that begins like a setting word', 'password=offshore-7', `password=${REDACTED}`],
    ['that ends like one', 'password=shutoff', `password=${REDACTED}`],
  ])('%s: %j', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it('is hidden in JSON and YAML fields whatever the case of the name, every one on the line', () => {
    expect(redact('{"DB_PASSWORD": "Pg-Secret-771", "API_KEY": "k-99887766"}')).toBe(
      `{"DB_PASSWORD": "${REDACTED}", "API_KEY": "${REDACTED}"}`,
    );
    expect(redact('CLIENT_SECRET: abcDEF123 REFRESH_TOKEN: r-5566778899')).toBe(
      `CLIENT_SECRET: ${REDACTED} REFRESH_TOKEN: ${REDACTED}`,
    );
  });
});

describe('a secret after a name that goes on past its secret word, or says it in short (nobody told us of it)', () => {
  it.each([
    ['a key named for its secret', 'STRIPE_SECRET_KEY=sk9Xq2mLp0Zr', `STRIPE_SECRET_KEY=${REDACTED}`],
    ['the same in YAML', 'DJANGO_SECRET_KEY: hunter2xx', `DJANGO_SECRET_KEY: ${REDACTED}`],
    ['camel case in JSON', '{"secretKey": "Zz8xQ2ppLm"}', `{"secretKey": "${REDACTED}"}`],
    ['snake case in JSON', `{'secret_key': 'Zz8xQ2ppLm'}`, `{'secret_key': '${REDACTED}'}`],
    ['a password named in short', 'DB_PASS=hunter2xx', `DB_PASS=${REDACTED}`],
    ['the same in YAML', 'smtp_pass: hunter2xx', `smtp_pass: ${REDACTED}`],
    ["MySQL's", 'MYSQL_PWD=hunter2xx', `MYSQL_PWD=${REDACTED}`],
    [
      'an Authorization header without a scheme',
      'Authorization: abcdEFG123xyz99',
      `Authorization: ${REDACTED}`,
    ],
    [
      'the same with words after it in the line',
      'Authorization: abcdEFG123xyz99 sent by bob',
      `Authorization: ${REDACTED} sent by bob`,
    ],
    ['the same after =', 'authorization=abcdEFG123xyz99 user=bob', `authorization=${REDACTED} user=bob`],
  ])('%s: %j', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    // Already hidden before, kept so: each shape still goes.
    ['DB_PASSWORD: hunter2xx', `DB_PASSWORD: ${REDACTED}`],
    ['"apiKey": "Zz8xQ2ppLm"', `"apiKey": "${REDACTED}"`],
    ['Authorization: Bearer abcdEFG123xyz', `Authorization: Bearer ${REDACTED}`],
    ['aws_secret_access_key = abcdEFG123xyzXX', `aws_secret_access_key = ${REDACTED}`],
    ['https://user:hunter2xx@db.example.com/x', `https://user:${REDACTED}@db.example.com/x`],
  ])('still: %j', (text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    'the secret key is stored in SSM',
    'SECRET_KEY_BASE is read at boot',
    'TOKEN_TTL=3600',
    'PASSWORD_FILE=/run/secrets/db',
    'bypass=true compass: north',
    'PWD=/var/task',
    'SECRET_KEY=${SECRET_KEY}',
    'secret_key: null',
    'Authorization: required',
    'Authorization: Bearer',
    'authorization=none',
    'Authorization: AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date',
    'Authorization: GOOG4-HMAC-SHA256 SignedHeaders=host',
    'Authorization: SCRAM-SHA-256 realm=x',
    'api_key_id=abc123def456',
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("a short word after a key's or token's name is a word, not a key", () => {
  it.each([
    // Our own message about the api-key input (a switch): what the user typed must show.
    ['our message about the api-key input', 'api-key: "maybe" is not valid; expected true or false.'],
    ['the same from the CLI', '--api-key: "maybe" is not valid; expected true or false.'],
    ['a YAML setting', 'access_token: auto'],
    ['an assignment', 'API_KEY=unset'],
  ])('%s: shown', (_name, text) => {
    expect(redact(text)).toBe(text);
  });

  it.each([
    // Keys and tokens are made by machines: long, or with digits or other characters.
    ['a key of six letters', 'api-key: "abcdef"', `api-key: "${REDACTED}"`],
    ['a short key with a digit', 'api_key: abc1', `api_key: ${REDACTED}`],
    ['a short key with a symbol', 'API_KEY=ab-cd', `API_KEY=${REDACTED}`],
    // Passwords, passphrases and secrets are chosen by people: a short word is one.
    ['a short password in YAML', 'password: admin', `password: ${REDACTED}`],
    ['a short password assigned', 'DB_PASSWORD=guest', `DB_PASSWORD=${REDACTED}`],
    [
      'a short password under a short name',
      'SMTP_PASS=guest mysql_pwd: admin',
      `SMTP_PASS=${REDACTED} mysql_pwd: ${REDACTED}`,
    ],
    ['a short secret in JSON', '{"jwt_secret": "hello"}', `{"jwt_secret": "${REDACTED}"}`],
    ['a short passphrase', 'passphrase: Alpha', `passphrase: ${REDACTED}`],
  ])('%s: hidden', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });
});

describe('a field whose opening quote was cut off (a log excerpt that starts mid-line)', () => {
  it.each([
    [`AWS_SECRET_ACCESS_KEY": "${LOWER_KEY}"`, `AWS_SECRET_ACCESS_KEY": "${REDACTED}"`],
    [`SecretAccessKey":"${LOWER_KEY}"}`, `SecretAccessKey":"${REDACTED}"}`],
    [`secret_access_key" : ${LOWER_KEY},`, `secret_access_key" : ${REDACTED},`],
    [`session_token" : ${TOKEN},`, `session_token" : ${REDACTED},`],
    [`SessionToken":${TOKEN}}`, `SessionToken":${REDACTED}}`],
    [`x-api-key":"Rk7zQ2pXv9L4mN8sT1wY", "a": 1}`, `x-api-key":"${REDACTED}", "a": 1}`],
    [`X-Api-Key" : Rk7zQ2pXv9L4mN8sT1wY,`, `X-Api-Key" : ${REDACTED},`],
  ])('%s', (text, out) => {
    expect(redact(text)).toBe(out);
  });

  it('a secret key is exactly 40 characters there too', () => {
    const text = `SecretAccessKey":"${LOWER_KEY}x"`;
    expect(redact(text)).toBe(text);
  });
});

describe('API keys and Authorization headers', () => {
  it('an x-api-key value is hidden whatever it looks like (API keys are chosen by users)', () => {
    expect(redact('x-api-key: on')).toBe(`x-api-key: ${REDACTED}`);
  });

  it.each([
    ['Basic credentials', 'Authorization: Basic dXNlcjpwYXNzd29yZA==', `Authorization: Basic ${REDACTED}`],
    ['a token scheme in JSON', '{"Authorization":"token abcdefgh"}', `{"Authorization":"token ${REDACTED}"}`],
    ['a short bearer token', 'authorization=Bearer abc', `authorization=Bearer ${REDACTED}`],
    [
      'a header printed in aligned columns',
      'Authorization :  Basic   dXNlcjpwYXNzd29yZA==',
      `Authorization :  Basic   ${REDACTED}`,
    ],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it('a bearer token without its header: after any blanks, and only when it has a digit', () => {
    expect(redact('sent Bearer  abcdef0123456789xyz')).toBe(`sent Bearer  ${REDACTED}`);
    expect(redact('Bearer authentication is required')).toBe('Bearer authentication is required');
  });
});

describe('JWTs and PEM blocks', () => {
  it('a JWT without its signature (header.payload)', () => {
    expect(redact('got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0 back')).toBe(`got ${REDACTED} back`);
  });

  it.each([
    [
      'with CRLF line ends',
      `-----BEGIN RSA PRIVATE KEY-----\r\n${PEM_BODY}\r\n${PEM_BODY.slice(0, 30)}`,
      REDACTED,
    ],
    [
      'inside a string (literal \\n)',
      `key='-----BEGIN PRIVATE KEY-----\\n${PEM_BODY}\\n${PEM_BODY.slice(0, 30)}`,
      `key='${REDACTED}`,
    ],
    [
      'followed by words, which stay',
      '-----BEGIN RSA PRIVATE KEY----- was cut here',
      `${REDACTED} was cut here`,
    ],
  ])('a PEM block whose end is missing, %s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it('lineRedactor with no known values still hides a PEM block and the shapes', () => {
    const line = lineRedactor();
    expect(
      ['a', '-----BEGIN PRIVATE KEY-----', PEM_BODY, '-----END PRIVATE KEY-----', 'AKIAIOSFODNN7EXAMPLE'].map(
        line,
      ),
    ).toEqual(['a', REDACTED, REDACTED, REDACTED, REDACTED]);
  });
});

describe('the end of a cut text', () => {
  it.each([
    ['a Slack token prefix', 'slack xoxb-12', `slack ${REDACTED}`],
    ['a URL password', 'see postgres://app:S3c', `see ${REDACTED}`],
  ])('%s at the end goes', (_name, text, out) => {
    expect(redactCutTail(text)).toBe(out);
  });

  it.each([
    ['a token prefix named in prose', 'the ghp_ prefix marks a token'],
    ['a URL password already hidden', `see postgres://app:${REDACTED}@db:5432/app for details`],
  ])('%s, not at the end, stays', (_name, text) => {
    expect(redactCutTail(text)).toBe(text);
  });
});

describe("Rails' secret_key_base after its name, in each form a log prints it", () => {
  const BASE = '9f8e7d6c5b4a3928f7e6d5c4b3a29180';
  it.each([
    ['an assignment', `SECRET_KEY_BASE=${BASE}`, `SECRET_KEY_BASE=${REDACTED}`],
    ['a prefixed one', `RAILS_SECRET_KEY_BASE=${BASE} rails s`, `RAILS_SECRET_KEY_BASE=${REDACTED} rails s`],
    ['YAML', `SECRET_KEY_BASE: ${BASE}`, `SECRET_KEY_BASE: ${REDACTED}`],
    ['JSON', `{"secret_key_base": "${BASE}"}`, `{"secret_key_base": "${REDACTED}"}`],
    ['camel case in JSON', `{"secretKeyBase": "${BASE}"}`, `{"secretKeyBase": "${REDACTED}"}`],
    // A secret's name: people choose it, a short word too.
    ['a short word', 'secret_key_base=hello', `secret_key_base=${REDACTED}`],
  ])('%s: %j', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });
});

describe("a key of a secret's kind after its name (as isSecretName knows it), in each form", () => {
  it.each([
    [
      "Rails' master key",
      'RAILS_MASTER_KEY=0123456789abcdef0123456789abcdef',
      `RAILS_MASTER_KEY=${REDACTED}`,
    ],
    ["Laravel's app key", 'APP_KEY=base64:Zk3j2Ls9Qp0xxQZk3j2Ls9Qp0=', `APP_KEY=${REDACTED}`],
    ['YAML', 'signing_key: Zk3j2Ls9Qp0xx', `signing_key: ${REDACTED}`],
    ['camel case in JSON', '{"encryptionKey": "Zk3j2Ls9Qp0xx"}', `{"encryptionKey": "${REDACTED}"}`],
  ])('%s: %j', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each(['CACHE_KEY=user-1234', 'S3_KEY: uploads/2026/a.png', 'SORT_KEY=created9', 'MONKEY=banana7'])(
    'a key that names data stays: %j',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});

describe('a count of passing tests after `tests_pass` is no password', () => {
  it.each([
    'tests_pass=12 tests_fail=0',
    'unit_tests_pass=3',
    'checks_pass: 7',
    '{"tests_pass": 12, "specs_pass": 40}',
  ])('stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });

  it.each([
    // A PIN-like password is digits too: only a count of tests' name makes digits a count.
    ['a numeric password', 'DB_PASS=1234', `DB_PASS=${REDACTED}`],
    ["a test user's password (singular)", 'TEST_PASS=1234', `TEST_PASS=${REDACTED}`],
    ['not a count', 'tests_pass=hunter2', `tests_pass=${REDACTED}`],
    ['a name that only ends like one', 'contests_pass=1234', `contests_pass=${REDACTED}`],
  ])('%s: hidden', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });
});

describe('a signed request: a presigned URL is a bearer credential until it expires', () => {
  const SIG4 = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
  it('a SigV4 presigned URL keeps its algorithm, date, expiry and signed headers, not its credential, token or signature', () => {
    const url =
      'https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
      '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261207%2Fus-east-1%2Fs3%2Faws4_request' +
      '&X-Amz-Date=20261207T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host' +
      `&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F%2FwEaCXVz&X-Amz-Signature=${SIG4}`;
    expect(redact(`GET ${url} 200`)).toBe(
      'GET https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        `&X-Amz-Credential=${REDACTED}&X-Amz-Date=20261207T000000Z&X-Amz-Expires=3600` +
        `&X-Amz-SignedHeaders=host&X-Amz-Security-Token=${REDACTED}&X-Amz-Signature=${REDACTED} 200`,
    );
  });

  it.each([
    ['in lower case', `x-amz-signature=${SIG4}&x`, `x-amz-signature=${REDACTED}&x`],
    [
      'a SigV2 presigned URL',
      '?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1700000000&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D',
      `?AWSAccessKeyId=${REDACTED}&Expires=1700000000&Signature=${REDACTED}`,
    ],
    [
      'a CloudFront signed URL',
      '?Expires=1700000000&Signature=Nql641NHEUkUaXQHZINK1FZ~SYeUSoBJMxjdgqrzIdzV2gyEXPDNv0pYdWJkflDKJ3xIu7lbwRpSkG98NBlgPi4ZJpRRnVX4kXAJK6tdNx6FucDB7OVqzcxkxHsGFd8VCG1BkC-Afh9~lOCMIYHIaiOB6~5jt9w2EOwi6sIIqrg_&Key-Pair-Id=K2JCJMDEHXQW5F',
      `?Expires=1700000000&Signature=${REDACTED}&Key-Pair-Id=K2JCJMDEHXQW5F`,
    ],
    ['a GCS signed URL', `?X-Goog-Signature=${SIG4}`, `?X-Goog-Signature=${REDACTED}`],
    [
      'a SigV4 Authorization header',
      `Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261207/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG4}`,
      `Authorization: AWS4-HMAC-SHA256 Credential=${REDACTED}, SignedHeaders=host;x-amz-date, Signature=${REDACTED}`,
    ],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    'Signature=valid',
    'signature=none',
    // Short: an algorithm's name, a version.
    'signature=sha256',
    'X-Amz-SignedHeaders=host;x-amz-date',
    'check Signature=verification-failed',
    'the request signature we calculated does not match the signature you provided',
    'mySignature=abcdef0123456789abcdef',
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("a Cookie header's values: a session cookie is a bearer credential", () => {
  it.each([
    ['a request header', 'Cookie: sessionid=Zk3j2Ls9Qp0xx; csrftoken=abc', `Cookie: ${REDACTED}`],
    ['a response header', 'Set-Cookie: sid=Zk3j2Ls9Qp0xx; Path=/; HttpOnly', `Set-Cookie: ${REDACTED}`],
    ["curl's", "curl -H 'cookie: a=b' https://x", `curl -H 'cookie: ${REDACTED}' https://x`],
    ['JSON headers', '{"Cookie": "session=k3y9", "Host": "x"}', `{"Cookie": "${REDACTED}", "Host": "x"}`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each(['cookie: none set', 'Cookie:', 'no cookie: the session expired', 'document.cookie = x'])(
    'ordinary text stays (no name=value): %j',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});

describe('an AWS session token in a signed request header (an SDK wire trace)', () => {
  const TOKEN = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVz';
  it.each([
    [`x-amz-security-token: ${TOKEN}`, `x-amz-security-token: ${REDACTED}`],
    [`X-Amz-Security-Token:${TOKEN}`, `X-Amz-Security-Token:${REDACTED}`],
  ])('%s', (text, out) => {
    expect(redact(text)).toBe(out);
  });
});

describe('package registry tokens by their prefixes (an .npmrc, a PyPI upload, a private index)', () => {
  const NPM = 'npm_Abcdef1234567890abcdefABCDEF123456';
  const PYPI = 'pypi-AgEIcHlwaS5vcmcCJGE0ZjQ5ZTc2LWI2YjEtNDg3';
  const GITLAB = 'glpat-Abcdef1234567890abcd';
  it.each([
    ['an npm token', `token ${NPM} used`, `token ${REDACTED} used`],
    ['a PyPI token', `uv publish --token ${PYPI}`, `uv publish --token ${REDACTED}`],
    ['a GitLab token', `PRIVATE-TOKEN: ${GITLAB}`, `PRIVATE-TOKEN: ${REDACTED}`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each(['npm_config_cache=/tmp/npm', 'pypi-simple index', 'the glpat- prefix marks a token'])(
    'ordinary text stays: %j',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );

  it.each([
    ['npm', 'token npm_Abc12'],
    ['PyPI', 'token pypi-AgEIcHl'],
    ['GitLab', 'token glpat-Abc1'],
  ])("a %s token's start at the end of a cut text goes", (_name, text) => {
    expect(redactCutTail(text)).toBe(`token ${REDACTED}`);
  });

  it.each(['env npm_config_cache', 'env npm_package_name'])(
    "npm's own variable at the end of a cut text stays: %j",
    (text) => {
      expect(redactCutTail(text)).toBe(text);
    },
  );
});

describe("a count after `tests_pass` is shown only under a count's whole name", () => {
  it.each([
    // A password of the tests' database or the tests' user is digits too: its name is no count's.
    ["a database's", 'DB_TESTS_PASS=1234', `DB_TESTS_PASS=${REDACTED}`],
    ["MySQL's in YAML", 'mysql_tests_pass: 123456', `mysql_tests_pass: ${REDACTED}`],
    ['a count word inside a longer name', 'tests_pass.db_pass=1234', `tests_pass.db_pass=${REDACTED}`],
  ])('%s: hidden', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each(['e2e_tests_pass=3', 'integration-tests-pass: 41', 'smoke_checks_pass=2'])(
    "a test kind's count stays: %j",
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});

describe('a quoted cookie value (RFC 6265 allows one) goes whole', () => {
  it.each([
    ['a request header', 'Cookie: sid="Zk3j2Ls9Qp0xx"; theme=dark', `Cookie: ${REDACTED}`],
    ['a response header', 'Set-Cookie: sid="Zk3j2Ls9Qp0xx"; Path=/', `Set-Cookie: ${REDACTED}`],
    ['in JSON', '{"cookie": "sid=\\"Zk3j2Ls9Qp0xx\\"; a=1", "x": 1}', `{"cookie": "${REDACTED}", "x": 1}`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });
});

describe("a Python SDK's wire trace prints header values as bytes (b'...')", () => {
  it.each([
    [
      'a session token',
      `{'X-Amz-Security-Token': b'${TOKEN}', 'X-Amz-Date': b'20261207T000000Z'}`,
      `{'X-Amz-Security-Token': b'${REDACTED}', 'X-Amz-Date': b'20261207T000000Z'}`,
    ],
    ['a cookie', "{'Cookie': b'sid=Zk3j2Ls9Qp0xx'}", `{'Cookie': b'${REDACTED}'}`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });
});

describe('a presigned URL inside another, URL-encoded (a redirect, a `next` parameter)', () => {
  const SIG4 = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
  it.each([
    [
      'its signature',
      `?next=https%3A%2F%2Fb.s3.amazonaws.com%2Fk%3FX-Amz-Date%3D20261207T000000Z%26X-Amz-Signature%3D${SIG4}%26x%3D1 200`,
      `?next=https%3A%2F%2Fb.s3.amazonaws.com%2Fk%3FX-Amz-Date%3D20261207T000000Z%26X-Amz-Signature%3D${REDACTED}%26x%3D1 200`,
    ],
    ['in lower case', `signature%3d${SIG4}`, `signature%3d${REDACTED}`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it('a plain word stays: signature%3Dvalid', () => {
    expect(redact('signature%3Dvalid')).toBe('signature%3Dvalid');
  });
});

describe('JSON inside a JSON string (an event body, a logged payload): its quotes escaped', () => {
  it.each([
    [
      "Rails' secret_key_base",
      '"body": "{\\"secret_key_base\\": \\"9f8e7d6c5b4a3928f7e6d5c4b3a29180\\", \\"a\\": 1}"',
      `"body": "{\\"secret_key_base\\": \\"${REDACTED}\\", \\"a\\": 1}"`,
    ],
    ['a password', '{\\"password\\": \\"hunter2\\"}', `{\\"password\\": \\"${REDACTED}\\"}`],
    ['an app key', "{\\'app_key\\': \\'Zk3j2Ls9Qp0\\'}", `{\\'app_key\\': \\'${REDACTED}\\'}`],
    // An escaped backslash is the value's: only an escaped quote ends it.
    ['a password with a backslash', String.raw`{"password": "ab\\cd12"}`, `{"password": "${REDACTED}"}`],
    ['a password ending in a backslash', String.raw`{"password": "ab12\\"}`, `{"password": "${REDACTED}"}`],
    [
      'a password with a backslash, escaped again',
      String.raw`{\"password\": \"ab\\\\cd\"}`,
      String.raw`{\"password\": \"***\"}`,
    ],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });
});
