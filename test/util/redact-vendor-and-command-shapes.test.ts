/**
 * Secret shapes a function's output or an error prints that need more than a name and `=`: a signature on
 * the line after its label, URL-encoded assignments, vendors' token prefixes (GitLab, Vault, Azure SAS),
 * .npmrc's `_auth`, and passwords on command lines; and the ordinary text beside each that stays.
 */
import { describe, expect, it } from '@jest/globals';
import { lineRedactor, redact, redactCutTail, REDACTED } from '../../src/util/redact.js';

const SIG4 = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';

describe("botocore's debug log: the signature on the line after its label", () => {
  const STRING_TO_SIGN = `StringToSign:\nAWS4-HMAC-SHA256\n20261207T000000Z\n20261207/us-east-1/s3/aws4_request\n${'0a'.repeat(32)}`;

  it.each([
    ['a newline', `Signature:\n${SIG4}`, `Signature:\n${REDACTED}`],
    ["the Lambda runtime's \\r for a record's newline", `Signature:\r${SIG4}`, `Signature:\r${REDACTED}`],
    ['CRLF', `Signature:\r\n${SIG4}\r\n`, `Signature:\r\n${REDACTED}\r\n`],
    [
      'after a log prefix',
      `2026-12-07 10:00:00,000 botocore.auth [DEBUG] Signature:\n${SIG4}`,
      `2026-12-07 10:00:00,000 botocore.auth [DEBUG] Signature:\n${REDACTED}`,
    ],
    ['on the same line', `Signature: ${SIG4}`, `Signature: ${REDACTED}`],
    // Lambda's JSON log format (and any JSON logger) escapes the record's newline inside its message.
    [
      'in a JSON log line',
      `{"level":"DEBUG","message":"Signature:\\n${SIG4}","logger":"botocore.auth"}`,
      `{"level":"DEBUG","message":"Signature:\\n${REDACTED}","logger":"botocore.auth"}`,
    ],
    ['in a JSON log line, CRLF', `"Signature:\\r\\n${SIG4}"`, `"Signature:\\r\\n${REDACTED}"`],
    // The string to sign holds only a hash of the request: it stays, the signature after it goes.
    [
      'after the string to sign',
      `${STRING_TO_SIGN}\nSignature:\n${SIG4}`,
      `${STRING_TO_SIGN}\nSignature:\n${REDACTED}`,
    ],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it('line by line (a live log): the line after a line that ends in `Signature:` goes when it is the signature', () => {
    const line = lineRedactor();
    expect(['botocore.auth [DEBUG] Signature:', SIG4, SIG4].map(line)).toEqual([
      'botocore.auth [DEBUG] Signature:',
      REDACTED,
      SIG4,
    ]);
    expect(['Signature:', 'verified', SIG4].map(line)).toEqual(['Signature:', 'verified', SIG4]);
  });

  it.each([
    'signature verified',
    'Signature: valid',
    'Signature:\nverified by the bank',
    `sha256: ${SIG4}`,
    `digest\n${SIG4}`,
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('a URL-encoded assignment (a query string inside another, a form body): %3D for =', () => {
  it.each([
    [
      'a password in a form body',
      'user=bob&p=a%26password%3Dhunter2%26x%3D1',
      `user=bob&p=a%26password%3D${REDACTED}%26x%3D1`,
    ],
    [
      'a token in a `next` URL',
      '?next=%2Fcb%3Ftoken%3Dabc123def%26a%3Db',
      `?next=%2Fcb%3Ftoken%3D${REDACTED}%26a%3Db`,
    ],
    ['in lower case', 'q=x%26password%3dhunter2%26y', `q=x%26password%3d${REDACTED}%26y`],
    ['a short name for a password', 'db_pass%3Dhunter2', `db_pass%3D${REDACTED}`],
    ['a key of a secret kind', 'f%3Fapi_key%3DZk3j2Ls9Qp0xx', `f%3Fapi_key%3D${REDACTED}`],
    ['a value with escapes in it', 'password%3Dp%40ss%2Bw0rd%26x', `password%3D${REDACTED}%26x`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each(['token%3Dtrue', 'api_key%3Dunset', 'password%3D%26x', 'keyword%3Dpassword'])(
    'ordinary text stays: %j',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});

describe("GitLab's token prefixes (its docs' table) and a runner registration token", () => {
  const BODY = 'Abcdef1234567890abcd';
  it.each([
    ['a deploy token', `gldt-${BODY}`],
    ['a runner authentication token', `glrt-${BODY}`],
    ['a routable runner token', `glrtr-${BODY}`],
    ['an OAuth application secret', `gloas-${BODY}`],
    ['a CI/CD job token', `glcbt-64_${BODY}`],
    ['a pipeline trigger token', `glptt-${BODY}`],
    ['a feed token', `glft-${BODY}`],
    ['an incoming mail token', `glimt-${BODY}`],
    ['an agent for Kubernetes token', `glagent-${BODY}`],
    ['a SCIM token', `glsoat-${BODY}`],
    ['a feature flags client token', `glffct-${BODY}`],
    ['a workspace token', `glwt-${BODY}`],
    ['a runner registration token', `GR1348941${BODY}`],
    ["an instance's own prefix before one", `acme-glrt-${BODY}`],
  ])('%s', (_name, token) => {
    // The token goes, from its prefix on; the text around it, an instance's prefix too, stays.
    const kept = token.startsWith('acme-') ? 'acme-' : '';
    expect(redact(`CI_TOKEN ${token} used`)).toBe(`CI_TOKEN ${kept}${REDACTED} used`);
    expect(redactCutTail(`token ${token.slice(0, -12)}`)).toBe(`token ${kept}${REDACTED}`);
  });

  it.each(['the gldt- and glrt- prefixes mark tokens', 'glft-short', 'GR1348941 is a prefix'])(
    'ordinary text stays: %j',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});

describe("an Azure SAS token's signature: the sig parameter of a URL", () => {
  it.each([
    [
      'a blob URL',
      'GET https://a.blob.core.windows.net/c/b.txt?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-08T00:00:00Z&spr=https&sig=abc%2Bdef4DEF5ghiJKL6mno%2Fpqr%3D 200',
      `GET https://a.blob.core.windows.net/c/b.txt?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-08T00:00:00Z&spr=https&sig=${REDACTED} 200`,
    ],
    ['first in the query', '?sig=Zk3j2Ls9Qp0xxQZk3j2Ls9%3D&sv=1', `?sig=${REDACTED}&sv=1`],
    [
      'URL-encoded in another',
      '%3Fsv%3D1%26sig%3Dabc%252Bdef4DEF5ghiJKL%26x',
      `%3Fsv%3D1%26sig%3D${REDACTED}%26x`,
    ],
    [
      'in an HTML attribute',
      'href="?sv=1&amp;sig=Zk3j2Ls9Qp0xxQZk3j2Ls9"',
      `href="?sv=1&amp;sig=${REDACTED}"`,
    ],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    'sig=Zk3j2Ls9Qp0xxQZk3j2Ls9 in prose',
    'kill -s sig=SIGTERM',
    '?sig=none&x=1',
    'ssig=Zk3j2Ls9Qp0xxQZk3j2Ls9',
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('.npmrc lines', () => {
  it.each([
    ['_auth', '_auth=dXNlcjpwYXNzd29yZA==', `_auth=${REDACTED}`],
    [
      "a registry's _auth",
      '//registry.npmjs.org/:_auth=dXNlcjpwYXNzd29yZA==',
      `//registry.npmjs.org/:_auth=${REDACTED}`,
    ],
    ['_auth with blanks', '_auth = "dXNlcjpwYXNzd29yZA=="', `_auth = "${REDACTED}"`],
    [
      "a registry's _authToken",
      '//registry.npmjs.org/:_authToken=abcdef-1234-5678',
      `//registry.npmjs.org/:_authToken=${REDACTED}`,
    ],
    ['_password', '//r.example/:_password=aHVudGVyMg==', `//r.example/:_password=${REDACTED}`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    '_auth=true',
    'always-auth=true',
    'oauth_provider=github',
    '_authority=Zk3j2Ls9Qp0xx',
    // A traceback's source line: code, not base64.
    '  File "app.py", line 3, in <module>\n    _auth = HTTPBasicAuth(user, pw)',
    "const _auth = require('./auth');",
    '_auth = self.session.auth',
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('HashiCorp Vault tokens', () => {
  const HVS = 'hvs.CAESIJabcdefghijklmnopqrstuv0123456789ABCDEFGHIJ';
  it.each([
    ['an X-Vault-Token header', `X-Vault-Token: ${HVS}`, `X-Vault-Token: ${REDACTED}`],
    ['a legacy token in the header', 'x-vault-token: s.Zk3j2Ls9Qp0xxQZk3j2Ls9', `x-vault-token: ${REDACTED}`],
    ['in JSON', '{"X-Vault-Token": "s.Zk3j2Ls9Qp0"}', `{"X-Vault-Token": "${REDACTED}"}`],
    ['a service token alone', `got ${HVS} back`, `got ${REDACTED} back`],
    ['a batch token', 'hvb.AAAAAQJabcdefghijklmnopqrstuv012345', REDACTED],
    ['a recovery token', 'hvr.AAAAAQJabcdefghijklmnop0123', REDACTED],
    ['VAULT_TOKEN in YAML', 'vault_token: s.Zk3j2Ls9Qp0', `vault_token: ${REDACTED}`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it("a Vault token's start at the end of a cut text goes", () => {
    expect(redactCutTail('token hvs.CAESIJab')).toBe(`token ${REDACTED}`);
  });

  it.each([
    'hvs.short',
    'the hvs. prefix marks a service token',
    'X-Vault-Token: required',
    // A host's name is in lower case; a token's random part is not.
    'connect hvs.us-east-1-production-cluster.corp:8200',
    'resolving hvb.internal-cluster-primary-01.example.com',
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('passwords on command lines echoed in a log', () => {
  it.each([
    ['curl -u', 'curl -u admin:hunter2 https://x', `curl -u admin:${REDACTED} https://x`],
    ['curl --user', 'curl --user admin:hunter2 https://x', `curl --user admin:${REDACTED} https://x`],
    ['curl --user=', 'curl -s --user=admin:hunter2 https://x', `curl -s --user=admin:${REDACTED} https://x`],
    ['attached', "curl -u'bot@corp.example:p@ss w' x", `curl -u'bot@corp.example:${REDACTED}' x`],
    ['quoted', 'curl -u "admin:hunter2" x', `curl -u "admin:${REDACTED}" x`],
    // NTLM's user is its domain's: CORP\\bob (escaped unquoted).
    ['a domain user', "curl --ntlm -u 'CORP\\bob:hunter2' x", `curl --ntlm -u 'CORP\\bob:${REDACTED}' x`],
    [
      'a domain user, bare',
      'curl --ntlm -u CORP\\\\bob:hunter2 x',
      `curl --ntlm -u CORP\\\\bob:${REDACTED} x`,
    ],
    ['an encoded user', 'curl -u bob%40corp:hunter2 x', `curl -u bob%40corp:${REDACTED} x`],
    // Short options together: -s and -u.
    ['after other short options', 'curl -fsSu admin:hunter2 x', `curl -fsSu admin:${REDACTED} x`],
    ['mysql -p', 'mysql -h db -u root -phunter2 app', `mysql -h db -u root -p${REDACTED} app`],
    [
      'mysqldump -p',
      '/usr/bin/mysqldump -uroot -p"hunter 2" app',
      `/usr/bin/mysqldump -uroot -p"${REDACTED}" app`,
    ],
    ['mariadb -p', 'mariadb -p%hunter2', `mariadb -p${REDACTED}`],
    // A command line inside a JSON string (a JSON log line): its quotes escaped, and kept so.
    [
      'mysql -p in a JSON string',
      String.raw`{"msg":"mysql -uroot -p\"hunter 2\" app"}`,
      String.raw`{"msg":"mysql -uroot -p\"${REDACTED}\" app"}`,
    ],
    [
      'curl -u in a JSON string',
      String.raw`{"msg":"curl -u \"admin:hunter2\" x"}`,
      String.raw`{"msg":"curl -u \"admin:${REDACTED}\" x"}`,
    ],
    ['a PIN', 'mysql -uapp -p1234', `mysql -uapp -p${REDACTED}`],
    ['curl -u, digits', 'curl -u 1000:1234 x', `curl -u 1000:${REDACTED} x`],
    ['mysql --password=', 'mysql --password=hunter2 app', `mysql --password=${REDACTED} app`],
    ['PGPASSWORD=', 'PGPASSWORD=hunter2 psql -h db', `PGPASSWORD=${REDACTED} psql -h db`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    'curl -u admin https://x',
    'curl -u admin https://x:8080/y',
    'mysql -p app',
    'mysql -p$MYSQL_PWD app',
    'mysql -h db -p',
    'docker run -p 8080:80 app',
    'docker run -p8080:80 app',
    // `mysql` is a word of the line, not its command: docker's -p publishes a port.
    'docker run --name mysql -p3306:3306 -d mysql:8.0',
    'docker run --name mysql -p127.0.0.1:3306:3306/tcp -d mysql:8.0',
    'ssh -p 2222 host',
    'mkdir -p /tmp/x',
    'mysql -h db app; cp -pr a b',
    // A command line is one line: the next one is another command's.
    'mysql is down\ncp -pr a b',
    'curl failed\nsort -u a:b',
    'date -u +%H:%M:%S',
    'docker run -u 1000:1000 app',
    'docker run --user=$(id -u):$(id -g) app',
    'git push -u origin main:main',
    'sort -u a:b',
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("GitLab's API token headers: PRIVATE-TOKEN and JOB-TOKEN, whatever the token's prefix", () => {
  it.each([
    ['a header line', 'PRIVATE-TOKEN: Zk3j2Ls9Qp0xxQZk3j2L', `PRIVATE-TOKEN: ${REDACTED}`],
    ['a job token', 'JOB-TOKEN: 64_Zk3j2Ls9Qp0xxQZk3j2L', `JOB-TOKEN: ${REDACTED}`],
    ['in lower case', 'private-token: abcdef1234567890', `private-token: ${REDACTED}`],
    [
      "in a curl line's --header",
      'curl --header "PRIVATE-TOKEN: abcdef1234567890" https://gitlab.example/api/v4/projects',
      `curl --header "PRIVATE-TOKEN: ${REDACTED}" https://gitlab.example/api/v4/projects`,
    ],
    [
      "a Python dict's repr",
      "headers={'PRIVATE-TOKEN': 'abcdef1234567890', 'Accept': 'application/json'}",
      `headers={'PRIVATE-TOKEN': '${REDACTED}', 'Accept': 'application/json'}`,
    ],
    [
      "a Python dict's repr, a job token",
      "{'JOB-TOKEN': 'abcdef1234567890'}",
      `{'JOB-TOKEN': '${REDACTED}'}`,
    ],
    ['in JSON', '{"Job-Token":"abcdef1234567890"}', `{"Job-Token":"${REDACTED}"}`],
    [
      'escaped, in a JSON string: its closing quote kept escaped',
      '"{\\"PRIVATE-TOKEN\\": \\"Zk3j2Ls9Qp0xxQZk3j2L\\"}"',
      `"{\\"PRIVATE-TOKEN\\": \\"${REDACTED}\\"}"`,
    ],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    'PRIVATE-TOKEN: required',
    'JOB-TOKEN: $CI_JOB_TOKEN',
    'curl --header "JOB-TOKEN: ${CI_JOB_TOKEN}" https://gitlab.example/api/v4/jobs',
    'PRIVATE-TOKEN: <your_access_token>',
    'send a PRIVATE-TOKEN header or a JOB-TOKEN header',
    'PRIVATE-TOKEN: none',
    '401 Unauthorized (PRIVATE-TOKEN: invalid)',
    'JOB-TOKEN: MISSING',
    'PRIVATE-TOKEN: not-set',
    'JOB-TOKEN: [MASKED]',
    'PRIVATE-TOKEN: {token}',
    'PRIVATE-TOKEN: %s',
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("other command lines' passwords: sshpass, redis-cli, httpie, curl's proxy user", () => {
  it.each([
    ['sshpass -p', 'sshpass -p hunter2 ssh -p 2222 bob@host', `sshpass -p ${REDACTED} ssh -p 2222 bob@host`],
    ['sshpass -p quoted', "sshpass -p 'hunter 2' scp a host:b", `sshpass -p '${REDACTED}' scp a host:b`],
    ['sshpass -p attached', 'sshpass -phunter2 ssh host', `sshpass -p${REDACTED} ssh host`],
    ['sshpass -v -p', 'sshpass -v -p hunter2 ssh host', `sshpass -v -p ${REDACTED} ssh host`],
    [
      'redis-cli -a',
      'redis-cli -h cache -p 6379 -a hunter2 ping',
      `redis-cli -h cache -p 6379 -a ${REDACTED} ping`,
    ],
    [
      'redis-cli --pass',
      'redis-cli --user app --pass "hunter 2" ping',
      `redis-cli --user app --pass "${REDACTED}" ping`,
    ],
    ['http -a', 'http -a bob:hunter2 GET https://x', `http -a bob:${REDACTED} GET https://x`],
    ['https --auth', 'https --auth bob:hunter2 https://x', `https --auth bob:${REDACTED} https://x`],
    ['http --auth=', "http --auth='bob:hunter 2' https://x", `http --auth='bob:${REDACTED}' https://x`],
    [
      'curl --proxy-user',
      'curl -x http://proxy:3128 --proxy-user bob:hunter2 https://x',
      `curl -x http://proxy:3128 --proxy-user bob:${REDACTED} https://x`,
    ],
    ['curl -U', 'curl -U bob:hunter2 https://x', `curl -U bob:${REDACTED} https://x`],
    ['redis-cli -a attached', 'redis-cli -ahunter2 ping', `redis-cli -a${REDACTED} ping`],
    ['redis-cli -a attached, quoted', 'redis-cli -a"hunter2" ping', `redis-cli -a"${REDACTED}" ping`],
    ['curl -U quoted', 'curl -sU "bob:hunter2" https://x', `curl -sU "bob:${REDACTED}" https://x`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    'sshpass -f /run/secrets/pw ssh -p 2222 host',
    'sshpass -e ssh -p 2222 host',
    'sshpass -p $SSHPASS ssh host',
    'redis-cli -h cache -p 6379 ping',
    'redis-cli --askpass -h cache',
    'redis-cli -a $REDIS_PASSWORD ping',
    'http -a bob https://x',
    'http --auth-type=bearer GET https://x',
    'http GET https://x:8080/y',
    'curl -U bob https://x',
    'curl -x http://proxy:3128 https://x:8443/y',
    'tar -a -cf a.tgz b:c',
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe("Yarn Berry's .yarnrc.yml: npmAuthToken and npmAuthIdent", () => {
  const YARNRC = [
    'npmRegistryServer: "https://npm.corp.example"',
    'npmAuthIdent: "bob:hunter2"',
    'npmAuthToken: abcdef-1234-5678-90ab',
    'npmRegistries:',
    '  "https://npm.corp.example":',
    '    npmAlwaysAuth: true',
    '    npmAuthToken: "Zk3j2Ls9Qp0xxQZk3j2L"',
    'npmScopes:',
    '  acme:',
    '    npmAuthIdent: Ym9iOmh1bnRlcjI=',
    '    npmRegistryServer: "https://npm.corp.example"',
  ].join('\n');

  it('hides each token and ident, keeps the rest', () => {
    expect(redact(YARNRC)).toBe(
      YARNRC.replace('bob:hunter2', REDACTED)
        .replace('abcdef-1234-5678-90ab', REDACTED)
        .replace('Zk3j2Ls9Qp0xxQZk3j2L', REDACTED)
        .replace('Ym9iOmh1bnRlcjI=', REDACTED),
    );
  });

  it.each([
    ['quoted, a blank in its password', 'npmAuthIdent: "bob:hunter 2"', `npmAuthIdent: "${REDACTED}"`],
    ['single-quoted', "npmAuthIdent: 'bob:hunter 2'", `npmAuthIdent: '${REDACTED}'`],
    ['as JSON (yarn config --json)', '{"npmAuthIdent": "bob:hunter2"}', `{"npmAuthIdent": "${REDACTED}"}`],
  ])('npmAuthIdent %s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    'npmAuthToken: "${NPM_TOKEN}"',
    'npmAuthIdent: "${NPM_IDENT}"',
    'npmAlwaysAuth: true',
    'set npmAuthIdent or npmAuthToken in .yarnrc.yml',
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('a JSON "signature" field (SigV4, a webhook\'s HMAC)', () => {
  const B64 = 'dGhpcyBpcyBhIHNpZ25hdHVyZSBvZiAzMiBieXRlcyE/+A==';
  it.each([
    ['64 hex', `{"signature": "${SIG4}", "id": 7}`, `{"signature": "${REDACTED}", "id": 7}`],
    ['base64', `{"Signature":"${B64}"}`, `{"Signature":"${REDACTED}"}`],
    ['in a Python dict', `{'signature': '${SIG4}'}`, `{'signature': '${REDACTED}'}`],
    [
      'escaped, in a JSON string',
      `"{\\"signature\\": \\"${SIG4}\\"}"`,
      `"{\\"signature\\": \\"${REDACTED}\\"}"`,
    ],
    ['after its digest name', `{"signature": "sha256=${SIG4}"}`, `{"signature": "sha256=${REDACTED}"}`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each([
    '{"signature": "valid"}',
    '{"signature": null}',
    '{"signature": "John Smith"}',
    '{"signature": "signatureVerificationFailedForRequest"}',
    '{"signature_version": "s3v4"}',
    `{"sha256": "${SIG4}"}`,
  ])('ordinary text stays: %j', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('a double URL-encoded assignment: %253D for =, up to %2526', () => {
  it.each([
    [
      'a password',
      'next=%2Fcb%253Fuser%253Dbob%2526password%253Dhunter2%2526x%253D1',
      `next=%2Fcb%253Fuser%253Dbob%2526password%253D${REDACTED}%2526x%253D1`,
    ],
    ['a token', 'r=%253Ftoken%253Dabc123def%2526a', `r=%253Ftoken%253D${REDACTED}%2526a`],
    ['in lower case', 'q=x%2526password%253dhunter2%2526y', `q=x%2526password%253d${REDACTED}%2526y`],
  ])('%s', (_name, text, out) => {
    expect(redact(text)).toBe(out);
  });

  it.each(['token%253Dtrue', 'password%253D%2526x', 'keyword%253Dpassword', 'user%253Dbob%2526x'])(
    'ordinary text stays: %j',
    (text) => {
      expect(redact(text)).toBe(text);
    },
  );
});
