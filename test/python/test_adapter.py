"""Tests of runtime/python/_lambda_deploy_adapter.py against real Lambda events.

Run from the repository root:  python3 -m unittest discover -s test/python -v
"""

import ast
import base64
import contextlib
import copy
import gzip
import importlib.util
import io
import itertools
import json
import os
import shutil
import sys
import tempfile
import unittest
from unittest import mock

# No __pycache__ next to the shipped adapter or the test apps.
sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ADAPTER = os.path.join(ROOT, "runtime", "python", "_lambda_deploy_adapter.py")
EVENTS = os.path.join(HERE, "events")
APPS = os.path.join(HERE, "apps")
if APPS not in sys.path:
    sys.path.insert(0, APPS)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
_counter = itertools.count()


def _importable(name):
    try:
        __import__(name)
        return True
    except Exception:
        return False


HAVE_FLASK = _importable("flask")
HAVE_FASTAPI = _importable("fastapi")
HAVE_STARLETTE = _importable("starlette")


def event(name):
    with open(os.path.join(EVENTS, name + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


def v2(path="/", method="GET", query="", cookies=None, body=None):
    """A 2.0 event built from the real HTTP API one, with another request."""
    e = event("http-api-v2-get-root")
    e["rawPath"] = path
    e["requestContext"]["http"]["path"] = path
    e["requestContext"]["http"]["method"] = method
    e["rawQueryString"] = query
    if cookies is not None:
        e["cookies"] = cookies
    if body is not None:
        e["body"] = body
    return e


def v1(path="/hello/world", method="GET"):
    e = event("rest-api-v1-post-proxy")
    e["path"] = path
    e["httpMethod"] = method
    e["requestContext"]["httpMethod"] = method
    e["requestContext"]["path"] = "/testStage" + path
    e["body"] = None
    return e


class Context(object):
    aws_request_id = "req-123"
    function_name = "demo-main"


def load_adapter(path=ADAPTER):
    """A fresh copy of the adapter module (fresh cache, loop and lifespan)."""
    name = "_lambda_deploy_adapter_test_%d" % next(_counter)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def forget(*modules):
    for name in modules:
        sys.modules.pop(name, None)


class AdapterTestCase(unittest.TestCase):
    APP = "wsgi_echo_app:app"

    def setUp(self):
        patcher = mock.patch.dict(os.environ, {"LAMBDA_DEPLOY_APP": self.APP})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.adapter = load_adapter()
        self.addCleanup(self.adapter.shutdown)

    def invoke(self, e, stderr=None):
        if stderr is None:
            return self.adapter.handler(e, Context())
        with contextlib.redirect_stderr(stderr):
            return self.adapter.handler(e, Context())

    def json_body(self, response):
        self.assertFalse(response["isBase64Encoded"], response)
        return json.loads(response["body"])


class WsgiPayloadV2Test(AdapterTestCase):
    def test_get_root_from_http_api(self):
        response = self.invoke(event("http-api-v2-get-root"))
        self.assertEqual(response["statusCode"], 200)
        self.assertEqual(response["headers"]["Content-Type"], "application/json")
        echo = self.json_body(response)
        self.assertEqual(echo["method"], "GET")
        self.assertEqual(echo["path"], "/")
        self.assertEqual(echo["script_name"], "")
        self.assertEqual(echo["query_string"], "")
        self.assertEqual(echo["server_name"], "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com")
        self.assertEqual(echo["server_port"], "443")
        self.assertEqual(echo["scheme"], "https")
        self.assertEqual(echo["remote_addr"], "1.2.3.4")
        self.assertEqual(echo["protocol"], "HTTP/1.1")
        self.assertEqual(echo["content_length"], "0")
        self.assertEqual(echo["http"]["HTTP_USER_AGENT"], "curl/7.58.0")
        self.assertEqual(echo["http"]["HTTP_HOST"], "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com")
        self.assertNotIn("HTTP_CONTENT_LENGTH", echo["http"])
        self.assertIsNone(echo["cookie"])
        self.assertIn("requestContext", echo["event_keys"])
        self.assertEqual(echo["request_id"], "req-123")
        self.assertTrue(echo["errors_is_stderr"])

    def test_query_with_repeated_keys_cookies_and_body(self):
        response = self.invoke(event("http-api-v2-query-cookies-body"))
        echo = self.json_body(response)
        self.assertEqual(echo["path"], "/my/path")
        self.assertEqual(echo["query_string"], "parameter1=value1&parameter1=value2&parameter2=value")
        self.assertEqual(echo["query"], {"parameter1": ["value1", "value2"], "parameter2": ["value"]})
        self.assertEqual(echo["cookie"], "cookie1; cookie2")
        self.assertEqual(echo["body"], '{\r\n\t"a": 1\r\n}')
        self.assertEqual(echo["content_length"], str(len('{\r\n\t"a": 1\r\n}')))
        self.assertEqual(echo["http"]["HTTP_HEADER1"], "value1")
        self.assertEqual(echo["remote_addr"], "IP")

    def test_function_url_post_with_base64_body(self):
        e = event("function-url-post")
        raw = b"Hello from client!\x00\xff\xfe"
        e["body"] = base64.b64encode(raw).decode("ascii")
        e["isBase64Encoded"] = True
        echo = self.json_body(self.invoke(e))
        self.assertEqual(echo["method"], "POST")
        self.assertEqual(echo["path"], "/my/path")
        self.assertEqual(bytes.fromhex(echo["body_hex"]), raw)
        self.assertEqual(echo["content_length"], str(len(raw)))
        # no Host header in this event: the domain name stands in
        self.assertEqual(echo["server_name"], "<url-id>.lambda-url.us-west-2.on.aws")
        # 2.0 joins repeated request headers with commas; kept as one value
        self.assertEqual(echo["http"]["HTTP_HEADER2"], "value1,value2")
        self.assertEqual(echo["remote_addr"], "123.123.123.123")

    def test_two_set_cookies_go_to_the_cookies_array(self):
        response = self.invoke(event("http-api-v2-get-root"))
        self.assertEqual(response["cookies"], ["first=1; Path=/", "second=2; Path=/; HttpOnly"])
        self.assertNotIn("Set-Cookie", response["headers"])
        self.assertNotIn("multiValueHeaders", response)
        # other repeated response headers are comma-joined
        self.assertEqual(response["headers"]["X-Multi"], "one, two")

    def test_binary_response_is_base64(self):
        response = self.invoke(v2("/image.png"))
        self.assertEqual(response["statusCode"], 200)
        self.assertTrue(response["isBase64Encoded"])
        self.assertEqual(base64.b64decode(response["body"]), PNG)
        self.assertEqual(response["headers"]["Content-Type"], "image/png")
        self.assertEqual(response["cookies"], [])

    def test_compressed_text_response_is_base64(self):
        response = self.invoke(v2("/gzip"))
        self.assertTrue(response["isBase64Encoded"])
        self.assertEqual(gzip.decompress(base64.b64decode(response["body"])), b"hello, compressed")

    def test_cookie_header_and_cookies_array_are_not_doubled(self):
        e = event("http-api-v2-query-cookies-body")
        e["headers"]["cookie"] = "cookie1; cookie2"
        self.assertEqual(self.json_body(self.invoke(e))["cookie"], "cookie1; cookie2")
        e = v2("/", cookies=[])
        e["headers"]["Cookie"] = "only=header"
        self.assertEqual(self.json_body(self.invoke(e))["cookie"], "only=header")

    def test_unencoded_query_characters_are_escaped(self):
        echo = self.json_body(self.invoke(v2("/", query="q=caf\u00e9 au lait&x=%2F")))
        self.assertEqual(echo["query_string"], "q=caf%C3%A9%20au%20lait&x=%2F")
        self.assertEqual(echo["query"], {"q": ["caf\u00e9 au lait"], "x": ["/"]})

    def test_percent_encoded_path_is_decoded_to_latin1_str(self):
        # function URLs keep the encoding, HTTP APIs decode: same PATH_INFO
        for raw_path in ("/caf%C3%A9/a%20b", "/caf\u00e9/a b"):
            echo = self.json_body(self.invoke(v2(raw_path)))
            self.assertEqual(echo["path"], "/caf\u00c3\u00a9/a b", raw_path)

    def test_utf8_response_headers_and_body(self):
        with mock.patch.dict(os.environ, {"LAMBDA_DEPLOY_APP": "wsgi_echo_app:unicode_headers"}):
            response = load_adapter().handler(v2("/"), Context())
        self.assertEqual(response["headers"]["X-Pep3333"], "caf\u00e9")
        self.assertEqual(response["headers"]["X-Text"], "\u2713 done")
        self.assertEqual((response["body"], response["isBase64Encoded"]), ("caf\u00e9 \u2713", False))

    def test_response_iterable_is_closed(self):
        import wsgi_echo_app

        before = len(wsgi_echo_app.CLOSED)
        self.invoke(v2("/"))
        self.assertEqual(len(wsgi_echo_app.CLOSED), before + 1)

    def test_app_error_is_a_500_with_traceback_in_logs(self):
        err = io.StringIO()
        response = self.invoke(v2("/boom"), stderr=err)
        self.assertEqual(response["statusCode"], 500)
        self.assertEqual(response["body"], "Internal Server Error\n")
        self.assertIn("Traceback", err.getvalue())
        self.assertIn("boom from the app", err.getvalue())
        # the app stays loaded: the next request is served
        self.assertEqual(self.invoke(v2("/"))["statusCode"], 200)


class WsgiPayloadV1Test(AdapterTestCase):
    def test_rest_api_proxy_post_sees_stage_as_script_name(self):
        e = event("rest-api-v1-post-proxy")
        # as live REST API events carry it (the upstream sample leaves it out)
        e["requestContext"]["path"] = "/testStage/hello/world"
        response = self.invoke(e)
        self.assertEqual(response["statusCode"], 200)
        echo = self.json_body(response)
        self.assertEqual(echo["method"], "POST")
        self.assertEqual(echo["path"], "/hello/world")  # not /testStage/hello/world
        self.assertEqual(echo["script_name"], "/testStage")  # the stage is the mount point
        self.assertEqual(echo["query"], {"name": ["me"]})
        self.assertEqual(echo["body"], '{\r\n\t"a": 1\r\n}')
        self.assertEqual(echo["content_type"], "application/json")
        self.assertEqual(echo["remote_addr"], "192.168.196.186")
        self.assertEqual(echo["server_name"], "gy415nuibc.execute-api.us-east-1.amazonaws.com")
        self.assertEqual(echo["server_port"], "443")
        self.assertEqual(echo["http"]["HTTP_X_FORWARDED_FOR"], "54.240.196.186, 54.182.214.83")
        self.assertNotIn("HTTP_CONTENT_TYPE", echo["http"])

    def test_two_set_cookies_go_to_multi_value_headers(self):
        response = self.invoke(event("rest-api-v1-post-proxy"))
        self.assertEqual(
            response["multiValueHeaders"],
            {"Set-Cookie": ["first=1; Path=/", "second=2; Path=/; HttpOnly"]},
        )
        self.assertNotIn("Set-Cookie", response["headers"])
        self.assertNotIn("cookies", response)
        self.assertEqual(response["headers"]["X-Multi"], "one, two")

    def test_repeated_query_keys_and_headers(self):
        e = v1("/search")
        e["multiValueQueryStringParameters"] = {"tag": ["a b", "c&d"], "page": ["2"]}
        e["queryStringParameters"] = {"tag": "c&d", "page": "2"}
        e["multiValueHeaders"]["X-Many"] = ["one", "two"]
        e["multiValueHeaders"]["Cookie"] = ["a=1", "b=2"]
        echo = self.json_body(self.invoke(e))
        self.assertEqual(echo["query"], {"tag": ["a b", "c&d"], "page": ["2"]})
        self.assertEqual(echo["http"]["HTTP_X_MANY"], "one,two")
        self.assertEqual(echo["cookie"], "a=1; b=2")

    def test_single_value_headers_when_multi_value_is_null(self):
        e = v1("/plain")
        e["multiValueHeaders"] = None
        e["multiValueQueryStringParameters"] = None
        e["queryStringParameters"] = {"q": "x y"}
        echo = self.json_body(self.invoke(e))
        self.assertEqual(echo["query"], {"q": ["x y"]})
        self.assertEqual(echo["http"]["HTTP_HEADERNAME"], "headerValue")

    def test_binary_response_is_base64(self):
        response = self.invoke(v1("/image.png"))
        self.assertTrue(response["isBase64Encoded"])
        self.assertEqual(base64.b64decode(response["body"]), PNG)
        self.assertEqual(response["multiValueHeaders"], {})


class BodyEncodingTest(unittest.TestCase):
    def test_text_or_base64_by_content_type(self):
        adapter = load_adapter()
        body = "caf\u00e9".encode("utf-8")
        table = [
            ("text/html; charset=utf-8", None, False),
            ("text/plain", None, False),
            ("application/json", None, False),
            ("application/javascript", None, False),
            ("application/xml", None, False),
            ("application/vnd.api+json", None, False),
            ("image/svg+xml", None, False),
            ("application/x-www-form-urlencoded", None, False),
            ("image/png", None, True),
            ("application/octet-stream", None, True),
            ("application/pdf", None, True),
            ("application/zip", None, True),
            ("text/html; charset=iso-8859-1", None, True),
            ("application/json", "gzip", True),
            ("text/plain", "br", True),
            ("text/plain", "identity", False),
            ("", None, False),  # no type: UTF-8 text stays text
        ]
        for content_type, encoding, want_b64 in table:
            text, is_b64 = adapter._encode_body(body, content_type, encoding)
            self.assertEqual(is_b64, want_b64, (content_type, encoding))
            decoded = base64.b64decode(text) if is_b64 else text.encode("utf-8")
            self.assertEqual(decoded, body, (content_type, encoding))
        # bytes that are not UTF-8 go base64 even when labelled text
        self.assertEqual(adapter._encode_body(b"\xff\xfe", "text/plain", None), ("//4=", True))
        self.assertEqual(adapter._encode_body(b"", "image/png", None), ("", False))

    def test_adapter_parses_as_python_3_9(self):
        with open(ADAPTER, encoding="utf-8") as handle:
            ast.parse(handle.read(), filename=ADAPTER, feature_version=(3, 9))


class StartupTest(unittest.TestCase):
    def setUp(self):
        forget("flaky_app", "must_not_import")
        patcher = mock.patch.dict(os.environ, {})
        patcher.start()
        self.addCleanup(patcher.stop)
        os.environ.pop("LAMBDA_DEPLOY_APP", None)
        os.environ.pop("FLAKY_APP_FAIL", None)

    def test_import_error_is_a_clear_500_then_retried(self):
        os.environ["LAMBDA_DEPLOY_APP"] = "flaky_app:app"
        os.environ["FLAKY_APP_FAIL"] = "1"
        adapter = load_adapter()
        for e, version in ((event("http-api-v2-get-root"), "2.0"), (v1("/"), "1.0")):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                response = adapter.handler(e, Context())
            self.assertEqual(response["statusCode"], 500, version)
            self.assertIn("could not be started", response["body"])
            self.assertIn("LAMBDA_DEPLOY_APP=flaky_app:app", response["body"])
            self.assertIn("RuntimeError", response["body"])
            self.assertNotIn("database URL missing", response["body"])  # only in the logs
            self.assertIn("Traceback (most recent call last)", err.getvalue())
            self.assertIn("database URL missing", err.getvalue())
            self.assertIn("flaky_app.py", err.getvalue())
        os.environ["FLAKY_APP_FAIL"] = "0"
        response = adapter.handler(event("http-api-v2-get-root"), Context())
        self.assertEqual(response["statusCode"], 200)
        self.assertEqual(response["body"], "flaky app is up")

    def test_missing_module_attribute_and_bad_form(self):
        cases = [
            ("no_such_module_xyz:app", "ModuleNotFoundError"),
            ("wsgi_echo_app:nothing", "StartupError"),
            ("wsgi_echo_app", "StartupError"),
        ]
        for spec, error in cases:
            os.environ["LAMBDA_DEPLOY_APP"] = spec
            adapter = load_adapter()
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                response = adapter.handler(event("http-api-v2-get-root"), Context())
            self.assertEqual(response["statusCode"], 500, spec)
            self.assertIn("LAMBDA_DEPLOY_APP=%s" % spec, response["body"])
            self.assertIn(error, response["body"])
            self.assertIn("Traceback", err.getvalue())
        self.assertIn('not of the form "module:attribute"', err.getvalue())

    def test_warmup_ping_does_not_import_the_app(self):
        os.environ["LAMBDA_DEPLOY_APP"] = "must_not_import:app"
        adapter = load_adapter()
        self.assertEqual(adapter.handler({"lambda-deploy": "warmup"}, Context()), {"warm": True})
        self.assertNotIn("must_not_import", sys.modules)
        # a real request does import it (and fails: proof the name was live)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            response = adapter.handler(event("http-api-v2-get-root"), Context())
        self.assertEqual(response["statusCode"], 500)
        self.assertIn("warm-up ping", err.getvalue())

    def test_non_http_event_is_a_logged_500(self):
        os.environ["LAMBDA_DEPLOY_APP"] = "must_not_import:app"
        adapter = load_adapter()
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            response = adapter.handler({"source": "my.app", "detail": {}}, Context())
        self.assertEqual(response["statusCode"], 500)
        self.assertIn("its keys: ['detail', 'source']", err.getvalue())
        self.assertNotIn("must_not_import", sys.modules)

    def test_app_named_in_settings_file_and_env_var_wins(self):
        package = tempfile.mkdtemp(prefix="lambda-deploy-adapter-")
        self.addCleanup(shutil.rmtree, package)
        path = os.path.join(package, "_lambda_deploy_adapter.py")
        shutil.copy(ADAPTER, path)
        # the packager puts the app's modules next to the adapter
        shutil.copy(os.path.join(APPS, "flaky_app.py"), os.path.join(package, "settings_app.py"))
        with open(os.path.join(package, "_lambda_deploy_settings.json"), "w") as handle:
            json.dump({"app": "settings_app:app"}, handle)
        self.addCleanup(forget, "settings_app")
        self.addCleanup(lambda: package in sys.path and sys.path.remove(package))

        adapter = load_adapter(path)
        response = adapter.handler(event("http-api-v2-get-root"), Context())
        self.assertEqual((response["statusCode"], response["body"]), (200, "flaky app is up"))

        os.environ["LAMBDA_DEPLOY_APP"] = "wsgi_echo_app:create_app()"
        adapter = load_adapter(path)
        response = adapter.handler(event("http-api-v2-get-root"), Context())
        self.assertEqual(json.loads(response["body"])["path"], "/")

    def test_import_at_init_fails_the_load_naming_the_file_and_keeps_the_apps_trace(self):
        # LAMBDA_DEPLOY_IMPORT_AT_INIT=1 (set by the local runtime): the app is imported with
        # the adapter, so a broken app fails the runtime's init instead of a request.
        package = tempfile.mkdtemp(prefix="lambda-deploy-adapter-")
        self.addCleanup(shutil.rmtree, package)
        path = os.path.join(package, "_lambda_deploy_adapter.py")
        shutil.copy(ADAPTER, path)
        shutil.copy(os.path.join(APPS, "flaky_app.py"), os.path.join(package, "init_app.py"))
        self.addCleanup(forget, "init_app")
        self.addCleanup(lambda: package in sys.path and sys.path.remove(package))
        os.environ["LAMBDA_DEPLOY_APP"] = "init_app:app"
        os.environ["LAMBDA_DEPLOY_IMPORT_AT_INIT"] = "1"
        os.environ["FLAKY_APP_FAIL"] = "1"
        with self.assertRaises(Exception) as raised:
            load_adapter(path)
        error = raised.exception
        self.assertEqual(type(error).__name__, "StartupError")
        self.assertEqual(
            str(error),
            'could not import the app "init_app:app": RuntimeError: database URL missing '
            "(flaky_app start-up failure) (%s, line 6)" % os.path.join(os.path.realpath(package), "init_app.py"),
        )
        trace = "".join(error.stack_trace)
        self.assertIn('init_app.py", line 6, in <module>', trace)
        self.assertTrue(trace.rstrip().endswith("RuntimeError: database URL missing (flaky_app start-up failure)"))
        self.assertNotIn("_lambda_deploy_adapter", trace)
        self.assertNotIn("<frozen", trace)
        self.assertIsNone(error.__cause__)

        # A syntax error names its file and line in its own message.
        with open(os.path.join(package, "init_app.py"), "w") as handle:
            handle.write("def app((environ, start_response):\n    pass\n")
        forget("init_app")
        with self.assertRaises(Exception) as raised:
            load_adapter(path)
        self.assertRegex(str(raised.exception), r'"init_app:app": SyntaxError: .*\(init_app\.py, line 1\)$')

        # A good app is imported with the adapter, and served.
        shutil.copy(os.path.join(APPS, "flaky_app.py"), os.path.join(package, "init_app.py"))
        forget("init_app")
        os.environ["FLAKY_APP_FAIL"] = "0"
        adapter = load_adapter(path)
        self.assertIn("init_app", sys.modules)
        response = adapter.handler(event("http-api-v2-get-root"), Context())
        self.assertEqual((response["statusCode"], response["body"]), (200, "flaky app is up"))

    def test_no_app_named_anywhere(self):
        adapter = load_adapter()
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            response = adapter.handler(event("http-api-v2-get-root"), Context())
        self.assertEqual(response["statusCode"], 500)
        self.assertIn("LAMBDA_DEPLOY_APP", response["body"])
        self.assertIn("_lambda_deploy_settings.json was not found", err.getvalue())


class AsgiTest(AdapterTestCase):
    APP = "asgi_echo_app:app"

    def setUp(self):
        forget("asgi_echo_app")
        super(AsgiTest, self).setUp()

    def test_scope_from_http_api_event_and_lifespan_once(self):
        e = event("http-api-v2-query-cookies-body")
        response = self.invoke(e)
        self.assertEqual(response["statusCode"], 201)
        echo = self.json_body(response)
        self.assertEqual(echo["type"], "http")
        self.assertEqual(echo["asgi"], {"version": "3.0", "spec_version": "2.3"})
        self.assertEqual(echo["http_version"], "1.1")
        self.assertEqual(echo["method"], "GET")
        self.assertEqual(echo["scheme"], "https")
        self.assertEqual(echo["path"], "/my/path")
        self.assertEqual(echo["raw_path"], "/my/path")
        self.assertEqual(echo["root_path"], "")
        self.assertEqual(echo["query_string"], "parameter1=value1&parameter1=value2&parameter2=value")
        self.assertTrue(echo["headers_are_bytes"])
        self.assertIn(["header1", "value1"], echo["headers"])
        self.assertIn(["cookie", "cookie1; cookie2"], echo["headers"])
        self.assertEqual(echo["client"], ["IP", 0])
        self.assertEqual(echo["server"], ["id.execute-api.us-east-1.amazonaws.com", 443])
        self.assertEqual(echo["body"], '{\r\n\t"a": 1\r\n}')
        self.assertIs(echo["more_body"], False)
        self.assertEqual(echo["state"], {"greeting": "hello from lifespan"})
        self.assertTrue(echo["has_event"])
        self.assertEqual(echo["events"], ["startup"])
        self.assertIsNone(echo["early_receive"])
        self.assertTrue(echo["same_loop_as_startup"])
        self.assertEqual(response["cookies"], ["first=1; Path=/", "second=2; Path=/; HttpOnly"])

        # The loop survives: after the response the app got a disconnect, and
        # a second invocation does not start the app again.
        echo = self.json_body(self.invoke(event("http-api-v2-get-root")))
        self.assertEqual(echo["events"], ["startup", "after-response:http.disconnect"])
        self.assertTrue(echo["same_loop_as_startup"])
        self.adapter.shutdown()
        self.assertEqual(
            sys.modules["asgi_echo_app"].EVENTS,
            ["startup", "after-response:http.disconnect", "after-response:http.disconnect",
             "shutdown"],
        )

    def test_rest_api_event_and_binary(self):
        response = self.invoke(event("rest-api-v1-post-proxy"))
        echo = self.json_body(response)
        # ASGI spec: the full path, and the REST stage as the mount point
        self.assertEqual((echo["method"], echo["path"]), ("POST", "/testStage/hello/world"))
        self.assertEqual(echo["root_path"], "/testStage")
        self.assertEqual(echo["query_string"], "name=me")
        self.assertEqual(echo["client"], ["192.168.196.186", 0])
        self.assertIn(["content-type", "application/json"], echo["headers"])
        self.assertEqual(
            response["multiValueHeaders"],
            {"Set-Cookie": ["first=1; Path=/", "second=2; Path=/; HttpOnly"]},
        )
        response = self.invoke(v1("/image.png"))
        self.assertTrue(response["isBase64Encoded"])
        self.assertEqual(base64.b64decode(response["body"]), PNG)

    def test_function_url_base64_body(self):
        e = event("function-url-post")
        e["body"] = base64.b64encode(b"Hello from client!").decode("ascii")
        e["isBase64Encoded"] = True
        echo = self.json_body(self.invoke(e))
        self.assertEqual((echo["method"], echo["body"]), ("POST", "Hello from client!"))
        self.assertIn(["content-length", "18"], echo["headers"])

    def test_lifespan_failure_is_a_500_and_retried(self):
        import asgi_echo_app

        asgi_echo_app.FAIL_STARTUP.append(True)
        err = io.StringIO()
        response = self.invoke(event("http-api-v2-get-root"), stderr=err)
        self.assertEqual(response["statusCode"], 500)
        self.assertIn("could not be started", response["body"])
        self.assertIn("no database", err.getvalue())
        response = self.invoke(event("http-api-v2-get-root"))
        self.assertEqual(response["statusCode"], 201)
        self.assertEqual(asgi_echo_app.EVENTS[:2], ["startup-failed", "startup"])


class AsgiWithoutLifespanTest(AdapterTestCase):
    APP = "asgi_echo_app:no_lifespan"

    def test_app_without_lifespan_is_served(self):
        err = io.StringIO()
        response = self.invoke(event("http-api-v2-get-root"), stderr=err)
        self.assertEqual((response["statusCode"], response["body"]), (200, "no lifespan here"))
        self.assertIn("does not support lifespan", err.getvalue())
        err = io.StringIO()
        self.assertEqual(self.invoke(v1("/"), stderr=err)["statusCode"], 200)
        self.assertEqual(err.getvalue(), "")  # lifespan is not tried again

    def test_asgi_or_wsgi_by_inspection(self):
        import asgi_echo_app
        import wsgi_echo_app

        self.assertTrue(self.adapter._is_asgi(asgi_echo_app.app))
        self.assertTrue(self.adapter._is_asgi(asgi_echo_app.class_based))
        self.assertFalse(self.adapter._is_asgi(wsgi_echo_app.app))
        self.assertFalse(self.adapter._is_asgi(wsgi_echo_app.ClosingBody([])))  # not an app at all

        def wrapped(scope, receive, send):  # sync, returns an awaitable
            return asgi_echo_app.no_lifespan(scope, receive, send)

        self.assertTrue(self.adapter._is_asgi(wrapped))


@unittest.skipUnless(HAVE_FLASK, "flask is not installed (Debian: python3-flask)")
class FlaskTest(AdapterTestCase):
    APP = "flask_app:app"

    def test_root(self):
        response = self.invoke(event("http-api-v2-get-root"))
        self.assertEqual(response["statusCode"], 200)
        self.assertEqual(response["body"], "Hello from Flask")
        self.assertTrue(response["headers"]["Content-Type"].startswith("text/html"))

    def test_query_cookies_and_two_set_cookies(self):
        e = event("http-api-v2-query-cookies-body")
        e["cookies"] = ["session=abc", "theme=light"]
        response = self.invoke(e)
        body = self.json_body(response)
        self.assertEqual(body["parameter1"], ["value1", "value2"])
        self.assertEqual(body["parameter2"], "value")
        self.assertEqual(body["cookies"], {"session": "abc", "theme": "light"})
        self.assertEqual(body["body"], '{\r\n\t"a": 1\r\n}')
        self.assertEqual(body["header1"], "value1")
        self.assertEqual(body["remote_addr"], "IP")
        self.assertEqual(
            body["url"],
            "https://id.execute-api.us-east-1.amazonaws.com/my/path"
            "?parameter1=value1&parameter1=value2&parameter2=value",
        )
        self.assertEqual(len(response["cookies"]), 2)
        self.assertTrue(response["cookies"][0].startswith("session=s3cr3t"))
        self.assertTrue(response["cookies"][1].startswith("theme=dark"))

    def test_rest_api_post_json_routes_without_stage(self):
        response = self.invoke(event("rest-api-v1-post-proxy"))
        self.assertEqual(response["statusCode"], 200)
        body = self.json_body(response)
        self.assertEqual(body["name"], "world")
        # routed without the stage, which is the app's mount point
        self.assertEqual((body["path"], body["script_root"]), ("/hello/world", "/testStage"))
        self.assertEqual(body["json"], {"a": 1})
        self.assertEqual(body["args"], {"name": ["me"]})

    def test_rest_api_two_set_cookies(self):
        e = v1("/my/path")
        response = self.invoke(e)
        cookies = response["multiValueHeaders"]["Set-Cookie"]
        self.assertEqual([c.split("=")[0] for c in cookies], ["session", "theme"])

    def test_binary_and_not_found(self):
        response = self.invoke(v2("/logo.png"))
        self.assertTrue(response["isBase64Encoded"])
        self.assertEqual(base64.b64decode(response["body"]), PNG)
        self.assertEqual(self.invoke(v1("/missing"))["statusCode"], 404)


@unittest.skipUnless(HAVE_FASTAPI, "fastapi is not installed (Debian: python3-fastapi)")
class FastApiTest(AdapterTestCase):
    APP = "fastapi_app:app"

    def test_root(self):
        response = self.invoke(event("http-api-v2-get-root"))
        self.assertEqual(response["statusCode"], 200)
        self.assertEqual(self.json_body(response), {"message": "Hello from FastAPI"})

    def test_query_cookies_and_two_set_cookies(self):
        e = event("http-api-v2-query-cookies-body")
        e["cookies"] = ["session=abc", "theme=light"]
        response = self.invoke(e)
        body = self.json_body(response)
        self.assertEqual(body["parameter1"], ["value1", "value2"])
        self.assertEqual(body["session"], "abc")
        self.assertEqual(body["body"], '{\r\n\t"a": 1\r\n}')
        self.assertEqual(body["client"], "IP")
        self.assertTrue(body["url"].startswith("https://id.execute-api.us-east-1.amazonaws.com/my/path?"))
        self.assertEqual([c.split("=")[0] for c in response["cookies"]], ["session", "theme"])

    def test_rest_api_post_json_routes_without_stage(self):
        response = self.invoke(event("rest-api-v1-post-proxy"))
        self.assertEqual(response["statusCode"], 200)
        # routed as /hello/{name}; the URL the app sees carries the stage
        self.assertEqual(
            self.json_body(response),
            {"name": "world", "path": "/testStage/hello/world", "json": {"a": 1},
             "args": {"name": "me"}},
        )
        e = v1("/my/path")
        cookies = self.invoke(e)["multiValueHeaders"]["Set-Cookie"]
        self.assertEqual([c.split("=")[0] for c in cookies], ["session", "theme"])

    def test_binary_and_not_found(self):
        response = self.invoke(v2("/logo.png"))
        self.assertTrue(response["isBase64Encoded"])
        self.assertEqual(base64.b64decode(response["body"]), PNG)
        self.assertEqual(self.invoke(v2("/missing"))["statusCode"], 404)


@unittest.skipUnless(HAVE_STARLETTE, "starlette is not installed (Debian: python3-starlette)")
class StarletteLifespanTest(AdapterTestCase):
    APP = "starlette_app:app"

    def setUp(self):
        forget("starlette_app")
        super(StarletteLifespanTest, self).setUp()

    def test_lifespan_runs_once_and_state_survives(self):
        for _ in range(3):
            response = self.invoke(v2("/status"))
            self.assertEqual(response["statusCode"], 200)
            self.assertEqual(
                self.json_body(response), {"pool": "connection pool #1", "starts": 1}
            )
        module = sys.modules["starlette_app"]
        self.assertEqual(module.STOPS, [])
        self.adapter.shutdown()
        self.assertEqual((len(module.STARTS), len(module.STOPS)), (1, 1))


if __name__ == "__main__":
    unittest.main()
