import { describe, expect, it } from '@jest/globals';
import { printedForms, secretValues } from '../../src/settings/secret-values.js';
import { redact, usableSecrets } from '../../src/util/redact.js';

const base = { name: 'shop', awsRegion: 'eu-west-1', githubToken: '', pipArgs: [] as string[] };

/** The values an environment value is hidden as (see printedForms), sorted. */
const forms = (...values: string[]) => usableSecrets(values.flatMap((value) => printedForms(value)));

describe('secretValues', () => {
  it('is every environment value, the token and a pip index password', () => {
    const values = secretValues({
      ...base,
      environment: { DB_PASSWORD: 'Pg-Secret-771', API_URL: 'https://api.example.com' },
      githubToken: 'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
      pipArgs: ['--index-url', 'https://ci:p%40ss-word9@pypi.example.com/simple'],
    });
    expect(values.sort()).toEqual(
      [
        ...forms('Pg-Secret-771', 'https://api.example.com'),
        'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
        'p%40ss-word9',
        'p@ss-word9',
      ].sort(),
    );
  });

  it("adds the function's own values (set outside the workflow), filtered the same way", () => {
    const values = secretValues(
      { ...base, environment: { DB_PASSWORD: 'Pg-Secret-771' } },
      { stage: 'pr-12', functionName: 'shop-pr-12' },
      [
        ['STRIPE_KEY', 'pk9f2Qm7Zr4Lw8Xb'],
        ['STAGE', 'pr-12'],
        ['AWS_REGION_NAME', 'eu-west-1'],
        ['FEATURE', 'on'],
        ['DB_PASSWORD', 'Pg-Secret-771'],
      ],
    );
    expect(values.sort()).toEqual(forms('Pg-Secret-771', 'pk9f2Qm7Zr4Lw8Xb').sort());
  });

  it("a short value the function already had (set in the console) by its variable's name, as the input's", () => {
    const values = secretValues({ ...base, environment: {} }, {}, [
      ['DB_PASSWORD', 'k3y9'],
      ['LEVEL', 'info'],
    ]);
    expect(values).toContain('k3y9');
    expect(values).not.toContain('info');
  });

  it('leaves out values too short to mask and the names every URL shows anyway', () => {
    const values = secretValues(
      {
        ...base,
        environment: {
          DEBUG: '1',
          LEVEL: 'info',
          APP: 'shop',
          STAGE: 'pr-12',
          REGION: 'eu-west-1',
          K: 'Pg-Secret-771',
        },
      },
      { stage: 'pr-12', functionName: 'shop-pr-12' },
    );
    expect(values).toEqual(forms('Pg-Secret-771'));
  });

  it('also a shorter value whose name says it is a secret (DB_PASSWORD=admin), from 3 characters, hidden as a word', () => {
    const values = secretValues({
      ...base,
      environment: {
        DB_PASSWORD: 'admin',
        API_KEY: 'k3y9',
        SMTP_PASS: 'p@ss',
        GITHUB_TOKEN: 'abc',
        DB_PASSWD: 'ab',
        LEVEL: 'info',
        MODE: 'prod',
        DEBUG: '1',
        TOKEN_TTL: '3600',
        PASSWORD_FILE: 'x.pem',
      },
    });
    expect(values).toEqual(expect.arrayContaining(['admin', 'k3y9', 'p@ss', 'p%40ss', 'abc']));
    for (const kept of ['ab', 'info', 'prod', '1', '3600', 'x.pem']) expect(values).not.toContain(kept);
    expect(
      redact('login admin as administrator (info, prod) ttl 3600 key k3y9 not k3y99 from x.pem', values),
    ).toBe('login *** as administrator (info, prod) ttl 3600 key *** not k3y99 from x.pem');
  });

  it('a short value under a key that names data (CACHE_KEY=api, KEY=name) is a word, not a secret; a long one still is', () => {
    const environment = {
      CACHE_KEY: 'api',
      S3_KEY: 'data',
      SORT_KEY: 'id',
      PARTITION_KEY: 'pk',
      KEY: 'name',
      OBJECT_KEY: 'logo',
      SIGNING_KEY: 'k3y9',
      SECRET_KEY: 'shh',
      BASIC_AUTH: 'a:b9',
      BUCKET_KEY: 'Rk7zQ2-bucket-key',
    };
    const values = secretValues({ ...base, environment });
    for (const kept of ['api', 'data', 'id', 'pk', 'name', 'logo']) expect(values).not.toContain(kept);
    expect(values).toEqual(expect.arrayContaining(['k3y9', 'shh', 'a:b9', 'Rk7zQ2-bucket-key']));
    expect(redact('GET /api/data?name=logo -> 200 (signed k3y9, shh) bucket Rk7zQ2-bucket-key', values)).toBe(
      'GET /api/data?name=logo -> 200 (signed ***, ***) bucket ***',
    );
  });

  // A vendor's name says nothing of a key's kind: Laravel Cashier's STRIPE_KEY is the publishable key
  // (its secret is STRIPE_SECRET), and a vendor's real keys are long, hidden whatever their name.
  it('a short value under a credential-kind key (STRIPE_API_KEY=abc12) is a secret; under a vendor-named one (STRIPE_KEY) not', () => {
    const environment = {
      STRIPE_API_KEY: 'ab1',
      AWS_ACCESS_KEY: 'ab2',
      MY_SECRET_KEY: 'ab3',
      GPG_PRIVATE_KEY: 'ab4',
      RAILS_SECRET_KEY_BASE: 'ab5',
      RAILS_MASTER_KEY: 'ab6',
      STRIPE_KEY: 'abc12',
      CACHE_KEY: 'api',
      STRIPE_PUBLISHABLE_KEY: 'pk9f2Qm7Zr4Lw8Xb',
    };
    const values = secretValues({ ...base, environment });
    expect(values).toEqual(
      expect.arrayContaining(['ab1', 'ab2', 'ab3', 'ab4', 'ab5', 'ab6', 'pk9f2Qm7Zr4Lw8Xb']),
    );
    for (const kept of ['abc12', 'api']) expect(values).not.toContain(kept);
  });

  it("a short password in a pip-args URL (secret by its place) and a short smoke-path query value with a secret's name", () => {
    const values = secretValues({
      ...base,
      environment: {},
      pipArgs: ['-i', 'https://ci:pw9@pypi.example.com/simple'],
      smokePath: '/health?token=t0k&v=2&mode=full&q=abc',
    });
    expect(values).toEqual(expect.arrayContaining(['pw9', 't0k']));
    for (const kept of ['ci', '2', 'full', 'abc']) expect(values).not.toContain(kept);
  });

  it('leaves out the account ID and the function ARN: function-arn shows them, and GitHub drops an output holding a masked value', () => {
    const account = '123456789012';
    const arn = `arn:aws:lambda:eu-west-1:${account}:function:shop-pr-12`;
    const environment = { ACCOUNT_ID: account, SELF_ARN: arn, K: 'Pg-Secret-771' };
    const stage = { stage: 'pr-12', functionName: 'shop-pr-12' };
    // Known before anything is masked: the account in role-to-assume's ARN, or in execution-role-arn's.
    for (const roles of [
      { roleToAssume: `arn:aws:iam::${account}:role/deploy` },
      { executionRoleArn: `arn:aws:iam::${account}:role/shop-fn` },
    ])
      expect(secretValues({ ...base, ...roles, environment }, stage)).toEqual(forms('Pg-Secret-771'));
    // Known once signed in (ambient credentials): the values the function already had.
    expect(
      secretValues({ ...base, environment: {} }, { ...stage, accountId: account }, [
        ['ACCOUNT_ID', account],
        ['SELF_ARN', arn],
      ]),
    ).toEqual([]);
    // Without an account, nothing says the 12 digits are public.
    expect(secretValues({ ...base, environment: { ACCOUNT_ID: account } }, stage)).toEqual(forms(account));
  });

  it('keeps masking a secret that merely holds a public part, and a role of another account', () => {
    const values = secretValues(
      {
        ...base,
        roleToAssume: 'arn:aws:iam::123456789012:role/deploy',
        environment: { KEY: '123456789012-Pg-Secret', OTHER: '210987654321' },
      },
      { stage: 'pr-12', functionName: 'shop-pr-12', accountId: '123456789012' },
    );
    expect(values.sort()).toEqual(forms('123456789012-Pg-Secret', '210987654321').sort());
  });

  it('finds the password in --index-url=URL and keeps a password that is not valid percent-encoding as it is', () => {
    const values = secretValues({
      ...base,
      environment: {},
      pipArgs: [
        '--index-url=https://ci:Idx-pass-2024@pypi.example.com/simple',
        '--extra-index-url',
        'https://u:50%zz-off@x.example/simple',
      ],
    });
    expect(values.sort()).toEqual(['50%zz-off', 'Idx-pass-2024'].sort());
  });

  it.each([
    ['Gemfury: the token as the user, an empty password', 'https://Fury0Tok3nValue:@pypi.fury.io/acme/'],
    ['the token as the user, no password', 'https://FuryTokenValue@pypi.fury.io/acme/'],
  ])("a private index's token in the user part of a pip-args URL (%s)", (_name, url) => {
    const token = /\/\/([^:@]+)/.exec(url)![1]!;
    const values = secretValues({ ...base, environment: {}, pipArgs: ['--extra-index-url', url] });
    expect(values).toContain(token);
    // pip shows such a user in its own output: only a password would be starred.
    expect(
      redact(`Looking in indexes: https://pypi.org/simple, https://${token}:****@pypi.fury.io/acme/`, values),
    ).not.toContain(token);
  });

  it("the values in smoke-path's query (`/health?key=${{ secrets.X }}`), which every smoke line quotes", () => {
    const values = secretValues({
      ...base,
      environment: {},
      smokePath: '/health?key=Hk%2B7731-abc&format=json&v=2',
    });
    expect(values).toEqual(expect.arrayContaining(['Hk%2B7731-abc', 'Hk+7731-abc']));
    expect(values).not.toContain('json');
    expect(
      redact('GET https://x.example/health?key=Hk%2B7731-abc&format=json&v=2 answered 500', values),
    ).toBe('GET https://x.example/health?key=***&format=json&v=2 answered 500');
  });

  it.each([
    [['--extra-index=https://ci:Idx-pass-2024@pypi.example.com/simple'], 'Idx-pass-2024'],
    [['--extra-index', 'https://ci:Idx-pass-2024@pypi.example.com/simple'], 'Idx-pass-2024'],
    [['--index=https://Tok3nAsUser1234@pypi.example.com/simple'], 'Tok3nAsUser1234'],
    [['--find', 'https://Tok3nAsUser1234:@pypi.example.com/links'], 'Tok3nAsUser1234'],
  ])('a credential in pip-args %j, an option abbreviated as pip allows', (pipArgs, secret) => {
    expect(secretValues({ ...base, environment: {}, pipArgs })).toContain(secret);
  });

  it('a short user of a pip-args URL without a password is a name (`git@`, `pip@`), not a token: never hidden', () => {
    const values = secretValues({
      ...base,
      environment: {},
      pipArgs: ['git+ssh://git@github.com/acme/lib.git', '-i', 'https://pip@x.example/simple'],
    });
    expect(values).toEqual([]);
    expect(redact('pip install: git clone failed', values)).toBe('pip install: git clone failed');
  });

  it('the user of a pip-args URL with a password is a name, not hidden', () => {
    const values = secretValues({
      ...base,
      environment: {},
      pipArgs: ['-i', 'https://aws:Code-Artifact-77@x.example/simple'],
    });
    expect(values).not.toContain('aws');
    expect(values).toContain('Code-Artifact-77');
  });

  it('a value is also hidden as a function prints it: without the blanks around it, and escaped in JSON', () => {
    const quoted = 'Pw"7\\x-é-9';
    const values = secretValues({ ...base, environment: { A: ' Pg-Secret-771 ', B: quoted } });
    const lines = [
      // Python: os.environ['A'].strip(); a structured logger's JSON line (json.dumps escapes é too).
      'connecting with Pg-Secret-771.',
      `{"message": "config", "b": ${JSON.stringify(quoted)}}`,
      `{"message": "config", "b": "Pw\\"7\\\\x-\\u00e9-9"}`,
    ];
    expect(lines.map((line) => redact(line, values))).toEqual([
      'connecting with ***.',
      '{"message": "config", "b": "***"}',
      '{"message": "config", "b": "***"}',
    ]);
  });
});

describe('the forms a value is printed in', () => {
  const hidden = (environment: Record<string, string>, functionValues: string[] = []) =>
    secretValues(
      { ...base, environment },
      {},
      functionValues.map((value) => ['CONSOLE_VALUE', value]),
    );

  it.each([
    // json.dumps({"body": json.dumps({"token": secret})}): both with Python's ensure_ascii.
    ['Python, ensure_ascii both times', String.raw`{"body": "{\"token\": \"Pw\\\"7\\\\x-\\u00e9-9\"}"}`],
    // The inner document with ensure_ascii=False, the outer with the default.
    ['Python, ensure_ascii only outside', String.raw`{"body": "{\"token\": \"Pw\\\"7\\\\x-\u00e9-9\"}"}`],
    // JSON.stringify({ body: JSON.stringify({ token: secret }) }), and json.dumps(..., ensure_ascii=False) twice.
    ['JavaScript', String.raw`{"body": "{\"token\": \"Pw\\\"7\\\\x-é-9\"}"}`],
  ])(
    'escaped twice, a JSON document inside a JSON string (%s): a body or an event in a log line',
    (_name, line) => {
      const values = hidden({ API_TOKEN: 'Pw"7\\x-é-9' });
      expect(redact(line, values)).toBe(String.raw`{"body": "{\"token\": \"***\"}"}`);
    },
  );

  it('escaped twice with its control characters (a value of several lines) and a character outside the BMP', () => {
    const secret = 'Key\tLine-1\nLine-2-\u{1F511}';
    const values = hidden({ SIGNING_KEY: secret });
    const twice = JSON.stringify({ event: JSON.stringify({ key: secret }) });
    const ascii = (json: string) =>
      json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const pythonTwice = ascii(JSON.stringify({ event: ascii(JSON.stringify({ key: secret })) }));
    expect(redact(twice, values)).toBe(String.raw`{"event":"{\"key\":\"***\"}"}`);
    expect(redact(pythonTwice, values)).toBe(String.raw`{"event":"{\"key\":\"***\"}"}`);
  });

  it("each line of a multi-line value (set in the console) alone: CloudWatch and the local runtime log a value's lines apart", () => {
    const values = hidden({}, ['first-line-K7q2\r\nsecond-line-P9w4\n}']);
    // One CloudWatch event per line; the local runtime puts its timestamp before each.
    const lines = ['2026-12-06T07:30:00.000Z first-line-K7q2', '2026-12-06T07:30:00.001Z second-line-P9w4'];
    expect(redact(lines.join('\n'), values)).toBe(
      '2026-12-06T07:30:00.000Z ***\n2026-12-06T07:30:00.001Z ***',
    );
    // The runner masks line by line too: each line is registered with it (lines too short to mask are not).
    expect(values).toEqual(expect.arrayContaining(['first-line-K7q2', 'second-line-P9w4']));
    expect(values).not.toContain('}');
  });

  it('each text in a JSON value (credentials pasted whole): a function prints the fields it parsed from it', () => {
    const credentials = {
      type: 'service_account',
      private_key_id: '9f3c2a71b0e4d5',
      nested: { password: 'Hunter-2-x9"q' },
      keys: ['Alpha-Key-77', 'Beta'],
      port: 5432,
    };
    // On one line (a secret in `environment`) and pretty-printed over several (set in the console).
    for (const value of [JSON.stringify(credentials), JSON.stringify(credentials, null, 2)]) {
      const values = hidden({}, [value]);
      expect(
        redact('key 9f3c2a71b0e4d5 pw Hunter-2-x9"q {"pw": "Hunter-2-x9\\"q"} alpha Alpha-Key-77', values),
      ).toBe('key *** pw *** {"pw": "***"} alpha ***');
      // Names, texts too short to mask and numbers stay.
      expect(values).not.toEqual(expect.arrayContaining(['private_key_id']));
      expect(values).not.toContain('Beta');
      expect(values).not.toContain('5432');
    }
  });

  it("a JSON value's plain words stay in the log (a config's mode, its feature names), unless a secret's name holds them", () => {
    const config = {
      type: 'service_account',
      mode: 'production',
      features: ['search', 'checkout', 'Gift-Card-v2'],
      db: { password: 'sunshine', user: 'reporting' },
      signing: ['tangerine'],
    };
    const values = hidden({}, [JSON.stringify(config)]);
    expect(
      redact(
        'service_account production: search and checkout; Gift-Card-v2 as reporting (sunshine, tangerine)',
        values,
      ),
    ).toBe('service_account production: search and checkout; *** as reporting (***, ***)');
    // The whole value still is.
    expect(values).toContain(JSON.stringify(config));
  });

  it('a short text in a JSON value under a secret\'s name (`"password": "admin"`), as a word; other short texts stay', () => {
    const values = hidden({}, [
      JSON.stringify({ user: 'app', password: 'admin', db: { api_key: ['k3y9'] } }),
    ]);
    expect(values).toEqual(expect.arrayContaining(['admin', 'k3y9']));
    expect(values).not.toContain('app');
    expect(redact('app logged in with admin (administrator), key k3y9', values)).toBe(
      'app logged in with *** (administrator), key ***',
    );
  });

  it('a value that merely starts like JSON is a value like any other', () => {
    expect(() => hidden({ A: '{not json at all' })).not.toThrow();
    expect(hidden({ A: '["Gamma-Key-88"' })).not.toContain('Gamma-Key-88');
  });

  it('URL-encoded, as a function puts it in a query string, a redirect or a form body', () => {
    const secret = 'Zq9+w/x=Pl&k?#7 z';
    const values = hidden({ SIGNING_KEY: secret });
    expect(
      redact(`Location: https://id.example.com/cb?state=${encodeURIComponent(secret)}&x=1`, values),
    ).toBe('Location: https://id.example.com/cb?state=***&x=1');
    expect(redact(`body ${new URLSearchParams({ q: secret }).toString()}`, values)).toBe('body q=***');
  });

  it.each([
    ['alone', ''],
    ['after one byte', 'u'],
    ['after two bytes', 'us'],
    ['as user:password (Basic auth without its header name)', 'deploy:'],
  ])('base64-encoded, %s: no run of the bytes of the value shows, in any alignment', (_name, before) => {
    // Its base64 has `+` and `/`, which base64url writes as `-` and `_`.
    const secret = 'Pg>?Secret~7731?>horse';
    const values = hidden({ DB_PASSWORD: secret });
    for (const alphabet of ['base64', 'base64url'] as const) {
      const encoded = Buffer.from(`${before}${secret}`).toString(alphabet);
      // What stays: the characters made from `before` alone, one made from both, and the last few.
      const fromBefore = encoded.slice(0, Math.floor((before.length * 8) / 6));
      const escaped = fromBefore.replace(/[+/]/g, '\\$&');
      expect(redact(`creds ${encoded} end`, values)).toMatch(
        new RegExp(`^creds ${escaped}.?\\*\\*\\*.{0,4} end$`),
      );
    }
  });

  it.each([
    ['Jinja (markupsafe)', 'Pw&amp;&lt;7&gt;&#34;x&#39;9'],
    ["Django, Python's html.escape", 'Pw&amp;&lt;7&gt;&quot;x&#x27;9'],
    ['a text node (quotes kept)', `Pw&amp;&lt;7&gt;"x'9`],
  ])('HTML-escaped as %s renders it, in a page the smoke test quotes', (_name, escaped) => {
    const values = hidden({ DB_PASSWORD: `Pw&<7>"x'9` });
    expect(redact(`<td>${escaped}</td>`, values)).toBe('<td>***</td>');
  });

  it('a value of letters and digits has no URL-encoded form of its own', () => {
    expect(hidden({ K: 'Abcdef12' })).toEqual(expect.not.arrayContaining([expect.stringMatching(/%/)]));
  });
});

describe('printedForms', () => {
  it('is the value, its JSON, URL and base64 forms; nothing for a value too short to hide', () => {
    expect(printedForms('Ab1234')).toEqual(
      expect.arrayContaining(['Ab1234', 'QWIxMjM0', 'FiMTIzN', 'BYjEyMz']),
    );
    expect(printedForms('Ab12')).toEqual([]);
  });

  it("leaves out a line of a multi-line value that is the project's or the stage's name", () => {
    const values = secretValues(
      { ...base, environment: {} },
      { stage: 'pr-12', functionName: 'shop-pr-12' },
      [['CONSOLE_KEY', 'shop-pr-12\nKey-Line-9x2Q']],
    );
    expect(values).toContain('Key-Line-9x2Q');
    expect(values).not.toContain('shop-pr-12');
  });
});
