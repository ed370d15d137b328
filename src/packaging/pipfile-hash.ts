/**
 * Whether a Pipfile.lock was locked from the Pipfile beside it (pure).
 * pipenv records in `_meta.hash.sha256` the SHA-256 of the Pipfile's
 * content as JSON, and `pipenv install --deploy` refuses a lock whose hash
 * is not the Pipfile's: a package added to the Pipfile without `pipenv lock`
 * is in no lock, so it would not be installed.
 *
 * The hash must be pipenv's to the byte, or every deploy warns for nothing:
 * Python's `json.dumps(sort_keys=True, separators=(",", ":"))` (keys in
 * code point order, everything but printable ASCII as \uXXXX) of
 * `{"_meta": {"sources": [[source]], "requires": [requires]}, "default":
 * [packages], "develop": [dev-packages]}` and every other top-level table (a
 * package category) but [scripts], [pipfile] and [pipenv]. A Pipfile without
 * [[source]] hashes as with PyPI's. pipenv 2026.4 and later write each
 * package name in its PEP 503 form first (`Flask_SQLAlchemy` as
 * `flask-sqlalchemy`): a lock with either hash is up to date.
 */
import { createHash } from 'node:crypto';
import {
  isTable,
  parseToml,
  TomlDateTime,
  TomlFloat,
  TomlSubsetError,
  type TomlTable,
  type TomlValue,
} from './toml-subset.js';
import { sortByUtf8 } from './utf8-order.js';

/** The source pipenv hashes a Pipfile without [[source]] with (plette's DEFAULT_SOURCE_TOML). */
const PYPI_SOURCE: TomlTable = { name: 'pypi', url: 'https://pypi.org/simple', verify_ssl: true };

/** Top-level tables that hold no packages (besides "default" and "develop", the lock's own names). */
const NOT_PACKAGES = new Set([
  'source',
  'requires',
  'packages',
  'dev-packages',
  'scripts',
  'pipfile',
  'pipenv',
]);

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A string as Python's json.dumps writes it (ensure_ascii): each UTF-16 unit outside " "-"~" as \uXXXX. */
function pythonString(s: string): string {
  const escaped = s.replace(
    /[^ -~]|["\\]/g,
    (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"`;
}

/**
 * A float as Python's json.dumps writes it: repr (the shortest digits that
 * read back as it, in exponent form below 1e-4 and from 1e16: `1e-05`,
 * `1e+16`; else with a fraction: `1.0`), and Infinity, -Infinity, NaN.
 */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  // JavaScript's toExponential() gives the same shortest digits as Python's repr.
  const [mantissa, power] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exponent = Number(power);
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  return `${sign}${digits.slice(0, exponent + 1).padEnd(exponent + 1, '0')}.${digits.slice(exponent + 1) || '0'}`;
}

/** What Python's json.dumps writes: TOML's values and None (null). */
export type PythonJsonValue = TomlValue | null | PythonJsonValue[] | { [key: string]: PythonJsonValue };

/**
 * `value` as Python's `json.dumps(value, sort_keys=True, separators=separators)`
 * writes it: pipenv passes (",", ":"); Poetry passes none, and Python's
 * default is (", ", ": ").
 */
export function pythonJson(
  value: PythonJsonValue,
  separators: readonly [string, string] = [',', ':'],
): string {
  const [item, key] = separators;
  const json = (v: PythonJsonValue): string => {
    if (v === null) return 'null';
    if (typeof v === 'string') return pythonString(v);
    if (typeof v === 'boolean') return String(v);
    if (typeof v === 'number') {
      // Beyond 2^53 a JavaScript number no longer holds the integer Python would write (nor a hex one read).
      if (!Number.isSafeInteger(v)) throw new RangeError(`${v} is not an integer JSON writes exactly`);
      return String(v);
    }
    if (v instanceof TomlFloat) return pythonFloat(v.value);
    // Python reads a TOML date as a datetime, which json.dumps refuses (so pipenv and Poetry fail on one).
    if (v instanceof TomlDateTime) throw new RangeError(`${v.text} is a date, which JSON does not write`);
    if (Array.isArray(v)) return `[${v.map(json).join(item)}]`;
    // Python sorts keys by code point, which is the order of their UTF-8 bytes.
    const keys = sortByUtf8(Object.keys(v), (k) => k);
    return `{${keys.map((k) => `${pythonString(k)}${key}${json(v[k]!)}`).join(item)}}`;
  };
  return json(value);
}

/** PEP 503's normalized name: runs of -, _ and . as one -, lowercase. */
const canonical = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase();

/** The data pipenv hashes; `names` writes each package name of a category. */
function hashedData(pipfile: TomlTable, names: (name: string) => string): TomlTable {
  const packages = (section: TomlValue | undefined): TomlValue => {
    if (section === undefined) return {};
    if (!isTable(section)) return section;
    return Object.fromEntries(Object.entries(section).map(([k, v]) => [names(k), v]));
  };
  const data: TomlTable = {
    _meta: { sources: pipfile.source ?? [PYPI_SOURCE], requires: pipfile.requires ?? {} },
    default: packages(pipfile.packages),
    develop: packages(pipfile['dev-packages']),
  };
  for (const [category, section] of Object.entries(pipfile))
    if (!NOT_PACKAGES.has(category) && category !== 'default' && category !== 'develop')
      data[category] = packages(section);
  return data;
}

/**
 * The hashes pipenv records for this Pipfile: names as written (pipenv
 * before 2026.4), then in PEP 503 form (since), once when both are the
 * same. Undefined for a Pipfile that is not TOML, or has what pipenv's
 * json.dumps fails on where it hashes (a date) or this module cannot write
 * as Python would (an integer beyond 2^53): no hash rather than a wrong one.
 */
export function pipfileHashes(text: string): string[] | undefined {
  let pipfile: TomlTable;
  try {
    pipfile = parseToml(text).root;
    const hashes = [(n: string) => n, canonical].map((names) =>
      createHash('sha256')
        .update(pythonJson(hashedData(pipfile, names)), 'utf8')
        .digest('hex'),
    );
    return [...new Set(hashes)];
  } catch (error) {
    if (error instanceof TomlSubsetError || error instanceof RangeError) return undefined;
    throw error;
  }
}

/** The `_meta.hash.sha256` a Pipfile.lock records; undefined when it is not JSON or records none. */
function recordedHash(lock: string): string | undefined {
  try {
    const hash = (JSON.parse(lock) as { _meta?: { hash?: { sha256?: unknown } } } | null)?._meta?.hash
      ?.sha256;
    return typeof hash === 'string' && hash ? hash : undefined;
  } catch {
    // Not JSON: reading the lock for its packages says so, with its line.
    return undefined;
  }
}

/**
 * The warning for a Pipfile.lock locked from another Pipfile than `pipfile`
 * (`pipfilePath` and `lockPath` name them); undefined when it is up to
 * date, or when there is no telling (no hash recorded, a Pipfile not read).
 */
export function stalePipfileLockWarning(
  pipfile: string,
  lock: string,
  pipfilePath: string,
  lockPath: string,
): string | undefined {
  const recorded = recordedHash(lock);
  const hashes = recorded === undefined ? undefined : pipfileHashes(pipfile);
  if (!hashes || hashes.includes(recorded!)) return undefined;
  return (
    `${lockPath} is out of date with ${pipfilePath}: it was locked from another Pipfile ` +
    `(its _meta.hash is ${recorded}, the Pipfile's is ${hashes[0]}; pipenv install --deploy refuses it). ` +
    'lambda-deploy installs what Pipfile.lock pins, so a package added to the Pipfile since is not installed ' +
    'and on Lambda the function cannot import it. Run pipenv lock and commit Pipfile.lock.'
  );
}
