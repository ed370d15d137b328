import { describe, expect, it } from '@jest/globals';
import { cutText, isSecretName, lineRedactor, redact, redactCutTail } from '../../src/util/redact.js';

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('redact', () => {
  it.each([
    ['a long-term access key id', 'key AKIAIOSFODNN7EXAMPLE used', 'key *** used'],
    ['a temporary access key id', 'ASIAY34FZKBOKMUTVV7A', '***'],
    ['not an access key id (too short)', 'AKIA1234', 'AKIA1234'],
    ['a secret key in ini form', `aws_secret_access_key = ${SECRET_KEY}`, 'aws_secret_access_key = ***'],
    ['a secret key in env form', `AWS_SECRET_ACCESS_KEY=${SECRET_KEY}`, 'AWS_SECRET_ACCESS_KEY=***'],
    ['a secret key in JSON (STS)', `{"SecretAccessKey": "${SECRET_KEY}"}`, '{"SecretAccessKey": "***"}'],
    [
      'a session token',
      'aws_session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJH',
      'aws_session_token=***',
    ],
    ['a 40-character word without a key name stays', `sha ${'a'.repeat(40)}`, `sha ${'a'.repeat(40)}`],
    ['an x-api-key header', 'x-api-key: Rk7zQ2pXv9L4mN8sT1wY', 'x-api-key: ***'],
    ['an x-api-key in JSON', '{"x-api-key":"Rk7zQ2pXv9L4mN8sT1wY","a":1}', '{"x-api-key":"***","a":1}'],
    ['an x-api-key header, any case', 'X-Api-Key=abc123def', 'X-Api-Key=***'],
    ['a GitHub token', 'token ghs_16C7e42F292c6912E7710c838347Ae178B4a in use', 'token *** in use'],
    ['a bearer header', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y', 'Authorization: Bearer ***'],
    [
      'ordinary text',
      'Deployed version 4 to https://x.example.com/pr-12',
      'Deployed version 4 to https://x.example.com/pr-12',
    ],
  ])('%s', (_name, input, output) => {
    expect(redact(input)).toBe(output);
  });

  it.each([
    [
      'a listed secret anywhere',
      'db=hunter2-prod; again hunter2-prod',
      ['hunter2-prod'],
      'db=***; again ***',
    ],
    ['regex characters in a secret', 'p=a.b*c+d(e)', ['a.b*c+d(e)'], 'p=***'],
    ['the longer of two overlapping secrets whole', 'x=abcdef123456', ['abcdef', 'abcdef123456'], 'x=***'],
    // Alternation resumes after the first match: `456xyz`, most of the second secret, would show.
    [
      'two secrets that overlap where they meet, both whole',
      'k=abcdef123456xyz;',
      ['abcdef123', '123456xyz'],
      'k=***;',
    ],
    ['a secret inside another, the outer one whole', 'k=zz-abcdef-zz', ['zz-abcdef-zz', 'abcdef'], 'k=***'],
    ['a value under 3 characters is ignored', 'the ok of 42', ['ok', '42'], 'the ok of 42'],
    ['empty and undefined are ignored', 'text', ['', undefined], 'text'],
  ])('%s', (_name, input, secrets, output) => {
    expect(redact(input, secrets)).toBe(output);
  });

  // Shapes nobody told us about: the function's logs and answers carry them.
  const JWT =
    'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyZXBvOm9jdG8vc3ZjIiwiYXVkIjoic3RzIn0.c2lnbmF0dXJlLWJ5dGVz';
  const PEM_BODY = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun';
  it.each([
    ['a JWT', `token=${JWT}`, 'token=***'],
    ['a JWT in a sentence', `got ${JWT} from the endpoint`, 'got *** from the endpoint'],
    [
      'a PEM block across lines',
      `key:\n-----BEGIN RSA PRIVATE KEY-----\n${PEM_BODY}\n${PEM_BODY}\n-----END RSA PRIVATE KEY-----\ndone`,
      'key:\n***\ndone',
    ],
    [
      'a PEM block inside a Python repr (literal \\n)',
      `ValueError: bad key '-----BEGIN PRIVATE KEY-----\\n${PEM_BODY}\\n-----END PRIVATE KEY-----\\n'`,
      "ValueError: bad key '***\\n'",
    ],
    [
      'a PEM block whose end is missing',
      `-----BEGIN EC PRIVATE KEY-----\n${PEM_BODY}\n${PEM_BODY.slice(0, 20)}`,
      '***',
    ],
    [
      'a URL with a password',
      'postgres://app:S3cr3t-pw@db.internal:5432/app',
      'postgres://app:***@db.internal:5432/app',
    ],
    ['a URL with only a password', 'redis://:onlypass1@cache:6379', 'redis://:***@cache:6379'],
    [
      'a URL whose password holds an unencoded @ (URL parsers read up to the last one)',
      'pip: https://bot:p@ss-w0rd@pypi.corp.example/simple x@y',
      'pip: https://bot:***@pypi.corp.example/simple x@y',
    ],
    [
      'a URL with a token as its user',
      'pip install -i https://1a2B3c4D5e6F7g8H@pypi.fury.io/acme/ x',
      'pip install -i https://***@pypi.fury.io/acme/ x',
    ],
    [
      'a URL with an ordinary user name',
      'ssh://git@github.com/o/r.git and https://deploy-bot@host/x',
      'ssh://git@github.com/o/r.git and https://deploy-bot@host/x',
    ],
    ['a bare AWS secret access key', `got ${SECRET_KEY}.`, 'got ***.'],
    [
      'a commit hash is no secret key',
      `commit ${'0123456789abcdef'.repeat(2)}01234567`,
      `commit ${'0123456789abcdef'.repeat(2)}01234567`,
    ],
    [
      'a code-sha256 is no secret key',
      'sha 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
      'sha 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
    ],
    ['a classic GitHub token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a', '***'],
    ['a fine-grained GitHub token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv', '***'],
    ['a Stripe secret key', 'stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'stripe ***'],
    ['a Stripe restricted test key', 'rk_test_51H8abcdefghijklmn', '***'],
    ['a Stripe webhook secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '***'],
    ['a Slack bot token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', '***'],
    [
      'a Slack webhook',
      'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXX',
      'https://hooks.slack.com/services/***',
    ],
    [
      'an upper-case session token assignment',
      'AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEJr//////////wEaCXVz',
      'AWS_SESSION_TOKEN=***',
    ],
    ['a password assignment', 'DB_PASSWORD=hunter2 user=app', 'DB_PASSWORD=*** user=app'],
    [
      'a password in a Python dict',
      "{'password': 'p4ss!', 'user': 'app'}",
      "{'password': '***', 'user': 'app'}",
    ],
    ['a client secret in YAML form', 'client_secret: abcDEF123', 'client_secret: ***'],
    ['a token in a query string', 'GET /cb?token=abc123&x=1', 'GET /cb?token=***&x=1'],
    ['a bare bearer token', 'sent Bearer abcdef0123456789xyz', 'sent Bearer ***'],
    // Our own words next to those names stay readable.
    [
      'permissions text',
      'add `permissions: id-token: write` to the job',
      'add `permissions: id-token: write` to the job',
    ],
    [
      'an input named after a key',
      'expected api-key: true with gateway: rest-api',
      'expected api-key: true with gateway: rest-api',
    ],
    [
      'a sentence about the token',
      'the token lacks `pull-requests: write`',
      'the token lacks `pull-requests: write`',
    ],
  ])('finds %s', (_name, input, output) => {
    expect(redact(input)).toBe(output);
  });
});

// The gatherer (secretValues) lets a value shorter than MIN_SECRET_LENGTH in only when its name or its
// source makes it a secret (DB_PASSWORD=admin): hidden where it stands as a word, not inside a longer one.
describe('a short known value (a secret by its name)', () => {
  it.each([
    [
      'alone and in punctuation',
      'admin; "admin", (admin) user=admin.',
      ['admin'],
      '***; "***", (***) user=***.',
    ],
    [
      'not inside a longer word',
      'administrator sysadmin admin_ro admin2 admin',
      ['admin'],
      'administrator sysadmin admin_ro admin2 ***',
    ],
    [
      'not inside a longer number or code',
      'k3y9 k3y99 xk3y9 9k3y9 k3y9',
      ['k3y9'],
      '*** k3y99 xk3y9 9k3y9 ***',
    ],
    [
      'a number of its own, not part of a decimal one',
      'took 123 ms, 1234 bytes, 0.123 s, 123.5, 10,123 or 123.',
      ['123'],
      'took *** ms, 1234 bytes, 0.123 s, 123.5, 10,123 or ***.',
    ],
    ['next to letters of other scripts', 'émoi émoiX moi', ['moi'], 'émoi émoiX ***'],
    ['regular expression characters taken literally', 'p=a.b* axb* xa.b*', ['a.b*'], 'p=*** axb* xa.b*'],
    [
      'after an escape of a blank or a symbol: URL-encoded, JSON-escaped, a terminal colour',
      'next=%2Flogin%3Fpw%3Dadmin%26x q=%22admin%22 hi%20admin "a\\nadmin" "b\\tadmin" "c\\u003dadmin" \x1b[1madmin\x1b[0m \x1b[38;2;255;100;0madmin',
      ['admin'],
      'next=%2Flogin%3Fpw%3D***%26x q=%22***%22 hi%20*** "a\\n***" "b\\t***" "c\\u003d***" \x1b[1m***\x1b[0m \x1b[38;2;255;100;0m***',
    ],
    [
      'not after an escape of a letter (`é` continues the word)',
      'caf%C3%A9admin x%41admin "\\u00e9admin"',
      ['admin'],
      'caf%C3%A9admin x%41admin "\\u00e9admin"',
    ],
    ['a value of symbols alone', 'x(?) x(.) (?)', ['(?)'], 'x*** x(.) ***'],
    ['a value ending in a symbol, by the word it starts', 'p@s! xp@s! p@s!x', ['p@s!'], '*** xp@s! ***x'],
    [
      'a long value still anywhere, beside a short one',
      'hunter2-prod inside xhunter2-prodx; pin 4242',
      ['hunter2-prod', '4242'],
      '*** inside x***x; pin ***',
    ],
  ])('%s', (_name, input, secrets, output) => {
    expect(redact(input, secrets)).toBe(output);
  });

  it('a cut text keeps no first letters of a short secret, and cuts no other word', () => {
    expect(redactCutTail('password is adm', ['admin'])).toBe('password is ***');
    expect(redactCutTail('ask the sysadm', ['admin'])).toBe('ask the sysadm');
  });
});

describe('a short secret and the endpoints a deploy makes (none holds a secret)', () => {
  it.each([
    'URL: https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/pr-12',
    'GET https://abcdefghij0123456789abcdefghij01.lambda-url.us-east-1.on.aws/api -> 200',
    'https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn',
    'serving at http://127.0.0.1:8080/api',
  ])('leaves the host whole, and still hides the word elsewhere: %s', (line) => {
    const secrets = ['api', 'east', 'north', 'aws', 'com', 'cn', 'url', '127'];
    expect(redact(`${line} (api east aws)`, secrets)).toBe(
      `${line.replace(/\/api\b/, '/***')} (*** *** ***)`,
    );
  });

  // A function's log or a smoke answer prints what its code chooses: a host's labels that could carry a value
  // (the API's id, a region that is none, a port) are no words of ours, so a short secret there is hidden.
  it.each([
    ['https://admin.execute-api.us-east-1.amazonaws.com', 'https://***.execute-api.us-east-1.amazonaws.com'],
    ['https://x.lambda-url.admin.on.aws/', 'https://x.lambda-url.***.on.aws/'],
    ['https://x.execute-api.us-admin-1.amazonaws.com', 'https://x.execute-api.us-***-1.amazonaws.com'],
    ['https://x.execute-api.admin.amazonaws.com.cn', 'https://x.execute-api.***.amazonaws.com.cn'],
    ['http://127.0.0.1:1234/x', 'http://127.0.0.1:***/x'],
  ])('hides a short secret in a label that could carry it: %s', (line, shown) => {
    expect(redact(line, ['admin', '1234'])).toBe(shown);
  });

  it("leaves the stage's own URL whole, its stage path too, but not a label a report's JSON could choose", () => {
    const own = 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev';
    expect(redact(`${own} dev`, ['dev', 'east'], [own])).toBe(`${own} ***`);
    const chosen = 'https://admin.execute-api.us-east-1.amazonaws.com/dev';
    expect(redact(chosen, ['admin', 'dev'], [chosen])).toBe(
      'https://***.execute-api.us-east-1.amazonaws.com/dev',
    );
    expect(redact('http://127.0.0.1:1234', ['1234'], ['http://127.0.0.1:1234'])).toBe('http://127.0.0.1:***');
  });

  it('hides a long value in a host as before: the runner masks it there too', () => {
    expect(redact('https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com', ['a1b2c3d4e5'])).toBe(
      'https://***.execute-api.us-east-1.amazonaws.com',
    );
  });

  it("a host that only looks like one (another's domain after it) is no endpoint", () => {
    expect(redact('https://x.execute-api.us-east-1.amazonaws.com.evil.example', ['east'])).toBe(
      'https://x.execute-api.us-***-1.amazonaws.com.evil.example',
    );
  });
});

describe('isSecretName: a variable or a parameter whose value is a secret', () => {
  it.each([
    'DB_PASSWORD',
    'PGPASSWORD',
    'db_passwd',
    'GPG_PASSPHRASE',
    'CLIENT_SECRET',
    'NEXTAUTH_SECRET',
    'GITHUB_TOKEN',
    'API_KEY',
    'apikey',
    'x-api-key',
    'PRIVATE_KEY',
    'AWS_ACCESS_KEY',
    'GOOGLE_CREDENTIALS',
    'STRIPE_SECRET_KEY',
    'LICENSE_KEY',
    'SMTP_PASS',
    'MYSQL_PWD',
    'token',
    // A key whose kind says it is a secret's, in any case or spelling.
    'SECRET_KEY',
    'SIGNING_KEY',
    'signingKey',
    'ENCRYPTION_KEY',
    'MASTER_KEY',
    'APP_KEY',
    'CLIENT_KEY',
    'SSH_KEY',
    'HMAC_KEY',
    // A PIN, a passcode, a pepper or salt, `_PW`, and a password's short names in camelCase.
    'PIN',
    'USER_PIN',
    'cardPin',
    'PASSCODE',
    'DB_PASSCODE',
    'DB_PW',
    'dbPass',
    'userPwd',
    'APP_SECRETS',
    'AUTH_SALT',
    'PEPPER',
    // A numbered one (a second password, a key being rotated).
    'PASSWORD2',
    'DB_PASSWORD_1',
    'API_KEY_2',
    // Any case or separator.
    'db_password',
    'dbPassword',
    'Db-Password',
    'WEBHOOK_SECRET',
    'COOKIE_SECRET',
    'OPENAI_API_KEY',
    'AUTH',
    'BASIC_AUTH',
    'SMTP_AUTH',
    // Rails' secret_key_base, alone or after a prefix, in any spelling.
    'SECRET_KEY_BASE',
    'RAILS_SECRET_KEY_BASE',
    'secretKeyBase',
  ])('%s is', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each([
    'LEVEL',
    'DEBUG',
    'TOKEN_TTL',
    'PASSWORD_FILE',
    'SECRET_NAME',
    'BYPASS',
    'COMPASS',
    'MONKEY',
    'KEYS',
    'SPIN',
    'PINNED',
    'PIN_COUNT',
    'bypass',
    'byPassword_count',
    'SALTY',
    'KEY_2',
    'PORT_8080',
    // A bare key, or one that names a piece of data: a short value of one is a word (`api`, `data`, `name`).
    'key',
    'KEY',
    'CACHE_KEY',
    'S3_KEY',
    'SORT_KEY',
    'PARTITION_KEY',
    'OBJECT_KEY',
    'cacheKey',
    'PUBLIC_KEY',
    'AUTH_TYPE',
    'OAUTH_PROVIDER',
    '',
  ])('%j is not', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe('a secret cut by truncation', () => {
  it('does not leave the first half of a known secret at the end', () => {
    expect(redactCutTail('password is correct horse bat', ['correct horse battery staple'])).toBe(
      'password is ***',
    );
  });

  it('does not leave the start of a token shape at the end', () => {
    expect(redactCutTail('token ghp_16C7e42F29')).toBe('token ***');
    expect(redactCutTail('jwt eyJhbGciOiJSUzI1NiIsInR5')).toBe('jwt ***');
    expect(redactCutTail('db postgres://app:S3cr')).toBe('db ***');
  });

  it('leaves an ordinary ending alone', () => {
    expect(redactCutTail('the handler raised ValueError', ['correct horse battery'])).toBe(
      'the handler raised ValueError',
    );
  });

  it('cutText cuts after redacting, and never shows the part of a secret before the cut', () => {
    const secret = 'Zq8-very-long-database-password';
    const text = `connect failed for ${secret} at db`;
    // The cut falls in the middle of the secret: as a whole it was redacted first.
    const cut = cutText(redact(text, [secret]), 24, [secret]);
    expect(cut).not.toContain('Zq8');
    expect(cutText(text, 24, [secret])).toBe('connect failed for ***… (32 more characters)');
  });
});

describe('cutText and characters outside the BMP', () => {
  it('never cuts between the two halves of an emoji: a lone half is not text', () => {
    const cut = cutText(`${'x'.repeat(9)}😀 tail`, 10);
    expect(cut).toBe(`${'x'.repeat(9)}… (7 more characters)`);
    expect(cutText(`${'x'.repeat(8)}😀 tail`, 10)).toBe(`${'x'.repeat(8)}😀… (5 more characters)`);
  });
});

describe("lineRedactor (a function's live output, one line at a time)", () => {
  it('hides the body lines of a PEM block, which carry no marker of their own, and the known values', () => {
    const clean = lineRedactor(['Pg-Secret-771']);
    const lines = [
      'key is',
      '-----BEGIN PRIVATE KEY-----',
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
      '-----END PRIVATE KEY-----',
      'password Pg-Secret-771 after',
    ].map(clean);
    expect(lines).toEqual(['key is', '***', '***', '***', 'password *** after']);
  });
});
