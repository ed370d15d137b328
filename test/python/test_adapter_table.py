"""Table tests of runtime/python/_lambda_deploy_adapter.py, one table per
behaviour, each run across the front doors (HTTP API payload 2.0 on $default
and on a named stage, function URL, REST API payload 1.0 on execute-api and on
a custom domain, ALB with and without multi-value headers) and the frameworks
(Flask, Django WSGI and ASGI, FastAPI, plain WSGI/ASGI apps).

Run from the repository root:  python3 -m unittest discover -s test/python -v
"""

import base64
import contextlib
import copy
import gc
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import warnings
from unittest import mock
from urllib.parse import parse_qsl, quote, urlsplit

from test_adapter import ROOT, Context, _importable, event, forget, load_adapter

TEXT_BYTES = "caf\u00e9 \u2713".encode("utf-8")

HAVE = {
    "flask": _importable("flask"),
    "fastapi": _importable("fastapi"),
    "django": _importable("django"),
}

# The frameworks every table runs against: app spec, package it needs.
FRAMEWORKS = {
    "flask": ("flask_app:app", "flask"),
    "django": ("django_app:application", "django"),
    "django-asgi": ("django_app:asgi_application", "django"),
    "fastapi": ("fastapi_app:app", "fastapi"),
}

# ------------------------------------------------------------ front doors

# The public URL prefix each front door puts before the app's own path.
PREFIX = {
    "http-api": "",
    "http-api-stage": "/dev",
    "function-url": "",
    "rest-api": "/testStage",
    "rest-custom-domain": "",
    "alb": "",
    "alb-multi": "",
}
DOORS = tuple(PREFIX)
MULTI_VALUE_QUERY = {"http-api", "http-api-stage", "function-url", "rest-api",
                     "rest-custom-domain", "alb-multi"}


def _raw_pairs(query):
    return [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in query.split("&") if p]


def request(door, path="/", method="GET", query="", headers=None, cookies=None, body=None):
    """The event `door` sends for a request to PREFIX[door] + path.

    query: the query string as the client sent it (percent-encoded);
    headers: {name: value or [values]}; cookies: ["a=1", ...]; body: str.
    """
    headers = dict(headers or {})
    if door in ("http-api", "http-api-stage", "function-url"):
        name = {"http-api": "http-api-v2-get-root", "http-api-stage": "http-api-v2-named-stage",
                "function-url": "function-url-post"}[door]
        e = event(name)
        if door == "function-url":
            # as live function URL events carry it (the upstream sample has a placeholder)
            e["requestContext"]["domainName"] = "abcdefghij.lambda-url.us-west-2.on.aws"
            e["headers"]["host"] = e["requestContext"]["domainName"]
        public = PREFIX[door] + path
        e["rawPath"] = public
        e["requestContext"]["http"]["path"] = public
        e["requestContext"]["http"]["method"] = method
        e["rawQueryString"] = query
        joined = {}
        for k, v in parse_qsl(query, keep_blank_values=True):
            joined[k] = joined[k] + "," + v if k in joined else v
        if joined:
            e["queryStringParameters"] = joined
        else:
            e.pop("queryStringParameters", None)
        for k, v in headers.items():
            e["headers"][k.lower()] = ",".join(v) if isinstance(v, list) else v
        if cookies:
            e["cookies"] = list(cookies)
        else:
            e.pop("cookies", None)
        e["isBase64Encoded"] = False
        if body is None:
            e.pop("body", None)
        else:
            e["body"] = body
        return e
    if door in ("rest-api", "rest-custom-domain"):
        name = "rest-api-v1-post-proxy" if door == "rest-api" else "rest-api-v1-custom-domain"
        e = event(name)
        e["path"] = path
        e["httpMethod"] = e["requestContext"]["httpMethod"] = method
        e["requestContext"]["path"] = PREFIX[door] + path
        e["pathParameters"] = {"proxy": path.lstrip("/")} if path != "/" else None
        decoded = parse_qsl(query, keep_blank_values=True)
        multi = {}
        for k, v in decoded:
            multi.setdefault(k, []).append(v)
        e["multiValueQueryStringParameters"] = multi or None
        e["queryStringParameters"] = {k: vs[-1] for k, vs in multi.items()} or None
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        for k, v in headers.items():
            values = v if isinstance(v, list) else [v]
            e["multiValueHeaders"][k] = values
            e["headers"][k] = values[-1]
        if "Content-Type" not in headers:
            e["headers"].pop("Content-Type", None)
            e["multiValueHeaders"].pop("Content-Type", None)
        # The REST API lambda-deploy creates has binary media type */*: every
        # body arrives base64-encoded.
        e["body"] = None if body is None else base64.b64encode(body.encode()).decode()
        e["isBase64Encoded"] = body is not None
        return e
    if door in ("alb", "alb-multi"):
        e = event("alb-single-value" if door == "alb" else "alb-multi-value")
        e["httpMethod"] = method
        e["path"] = path
        # ALB passes keys and values as the client sent them, still encoded.
        raw = _raw_pairs(query)
        if cookies:
            headers["cookie"] = "; ".join(cookies)
        if door == "alb":
            e["queryStringParameters"] = dict(raw)  # the last value of a repeated key
            for k, v in headers.items():
                e["headers"][k.lower()] = v[-1] if isinstance(v, list) else v
        else:
            multi = {}
            for k, v in raw:
                multi.setdefault(k, []).append(v)
            e["multiValueQueryStringParameters"] = multi
            for k, v in headers.items():
                e["multiValueHeaders"][k.lower()] = v if isinstance(v, list) else [v]
        e["body"] = body or ""
        e["isBase64Encoded"] = False
        return e
    raise ValueError(door)


def host_of(door):
    e = request(door)
    if door in ("alb", "alb-multi"):
        return "http", (e.get("headers") or {}).get("host") or e["multiValueHeaders"]["host"][0]
    if door in ("rest-api", "rest-custom-domain"):
        return "https", e["headers"]["Host"]
    return "https", e["headers"].get("host") or e["requestContext"]["domainName"]


def unpack(response):
    """(status, {lower name: [values]}, body bytes) of any front door's response."""
    headers = {}
    for k, v in (response.get("headers") or {}).items():
        headers.setdefault(k.lower(), []).append(v)
    for k, vs in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(k.lower(), []).extend(vs)
    for cookie in response.get("cookies") or []:
        headers.setdefault("set-cookie", []).append(cookie)
    raw = response.get("body") or ""
    body = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode("utf-8")
    return response["statusCode"], headers, body


def check_shape(test, door, response):
    """The keys each front door accepts in a response, and nothing it rejects."""
    keys = set(response)
    if door.startswith("alb"):
        wanted = {"statusCode", "statusDescription", "body", "isBase64Encoded"}
        wanted.add("multiValueHeaders" if door == "alb-multi" else "headers")
        test.assertEqual(keys, wanted, door)
        code = response["statusCode"]
        test.assertTrue(response["statusDescription"].startswith("%d " % code), response)
    elif door.startswith("rest"):
        test.assertEqual(keys, {"statusCode", "headers", "multiValueHeaders", "body",
                                "isBase64Encoded"}, door)
    else:
        test.assertEqual(keys, {"statusCode", "headers", "cookies", "body", "isBase64Encoded"}, door)


# --------------------------------------------------------------- harness


class Adapters(object):
    """One adapter per (app, environment), reused across a table's rows the
    way one Lambda container serves many requests."""

    def __init__(self):
        self.loaded = {}

    def get(self, spec, env=None):
        """(adapter module, its environment)."""
        key = (spec, tuple(sorted((env or {}).items())))
        if key not in self.loaded:
            values = {"LAMBDA_DEPLOY_APP": spec}
            values.update(env or {})
            self.loaded[key] = (load_adapter(), values)
        return self.loaded[key]

    def shutdown(self):
        for adapter, _ in self.loaded.values():
            with contextlib.redirect_stderr(io.StringIO()):
                adapter.shutdown()
        self.loaded.clear()


class TableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.adapters = Adapters()

    @classmethod
    def tearDownClass(cls):
        cls.adapters.shutdown()

    def call(self, spec, e, env=None, context=None):
        """(response, stderr) of one invocation."""
        adapter, values = self.adapters.get(spec, env)
        err = io.StringIO()
        with mock.patch.dict(os.environ, values), contextlib.redirect_stderr(err), \
                warnings.catch_warnings():
            # Django 3.2's ASGI handler leaves a request's body file to the
            # collector: collect it here, where its warning is expected.
            warnings.simplefilter("ignore", ResourceWarning)
            response = adapter.handler(e, context or Context())
            if spec.startswith("django_app:asgi"):
                gc.collect(1)
        return response, err.getvalue()

    def frameworks(self, names=None):
        for name in names or FRAMEWORKS:
            spec, package = FRAMEWORKS[name]
            if HAVE[package]:
                yield name, spec

    def json_of(self, response):
        status, _, body = unpack(response)
        self.assertEqual(status, 200, body[:300])
        return json.loads(body)


# ------------------------------------------------------------ the tables


class MountPointTable(TableTest):
    """Where the public URL carries a prefix the event's path lacks (a REST
    stage on execute-api, a named HTTP API stage), the app is mounted there:
    url_for, redirects, trailing-slash redirects and FastAPI's docs work."""

    # The path each framework reports: Flask's request.path leaves the mount
    # point out, Django's and Starlette's request URL keep it in.
    PATH_HAS_ROOT = {"flask": False, "django": True, "django-asgi": True, "fastapi": True}

    def test_url_for_redirects_and_slash_redirects(self):
        rows = 0
        for door in DOORS:
            scheme, host = host_of(door)
            prefix = PREFIX[door]
            for name, spec in self.frameworks():
                with self.subTest(door=door, app=name):
                    response, err = self.call(spec, request(door, "/where"))
                    check_shape(self, door, response)
                    where = self.json_of(response)
                    self.assertEqual(where["root"], prefix)
                    want_path = prefix + "/where" if self.PATH_HAS_ROOT[name] else "/where"
                    self.assertEqual(where["path"], want_path)
                    self.assertEqual(where["self"], "%s://%s%s/where" % (scheme, host, prefix))

                    status, headers, _ = unpack(self.call(spec, request(door, "/go"))[0])
                    self.assertIn(status, (301, 302, 303, 307, 308))
                    self.assertEqual(urlsplit(headers["location"][0]).path, prefix + "/where")

                    status, headers, _ = unpack(self.call(spec, request(door, "/items"))[0])
                    self.assertIn(status, (301, 302, 307, 308))
                    self.assertEqual(urlsplit(headers["location"][0]).path, prefix + "/items/")
                    rows += 1
        self.assertGreaterEqual(rows, len(DOORS) * 3)

    @unittest.skipUnless(HAVE["fastapi"], "fastapi is not installed (Debian: python3-fastapi)")
    def test_fastapi_docs_load_their_openapi_document(self):
        for door in DOORS:
            with self.subTest(door=door):
                response, _ = self.call("fastapi_app:app", request(door, "/docs"))
                status, headers, body = unpack(response)
                self.assertEqual(status, 200)
                self.assertIn("text/html", headers["content-type"][0])
                openapi = PREFIX[door] + "/openapi.json"
                self.assertIn("url: '%s'" % openapi, body.decode())
                # the page's document, fetched at the path the page names
                path = openapi[len(PREFIX[door]):]
                document = self.json_of(self.call("fastapi_app:app", request(door, path))[0])
                self.assertIn("/where", document["paths"])

    def test_plain_wsgi_and_asgi_apps_see_script_name_and_root_path(self):
        for door in DOORS:
            prefix = PREFIX[door]
            with self.subTest(door=door, app="wsgi"):
                echo = self.json_of(self.call("wsgi_echo_app:app", request(door, "/caf%C3%A9"))[0])
                self.assertEqual((echo["script_name"], echo["path"]), (prefix, "/caf\u00c3\u00a9"))
            with self.subTest(door=door, app="asgi"):
                # ASGI spec: path is the full path, root_path its mount point.
                status, _, body = unpack(self.call("asgi_echo_app:app", request(door, "/caf%C3%A9"))[0])
                self.assertEqual(status, 201)
                echo = json.loads(body)
                self.assertEqual(echo["root_path"], prefix)
                self.assertEqual(echo["path"], prefix + "/caf\u00e9")
                self.assertEqual(echo["raw_path"], prefix + "/caf%C3%A9")

    def test_mount_point_is_not_guessed_where_the_url_has_none(self):
        # A named stage seen through a custom domain is not in the URL; a
        # route that happens to start with the stage's name stays a route.
        e = request("http-api-stage", "/where")
        e["requestContext"]["domainName"] = "api.example.com"
        e["headers"]["host"] = "api.example.com"
        echo = self.json_of(self.call("wsgi_echo_app:app", e)[0])
        self.assertEqual((echo["script_name"], echo["path"]), ("", "/dev/where"))
        # $default stage: nothing to strip even when the path starts alike.
        echo = self.json_of(self.call("wsgi_echo_app:app", request("http-api", "/dev/where"))[0])
        self.assertEqual((echo["script_name"], echo["path"]), ("", "/dev/where"))


class HeadersMergeTable(TableTest):
    """A REST event carries headers twice: a header in only one of
    `headers` and `multiValueHeaders` is kept, one in both is not doubled."""

    ROWS = [
        # (case, headers, multiValueHeaders, expected lower-case header values)
        ("only in headers", {"X-Only-Single": "s"}, {}, {"x-only-single": "s"}),
        ("only in multiValueHeaders", {}, {"X-Only-Multi": ["m1", "m2"]}, {"x-only-multi": "m1,m2"}),
        ("in both: multiValueHeaders wins", {"X-Both": "second"}, {"X-Both": ["first", "second"]},
         {"x-both": "first,second"}),
        ("in both, cased differently", {"x-case": "once"}, {"X-Case": ["once"]}, {"x-case": "once"}),
        ("multiValueHeaders null", {"X-Single": "kept"}, None, {"x-single": "kept"}),
    ]

    def test_headers_in_either_map_are_kept(self):
        for door in ("rest-api", "rest-custom-domain"):
            for case, single, multi, want in self.ROWS:
                e = request(door, "/echo")
                e["headers"].update(single)
                if multi is None:
                    e["multiValueHeaders"] = None
                else:
                    e["multiValueHeaders"].update(multi)
                for name, spec in self.frameworks():
                    with self.subTest(door=door, case=case, app=name):
                        echo = self.json_of(self.call(spec, e)[0])
                        for header, value in want.items():
                            self.assertEqual(echo["headers"].get(header), value)
                        # the fixture's own headers survive too
                        self.assertEqual(echo["headers"].get("headername"), "headerValue")


class QueryTable(TableTest):
    """Query strings reach the app decoded exactly once, whichever front door
    parsed them: ALB leaves keys and values encoded, so the adapter must not
    encode them again; REST API decodes them; HTTP API passes the raw string."""

    ROWS = [
        # (query as the client sent it, what the app reads)
        ("key=hello", {"key": ["hello"]}),
        ("q=a%20b", {"q": ["a b"]}),
        ("q=a+b", {"q": ["a b"]}),
        ("q=1%2B1", {"q": ["1+1"]}),
        ("path=%2Fsome%2Fpath%2F", {"path": ["/some/path/"]}),
        ("next=%3FshowAll%3Dtrue", {"next": ["?showAll=true"]}),
        ("q=caf%C3%A9", {"q": ["caf\u00e9"]}),
        ("%E6%B8%AC%E8%A9%A6=%E3%83%86", {"\u6e2c\u8a66": ["\u30c6"]}),
        ("amp=a%26b&eq=c%3Dd", {"amp": ["a&b"], "eq": ["c=d"]}),
        ("empty=", {"empty": [""]}),
        ("tag=a&tag=b", {"tag": ["a", "b"]}),
    ]

    def test_each_value_is_decoded_once(self):
        rows = 0
        for door in DOORS:
            for query, want in self.ROWS:
                if door not in MULTI_VALUE_QUERY:
                    # single-value ALB: a repeated key keeps its last value
                    want = {k: vs[-1:] for k, vs in want.items()}
                for name, spec in self.frameworks(("flask", "django", "fastapi")):
                    with self.subTest(door=door, query=query, app=name):
                        echo = self.json_of(self.call(spec, request(door, "/echo", query=query))[0])
                        self.assertEqual(echo["query"], want)
                        rows += 1
        self.assertGreater(rows, 0)


class AlbResponseTable(TableTest):
    """ALB target groups: statusDescription, and the header map the event's
    multi-value mode asks for (several Set-Cookie need multi-value mode)."""

    def test_status_description_and_header_map_follow_the_event(self):
        for door in ("alb", "alb-multi"):
            for name, spec in self.frameworks():
                with self.subTest(door=door, app=name):
                    response, err = self.call(spec, request(door, "/cookies"))
                    check_shape(self, door, response)
                    self.assertEqual(response["statusDescription"], "200 OK")
                    status, headers, body = unpack(response)
                    self.assertEqual((status, body), (200, b"ok"))
                    cookies = [c.split(";")[0] for c in headers["set-cookie"]]
                    if door == "alb-multi":
                        self.assertEqual(cookies, ["a=1", "b=2"])
                        self.assertEqual(err, "")
                    else:
                        # one value per name: the last cookie, and a log line saying how to get all
                        self.assertEqual(cookies, ["b=2"])
                        self.assertIn("lambda.multi_value_headers.enabled", err)

                    response, _ = self.call(spec, request(door, "/no-such-page"))
                    check_shape(self, door, response)
                    self.assertEqual((response["statusCode"], response["statusDescription"]),
                                     (404, "404 Not Found"))

    def test_health_check_event_is_served(self):
        for name, spec in self.frameworks(("flask",)):
            response, _ = self.call(spec, event("alb-health-check"))
            check_shape(self, "alb", response)
            self.assertEqual(unpack(response)[:1], (200,))

    def test_query_values_are_not_encoded_twice(self):
        # The raw query the app sees, byte for byte as the client sent it.
        for door in ("alb", "alb-multi"):
            e = request(door, "/x", query="q=a%20b&r=x+y&s=%2F")
            echo = self.json_of(self.call("wsgi_echo_app:app", e)[0])
            self.assertEqual(echo["query_string"], "q=a%20b&r=x+y&s=%2F")


class TextTypesTable(TableTest):
    """Text types go back as text, everything else base64; gzip (any
    Content-Encoding) is always binary; LAMBDA_DEPLOY_TEXT_TYPES adds types."""

    ROWS = [
        # (content type, content encoding, LAMBDA_DEPLOY_TEXT_TYPES, base64?)
        ("text/html; charset=utf-8", "", "", False),
        ("text/csv", "", "", False),
        ("application/json", "", "", False),
        ("application/javascript", "", "", False),
        ("application/xml", "", "", False),
        ("image/svg+xml", "", "", False),
        ("application/vnd.api+json", "", "", False),
        ("application/problem+json", "", "", False),
        ("application/x-yaml", "", "", True),
        ("application/x-yaml", "", "application/x-yaml", False),
        ("application/vnd.acme+yaml", "", "text/*, application/*+yaml", False),
        ("application/octet-stream", "", "", True),
        ("text/plain; charset=iso-8859-1", "", "", True),
        ("application/json", "gzip", "", True),
        ("text/plain", "br", "", True),
        ("application/x-yaml", "gzip", "application/x-yaml", True),
    ]

    def test_text_or_base64(self):
        for door in ("http-api", "rest-api", "alb", "alb-multi"):
            for content_type, encoding, extra, want_b64 in self.ROWS:
                query = "type=%s" % quote(content_type, safe="")
                if encoding:
                    query += "&encoding=" + encoding
                env = {"LAMBDA_DEPLOY_TEXT_TYPES": extra} if extra else None
                for name, spec in self.frameworks(("flask", "django", "fastapi")):
                    with self.subTest(door=door, type=content_type, encoding=encoding,
                                      extra=extra, app=name):
                        response, _ = self.call(spec, request(door, "/bytes", query=query), env)
                        check_shape(self, door, response)
                        self.assertIs(response["isBase64Encoded"], want_b64)
                        self.assertEqual(unpack(response)[2], TEXT_BYTES)

    def test_malformed_extra_type_is_ignored_with_a_warning(self):
        env = {"LAMBDA_DEPLOY_TEXT_TYPES": "yaml, application/x-yaml"}
        for name, spec in self.frameworks(("flask",)):
            response, err = self.call(spec, request("http-api", "/bytes", query="type=application/x-yaml"), env)
            self.assertIs(response["isBase64Encoded"], False)
            self.assertIn('LAMBDA_DEPLOY_TEXT_TYPES: "yaml" is not a media type', err)

    def test_an_item_with_spaces_is_ignored_with_a_warning(self):
        # What a YAML block scalar keeps of a "# comment": "application/x-yaml  # returned as text".
        env = {"LAMBDA_DEPLOY_TEXT_TYPES": "application/x-yaml  # as text, on top of text/*"}
        for name, spec in self.frameworks(("flask",)):
            response, err = self.call(spec, request("http-api", "/bytes", query="type=application/x-yaml"), env)
            self.assertIs(response["isBase64Encoded"], True)
            self.assertIn('"application/x-yaml  # as text" is not a media type', err)
            self.assertIn('"on top of text/*" is not a media type', err)


class RemoteUserTable(TableTest):
    """REMOTE_USER (WSGI) and scope["lambda.remote_user"] (ASGI): the
    authorizer's principal, the JWT's sub, or the IAM caller."""

    @staticmethod
    def _at_echo(e):
        if "rawPath" in e:
            e["rawPath"] = e["requestContext"]["http"]["path"] = "/echo"
            e["requestContext"]["http"]["method"] = "GET"
        else:
            e["path"] = "/echo"
            e["httpMethod"] = "GET"
            e["requestContext"]["path"] = "/%s/echo" % e["requestContext"].get("stage", "")
        e["body"] = None
        e["isBase64Encoded"] = False
        return e

    def _jwt(self):
        e = event("http-api-v2-jwt-authorizer")
        e["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = "user-7f3a"
        return e

    def rows(self):
        return [
            ("REST Lambda authorizer principalId", event("rest-api-v1-post-proxy"), "admin"),
            ("REST Cognito authorizer claims.sub", event("rest-api-v1-cognito-authorizer"),
             "7d4e5f60-1a2b-4c3d-8e9f-0a1b2c3d4e5f"),
            ("HTTP API JWT authorizer sub", self._jwt(), "user-7f3a"),
            ("HTTP API IAM caller", event("http-api-v2-iam"), "arn:aws:iam::1234567890:user/Admin"),
            ("HTTP API without authorizer", event("http-api-v2-get-root"), None),
            ("ALB", request("alb", "/echo"), None),
        ]

    def test_remote_user(self):
        for case, e, want in self.rows():
            e = self._at_echo(copy.deepcopy(e))
            for name, spec in self.frameworks(("flask", "django", "fastapi")):
                with self.subTest(case=case, app=name):
                    echo = self.json_of(self.call(spec, e)[0])
                    self.assertEqual(echo["remote_user"], want)


class RawEventTable(TableTest):
    """The raw event and the Lambda context are reachable from the app under
    the documented keys (plus the names serverless-wsgi/apig-wsgi/Mangum use)."""

    PEER_KEYS = {"flask": ["serverless.event", "apig_wsgi.full_event"],
                 "django": ["serverless.event", "apig_wsgi.full_event"],
                 "django-asgi": [],
                 "fastapi": ["aws.event", "aws.context"]}

    def test_event_and_context_keys(self):
        for door in DOORS:
            e = request(door, "/echo")
            for name, spec in self.frameworks():
                with self.subTest(door=door, app=name):
                    echo = self.json_of(self.call(spec, e)[0])
                    self.assertEqual(echo["event_keys"], sorted(e))
                    self.assertEqual(echo["request_id"], "req-123")
                    self.assertEqual(echo["peer_keys"], self.PEER_KEYS[name])


class PingTable(TableTest):
    """Warm-up and scheduled pings are answered without importing the app,
    and never raise, whatever else is wrong."""

    class PluginContext(Context):
        class client_context(object):
            custom = {"source": "serverless-plugin-warmup"}

    ROWS = [
        # (case, event, context, logged)
        ("lambda-deploy keep-warm", {"lambda-deploy": "warmup"}, None, False),
        ("serverless-plugin-warmup payload", "serverless-plugin-warmup", None, True),
        ("EventBridge schedule", "eventbridge-scheduled", None, True),
        ("serverless-plugin-warmup client context", {"payload": "anything"}, PluginContext(), True),
    ]

    def setUp(self):
        forget("must_not_import")

    def test_pings(self):
        for case, e, context, logged in self.ROWS:
            e = event(e) if isinstance(e, str) else e
            for env in ({}, {"LAMBDA_DEPLOY_LIFESPAN": "nonsense"}):
                with self.subTest(case=case, env=env):
                    response, err = self.call("must_not_import:app", e, env, context)
                    self.assertEqual(response, {"warm": True})
                    self.assertNotIn("must_not_import", sys.modules)
                    if logged:
                        self.assertIn("warm-up ping from", err)
                        self.assertIn("the app was not called", err)
                    else:
                        self.assertEqual(err, "")


class UnknownEventTable(TableTest):
    """Events no front door sends: logged with their keys, answered with a
    500-shaped response, the app untouched."""

    ROWS = [
        ("S3 notification", {"Records": [{"eventSource": "aws:s3", "s3": {}}]}, "['Records']"),
        ("custom EventBridge event", {"source": "my.app", "detail-type": "OrderPlaced",
                                      "detail": {"secret": "do-not-log"}},
         "['detail', 'detail-type', 'source']"),
        ("WebSocket connect", {"requestContext": {"eventType": "CONNECT", "connectionId": "x"}},
         "['requestContext']"),
        ("empty object", {}, "[]"),
        ("null", None, "NoneType"),
        ("list", [1, 2], "list"),
        ("string", "ping", "str"),
    ]

    def setUp(self):
        forget("must_not_import")

    def test_unknown_events(self):
        for case, e, keys in self.ROWS:
            with self.subTest(case=case):
                response, err = self.call("must_not_import:app", e)
                self.assertEqual(response["statusCode"], 500)
                self.assertFalse(response["isBase64Encoded"])
                self.assertIn("logs", response["body"])
                self.assertIn(keys, err)
                self.assertIn("the app was not called", err)
                self.assertNotIn("do-not-log", err)  # keys only, never values
                self.assertNotIn("must_not_import", sys.modules)


class AsgiProtocolTable(TableTest):
    """An ASGI response the app never completes, or that breaks the protocol,
    is a 500 with a log line; a message after a complete response is logged
    and the response stands, as on a server."""

    OFF = {"LAMBDA_DEPLOY_LIFESPAN": "off"}
    ROWS = [
        # (app, status, body or None, log snippet)
        ("well_behaved", 200, b"hello world", None),
        ("start_only", 500, None, "without completing its response"),
        ("more_body_forever", 500, None, "without completing its response"),
        ("second_start", 500, None, "'http.response.start' after http.response.start"),
        ("swallows_protocol_error", 500, None, "broke the HTTP protocol"),
        ("body_before_start", 500, None, "'http.response.body' before http.response.start"),
        ("silent", 500, None, "without sending http.response.start"),
        ("raises_before_start", 500, None, "kaput before start"),
        ("raises_after_start", 500, None, "kaput after start"),
        ("late_message", 200, b"complete", "after its response"),
        ("answers_then_raises", 500, b"the app's own error page", "kaput, answered"),
    ]

    def test_protocol(self):
        for door in ("http-api", "function-url", "rest-api", "alb", "alb-multi"):
            for app, status, body, log in self.ROWS:
                with self.subTest(door=door, app=app):
                    spec = "asgi_protocol_apps:" + app
                    response, err = self.call(spec, request(door, "/x"), self.OFF)
                    check_shape(self, door, response)
                    got_status, _, got_body = unpack(response)
                    self.assertEqual(got_status, status, err)
                    if body is not None:
                        self.assertEqual(got_body, body)
                    if log is None:
                        self.assertEqual(err, "")
                    else:
                        self.assertIn(log, err)


class LifespanTable(TableTest):
    """Lifespan auto/on/off (LAMBDA_DEPLOY_LIFESPAN): startup that never
    finishes or answers wrongly fails within a bounded time with a clear log."""

    TIMEOUT = "0.3"
    ROWS = [
        # (app, mode, status, state the request sees, log snippet)
        ("good", "auto", 200, "[('db', 'ready')]", None),
        ("good", "on", 200, "[('db', 'ready')]", None),
        ("good", "off", 200, "None", None),
        ("hangs", "auto", 500, None, "did not finish within 0.3 seconds"),
        ("hangs", "on", 500, None, "did not finish within 0.3 seconds"),
        ("hangs", "off", 200, "None", None),
        ("answers_shutdown_complete", "auto", 500, None,
         "answered 'lifespan.shutdown.complete' instead of lifespan.startup.complete"),
        ("answers_http", "on", 500, None, "answered 'http.response.start'"),
        ("fails", "auto", 500, None, "lifespan startup failed: no database"),
        ("raises_first", "auto", 200, "None", "does not support lifespan (it raised ValueError"),
        ("raises_first", "on", 500, None, "LAMBDA_DEPLOY_LIFESPAN=on, but the ASGI app raised"),
        ("raises_after_receive", "auto", 500, None, "raised RuntimeError: db down during lifespan"),
        ("returns_after_receive", "auto", 200, "None", "does not support lifespan (it returned)"),
        ("returns_after_receive", "on", 500, None, "without answering lifespan.startup"),
    ]

    def setUp(self):
        forget("lifespan_apps")

    def test_modes(self):
        for app, mode, status, state, log in self.ROWS:
            with self.subTest(app=app, mode=mode):
                env = {"LAMBDA_DEPLOY_LIFESPAN": mode, "LAMBDA_DEPLOY_LIFESPAN_TIMEOUT": self.TIMEOUT}
                started = time.monotonic()
                response, err = self.call("lifespan_apps:" + app, request("http-api", "/"), env)
                elapsed = time.monotonic() - started
                self.assertLess(elapsed, 2.0)  # bounded, far below any Lambda timeout
                got_status, _, body = unpack(response)
                self.assertEqual(got_status, status, err)
                if state is not None:
                    self.assertEqual(body.decode(), state)
                else:
                    self.assertIn("could not be started", body.decode())
                if log is None:
                    self.assertEqual(err, "")
                else:
                    self.assertIn(log, err)
        self.assertEqual(sys.modules["lifespan_apps"].EVENTS.get("good"), ["lifespan.startup"] * 2)

    def test_failed_startup_is_retried_on_the_next_request(self):
        env = {"LAMBDA_DEPLOY_LIFESPAN_TIMEOUT": self.TIMEOUT}
        for _ in range(2):
            response, err = self.call("lifespan_apps:hangs", request("rest-api", "/"), env)
            self.assertEqual(response["statusCode"], 500)
            self.assertIn("LAMBDA_DEPLOY_LIFESPAN_TIMEOUT=", err)
        self.assertEqual(sys.modules["lifespan_apps"].EVENTS["hangs"], ["startup-begun"] * 2)

    def test_startup_bound_by_the_invocations_remaining_time(self):
        class ShortContext(Context):
            def get_remaining_time_in_millis(self):
                return 1400  # 1.4 s left: startup may take 0.4 s, leaving 1 s to answer

        started = time.monotonic()
        response, err = self.call("lifespan_apps:hangs", request("http-api", "/"), None,
                                  ShortContext())
        self.assertLess(time.monotonic() - started, 1.2)
        self.assertEqual(response["statusCode"], 500)
        self.assertIn("did not finish within 0.4 seconds", err)

    def test_receive_after_shutdown_waits_instead_of_spinning(self):
        adapter, _ = self.adapters.get("lifespan_apps:loops_on_receive")
        response, _ = self.call("lifespan_apps:loops_on_receive", request("http-api", "/"))
        self.assertEqual(response["statusCode"], 200)
        started = time.monotonic()
        with contextlib.redirect_stderr(io.StringIO()):
            adapter.shutdown()
        self.assertLess(time.monotonic() - started, 1.5)
        # startup, shutdown, then one receive() that waited until cancelled
        self.assertEqual(sys.modules["lifespan_apps"].EVENTS["loops_on_receive"],
                         ["lifespan.startup", "lifespan.shutdown"])

    def test_state_survives_between_invocations(self):
        for door in DOORS:
            response, _ = self.call("lifespan_apps:good", request(door, "/"))
            self.assertEqual(unpack(response)[2], b"[('db', 'ready')]", door)
        self.assertEqual(sys.modules["lifespan_apps"].EVENTS["good"], ["lifespan.startup"])


class BasePathTable(TableTest):
    """LAMBDA_DEPLOY_BASE_PATH: a custom domain's base path mapping is taken
    off the path and becomes (part of) the mount point."""

    def _custom_domain(self, door, path):
        if door == "rest-custom-domain":
            return request(door, path)
        e = request("http-api", path)  # an HTTP API $default stage behind api.example.com
        e["requestContext"]["domainName"] = "api.example.com"
        e["requestContext"]["domainPrefix"] = "api"
        e["headers"]["host"] = "api.example.com"
        return e

    def test_base_path(self):
        for raw, base in (("shop", "/shop"), ("/shop/", "/shop"), ("api/v1", "/api/v1")):
            env = {"LAMBDA_DEPLOY_BASE_PATH": raw}
            for door in ("rest-custom-domain", "http-api-custom-domain"):
                for name, spec in self.frameworks(("flask", "django", "fastapi")):
                    with self.subTest(base=raw, door=door, app=name):
                        e = self._custom_domain(door, base + "/where")
                        where = self.json_of(self.call(spec, e, env)[0])
                        self.assertEqual(where["root"], base)
                        self.assertEqual(where["self"], "https://api.example.com%s/where" % base)

    def test_paths_without_the_base_path_are_left_alone(self):
        env = {"LAMBDA_DEPLOY_BASE_PATH": "shop"}
        for door, path, want in (
            ("rest-api", "/where", ("/testStage", "/where")),  # execute-api: the stage only
            ("http-api", "/shopping", ("", "/shopping")),  # a prefix of a segment is no match
            ("http-api", "/shop", ("/shop", "/")),
        ):
            with self.subTest(door=door, path=path):
                echo = self.json_of(self.call("wsgi_echo_app:app", request(door, path), env)[0])
                self.assertEqual((echo["script_name"], echo["path"]), want)


class SettingsTable(TableTest):
    """A malformed setting is a clear start-up error naming the variable,
    quoting the value and stating the expected form."""

    ROWS = [
        ({"LAMBDA_DEPLOY_LIFESPAN": "maybe"}, 'LAMBDA_DEPLOY_LIFESPAN="maybe": expected auto, on or off'),
        ({"LAMBDA_DEPLOY_LIFESPAN_TIMEOUT": "soon"},
         'LAMBDA_DEPLOY_LIFESPAN_TIMEOUT="soon": expected a number of seconds'),
        ({"LAMBDA_DEPLOY_LIFESPAN_TIMEOUT": "0"}, 'LAMBDA_DEPLOY_LIFESPAN_TIMEOUT="0"'),
        # What a YAML block scalar keeps of a "# comment".
        ({"LAMBDA_DEPLOY_BASE_PATH": "api   # the mapping"},
         'LAMBDA_DEPLOY_BASE_PATH="api   # the mapping": expected a path without spaces'),
    ]

    def test_malformed_settings(self):
        for env, message in self.ROWS:
            for door in ("http-api", "rest-api", "alb"):
                with self.subTest(env=env, door=door):
                    values = {"LAMBDA_DEPLOY_APP": "wsgi_echo_app:app"}
                    values.update(env)
                    with mock.patch.dict(os.environ, values):
                        adapter = load_adapter()
                        err = io.StringIO()
                        with contextlib.redirect_stderr(err):
                            response = adapter.handler(request(door, "/"), Context())
                    check_shape(self, door, response)
                    self.assertEqual(response["statusCode"], 500)
                    self.assertIn("could not be started (LAMBDA_DEPLOY_APP=wsgi_echo_app:app)",
                                  response["body"])
                    self.assertIn(message, err.getvalue())


@unittest.skipUnless(HAVE["django"], "django is not installed (Debian: python3-django)")
class DjangoExampleTest(unittest.TestCase):
    """examples/django-app, served by the adapter the way the action packages
    it (`app: mysite.wsgi:application`), behind a REST API stage: in its own
    process, since Django settings are per process."""

    SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import _lambda_deploy_adapter as adapter

def call(event):
    return adapter.handler(event, None)

rest = json.load(open(sys.argv[2]))
out = {}
for path in ("/", "/hello/Ada", "/old-hello", "/hello"):
    event = dict(rest, path=path, httpMethod="GET", body=None, isBase64Encoded=False,
                 queryStringParameters=None, multiValueQueryStringParameters=None)
    event["requestContext"] = dict(rest["requestContext"], path="/testStage" + path)
    out[path] = call(event)
print(json.dumps(out))
"""

    def test_example_serves_behind_a_rest_stage(self):
        package = tempfile.mkdtemp(prefix="django-example-")
        self.addCleanup(shutil.rmtree, package)
        shutil.copytree(os.path.join(ROOT, "examples", "django-app"), package, dirs_exist_ok=True)
        shutil.copy(os.path.join(ROOT, "runtime", "python", "_lambda_deploy_adapter.py"), package)
        env = dict(os.environ, LAMBDA_DEPLOY_APP="mysite.wsgi:application",
                   PYTHONDONTWRITEBYTECODE="1")
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.pop("DJANGO_ALLOWED_HOSTS", None)
        done = subprocess.run(
            [sys.executable, "-c", self.SCRIPT, package,
             os.path.join(ROOT, "test", "python", "events", "rest-api-v1-post-proxy.json")],
            capture_output=True, text=True, env=env, timeout=60,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        out = json.loads(done.stdout)
        self.assertEqual(out["/"]["statusCode"], 200, out["/"])
        self.assertIn("Hello from Django on Lambda", out["/"]["body"])
        hello = json.loads(out["/hello/Ada"]["body"])
        self.assertEqual(hello["greeting"], "Hello, Ada!")
        self.assertEqual(hello["url"],
                         "https://gy415nuibc.execute-api.us-east-1.amazonaws.com/testStage/hello/Ada")
        self.assertEqual(out["/old-hello"]["statusCode"], 302)
        self.assertEqual(out["/old-hello"]["headers"]["Location"], "/testStage/hello/world")
        self.assertEqual(out["/hello"]["statusCode"], 301)  # APPEND_SLASH: /hello -> /hello/
        self.assertEqual(out["/hello"]["headers"]["Location"], "/testStage/hello/")


if __name__ == "__main__":
    unittest.main()
