"""Tests of runtime/python/_lambda_deploy_slim.py, the cold-start loader of slim packages.

Run from the repository root:  python3 -m unittest discover -s test/python -p "test_*.py"

The archives here are written with Python's tarfile (PAX format, as ours);
test/packaging/slim-archive.test.ts checks that the packager's own archives
unpack with this module, and test/e2e/local-slim.test.ts runs the whole path
against s3rver, which verifies the SigV4 signatures.
"""

import gzip
import hashlib
import http.server
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import threading
import unittest

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODULE = os.path.join(ROOT, "runtime", "python", "_lambda_deploy_slim.py")


def load_module():
    spec = importlib.util.spec_from_file_location("_lambda_deploy_slim_under_test", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


slim = load_module()


def make_archive(files, modes=None, extra=None):
    """files: {name: bytes}. extra: a function(tar) adding hand-made members. Returns (bytes, sha256 hex)."""
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped:
        with tarfile.open(fileobj=zipped, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for name in sorted(files):
                info = tarfile.TarInfo(name)
                info.size = len(files[name])
                info.mode = (modes or {}).get(name, 0o644)
                tar.addfile(info, io.BytesIO(files[name]))
            if extra:
                extra(tar)
    data = raw.getvalue()
    return data, hashlib.sha256(data).hexdigest()


class BytesSource(object):
    def __init__(self, data, where="memory"):
        self.data = data
        self.where = where
        self.offset = 0
        self.opened = 0

    def open(self):
        self.opened += 1
        self.offset = 0
        return len(self.data)

    def read(self, size):
        chunk = self.data[self.offset : self.offset + size]
        self.offset += len(chunk)
        return chunk

    def close(self):
        pass


FILES = {
    "bigdep/__init__.py": b"VALUE = 41\n",
    "bigdep/native.so": bytes(range(256)) * 4096,
    "bin/tool": b"#!/bin/sh\necho tool\n",
    "zeros/blob.bin": b"\0" * (12 << 20),  # inflates far past one step from a few KB
    "deep/" + "/".join(["d%02d" % i for i in range(40)]) + "/long_name_é.py": b"X = 1\n",
}


class Temp(unittest.TestCase):
    def setUp(self):
        self.logged = []
        original = slim.log
        slim.log = self.logged.append
        self.addCleanup(setattr, slim, "log", original)
        self.dir = tempfile.mkdtemp(prefix="slim-test-")
        self.base = os.path.join(self.dir, "lambda-deploy-slim")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def left(self):
        return sorted(os.listdir(self.base)) if os.path.isdir(self.base) else []


class SignatureTest(unittest.TestCase):
    def test_aws_documented_get_object_example(self):
        # The GET Object example of AWS's "Signature Version 4: header-based auth" page for S3.
        auth = slim.sign_v4(
            "GET",
            "examplebucket.s3.amazonaws.com",
            "/test.txt",
            {},
            {"Range": "bytes=0-9", "x-amz-content-sha256": slim.EMPTY_SHA256, "x-amz-date": "20130524T000000Z"},
            "us-east-1",
            "s3",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "20130524T000000Z",
            slim.EMPTY_SHA256,
        )
        self.assertEqual(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        )

    def test_endpoints(self):
        env = {"AWS_REGION": "eu-west-1"}
        self.assertEqual(
            slim.s3_endpoint("lambda-deploy-123-eu-west-1", "lambda-deploy-slim/shop/preview/ab.tar.gz", env),
            ("https", "lambda-deploy-123-eu-west-1.s3.eu-west-1.amazonaws.com", "/lambda-deploy-slim/shop/preview/ab.tar.gz"),
        )
        self.assertEqual(
            slim.s3_endpoint("my.bucket", "k y", {"AWS_REGION": "cn-north-1"}),
            ("https", "s3.cn-north-1.amazonaws.com.cn", "/my.bucket/k%20y"),
        )
        local = {"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9000/"}
        self.assertEqual(slim.s3_endpoint("b", "k", local), ("http", "127.0.0.1:9000", "/b/k"))
        local["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:4568"
        self.assertEqual(slim.s3_endpoint("b", "k", local), ("http", "127.0.0.1:4568", "/b/k"))
        with self.assertRaises(slim.SlimError):
            slim.s3_endpoint("b", "k", {})


class UnpackTest(Temp):
    def test_unpacks_every_file_with_its_mode_and_renames_into_place(self):
        data, sha = make_archive(FILES, modes={"bin/tool": 0o755, "bigdep/native.so": 0o755})
        path, stats = slim.unpack(BytesSource(data), sha, self.base)
        self.assertEqual(path, os.path.join(self.base, sha))
        self.assertEqual(self.left(), [sha])
        for name, content in FILES.items():
            with open(os.path.join(path, name), "rb") as handle:
                self.assertEqual(handle.read(), content, name)
        self.assertTrue(os.stat(os.path.join(path, "bin/tool")).st_mode & 0o100)
        self.assertFalse(os.stat(os.path.join(path, "bigdep/__init__.py")).st_mode & 0o111)
        self.assertEqual(stats["files"], len(FILES))
        self.assertEqual(stats["bytes"], sum(len(v) for v in FILES.values()))
        self.assertEqual(slim.complete_tree(self.base, sha), path)

    def test_one_flipped_byte_fails_the_checksum_and_leaves_nothing(self):
        data, sha = make_archive(FILES)
        for offset in (len(data) // 3, len(data) - 3):  # inside the stream; inside the gzip trailer
            broken = bytearray(data)
            broken[offset] ^= 0x01
            with self.assertRaises(slim.SlimError) as caught:
                slim.unpack(BytesSource(bytes(broken), "s3://b/k"), sha, self.base)
            message = str(caught.exception)
            self.assertIn("s3://b/k failed its SHA-256 check: expected %s" % sha, message)
            self.assertIn("nothing of it was used", message)
            self.assertEqual(self.left(), [])
            self.assertIsNone(slim.complete_tree(self.base, sha))

    def test_a_cut_archive_fails_and_leaves_nothing(self):
        data, sha = make_archive(FILES)
        with self.assertRaises(slim.SlimError) as caught:
            slim.unpack(BytesSource(data[: len(data) // 2]), sha, self.base)
        self.assertIn("SHA-256", str(caught.exception))
        self.assertEqual(self.left(), [])

    def test_a_right_checksum_over_a_bad_archive_names_the_unpack_error(self):
        # An archive we did not write (a link member): refused even when the checksum is its own.
        def link(tar):
            info = tarfile.TarInfo("evil")
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)

        data, sha = make_archive({"a.py": b"1"}, extra=link)
        with self.assertRaises(slim.SlimError) as caught:
            slim.unpack(BytesSource(data), sha, self.base)
        self.assertIn("could not be unpacked", str(caught.exception))
        self.assertIn("only files and folders", str(caught.exception))
        self.assertEqual(self.left(), [])

    def test_paths_outside_the_tree_are_refused(self):
        for name in ("../escape.py", "/abs.py", "a/../../b.py", "a//b.py"):
            data, sha = make_archive({name: b"x"})
            with self.assertRaises(slim.SlimError) as caught:
                slim.unpack(BytesSource(data), sha, self.base)
            self.assertIn("unsafe path", str(caught.exception), name)
            self.assertEqual(self.left(), [], name)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "escape.py")))

    def test_a_full_disk_is_named_before_anything_is_read(self):
        data, sha = make_archive({"a.py": b"1"})
        source = BytesSource(data)
        with self.assertRaises(slim.SlimError) as caught:
            slim.unpack(source, sha, self.base, expected_bytes=1 << 60)
        self.assertIn("ephemeral storage", str(caught.exception))
        self.assertEqual(source.opened, 0)


class EnsureTest(Temp):
    def spec(self, sha, data):
        # Every archive here holds a.py, "A = 1\n": 6 bytes unpacked.
        return {"sha256": sha, "handler": "app.handler", "bytes": len(data), "unpackedBytes": 6, "files": 1}

    def test_a_complete_tree_is_reused_without_reading_the_archive(self):
        data, sha = make_archive({"a.py": b"A = 1\n"})
        first = slim.ensure_dependencies(self.spec(sha, data), {}, self.base, BytesSource(data))
        again = BytesSource(b"never read")
        self.assertEqual(slim.ensure_dependencies(self.spec(sha, data), {}, self.base, again), first)
        self.assertEqual(again.opened, 0)

    def test_leftovers_of_dead_processes_are_removed_live_ones_kept(self):
        data, sha = make_archive({"a.py": b"A = 1\n"})
        os.makedirs(os.path.join(self.base, ".partial-999999999-dead", "half"))
        mine = ".partial-%d-mine" % os.getpid()  # a previous attempt of this very process
        os.makedirs(os.path.join(self.base, mine))
        alive = ".partial-%d-busy" % os.getppid()
        os.makedirs(os.path.join(self.base, alive))
        slim.ensure_dependencies(self.spec(sha, data), {}, self.base, BytesSource(data))
        self.assertEqual(self.left(), sorted([alive, sha]))
        self.assertIn("removing .partial-999999999-dead, left by an unpack that did not finish", self.logged)

    def test_transient_failures_are_retried_and_a_checksum_failure_is_not(self):
        data, sha = make_archive({"a.py": b"A = 1\n"})

        class Flaky(BytesSource):
            def open(self):
                if self.opened < 2:
                    self.opened += 1
                    raise slim.TransientError("S3 answered HTTP 503 (SlowDown)")
                return BytesSource.open(self)

        flaky = Flaky(data)
        slim.ensure_dependencies(self.spec(sha, data), {}, self.base, flaky, sleep=lambda s: None)
        self.assertEqual(flaky.opened, 3)

        other = os.path.join(self.dir, "other")
        wrong = BytesSource(data[:-1] + bytes([data[-1] ^ 1]))
        with self.assertRaises(slim.SlimError):
            slim.ensure_dependencies(self.spec(sha, data), {}, other, wrong, sleep=lambda s: None)
        self.assertEqual(wrong.opened, 1)


class PinnedSizeTest(Temp):
    """The archive's size and its unpacked size are pinned in the package with its SHA-256: an archive
    of another size (replaced, damaged) is refused before a byte of it is read, and one that runs past
    either size stops there, so a replaced archive cannot keep the init busy or fill /tmp before the
    checksum says it is not ours."""

    def spec(self, sha, data, unpacked):
        return {"sha256": sha, "handler": "app.handler", "bytes": len(data), "unpackedBytes": unpacked, "files": 1}

    def test_an_archive_of_another_size_is_refused_before_it_is_read(self):
        data, sha = make_archive({"a.py": b"A = 1\n"})
        replaced = BytesSource(data + b"\0" * 4096, "s3://b/k")
        with self.assertRaises(slim.SlimError) as caught:
            slim.ensure_dependencies(self.spec(sha, data, 6), {}, self.base, replaced, sleep=lambda s: None)
        message = str(caught.exception)
        self.assertIn(
            "s3://b/k is %d bytes, not the %d bytes of the archive this package was built with"
            % (len(data) + 4096, len(data)),
            message,
        )
        self.assertIn("nothing of it was used", message)
        self.assertEqual(replaced.offset, 0)
        self.assertEqual(self.left(), [])

    def test_a_stream_without_a_length_stops_at_the_pinned_size(self):
        data, sha = make_archive({"a.py": b"A = 1\n"})

        class Endless(BytesSource):
            def open(self):
                BytesSource.open(self)
                return None  # no Content-Length

            def read(self, size):
                self.offset += size
                return b"\0" * size

        endless = Endless(b"", "s3://b/k")
        with self.assertRaises(slim.SlimError) as caught:
            slim.ensure_dependencies(self.spec(sha, data, 6), {}, self.base, endless, sleep=lambda s: None)
        self.assertIn("s3://b/k", str(caught.exception))
        self.assertLessEqual(endless.offset, len(data) + slim.CHUNK)
        self.assertEqual(self.left(), [])

    def test_an_archive_that_unpacks_past_the_pinned_size_stops_there(self):
        data, sha = make_archive({"a.py": b"A = 1\n", "zeros/blob.bin": b"\0" * (12 << 20)})
        written = []
        original = slim.os.write

        def counting(fd, chunk):
            written.append(len(chunk))
            return original(fd, chunk)

        slim.os.write = counting
        self.addCleanup(setattr, slim.os, "write", original)
        wrong = "0" * 64  # a replaced archive: same size as pinned, other content
        with self.assertRaises(slim.SlimError) as caught:
            slim.ensure_dependencies(self.spec(wrong, data, 6), {}, self.base, BytesSource(data), sleep=lambda s: None)
        slim.os.write = original
        self.assertIn("failed its SHA-256 check", str(caught.exception))
        self.assertLessEqual(sum(written), 6)
        self.assertEqual(self.left(), [])


class FakeS3(object):
    """Serves objects at /bucket/key over HTTP and records every request (path, Authorization)."""

    def __init__(self, objects):
        self.objects = objects
        self.requests = []
        self.status = {}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Authorization", ""), dict(self.headers)))
                status = outer.status.get(self.path)
                body = outer.objects.get(self.path)
                if status or body is None:
                    code = status or 404
                    text = "<Error><Code>%s</Code><Message>m</Message></Error>" % (
                        "AccessDenied" if code == 403 else "NoSuchKey"
                    )
                    self.send_response(code)
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text.encode())
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class S3Test(Temp):
    def setUp(self):
        Temp.setUp(self)
        self.data, self.sha = make_archive({"a.py": b"A = 1\n"})
        self.s3 = FakeS3({"/bucket/lambda-deploy-slim/p/preview/x.tar.gz": self.data})
        self.addCleanup(self.s3.close)
        self.env = {
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_S3": self.s3.url,
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "secret",
            "AWS_SESSION_TOKEN": "token",
            slim.ENV_BUCKET: "bucket",
            slim.ENV_KEY: "lambda-deploy-slim/p/preview/x.tar.gz",
            slim.ENV_OWNER: "123456789012",
        }
        self.spec = {"sha256": self.sha, "handler": "app.handler"}

    def test_one_signed_get_then_none(self):
        slim.ensure_dependencies(self.spec, self.env, self.base)
        slim.ensure_dependencies(self.spec, self.env, self.base)
        self.assertEqual(len(self.s3.requests), 1)
        path, auth, headers = self.s3.requests[0]
        self.assertEqual(path, "/bucket/lambda-deploy-slim/p/preview/x.tar.gz")
        self.assertTrue(auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), auth)
        self.assertIn("x-amz-expected-bucket-owner;x-amz-security-token", auth)
        self.assertEqual(headers.get("x-amz-expected-bucket-owner"), "123456789012")

    def test_access_denied_names_the_permission(self):
        self.s3.status["/bucket/lambda-deploy-slim/p/preview/x.tar.gz"] = 403
        with self.assertRaises(slim.SlimError) as caught:
            slim.ensure_dependencies(self.spec, self.env, self.base)
        message = str(caught.exception)
        self.assertIn("access denied reading s3://bucket/lambda-deploy-slim/p/preview/x.tar.gz (AccessDenied: m)", message)
        self.assertIn("s3:GetObject", message)

    def test_a_missing_archive_says_deploy_again(self):
        self.env[slim.ENV_KEY] = "lambda-deploy-slim/p/preview/gone.tar.gz"
        with self.assertRaises(slim.SlimError) as caught:
            slim.ensure_dependencies(self.spec, self.env, self.base)
        self.assertIn("does not exist", str(caught.exception))
        self.assertIn("deploy again", str(caught.exception))

    def test_missing_location_or_credentials(self):
        env = dict(self.env)
        del env[slim.ENV_KEY]
        with self.assertRaises(slim.SlimError) as caught:
            slim.ensure_dependencies(self.spec, env, self.base)
        self.assertIn(slim.ENV_KEY, str(caught.exception))
        env = dict(self.env)
        del env["AWS_SECRET_ACCESS_KEY"]
        with self.assertRaises(slim.SlimError) as caught:
            slim.ensure_dependencies(self.spec, env, self.base)
        self.assertIn("no AWS credentials", str(caught.exception))


class HandlerTest(Temp):
    """The module as Lambda uses it: a fresh interpreter reads `handler`."""

    def package(self, archive_files, handler="app.handler"):
        data, sha = make_archive(archive_files)
        task = os.path.join(self.dir, "task")
        os.makedirs(task)
        shutil.copy(MODULE, os.path.join(task, "_lambda_deploy_slim.py"))
        with open(os.path.join(task, "_lambda_deploy_settings.json"), "w") as handle:
            json.dump({"slim": {"sha256": sha, "handler": handler, "bytes": len(data)}}, handle)
        with open(os.path.join(task, "app.py"), "w") as handle:
            handle.write(
                textwrap.dedent(
                    """
                    import os, sys
                    open(os.path.join(os.environ["TMPDIR"], "app-imported"), "w").close()
                    import bigdep
                    import shadowed

                    def handler(event, context):
                        return {"value": bigdep.VALUE, "shadowed": shadowed.WHO, "first": sys.path.index(bigdep.HOME)}
                    """
                )
            )
        with open(os.path.join(task, "shadowed.py"), "w") as handle:
            handle.write("WHO = 'the function'\n")
        return task, data, sha

    @staticmethod
    def s3_env(s3):
        # What a slim function's environment holds: the archive's place, and the fake S3 standing in for AWS.
        return {
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_S3": s3.url,
            "AWS_ACCESS_KEY_ID": "a",
            "AWS_SECRET_ACCESS_KEY": "b",
            slim.ENV_BUCKET: "b",
            slim.ENV_KEY: "k.tar.gz",
        }

    def run_handler(self, task, env, code):
        full = dict(os.environ)
        full.update(env)
        full["TMPDIR"] = self.dir
        full["PYTHONDONTWRITEBYTECODE"] = "1"
        return subprocess.run(
            [sys.executable, "-c", code], cwd=task, env=full, capture_output=True, text=True, timeout=60
        )

    def test_handler_unpacks_first_then_imports_the_real_handler_once(self):
        files = {
            "bigdep/__init__.py": b"import os\nVALUE = 41\nHOME = os.path.dirname(os.path.dirname(__file__))\n",
            "shadowed.py": b"WHO = 'the dependencies'\n",
        }
        task, data, sha = self.package(files)
        s3 = FakeS3({"/b/k.tar.gz": data})
        self.addCleanup(s3.close)
        env = self.s3_env(s3)
        code = textwrap.dedent(
            """
            import json, sys
            sys.path.insert(0, '.')
            import _lambda_deploy_slim as s
            assert 'bigdep' not in sys.modules
            h = s.handler
            print(json.dumps([h({}, None), s.handler is h]))
            """
        )
        first = self.run_handler(task, env, code)
        self.assertEqual(first.returncode, 0, first.stderr)
        result, same = json.loads(first.stdout)
        self.assertEqual(result, {"value": 41, "shadowed": "the function", "first": 1})
        self.assertTrue(same)
        self.assertIn("downloading and unpacking s3://b/k.tar.gz", first.stderr)
        # A new process in the same sandbox (a runtime restart) trusts the finished tree.
        second = self.run_handler(task, env, code)
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn("already unpacked", second.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "app-imported")))
        self.assertEqual(len(s3.requests), 1)

    def test_an_attribute_error_importing_the_app_is_shown_not_taken_for_a_missing_handler(self):
        # numpy 1.24 dropped np.float: an AttributeError while the app is imported. Lambda's runtime reads
        # `handler` with getattr and takes an AttributeError for "Handler 'handler' missing on module
        # '_lambda_deploy_slim'", which would hide the real error.
        task, data, sha = self.package({"bigdep/__init__.py": b"VALUE = 1\nHOME = ''\n"})
        with open(os.path.join(task, "app.py"), "w") as handle:
            handle.write("import bigdep\nFLOAT = bigdep.float\n\ndef handler(event, context):\n    return 1\n")
        s3 = FakeS3({"/b/k.tar.gz": data})
        self.addCleanup(s3.close)
        env = self.s3_env(s3)
        code = textwrap.dedent(
            """
            import importlib, sys
            sys.path.insert(0, '.')
            m = importlib.import_module('_lambda_deploy_slim')
            try:  # as awslambdaric's _get_handler does
                getattr(m, 'handler')
            except AttributeError:
                print("Handler 'handler' missing on module '_lambda_deploy_slim'")
            except Exception as e:
                print('%s: %s' % (type(e).__name__, e))
            """
        )
        run = self.run_handler(task, env, code)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertNotIn("missing on module", run.stdout)
        self.assertIn("module 'bigdep' has no attribute 'float'", run.stdout)
        self.assertIn("app.handler", run.stdout)
        self.assertIn("AttributeError: module 'bigdep' has no attribute 'float'", run.stderr)

    def test_a_corrupt_archive_never_imports_the_app(self):
        task, data, sha = self.package({"bigdep/__init__.py": b"VALUE = 1\nHOME = ''\n"})
        broken = bytearray(data)
        broken[len(broken) // 2] ^= 0x40
        s3 = FakeS3({"/b/k.tar.gz": bytes(broken)})
        self.addCleanup(s3.close)
        env = self.s3_env(s3)
        code = "import sys; sys.path.insert(0, '.'); import _lambda_deploy_slim as s; s.handler"
        run = self.run_handler(task, env, code)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("lambda-deploy slim: ERROR: s3://b/k.tar.gz failed its SHA-256 check", run.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "app-imported")))
        self.assertEqual(os.listdir(os.path.join(self.dir, "lambda-deploy-slim")), [])


class CommandLineTest(Temp):
    def test_unpack_reports_its_time_and_removes_the_tree(self):
        data, sha = make_archive(FILES)
        archive = os.path.join(self.dir, "deps.tar.gz")
        with open(archive, "wb") as handle:
            handle.write(data)
        run = subprocess.run(
            [sys.executable, MODULE, "unpack", archive, "--sha256", sha, "--into", self.dir],
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(run.returncode, 0, run.stderr)
        stats = json.loads(run.stdout)
        self.assertEqual(stats["files"], len(FILES))
        self.assertGreater(stats["seconds"], 0)
        self.assertEqual(self.left(), [])


if __name__ == "__main__":
    unittest.main()
