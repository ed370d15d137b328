/** Redaction's limits at, just inside and just outside each boundary, and every case form of the AWS names. */
import { describe, expect, it } from '@jest/globals';
import {
  cutText,
  hideKnown,
  lineRedactor,
  MIN_NAMED_SECRET_LENGTH,
  MIN_SECRET_LENGTH,
  redact,
  redactCutTail,
  REDACTED,
  usableSecrets,
} from '../../src/util/redact.js';

/**
 * The best of two runs of `work` on `text`, in ms. The complexity guards below compare it with the
 * same length of plain words, so a loaded machine slows both.
 */
function bestMs(text: string, work: (text: string) => unknown = (t) => redact(t)): number {
  const once = (): number => {
    const started = performance.now();
    work(text);
    return performance.now() - started;
  };
  return Math.min(once(), once());
}

/** `part` again and again, to at least `size` characters. */
const repeatedTo = (size: number, part: string): string => part.repeat(Math.ceil(size / part.length));

describe('the shortest secret redacted anywhere is 6 characters; a shorter known one from 3, as a word', () => {
  it('is 6 and 3', () => {
    expect([MIN_SECRET_LENGTH, MIN_NAMED_SECRET_LENGTH, REDACTED]).toEqual([6, 3, '***']);
  });

  it.each<[string, boolean]>([
    ['q7', false],
    ['q7x', true],
    ['q7x2z', true],
    ['q7x2zk', true],
    // Counted without surrounding blanks: a padded value that short is not hidden.
    ['  q7  ', false],
    ['  q7x  ', true],
  ])('a known value %j standing alone is redacted: %s', (secret, hidden) => {
    const text = `value=[${secret}] end`;
    expect(redact(text, [secret])).toBe(hidden ? `value=[${REDACTED}] end` : text);
    expect(usableSecrets([secret])).toEqual(hidden ? [secret] : []);
  });

  it.each<[string, boolean]>([
    ['q7x', false],
    ['q7x2z', false],
    ['q7x2zk', true],
    ['q7x2zk9', true],
  ])('a known value %j inside a longer word is redacted: %s', (secret, hidden) => {
    const text = `value=a${secret}b end`;
    expect(redact(text, [secret])).toBe(hidden ? `value=a${REDACTED}b end` : text);
  });

  it('longest first, each once', () => {
    expect(usableSecrets(['abcdef', 'abcdefgh', 'abcdef', undefined, 'abcdefg'])).toEqual([
      'abcdefgh',
      'abcdefg',
      'abcdef',
    ]);
  });
});

describe('a large text with many known values', () => {
  // A function's log of 2 MB against thousands of known forms (a large environment's): a short value that stands
  // inside many words (`data` in metadata) is met at each of them, and each such place must cost
  // what its own candidates cost, not every known value's.
  // A complexity guard, not a speed claim: the same text without the short value inside its words
  // is the yardstick, so a loaded machine slows both. Checking every known value at each of the
  // 225,000 matches took ~90x the yardstick; the first-character index, 6-9x.
  it('is redacted in time linear in the text, however often a short value stands inside a word', () => {
    const known = usableSecrets(['data', ...Array.from({ length: 3000 }, (_, i) => `known-value-${i}`)]);
    const time = (text: string): number => {
      const started = performance.now();
      redact(text, known);
      return performance.now() - started;
    };
    const text = 'metadata '.repeat(225_000);
    const yardstick = Math.min(time('metadatx '.repeat(225_000)), time('metadatx '.repeat(225_000)));
    expect(time(text) / yardstick).toBeLessThan(30);
    expect(redact(`${text}data`, known)).toBe(`${text}${REDACTED}`);
  });

  // A long run of name characters (a hyphenated id, base64url) where each `-` starts a word: a shape
  // whose start is any word's and whose prefix may run to the run's end (a URL's scheme, a secret's
  // name) would scan the rest of the run from each one. The same length broken by blanks is the
  // yardstick: scanning again from each word took ~3,000x it at 40,000 characters; once, 10-40x.
  it('is redacted in time linear in the text, however long a run of words joined by `-` or `.`', () => {
    const yardstick = bestMs('a '.repeat(20_000));
    for (const joined of ['a-', 'a.', 'x_pass-', 'app-key-', 'secret_key_base.', 'set-cookie:'])
      expect(bestMs(repeatedTo(40_000, joined)) / yardstick).toBeLessThan(300);
  });

  // A function's log may print many endpoint-shaped hosts and a short secret's word beside each: each
  // place the word is met looks only at the hosts near it: 192,000 characters took ~35x the yardstick
  // when it looked at all of them; now under 1x (the yardstick holds more words).
  it('is redacted in time linear in the text, however many endpoint hosts and short values it holds', () => {
    const withAbc = (text: string) => redact(text, ['abc']);
    const yardstick = bestMs('abc '.repeat(48_000), withAbc);
    const hosts = 'http://127.0.0.1:1 abc '.repeat(Math.ceil(192_000 / 22));
    expect(bestMs(hosts, withAbc) / yardstick).toBeLessThan(5);
  });

  // The shapes a signature's label, a URL-encoded `=`, a vendor's prefix or a command's option starts, met
  // again and again, or followed by a long run that is almost one: each is looked at once. The yardstick is
  // plain words of the same length; `Signature:` and 400,000 blanks with a second run of blanks allowed
  // after an optional newline took ~7,500x it at 200,000 characters; all of these take under 10x.
  it('is redacted in time linear in the text, however often a newer shape starts in it', () => {
    const SIZE = 400_000;
    const yardstick = bestMs('a '.repeat(SIZE / 2));
    const repeated = (part: string) => repeatedTo(SIZE, part);
    for (const text of [
      repeated('%3D'),
      repeated('%26password%3D'),
      repeated('-p'),
      repeated('mysql -p"'),
      repeated('curl -u'),
      repeated("curl -u'a:"),
      repeated('curl -u \\"a:'),
      repeated('mysql -p\\"a\\'),
      repeated('&sig='),
      repeated('signature:\n'),
      repeated('signature:\\r\\n \\n'),
      repeated('_auth ='),
      repeated('hvs.'),
      repeated('gldt-'),
      `Signature:${' '.repeat(SIZE)}x`,
    ])
      expect(bestMs(text) / yardstick).toBeLessThan(100);
    expect(bestMs(`Signature:${' '.repeat(SIZE)}x`, lineRedactor()) / yardstick).toBeLessThan(100);
  });

  // The same for the shapes GitLab's token headers, Yarn's npmAuthIdent, a JSON signature, a double-encoded
  // `=` and other commands' password options start: each looked at once, under 100x plain words.
  it('is redacted in time linear in the text, however often a header, a field or a command option starts in it', () => {
    const SIZE = 400_000;
    const yardstick = bestMs('a '.repeat(SIZE / 2));
    const repeated = (part: string) => repeatedTo(SIZE, part);
    for (const text of [
      repeated('PRIVATE-TOKEN:'),
      repeated("'JOB-TOKEN': '"),
      repeated('npmAuthIdent: "'),
      repeated('"signature": "'),
      repeated('"signature": "sha256=a'),
      repeated('%253D'),
      repeated('%2526password%253D'),
      repeated('sshpass -p'),
      repeated('sshpass -v -Pa'),
      repeated('redis-cli -a'),
      repeated('http -a'),
      repeated("http --auth='a:"),
      repeated('curl -U'),
      repeated('curl --proxy-user \\"a:'),
      `"signature": "${'a'.repeat(SIZE)}`,
      `sshpass${' -v'.repeat(SIZE / 3)}`,
    ])
      expect(bestMs(text) / yardstick).toBeLessThan(100);
  });

  // The third round's shapes: `\u0026` before a signature, `%25253D`, httpie's `-A bearer`, a keyword argument's or
  // a vendor header's signature, Stripe's `v1=`, a GitLab token header's words, a host after a GitLab prefix, and
  // curl's arguments over continued lines (80 of them now), and an option's value after one: each looked at once,
  // under 100x plain words.
  it('is redacted in time linear in the text, however often an escaped, encoded or vendor shape starts in it', () => {
    const SIZE = 400_000;
    const yardstick = bestMs('a '.repeat(SIZE / 2));
    const repeated = (part: string) => repeatedTo(SIZE, part);
    for (const text of [
      repeated('\\u0026sig='),
      repeated('\\u0026Signature=a'),
      repeated('%25253D'),
      repeated('%252526password%25253D'),
      repeated('http -A bearer -a'),
      repeated('http --auth-type=bearer x '),
      repeated('http -a x '),
      repeated('http -a x -A '),
      repeated("signature='"),
      repeated('signature="sha256=a'),
      repeated('x-hub-signature-256: sha256='),
      repeated('a-signature: sha1=a'),
      repeated(',v1=a'),
      repeated('PRIVATE-TOKEN: Ab'),
      `PRIVATE-TOKEN: ${'Ab'.repeat(SIZE / 2)}`,
      `PRIVATE-TOKEN: ${'a'.repeat(SIZE)}`,
      repeated('glagent-a-'),
      `glagent-${'a-'.repeat(SIZE / 2)}`,
      repeated('curl \\\n'),
      repeated('curl \\\r -u'),
      repeated('curl x '),
      `curl${' \\\r\n x'.repeat(SIZE / 6)}`,
      // An option's value after a continued line, npm's placeholder before a value, a host's words after a prefix.
      repeated('sshpass \\\n -P x '),
      repeated('redis-cli -a \\\n'),
      repeated('http -a \\\n'),
      repeated('_authToken=(protected)'),
      repeated('"token": "(protected)'),
      `glagent-${'ab-12-'.repeat(SIZE / 6)}`,
      `PRIVATE-TOKEN: ${'AbcDef'.repeat(SIZE / 6)}`,
    ])
      expect(bestMs(text) / yardstick).toBeLessThan(100);
    expect(
      bestMs(repeatedTo(40_000, 'hvs.'), redactCutTail) / bestMs('a '.repeat(20_000), redactCutTail),
    ).toBeLessThan(300);
  });

  // sshpass's `-P prompt` takes any word, `sshpass` too: unbounded, each sshpass scanned the rest of the text.
  it('is redacted in time linear in the text, however often sshpass and its -P prompt repeat', () => {
    const SIZE = 100_000;
    const yardstick = bestMs('a '.repeat(SIZE / 2));
    for (const part of ['sshpass -P ', 'sshpass -v -P '])
      expect(bestMs(repeatedTo(SIZE, part)) / yardstick).toBeLessThan(100);
  }, 60_000);

  // The CLI's logger gives its values in the order they were masked, not longest first.
  it('hides the longest value that starts at a place, whatever the order it is given in', () => {
    for (const known of [
      ['abcdef', 'abcdef-zz', 'abc'],
      ['abc', 'abcdef-zz', 'abcdef'],
    ])
      expect(hideKnown('k=abcdef-zz abc abcdefx', known)).toBe(`k=${REDACTED} ${REDACTED} ${REDACTED}x`);
  });
});

describe('AWS credentials after their names, in every case', () => {
  const TOKEN = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVz';
  const KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  it.each([
    `AWS_SESSION_TOKEN=${TOKEN}`,
    `aws_session_token=${TOKEN}`,
    `Aws_Session_Token = ${TOKEN}`,
    `AWS_SESSION_TOKEN: ${TOKEN}`,
    `"SessionToken": "${TOKEN}"`,
    `export AWS_SESSION_TOKEN="${TOKEN}"`,
    `AWS_SECRET_ACCESS_KEY=${KEY}`,
    `"SECRETACCESSKEY":"${KEY}"`,
  ])('%s', (line) => {
    const out = redact(line);
    expect(out).not.toContain(TOKEN.slice(0, 12));
    expect(out).not.toContain(KEY.slice(0, 12));
    expect(out).toContain(REDACTED);
  });

  // A log excerpt starts mid-line: the name keeps its closing quote, not its opening one.
  it.each([
    [`AWS_SESSION_TOKEN": "${TOKEN}"}`, `AWS_SESSION_TOKEN": "${REDACTED}"}`],
    [`aws_session_token': '${TOKEN}'`, `aws_session_token': '${REDACTED}'`],
    [`SESSIONTOKEN":"${TOKEN}"`, `SESSIONTOKEN":"${REDACTED}"`],
    [`AWS_SECRET_ACCESS_KEY": "${KEY}"`, `AWS_SECRET_ACCESS_KEY": "${REDACTED}"`],
    [`SecretAccessKey':'${KEY}'`, `SecretAccessKey':'${REDACTED}'`],
  ])('a field whose opening quote was cut off: %s', (line, out) => {
    expect(redact(line)).toBe(out);
  });

  it('a session token needs 16 characters to be taken by its shape', () => {
    expect(redact('x-session_token:abcdefghijklmnop,')).toBe(`x-session_token:${REDACTED},`);
  });

  it('a secret key is exactly 40 characters of base64', () => {
    expect(redact(`aws_secret_access_key=${KEY}`)).toBe(`aws_secret_access_key=${REDACTED}`);
    expect(redact(`ver ${KEY.slice(1)}`)).toBe(`ver ${KEY.slice(1)}`);
    expect(redact(`ver ${KEY}x`)).toBe(`ver ${KEY}x`);
    expect(redact(`ver ${KEY}`)).toBe(`ver ${REDACTED}`);
  });

  it('an access key id is AKIA or ASIA and exactly 16 more upper-case letters or digits', () => {
    expect(redact('AKIAIOSFODNN7EXAMPL')).toBe('AKIAIOSFODNN7EXAMPL');
    expect(redact('AKIAIOSFODNN7EXAMPLE')).toBe(REDACTED);
    expect(redact('AKIAIOSFODNN7EXAMPLEX')).toBe('AKIAIOSFODNN7EXAMPLEX');
    expect(redact('AIDAIOSFODNN7EXAMPLE')).toBe('AIDAIOSFODNN7EXAMPLE');
  });
});

describe('a cut text', () => {
  it('cutText leaves text of at most max characters alone', () => {
    expect(cutText('abcdef', 6)).toBe('abcdef');
    expect(cutText('abcdefg', 6)).toBe('abcdef… (1 more characters)');
    expect(cutText('abcdefg', 6, [], (n) => ` +${n}`)).toBe('abcdef +1');
  });

  it.each<[string, string]>([
    ['log Zq8', `log ${REDACTED}`],
    ['log Zq', 'log Zq'],
    ['log Zq8-secret-valu', `log ${REDACTED}`],
  ])('an ending of 3 or more characters of a known secret goes: %j', (text, out) => {
    expect(redactCutTail(text, ['Zq8-secret-value'])).toBe(out);
  });

  it('the whole secret at the end is not a cut one (redact() handles it)', () => {
    expect(redactCutTail('Zq8-secret-value', ['Zq8-secret-value'])).toBe('Zq8-secret-value');
  });

  it.each([
    ['token ghp_', `token ${REDACTED}`],
    ['id ASIA', `id ${REDACTED}`],
    ['jwt eyJ', `jwt ${REDACTED}`],
    ['see https://u:', `see ${REDACTED}`],
    ['see https://host/x', 'see https://host/x'],
    ['word ghp', 'word ghp'],
  ])('a secret shape cut at the end: %j', (text, out) => {
    expect(redactCutTail(text)).toBe(out);
  });

  // A shape's prefix met again and again in a long run (`glpat-glpat-...`, `AKIAAKIA...`) that a blank ends:
  // looked for from each, the run's rest was scanned again each time (16,000 characters, a local line's
  // most, took ~100 ms; 100,000 ~4 s). The yardstick is the same length of plain words.
  it("is cleaned in time linear in the text, however often a shape's prefix repeats in a run", () => {
    const yardstick = bestMs('a '.repeat(20_000), redactCutTail);
    for (const prefix of ['glpat-', 'pypi-AgE', 'AKIA', 'eyJ', 'npm_A'])
      expect(bestMs(`${repeatedTo(40_000, prefix)} `, redactCutTail) / yardstick).toBeLessThan(300);
    expect(redactCutTail(`x ${'glpat-'.repeat(3)}`)).toBe(`x ${REDACTED}`);
  });
});
