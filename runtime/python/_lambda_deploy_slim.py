"""lambda-deploy slim packages: the dependencies, fetched into /tmp at cold start.

A package over Lambda's 250 MB unzipped limit is split in two by the
packager: the function zip (this file, the adapter or handler, the user's own
code) and a dependencies archive (tar + gzip) in the artifact bucket. The
function's handler is ``_lambda_deploy_slim.handler``. The first time Lambda
reads that attribute (the runtime's init, before any user code is imported)
this module:

1. downloads the archive with the execution role's credentials, streaming it
   straight into the unpacker while a second thread reads the network and
   hashes the bytes;
2. unpacks it into a temporary folder next to the final one; only when every
   file is written AND the archive's SHA-256 equals the one pinned in
   ``_lambda_deploy_settings.json`` is the folder renamed into place, so a
   crash, a timeout or a corrupt archive never leaves a tree that the next
   init trusts (it removes such leftovers first). The archive's size and its
   unpacked size are pinned too: an archive of another size is refused before
   it is read, and nothing is read or written past them;
3. puts the tree on ``sys.path`` right after the function's own folder (the
   user's files still win, as in a regular package) and imports the handler
   the package really has (the adapter, the keep-warm wrapper or the user's).

Warm invocations call that handler directly. A later init in the same sandbox
(after a crash) finds the complete tree and downloads nothing.

Where the archive is: LAMBDA_DEPLOY_SLIM_BUCKET / _KEY (and _OWNER, the
account that must own the bucket), set by the deploy. The S3 endpoint is AWS's
for AWS_REGION, or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL when set (the local
runtime points them at a local S3 stand-in). The tree goes under
``tempfile.gettempdir()``: /tmp on Lambda, TMPDIR elsewhere.

Standard library only (no boto3 import at cold start: its import alone costs
hundreds of milliseconds); must run on Python 3.9 and newer. Run as a script,
it unpacks an archive file with the same code and prints the time it took:
``python _lambda_deploy_slim.py unpack ARCHIVE --sha256 HEX --into DIR``.
"""

import datetime
import hashlib
import hmac
import http.client
import importlib
import json
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import zlib

SETTINGS_FILE = "_lambda_deploy_settings.json"
ENV_BUCKET = "LAMBDA_DEPLOY_SLIM_BUCKET"
ENV_KEY = "LAMBDA_DEPLOY_SLIM_KEY"
ENV_OWNER = "LAMBDA_DEPLOY_SLIM_OWNER"
FOLDER = "lambda-deploy-slim"
MARKER = ".lambda-deploy-slim.json"
PARTIAL = ".partial-"

CHUNK = 1 << 20
# Compressed bytes read ahead of the unpacker: bounds memory on a 128 MB function.
READ_AHEAD_CHUNKS = 16
# Inflated bytes per step: a run of zeros must not inflate into one huge buffer.
INFLATE_STEP = 4 << 20
BLOCK = 512
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
ATTEMPTS = 3

_HERE = os.path.dirname(os.path.abspath(__file__))
_lock = threading.Lock()
_inner = None


class SlimError(Exception):
    """The dependencies could not be made available; the message says why and what to do."""


class HandlerImportError(ImportError):
    """The package's handler raised an AttributeError while it was imported. Lambda's runtime reads
    `handler` with getattr and takes any AttributeError for "Handler 'handler' missing on module
    '_lambda_deploy_slim'": this one carries the real error instead."""


class TransientError(SlimError):
    """A network failure or a 5xx answer: worth another attempt."""


def log(message):
    sys.stderr.write("lambda-deploy slim: %s\n" % message)
    sys.stderr.flush()


def _mb(n):
    return "%.1f MB" % (n / 1048576.0)


# --- settings -----------------------------------------------------------------


def read_spec(here=_HERE):
    """The "slim" object of the settings file the packager wrote next to this module."""
    path = os.path.join(here, SETTINGS_FILE)
    try:
        with open(path, "r", encoding="utf-8") as handle:
            settings = json.load(handle)
    except (OSError, ValueError) as e:
        raise SlimError("cannot read %s: %s" % (path, e))
    spec = settings.get("slim") if isinstance(settings, dict) else None
    if not isinstance(spec, dict):
        raise SlimError('%s has no "slim" settings; this package was not built slim' % SETTINGS_FILE)
    sha256 = spec.get("sha256")
    handler = spec.get("handler")
    if not isinstance(sha256, str) or len(sha256) != 64 or not isinstance(handler, str) or not handler:
        raise SlimError('%s: "slim" needs "sha256" (64 hex digits) and "handler"' % SETTINGS_FILE)
    return spec


def archive_location(env):
    bucket = env.get(ENV_BUCKET, "").strip()
    key = env.get(ENV_KEY, "").strip()
    if not bucket or not key:
        raise SlimError(
            "%s and %s are not set: the function's configuration lost them (they are set by lambda-deploy's "
            "deploy); deploy again" % (ENV_BUCKET, ENV_KEY)
        )
    return bucket, key, env.get(ENV_OWNER, "").strip() or None


# --- SigV4 and S3 GET ---------------------------------------------------------


def _quote(text, safe="/"):
    return urllib.parse.quote(text, safe=safe + "-_.~")


def sign_v4(method, host, path, query, headers, region, service, access_key, secret_key, amz_date, payload_hash):
    """Authorization header of an AWS Signature Version 4 request. `headers` are signed as given
    (names lower-cased); `path` is already URI-encoded; `query` is a dict."""
    lowered = dict((k.lower().strip(), " ".join(str(v).strip().split())) for k, v in headers.items())
    lowered["host"] = host
    names = sorted(lowered)
    canonical_query = "&".join(
        "%s=%s" % (_quote(k, ""), _quote(str(v), "")) for k, v in sorted((query or {}).items())
    )
    canonical = "\n".join(
        [
            method,
            path,
            canonical_query,
            "".join("%s:%s\n" % (n, lowered[n]) for n in names),
            ";".join(names),
            payload_hash,
        ]
    )
    day = amz_date[:8]
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    key = ("AWS4" + secret_key).encode("utf-8")
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        access_key,
        scope,
        ";".join(names),
        signature,
    )


def s3_endpoint(bucket, key, env):
    """(scheme, host[:port], path) of a GetObject: the endpoint from env (path style), else AWS's."""
    custom = (env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or "").strip()
    encoded_key = _quote(key)
    if custom:
        url = urllib.parse.urlsplit(custom)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise SlimError("AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL %r is not an http(s) URL" % custom)
        base = url.path.rstrip("/")
        return url.scheme, url.netloc, "%s/%s/%s" % (base, _quote(bucket), encoded_key)
    region = region_of(env)
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    if "." in bucket:  # a dotted name does not match the wildcard certificate: path style
        return "https", "s3.%s.%s" % (region, suffix), "/%s/%s" % (bucket, encoded_key)
    return "https", "%s.s3.%s.%s" % (bucket, region, suffix), "/" + encoded_key


def region_of(env):
    region = (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "").strip()
    if not region:
        raise SlimError("AWS_REGION is not set (Lambda always sets it)")
    return region


class S3Source:
    """The archive as a stream of chunks from one signed GET."""

    def __init__(self, bucket, key, owner, env, timeout=60):
        self.bucket, self.key, self.owner, self.env, self.timeout = bucket, key, owner, env, timeout
        self.where = "s3://%s/%s" % (bucket, key)

    def open(self):
        env = self.env
        access_key = env.get("AWS_ACCESS_KEY_ID", "")
        secret_key = env.get("AWS_SECRET_ACCESS_KEY", "")
        if not access_key or not secret_key:
            raise SlimError(
                "no AWS credentials in the environment to read %s (Lambda sets them from the execution role)"
                % self.where
            )
        scheme, host, path = s3_endpoint(self.bucket, self.key, env)
        amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        headers = {"x-amz-date": amz_date, "x-amz-content-sha256": EMPTY_SHA256}
        if env.get("AWS_SESSION_TOKEN"):
            headers["x-amz-security-token"] = env["AWS_SESSION_TOKEN"]
        if self.owner:
            headers["x-amz-expected-bucket-owner"] = self.owner
        headers["Authorization"] = sign_v4(
            "GET", host, path, {}, headers, region_of(env), "s3", access_key, secret_key, amz_date, EMPTY_SHA256
        )
        headers["Host"] = host
        connection_class = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        self.connection = connection_class(host, timeout=self.timeout)
        try:
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise TransientError("could not reach S3 for %s: %s" % (self.where, e))
        if response.status != 200:
            body = response.read(4096).decode("utf-8", "replace")
            self.close()
            raise self._refusal(response.status, body)
        self.response = response
        length = response.getheader("Content-Length")
        return int(length) if length and length.isdigit() else None

    def _refusal(self, status, body):
        code = _xml_field(body, "Code") or ("HTTP %d" % status)
        message = _xml_field(body, "Message")
        said = "%s%s" % (code, ": " + message if message else "")
        if status >= 500:
            return TransientError("S3 answered HTTP %d (%s) for %s" % (status, said, self.where))
        if status == 403:
            return SlimError(
                "access denied reading %s (%s). The execution role needs s3:GetObject on it: lambda-deploy setup "
                "grants its execution roles that on the project's lambda-deploy-slim/ prefix (run setup again "
                "if it predates slim packages); with execution-role-arn, add that permission to your role."
                % (self.where, said)
            )
        if status == 404:
            return SlimError(
                "%s does not exist (%s): the dependencies archive was deleted from the bucket; deploy again to "
                "upload it" % (self.where, said)
            )
        return SlimError("S3 refused %s: HTTP %d (%s)" % (self.where, status, said))

    def read(self, size):
        try:
            return self.response.read(size)
        except (OSError, http.client.HTTPException) as e:
            raise TransientError("reading %s from S3 failed: %s" % (self.where, e))

    def close(self):
        connection = getattr(self, "connection", None)
        if connection is not None:
            connection.close()


class FileSource:
    """The archive from a local file: the build's measurement and the tests."""

    def __init__(self, path):
        self.path = path
        self.where = path

    def open(self):
        try:
            self.handle = open(self.path, "rb")
        except OSError as e:
            raise SlimError("cannot open %s: %s" % (self.path, e))
        return os.fstat(self.handle.fileno()).st_size

    def read(self, size):
        return self.handle.read(size)

    def close(self):
        handle = getattr(self, "handle", None)
        if handle is not None:
            handle.close()


def _xml_field(body, name):
    start = body.find("<%s>" % name)
    end = body.find("</%s>" % name)
    return body[start + len(name) + 2 : end] if 0 <= start < end else ""


class ReadAhead(threading.Thread):
    """Reads the source on its own thread (network waits and hashing run while the unpacker writes),
    at most READ_AHEAD_CHUNKS ahead; hashes every byte."""

    def __init__(self, source, limit=None):
        threading.Thread.__init__(self, name="lambda-deploy-slim-read", daemon=True)
        self.source = source
        self.limit = limit  # the pinned size: a longer stream is not the archive, and is read no further
        self.chunks = queue.Queue(maxsize=READ_AHEAD_CHUNKS)
        self.digest = hashlib.sha256()
        self.bytes = 0
        self.error = None
        self.done = False
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.is_set():
                chunk = self.source.read(CHUNK)
                if not chunk:
                    break
                if self.limit is not None and self.bytes + len(chunk) > self.limit:
                    raise SlimError(
                        "%s is longer than the %d bytes of the archive this package was built with"
                        % (self.source.where, self.limit)
                    )
                self.digest.update(chunk)
                self.bytes += len(chunk)
                self._put(chunk)
        except BaseException as e:  # handed to the consumer, which raises it
            self.error = e
        finally:
            self._put(None)

    def _put(self, item):
        while not self.stopped.is_set():
            try:
                self.chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self):
        while not self.done:
            chunk = self.chunks.get()
            if chunk is None:
                self.done = True
                if self.error is not None:
                    raise self.error
                return
            yield chunk

    def drain(self):
        """Reads (and hashes) the rest without unpacking it: the checksum then says whether the archive
        itself was wrong."""
        for _ in self:
            pass

    def stop(self):
        self.stopped.set()
        self.join(5)


# --- tar.gz unpacker ----------------------------------------------------------


def _octal(field, what):
    if field[:1] and field[0] & 0x80:  # base-256, for sizes past 8 GB
        value = 0
        for byte in field[1:]:
            value = (value << 8) | byte
        return value
    text = field.split(b"\0", 1)[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise SlimError("the archive is corrupt: bad %s field %r in a tar header" % (what, bytes(field)))


def _pax_records(data):
    records = {}
    data = bytes(data)
    offset = 0
    try:
        while offset < len(data):
            space = data.find(b" ", offset)
            length = int(data[offset:space])
            if space < 0 or length <= space - offset:
                raise ValueError("bad record length")
            record = data[space + 1 : offset + length - 1]  # without the newline
            key, _, value = record.partition(b"=")
            records[key.decode("utf-8")] = value.decode("utf-8")
            offset += length
    except ValueError as e:  # UnicodeDecodeError too
        raise SlimError("the archive is corrupt: a pax header cannot be read (%s)" % e)
    return records


def safe_relative(name):
    """The member name as a relative path of plain parts, or a SlimError: nothing may land outside the tree."""
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise SlimError("the archive holds an unsafe path %r; refusing to unpack it" % name)
    return os.path.join(*parts)


class TarGzUnpacker:
    """Inflates a gzip stream and writes the regular files and folders of the tar inside it.

    Only what lambda-deploy's packager writes is accepted: ustar headers, pax records for long or
    non-ASCII paths and big sizes, regular files and folders. Files are created with O_EXCL, so an
    entry can never write through anything already there."""

    def __init__(self, dest, limit=None):
        self.dest = dest
        self.limit = limit  # the pinned unpacked size: nothing past it is written
        self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.buffer = bytearray()
        self.remaining = 0  # bytes of the current member's data still to come
        self.padding = 0
        self.fd = None
        self.pax = None  # collecting a pax header's data
        self.pending = {}  # pax records for the next member
        self.ended = False
        self.files = 0
        self.bytes = 0
        self.made = set([dest])

    def feed(self, data):
        inflater = self.inflater
        if inflater.eof:
            if data:
                raise SlimError("the archive is corrupt: bytes follow the end of its gzip stream")
            return
        try:
            out = inflater.decompress(data, INFLATE_STEP)
            self._take(out)
            # A full step may leave output inside zlib even when all input is taken: ask until none comes.
            while not inflater.eof and (inflater.unconsumed_tail or len(out) == INFLATE_STEP):
                out = inflater.decompress(inflater.unconsumed_tail, INFLATE_STEP)
                self._take(out)
        except zlib.error as e:
            raise SlimError("the archive is corrupt: %s" % e)
        if inflater.eof and inflater.unused_data:
            raise SlimError("the archive is corrupt: bytes follow the end of its gzip stream")

    def finish(self):
        if not self.inflater.eof:
            raise SlimError("the archive is cut short: its gzip stream does not end")
        if not self.ended or self.fd is not None or self.pax is not None:
            raise SlimError("the archive is cut short: its tar stream does not end")

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _take(self, out):
        view = memoryview(out)
        while len(view):
            if self.remaining:
                n = min(self.remaining, len(view))
                if self.pax is not None:
                    self.pax += view[:n]
                else:
                    self._write(view[:n])
                self.remaining -= n
                view = view[n:]
                if not self.remaining:
                    self._member_done()
            elif self.padding:
                n = min(self.padding, len(view))
                self.padding -= n
                view = view[n:]
            elif self.ended:
                view = view[len(view) :]  # the zero blocks and record padding after the end
            else:
                need = BLOCK - len(self.buffer)
                self.buffer += view[:need]
                view = view[need:]
                if len(self.buffer) == BLOCK:
                    header = bytes(self.buffer)
                    self.buffer = bytearray()
                    self._header(header)

    def _write(self, data):
        try:
            while len(data):
                written = os.write(self.fd, data)
                data = data[written:]
        except OSError as e:
            raise SlimError("cannot write into %s: %s" % (self.dest, e))

    def _header(self, header):
        if header == b"\0" * BLOCK:
            self.ended = True
            return
        stored = _octal(header[148:156], "checksum")
        if stored != sum(header[:148]) + 256 + sum(header[156:]):
            raise SlimError("the archive is corrupt: a tar header fails its checksum")
        kind = header[156:157]
        size = _octal(header[124:136], "size")
        if kind == b"g":
            raise SlimError("the archive holds a global pax header, which lambda-deploy never writes")
        if kind == b"x":
            self.pax = bytearray()
            self._expect(size)
            if not size:
                self._member_done()
            return
        name = header[:100].split(b"\0", 1)[0]
        if header[257:263] == b"ustar\0":
            prefix = header[345:500].split(b"\0", 1)[0]
            if prefix:
                name = prefix + b"/" + name
        try:
            name = self.pending.pop("path", None) or name.decode("utf-8")
        except UnicodeDecodeError:
            raise SlimError("the archive is corrupt: a tar member name is not UTF-8")
        if "size" in self.pending:
            try:
                size = int(self.pending.pop("size"))
            except ValueError:
                raise SlimError("the archive is corrupt: a pax size is not a number")
        self.pending = {}
        mode = _octal(header[100:108], "mode")
        relative = safe_relative(name.rstrip("/") if kind == b"5" else name)
        path = os.path.join(self.dest, relative)
        if kind == b"5":
            self._folder(path)
            return
        if kind not in (b"0", b"\0"):
            raise SlimError("the archive holds %r of type %r; only files and folders are unpacked" % (name, kind))
        if self.limit is not None and self.bytes + size > self.limit:
            raise SlimError("the archive unpacks to more than the %d bytes this package was built with" % self.limit)
        self._folder(os.path.dirname(path))
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o755 if mode & 0o111 else 0o644)
        except OSError as e:
            raise SlimError("cannot write %s: %s" % (path, e))
        self.files += 1
        self.bytes += size
        self._expect(size)
        if not size:
            self._member_done()

    def _expect(self, size):
        self.remaining = size
        self.padding = (-size) % BLOCK

    def _member_done(self):
        if self.pax is not None:
            self.pending = _pax_records(self.pax)
            self.pax = None
        else:
            self.close()

    def _folder(self, path):
        if path not in self.made:
            try:
                os.makedirs(path, exist_ok=True)
            except OSError as e:
                raise SlimError("cannot make the folder %s: %s" % (path, e))
            self.made.add(path)


# --- the tree -----------------------------------------------------------------


def base_dir():
    return os.path.join(tempfile.gettempdir(), FOLDER)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_leftovers(base):
    """Removes the half-unpacked folders of earlier processes (a crash, an init timeout)."""
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        if not name.startswith(PARTIAL):
            continue
        pid = name[len(PARTIAL) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        log("removing %s, left by an unpack that did not finish" % name)
        shutil.rmtree(os.path.join(base, name), ignore_errors=True)


def complete_tree(base, sha256):
    """The tree for this archive when an earlier init finished it, else None."""
    final = os.path.join(base, sha256)
    try:
        with open(os.path.join(final, MARKER), "r", encoding="utf-8") as handle:
            marker = json.load(handle)
    except (OSError, ValueError):
        return None
    return final if isinstance(marker, dict) and marker.get("sha256") == sha256 else None


def unpack(source, sha256, base, expected_bytes=None, archive_bytes=None, unpacked_bytes=None):
    """Streams `source` into a temporary folder under `base`, checks the SHA-256 and renames the
    folder to base/sha256. Returns (path, stats). Nothing of a failed attempt stays behind.
    `archive_bytes` / `unpacked_bytes`, pinned with the SHA-256: an archive of another size is refused
    before it is read, and none is read or written past them (a replaced archive fails fast)."""
    os.makedirs(base, exist_ok=True)
    if expected_bytes:
        free = shutil.disk_usage(base).free
        if free < expected_bytes:
            raise SlimError(
                "%s free in %s, the dependencies need %s: raise the function's ephemeral storage (lambda-deploy "
                "sets it from the unpacked size; something else is using /tmp)" % (_mb(free), base, _mb(expected_bytes))
            )
    partial = os.path.join(base, "%s%d-%s" % (PARTIAL, os.getpid(), os.urandom(4).hex()))
    os.mkdir(partial)
    started = time.monotonic()
    cpu_started = time.process_time()
    reader = None
    unpacker = TarGzUnpacker(partial, unpacked_bytes)
    try:
        size = source.open()
        if archive_bytes and size is not None and size != archive_bytes:
            raise SlimError(
                "%s is %d bytes, not the %d bytes of the archive this package was built with: it was replaced or "
                "damaged in the bucket; nothing of it was used. Deploy again to upload it."
                % (source.where, size, archive_bytes)
            )
        reader = ReadAhead(source, archive_bytes or None)
        reader.start()
        try:
            for chunk in reader:
                unpacker.feed(chunk)
            unpacker.finish()
        except TransientError:
            raise
        except SlimError as e:
            unpacker.close()
            reader.drain()  # the checksum says whether the archive itself is wrong
            got = reader.digest.hexdigest()
            if got != sha256:
                raise SlimError(_mismatch(source.where, sha256, got, reader.bytes, size))
            raise SlimError("%s could not be unpacked: %s" % (source.where, e))
        got = reader.digest.hexdigest()
        if got != sha256:
            raise SlimError(_mismatch(source.where, sha256, got, reader.bytes, size))
        stats = {
            "sha256": sha256,
            "files": unpacker.files,
            "bytes": unpacker.bytes,
            "archiveBytes": reader.bytes,
            "seconds": round(time.monotonic() - started, 3),
            "cpuSeconds": round(time.process_time() - cpu_started, 3),
        }
        with open(os.path.join(partial, MARKER), "w", encoding="utf-8") as handle:
            json.dump(stats, handle)
        final = os.path.join(base, sha256)
        try:
            os.rename(partial, final)
        except OSError:
            if complete_tree(base, sha256) is None:
                raise
            shutil.rmtree(partial, ignore_errors=True)  # another process finished first
        return final, stats
    except BaseException:
        unpacker.close()
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        if reader is not None:
            reader.stop()
        source.close()


def _pinned(spec, name):
    """A size the packager pinned in the settings (a whole number), else None: older packages lack them."""
    value = spec.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _mismatch(where, expected, got, read, size):
    cut = " (cut short: %d of %d bytes)" % (read, size) if size is not None and read != size else ""
    return (
        "%s failed its SHA-256 check: expected %s, got %s over %d bytes%s. It is not the archive this package "
        "was built with (damaged or replaced in the bucket); nothing of it was used. Deploy again to upload it."
        % (where, expected, got, read, cut)
    )


def ensure_dependencies(spec, env=None, base=None, source=None, sleep=time.sleep):
    """The folder with the unpacked dependencies: already there from an earlier init, or fetched now."""
    env = os.environ if env is None else env
    base = base or base_dir()
    sha256 = spec["sha256"]
    done = complete_tree(base, sha256)
    if done:
        log("dependencies already unpacked in %s; nothing to download" % done)
        return done
    remove_leftovers(base)
    if source is None:
        bucket, key, owner = archive_location(env)
        make_source = lambda: S3Source(bucket, key, owner, env)  # noqa: E731
    else:
        make_source = lambda: source  # noqa: E731
    for attempt in range(1, ATTEMPTS + 1):
        current = make_source()
        log(
            "downloading and unpacking %s (%s, %s unpacked, %s files) into %s"
            % (current.where, _mb(spec.get("bytes", 0)), _mb(spec.get("unpackedBytes", 0)), spec.get("files", "?"), base)
        )
        try:
            path, stats = unpack(
                current,
                sha256,
                base,
                spec.get("diskBytes") or spec.get("unpackedBytes"),
                _pinned(spec, "bytes"),
                _pinned(spec, "unpackedBytes"),
            )
        except TransientError as e:
            if attempt == ATTEMPTS:
                raise
            log("%s; trying again (%d of %d)" % (e, attempt + 1, ATTEMPTS))
            sleep(0.25 * 4 ** (attempt - 1))
            continue
        log(
            "unpacked %d files (%s) in %.2f s into %s"
            % (stats["files"], _mb(stats["bytes"]), stats["seconds"], path)
        )
        return path
    raise SlimError("unreachable")


def add_to_path(tree, task_root=_HERE):
    """Right after the function's own folder: the user's modules still shadow the dependencies."""
    if tree in sys.path:
        return
    try:
        index = sys.path.index(task_root) + 1
    except ValueError:
        index = 0
    sys.path.insert(index, tree)


def _import_handler(name):
    module_name, dot, function_name = name.rpartition(".")
    if not dot or not module_name or not function_name:
        raise SlimError("bad handler %r in %s: expected module.function" % (name, SETTINGS_FILE))
    if _HERE not in sys.path:
        sys.path.insert(0, _HERE)
    module = importlib.import_module(module_name.replace("/", "."))
    function = getattr(module, function_name, None)
    if not callable(function):
        raise SlimError("handler %r: %s is missing on module %s or not callable" % (name, function_name, module_name))
    return function


def load():
    """Dependencies in place, then the package's real handler (once per process)."""
    global _inner
    with _lock:
        if _inner is None:
            spec = read_spec()
            try:
                tree = ensure_dependencies(spec)
            except SlimError as e:
                log("ERROR: %s" % e)
                raise
            add_to_path(tree)
            try:
                _inner = _import_handler(spec["handler"])
            except AttributeError as e:
                log("ERROR: importing the handler %s failed:\n%s" % (spec["handler"], traceback.format_exc().rstrip()))
                raise HandlerImportError(
                    "importing the handler %s failed: %s: %s" % (spec["handler"], type(e).__name__, e)
                ) from e
    return _inner


def __getattr__(name):
    # Lambda's runtime reads `handler` during init: that is when the dependencies are fetched, before
    # any user code is imported. Importing this module alone (tests, tools) does nothing.
    if name == "handler":
        return load()
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


# --- command line: the build's measurement ------------------------------------


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(prog="_lambda_deploy_slim.py")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("unpack", help="unpack an archive file the way a cold start does, and time it")
    run.add_argument("archive")
    run.add_argument("--sha256", required=True)
    run.add_argument("--into", required=True, help="folder standing in for /tmp")
    run.add_argument("--keep", action="store_true", help="keep the unpacked tree")
    args = parser.parse_args(argv)
    try:
        path, stats = unpack(FileSource(args.archive), args.sha256, os.path.join(args.into, FOLDER))
    except SlimError as e:
        sys.stderr.write("%s\n" % e)
        return 1
    if not args.keep:
        shutil.rmtree(path, ignore_errors=True)
    stats["path"] = path
    sys.stdout.write(json.dumps(stats) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
