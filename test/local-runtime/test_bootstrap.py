"""unittest for runtime/python/bootstrap.py (Python 3.9+, standard library only).

Run: python3 -m unittest discover -s test/local-runtime -p 'test_*.py'
"""

import http.server
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True  # keep runtime/python free of __pycache__

HERE = os.path.dirname(os.path.abspath(__file__))
BOOTSTRAP = os.path.join(HERE, "..", "..", "runtime", "python", "bootstrap.py")

spec = importlib.util.spec_from_file_location("lambda_bootstrap", BOOTSTRAP)
bootstrap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bootstrap)


class FakeRuntimeApi:
    """Serves the given events once each, records what the runtime posts, then answers 410."""

    def __init__(self, events):
        self.events = list(events)
        self.posts = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if not api.events:
                    self.send_response(410)
                    self.end_headers()
                    return
                request_id, event = api.events.pop(0)
                body = json.dumps(event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 5000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:0:function:f")
                self.send_header("Lambda-Runtime-Trace-Id", "Root=1-abc")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                api.posts.append((self.path, json.loads(data)))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class BootstrapProcessTest(unittest.TestCase):
    def run_runtime(self, files, handler, events):
        root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, root, True)
        for name, text in files.items():
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        api = FakeRuntimeApi(events)
        self.addCleanup(api.close)
        env = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_RUNTIME_API": api.address, "_HANDLER": handler,
               "LAMBDA_TASK_ROOT": root, "AWS_LAMBDA_FUNCTION_NAME": "f"}
        proc = subprocess.run([sys.executable, BOOTSTRAP], env=env, cwd=root, capture_output=True, text=True, timeout=30)
        return proc, api.posts

    def test_serves_events_until_the_api_goes_away(self):
        code = "def handler(event, context):\n    print('seen', event['n'])\n    return {'n': event['n'], 'id': context.aws_request_id, 'left': context.get_remaining_time_in_millis() > 0}\n"
        proc, posts = self.run_runtime({"app.py": code}, "app.handler", [("r1", {"n": 1}), ("r2", {"n": 2})])
        self.assertEqual(proc.returncode, 3)
        self.assertEqual(posts, [
            ("/2018-06-01/runtime/invocation/r1/response", {"n": 1, "id": "r1", "left": True}),
            ("/2018-06-01/runtime/invocation/r2/response", {"n": 2, "id": "r2", "left": True}),
        ])
        self.assertIn("seen 1\nseen 2\n", proc.stdout)

    def test_context_facts_and_a_request_id_that_needs_quoting(self):
        # The function's facts are read once at start; a request id is quoted only when it must be.
        code = ("def handler(event, context):\n"
                "    return [context.function_name, context.memory_limit_in_mb, context.function_version,\n"
                "            context.aws_request_id]\n")
        _, posts = self.run_runtime({"app.py": code}, "app.handler", [("r 1/x", {}), ("8d3c1a2e-0b1c", {})])
        self.assertEqual(posts, [
            ("/2018-06-01/runtime/invocation/r%201%2Fx/response", ["f", "128", "$LATEST", "r 1/x"]),
            ("/2018-06-01/runtime/invocation/8d3c1a2e-0b1c/response", ["f", "128", "$LATEST", "8d3c1a2e-0b1c"]),
        ])

    def test_posts_a_raised_exception(self):
        code = "def handler(event, context):\n    raise KeyError('missing')\n"
        proc, posts = self.run_runtime({"src/app.py": code}, "src/app.handler", [("r1", {})])
        path, error = posts[0]
        self.assertEqual(path, "/2018-06-01/runtime/invocation/r1/error")
        self.assertEqual(error["errorType"], "KeyError")
        self.assertEqual(error["errorMessage"], "'missing'")
        # As Lambda reports it: the function's frames, none of the runtime's own.
        frames = [line.split("\n")[0].replace(os.sep, "/") for line in error["stackTrace"]]
        self.assertEqual(len(frames), 1, frames)
        self.assertRegex(frames[0], r'^  File ".*/src/app\.py", line 2, in handler$')
        self.assertIn("[ERROR] KeyError", proc.stderr)
        self.assertIn("Traceback", proc.stderr)
        self.assertNotIn("bootstrap.py", proc.stderr)

    def test_a_handler_called_with_the_wrong_arguments_keeps_the_frame_it_failed_in(self):
        code = "def handler(event):\n    return 1\n"
        _, posts = self.run_runtime({"app.py": code}, "app.handler", [("r1", {})])
        error = posts[0][1]
        self.assertEqual(error["errorType"], "TypeError")
        self.assertEqual(len(error["stackTrace"]), 1, error["stackTrace"])

    def test_posts_an_init_error_and_exits(self):
        proc, posts = self.run_runtime({"app.py": "import nowhere_to_be_found\n"}, "app.handler", [])
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(posts[0][0], "/2018-06-01/runtime/init/error")
        self.assertEqual(posts[0][1]["errorType"], "Runtime.ImportModuleError")
        self.assertIn("No module named 'nowhere_to_be_found'", posts[0][1]["errorMessage"])

    def test_reports_an_unserialisable_result(self):
        code = "def handler(event, context):\n    return object()\n"
        _, posts = self.run_runtime({"app.py": code}, "app.handler", [("r1", {})])
        self.assertEqual(posts[0][1]["errorType"], "Runtime.MarshalError")


class RawRuntimeApi:
    """HTTP/1.1 on a plain socket: keeps connections alive (unless close_after_post), sends
    events chunked, and records every read, so a test sees what the runtime sent in one write."""

    def __init__(self, events, close_after_post=False):
        self.events = list(events)
        self.close_after_post = close_after_post
        self.reads = []
        self.posts = []
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.sock.getsockname()[1]

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                self.handle(conn)

    def handle(self, conn):
        buf = b""
        while True:
            data = conn.recv(65536)
            if not data:
                return
            self.reads.append(data)
            buf += data
            while b"\r\n\r\n" in buf:
                head, _, rest = buf.partition(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                length = next((int(l.split(":")[1]) for l in lines if l.lower().startswith("content-length:")), 0)
                if len(rest) < length:
                    break
                body, buf = rest[:length], rest[length:]
                if not self.answer(conn, lines[0].split(" ")[1], body):
                    return

    def answer(self, conn, path, body):
        if path.endswith("/invocation/next"):
            if not self.events:
                conn.sendall(b"HTTP/1.1 410 Gone\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return False
            request_id, event = self.events.pop(0)
            data = json.dumps(event).encode()
            half = len(data) // 2
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: " + request_id.encode()
                + b"\r\nLambda-Runtime-Deadline-Ms: 99999999999999\r\nTransfer-Encoding: chunked\r\n\r\n"
                + b"%x\r\n" % half + data[:half] + b"\r\n%x;x=y\r\n" % (len(data) - half) + data[half:]
                + b"\r\n0\r\n\r\n"
            )
            return True
        self.posts.append((path, json.loads(body)))
        if self.close_after_post:
            conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            return False
        conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}")
        return True

    def close(self):
        self.sock.close()


class ConnectionTest(unittest.TestCase):
    CODE = "def handler(event, context):\n    return {'n': event['n'], 'id': context.aws_request_id}\n"

    def run_runtime(self, api):
        root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, root, True)
        with open(os.path.join(root, "app.py"), "w") as f:
            f.write(self.CODE)
        self.addCleanup(api.close)
        env = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_RUNTIME_API": api.address, "_HANDLER": "app.handler",
               "LAMBDA_TASK_ROOT": root}
        return subprocess.run([sys.executable, BOOTSTRAP], env=env, cwd=root, capture_output=True, text=True, timeout=30)

    def test_one_connection_and_the_next_poll_in_the_results_write(self):
        events = [("r%d" % n, {"n": n, "pad": "p" * 100000 * n}) for n in (1, 2, 3)]
        api = RawRuntimeApi(events)
        proc = self.run_runtime(api)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertEqual(api.posts, [("/2018-06-01/runtime/invocation/r%d/response" % n, {"n": n, "id": "r%d" % n})
                                     for n in (1, 2, 3)])
        self.assertEqual(api.connections, 1)
        together = [r for r in api.reads if r.startswith(b"POST ") and b"GET /2018-06-01/runtime/invocation/next " in r]
        self.assertEqual(len(together), 3)

    def test_a_server_that_closes_after_each_result_gets_a_new_connection(self):
        api = RawRuntimeApi([("r1", {"n": 1}), ("r2", {"n": 2})], close_after_post=True)
        proc = self.run_runtime(api)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        self.assertEqual([p[1]["n"] for p in api.posts], [1, 2])
        self.assertEqual(api.connections, 3)
        self.assertEqual(proc.stderr.count("HTTP 410"), 1)


class LoadHandlerTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.root, True)
        sys.path.insert(0, self.root)
        self.addCleanup(sys.path.remove, self.root)
        os.makedirs(os.path.join(self.root, "lb_pkg"))
        for name, text in {
            "lb_pkg/__init__.py": "",
            "lb_pkg/mod.py": "def fn(e, c):\n    return 'pkg'\nvalue = 3\n",
            "lb_syntax.py": "def broken(:\n",
        }.items():
            with open(os.path.join(self.root, name), "w") as f:
                f.write(text)

    def test_dotted_and_slashed_modules(self):
        self.assertEqual(bootstrap.load_handler("lb_pkg.mod.fn")(None, None), "pkg")
        self.assertEqual(bootstrap.load_handler("lb_pkg/mod.fn")(None, None), "pkg")

    def test_faults(self):
        cases = [
            ("nodot", "Runtime.MalformedHandlerName"),
            ("lb_pkg.mod.absent", "Runtime.HandlerNotFound"),
            ("lb_pkg.mod.value", "Runtime.HandlerNotFound"),
            ("lb_missing.fn", "Runtime.ImportModuleError"),
            ("lb_syntax.fn", "Runtime.UserCodeSyntaxError"),
            ("sys.exit", "Runtime.BuiltInModuleConflict"),
        ]
        for handler, error_type in cases:
            with self.subTest(handler=handler):
                with self.assertRaises(bootstrap.FaultError) as caught:
                    bootstrap.load_handler(handler)
                self.assertEqual(caught.exception.error_type, error_type)


class ContextTest(unittest.TestCase):
    def test_remaining_time_counts_down_to_zero(self):
        now = int(time.time() * 1000)
        self.assertGreater(bootstrap.LambdaContext("r", now + 10000, "arn").get_remaining_time_in_millis(), 9000)
        self.assertEqual(bootstrap.LambdaContext("r", now - 5, "arn").get_remaining_time_in_millis(), 0)

    def test_client_context_and_identity_are_objects_as_on_aws(self):
        context = bootstrap.LambdaContext(
            "r", 0, "arn",
            {"custom": {"source": "serverless-plugin-warmup"}, "env": {"locale": "en"},
             "client": {"app_title": "demo"}},
            {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"},
        )
        self.assertEqual(context.client_context.custom, {"source": "serverless-plugin-warmup"})
        self.assertEqual(context.client_context.env, {"locale": "en"})
        self.assertEqual(context.client_context.client.app_title, "demo")
        self.assertIsNone(context.client_context.client.installation_id)
        self.assertEqual((context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id),
                         ("id-1", "pool-1"))
        bare = bootstrap.LambdaContext("r", 0, "arn")
        self.assertIsNone(bare.client_context)
        self.assertIsNone(bare.identity)


class HostSitePackagesTest(unittest.TestCase):
    """The runtime's Python is this machine's: its site-packages are not Lambda's.

    A venv stands in for the machine's Python; its site-packages hold modules
    the package lacks.
    """

    @classmethod
    def setUpClass(cls):
        cls.venv = tempfile.mkdtemp()
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", cls.venv], check=True)
        cls.python = os.path.join(cls.venv, "bin", "python")
        cls.site = subprocess.run([cls.python, "-c", "import site; print(site.getsitepackages()[0])"],
                                  capture_output=True, text=True, check=True).stdout.strip()
        files = {
            "hostonly.py": "VALUE = 'host'\n",
            "boto3/__init__.py": "VALUE = 'host boto3'\n",
            "boto3/session.py": "VALUE = 'session'\n",
            # Imported as the interpreter starts (a .pth line), as setuptools' _distutils_hack is.
            "early.pth": "import early\n",
            "early.py": "VALUE = 'early'\n",
        }
        for name, text in files.items():
            path = os.path.join(cls.site, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.venv, True)

    def run_app(self, code, package=None, env=None):
        root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, root, True)
        for name, text in dict(package or {}, **{"app.py": code}).items():
            with open(os.path.join(root, name), "w") as f:
                f.write(text)
        api = FakeRuntimeApi([("r1", {})])
        self.addCleanup(api.close)
        environ = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_RUNTIME_API": api.address,
                   "_HANDLER": "app.handler", "LAMBDA_TASK_ROOT": root, **(env or {})}
        proc = subprocess.run([self.python, BOOTSTRAP], env=environ, cwd=root, capture_output=True, text=True,
                              timeout=30)
        return proc, api.posts

    def test_an_optional_import_of_a_module_only_this_machine_has_falls_back_as_on_lambda(self):
        code = ("try:\n    import hostonly\nexcept ImportError:\n    hostonly = None\n"
                "import importlib.util\n"
                "def handler(event, context):\n"
                "    return [hostonly is None, importlib.util.find_spec('hostonly') is None]\n")
        proc, posts = self.run_app(code)
        self.assertEqual(posts, [("/2018-06-01/runtime/invocation/r1/response", [True, True])], proc.stderr)
        self.assertNotIn("lambda-deploy-local-warning", proc.stderr)

    def test_a_required_import_of_a_module_only_this_machine_has_fails_as_on_lambda(self):
        proc, posts = self.run_app("import hostonly\ndef handler(event, context):\n    return 1\n")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(posts[0][0], "/2018-06-01/runtime/init/error")
        self.assertEqual(posts[0][1]["errorType"], "Runtime.ImportModuleError")
        self.assertEqual(posts[0][1]["errorMessage"], "Unable to import module 'app': No module named 'hostonly'")

    def test_an_import_at_invocation_fails_too(self):
        code = "def handler(event, context):\n    import hostonly\n"
        _, posts = self.run_app(code)
        self.assertEqual(posts[0][0], "/2018-06-01/runtime/invocation/r1/error")
        self.assertEqual(posts[0][1]["errorType"], "ModuleNotFoundError")
        self.assertEqual(posts[0][1]["errorMessage"], "No module named 'hostonly'")

    def test_the_package_copy_the_stdlib_what_lambda_provides_and_start_up_imports_still_load(self):
        code = ("import hostonly, boto3, boto3.session, early, json, sqlite3, email.mime.text, pkgutil\n"
                "def handler(event, context):\n"
                "    return [hostonly.VALUE, boto3.VALUE, boto3.session.VALUE, early.VALUE,\n"
                "            [m.name for m in pkgutil.iter_modules(boto3.__path__)]]\n")
        proc, posts = self.run_app(code, {"hostonly.py": "VALUE = 'package'\n"})
        self.assertEqual(posts, [("/2018-06-01/runtime/invocation/r1/response",
                                  ["package", "host boto3", "session", "early", ["session"]])], proc.stderr)
        self.assertNotIn("lambda-deploy-local-warning", proc.stderr)

    def test_a_site_packages_folder_added_later_is_hidden_too(self):
        code = ("import site, sys\n"
                "sys.path[:] = [p for p in sys.path if 'site-packages' not in p]\n"
                "sys.path_importer_cache.clear()\n"
                "site.addsitedir(%r)\n"
                "try:\n    import hostonly\nexcept ImportError:\n    hostonly = None\n"
                "def handler(event, context):\n"
                "    return hostonly is None\n" % self.site)
        proc, posts = self.run_app(code)
        self.assertEqual(posts, [("/2018-06-01/runtime/invocation/r1/response", True)], proc.stderr)

    def test_allowed_site_packages_serve_the_import_and_warn(self):
        code = ("import os, hostonly\n"
                "def handler(event, context):\n"
                "    return [hostonly.VALUE, '%s' in os.environ]\n" % bootstrap.HOST_SITE_PACKAGES_ENV)
        proc, posts = self.run_app(code, env={bootstrap.HOST_SITE_PACKAGES_ENV: "1"})
        self.assertEqual(posts, [("/2018-06-01/runtime/invocation/r1/response", ["host", False])], proc.stderr)
        self.assertIn("lambda-deploy-local-warning: module hostonly is imported from this machine's Python",
                      proc.stderr)


if __name__ == "__main__":
    unittest.main()
