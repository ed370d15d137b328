/**
 * Removes secrets from text we show: the job log's function lines, smoke
 * answers, the job summary, the PR comment and the Deployment description.
 * The runner masks only what setSecret registered and only in the job log;
 * a PR comment is masked by nobody. So every text is cleaned of the values
 * the action knows (environment values, tokens, keys) and of the shapes of
 * secrets it was never told about. Pure.
 */

export const REDACTED = '***';

/** Shorter values are too likely to be ordinary words or numbers (`true`, `info`, `1`) to hide wherever they occur. */
export const MIN_SECRET_LENGTH = 6;

/**
 * A known value shorter than MIN_SECRET_LENGTH is hidden from this length on, and only where it
 * stands as a word of its own (see hideKnown); its gatherer lets it in only when its name or its
 * source makes it a secret (DB_PASSWORD=admin, a URL's password; see isSecretName). One or two
 * characters are a few thousand values, guessed at once, so hiding them protects nothing, while
 * as words (`ok`, `id`, `42`) they are in most texts: the stars would garble them and, where they
 * stand, tell the value.
 */
export const MIN_NAMED_SECRET_LENGTH = 3;

type Pattern =
  | {
      pattern: RegExp;
      /** Replacement; `$1` keeps the key name or prefix. */
      replace: string;
    }
  | {
      pattern: RegExp;
      /**
       * Extra test on the match (e.g. mixed case), for shapes a regular expression alone
       * over-matches. What it accepts becomes REDACTED; a keyed pattern keeps its name,
       * which it is given too (the name and separator, `api_key: "`).
       */
      accept: (match: string, name: string) => boolean;
    };

/**
 * Names whose value is a secret when assigned with `=`: DB_PASSWORD=..., api_key=..., GITHUB_TOKEN=...,
 * STRIPE_SECRET_KEY=... (`secretKey`), Rails' SECRET_KEY_BASE, and a password's short names as a name's
 * last part (DB_PASS, MYSQL_PWD).
 */
const SECRET_WORD = String.raw`secret(?:[_-]?key(?:[_-]?base)?)?`;
const SECRET_NAME = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|passphrase|${SECRET_WORD}|token|api[_-]?key|private[_-]?key|access[_-]?key|credentials?|[_.-]pass|[_.-]pwd)`;
/**
 * Kinds of key that are a secret (SIGNING_KEY, APP_KEY, LICENSE_KEY), as detect-secrets' and Sentry's
 * scrubbers list them. A bare `key` or a key that names data (CACHE_KEY, S3_KEY, SORT_KEY, OBJECT_KEY)
 * is not: its short value is a word (`api`, `data`, `id`) that would be starred wherever it stands.
 * Nor is a vendor's (STRIPE_KEY: Laravel Cashier's is the publishable key); its real keys are long.
 */
const SECRET_KEY_KIND = String.raw`(?:api|access|private|priv|secret|signing|sign|encryption|encrypt|crypt|crypto|license|licence|client|master|auth|service|account|subscription|app|ssh|deploy|hmac|jwt|webhook|consumer)[_.-]?key`;
/** A name that ends in a key of a secret's kind (RAILS_MASTER_KEY, APP_KEY, signingKey), its kind a word of its own. */
const SECRET_KEY_NAME = String.raw`(?:[A-Za-z0-9_.-]*[_.-])?${SECRET_KEY_KIND}`;
/**
 * A variable's or a query parameter's whole name that says its value is a secret: one of SECRET_NAME,
 * or a last part that is short for one (SMTP_PASS, MYSQL_PWD, DB_PW, BASIC_AUTH), a PIN, a passcode, a
 * salt or pepper, or a key of a secret kind. It decides only for short values (see MIN_NAMED_SECRET_LENGTH):
 * every longer one is hidden whatever its name.
 */
const SECRET_VARIABLE = new RegExp(
  String.raw`^(?:${SECRET_NAME}|${SECRET_KEY_NAME}|(?:[A-Za-z0-9_.-]*[_.-])?(?:pass|passcode|pwd|pw|pin|secrets|salt|pepper|auth(?:orization)?))$`,
  'i',
);
/** The same short last parts in camelCase (dbPass, userPwd, cardPin): by case, so `bypass` is none. */
const SECRET_CAMEL_PART = /[a-z0-9](?:Pass|Passcode|Pwd|Pw|Pin|Secrets|Salt|Pepper|Auth)$/;

/**
 * Whether a variable (DB_PASSWORD, PASSWORD2, dbPass) or a parameter (`?token=`) holds a secret by its
 * name; a number after it (a second password, a key being rotated) says nothing.
 */
export const isSecretName = (name: string): boolean => {
  const base = name.trim().replace(/(?<=[A-Za-z])[_.-]?\d+$/, '');
  return SECRET_VARIABLE.test(base) || SECRET_CAMEL_PART.test(base);
};
/**
 * The same after a colon (`"password": "x"`, `client_secret: x`), without the bare
 * `token` that ordinary text has (`id-token: write`).
 */
const SECRET_NAME_COLON = String.raw`[A-Za-z0-9_.-]*(?:password|passwd|passphrase|${SECRET_WORD}|api[_-]?key|private[_-]?key|access[_-]?key|(?:access|refresh|session|auth|security|vault)[_-]?token|[_.-]pass|[_.-]pwd)`;
const VALUE = String.raw`[^\s"'\`,;&}\])]+`;
/**
 * A value after a quoted name: up to an escaped quote too (JSON inside a JSON string: `{\"password\": \"x\"}`);
 * an escape pair (`\\`, `\n`) is the value's, whole: only an escaped quote ends it.
 */
const QUOTED_VALUE = String.raw`(?:[^\s"'\`,;&}\])\\]|\\[^\s"'])+`;
/** A value's opening quote: escaped, or a Python bytes' (`b'...'`, an SDK's wire trace of headers). */
const OPENING_QUOTE = String.raw`(?:b?\\?["'])?`;

/** Something secret-shaped with mixed case and a digit: real keys are, commit hashes and words are not. */
const mixed = (s: string) => /[a-z]/.test(s) && /[A-Z]/.test(s) && /\d/.test(s);
/** Values after a secret's name that are none: a setting, a placeholder, an already hidden value. */
const NOT_A_VALUE =
  /^(?:true|false|null|none|undefined|yes|no|on|off|read|write|required|optional|\*+|\$\{.*|<.*>)$/i;
/**
 * npm's own placeholder for a value it hides (`_authToken = (protected)`), as the whole value only: a value
 * stops at a `)` (`f(password=x)`), so a value's first part would be taken for it and the rest shown.
 */
const NPM_HIDDEN = '(protected)';
/** A value after a secret's name (`value`: its characters) that starts with npm's placeholder: one with it. */
const orNpmHidden = (value: string) => String.raw`\(protected\)(?:${value})?|${value}`;
/**
 * `pass` after what a test run counts (tests_pass=12, checks_pass: 7) is a verb, and a number after it their
 * count. Only both: a PIN is digits too (DB_PASS=1234), and so may a test user's be (TEST_PASS=1234). And only
 * as the whole name, a test kind's at most (e2e_tests_pass): DB_TESTS_PASS is the tests' database's password.
 * `name` is the pattern's whole prefix (quotes, separator).
 */
const TESTS_PASS =
  /^(?:\\?["'])?(?:(?:unit|e2e|integration|smoke|api|ui|functional|acceptance|regression|component|contract|total|num)[_.-])?(?:tests|checks|specs|cases|assertions)[_.-]pass(?:\\?["'])?\s*[:=]/i;
/** Names of secrets people choose (a short word is one); keys and tokens are made by machines. */
const CHOSEN_BY_PEOPLE = /pass|pwd|secret/i;
const SHORT_WORD = new RegExp(`^[A-Za-z]{1,${MIN_SECRET_LENGTH - 1}}$`);
/**
 * Whether the value after a secret's name is one. After the name of a key or
 * token, a word of letters shorter than MIN_SECRET_LENGTH is not
 * (`api-key: "maybe"`, our own message about the api-key switch): machine-made
 * keys and tokens are longer or carry digits and symbols (a short one the action
 * knows by its variable's name is hidden as a known value). After a password's, passphrase's or secret's
 * name a short word stays hidden (`password: admin`): people choose those.
 */
const aSecretValue = (value: string, name: string) =>
  !NOT_A_VALUE.test(value) &&
  value !== NPM_HIDDEN &&
  (CHOSEN_BY_PEOPLE.test(name) || !SHORT_WORD.test(value)) &&
  !(TESTS_PASS.test(name) && /^\d+$/.test(value));

/**
 * GitLab's token prefixes, as its token overview lists them (personal, project and group tokens share
 * glpat-), an instance's own prefix before them kept by the word break before `gl`; and the legacy
 * runner registration token's GR1348941.
 */
const GITLAB_PREFIX = String.raw`gl(?:pat|dt|rtr?|oas|cbt|ptt|ft|imt|agent|soat|ffct|wt)-|GR1348941`;
const GITLAB_PREFIX_AT_START = new RegExp(`^(?:${GITLAB_PREFIX})`);

/**
 * A host's or a cluster's name after a token's prefix: lower-case words and numbers joined by `-`, each a
 * word or a number (`production-cluster-01`). A token's random part has capitals or `_` too; 1 in ~55,000
 * has neither (`k3x9-m2v8q-7wzt4nb1p`), and of those almost none has no letter beside a digit.
 */
const HOST_LABEL = /^(?:[a-z]+|\d+)(?:-(?:[a-z]+|\d+))+$/;

/** A signature, not a word about one (`Signature=valid`): long, and no plain words. */
const aSignature = (value: string) => value.length >= 16 && !/^[A-Za-z]+(?:[_-][A-Za-z]+)*$/.test(value);

/**
 * A token header's value: a token's characters, from its first. Not a placeholder (`{token}`, `%s`) or a
 * value already hidden (GitLab's `[MASKED]`), nor an escaped closing quote's `\\` (JSON in a JSON string).
 */
const TOKEN_VALUE = String.raw`[A-Za-z0-9_][A-Za-z0-9_.~+/=-]*`;

/**
 * A word or words (`invalid`, `MISSING`, `not-set`, `NotSet`, `YourTokenHere`), each at most 16 letters: a
 * token's random part mixes cases or has digits, and one in a single case and without digits
 * (`abcdefghijklmnopqrst`) is a run of 20 letters, longer than a word. Each camelCase word starts with
 * its capital, so a run of letters splits one way only (linear).
 */
const A_WORD =
  /^(?:[A-Z]?[a-z]{1,16}(?:[A-Z][a-z]{1,16})*|[A-Z]{1,16})(?:[_-](?:[A-Z]?[a-z]{1,16}(?:[A-Z][a-z]{1,16})*|[A-Z]{1,16}))*$/;
/**
 * A word of camelCase a person wrote (`Not`, `Your`, `Me`): two letters or more, a vowel, no four consonants
 * in a row. Mixed case alone is no sign of one: GitLab's legacy tokens (20 of Devise's base64url characters)
 * are letters in camelCase runs 1 in ~1,000 times (`yfxkPmXvfryBhhziPerq`); in runs that read as words, 1 in
 * ~170,000.
 */
const aCamelCaseWord = (word: string) =>
  word.length >= 2 && /[aeiou]/i.test(word) && !/[^aeiou]{4}/i.test(word);
/** A_WORD, and when in camelCase, each of its words one a person wrote. */
const wordsOnly = (value: string) =>
  A_WORD.test(value) &&
  (!/[a-z][A-Z]/.test(value) || value.split(/[_-]|(?=[A-Z][a-z])/).every(aCamelCaseWord));

/** A password on a command line, not a reference to one (`-p$MYSQL_PWD`, `-p***` already hidden). */
const aCommandPassword = (value: string) => !NOT_A_VALUE.test(value) && !value.startsWith('$');

/** A published port (`3306:3306`, `127.0.0.1:3306:3306/tcp`): docker's -p after a container named `mysql`. */
const PORT_MAPPING =
  /^(?:(?:\d{1,3}\.){3}\d{1,3}:|\[[0-9A-Fa-f:]+\]:)?\d+(?:-\d+)?:\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/;

/** A MySQL client's -p value: a password, not another command's published port on the same line. */
const aMysqlPassword = (value: string) => aCommandPassword(value) && !PORT_MAPPING.test(value);

/**
 * Blanks between a command's arguments, and a line a `\` continues (`curl \` and `-u` on the next: a
 * newline, or the `\r` Lambda's Python runtime prints for one).
 */
const BLANKS = String.raw`(?:[ \t]|\\(?:\r\n|\r|\n))+`;
/**
 * Up to 80 arguments after a command's name (a curl with 30 headers has 60), in its line or the lines a
 * `\` continues, and none past a shell's `;`, `|` or `&`: bounded, so linear.
 */
const ARGUMENTS = String.raw`(?:${BLANKS}[^\s;|&]+){0,80}?${BLANKS}`;
/** Between an option and its value, none (`-aVALUE`) or blanks, a continued line too (`-a \` and the value on the next). */
const ATTACHED_OR_BLANKS = `(?:${BLANKS})?`;
/** httpie's -a and --auth, before their value. */
const HTTPIE_AUTH = String.raw`(?:-a${ATTACHED_OR_BLANKS}|--auth(?:${BLANKS}|=))`;
/** httpie's `-A bearer` (`--auth-type=bearer`, `--auth-type bearer`): its -a is a token. */
const BEARER_TYPE = String.raw`(?:-A|--auth-type)(?:${BLANKS}|=)bearer\b`;
const BEARER_TYPE_IN = new RegExp(BEARER_TYPE, 'i');

/** httpie's -a value after its `-A bearer`: `name` is the command line before it. */
const aBearerToken = (value: string, name: string) => BEARER_TYPE_IN.test(name) && aCommandPassword(value);

/**
 * An option's value on a command line in each quoting: '...' or "..." up to its closing quote, blanks
 * too, or a bare word. `before` and `after` are the text before and after the opening quote. The quotes
 * may be escaped (a command line inside a JSON string: `-p\"x y\"`): then a bare word is no value, its `\`
 * alone would be hidden and the password after it shown.
 */
const optionValue = (
  before: string,
  after: string,
  accept: (value: string, name: string) => boolean = aCommandPassword,
): Pattern[] => [
  ...["'", '"'].map((q) => ({
    pattern: new RegExp(
      String.raw`(${before}\\?${q}${after})((?:[^${q}\r\n\\]|\\(?!${q}))+)(?=\\?${q})`,
      'g',
    ),
    accept,
  })),
  { pattern: new RegExp(String.raw`(${before}${after})(?!\\["'])([^\s"'\`;|&]+)`, 'g'), accept },
];

/** A user before its password in one argument: a domain's (NTLM's `CORP\\bob`) or URL-encoded too. */
const USER_BEFORE_PASSWORD = String.raw`[A-Za-z0-9_.@+%\\-]*:`;

/**
 * Passwords in command lines a log echoes: curl's `-u user:password` (not docker's `-u 1000:1000` or
 * date's `-u +%H:%M`: curl's own), httpie's, sshpass's, redis-cli's, and the MySQL clients' `-pPASSWORD`
 * (`-p` alone asks for it; another command's `-p 8080` or `-pr` is no password).
 */
const commandPasswords: Pattern[] = [
  // -u after other short options too (`-fsSu`); -U and --proxy-user are the proxy's.
  ...optionValue(
    String.raw`\bcurl${ARGUMENTS}(?:-[A-Za-z]*[uU]|--user|--proxy-user)(?:${BLANKS}|=)?`,
    USER_BEFORE_PASSWORD,
  ),
  // httpie's `http -a user:password` (`-a user` alone asks for it; `--auth-type` is no password).
  ...optionValue(String.raw`\bhttps?${ARGUMENTS}${HTTPIE_AUTH}`, USER_BEFORE_PASSWORD),
  // After `-A bearer` (`--auth-type=bearer`) its -a is the token, whole.
  ...optionValue(String.raw`\bhttps?${ARGUMENTS}${HTTPIE_AUTH}`, '', aBearerToken),
  // Before it too (`http -a TOKEN -A bearer`), a bare word, `-A` among the 10 arguments after it: each -a looks
  // that far once, so a line of `http -a x` again and again stays linear.
  {
    pattern: new RegExp(
      String.raw`(\bhttps?${ARGUMENTS}${HTTPIE_AUTH})([^\s"'\`;|&]+)(?=(?:${BLANKS}[^\s;|&]+){0,10}?${BLANKS}${BEARER_TYPE})`,
      'g',
    ),
    accept: (value) => aCommandPassword(value) && !value.includes(REDACTED),
  },
  // sshpass's -p after its own options only (-v, -P prompt): after `-f file` or `-e` the command's -p is its port.
  // A few: unbounded, `sshpass -P sshpass -P ...` had each sshpass scan the rest of the text.
  ...optionValue(
    String.raw`\bsshpass(?:${BLANKS}-(?:v+|P${ATTACHED_OR_BLANKS}[^\s;|&]+)){0,4}${BLANKS}-p${ATTACHED_OR_BLANKS}`,
    '',
  ),
  // redis-cli's -a and --pass (its -p is a port); -a attached too, as a log echoes a mistyped command.
  ...optionValue(String.raw`\bredis-cli${ARGUMENTS}(?:-a${ATTACHED_OR_BLANKS}|--pass(?:${BLANKS}|=))`, ''),
  ...optionValue(
    String.raw`\b(?:mysql(?:dump|admin|import|check|show|sh)?|mariadb(?:-dump|-admin|-import|-check|-show)?)${ARGUMENTS}-p`,
    '',
    aMysqlPassword,
  ),
];

/** The time a local runtime's line starts with (LogBuffer's isoTime and a blank). */
const LOCAL_LINE_TIME = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `;

/** Authorization schemes with a digit in their name: credentials follow them, they are none (RFC 7804, SigV4). */
const AUTH_SCHEME_WITH_DIGITS = /^(?:[A-Z0-9]+-HMAC-SHA\d+|SCRAM-SHA-\d+(?:-PLUS)?)$/i;

const PATTERNS: Pattern[] = [
  // PEM blocks (private keys, and any other): whole, also when printed with literal \n inside a string.
  { pattern: /-----BEGIN ([A-Z0-9 ]{1,60})-----[\s\S]*?-----END \1-----/g, replace: REDACTED },
  // A PEM block whose end is missing (cut, or in a later log line): its header and the base64 after it.
  {
    pattern: /-----BEGIN [A-Z0-9 ]{1,60}-----(?:(?:\s|\\[nr])*[A-Za-z0-9+/=]{16,})*/g,
    replace: REDACTED,
  },
  // URLs with a password: scheme://user:password@host, up to the authority's last @ (an unencoded @ in it too).
  // A scheme of at most 32 characters, from anywhere: unbounded after any word's start, it would scan a long
  // run of words joined by `-` or `.` to its end from each of them.
  { pattern: /([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/?#@'"]*:)[^\s/?#'"]+(?=@)/gi, replace: `$1${REDACTED}` },
  // URLs with a token as the user (https://TOKEN@pypi.fury.io/acme/): machine-made, so long with a digit; `git@`, `deploy@` stay.
  {
    pattern: /([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s:/?#@'"]+)(?=@)/gi,
    accept: (value) => value !== REDACTED && value.length >= 12 && /\d/.test(value) && /[A-Za-z]/.test(value),
  },
  // Slack incoming webhooks carry their secret in the path.
  { pattern: /(hooks\.slack\.com\/services\/)[A-Za-z0-9/_-]+/g, replace: `$1${REDACTED}` },
  // JSON Web Tokens (OIDC tokens, session cookies): header.payload[.signature].
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?/g, replace: REDACTED },
  // GitHub, Stripe and Slack tokens by their prefixes.
  { pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, replace: REDACTED },
  { pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}\b/g, replace: REDACTED },
  { pattern: /\bwhsec_[A-Za-z0-9+/=]{10,}/g, replace: REDACTED },
  { pattern: /\b(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,}/g, replace: REDACTED },
  // npm, PyPI (a macaroon: `AgE` starts every one) and GitLab tokens: a private index's or a publish step's.
  { pattern: /\b(?:npm_[A-Za-z0-9]{30,}|pypi-AgE[A-Za-z0-9_-]{16,})/g, replace: REDACTED },
  // GitLab's: not a host's or a cluster's name that starts with a prefix's letters (`glagent-production-cluster-01`).
  {
    pattern: new RegExp(String.raw`\b(?:${GITLAB_PREFIX})[A-Za-z0-9_-]{20,}`, 'g'),
    accept: (token) => !HOST_LABEL.test(token.replace(GITLAB_PREFIX_AT_START, '')),
  },
  // HashiCorp Vault's service, batch and recovery tokens; a legacy one (`s.`) only after its name (X-Vault-Token: s.x).
  // Random, so in both cases: a host's name (`hvs.us-east-1-cluster.corp`) is in lower case.
  {
    pattern: /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/g,
    accept: (token) => /[a-z]/.test(token.slice(4)) && /[A-Z]/.test(token.slice(4)),
  },
  // Access key ids: long-term (AKIA) and temporary (ASIA).
  { pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, replace: REDACTED },
  // Secret keys and session tokens after their names: ini, env, JSON, YAML, CLI output.
  {
    pattern: /(secret_?access_?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
    replace: `$1${REDACTED}`,
  },
  {
    pattern: /(session_?token["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{16,}/gi,
    replace: `$1${REDACTED}`,
  },
  // An AWS secret access key on its own: 40 characters of base64 with mixed case.
  {
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    accept: mixed,
  },
  // API Gateway keys as a header, a JSON field or a query parameter.
  { pattern: /(x-api-key["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, replace: `$1${REDACTED}` },
  // Authorization headers, and bearer tokens without their header name.
  {
    pattern: /(authorization["']?\s*[:=]\s*["']?(?:bearer|token|basic)\s+)[^\s"',;]+/gi,
    replace: `$1${REDACTED}`,
  },
  // An Authorization header's value without a scheme (a raw API key): machine-made, so long with a
  // digit, whatever follows it in the line; not a scheme's name (`AWS4-HMAC-SHA256 Credential=...`).
  {
    pattern: /(authorization["']?\s*[:=]\s*["']?)([^\s"',;]+)/gi,
    accept: (value) =>
      value.length >= 12 &&
      /\d/.test(value) &&
      /[A-Za-z]/.test(value) &&
      !AUTH_SCHEME_WITH_DIGITS.test(value),
  },
  {
    pattern: /(\bbearer\s+)(?=[A-Za-z0-9._~+/-]*\d)[A-Za-z0-9._~+/-]{12,}=*/gi,
    replace: `$1${REDACTED}`,
  },
  // A Cookie or Set-Cookie header's value (a session cookie is a bearer credential): whole, every pair and
  // attribute in it, when it holds a pair (`cookie: none set` is prose).
  {
    pattern: new RegExp(
      String.raw`((?:set-)?cookie(?:\\?["'])?\s*:\s*${OPENING_QUOTE})((?:[^\r\n"'\\]|(?<==)\\?"[^\r\n"\\]*\\?")+)`,
      'gi',
    ),
    accept: (value) => value.includes('='),
  },
  // A signed request's signature (a presigned URL's, SigV2's, CloudFront's, GCS's, a SigV4 Authorization
  // header's): with it the URL works for anyone until it expires. Long, and no plain words (`Signature=valid`).
  // After a JSON encoder's `\u0026` for `&` too (.NET's, Go's), up to the next one.
  {
    pattern:
      /((?:(?<![A-Za-z0-9_-])|(?<=%[0-9A-F]{2}|\\u0026))(?:x-amz-|x-goog-)?signature(?:=|%3D))((?:(?!%26|\\u0026)[^\s&"'<>,;])+)/gi,
    accept: aSignature,
  },
  // botocore's debug log prints a SigV4 signature after its label, on the next line (`Signature:\n<hex>`;
  // Lambda's Python runtime turns a record's newline into \r; a JSON log line escapes it, `\n`; the local
  // runtime's excerpt starts each line with its time, LOCAL_LINE_TIME). The string to sign before it holds a hash only.
  {
    pattern: new RegExp(
      String.raw`((?<![A-Za-z0-9_-])signature:[ \t]*(?:(?:\r\n|\r|\n|\\r\\n|\\[rn])(?:${LOCAL_LINE_TIME})?[ \t]*)?)[0-9a-f]{64}(?![0-9a-z])`,
      'gi',
    ),
    replace: `$1${REDACTED}`,
  },
  // An Azure SAS token's signature: `sig` in a URL's query, also URL-encoded in another's (`%26sig%3D`), in HTML
  // (`&amp;`) or in JSON whose encoder escapes `&` (.NET's and Go's: `\u0026sig=`), up to the next escaped `&`.
  {
    pattern: /((?:(?<=[?&;])|(?<=%26|%3F|\\u0026))sig(?:=|%3D))((?:(?!%26|\\u0026)[^\s&"'<>,;])+)/gi,
    accept: aSignature,
  },
  // NAME=value, "name": "value", name: value for names that hold secrets; not the words
  // our own messages put there (`api-key: true`, `permissions: id-token: write`). A name starts where
  // a run of name characters does: from each word in it, the name's pattern would scan the run again.
  {
    pattern: new RegExp(
      String.raw`((?<![A-Za-z0-9_.-])(?:${SECRET_NAME}|${SECRET_KEY_NAME})["']?\s*=\s*["']?)(${orNpmHidden(VALUE)})`,
      'gi',
    ),
    accept: aSecretValue,
  },
  // The same URL-encoded (a query string inside another's, a form body): `%3D` for `=`, up to an encoded `&`;
  // encoded twice (a URL in a `next` inside another's): `%253D`, up to `%2526` or an outer `%26`; and three
  // times (`%25253D`, up to `%252526` or an outer one).
  ...[0, 1, 2].map((again) => ({
    pattern: new RegExp(
      String.raw`((?<![A-Za-z0-9_.-])(?:${SECRET_NAME}|${SECRET_KEY_NAME})%${'25'.repeat(again)}3D)((?:(?!%(?:25){0,${again}}26)[^\s"'\`,;&}\])])+)`,
      'gi',
    ),
    accept: (value: string, name: string) => aSecretValue(value, name.replace(/%(?:25)*3D$/i, '=')),
  })),
  // Yarn Berry's .yarnrc.yml `npmAuthIdent` (user:password, or base64 of it); its `npmAuthToken` is a token's name below.
  // Quoted, a password's blanks are its; its name quoted too in JSON (`yarn config --json`).
  ...optionValue(String.raw`(?<![A-Za-z0-9_.-])npmAuthIdent["']?[ \t]*:[ \t]*`, ''),
  // GitLab's API token headers (`PRIVATE-TOKEN: x`, `JOB-TOKEN: x`): a token without a known prefix too
  // (an older one, an instance's own), not a word about one (`PRIVATE-TOKEN: required`) or a variable.
  {
    pattern: new RegExp(
      String.raw`((?<![A-Za-z0-9_-])(?:private|job)-token(?:\\?["'])?\s*:\s*${OPENING_QUOTE})(${TOKEN_VALUE})`,
      'gi',
    ),
    accept: (value) => aCommandPassword(value) && !wordsOnly(value),
  },
  // A JSON or Python dict's `signature` field, or a Python keyword argument's (`verify(body, signature='...')`
  // in a traceback or a repr): a SigV4 signature, a webhook's HMAC (SHA-1's 40 hex too), after its digest's
  // name; hex or base64 of one, long with a digit or a base64 symbol; not a word (`"valid"`) or a name.
  {
    pattern:
      /((?:["']signature\\?["']\s*:|(?<![A-Za-z0-9_-])signature[ \t]*=)[ \t]*\\?["'](?:sha(?:1|256|512)=)?)([A-Za-z0-9+/_-]+={0,2})(?=\\?["'])/gi,
    accept: (value) => value.length >= 32 && /[\d+/]/.test(value),
  },
  // A webhook's signature header under its vendor's name (GitHub's `X-Hub-Signature-256: sha256=<hex>`,
  // `X-Hub-Signature: sha1=<hex>`), also as a dict's key: the hex after its digest's name.
  {
    pattern: new RegExp(
      String.raw`((?<![A-Za-z0-9_-])(?:[A-Za-z0-9_]+-)*signature(?:-256)?(?:\\?["'])?[ \t]*:[ \t]*${OPENING_QUOTE}sha(?:1|256|512)=)[0-9a-f]{32,}(?![0-9a-z])`,
      'gi',
    ),
    replace: `$1${REDACTED}`,
  },
  // Stripe's and Slack's signature schemes (`Stripe-Signature: t=1492774577,v1=<hex>,v0=<hex>`, Slack's
  // `v0=<hex>`): each HMAC-SHA256 after its scheme's version, wherever printed; the timestamp stays.
  {
    pattern: /((?<![A-Za-z0-9_-])v\d=)[0-9a-f]{64}(?![0-9a-z])/gi,
    replace: `$1${REDACTED}`,
  },
  // .npmrc's `_auth` (base64 of user:password), alone or a registry's (`//registry.npmjs.org/:_auth=`); base64
  // only: a traceback's source line assigns code to a variable of that name (`_auth = HTTPBasicAuth(user, pw)`).
  {
    pattern: new RegExp(String.raw`((?<![A-Za-z0-9_.-])_auth\s*=\s*["']?)(${VALUE})`, 'g'),
    accept: (value) => !NOT_A_VALUE.test(value) && /^[A-Za-z0-9+/]+={0,2}$/.test(value),
  },
  ...commandPasswords,
  {
    pattern: new RegExp(
      String.raw`(["'](?:${SECRET_NAME}|${SECRET_KEY_NAME})\\?["']\s*:\s*${OPENING_QUOTE})(${orNpmHidden(QUOTED_VALUE)})`,
      'gi',
    ),
    accept: aSecretValue,
  },
  {
    pattern: new RegExp(
      String.raw`((?<![A-Za-z0-9_.-])(?:${SECRET_NAME_COLON}|${SECRET_KEY_NAME})\s*:\s*["']?)(${orNpmHidden(VALUE)})`,
      'gi',
    ),
    accept: aSecretValue,
  },
];

/** A token's prefix in the run of a token's characters (CUT_TOKEN_CHAR) that ends a cut text: the rest of the token is gone. */
const CUT_TOKEN_START = new RegExp(
  // Vault's prefix with none of a token after it is as often a host's first label (`hvs.us-east-1.corp` cut after `hvs.`).
  String.raw`(?:gh[pousr]_|github_pat_|(?:sk|rk)_(?:live|test)_|whsec_|xox[abposr]-|xapp-|pypi-AgE|${GITLAB_PREFIX}|hv[sbr]\.(?!$)|AKIA|ASIA|eyJ)`,
);
const CUT_TOKEN_CHAR = /[A-Za-z0-9_+/=.-]/;

/**
 * Where the run of a token's characters that ends `text` starts, found from the end: a pattern that ends in
 * `[...]*$` is tried from each prefix in the run (`glpat-glpat-...`), and scans its rest again each time.
 */
function tokenRunStart(text: string): number {
  let at = text.length;
  while (at > 0 && CUT_TOKEN_CHAR.test(text.charAt(at - 1))) at--;
  return at;
}

/** The start of other secret shapes at the very end of a cut text: the rest of it is gone, so no pattern above sees it. */
const CUT_SHAPES: RegExp[] = [
  // An npm token's start, not npm's own variables (npm_config_cache, npm_package_name): an upper-case letter or a digit.
  /\bnpm_(?=[a-z]*[A-Z0-9])[A-Za-z0-9]*$/,
  /[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/?#@'"]*:[^\s/?#@'"]*$/i,
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a value is hidden only where it stands as a word (see MIN_NAMED_SECRET_LENGTH). */
export const isShortSecret = (value: string): boolean => value.trim().length < MIN_SECRET_LENGTH;

/**
 * The values worth looking for: long enough (a short one as a word only, see hideKnown), unique,
 * longest first (a secret that contains another goes whole).
 */
export function usableSecrets(secrets: readonly (string | undefined)[]): string[] {
  return [
    ...new Set(
      secrets.filter((s): s is string => typeof s === 'string' && s.trim().length >= MIN_NAMED_SECRET_LENGTH),
    ),
  ].sort((a, b) => b.length - a.length);
}

/**
 * A value to mask and, when it has several lines, each line long enough to
 * mask: the runner matches the values it holds within one log line, and a
 * function's log keeps each printed line apart, so the whole never matches.
 * A line is a piece, not a value its name makes secret: a short one is left out.
 */
export function withLines(secret: string): string[] {
  const lines = secret.split(/\r\n|\r|\n/).map((line) => line.trim());
  return lines.length > 1
    ? [secret, ...usableSecrets(lines.filter((line) => !isShortSecret(line)))]
    : [secret];
}

/** Letters, digits and marks of any script, and `_`: what a word is made of. */
const WORD_CHAR = /[\p{L}\p{N}\p{M}_]/u;
const isWordChar = (c: string | undefined) => c !== undefined && WORD_CHAR.test(c);

/**
 * Whether the text beside a value's edge character continues the word that edge is in: a word's
 * character, or a decimal point or thousands separator between digits (`0.123`, `10,123`).
 */
function continues(edge: string | undefined, beside: string | undefined, beyond: string): boolean {
  if (!isWordChar(edge)) return false;
  return isWordChar(beside) || (/\d/.test(edge!) && /^[.,]$/.test(beside ?? '') && /\d/.test(beyond));
}

/**
 * An escape just before a place, whose letter or digit stands for another character: URL-encoded
 * (`%3D`, ASCII only: `%A9` is the end of a letter's bytes), JSON-escaped (`\n`, `\u003d`) or a
 * terminal's colour (ESC `[1m`).
 */
const ESCAPE_BEFORE = new RegExp(
  String.raw`(?:%([0-7][0-9A-Fa-f])|\\u([0-9A-Fa-f]{4})|\\[nrtbf]|${String.fromCharCode(0x1b)}\[[0-9;]*[A-Za-z])$`,
);

/** Whether an escape ends at `at` that stands for no word character (`pw%3Dadmin`, `\nadmin`: a word starts there). */
function afterEscape(text: string, at: number): boolean {
  const m = ESCAPE_BEFORE.exec(text.slice(Math.max(0, at - 32), at));
  const code = m?.[1] ?? m?.[2];
  return !!m && (code === undefined || !isWordChar(String.fromCharCode(parseInt(code, 16))));
}

/** Whether `value` is at `at` in `text` as a word of its own: `admin` is not in `administrator`, `k3y9` not in `k3y99`. */
function standsAlone(text: string, value: string, at: number): boolean {
  const end = at + value.length;
  const chars = Array.from(value);
  const before = Array.from(text.slice(Math.max(0, at - 2), at)).at(-1);
  const after = Array.from(text.slice(end, end + 2))[0];
  return (
    (!continues(chars[0], before, text.charAt(at - 2)) || afterEscape(text, at)) &&
    !continues(chars.at(-1), after, text.charAt(end + 1))
  );
}

/** Whether a known value is at `at`: a long one anywhere, a short one as a word of its own. */
const knownAt = (text: string, value: string, at: number) =>
  text.startsWith(value, at) && (!isShortSecret(value) || standsAlone(text, value, at));

/**
 * The values' matcher, longest first (what it finds is the longest value there), and the short
 * values by their first character: where it finds a short one, only those can be the value there,
 * and they are what is checked (a short value met inside every other word of a large log would
 * otherwise cost all the hundreds of forms at each).
 */
interface Matcher {
  values: readonly string[];
  pattern: RegExp;
  shortByFirst: Map<string, string[]>;
}

/** The last values' matcher: a logger redacts every line with the same values (hundreds of forms). */
let lastMatcher: Matcher | undefined;

function matcherFor(values: readonly string[]): Matcher {
  const last = lastMatcher;
  if (last && last.values.length === values.length && last.values.every((v, i) => v === values[i])) {
    last.pattern.lastIndex = 0;
    return last;
  }
  const ordered = [...values].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(ordered.map(escapeRegExp).join('|'), 'g');
  const shortByFirst = new Map<string, string[]>();
  for (const value of ordered.filter(isShortSecret))
    shortByFirst.set(value[0]!, [...(shortByFirst.get(value[0]!) ?? []), value]);
  lastMatcher = { values: [...values], pattern, shortByFirst };
  return lastMatcher;
}

/**
 * Where the known value found at `at` ends: the longest one there (`found`, see matcherFor), or
 * when that is short, the longest short one there that stands as a word (a value that starts
 * where a short one does and is no longer is a prefix of it, so short too); none, undefined.
 */
function knownEnd(text: string, at: number, found: string, { shortByFirst }: Matcher): number | undefined {
  if (!isShortSecret(found)) return at + found.length;
  const here = (shortByFirst.get(found[0]!) ?? []).filter((k) => knownAt(text, k, at));
  return here.length ? Math.max(...here.map((k) => at + k.length)) : undefined;
}

/**
 * The hosts of the endpoints a deploy makes (API Gateway's, a function URL's, the local front door's),
 * wherever they are printed. Only their fixed words are ours: a function's log or a smoke answer prints
 * what its code chooses, and the labels that could carry a value (the API's id, the region's, a port)
 * may carry a secret (`https://admin.execute-api...`, `http://127.0.0.1:1234`).
 */
const ENDPOINT_HOST =
  /https:\/\/(?<id>[a-z0-9]{1,63})\.(?:execute-api|lambda-url)\.(?<region>[a-z0-9-]{1,32})\.(?:amazonaws\.com(?:\.cn)?|on\.aws)(?![\w.-])|http:\/\/127\.0\.0\.1:(?<port>\d{1,5})(?!\d)/dg;
/** The words AWS's region names are made of (us-gov-west-1, ap-southeast-2): in a region's label, not a value. */
const REGION_WORD =
  /^(?:east|west|north|south|central|northeast|northwest|southeast|southwest|gov|iso[a-z]?)$/i;

/** Where an endpoint's host is, and its labels that may carry a value (see ENDPOINT_HOST). */
interface Host {
  span: [number, number];
  open: [number, number][];
  region?: [number, number];
}

const hostsIn = (text: string): Host[] =>
  [...text.matchAll(ENDPOINT_HOST)].map((m) => {
    const g = m.indices!.groups!;
    return {
      span: [m.index, m.index + m[0].length],
      open: [g.id, g.port].filter((s): s is [number, number] => !!s),
      ...(g.region && { region: g.region }),
    };
  });

const overlaps = (at: number, end: number, [start, stop]: [number, number]) => at < stop && start < end;

/**
 * Those of `spans` (in order, none overlapping another) that overlap [at, end): found by halving, so
 * a text of many endpoints and many short values costs no product of the two.
 */
function overlapping<T>(
  items: readonly T[],
  spanOf: (item: T) => [number, number],
  at: number,
  end: number,
): T[] {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (spanOf(items[mid]!)[1] <= at) low = mid + 1;
    else high = mid;
  }
  const found: T[] = [];
  for (let i = low; i < items.length && spanOf(items[i]!)[0] < end; i++) found.push(items[i]!);
  return found;
}

/** Where each of `own` is in `text`: one list per text, in order. */
const ownSpansIn = (text: string, own: readonly string[]): [number, number][][] =>
  own.map((part) => {
    const spans: [number, number][] = [];
    for (let from = text.indexOf(part); from >= 0; from = text.indexOf(part, from + part.length))
      spans.push([from, from + part.length]);
    return spans;
  });

/** The endpoints' hosts and the texts of ours in a text (see ownWord). */
interface Ours {
  hosts: Host[];
  own: [number, number][][];
}

const within = (at: number, end: number, [start, stop]: [number, number]) => start <= at && end <= stop;

/**
 * Whether the short value at [at, end) is a word of an endpoint's host or of a text we built ourselves
 * (`own`: the stage's endpoint, given whole with its stage): they hold no secret, so a short value equal to
 * one of their words (PASSWORD=api) is no reason to star it there (a link that no longer works, an empty
 * `url` in the report, which the runner, given no short value, would keep). Never in a host's id or port, nor
 * in its region's label unless a region's word: a report job's URL comes from JSON that pull-request code
 * could write (its shape checked, its id and port its own). A longer value the runner masks anywhere, and
 * so do we.
 */
function ownWord(text: string, at: number, end: number, ours: Ours): boolean {
  const value = text.slice(at, end);
  const hosts = overlapping(ours.hosts, (host) => host.span, at, end);
  for (const host of hosts) {
    if (host.open.some((label) => overlaps(at, end, label))) return false;
    if (host.region && overlaps(at, end, host.region) && !REGION_WORD.test(value)) return false;
  }
  const inside = (spans: [number, number][]) => spans.some((span) => within(at, end, span));
  return (
    inside(hosts.map((host) => host.span)) ||
    ours.own.some((spans) => inside(overlapping(spans, (s) => s, at, end)))
  );
}

/**
 * `text` with every place a known value covers replaced, overlapping and touching
 * places as one: a regular expression's alternation resumes after its first match
 * (and a replacement one value after another finds the second no more), so of two
 * values that overlap where they meet (`abc123` + `123xyz` printed as `abc123xyz`)
 * the second one's rest would show. A value shorter than MIN_SECRET_LENGTH only
 * where it stands as a word, and not as a word of an endpoint or a text of ours (`own`, see
 * ownWord). No other length filter: callers choose the values.
 */
export function hideKnown(
  text: string,
  known: readonly string[],
  // Stryker disable next-line ArrayDeclaration: default = none of ours; only a text holding the mutant's own placeholder could tell.
  own: readonly (string | undefined)[] = [],
): string {
  const values = known.filter(Boolean);
  if (!values.length) return text;
  const matcher = matcherFor(values);
  const any = matcher.pattern;
  // Found when a short value is: most texts have none.
  let ours: Ours | undefined;
  const inOurs = (at: number, end: number) =>
    ownWord(
      text,
      at,
      end,
      (ours ??= {
        hosts: hostsIn(text),
        own: ownSpansIn(
          text,
          own.filter((p): p is string => !!p),
        ),
      }),
    );
  const spans: [number, number][] = [];
  for (let m = any.exec(text); m; m = any.exec(text)) {
    // The longest value that starts here, then look again one further on (a value inside it may overlap another).
    const at = m.index;
    any.lastIndex = at + 1;
    const end = knownEnd(text, at, m[0], matcher);
    // Only short values start here, inside a longer word; or a short one is a word of a text of ours.
    if (end === undefined || (isShortSecret(m[0]) && inOurs(at, end))) continue;
    const last = spans[spans.length - 1];
    if (last && at <= last[1]) last[1] = Math.max(last[1], end);
    else spans.push([at, end]);
  }
  let out = '';
  let from = 0;
  for (const [start, end] of spans) {
    out += `${text.slice(from, start)}${REDACTED}`;
    from = end;
  }
  return out + text.slice(from);
}

/** `text` without the listed secrets and without anything shaped like a credential. */
export function redact(
  text: string,
  // Stryker disable next-line ArrayDeclaration: default = no known values; only a text holding the mutant's own placeholder ("Stryker was here") could tell.
  secrets: readonly (string | undefined)[] = [],
  /** Texts we built ourselves (the stage's endpoint): no short value is hidden as one of their words (see ownWord). */
  // Stryker disable next-line ArrayDeclaration: default = none of ours; only a text holding the mutant's own placeholder could tell.
  own: readonly (string | undefined)[] = [],
): string {
  let out = hideKnown(text, usableSecrets(secrets), own);
  for (const p of PATTERNS) {
    if ('replace' in p) {
      out = out.replace(p.pattern, p.replace);
      continue;
    }
    out = out.replace(p.pattern, (match: string, ...groups: unknown[]) => {
      // Keyed patterns capture (name, value): the value decides and only it goes. Without
      // groups, the first argument after the match is its offset, a number.
      const prefix = typeof groups[0] === 'string' ? groups[0] : undefined;
      const value = prefix !== undefined ? (groups[1] as string) : match;
      if (!p.accept(value, prefix ?? '')) return match;
      return prefix !== undefined ? `${prefix}${REDACTED}` : REDACTED;
    });
  }
  return out;
}

/**
 * Cleans the end of a text that was cut: a secret whose second half is gone
 * no longer matches anything, so its first half would show. Replaces an
 * ending that starts a known secret or a secret shape (a token prefix, a JWT,
 * a URL's password). Run it on text already passed through redact().
 */
// Stryker disable next-line ArrayDeclaration: default = no known values; only a text holding the mutant's own placeholder ("Stryker was here") could tell.
export function redactCutTail(text: string, secrets: readonly (string | undefined)[] = []): string {
  for (const secret of usableSecrets(secrets)) {
    // At least 3 characters: shorter endings match some secret's start by chance.
    for (let k = Math.min(secret.length - 1, text.length); k >= 3; k--) {
      const at = text.length - k;
      // A short secret's start only where a word starts (`sysadm` is no cut `admin`).
      if (
        text.endsWith(secret.slice(0, k)) &&
        (!isShortSecret(secret) || standsAlone(text, text.slice(at), at))
      )
        return `${text.slice(0, at)}${REDACTED}`;
    }
  }
  const run = tokenRunStart(text);
  const token = CUT_TOKEN_START.exec(text.slice(run));
  if (token) return `${text.slice(0, run + token.index)}${REDACTED}`;
  for (const shape of CUT_SHAPES) if (shape.test(text)) return text.replace(shape, REDACTED);
  return text;
}

/**
 * At most `max` characters of `text` (plus the marker), cut without
 * showing the first part of the word the cut falls in. Redact before
 * cutting: a secret cut in half no longer matches its pattern.
 */
export function cutText(
  text: string,
  max: number,
  // Stryker disable next-line ArrayDeclaration: default = no known values; only a text holding the mutant's own placeholder ("Stryker was here") could tell.
  secrets: readonly (string | undefined)[] = [],
  marker = (rest: number) => `… (${rest} more characters)`,
): string {
  if (text.length <= max) return text;
  // Never between the two halves of an emoji: a lone half is not text (shown as �, or the request refused).
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${redactCutTail(text.slice(0, end), secrets)}${marker(text.length - end)}`;
}

/** A line that ends in a signature's label, the signature on the next (botocore's debug log). */
const SIGNATURE_LABEL_ENDS = /(?<![A-Za-z0-9_-])signature:\s*$/i;

/** Known values, or a function that gives them as they grow (see lineRedactor). */
type Secrets = readonly (string | undefined)[] | (() => readonly (string | undefined)[]);

/**
 * redact() for text that arrives one line at a time (a function's live
 * output): remembers an open PEM block, whose body lines carry no marker of
 * their own, until its END line, and a signature's label at a line's end (the
 * signature is the next line). `secrets` may be a function, for values
 * that grow while lines come (those of another version whose lines show up). One stream's lines: for
 * several, interleaved, streamRedactor.
 */
export function lineRedactor(
  // Stryker disable next-line ArrayDeclaration: default = no known values; only a text holding the mutant's own placeholder ("Stryker was here") could tell.
  secrets: Secrets = [],
): (line: string) => string {
  const lines = openLines(secrets);
  return (line) => lines.clean(line);
}

/** lineRedactor's state and its lines: `open` while a PEM block or a signature's label awaits its next line. */
function openLines(secrets: Secrets): { clean: (line: string) => string; open: () => boolean } {
  const current = typeof secrets === 'function' ? secrets : () => secrets;
  let inPem = false;
  let afterSignatureLabel = false;
  const clean = (line: string) => {
    const begins = /-----BEGIN [A-Z0-9 ]{1,60}-----/.test(line);
    const ends = /-----END [A-Z0-9 ]{1,60}-----/.test(line);
    if (inPem || (begins && !ends)) {
      inPem = !ends;
      return REDACTED;
    }
    // botocore's `Signature:` label ends its line; the signature is the next one (see PATTERNS).
    const signature = afterSignatureLabel && /^\s*[0-9a-f]{64}\s*$/i.test(line);
    afterSignatureLabel = SIGNATURE_LABEL_ENDS.test(line);
    return signature ? REDACTED : redact(line, current());
  };
  return { clean, open: () => inPem || afterSignatureLabel };
}

/**
 * The streams streamRedactor remembers at most, each one left open (a PEM block, a signature's label): past
 * it, the one whose line came longest ago is forgotten (a log stream whose instance is gone, or stopped in a
 * block). A stream with nothing open holds no place: its next line starts as a new stream's would.
 */
export const MAX_OPEN_STREAMS = 1000;

/**
 * lineRedactor() for lines of several streams that arrive interleaved (a local function's stdout and stderr,
 * a log group's streams): an open PEM block or a `Signature:` label is remembered per stream, so another
 * stream's line between the label and its signature neither shows the signature nor is taken for it.
 */
export function streamRedactor(
  // Stryker disable next-line ArrayDeclaration: default = no known values; only a text holding the mutant's own placeholder ("Stryker was here") could tell.
  secrets: Secrets = [],
): (line: string, stream: string) => string {
  // Open streams only, in the order of their last line (`logs --follow` meets a new log stream per instance).
  const open = new Map<string, ReturnType<typeof openLines>>();
  return (line, stream) => {
    const lines = open.get(stream) ?? openLines(secrets);
    const shown = lines.clean(line);
    open.delete(stream);
    if (lines.open()) {
      open.set(stream, lines);
      if (open.size > MAX_OPEN_STREAMS) open.delete(open.keys().next().value!);
    }
    return shown;
  };
}
