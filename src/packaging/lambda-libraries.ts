import { lambdaOs, type LambdaOs } from './lambda-os.js';

/**
 * The shared libraries compiled code may link (DT_NEEDED) that Lambda
 * supplies itself, and what to say of one it does not. Code built on the
 * runner links the runner's libraries (libpq.so.5 for psycopg2 built from
 * source); Lambda has only its Amazon Linux's base libraries, the runtime's
 * own (/var/lang/lib), and the function's and its layers' (LD_LIBRARY_PATH
 * holds /var/task/lib and /opt/lib). A library missing there fails the
 * import on Lambda: "libpq.so.5: cannot open shared object file".
 */

/** glibc's libraries and loaders, and GCC's runtime: every Amazon Linux has them in /lib64. */
const BASE = new Set([
  'libc.so.6',
  'libm.so.6',
  'libdl.so.2',
  'libpthread.so.0',
  'librt.so.1',
  'libutil.so.1',
  'libresolv.so.2',
  'libanl.so.1',
  'libmvec.so.1',
  'libBrokenLocale.so.1',
  'libthread_db.so.1',
  'libnss_files.so.2',
  'libnss_dns.so.2',
  'ld-linux-x86-64.so.2',
  'ld-linux-aarch64.so.1',
  'libgcc_s.so.1',
  'libstdc++.so.6',
  'libz.so.1',
]);

/**
 * Amazon Linux 2's other libraries in Lambda's /lib64, from the listing of
 * the Lambda base file system (lambci/docker-lambda, base/base-2/fs.txt).
 */
const AL2 = new Set([
  'libnsl.so.1',
  'libcidn.so.1',
  'libnss_compat.so.2',
  'libpcre.so.1',
  'libpcreposix.so.0',
  'libpopt.so.0',
  'libtasn1.so.6',
  'libp11-kit.so.0',
  'libverto.so.1',
  'libselinux.so.1',
  'libsepol.so.1',
  'libacl.so.1',
  'libattr.so.1',
  'libcap.so.2',
  'libgmp.so.10',
  'libgmpxx.so.4',
  'libncurses.so.6',
  'libncursesw.so.6',
  'libtinfo.so.6',
  'libform.so.6',
  'libmenu.so.6',
  'libpanel.so.6',
  'libssl.so.10',
  'libcrypto.so.10',
  'libffi.so.6',
  'libgssapi_krb5.so.2',
  'libkrb5.so.3',
  'libk5crypto.so.3',
  'libkrb5support.so.0',
  'libcom_err.so.2',
  'libkeyutils.so.1',
]);

/**
 * Libraries (by name, any version) Lambda may or may not have: ones the
 * runtimes carry for themselves (OpenSSL, libffi, expat, SQLite, xz and
 * bzip2 for Python; libcrypt), ones the AL2023 images' packages bring
 * (glib2, krb5-libs, json-c, file-libs...), and ones that differ by image
 * and release. Never a reason to warn: only libraries known to be absent are.
 */
const UNCERTAIN =
  /^lib(?:ssl|crypto|ffi|expat|sqlite3|curl|lzma|bz2|crypt|nsl|uuid|readline|ncursesw?|tinfo|gdbm(?:_compat)?|gmp|python3\.\d+|gssapi_krb5|krb5|k5crypto|krb5support|com_err|keyutils|glib-2\.0|gobject-2\.0|gio-2\.0|gmodule-2\.0|gthread-2\.0|pcre2?(?:-\w+)?|magic|json-c|acl|attr|cap|selinux|audit|archive|p11-kit|tasn1|popt|verto|zstd|gpgme|assuan|gpg-error|gcrypt|idn2|unistring|nghttp2|blkid|mount|smartcols|xml2|atomic|mpfr|nss3|nspr4|nssutil3|icu\w*)\.so(?:\.|$)/;

/** Whether Lambda's runtime for `os` supplies `soname` (or may: then it is never reported). */
export function lambdaSupplies(soname: string, os: LambdaOs): boolean {
  return BASE.has(soname) || (os.name === 'Amazon Linux 2' && AL2.has(soname)) || UNCERTAIN.test(soname);
}

/** A library compiled code needs that neither the package nor Lambda has, and the files needing it. */
export interface MissingLibrary {
  soname: string;
  files: string[];
}

/**
 * The libraries the files need (DT_NEEDED) that neither the package holds
 * (a file of that name anywhere in it: auditwheel's `<package>.libs/`, the
 * addon's own folder, lib/; looser than the loader, which looks in the
 * RPATH and LD_LIBRARY_PATH only, so it never reports a library that is
 * there) nor Lambda supplies. One entry per library, in the order met.
 */
export function missingLibraries(
  needs: readonly { path: string; needed: readonly string[] }[],
  packaged: ReadonlySet<string>,
  runtime: string,
): MissingLibrary[] {
  const os = lambdaOs(runtime);
  const missing = new Map<string, string[]>();
  for (const { path, needed } of needs)
    for (const soname of needed) {
      // A path (linked as /usr/lib/libx.so) is looked up there, not by name: left alone.
      if (soname.includes('/') || packaged.has(soname) || lambdaSupplies(soname, os)) continue;
      const files = missing.get(soname) ?? [];
      if (!files.includes(path)) files.push(path);
      missing.set(soname, files);
    }
  return [...missing].map(([soname, files]) => ({ soname, files }));
}

/** What to do for the libraries we know: the package that bundles it, or one that needs none. */
function knownFix(soname: string, python: boolean): string | undefined {
  if (/^libpq\.so\./.test(soname))
    return python
      ? 'psycopg2 (or psycopg) built from source links the system libpq: use psycopg2-binary or psycopg[binary], whose wheels bundle it'
      : 'the PostgreSQL client library: use pg (pure JavaScript) rather than pg-native, or bundle libpq';
  if (/^lib(?:mysqlclient|mariadb)\.so\./.test(soname))
    return python
      ? 'mysqlclient needs libmysqlclient: use PyMySQL (pure Python) or bundle the library'
      : 'the MySQL client library: use mysql2 (pure JavaScript), or bundle the library';
  if (/^libvips(?:-cpp)?\.so\./.test(soname))
    return python
      ? 'libvips is a system library here: bundle it, or use a wheel that bundles it (pyvips-binary)'
      : "sharp built against the runner's libvips: install sharp's prebuilt binaries for Lambda's platform (npm ci --os=linux --cpu=<x64|arm64>), whose @img/sharp-libvips-* package bundles it";
  return undefined;
}

const GENERIC =
  "bundle the library in the package (a manylinux wheel built with auditwheel bundles it in <package>.libs/; the package's lib/ folder is on Lambda's library path) or provide it in a layer (its lib/ folder, /opt/lib on Lambda)";

/** The manylinux build image no newer than the runtime's Amazon Linux (its glibc, and its libstdc++ for C++). */
export function manylinuxImage(os: LambdaOs, machine: string): string {
  return `quay.io/pypa/${os.glibc[1] >= 28 ? 'manylinux_2_28' : 'manylinux2014'}_${machine}`;
}

/** For Python: a wheel that bundles it, or one built to (auditwheel in a manylinux image no newer than Lambda's glibc). */
function pythonFix(os: LambdaOs): string {
  const image = manylinuxImage(os, '<x86_64|aarch64>');
  return (
    `install a manylinux wheel of the package, which bundles its libraries (PyPI's own, or its -binary variant), rather than one built from source on the runner; ` +
    `or build the wheel in a manylinux image (${image}) and repair it with auditwheel, which bundles the library in <package>.libs/; ` +
    "or put the library in the package's lib/ folder (on Lambda's library path) or in a layer (its lib/ folder, /opt/lib on Lambda)"
  );
}

/** What fails on Lambda, and where it is looked for (with layers attached, one may provide it). */
function failure(soname: string, python: boolean, layers: boolean): string {
  const fails = `${python ? 'the import' : 'loading'} fails ("${soname}: cannot open shared object file")`;
  return layers
    ? `unless one of the attached layers provides it in /opt/lib, ${fails}`
    : `on Lambda ${fails}`;
}

/** The first file needing a library, and up to `others` more named. */
function neededBy(files: readonly string[], others: number): { first: string; also: string } {
  const [first, ...rest] = files as [string, ...string[]];
  const shown = rest.slice(0, others);
  const more = rest.length - shown.length;
  return { first, also: shown.length ? `${shown.join(', ')}${more ? ` and ${more} more` : ''}` : '' };
}

/**
 * One message per missing library: the files needing it (up to three), the
 * runtime, and what to do. With layers attached, that one may provide it
 * (their /opt/lib is not seen from here).
 */
export function missingLibraryMessage(missing: MissingLibrary, runtime: string, layers: boolean): string {
  const os = lambdaOs(runtime);
  const python = runtime.startsWith('python');
  const { first, also } = neededBy(missing.files, 2);
  const fix = knownFix(missing.soname, python);
  return (
    `${first} needs ${missing.soname}${also ? ` (also needed by ${also})` : ''}, which the package does not hold and ${runtime}'s ${os.name} does not have: ${failure(missing.soname, python, layers)}. ` +
    `What to do: ${fix ? `${fix}; or ` : ''}${python ? pythonFix(os) : GENERIC}.`
  );
}

/** Libraries listed in one message; the rest are counted. */
const LISTED = 5;

/**
 * All the missing libraries in one message: one library as
 * missingLibraryMessage says it; several listed (up to five, each with up
 * to two files), then what to do for them.
 */
export function missingLibrariesMessage(
  missing: readonly MissingLibrary[],
  runtime: string,
  layers: boolean,
): string {
  if (missing.length === 1) return missingLibraryMessage(missing[0]!, runtime, layers);
  const os = lambdaOs(runtime);
  const python = runtime.startsWith('python');
  const listed = missing.slice(0, LISTED).map((m) => {
    const { first, also } = neededBy(m.files, 1);
    return `  - ${m.soname}, needed by ${first}${also ? `, ${also}` : ''}`;
  });
  if (missing.length > LISTED) listed.push(`  - and ${missing.length - LISTED} more`);
  const fixes = [
    ...new Set(missing.flatMap((m) => knownFix(m.soname, python) ?? [])),
    python ? pythonFix(os) : GENERIC,
  ];
  return [
    `Compiled code in the package needs ${missing.length} shared libraries that the package does not hold and ${runtime}'s ${os.name} does not have: ${failure(missing[0]!.soname, python, layers)}.`,
    ...listed,
    `What to do: ${fixes.join('; or ')}.`,
  ].join('\n');
}
