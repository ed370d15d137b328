import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipfileHashes, pythonJson, stalePipfileLockWarning } from '../../src/packaging/pipfile-hash.js';

// Pipfiles with the hashes pipenv computed for them (generate-hashes.py, with pipenv's own plette),
// and a Pipfile.lock pipenv lock wrote: no pipenv needed here.
const fixtures = join(import.meta.dirname, 'fixtures', 'pipfile-hash');
const expected = JSON.parse(readFileSync(join(fixtures, 'hashes.json'), 'utf8')) as Record<
  string,
  { plette: string; canonical: string }
>;
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');

describe('pipfileHashes', () => {
  const pipfiles = readdirSync(fixtures).filter((f) => f.endsWith('.Pipfile'));

  it('has a fixture for each case', () => {
    expect(pipfiles.sort()).toEqual(Object.keys(expected).sort());
    expect(pipfiles.length).toBeGreaterThanOrEqual(6);
  });

  it.each(pipfiles)(
    '%s: the hash pipenv records, before and since pipenv 2026.4 (names in PEP 503 form)',
    (name) => {
      const hashes = pipfileHashes(read(name));
      expect(hashes).toEqual([...new Set([expected[name]!.plette, expected[name]!.canonical])]);
    },
  );

  it('ignores comments, key order, quoting and where the sections are', () => {
    expect(pipfileHashes(read('full-reordered.Pipfile'))).toEqual(pipfileHashes(read('full.Pipfile')));
  });

  it('matches the Pipfile.lock pipenv lock wrote for its Pipfile', () => {
    const lock = JSON.parse(read('pipenv-locked/Pipfile.lock')) as { _meta: { hash: { sha256: string } } };
    expect(pipfileHashes(read('pipenv-locked/Pipfile'))).toContain(lock._meta.hash.sha256);
  });

  it('changes with a package, a version, a source, [requires] or a custom category; not with [scripts] or [pipenv]', () => {
    const base = read('full.Pipfile');
    const [hash] = pipfileHashes(base)!;
    for (const changed of [
      base.replace('pytest = "*"', 'pytest = "*"\nhypothesis = "*"'),
      base.replace('flask = ">=2.2,<4"', 'flask = ">=3"'),
      base.replace('verify_ssl = false', 'verify_ssl = true'),
      base.replace('python_version = "3.12"', 'python_version = "3.13"'),
      base.replace('black = "==24.1.0"', 'black = "==24.2.0"'),
    ])
      expect(pipfileHashes(changed)![0]).not.toBe(hash);
    for (const same of [
      base.replace('test = "pytest -q"', 'test = "pytest"'),
      base.replace('allow_prereleases = false', 'allow_prereleases = true'),
    ])
      expect(pipfileHashes(same)![0]).toBe(hash);
  });

  it('writes a float as Python does (python_version = 3.12 is not "3.12")', () => {
    // /usr/bin/python3: sha256 of json.dumps({"_meta": {"requires": {"python_version": 3.12}, "sources": [PyPI]},
    // "default": {}, "develop": {}}, sort_keys=True, separators=(",", ":")).
    expect(pipfileHashes('[requires]\npython_version = 3.12\n')).toEqual([
      'f5139f198be12526485ad1718fcd4e633ff0878f4b719cfd820b48f1485c6ff7',
    ]);
  });

  it('gives no hash for a Pipfile that is not TOML or has a date where pipenv hashes (its json.dumps fails)', () => {
    expect(pipfileHashes('[packages]\nrequests = "*"\nrequests = "*"\n')).toBeUndefined();
    expect(pipfileHashes('[packages]\nrequests = { version = "*", since = 2024-01-01 }\n')).toBeUndefined();
    expect(pipfileHashes('[scripts]\nsince = 2024-01-01\n')).toBeDefined();
  });
});

describe('pythonJson', () => {
  it("writes what Python's json.dumps(sort_keys=True, separators=(',', ':')) writes", () => {
    expect(pythonJson({ b: [1, true, false], a: { y: 'x', x: -2 } })).toBe(
      '{"a":{"x":-2,"y":"x"},"b":[1,true,false]}',
    );
    // ensure_ascii: \uXXXX (lowercase, UTF-16 pairs) for all but printable ASCII; short escapes where JSON has them.
    expect(pythonJson('é😀\u007f\u0001"\\\n\t\b\f\r/')).toBe(
      '"\\u00e9\\ud83d\\ude00\\u007f\\u0001\\"\\\\\\n\\t\\b\\f\\r/"',
    );
    // Keys sort by code point (Python), not by UTF-16 unit (JavaScript).
    expect(pythonJson({ '\uffff': 1, '😀': 2 })).toBe('{"\\uffff":1,"\\ud83d\\ude00":2}');
  });

  it("writes Python's default separators (', ' and ': ') and None, as Poetry's json.dumps(sort_keys=True) does", () => {
    // python3 -c 'import json; print(json.dumps({"b": [1, None], "a": "é"}, sort_keys=True))'
    expect(pythonJson({ b: [1, null], a: 'é' }, [', ', ': '])).toBe('{"a": "\\u00e9", "b": [1, null]}');
  });
});

describe('stalePipfileLockWarning', () => {
  const pipfile = read('pipenv-locked/Pipfile');
  const lock = read('pipenv-locked/Pipfile.lock');

  it('says nothing of a lock pipenv wrote from this Pipfile', () => {
    expect(stalePipfileLockWarning(pipfile, lock, '/fn/Pipfile', '/fn/Pipfile.lock')).toBeUndefined();
  });

  it('names both files, says the lock is out of date and to run pipenv lock and commit it', () => {
    const added = pipfile.replace('[packages]', '[packages]\nrequests = "*"');
    const recorded = (JSON.parse(lock) as { _meta: { hash: { sha256: string } } })._meta.hash.sha256;
    const warning = stalePipfileLockWarning(added, lock, '/fn/Pipfile', '/fn/Pipfile.lock');
    expect(warning).toBe(
      `/fn/Pipfile.lock is out of date with /fn/Pipfile: it was locked from another Pipfile ` +
        `(its _meta.hash is ${recorded}, the Pipfile's is ${pipfileHashes(added)![0]}; pipenv install --deploy refuses it). ` +
        'lambda-deploy installs what Pipfile.lock pins, so a package added to the Pipfile since is not installed ' +
        'and on Lambda the function cannot import it. Run pipenv lock and commit Pipfile.lock.',
    );
  });

  it('accepts the hash of either pipenv: names as written, or in PEP 503 form', () => {
    const subtable = read('subtable.Pipfile');
    for (const hash of Object.values(expected['subtable.Pipfile']!))
      expect(
        stalePipfileLockWarning(subtable, JSON.stringify({ _meta: { hash: { sha256: hash } } }), 'P', 'L'),
      ).toBeUndefined();
  });

  it('says nothing when it cannot tell: no hash in the lock, a lock or Pipfile it cannot read', () => {
    expect(stalePipfileLockWarning(pipfile, '{"_meta": {}, "default": {}}', 'P', 'L')).toBeUndefined();
    expect(stalePipfileLockWarning(pipfile, 'not JSON', 'P', 'L')).toBeUndefined();
    const invalid = `${pipfile}\n[other]\nx = 1.5.0\n`;
    expect(stalePipfileLockWarning(invalid, lock, 'P', 'L')).toBeUndefined();
  });
});
