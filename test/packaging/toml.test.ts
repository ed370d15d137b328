import { describe, expect, it } from '@jest/globals';
import { pythonJson } from '../../src/packaging/pipfile-hash.js';
import {
  parseToml,
  parseTomlSubset,
  TomlDateTime,
  TomlFloat,
  TomlSubsetError,
} from '../../src/packaging/toml-subset.js';

// Expected: Python 3.11's json.dumps(tomllib.loads(document), sort_keys=True), run when these were written.
const valid: [string, string, string][] = [
  [
    'multi-line basic: first newline dropped, line-ending backslash, quotes before the closing ones',
    'str1 = """\nRoses are red\nViolets are blue"""\nstr2 = """\\\n       The quick brown \\\n\n\n       fox jumps over \\\n       the lazy dog.\\\n       """\nstr3 = """Here are two quotation marks: "". Simple enough."""\nstr4 = """Here are three quotation marks: ""\\"."""\nstr5 = """"This," she said, "is just a pointless statement.""""\nstr6 = """a \\  \t\n  b"""\ncrlf = """\r\none\r\ntwo"""\n',
    '{"crlf": "one\\ntwo", "str1": "Roses are red\\nViolets are blue", "str2": "The quick brown fox jumps over the lazy dog.", "str3": "Here are two quotation marks: \\"\\". Simple enough.", "str4": "Here are three quotation marks: \\"\\"\\".", "str5": "\\"This,\\" she said, \\"is just a pointless statement.\\"", "str6": "a b"}',
  ],
  [
    'escapes, \\u and \\U included',
    'a = "\\u00E9 \\U0001F600 \\t \\" \\\\ \\b \\f \\r \\n end"\nb = """\\u00e9\\"\\"\\""""\n',
    '{"a": "\\u00e9 \\ud83d\\ude00 \\t \\" \\\\ \\b \\f \\r \\n end", "b": "\\u00e9\\"\\"\\""}',
  ],
  [
    'multi-line literal strings',
    "regex2 = '''I [dw]on't need \\d{2} apples'''\nlines  = '''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''\nquot15 = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''\nstr = ''''That,' she said, 'is still pointless.''''\n",
    '{"lines": "The first newline is\\ntrimmed in raw strings.\\n   All other whitespace\\n   is preserved.\\n", "quot15": "Here are fifteen quotation marks: \\"\\"\\"\\"\\"\\"\\"\\"\\"\\"\\"\\"\\"\\"\\"", "regex2": "I [dw]on\'t need \\\\d{2} apples", "str": "\'That,\' she said, \'is still pointless.\'"}',
  ],
  [
    'integers: signs, underscores, hex, octal, binary',
    'int1 = +99\nint2 = -17\nint3 = 0\nint4 = +0\nint5 = 1_000\nint6 = 5_349_221\nhex1 = 0xDEADBEEF\nhex2 = 0xdead_beef\nhex3 = 0x00ff\noct1 = 0o01234567\noct2 = 0o755\nbin1 = 0b11010110\n',
    '{"bin1": 214, "hex1": 3735928559, "hex2": 3735928559, "hex3": 255, "int1": 99, "int2": -17, "int3": 0, "int4": 0, "int5": 1000, "int6": 5349221, "oct1": 342391, "oct2": 493}',
  ],
  [
    'floats: fractions, exponents, underscores, inf and nan, as Python writes them',
    'flt1 = +1.0\nflt2 = 3.1415\nflt3 = -0.01\nflt4 = 5e+22\nflt5 = 1e06\nflt6 = -2E-2\nflt7 = 6.626e-34\nflt8 = 224_617.445_991_228\nsf1 = inf\nsf2 = +inf\nsf3 = -inf\nsf4 = nan\nsf5 = +nan\nsf6 = -nan\nbig = 1e16\nbelow = 1e15\nsmall = 0.0001\nsmaller = 0.00001\nnegzero = -0.0\npy = 3.12\none = 1.0\nint = 1\nlong = 123456789012345678.0\nfrac = 1.5e-7\ntenth = 0.1\nmax = 1.7976931348623157e308\nfail_under = 90.5\n',
    '{"below": 1000000000000000.0, "big": 1e+16, "fail_under": 90.5, "flt1": 1.0, "flt2": 3.1415, "flt3": -0.01, "flt4": 5e+22, "flt5": 1000000.0, "flt6": -0.02, "flt7": 6.626e-34, "flt8": 224617.445991228, "frac": 1.5e-07, "int": 1, "long": 1.2345678901234568e+17, "max": 1.7976931348623157e+308, "negzero": -0.0, "one": 1.0, "py": 3.12, "sf1": Infinity, "sf2": Infinity, "sf3": -Infinity, "sf4": NaN, "sf5": NaN, "sf6": NaN, "small": 0.0001, "smaller": 1e-05, "tenth": 0.1}',
  ],
  [
    'dotted keys in key-value lines, quoted and literal keys',
    'name = "Orange"\nphysical.color = "orange"\nphysical.shape = "round"\nsite."google.com" = true\n3.14159 = "pi"\nfruit . flavor = "banana"\n\'quoted "value"\' = "value"\n"" = "blank"\n\'key2\' = 1\n"a.b".c = 2\n',
    '{"": "blank", "3": {"14159": "pi"}, "a.b": {"c": 2}, "fruit": {"flavor": "banana"}, "key2": 1, "name": "Orange", "physical": {"color": "orange", "shape": "round"}, "quoted \\"value\\"": "value", "site": {"google.com": true}}',
  ],
  [
    'sub-tables of a table dotted keys defined',
    '[fruit]\napple.color = "red"\napple.taste.sweet = true\n\n[fruit.apple.texture]\nsmooth = true\n',
    '{"fruit": {"apple": {"color": "red", "taste": {"sweet": true}, "texture": {"smooth": true}}}}',
  ],
  [
    'a super-table after its sub-tables, and a dotted key into a table only a header created',
    '[x.y.z.w]\na = 1\n[x]\nb = 2\n[p.q.r]\n[p]\nq.s = 3\n',
    '{"p": {"q": {"r": {}, "s": 3}}, "x": {"b": 2, "y": {"z": {"w": {"a": 1}}}}}',
  ],
  [
    'inline tables with dotted keys, mixed arrays',
    'animal = { type.name = "pug", type.size = "small" }\npoint = { x = 1, y = 2.0 }\nempty = {}\nnumbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\ncontributors = [\n  "Foo Bar <foo@example.com>",\n  { name = "Baz Qux", url = """https://example.com""" },\n]\nnested = [[1, 2], ["a", \'b\'], [{ c.d = 1 }]]\n',
    '{"animal": {"type": {"name": "pug", "size": "small"}}, "contributors": ["Foo Bar <foo@example.com>", {"name": "Baz Qux", "url": "https://example.com"}], "empty": {}, "nested": [[1, 2], ["a", "b"], [{"c": {"d": 1}}]], "numbers": [0.1, 0.2, 0.5, 1, 2, 5], "point": {"x": 1, "y": 2.0}}',
  ],
  [
    'arrays of tables with their sub-tables',
    '[[fruits]]\nname = "apple"\n\n[fruits.physical]\ncolor = "red"\n\n[[fruits.varieties]]\nname = "red delicious"\n\n[[fruits]]\nname = "banana"\n\n[fruits.physical]\ncolor = "yellow"\n\n[[fruits.varieties]]\nname = "plantain"\n',
    '{"fruits": [{"name": "apple", "physical": {"color": "red"}, "varieties": [{"name": "red delicious"}]}, {"name": "banana", "physical": {"color": "yellow"}, "varieties": [{"name": "plantain"}]}]}',
  ],
  [
    'a pyproject.toml as people write it',
    '[project]\nname = "app"\ndescription = """\nA long description \\\nover lines."""\nrequires-python = ">=3.12"\ndependencies = ["flask>=3"]\n\n[tool.pytest.ini_options]\naddopts = """\n  -ra\n  --strict-markers\n"""\nmarkers = [\'slow: slow tests\']\n\n[tool.coverage.report]\nfail_under = 90.5\nexclude_also = [\n  "if TYPE_CHECKING:",\n]\n\n[tool.ruff]\nline-length = 100\nlint.select = ["E", "F"]\nlint.per-file-ignores."tests/*" = ["S101"]\n\n[tool.black]\ntarget-version = [\'py312\']\n',
    '{"project": {"dependencies": ["flask>=3"], "description": "A long description over lines.", "name": "app", "requires-python": ">=3.12"}, "tool": {"black": {"target-version": ["py312"]}, "coverage": {"report": {"exclude_also": ["if TYPE_CHECKING:"], "fail_under": 90.5}}, "pytest": {"ini_options": {"addopts": "  -ra\\n  --strict-markers\\n", "markers": ["slow: slow tests"]}}, "ruff": {"line-length": 100, "lint": {"per-file-ignores": {"tests/*": ["S101"]}, "select": ["E", "F"]}}}}',
  ],
];
// Each refused by tomllib too; [document, line, what the error says].
const invalid: [string, number, string][] = [
  ['a = """x\n\n', 1, 'not closed'],
  ['a = "\\x"\n', 1, 'escape \\'],
  ['a = """\nok\n\\q"""\n', 3, 'escape \\'],
  ['a = """\\ x"""\n', 1, 'escape \\'],
  ['a = "\\uD800"\n', 1, 'bad escape \\uD800: not a Unicode scalar value'],
  ['a = "\\U00110000"\n', 1, 'escape \\'],
  ['a = """a""""""\n', 1, 'end of the line'],
  ["a = '''a''''''\n", 1, 'end of the line'],
  ['a = "x\u0001"\n', 1, 'control character'],
  ['a = """x\u007f"""\n', 1, 'control character'],
  ["a = 'x\u0000'\n", 1, 'control character'],
  ['# \u0001\n', 1, 'control character'],
  ["a = 'open\nb = 1\n", 1, 'not closed'],
  ['a = 01\n', 1, 'expected a value'],
  ['a = 1__0\n', 1, 'expected a value'],
  ['a = _1\n', 1, 'expected a value'],
  ['a = 1_\n', 1, 'expected a value'],
  ['a = 1.\n', 1, 'expected a value'],
  ['a = .5\n', 1, 'expected a value'],
  ['a = 1.e5\n', 1, 'expected a value'],
  ['a = 1e\n', 1, 'expected a value'],
  ['a = 0x\n', 1, 'expected a value'],
  ['a = +0x1\n', 1, 'expected a value'],
  ['a = 0X1F\n', 1, 'expected a value'],
  ['a = 0b102\n', 1, 'expected a value'],
  ['a = Inf\n', 1, 'expected a value'],
  ['a = infinity\n', 1, 'expected a value'],
  ['a = 1979-02-30\n', 1, 'expected a value'],
  ['a = 1979-05-27T25:00:00\n', 1, 'expected a value'],
  ['a = 07:32\n', 1, 'expected a value'],
  ['a = 1\na.b = 2\n', 2, 'a is a value, so a.b cannot be defined'],
  ['a.b = 1\na.b = 2\n', 2, 'a.b is defined twice'],
  ['a.b = 1\na = {}\n', 2, 'a is defined twice'],
  ['[fruit]\napple.color = "red"\n[fruit.apple]\n', 3, '[fruit.apple] is defined twice'],
  ['[fruit]\napple.color = "red"\n[fruit.apple.taste]\n[fruit]\n', 4, '[fruit] is defined twice'],
  ['[a.b]\n[a]\nb.c = 1\n', 3, 'b is a table defined under another header: b.c cannot add to it'],
  [
    '[product]\ntype = { name = "Nail" }\ntype.edible = false\n',
    3,
    'type is an inline table: type.edible cannot add to it',
  ],
  ['a = { b = { c = 1 }, b.d = 2 }\n', 1, 'b is an inline table: b.d cannot add to it'],
  ['a = { b = 1, b = 2 }\n', 1, 'b is defined twice'],
  ['a = { b.c = 1, b = 2 }\n', 1, 'b is defined twice'],
  ['a = [1]\n[[a]]\n', 2, '[[a]]: a is an inline table or array, which nothing adds to'],
  ['[a]\n[[a]]\n', 2, '[[a]] names a table that is not an array of tables'],
  ['[[a]]\n[a]\n', 2, '[a] is defined twice'],
  ['a = {b = 1}\n[a.c]\n', 2, '[a.c]: a is an inline table or array'],
  ['a = [{b = 1}]\n[a.c]\n', 2, '[a.c]: a is an inline table or array'],
  ['a = { b = 1, }\n', 1, 'expected a key, found "}"'],
  ['a = { b = 1\n}\n', 1, 'expected "," or "}" in an inline table, found the end of the line'],
  ['a = 1 b = 2\n', 1, 'end of the line'],
  ['"""a""" = 1\n', 1, 'expected "=" after "", found """'],
];

describe('parseToml (TOML 1.0, for pyproject.toml and Pipfile)', () => {
  it.each(valid)('%s', (_name, document, python) => {
    expect(pythonJson(parseToml(document).root, [', ', ': '])).toBe(python);
  });

  it.each(invalid)('refuses %j with its line', (document, line, reason) => {
    let error: unknown;
    try {
      parseToml(document);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TomlSubsetError);
    expect((error as TomlSubsetError).line).toBe(line);
    expect((error as TomlSubsetError).reason).toContain(reason);
  });

  it('tells a float from an integer', () => {
    const { root } = parseToml('a = 1.0\nb = 1\nc = 1e2\n');
    expect(root.a).toEqual(new TomlFloat(1));
    expect(root.b).toBe(1);
    expect(root.c).toEqual(new TomlFloat(100));
    const long = `0.${'1'.repeat(100)}`;
    expect(parseToml(`d = ${long}\n`).root.d).toEqual(new TomlFloat(Number(long)));
  });

  it('reads offset and local date-times, dates and times, which JSON cannot write', () => {
    const { root } = parseToml(
      'odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27 00:32:00.999999-07:00\nldt = 1979-05-27t07:32:00\n' +
        'ld = 2024-02-29\nlt = 00:32:00.5\narr = [1979-05-27, 07:32:00] # dates\n',
    );
    expect(root).toEqual({
      odt1: new TomlDateTime('offset-date-time', '1979-05-27T07:32:00Z'),
      odt2: new TomlDateTime('offset-date-time', '1979-05-27 00:32:00.999999-07:00'),
      ldt: new TomlDateTime('local-date-time', '1979-05-27t07:32:00'),
      ld: new TomlDateTime('local-date', '2024-02-29'),
      lt: new TomlDateTime('local-time', '00:32:00.5'),
      arr: [new TomlDateTime('local-date', '1979-05-27'), new TomlDateTime('local-time', '07:32:00')],
    });
    // json.dumps raises on a datetime: so does pythonJson, and pipenv or Poetry hashing it would fail.
    expect(() => pythonJson(root.ld!)).toThrow(RangeError);
  });

  it('gives the line of each table a header opened', () => {
    const { root, lineOf } = parseToml('a.b = 1\n\n[t]\nx = """\n\n"""\n[[u]]\n');
    expect(lineOf(root.t as never)).toBe(3);
    expect(lineOf((root.u as never[])[0]!)).toBe(7);
  });
});

describe('parseTomlSubset (lockfiles) stays strict', () => {
  it.each([
    ['a = 1.5\n', 'expected a string'],
    ['a = 0x10\n', 'expected a string'],
    ['a = { b.c = 1 }\n', 'dotted keys'],
    ["a = '''x'''\n", 'multi-line strings'],
  ])('refuses %j', (document, reason) => {
    expect(() => parseTomlSubset(document)).toThrow(reason);
  });
});
