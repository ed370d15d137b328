"""lambda-deploy adapter: serves a WSGI or ASGI app on AWS Lambda, unchanged.

Copied by lambda-deploy into the package root; the function's handler is
``_lambda_deploy_adapter.handler``. The app is named ``module:attribute`` in
the environment variable LAMBDA_DEPLOY_APP, or else under "app" in
``_lambda_deploy_settings.json`` next to this file.

Standard library only; must run on Python 3.9 and newer (no match statements,
no ``X | Y`` annotations evaluated at run time).
"""

import asyncio
import atexit
import base64
import importlib
import inspect
import io
import json
import os
import sys
import traceback
from urllib.parse import quote, unquote_to_bytes, urlencode

ENV_VAR = "LAMBDA_DEPLOY_APP"
SETTINGS_FILE = "_lambda_deploy_settings.json"
WARMUP_KEY = "lambda-deploy"
WARMUP_VALUE = "warmup"

_HERE = os.path.dirname(os.path.abspath(__file__))

# Media types returned as UTF-8 text; every other type goes back base64.
_TEXT_TYPES = frozenset(
    [
        "application/json",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "application/xml",
        "application/x-www-form-urlencoded",
    ]
)
# Characters that may stand literally in an encoded URL path ('%' included,
# so escapes already present are kept as they are).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?[]"


class StartupError(Exception):
    """The app named by LAMBDA_DEPLOY_APP could not be imported or started."""


# ---------------------------------------------------------------- the request


class _Request(object):
    """A front-door event reduced to what both WSGI and ASGI need."""

    def __init__(self, event, context):
        self.event = event
        self.context = context
        self.version = "1.0"
        self.method = "GET"
        self.raw_path = "/"  # percent-encoded str
        self.query_string = ""  # percent-encoded str
        self.headers = []  # [(lower-case name, value)]
        self.cookies = []  # values of the Cookie header(s)
        self.body = b""
        self.source_ip = ""
        self.protocol = "HTTP/1.1"
        self.domain_name = ""

    def header(self, name, default=None):
        for key, value in self.headers:
            if key == name:
                return value
        return default

    @property
    def path_bytes(self):
        return unquote_to_bytes(self.raw_path)

    @property
    def scheme(self):
        proto = self.header("x-forwarded-proto")
        if proto:
            return proto.split(",")[0].strip().lower() or "https"
        return "https"

    def server(self):
        """(host, port) from Host / X-Forwarded-Port / the domain name."""
        host = self.header("host") or self.domain_name or "localhost"
        port = None
        if host.startswith("["):  # IPv6 literal
            end = host.find("]")
            if end != -1 and host[end + 1 : end + 2] == ":":
                port = host[end + 2 :]
            host = host[: end + 1] if end != -1 else host
        elif ":" in host:
            host, port = host.rsplit(":", 1)
        forwarded = self.header("x-forwarded-port")
        if forwarded:
            port = forwarded.split(",")[0].strip()
        if not port or not port.isdigit():
            port = "443" if self.scheme == "https" else "80"
        return host, int(port)


def _is_warmup(event):
    return isinstance(event, dict) and event.get(WARMUP_KEY) == WARMUP_VALUE


def _event_version(event):
    """'2.0' (HTTP API, function URL), '1.0' (REST API) or None."""
    if not isinstance(event, dict):
        return None
    if event.get("version") == "2.0" or "rawPath" in event:
        return "2.0"
    if "httpMethod" in event:
        return "1.0"
    return None


def _body_bytes(event):
    body = event.get("body")
    if body is None:
        return b""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    if isinstance(body, bytes):
        return body
    return body.encode("utf-8")


def _encoded_path(path):
    # HTTP API hands the path over decoded, REST APIs and function URLs
    # percent-encoded: escape only what cannot stand in an encoded path.
    return quote(path or "/", safe=_PATH_SAFE)


def _parse_request(event, context, version):
    req = _Request(event, context)
    req.version = version
    rc = event.get("requestContext") or {}
    req.domain_name = rc.get("domainName") or ""
    req.body = _body_bytes(event)

    if version == "2.0":
        http = rc.get("http") or {}
        req.method = (http.get("method") or "GET").upper()
        req.raw_path = _encoded_path(event.get("rawPath") or http.get("path"))
        raw_query = event.get("rawQueryString")
        if raw_query is None and event.get("queryStringParameters"):
            raw_query = urlencode(event["queryStringParameters"])
        req.query_string = quote(raw_query or "", safe=_QUERY_SAFE)
        req.source_ip = http.get("sourceIp") or ""
        req.protocol = http.get("protocol") or "HTTP/1.1"
        # 2.0 already joins repeated headers with commas.
        pairs = [(k, v) for k, v in (event.get("headers") or {}).items()]
        req.cookies = [c for c in (event.get("cookies") or []) if c]
        if req.cookies:  # the same cookies, should a Cookie header come too
            pairs = [(k, v) for k, v in pairs if str(k).lower() != "cookie"]
    else:
        req.method = (event.get("httpMethod") or "GET").upper()
        # `path` has no stage prefix (requestContext.path has it): the app
        # sees its own routes.
        req.raw_path = _encoded_path(event.get("path"))
        multi_query = event.get("multiValueQueryStringParameters")
        if multi_query:
            req.query_string = urlencode(
                [(k, v) for k, vs in multi_query.items() for v in (vs or [])]
            )
        elif event.get("queryStringParameters"):
            req.query_string = urlencode(event["queryStringParameters"])
        identity = rc.get("identity") or {}
        req.source_ip = identity.get("sourceIp") or ""
        req.protocol = rc.get("protocol") or "HTTP/1.1"
        multi_headers = event.get("multiValueHeaders")
        if multi_headers:
            pairs = [(k, v) for k, vs in multi_headers.items() for v in (vs or [])]
        else:
            pairs = [(k, v) for k, v in (event.get("headers") or {}).items()]

    for name, value in pairs:
        if value is None:
            continue
        lower = str(name).lower()
        value = str(value)
        if lower == "cookie":
            req.cookies.append(value)
        elif lower in ("content-length", "transfer-encoding"):
            continue  # replaced by the real length of the decoded body
        else:
            req.headers.append((lower, value))
    if req.body or req.method in ("POST", "PUT", "PATCH"):
        req.headers.append(("content-length", str(len(req.body))))
    return req


# -------------------------------------------------------------- the response


def _is_text(content_type):
    parts = [p.strip() for p in (content_type or "").split(";")]
    mime = parts[0].lower()
    for param in parts[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower().replace("_", "-")
            if charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
                return False  # bytes in another charset survive only as base64
    if not mime:
        return None  # unknown: decide by content
    return (
        mime.startswith("text/")
        or mime in _TEXT_TYPES
        or mime.endswith("+json")
        or mime.endswith("+xml")
    )


def _encode_body(body, content_type, content_encoding):
    """(body str, isBase64Encoded) for the front door."""
    if not body:
        return "", False
    text = _is_text(content_type)
    encoded = content_encoding and content_encoding.strip().lower() != "identity"
    if text is not False and not encoded:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _build_response(version, status, headers, body):
    """headers: [(name str, value str)] as the app gave them."""
    cookies = []
    merged = {}  # lower name -> [original name, [values]]
    for name, value in headers:
        lower = name.lower()
        if lower == "set-cookie":
            cookies.append(value)
        elif lower in merged:
            merged[lower][1].append(value)
        else:
            merged[lower] = [name, [value]]
    flat = dict((name, ", ".join(values)) for name, values in merged.values())
    content_type = merged.get("content-type", [None, [""]])[1][0]
    content_encoding = merged.get("content-encoding", [None, [""]])[1][0]
    text, is_b64 = _encode_body(body, content_type, content_encoding)
    response = {"statusCode": int(status), "headers": flat}
    if version == "2.0":
        response["cookies"] = cookies
    else:
        # Only Set-Cookie goes here: API Gateway merges both maps.
        response["multiValueHeaders"] = {"Set-Cookie": cookies} if cookies else {}
    response["body"] = text
    response["isBase64Encoded"] = is_b64
    return response


def _plain_response(version, status, message):
    return _build_response(
        version,
        status,
        [("Content-Type", "text/plain; charset=utf-8")],
        message.encode("utf-8"),
    )


def _text(raw):
    """Header bytes as text: UTF-8 when they are, else latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _wsgi_text(value):
    """PEP 3333 strs carry bytes as latin-1; the front door wants real text."""
    value = str(value)
    try:
        return _text(value.encode("latin-1"))
    except UnicodeEncodeError:  # not PEP 3333, but already real text
        return value


def _log_exception(headline):
    sys.stderr.write("lambda-deploy: %s\n" % headline)
    traceback.print_exc(file=sys.stderr)
    sys.stderr.flush()


# -------------------------------------------------------------------- WSGI


def _wsgi_environ(req):
    host, port = req.server()
    environ = {
        "REQUEST_METHOD": req.method,
        "SCRIPT_NAME": "",
        # PEP 3333: the decoded path's bytes, as a latin-1 str.
        "PATH_INFO": req.path_bytes.decode("latin-1"),
        "QUERY_STRING": req.query_string,
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": req.protocol,
        "REMOTE_ADDR": req.source_ip,
        "CONTENT_LENGTH": str(len(req.body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": req.scheme,
        "wsgi.input": io.BytesIO(req.body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "lambda.event": req.event,
        "lambda.context": req.context,
    }
    if req.cookies:
        environ["HTTP_COOKIE"] = "; ".join(req.cookies)
    for name, value in req.headers:
        if name == "content-length":
            continue
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:
            environ[key] += "," + value
        else:
            environ[key] = value
    # PEP 3333 strs carry bytes as latin-1; header values arrive as real text.
    for key, value in list(environ.items()):
        if key.startswith("HTTP_") or key == "CONTENT_TYPE":
            environ[key] = value.encode("utf-8").decode("latin-1")
    return environ


def _run_wsgi(app, req):
    started = {}
    chunks = []

    def start_response(status, headers, exc_info=None):
        # Nothing reaches the client before the app is done, so a second call
        # (with exc_info, PEP 3333) simply replaces status and headers.
        started["status"] = status
        started["headers"] = headers
        return chunks.append

    result = app(_wsgi_environ(req), start_response)
    try:
        for chunk in result:
            if chunk:
                chunks.append(chunk)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if "status" not in started:
        raise RuntimeError("the WSGI app returned without calling start_response")
    status = int(str(started["status"]).split(" ", 1)[0])
    headers = [(_wsgi_text(k), _wsgi_text(v)) for k, v in started["headers"]]
    return _build_response(req.version, status, headers, b"".join(chunks))


# -------------------------------------------------------------------- ASGI


def _asgi_scope(req, state):
    host, port = req.server()
    headers = [
        [name.encode("latin-1", "replace"), value.encode("utf-8")]
        for name, value in req.headers
    ]
    if req.cookies:
        headers.append([b"cookie", "; ".join(req.cookies).encode("utf-8")])
    path_bytes = req.path_bytes
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": req.method,
        "scheme": req.scheme,
        "path": path_bytes.decode("utf-8", "replace"),
        "raw_path": req.raw_path.encode("ascii", "replace"),
        "query_string": req.query_string.encode("latin-1", "replace"),
        "root_path": "",
        "headers": headers,
        "client": (req.source_ip, 0) if req.source_ip else None,
        "server": (host, port),
        "lambda.event": req.event,
        "lambda.context": req.context,
        # the names Mangum uses, so apps written for it keep working
        "aws.event": req.event,
        "aws.context": req.context,
    }
    if state is not None:
        scope["state"] = dict(state)
    return scope


async def _call_asgi(app, scope, body):
    response = {"status": None, "headers": [], "body": [], "complete": False}
    request_sent = [False]
    done = asyncio.Event()

    async def receive():
        if not request_sent[0]:
            request_sent[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        # Disconnect only once the response is out: Starlette listens for it
        # while streaming and would cut the response short.
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        kind = message.get("type")
        if kind == "http.response.start":
            response["status"] = int(message["status"])
            response["headers"] = list(message.get("headers") or [])
        elif kind == "http.response.body":
            response["body"].append(bytes(message.get("body") or b""))
            if not message.get("more_body", False):
                response["complete"] = True
                done.set()

    error = None
    try:
        await app(scope, receive, send)
    except Exception as exc:  # Starlette re-raises after sending its 500
        error = exc
    finally:
        done.set()
    return response, error


class _Lifespan(object):
    """The ASGI lifespan protocol, started once per container."""

    def __init__(self, app, loop):
        self.app = app
        self.loop = loop
        self.state = {}
        self.supported = True
        self.task = None
        self.shutdown_requested = None

    async def startup(self):
        started = self.loop.create_future()
        self.shutdown_requested = asyncio.Event()
        sent = [False]

        async def receive():
            if not sent[0]:
                sent[0] = True
                return {"type": "lifespan.startup"}
            await self.shutdown_requested.wait()
            return {"type": "lifespan.shutdown"}

        async def send(message):
            kind = message.get("type") or ""
            if kind == "lifespan.startup.complete" and not started.done():
                started.set_result(("ok", None))
            elif kind == "lifespan.startup.failed" and not started.done():
                started.set_result(("failed", message.get("message") or ""))
            elif kind == "lifespan.shutdown.failed":
                sys.stderr.write(
                    "lambda-deploy: lifespan shutdown failed: %s\n" % (message.get("message") or "")
                )

        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "state": self.state,
        }

        async def run():
            try:
                await self.app(scope, receive, send)
            except BaseException as exc:
                if not started.done():
                    started.set_result(("unsupported", exc))
                elif isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
            finally:
                if not started.done():
                    started.set_result(("unsupported", None))

        self.task = self.loop.create_task(run())
        outcome, detail = await started
        if outcome == "failed":
            raise StartupError("lifespan startup failed: %s" % detail)
        if outcome == "unsupported":
            # ASGI spec: an app that rejects lifespan is served without it.
            self.supported = False
            self.state = None
            reason = "" if detail is None else " (%s: %s)" % (type(detail).__name__, detail)
            sys.stderr.write(
                "lambda-deploy: the ASGI app does not support lifespan%s; "
                "serving it without\n" % reason
            )

    async def _stop(self, timeout):
        self.shutdown_requested.set()
        await asyncio.wait_for(self.task, timeout)  # cancels the task on timeout

    def shutdown(self, timeout):
        if self.task is None or self.task.done():
            return
        try:
            self.loop.run_until_complete(self._stop(timeout))
        except Exception:
            _log_exception("lifespan shutdown did not finish")


# ------------------------------------------------------------- the app itself


def _app_spec():
    """(spec, where it came from)."""
    spec = os.environ.get(ENV_VAR, "").strip()
    if spec:
        return spec, ENV_VAR
    path = os.path.join(_HERE, SETTINGS_FILE)
    if not os.path.exists(path):
        raise StartupError(
            "%s is not set and %s was not found next to the adapter" % (ENV_VAR, SETTINGS_FILE)
        )
    with open(path, "r", encoding="utf-8") as handle:
        settings = json.load(handle)
    spec = settings.get("app") if isinstance(settings, dict) else None
    if not isinstance(spec, str) or not spec.strip():
        raise StartupError('%s has no "app" (expected "module:attribute")' % SETTINGS_FILE)
    return spec.strip(), SETTINGS_FILE


def _import_app(spec):
    module_name, sep, attribute = spec.partition(":")
    module_name, attribute = module_name.strip(), attribute.strip()
    if not sep or not module_name or not attribute:
        raise StartupError(
            'app "%s" is not of the form "module:attribute", e.g. "app:app" '
            'or "service.main:create_app()"' % spec
        )
    factory = attribute.endswith("()")
    if factory:
        attribute = attribute[:-2]
    if _HERE not in sys.path:
        sys.path.insert(0, _HERE)
    obj = importlib.import_module(module_name)
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise StartupError(
                'module "%s" has no attribute "%s"' % (module_name, attribute)
            ) from None
    if factory:
        obj = obj()
    if not callable(obj):
        raise StartupError('"%s" is a %s, not a WSGI or ASGI app' % (spec, type(obj).__name__))
    return obj


def _is_asgi(app):
    """ASGI 3: a coroutine function of (scope, receive, send), or an object
    whose __call__ is one (Starlette, FastAPI, Django's ASGIHandler)."""
    if inspect.iscoroutinefunction(app):
        return True
    call = getattr(app, "__call__", None)
    if call is not None and inspect.iscoroutinefunction(call):
        return True
    if inspect.isclass(app):
        return False
    target = app if inspect.isfunction(app) or inspect.ismethod(app) else call
    try:
        params = [
            p
            for p in inspect.signature(target).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
        ]
    except (TypeError, ValueError):
        return False
    # A plain callable returning an awaitable (a wrapped ASGI app) takes
    # (scope, receive, send); a WSGI app takes (environ, start_response).
    return len(params) == 3


class _Adapter(object):
    def __init__(self):
        self.app = None
        self.asgi = False
        self.spec = None
        self.source = ENV_VAR
        self.loop = None
        self.lifespan = None

    def _ensure_app(self):
        if self.app is not None:
            return
        try:
            self.spec, self.source = _app_spec()
        except Exception:
            self.spec, self.source = "(not set)", ENV_VAR
            raise
        app = _import_app(self.spec)
        self.asgi = _is_asgi(app)
        self.app = app
        if self.asgi and self.lifespan is None:
            self._start_lifespan()

    def _named_app(self):
        if self.source == ENV_VAR:
            return "%s=%s" % (ENV_VAR, self.spec)
        return '"app": "%s" in %s; %s is not set' % (self.spec, SETTINGS_FILE, ENV_VAR)

    def _event_loop(self):
        if self.loop is None or self.loop.is_closed():
            # One loop for the container's life: app state, connection pools
            # and the lifespan task survive between invocations.
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            atexit.register(self.shutdown)
        return self.loop

    def _start_lifespan(self):
        loop = self._event_loop()
        lifespan = _Lifespan(self.app, loop)
        try:
            loop.run_until_complete(lifespan.startup())
        except BaseException:
            self.app = None  # retried on the next invocation
            raise
        self.lifespan = lifespan

    def handle(self, event, context):
        if _is_warmup(event):
            return {"warm": True}
        version = _event_version(event)
        if version is None:
            keys = sorted(event.keys()) if isinstance(event, dict) else type(event).__name__
            raise ValueError(
                "lambda-deploy adapter: not an API Gateway or function URL event "
                "(expected payload format 1.0 or 2.0); got %s" % (keys,)
            )
        try:
            self._ensure_app()
        except (Exception, SystemExit):
            exc = sys.exc_info()[1]
            named = self._named_app()
            _log_exception("could not start the app %s" % named)
            # Only the error's type: its message may hold configuration.
            return _plain_response(
                version,
                500,
                "The app could not be started (%s): %s. "
                "The traceback is in the function's logs.\n" % (named, type(exc).__name__),
            )
        req = _parse_request(event, context, version)
        try:
            if self.asgi:
                return self._serve_asgi(req)
            return _run_wsgi(self.app, req)
        except Exception:
            _log_exception("the app raised an error for %s %s" % (req.method, req.raw_path))
            return _plain_response(version, 500, "Internal Server Error\n")

    def _serve_asgi(self, req):
        state = self.lifespan.state if self.lifespan is not None else None
        scope = _asgi_scope(req, state)
        loop = self._event_loop()
        response, error = loop.run_until_complete(_call_asgi(self.app, scope, req.body))
        if error is not None:
            try:
                raise error
            except Exception:
                _log_exception("the app raised an error for %s %s" % (req.method, req.raw_path))
            if response["status"] is None or not response["complete"]:
                return _plain_response(req.version, 500, "Internal Server Error\n")
        if response["status"] is None:
            raise RuntimeError("the ASGI app returned without sending http.response.start")
        headers = [(_text(bytes(k)), _text(bytes(v))) for k, v in response["headers"]]
        return _build_response(req.version, response["status"], headers, b"".join(response["body"]))

    def shutdown(self, timeout=5.0):
        """Run lifespan shutdown and close the loop (at exit, and in tests)."""
        try:
            atexit.unregister(self.shutdown)
        except Exception:
            pass
        loop, self.loop = self.loop, None
        if loop is None or loop.is_closed():
            return
        try:
            if self.lifespan is not None:
                self.lifespan.shutdown(timeout)
        finally:
            self.lifespan = None
            loop.close()


_ADAPTER = _Adapter()


def handler(event, context):
    """The Lambda handler: `_lambda_deploy_adapter.handler`."""
    return _ADAPTER.handle(event, context)


def shutdown():
    """Lifespan shutdown; runs at interpreter exit, callable by tests."""
    _ADAPTER.shutdown()
