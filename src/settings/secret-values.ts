import {
  isSecretName,
  isShortSecret,
  MIN_NAMED_SECRET_LENGTH,
  MIN_SECRET_LENGTH,
  usableSecrets,
} from '../util/redact.js';
import type { Settings } from '../model/settings.js';

type SecretSettings = Pick<Settings, 'environment' | 'githubToken' | 'pipArgs' | 'name' | 'awsRegion'> &
  Partial<Pick<Settings, 'smokePath' | 'roleToAssume' | 'executionRoleArn'>>;

/** The stage's names, and the account once known (signed in); each is part of an output. */
interface PublicNames {
  stage?: string;
  functionName?: string;
  accountId?: string;
}

/**
 * The values of the settings that no log line, summary or comment may show:
 * every `environment` value (a workflow passes `${{ secrets.X }}` there and
 * nothing says which ones), the GitHub token, passwords in pip-args URLs
 * (`--index-url https://user:password@host/simple`; the user when it has
 * none: it is the token then, when long) and the values in smoke-path's query
 * (`/health?key=${{ secrets.X }}`, quoted by every smoke line). Values
 * shorter than MIN_SECRET_LENGTH are left out (masking `1` or `true` would star out every
 * occurrence in the log) unless their name (DB_PASSWORD=admin, `?token=`) or their place
 * (a URL's password) makes them secrets: those from MIN_NAMED_SECRET_LENGTH on, which redact
 * hides only as words and the runner is not given (see registerSecret). Left out too are values that are already public: the
 * project name, the stage, the function name and the region are in every
 * resource name and URL, and the account ID and the function's ARN are in
 * the function-arn output (see publicParts).
 */
export function secretValues(
  settings: SecretSettings,
  stage: PublicNames = {},
  /** Variables the function already had, as [name, value] (see FunctionResult.environmentBefore), filtered the same way. */
  functionValues: readonly (readonly [string, string])[] = [],
): string[] {
  const passwords = settings.pipArgs.flatMap((arg) => {
    // Anywhere in the argument: `--index-url=https://user:password@host/simple` is one.
    const m = /\b[a-z][a-z0-9+.-]*:\/\/([^\s:/?#@]*)(?::([^\s/?#@]*))?@/i.exec(arg);
    // Without a password the user is the token (Gemfury's `https://TOKEN:@pypi.fury.io/acme/`),
    // which pip's own output shows: it stars only a password. A short one is a name (`git@`, made
    // by people; tokens are made by machines, long): hidden, it would star our every `git`.
    const user = m?.[1] && !isShortSecret(m[1]) ? m[1] : undefined;
    const secret = m?.[2] || user;
    return secret ? [secret, decodeURIComponentSafe(secret)] : [];
  });
  const queryValues = queryOf(settings.smokePath ?? '').flatMap(([name, v]) =>
    [v, decodeURIComponentSafe(v)].filter((form) => isSecretName(name) || !isShortSecret(form)),
  );
  const isPublic = publicParts(settings, stage);
  const variables = [
    ...[...Object.entries(settings.environment), ...functionValues].map(([name, value]) => ({
      value,
      secret: isSecretName(name),
    })),
  ];
  return usableSecrets([
    ...variables
      .filter(({ value }) => !isPublic.has(value.trim()))
      .flatMap(({ value, secret }) => printedForms(value, secret))
      // A line of a longer value may be one of them on its own.
      .filter((form) => !isPublic.has(form.trim())),
    settings.githubToken,
    ...passwords,
    ...queryValues,
  ]);
}

/**
 * The values the action's own outputs show whole (stage, function-name, and
 * function-arn with the region and the account ID in it). A value equal to one
 * is no secret, and masked it would make GitHub drop every job output that
 * holds it ("Skip output ... since it may contain secret"). The account is
 * known before anything is masked when a role ARN names it (a function's role
 * is in its own account, and so is the deploy role signed in to), else once
 * signed in. A value that merely holds one of them stays masked.
 */
function publicParts(settings: SecretSettings, stage: PublicNames): Set<string | undefined> {
  const role = [settings.roleToAssume, settings.executionRoleArn]
    .map((arn) => /^arn:([\w-]+):iam::(\d{12}):role\//.exec(arn ?? ''))
    .find(Boolean);
  const account = stage.accountId || role?.[2];
  const arn =
    account && settings.awsRegion && stage.functionName
      ? `arn:${role?.[1] ?? 'aws'}:lambda:${settings.awsRegion}:${account}:function:${stage.functionName}`
      : undefined;
  return new Set([settings.name, settings.awsRegion, stage.stage, stage.functionName, account, arn]);
}

/** The names and values of a path's query string, as written (`/health?key=a%2Bb` gives `key`, `a%2Bb`). */
function queryOf(path: string): [string, string][] {
  const query = path.split('#')[0]!.split('?').slice(1).join('?');
  return query
    ? query.split('&').map((pair) => {
        const cut = pair.indexOf('=');
        return [decodeURIComponentSafe(pair.slice(0, Math.max(cut, 0))), pair.slice(cut + 1)];
      })
    : [];
}

/**
 * A variable's value as a function may print it: as it is, without the
 * blanks around it (`KEY= value` in the input; the code strips it), inside
 * a JSON string (a structured log line), with non-ASCII characters escaped
 * too as Python's json.dumps does, and escaped twice (a JSON document kept as
 * a string in another), HTML-escaped (a page a template
 * rendered), URL-encoded (a query string, a redirect, a form body) and
 * base64-encoded (a Basic auth header, a token built from it). A value of
 * several lines (set in the console: a key, a certificate) also line by
 * line: CloudWatch keeps each printed line as an event of its own, the
 * local runtime puts a timestamp before each, and the runner masks line by
 * line. A JSON value also each text in it (see jsonTexts). A value or a JSON
 * text shorter than MIN_SECRET_LENGTH only when a secret's name holds it
 * (`secretName`: its variable's; `"password": "admin"` inside), and without
 * base64 forms: those stand inside a longer run of base64, never as a word.
 */
export function printedForms(value: string, secretName = false): string[] {
  const bare = value.trim();
  if (bare.length < MIN_SECRET_LENGTH) return secretName && named(bare) ? [value, ...escapedForms(bare)] : [];
  const lines = bare.split(/\r\n|\r|\n/).map((line) => line.trim());
  const texts = jsonTexts(bare);
  const parts = [
    bare,
    ...(lines.length > 1 ? lines : []),
    ...texts.filter((t) => !isShortSecret(t.text)).map((t) => t.text),
  ].filter((part, i) => i === 0 || part.length >= MIN_SECRET_LENGTH);
  const short = texts.filter((t) => t.secretName && isShortSecret(t.text) && named(t.text));
  return [
    value,
    ...parts.flatMap((part) => [...escapedForms(part), ...base64Forms(part)]),
    ...short.flatMap((t) => escapedForms(t.text)),
  ];
}

/** Whether a short text is long enough to hide when a secret's name holds it. */
const named = (text: string) => text.length >= MIN_NAMED_SECRET_LENGTH;

/** A text as JSON, HTML and a URL escape it. */
const escapedForms = (text: string) => [...jsonForms(text), ...htmlForms(text), ...urlForms(text)];

/**
 * The texts in a value that is a JSON object or array (a service account's
 * key, credentials pasted whole): the function parses it and prints a field
 * alone (`connecting with {password}`), which the whole value and its lines
 * do not cover. Names and numbers are not secrets, and neither is a plain
 * word (`production`, `checkout`: a config's settings, masked they would
 * star out every such word in the log) unless a secret's name holds it.
 */
function jsonTexts(value: string): { text: string; secretName: boolean }[] {
  if (!/^[[{]/.test(value)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  const texts: { text: string; secretName: boolean }[] = [];
  // `secretKey`: under a key SECRET_KEY matches (plain words too); `secretName`: one isSecretName
  // matches (short texts too, as a variable's of that name).
  const walk = (node: unknown, secretKey: boolean, secretName: boolean): void => {
    if (typeof node === 'string') {
      if (secretKey || !PLAIN_WORDS.test(node.trim())) texts.push({ text: node.trim(), secretName });
    } else if (node && typeof node === 'object')
      for (const [key, child] of Object.entries(node)) {
        const keyed = !Array.isArray(node);
        walk(child, secretKey || (keyed && SECRET_KEY.test(key)), secretName || (keyed && isSecretName(key)));
      }
  };
  walk(parsed, false, false);
  return texts;
}

/** Letters, words joined by `_`, `-` or a space: what people name settings with, not what keys are made of. */
const PLAIN_WORDS = /^[A-Za-z]+(?:[ _-][A-Za-z]+)*$/;

/** A JSON key whose texts are secrets even when plain words (`"password": "sunshine"`); more is only more masked. */
const SECRET_KEY = /pass|pw|secret|token|key|credential|auth|sign|cookie|session|private|cert|salt|dsn/i;

/** HTML-escaped, as template engines write it into a page: Jinja's, Django's and html.escape's quotes, or none. */
function htmlForms(text: string): string[] {
  const escape = (quot: string, apos: string) =>
    text.replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': quot, "'": apos })[c] as string,
    );
  return [escape('&#34;', '&#39;'), escape('&quot;', '&#x27;'), escape('"', "'")];
}

/**
 * Inside a JSON string, as JavaScript and as Python's json.dumps (non-ASCII
 * escaped) write it; and inside a JSON document that is itself a JSON string
 * (`json.dumps({"body": json.dumps({...})})`, an error quoting its event):
 * escaped twice, each time by either. A value with nothing JSON escapes has
 * the one form (usableSecrets drops the repeats), so only such values pay.
 */
function jsonForms(text: string): string[] {
  const once = [jsonEscaped(text), asciiEscaped(jsonEscaped(text))];
  const twice = once.flatMap((inner) => [jsonEscaped(inner), asciiEscaped(jsonEscaped(inner))]);
  return [text, ...once, ...twice];
}

/** The inside of a JSON string holding `text`, as JSON.stringify writes it. */
const jsonEscaped = (text: string) => JSON.stringify(text).slice(1, -1);

/** `json` with its non-ASCII characters escaped too, as Python's json.dumps does by default (ensure_ascii). */
const asciiEscaped = (json: string) =>
  json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Percent-encoded (a URL's parts) and form-encoded (`+` for a blank, a few more characters encoded). */
function urlForms(text: string): string[] {
  return [encodeURIComponent(text), new URLSearchParams({ v: text }).toString().slice(2)];
}

/**
 * The runs of base64 characters made from the value's bytes alone, in both
 * alphabets, for each of the three places the value can start in a 3-byte
 * group (after nothing, one byte, two bytes: `user:password` in Basic auth).
 * The characters it shares with the bytes around it are left out; they
 * differ with those bytes.
 */
function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  return [0, 1, 2].flatMap((offset) => {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    // Characters (6 bits each) that start at or after the value's first bit and end by its last.
    const first = Math.ceil((offset * 8) / 6);
    const end = Math.floor((padded.length * 8) / 6);
    return (['base64', 'base64url'] as const).map((alphabet) => padded.toString(alphabet).slice(first, end));
  });
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
