import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { distributionsByPath, recordPaths } from '../../src/packaging/installed-distributions.js';
import { tempDir } from './helpers.js';

const { dir: root, cleanup } = tempDir('installed-distributions');
afterAll(cleanup);

describe('recordPaths', () => {
  it("reads each row's path, unquoting a path with a comma or a quote", () => {
    const record = [
      'fast/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0',
      'fast/_fast.cpython-312-x86_64-linux-gnu.so,sha256=abc,16000',
      '"fast/data/a,b ""c"".txt",sha256=def,3',
      'fastrand-2.0.dist-info/RECORD,,',
      '',
    ].join('\r\n');
    expect(recordPaths(record)).toEqual([
      'fast/__init__.py',
      'fast/_fast.cpython-312-x86_64-linux-gnu.so',
      'fast/data/a,b "c".txt',
      'fastrand-2.0.dist-info/RECORD',
    ]);
  });
});

describe('distributionsByPath', () => {
  it('maps each installed file to its distribution, named as its METADATA says', async () => {
    const dir = join(root, 'site');
    mkdirSync(join(dir, 'psycopg2_binary-2.9.9.dist-info'), { recursive: true });
    writeFileSync(
      join(dir, 'psycopg2_binary-2.9.9.dist-info', 'METADATA'),
      'Metadata-Version: 2.1\nName: psycopg2-binary\nVersion: 2.9.9\n\nName: not a header\n',
    );
    writeFileSync(
      join(dir, 'psycopg2_binary-2.9.9.dist-info', 'RECORD'),
      'psycopg2/_psycopg.cpython-312-x86_64-linux-gnu.so,sha256=x,1\n',
    );
    // No METADATA: the folder's name says it.
    mkdirSync(join(dir, 'six-1.16.0.dist-info'));
    writeFileSync(join(dir, 'six-1.16.0.dist-info', 'RECORD'), 'six.py,sha256=y,2\n');
    const owners = await distributionsByPath(dir);
    expect(Object.fromEntries(owners)).toEqual({
      'psycopg2/_psycopg.cpython-312-x86_64-linux-gnu.so': 'psycopg2-binary 2.9.9',
      'six.py': 'six 1.16.0',
    });
  });
});
