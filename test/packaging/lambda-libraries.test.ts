import { describe, expect, it } from '@jest/globals';
import {
  missingLibraries,
  missingLibrariesMessage,
  missingLibraryMessage,
} from '../../src/packaging/lambda-libraries.js';

const needs = (needed: string[], path = 'vendor/m/_m.abi3.so') => [{ path, needed }];
const none = new Set<string>();

describe('missingLibraries', () => {
  it("leaves glibc's, GCC's and zlib's libraries to Lambda on every runtime", () => {
    const base = ['libc.so.6', 'libm.so.6', 'libdl.so.2', 'libpthread.so.0', 'librt.so.1', 'libutil.so.1'];
    const more = ['libresolv.so.2', 'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1', 'libgcc_s.so.1'];
    for (const runtime of ['python3.9', 'python3.12', 'nodejs18.x', 'nodejs22.x'])
      expect(
        missingLibraries(needs([...base, ...more, 'libstdc++.so.6', 'libz.so.1']), none, runtime),
      ).toEqual([]);
  });

  it('never reports a library Lambda may have (OpenSSL, libffi, expat, SQLite, curl, libcrypt, libpython)', () => {
    const uncertain = ['libssl.so.3', 'libcrypto.so.10', 'libffi.so.8', 'libexpat.so.1', 'libsqlite3.so.0'];
    const more = ['libcurl.so.4', 'libcrypt.so.1', 'libnsl.so.1', 'libpython3.12.so.1.0', 'liblzma.so.5'];
    expect(missingLibraries(needs([...uncertain, ...more]), none, 'python3.12')).toEqual([]);
  });

  it("knows Amazon Linux 2's listed libraries from Amazon Linux 2023's", () => {
    // In Lambda's Amazon Linux 2 /lib64 (lambci/docker-lambda's listing), not known in AL2023's.
    expect(missingLibraries(needs(['libpopt.so.0']), none, 'python3.11')).toEqual([]);
    expect(missingLibraries(needs(['libverto.so.1']), none, 'nodejs18.x')).toEqual([]);
  });

  it('reports a library neither the package nor Lambda has, once, with every file needing it', () => {
    const found = missingLibraries(
      [
        { path: 'a/_a.abi3.so', needed: ['libc.so.6', 'libpq.so.5'] },
        { path: 'b/_b.abi3.so', needed: ['libpq.so.5', 'libmysqlclient.so.21'] },
        { path: 'c/_c.abi3.so', needed: ['libfakeq.so.5'] },
      ],
      new Set(['libfakeq.so.5']),
      'python3.12',
    );
    expect(found).toEqual([
      { soname: 'libpq.so.5', files: ['a/_a.abi3.so', 'b/_b.abi3.so'] },
      { soname: 'libmysqlclient.so.21', files: ['b/_b.abi3.so'] },
    ]);
  });

  it('leaves a library linked by path alone (the loader looks there, not by name)', () => {
    expect(missingLibraries(needs(['/usr/lib/libpq.so.5']), none, 'python3.12')).toEqual([]);
  });
});

describe('missingLibraryMessage', () => {
  it('libpq.so.5: psycopg2-binary or psycopg[binary]', () => {
    const message = missingLibraryMessage(
      { soname: 'libpq.so.5', files: ['psycopg2/_psycopg.cpython-312-x86_64-linux-gnu.so'] },
      'python3.12',
      false,
    );
    expect(message).toMatch(
      /^psycopg2\/_psycopg\.cpython-312-x86_64-linux-gnu\.so needs libpq\.so\.5, which the package does not hold and python3\.12's Amazon Linux 2023 does not have: on Lambda the import fails \("libpq\.so\.5: cannot open shared object file"\)\. What to do: /,
    );
    expect(message).toContain('use psycopg2-binary or psycopg[binary]');
  });

  it('libmysqlclient: PyMySQL or bundle the library; names up to three files', () => {
    const files = ['a.so', 'b.so', 'c.so', 'd.so'];
    const message = missingLibraryMessage({ soname: 'libmysqlclient.so.21', files }, 'python3.9', false);
    expect(message).toContain('needs libmysqlclient.so.21 (also needed by b.so, c.so and 1 more)');
    expect(message).toContain("python3.9's Amazon Linux 2");
    expect(message).toContain('mysqlclient needs libmysqlclient: use PyMySQL');
  });

  it('another library: a manylinux wheel, auditwheel in a manylinux image, or the library in lib/ or a layer; with layers, one may', () => {
    const missing = { soname: 'libgomp.so.1', files: ['lightgbm/lib_lightgbm.so'] };
    const plain = missingLibraryMessage(missing, 'python3.13', false);
    expect(plain).toContain(
      'What to do: install a manylinux wheel of the package, which bundles its libraries',
    );
    expect(plain).toContain('-binary variant');
    expect(plain).toContain(
      'build the wheel in a manylinux image (quay.io/pypa/manylinux_2_28_<x86_64|aarch64>)',
    );
    expect(plain).toContain('repair it with auditwheel');
    expect(plain).toContain('or in a layer (its lib/ folder, /opt/lib on Lambda)');
    // Amazon Linux 2's glibc 2.26 predates manylinux_2_28.
    expect(missingLibraryMessage(missing, 'python3.11', false)).toContain('quay.io/pypa/manylinux2014_');
    expect(missingLibraryMessage(missing, 'nodejs22.x', false)).toContain(
      'What to do: bundle the library in the package',
    );
    expect(missingLibraryMessage(missing, 'python3.13', true)).toContain(
      'unless one of the attached layers provides it in /opt/lib, the import fails',
    );
  });
});

describe('missingLibrariesMessage: all of them in one message', () => {
  it('one library: as missingLibraryMessage says it', () => {
    const missing = { soname: 'libpq.so.5', files: ['psycopg2/_psycopg.abi3.so'] };
    expect(missingLibrariesMessage([missing], 'python3.12', false)).toBe(
      missingLibraryMessage(missing, 'python3.12', false),
    );
  });

  it('several: each listed with the files needing it (capped), then the known fixes once, then the general one', () => {
    const missing = [
      { soname: 'libpq.so.5', files: ['a/_pq.so', 'b/_pq.so', 'c/_pq.so'] },
      { soname: 'libmysqlclient.so.21', files: ['MySQLdb/_mysql.so'] },
      ...['libx.so.1', 'liby.so.1', 'libz9.so.1', 'libw.so.1', 'libv.so.1'].map((soname) => ({
        soname,
        files: [`m/${soname}.user.so`],
      })),
    ];
    const message = missingLibrariesMessage(missing, 'python3.12', false);
    expect(message.split('\n')).toEqual([
      `Compiled code in the package needs 7 shared libraries that the package does not hold and python3.12's Amazon Linux 2023 does not have: on Lambda the import fails ("libpq.so.5: cannot open shared object file").`,
      '  - libpq.so.5, needed by a/_pq.so, b/_pq.so and 1 more',
      '  - libmysqlclient.so.21, needed by MySQLdb/_mysql.so',
      '  - libx.so.1, needed by m/libx.so.1.user.so',
      '  - liby.so.1, needed by m/liby.so.1.user.so',
      '  - libz9.so.1, needed by m/libz9.so.1.user.so',
      '  - and 2 more',
      expect.stringMatching(
        /^What to do: psycopg2 .*psycopg2-binary.*; or mysqlclient needs libmysqlclient.*; or install a manylinux wheel/,
      ),
    ]);
    expect(missingLibrariesMessage(missing.slice(0, 2), 'nodejs22.x', true)).toMatch(
      /^Compiled code in the package needs 2 shared libraries .*: unless one of the attached layers provides it in \/opt\/lib, loading fails/,
    );
  });
});
