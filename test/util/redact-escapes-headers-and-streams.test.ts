/**
 * Secret shapes behind one more escape or under another name: `&` as JSON's `\u0026`, an assignment URL-encoded
 * three times, httpie's bearer token, a Python keyword argument's signature, webhooks' signature headers, a
 * GitLab token header's value in one case, curl's -u far along or on a continued line; the live redactor's state
 * per stream; and the ordinary text beside each that stays. Then what their review found: npm's `(protected)`
 * before a value, GitLab tokens taken for a host's name or for words, an option and its value on either side of a
 * continued line, and the streams remembered.
 */
import { describe, expect, it } from '@jest/globals';
import { MAX_OPEN_STREAMS, redact, redactCutTail, REDACTED, streamRedactor } from '../../src/util/redact.js';

const SIG4 = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
const SHA1 = 'da52005e3b1c9f8a7d6e5f4a3b2c1d0e9f8a7b6c';

describe("JSON's `\\u0026` for `&` (.NET's and Go's encoders) before a signature", () => {
  it.each([
    [
      'an Azure SAS URL in JSON',
      '{"url":"https://acct.blob.core.windows.net/c/b?sv=2022-11-02\\u0026se=2026-12-08\\u0026sig=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA%3D%3D\\u0026sp=r"}',
      `{"url":"https://acct.blob.core.windows.net/c/b?sv=2022-11-02\\u0026se=2026-12-08\\u0026sig=${REDACTED}\\u0026sp=r"}`,
    ],
    [
      "a CloudFront URL's Signature",
      `"u":"https://d1.cloudfront.net/a?Expires=1700000000\\u0026Signature=${SIG4}\\u0026Key-Pair-Id=K2JCJMDEHXQW5F"`,
      `"u":"https://d1.cloudfront.net/a?Expires=1700000000\\u0026Signature=${REDACTED}\\u0026Key-Pair-Id=K2JCJMDEHXQW5F"`,
    ],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each(['"q":"a=1\\u0026sig=valid"', '"q":"a=1\\u0026signature=verification-failed"'])(
    'ordinary text stays: %j',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});

describe('an assignment URL-encoded three times: %25253D for =, up to %252526', () => {
  it.each([
    [
      'a password',
      'next=%2Fcb%253Fx%253D1%2526password%25253DHunter2secret%252526y%25253D2',
      `next=%2Fcb%253Fx%253D1%2526password%25253D${REDACTED}%252526y%25253D2`,
    ],
    [
      'a token up to an outer %2526',
      'r=%25253Ftoken%25253Dabc123def%2526a',
      `r=%25253Ftoken%25253D${REDACTED}%2526a`,
    ],
    [
      'in lower case',
      'q=x%252526password%25253dhunter2%252526y',
      `q=x%252526password%25253d${REDACTED}%252526y`,
    ],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each(['token%25253Dtrue', 'password%25253D%252526x', 'user%25253Dbob%252526x'])(
    'ordinary text stays: %j',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});

describe("httpie's bearer token: -a after -A bearer", () => {
  const TOKEN = 'ghz8Kq2LmN4pX7vR9sT1';
  it.each([
    [
      `http -A bearer -a ${TOKEN} https://api.example.com`,
      `http -A bearer -a ${REDACTED} https://api.example.com`,
    ],
    [
      `http --auth-type=bearer --auth=${TOKEN} GET https://api.example.com`,
      `http --auth-type=bearer --auth=${REDACTED} GET https://api.example.com`,
    ],
    [
      `https --auth-type bearer --auth "${TOKEN}" api.example.com`,
      `https --auth-type bearer --auth "${REDACTED}" api.example.com`,
    ],
    [`http -v -A bearer -a '${TOKEN}' :8080/x`, `http -v -A bearer -a '${REDACTED}' :8080/x`],
    // The token before its type.
    [
      `http -a ${TOKEN} -A bearer https://api.example.com`,
      `http -a ${REDACTED} -A bearer https://api.example.com`,
    ],
    [
      `http --auth ${TOKEN} -v --auth-type=bearer POST :8080/x a=1`,
      `http --auth ${REDACTED} -v --auth-type=bearer POST :8080/x a=1`,
    ],
  ])('%s', (text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    'http -a alice https://api.example.com',
    'http -A bearer -a $API_TOKEN https://api.example.com',
    'http -A digest -a alice https://api.example.com',
    'use http -A bearer -a <token> to call it',
    'http -a alice -A digest https://api.example.com',
    // Past 10 arguments after it, `-A bearer` is not looked for.
    `http -a alice ${'x=1 '.repeat(11)}-A bearer`,
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("a Python keyword argument's signature, as the JSON field's", () => {
  it.each([
    [
      'in a traceback',
      `  File "app.py", line 9, in verify(body, signature='${SIG4}')`,
      `  File "app.py", line 9, in verify(body, signature='${REDACTED}')`,
    ],
    ['double quotes, SHA-1', `Webhook(signature="${SHA1}", id=7)`, `Webhook(signature="${REDACTED}", id=7)`],
    ['after its digest name', `check(signature='sha256=${SIG4}')`, `check(signature='sha256=${REDACTED}')`],
    // The JSON field hides the same 40 hex: the two agree.
    ['a JSON field, SHA-1', `{"signature": "${SHA1}"}`, `{"signature": "${REDACTED}"}`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    "Request(signature='valid')",
    'Request(signature=None)',
    "Request(signature='signatureVerificationFailedForRequest')",
    `Request(signature='${'a1'.repeat(15)}')`,
    `Request(digest='${SIG4}')`,
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("webhooks' signature headers under their vendors' names", () => {
  it.each([
    ["GitHub's SHA-256", `x-hub-signature-256: sha256=${SIG4}`, `x-hub-signature-256: sha256=${REDACTED}`],
    ["GitHub's SHA-1", `X-Hub-Signature: sha1=${SHA1}`, `X-Hub-Signature: sha1=${REDACTED}`],
    [
      'in a Python dict',
      `{'X-Hub-Signature-256': 'sha256=${SIG4}', 'X-GitHub-Event': 'push'}`,
      `{'X-Hub-Signature-256': 'sha256=${REDACTED}', 'X-GitHub-Event': 'push'}`,
    ],
    [
      "Stripe's, every scheme's value; the timestamp stays",
      `Stripe-Signature: t=1492774577,v1=${SIG4},v0=${SIG4.replace('f', 'a')}`,
      `Stripe-Signature: t=1492774577,v1=${REDACTED},v0=${REDACTED}`,
    ],
    [
      "Stripe's during a secret's rolling (two v1)",
      `"stripe-signature": "t=1492774577,v1=${SIG4},v1=${SIG4.replace('f', 'b')}"`,
      `"stripe-signature": "t=1492774577,v1=${REDACTED},v1=${REDACTED}"`,
    ],
    ["Slack's", `X-Slack-Signature: v0=${SIG4}`, `X-Slack-Signature: v0=${REDACTED}`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    'X-Hub-Signature-256: sha256=invalid',
    'x-hub-signature-256 header missing',
    'Stripe-Signature: t=1492774577',
    'No signatures found matching the expected signature for payload',
    `image v1=${SIG4.slice(0, 40)}`,
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('a GitLab token header: a token in one case without digits; words stay', () => {
  it.each([
    ['PRIVATE-TOKEN: abcdefghijklmnopqrst', `PRIVATE-TOKEN: ${REDACTED}`],
    ['JOB-TOKEN: ABCDEFGHIJKLMNOPQRSTU', `JOB-TOKEN: ${REDACTED}`],
    ["{'PRIVATE-TOKEN': 'qwertyuiopasdfghjklz'}", `{'PRIVATE-TOKEN': '${REDACTED}'}`],
  ])('%s', (text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    'PRIVATE-TOKEN: NotSet',
    'PRIVATE-TOKEN: YourAccessTokenHere',
    'JOB-TOKEN: notSet',
    'PRIVATE-TOKEN: Not-Set',
    'PRIVATE-TOKEN: YOUR_TOKEN_HERE',
    'PRIVATE-TOKEN: required',
    'JOB-TOKEN: MISSING',
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("curl's -u far along its arguments or on a line a `\\` continues", () => {
  const HEADERS = Array.from({ length: 35 }, (_, i) => `-H x${i}:1`).join(' ');
  it.each([
    [
      'after 70 arguments',
      `curl ${HEADERS} -u bob:Hunter2pw https://x`,
      `curl ${HEADERS} -u bob:${REDACTED} https://x`,
    ],
    [
      'on a continued line',
      'curl \\\n  -u bob:Hunter2pw https://x',
      `curl \\\n  -u bob:${REDACTED} https://x`,
    ],
    [
      "Lambda's \\r for a newline, CRLF, and options before",
      'curl -fsS \\\r  -H a:b \\\r\n  --user bob:Hunter2pw \\\r  https://x',
      `curl -fsS \\\r  -H a:b \\\r\n  --user bob:${REDACTED} \\\r  https://x`,
    ],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    // A line that no `\` continues is another command's.
    'curl https://x\nsort -u a:b',
    // Past 80 arguments, none is looked at.
    `curl ${'-H a:b '.repeat(41)}-u bob:Hunter2pw`,
  ])('stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('over-redaction: ordinary text that stays', () => {
  it.each([
    'host glagent-production-cluster-01 ready',
    'connecting to glagent-production-cluster-01.internal:443',
    'gldt-staging-deploy-runner-pool-02',
    '//registry.npmjs.org/:_authToken = (protected)',
    '_authToken = (protected)',
  ])('%j', (text) => {
    expect(redact(text)).toBe(text);
  });

  it("a GitLab token's random part goes, in lower case too when it has no `-`", () => {
    expect(redact('glagent-abcdefghij0123456789klmn')).toBe(REDACTED);
    expect(redact('glagent-Production-Cluster-0123')).toBe(REDACTED);
  });

  it('a cut right after a Vault prefix keeps it (none of a token is left); one character after it goes', () => {
    expect(redactCutTail('connect to hvs.')).toBe('connect to hvs.');
    expect(redactCutTail('https://vault.hvs.')).toBe('https://vault.hvs.');
    expect(redactCutTail('token hvs.C')).toBe(`token ${REDACTED}`);
  });
});

describe('streamRedactor: a `Signature:` label and a PEM block remembered per stream', () => {
  it("another stream's line between a label and its signature", () => {
    const clean = streamRedactor();
    expect(
      [
        ['botocore.auth [DEBUG] Signature:', 'stderr'],
        ['request sent', 'stdout'],
        [SIG4, 'stderr'],
      ].map(([line, stream]) => clean(line!, stream!)),
    ).toEqual(['botocore.auth [DEBUG] Signature:', 'request sent', REDACTED]);
  });

  it("another stream's line is not taken for the signature, nor for a PEM block's body", () => {
    const clean = streamRedactor();
    expect(clean('Signature:', 'stderr')).toBe('Signature:');
    expect(clean(SIG4, 'stdout')).toBe(SIG4);
    expect(clean('-----BEGIN PRIVATE KEY-----', 'stderr')).toBe(REDACTED);
    expect(clean('listening on 8080', 'stdout')).toBe('listening on 8080');
    expect(clean('-----END PRIVATE KEY-----', 'stdout')).toBe('-----END PRIVATE KEY-----');
    expect(clean('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'stderr')).toBe(REDACTED);
    expect(clean('-----END PRIVATE KEY-----', 'stderr')).toBe(REDACTED);
    expect(clean('done', 'stderr')).toBe('done');
  });
});

describe("npm's `(protected)` is its placeholder only as the whole value", () => {
  it.each([
    ['_authToken=(protected)Rt9xKq2LmN4pX7vR', `_authToken=${REDACTED}`],
    [
      '//registry.npmjs.org/:_authToken = (protected)hunter22',
      `//registry.npmjs.org/:_authToken = ${REDACTED}`,
    ],
    ['"_authToken": "(protected)Rt9xKq2LmN4pX7vR"', `"_authToken": "${REDACTED}"`],
    ['password: (protected)hunter22', `password: ${REDACTED}`],
  ])('%j', (text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    '"//registry.npmjs.org/:_authToken": "(protected)"',
    '_authToken: (protected)',
    'npm config get //registry.npmjs.org/:_authToken=(protected); echo done',
  ])('stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("a GitLab token's random part in lower case with `-` and digits is no host's name", () => {
  it.each(['glpat-k3x9-m2v8q-7wzt4nb1p', 'gldt-x1y2z3a4b5-c6d7e8f9g0h1', 'glagent-0a9b8c7d-6e5f4a3b2c1d'])(
    '%j',
    (token) => {
      expect(redact(`token ${token} used`)).toBe(`token ${REDACTED} used`);
    },
  );

  it.each(['glagent-prod-eu-west-1-cluster-02', 'glrt-runner-pool-eu-west-10.internal'])(
    'stays: %j',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});

describe("a GitLab token header's value in mixed case without digits: only words that read as words stay", () => {
  // Drawn as GitLab's legacy 20-character tokens are (Devise.friendly_token): 1 in ~1,000 of them is letters
  // in camelCase runs of at most 16, which the camelCase check took for words.
  it.each(['wbPsTxjDbyrkYzbvdx_L', 'yfxkPmXvfryBhhziPerq', 'HzGkxGseegyDxhjmZzkq', 'cXwmCtTfxUzVjBxBzkFx'])(
    '%j',
    (token) => {
      expect(redact(`PRIVATE-TOKEN: ${token}`)).toBe(`PRIVATE-TOKEN: ${REDACTED}`);
    },
  );

  it.each(['NotSet', 'YourTokenHere', 'ChangeMe', 'ReplaceWithYourToken', 'PersonalAccessToken', 'Not-Set'])(
    'stays: %j',
    (word) => {
      expect(redact(`PRIVATE-TOKEN: ${word}`)).toBe(`PRIVATE-TOKEN: ${word}`);
    },
  );
});

describe("a command's option and its value on either side of a `\\`-continued line", () => {
  it.each([
    [
      'sshpass -p on the next line',
      'sshpass \\\n  -p Hunter2pw ssh host',
      `sshpass \\\n  -p ${REDACTED} ssh host`,
    ],
    [
      'sshpass -v, then -p',
      'sshpass -v \\\r  -p Hunter2pw ssh host',
      `sshpass -v \\\r  -p ${REDACTED} ssh host`,
    ],
    [
      'sshpass -P prompt, each on its line',
      'sshpass \\\n  -P assword \\\n  -p Hunter2pw ssh host',
      `sshpass \\\n  -P assword \\\n  -p ${REDACTED} ssh host`,
    ],
    ["curl -u's value", 'curl -u \\\n  bob:Hunter2pw https://x', `curl -u \\\n  bob:${REDACTED} https://x`],
    ["curl --user's value", 'curl --user \\\n bob:Hunter2pw x', `curl --user \\\n bob:${REDACTED} x`],
    // The `\` was taken for the value: starred, and the password after it shown.
    ["redis-cli -a's value", 'redis-cli -a \\\n  Hunter2pw ping', `redis-cli -a \\\n  ${REDACTED} ping`],
    [
      "httpie's bearer token",
      'http -A bearer -a \\\n  ghz8Kq2LmN4pX7vR9sT1 https://x',
      `http -A bearer -a \\\n  ${REDACTED} https://x`,
    ],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });
});

describe('streamRedactor keeps only the streams left open', () => {
  // `logs --follow` meets a new log stream per instance: each one's state held for good grew without end.
  it("forgets the stream open longest past MAX_OPEN_STREAMS; the others' blocks stay hidden", () => {
    const clean = streamRedactor();
    expect(clean('-----BEGIN PRIVATE KEY-----', 'first')).toBe(REDACTED);
    for (let i = 0; i < MAX_OPEN_STREAMS; i++) clean('-----BEGIN PRIVATE KEY-----', `s${i}`);
    expect(clean('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', `s${MAX_OPEN_STREAMS - 1}`)).toBe(REDACTED);
    expect(clean('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 's0')).toBe(REDACTED);
    expect(clean('listening on 8080', 'first')).toBe('listening on 8080');
  });

  it('a closed stream holds no place: any number of streams that closed their blocks leaves an open one kept', () => {
    const clean = streamRedactor();
    clean('-----BEGIN PRIVATE KEY-----', 'open');
    for (let i = 0; i < 2 * MAX_OPEN_STREAMS; i++) {
      clean('-----BEGIN PRIVATE KEY-----', `s${i}`);
      clean('-----END PRIVATE KEY-----', `s${i}`);
      clean(`request ${i}`, `idle${i}`);
    }
    expect(clean('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'open')).toBe(REDACTED);
  });
});
