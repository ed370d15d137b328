import { afterAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { declaredDependencies } from '../../src/packaging/hoisted-dependencies.js';
import { npmInstallPlan, pathDependencies } from '../../src/packaging/npm-install.js';
import { packageJsonProblem } from '../../src/packaging/package-json-check.js';
import { dependencyNames } from '../../src/packaging/pnpm-layout.js';
import { buildNodeFunction, tempDir, writeTree } from './helpers.js';

const { dir: root, cleanup } = tempDir('package-json-check');
afterAll(cleanup);

const AFTER =
  ': Node.js refuses to load a .js file under it and npm to install from it; fix it, then run again.';

describe('packageJsonProblem', () => {
  it('names the file and where the JSON breaks, by line and column', () => {
    expect(packageJsonProblem('api/package.json', '{\n  "name": "x",\n  "type": "commonjs",\n}\n')).toBe(
      `api/package.json does not parse as JSON (line 4, column 1: Expected double-quoted property name)${AFTER}`,
    );
    expect(packageJsonProblem('package.json', '{"name": "x" "main": "y"}')).toBe(
      `package.json does not parse as JSON (line 1, column 14: Expected ',' or '}' after property value)${AFTER}`,
    );
    expect(packageJsonProblem('package.json', '{\n  "name": ')).toBe(
      `package.json does not parse as JSON (line 2, column 11: the file ends before the JSON does)${AFTER}`,
    );
    expect(packageJsonProblem('package.json', '{"name": "x"}\n}\n')).toBe(
      `package.json does not parse as JSON (line 2, column 1: Unexpected non-whitespace character after JSON)${AFTER}`,
    );
    expect(packageJsonProblem('package.json', '')).toBe(
      `package.json does not parse as JSON (the file is empty)${AFTER}`,
    );
  });

  it('names the line and column where JSON.parse names none (an unexpected token), on one line', () => {
    // V8 says "Unexpected token ',', ...\"  \"main\": ,\n  \"depen\"... is not valid JSON": no position, the text quoted.
    const text = '{\r\n  "name": "fn",\r\n  "main": ,\r\n  "dependencies": { "pg": "^8" }\r\n}\r\n';
    expect(packageJsonProblem('package.json', text)).toBe(
      `package.json does not parse as JSON (line 3, column 11: Unexpected token ',')${AFTER}`,
    );
    expect(packageJsonProblem('package.json', '\uFEFF{"a": NaN}')).toBe(
      `package.json does not parse as JSON (line 1, column 7: Unexpected token 'N')${AFTER}`,
    );
  });

  it.each([
    ['null', 'null'],
    ['[{"name": "x"}]', 'an array'],
    ['"x"', 'a string'],
    ['1', 'a number'],
    ['true', 'a boolean'],
  ])(
    'refuses JSON that is not an object: %s (Node.js 22 and newer refuse it, Node.js 20 and npm null)',
    (text, kind) => {
      expect(packageJsonProblem('package.json', `${text}\n`)).toBe(
        `package.json is not a JSON object (it holds ${kind}; expected {...})${AFTER}`,
      );
    },
  );

  it('takes what Node.js and npm take: JSON, after a byte-order mark', () => {
    expect(packageJsonProblem('package.json', '{"name": "x"}')).toBeUndefined();
    expect(packageJsonProblem('package.json', '\uFEFF{"name": "x"}\n')).toBeUndefined();
  });
});

describe("a Node.js function's own package.json that does not parse", () => {
  it('is refused before anything is installed or zipped, naming the file and the place', async () => {
    const path = join(root, 'broken');
    writeTree(path, {
      'package.json': '{\n  "name": "fn",\n  "dependencies": { "tiny-dep": "^1.0.0" },\n}\n',
      'package-lock.json': '{}',
      'index.js': 'exports.handler = async () => 1;\n',
    });
    await expect(buildNodeFunction(path, join(root, 'broken-out'))).rejects.toThrow(
      `${join(path, 'package.json')} does not parse as JSON (line 4, column 1: Expected double-quoted property name)`,
    );
  });

  it('is no matter for a Python function (a package.json beside it is only a file)', async () => {
    const path = join(root, 'python');
    writeTree(path, { 'package.json': '{', 'app.py': 'def handler(event, context):\n    return 1\n' });
    const python = { runtime: 'python3.12', handler: 'app.handler' } as const;
    await expect(buildNodeFunction(path, join(root, 'python-out'), python)).resolves.toBeDefined();
  });
});

describe('a package.json that starts with a byte-order mark (Node.js and npm skip it) is read by the packager too', () => {
  const text = '\uFEFF{"dependencies": {"pg": "^8", "shared": "file:../shared"}}';
  it('its dependencies are installed, named and checked', () => {
    expect(npmInstallPlan(text, (f) => f === 'package-lock.json')).toEqual({
      install: true,
      lockfile: 'package-lock.json',
    });
    expect(declaredDependencies(text)).toEqual(['pg', 'shared']);
    expect(dependencyNames(text)).toEqual(['pg', 'shared']);
    expect(pathDependencies(text, '{}')).toEqual({
      file: 'package.json',
      found: ['shared (file:../shared)'],
    });
  });
});
