"""lambda-deploy adapter: serves a WSGI or ASGI app on AWS Lambda, unchanged.

Copied by lambda-deploy into the package root; the function's handler is
``_lambda_deploy_adapter.handler``. The app is named ``module:attribute`` in
the environment variable LAMBDA_DEPLOY_APP, or else under "app" in
``_lambda_deploy_settings.json`` next to this file. Optional environment
variables (runtime/python/README.md has the details):

    LAMBDA_DEPLOY_LIFESPAN          ASGI lifespan: auto (default), on or off
    LAMBDA_DEPLOY_LIFESPAN_TIMEOUT  seconds lifespan startup may take (10)
    LAMBDA_DEPLOY_TEXT_TYPES        more media types returned as text, e.g.
                                    "application/x-yaml, application/*+yaml"
    LAMBDA_DEPLOY_BASE_PATH         a custom domain's base path, e.g. "api"

Front doors: API Gateway HTTP APIs and function URLs (payload 2.0), REST APIs
(payload 1.0) and Application Load Balancer target groups.

Standard library only; must run on Python 3.9 and newer (no match statements,
no ``X | Y`` annotations evaluated at run time).
"""

import asyncio
import atexit
import base64
import fnmatch
import importlib
import inspect
import io
import json
import os
import sys
import traceback
from http import HTTPStatus
from urllib.parse import quote, unquote, unquote_to_bytes, urlencode

ENV_VAR = "LAMBDA_DEPLOY_APP"
LIFESPAN_VAR = "LAMBDA_DEPLOY_LIFESPAN"
LIFESPAN_TIMEOUT_VAR = "LAMBDA_DEPLOY_LIFESPAN_TIMEOUT"
TEXT_TYPES_VAR = "LAMBDA_DEPLOY_TEXT_TYPES"
BASE_PATH_VAR = "LAMBDA_DEPLOY_BASE_PATH"
# Set to 1 by lambda-deploy's local runtime (serve --watch), not a user setting
# (hence no _VAR name: src/settings/adapter-settings.ts lists those): the app is imported while
# the runtime starts, so a build whose app cannot be imported fails to start
# (and serve --watch keeps the last good one) instead of failing a request.
IMPORT_AT_INIT_ENV = "LAMBDA_DEPLOY_IMPORT_AT_INIT"
# src/settings/adapter-settings.ts checks the action's `environment` input
# against these rules; test/settings/adapter-settings-runtime.test.ts runs
# both on the same values, so a change here must be made there too.
LIFESPAN_VALUES = ("auto", "on", "off")
SETTINGS_FILE = "_lambda_deploy_settings.json"
WARMUP_KEY = "lambda-deploy"
WARMUP_VALUE = "warmup"
PLUGIN_WARMUP_SOURCE = "serverless-plugin-warmup"

DEFAULT_LIFESPAN_TIMEOUT = 10.0
# Kept free of the invocation's time, so a 500 reaches the client before
# Lambda's own timeout would.
TIMEOUT_MARGIN = 1.0

_HERE = os.path.dirname(os.path.abspath(__file__))

# Media types returned as UTF-8 text; every other type goes back base64.
# Patterns as fnmatch reads them: "text/*", "*/*+json".
DEFAULT_TEXT_TYPES = (
    "text/*",
    "application/json",
    "application/javascript",
    "application/x-javascript",
    "application/ecmascript",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/vnd.oai.openapi",
    "*/*+json",
    "*/*+xml",
)
# Characters that may stand literally in an encoded URL path ('%' included,
# so escapes already present are kept as they are).
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?[]"

_ASGI_VERSION = {"version": "3.0", "spec_version": "2.3"}


class StartupError(Exception):
    """The app could not be imported or started, or a setting is malformed."""


def _log(message):
    sys.stderr.write("lambda-deploy: %s\n" % message)
    sys.stderr.flush()


def _log_exception(headline):
    sys.stderr.write("lambda-deploy: %s\n" % headline)
    traceback.print_exc(file=sys.stderr)
    sys.stderr.flush()


def _dict(value):
    return value if isinstance(value, dict) else {}


# --------------------------------------------------------------- settings


class _Settings(object):
    """The adapter's environment variables, read once per container."""

    def __init__(self, environ):
        lifespan = (environ.get(LIFESPAN_VAR) or "auto").strip().lower()
        if lifespan not in LIFESPAN_VALUES:
            raise StartupError(
                '%s="%s": expected auto, on or off' % (LIFESPAN_VAR, environ.get(LIFESPAN_VAR))
            )
        self.lifespan = lifespan
        raw_timeout = (environ.get(LIFESPAN_TIMEOUT_VAR) or "").strip()
        try:
            timeout = float(raw_timeout) if raw_timeout else DEFAULT_LIFESPAN_TIMEOUT
        except ValueError:
            timeout = -1.0
        if not timeout > 0:
            raise StartupError(
                '%s="%s": expected a number of seconds greater than 0, e.g. 30'
                % (LIFESPAN_TIMEOUT_VAR, raw_timeout)
            )
        self.lifespan_timeout = timeout
        self.text_types = DEFAULT_TEXT_TYPES + _text_type_patterns(environ.get(TEXT_TYPES_VAR))
        raw_base_path = (environ.get(BASE_PATH_VAR) or "").strip()
        if _has_space(raw_base_path):
            # A base path mapping holds no spaces: this is more likely a
            # comment that a YAML block scalar kept ("api   # the mapping").
            raise StartupError(
                '%s="%s": expected a path without spaces, e.g. api or api/v1'
                % (BASE_PATH_VAR, raw_base_path)
            )
        self.base_path = _base_path(raw_base_path)


def _has_space(text):
    return any(c.isspace() for c in text)


def _text_type_patterns(raw):
    patterns = []
    for item in (raw or "").split(","):
        item = item.strip().lower()
        if not item:
            continue
        if "/" not in item or ";" in item or _has_space(item):
            _log('%s: "%s" is not a media type like "application/x-yaml" or "application/*+yaml";'
                 " ignored" % (TEXT_TYPES_VAR, item))
            continue
        patterns.append(item)
    return tuple(patterns)


def _base_path(raw):
    """'/api/v1' (percent-encoded) from 'api/v1', '/api/v1/' and the like; '' for none."""
    segments = [s for s in (raw or "").strip().split("/") if s]
    return quote("/" + "/".join(segments), safe=_PATH_SAFE) if segments else ""


# ---------------------------------------------------------- event shapes


def _ping_source(event, context):
    """What sent a warm-up or scheduled ping, or None for any other event."""
    if not isinstance(event, dict):
        return None
    if event.get(WARMUP_KEY) == WARMUP_VALUE:
        return "lambda-deploy keep-warm"
    source = event.get("source")
    if source == PLUGIN_WARMUP_SOURCE:
        return PLUGIN_WARMUP_SOURCE
    if source == "aws.events":  # an EventBridge schedule rule
        return "EventBridge %s" % (event.get("detail-type") or "event")
    # serverless-plugin-warmup can also send its mark in the client context.
    custom = getattr(getattr(context, "client_context", None), "custom", None)
    if isinstance(custom, dict) and custom.get("source") == PLUGIN_WARMUP_SOURCE:
        return PLUGIN_WARMUP_SOURCE + " (client context)"
    return None


def _event_kind(event):
    """'2.0' (HTTP API, function URL), '1.0' (REST API), 'alb' or None."""
    if not isinstance(event, dict):
        return None
    if "elb" in _dict(event.get("requestContext")):
        return "alb"
    if event.get("version") == "2.0" or "rawPath" in event:
        return "2.0"
    if "httpMethod" in event:
        return "1.0"
    return None


class _Format(object):
    """How the front door wants its answer: the event's kind, and for ALB
    whether the target group has multi-value headers on (the event shows it)."""

    def __init__(self, kind, multi_value=False):
        self.kind = kind
        self.multi_value = multi_value

    @classmethod
    def of(cls, event, kind):
        return cls(kind, kind == "alb" and "multiValueHeaders" in event)


# ---------------------------------------------------------------- the request


class _Request(object):
    """A front-door event reduced to what both WSGI and ASGI need."""

    def __init__(self, event, context, fmt):
        self.event = event
        self.context = context
        self.fmt = fmt
        self.method = "GET"
        self.script_name = ""  # percent-encoded mount point, e.g. "/prod"
        self.raw_path = "/"  # percent-encoded, after the mount point
        self.query_string = ""  # percent-encoded str
        self.headers = []  # [(lower-case name, value)]
        self.cookies = []  # values of the Cookie header(s)
        self.body = b""
        self.source_ip = ""
        self.protocol = "HTTP/1.1"
        self.domain_name = ""
        self.authorizer = None
        self.remote_user = None

    def header(self, name, default=None):
        for key, value in self.headers:
            if key == name:
                return value
        return default

    @property
    def path_bytes(self):
        return unquote_to_bytes(self.raw_path)

    @property
    def script_bytes(self):
        return unquote_to_bytes(self.script_name)

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


def _body_bytes(event):
    body = event.get("body")
    if body is None:
        return b""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    if isinstance(body, bytes):
        return body
    return str(body).encode("utf-8")


def _encoded_path(path):
    # HTTP API hands the path over decoded, REST APIs, function URLs and ALB
    # percent-encoded: escape only what cannot stand in an encoded path.
    return quote(str(path or "/"), safe=_PATH_SAFE)


def _merged_multi(multi, single):
    """[(name, value)] from a multi-value map, plus any name found only in
    the single-value map (REST events carry both; either may lack a name)."""
    pairs = []
    seen = set()
    for name, values in _dict(multi).items():
        if values is None:
            continue
        if not isinstance(values, (list, tuple)):
            values = [values]
        pairs.extend((name, v) for v in values if v is not None)
        seen.add(str(name).lower())
    for name, value in _dict(single).items():
        if value is not None and str(name).lower() not in seen:
            pairs.append((name, value))
    return pairs


def _alb_query(event):
    # ALB passes keys and values as the client sent them, still encoded:
    # rebuilt as they came, escaping only what cannot stand in a query.
    if "multiValueQueryStringParameters" in event:
        pairs = _merged_multi(event.get("multiValueQueryStringParameters"), None)
    else:
        pairs = _merged_multi(None, event.get("queryStringParameters"))
    raw = "&".join("%s=%s" % (k, v) for k, v in pairs)
    return quote(raw, safe=_QUERY_SAFE)


def _is_execute_api(domain):
    return ".execute-api." in domain.lower()


def _strip_prefix(path, prefix):
    """The path after `prefix` (segment-wise), or None when it does not start with it."""
    if not prefix or not (path == prefix or path.startswith(prefix + "/")):
        return None
    return path[len(prefix) :] or "/"


def _rest_prefix(public_path, path):
    """The part of the public path (requestContext.path, e.g. /prod/items)
    before the event's path (/items): the REST stage on execute-api, nothing
    on a custom domain. None when the two do not line up."""
    if not isinstance(public_path, str) or not public_path:
        return None
    full = unquote(public_path).rstrip("/")
    own = unquote(path).rstrip("/")
    if not full.endswith(own):
        return None
    prefix = full[: len(full) - len(own)]
    if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
        return None
    return quote(prefix, safe=_PATH_SAFE)


def _mount_point(fmt, event, rc, path, domain):
    """(script name, path after it), both percent-encoded: where the public
    URL carries a prefix the app's routes lack, the app is mounted there."""
    stage = rc.get("stage")
    stage = stage if isinstance(stage, str) and stage and stage != "$default" else ""
    if fmt.kind == "alb":
        return "", path
    if fmt.kind == "1.0" and event.get("version") != "1.0":
        # REST API: `path` has no stage. On execute-api the URL carries it;
        # elsewhere (a custom domain, the local front door) requestContext.path
        # says what the client asked for.
        if stage and _is_execute_api(domain):
            return "/" + quote(stage, safe=""), path
        prefix = _rest_prefix(rc.get("path"), path)
        return prefix or "", path
    # HTTP API (2.0, or 1.0 on an HTTP API): a named stage stands in the path
    # itself on execute-api; $default, function URLs and custom domains have none.
    if stage and _is_execute_api(domain):
        prefix = "/" + quote(stage, safe="")
        rest = _strip_prefix(path, prefix)
        if rest is not None:
            return prefix, rest
    return "", path


def _remote_user(rc):
    """Who the authorizer let in: a Lambda authorizer's principalId, a JWT's
    `sub` (HTTP API JWT or REST Cognito authorizer), an IAM caller's ARN."""
    auth = _dict(rc.get("authorizer"))
    candidates = [
        auth.get("principalId"),
        _dict(_dict(auth.get("jwt")).get("claims")).get("sub"),
        _dict(auth.get("claims")).get("sub"),
        _dict(auth.get("iam")).get("userArn"),
        _dict(rc.get("identity")).get("userArn"),
    ]
    for value in candidates:
        if isinstance(value, str) and value:
            return value
    return None


def _parse_request(event, context, fmt, settings):
    req = _Request(event, context, fmt)
    rc = _dict(event.get("requestContext"))
    req.domain_name = str(rc.get("domainName") or "")
    req.body = _body_bytes(event)
    req.authorizer = rc.get("authorizer") if isinstance(rc.get("authorizer"), dict) else None
    req.remote_user = _remote_user(rc)

    if fmt.kind == "2.0":
        http = _dict(rc.get("http"))
        req.method = str(http.get("method") or "GET").upper()
        path = _encoded_path(event.get("rawPath") or http.get("path"))
        raw_query = event.get("rawQueryString")
        if raw_query is None and event.get("queryStringParameters"):
            raw_query = urlencode(event["queryStringParameters"])
        req.query_string = quote(raw_query or "", safe=_QUERY_SAFE)
        req.source_ip = str(http.get("sourceIp") or "")
        req.protocol = str(http.get("protocol") or "HTTP/1.1")
        # 2.0 already joins repeated headers with commas.
        pairs = list(_dict(event.get("headers")).items())
        req.cookies = [str(c) for c in (event.get("cookies") or []) if c]
        if req.cookies:  # the same cookies, should a Cookie header come too
            pairs = [(k, v) for k, v in pairs if str(k).lower() != "cookie"]
    else:
        req.method = str(event.get("httpMethod") or "GET").upper()
        path = _encoded_path(event.get("path"))
        pairs = _merged_multi(event.get("multiValueHeaders"), event.get("headers"))
        if fmt.kind == "alb":
            req.query_string = _alb_query(event)
            # ALB appends the peer it saw to X-Forwarded-For: the last entry
            # is the one a client cannot forge.
            forwarded = [v for k, v in pairs if str(k).lower() == "x-forwarded-for"]
            hops = [h.strip() for h in ",".join(str(f) for f in forwarded).split(",") if h.strip()]
            req.source_ip = hops[-1] if hops else ""
        else:
            query = _merged_multi(
                event.get("multiValueQueryStringParameters"), event.get("queryStringParameters")
            )
            req.query_string = urlencode([(str(k), str(v)) for k, v in query])
            req.source_ip = str(_dict(rc.get("identity")).get("sourceIp") or "")
            req.protocol = str(rc.get("protocol") or "HTTP/1.1")

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
    host = req.domain_name or req.header("host") or ""
    req.script_name, req.raw_path = _mount_point(fmt, event, rc, path, host)
    if settings.base_path:
        rest = _strip_prefix(req.raw_path, settings.base_path)
        if rest is not None:
            req.script_name, req.raw_path = req.script_name + settings.base_path, rest

    return req


# -------------------------------------------------------------- the response


def _is_text(content_type, text_types=DEFAULT_TEXT_TYPES):
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
    return any(fnmatch.fnmatchcase(mime, pattern) for pattern in text_types)


def _encode_body(body, content_type, content_encoding, text_types=DEFAULT_TEXT_TYPES):
    """(body str, isBase64Encoded) for the front door."""
    if not body:
        return "", False
    text = _is_text(content_type, text_types)
    encoded = content_encoding and content_encoding.strip().lower() != "identity"
    if text is not False and not encoded:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _status_description(status):
    try:
        return "%d %s" % (status, HTTPStatus(status).phrase)
    except ValueError:
        return str(status)


def _build_response(fmt, status, headers, body, text_types=DEFAULT_TEXT_TYPES):
    """headers: [(name str, value str)] as the app gave them."""
    cookies = []
    merged = {}  # lower name -> [original name, [values]]
    for name, value in headers:
        lower = name.lower()
        value = value.strip()  # Django's Set-Cookie values start with a space
        if lower == "set-cookie" and fmt.kind != "alb":
            cookies.append(value)
        elif lower in merged:
            merged[lower][1].append(value)
        else:
            merged[lower] = [name, [value]]
    content_type = merged.get("content-type", [None, [""]])[1][0]
    content_encoding = merged.get("content-encoding", [None, [""]])[1][0]
    text, is_b64 = _encode_body(body, content_type, content_encoding, text_types)
    response = {"statusCode": int(status)}
    if fmt.kind == "alb":
        response["statusDescription"] = _status_description(int(status))
        if fmt.multi_value:
            response["multiValueHeaders"] = dict((n, vs) for n, vs in merged.values())
        else:
            response["headers"] = _alb_single_headers(merged)
    else:
        response["headers"] = dict((n, ", ".join(vs)) for n, vs in merged.values())
        if fmt.kind == "2.0":
            response["cookies"] = cookies
        else:
            # Only Set-Cookie goes here: API Gateway merges both maps.
            response["multiValueHeaders"] = {"Set-Cookie": cookies} if cookies else {}
    response["body"] = text
    response["isBase64Encoded"] = is_b64
    return response


def _alb_single_headers(merged):
    flat = {}
    for lower, (name, values) in merged.items():
        if lower == "set-cookie" and len(values) > 1:
            # A single-value header map holds one cookie: keep the last, as
            # a browser would given several of the same name, and say so.
            _log(
                "%d Set-Cookie headers, but this ALB target group sends single-value headers: "
                "only the last is sent. Turn on the target group attribute "
                "lambda.multi_value_headers.enabled to send them all." % len(values)
            )
            flat[name] = values[-1]
        else:
            flat[name] = ", ".join(values)
    return flat


def _plain_response(fmt, status, message):
    return _build_response(
        fmt, status, [("Content-Type", "text/plain; charset=utf-8")], message.encode("utf-8")
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


# -------------------------------------------------------------------- WSGI


def _wsgi_environ(req):
    host, port = req.server()
    rc = _dict(req.event.get("requestContext"))
    environ = {
        "REQUEST_METHOD": req.method,
        # PEP 3333: the decoded path's bytes, as a latin-1 str.
        "SCRIPT_NAME": req.script_bytes.decode("latin-1"),
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
        "lambda.authorizer": req.authorizer,
        # the names serverless-wsgi and apig-wsgi use, so apps move unchanged
        "serverless.event": req.event,
        "serverless.context": req.context,
        "serverless.authorizer": req.authorizer,
        "apig_wsgi.full_event": req.event,
        "apig_wsgi.context": req.context,
        "apig_wsgi.request_context": rc,
    }
    if req.remote_user:
        environ["REMOTE_USER"] = req.remote_user.encode("utf-8").decode("latin-1")
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


def _run_wsgi(app, req, text_types):
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
    return _build_response(req.fmt, status, headers, b"".join(chunks), text_types)


# -------------------------------------------------------------------- ASGI


def _path_holds_root_path(app):
    """Whether the ASGI `path` carries `root_path` in front: the ASGI spec's
    reading, and Starlette's since 0.33. Starlette before 0.33 (FastAPI
    before 0.109) joins the two itself, as the servers of its time expected."""
    classes = getattr(type(app), "__mro__", ())
    if not any(str(getattr(c, "__module__", "")).split(".")[0] in ("starlette", "fastapi")
               for c in classes):
        return True
    starlette = sys.modules.get("starlette")
    version = str(getattr(starlette, "__version__", ""))
    try:
        major, minor = [int(p) for p in version.split(".")[:2]]
    except ValueError:
        return True
    return (major, minor) >= (0, 33)


def _asgi_scope(req, state, path_holds_root):
    host, port = req.server()
    headers = [
        [name.encode("latin-1", "replace"), value.encode("utf-8")]
        for name, value in req.headers
    ]
    if req.cookies:
        headers.append([b"cookie", "; ".join(req.cookies).encode("utf-8")])
    root_path = req.script_bytes.decode("utf-8", "replace")
    path = req.path_bytes.decode("utf-8", "replace")
    scope = {
        "type": "http",
        "asgi": dict(_ASGI_VERSION),
        "http_version": "1.1",
        "method": req.method,
        "scheme": req.scheme,
        "path": root_path + path if path_holds_root else path,
        "raw_path": (req.script_name + req.raw_path).encode("ascii", "replace"),
        "query_string": req.query_string.encode("latin-1", "replace"),
        "root_path": root_path,
        "headers": headers,
        "client": (req.source_ip, 0) if req.source_ip else None,
        "server": (host, port),
        "lambda.event": req.event,
        "lambda.context": req.context,
        "lambda.authorizer": req.authorizer,
        "lambda.remote_user": req.remote_user,
        # the names Mangum uses, so apps written for it keep working
        "aws.event": req.event,
        "aws.context": req.context,
    }
    if state is not None:
        scope["state"] = dict(state)
    return scope


class _HttpCycle(object):
    """One request/response exchange with an ASGI app, checked against the
    protocol: start, then body messages until one without more_body."""

    def __init__(self, body):
        self.body = body
        self.status = None
        self.headers = []
        self.chunks = []
        self.state = "request"  # -> "response" -> "complete"
        self.problem = None  # a protocol error before the response was complete
        self.late = None  # a message sent after it was complete
        self._request_sent = False
        self._finished = None

    async def run(self, app, scope):
        self._finished = asyncio.Event()
        try:
            await app(scope, self.receive, self.send)
            return None
        except Exception as exc:  # Starlette re-raises after sending its 500
            return exc
        finally:
            self._finished.set()

    async def receive(self):
        if not self._request_sent:
            self._request_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        # Disconnect only once the response is out: Starlette listens for it
        # while streaming and would cut the response short.
        await self._finished.wait()
        return {"type": "http.disconnect"}

    async def send(self, message):
        kind = message.get("type") if isinstance(message, dict) else type(message).__name__
        if self.state == "complete":
            self.late = self.late or kind
            raise RuntimeError("ASGI message %r sent after the response was complete" % (kind,))
        if self.state == "request" and kind == "http.response.start":
            try:
                self.status = int(message["status"])
                self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers") or []]
            except (KeyError, TypeError, ValueError) as exc:
                self._fail("http.response.start with a bad status or headers (%s)" % exc)
            self.state = "response"
        elif self.state == "response" and kind == "http.response.body":
            self.chunks.append(bytes(message.get("body") or b""))
            if not message.get("more_body", False):
                self.state = "complete"
                self._finished.set()
        elif self.state == "request":
            self._fail("%r before http.response.start" % (kind,))
        else:
            self._fail("%r after http.response.start, before the body was complete" % (kind,))

    def _fail(self, problem):
        self.problem = self.problem or problem
        raise RuntimeError("ASGI protocol error: %s" % problem)


class _Lifespan(object):
    """The ASGI lifespan protocol, started once per container."""

    def __init__(self, app, loop, mode):
        self.app = app
        self.loop = loop
        self.mode = mode
        self.state = {}
        self.task = None
        self._received = 0
        self._phase = "startup"
        self._started = None  # future: (outcome, detail)
        self._stopped = None  # future: set by shutdown.complete/failed or the task's end
        self._shutdown_requested = None

    async def _receive(self):
        self._received += 1
        if self._received == 1:
            return {"type": "lifespan.startup"}
        if self._received == 2:
            await self._shutdown_requested.wait()
            self._phase = "shutdown"
            return {"type": "lifespan.shutdown"}
        # Nothing follows shutdown: wait (until cancelled) rather than let a
        # loop around receive() spin.
        await self.loop.create_future()

    async def _send(self, message):
        kind = message.get("type") if isinstance(message, dict) else type(message).__name__
        if self._phase == "startup":
            if kind == "lifespan.startup.complete":
                self._settle(self._started, ("complete", None))
            elif kind == "lifespan.startup.failed":
                self._settle(self._started, ("failed", message.get("message") or ""))
            else:
                self._settle(self._started, ("unexpected", kind))
                raise RuntimeError("unexpected ASGI lifespan message %r during startup" % (kind,))
            return
        if kind == "lifespan.shutdown.failed":
            _log("lifespan shutdown failed: %s" % (message.get("message") or ""))
        elif kind != "lifespan.shutdown.complete":
            _log("unexpected ASGI lifespan message %r during shutdown" % (kind,))
        self._settle(self._stopped, None)

    @staticmethod
    def _settle(future, value):
        if future is not None and not future.done():
            future.set_result(value)

    async def _run(self, scope):
        try:
            await self.app(scope, self._receive, self._send)
            self._settle(self._started, ("returned", None))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # SystemExit in an app must not end the runtime
            if self._phase == "shutdown":
                _log("the ASGI app raised during lifespan shutdown: %s: %s" % (type(exc).__name__, exc))
            self._settle(self._started, ("raised", exc))
        finally:
            self._settle(self._started, ("returned", None))
            self._settle(self._stopped, None)

    async def startup(self, timeout):
        self._started = self.loop.create_future()
        self._stopped = self.loop.create_future()
        self._shutdown_requested = asyncio.Event()
        scope = {"type": "lifespan", "asgi": dict(_ASGI_VERSION), "state": self.state}
        self.task = self.loop.create_task(self._run(scope))
        done, _ = await asyncio.wait([self._started], timeout=timeout)
        if not done:
            self.task.cancel()
            raise StartupError(
                "ASGI lifespan startup did not finish within %.1f seconds (%s=%s, or the "
                "invocation's remaining time); set %s=off if the app needs no startup, or "
                "give it longer" % (timeout, LIFESPAN_TIMEOUT_VAR,
                                    os.environ.get(LIFESPAN_TIMEOUT_VAR, "unset"), LIFESPAN_VAR)
            )
        outcome, detail = self._started.result()
        if outcome == "complete":
            return
        self.task.cancel()
        if outcome == "failed":
            raise StartupError("ASGI lifespan startup failed: %s" % detail)
        if outcome == "unexpected":
            raise StartupError(
                "ASGI lifespan startup answered %r instead of lifespan.startup.complete or "
                "lifespan.startup.failed" % (detail,)
            )
        reason = "returned" if detail is None else "raised %s: %s" % (type(detail).__name__, detail)
        if outcome == "raised" and self._received > 0:
            raise StartupError("the ASGI app %s during lifespan startup" % reason)
        if self.mode == "on":
            raise StartupError(
                "%s=on, but the ASGI app %s without answering lifespan.startup"
                % (LIFESPAN_VAR, reason)
            )
        # ASGI spec: an app that rejects lifespan is served without it.
        self.state = None
        _log(
            "the ASGI app does not support lifespan (it %s); serving it without "
            "(set %s=off to skip the attempt)" % (reason, LIFESPAN_VAR)
        )

    def shutdown(self, timeout):
        if self.task is None or self.task.done():
            return
        self._shutdown_requested.set()
        try:
            done, _ = self.loop.run_until_complete(asyncio.wait([self._stopped], timeout=timeout))
            if not done:
                _log("ASGI lifespan shutdown did not finish within %.1f seconds" % timeout)
        finally:
            self.task.cancel()


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


def _remaining_seconds(context):
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    try:
        return remaining() / 1000.0
    except Exception:
        return None


def _app_frames(exc):
    """The frames of `exc`'s traceback in the package's own files (not this adapter's)."""
    here = os.path.abspath(__file__)
    frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        # "<frozen importlib._bootstrap>" and the like are no files.
        path = "" if frame.filename.startswith("<") else os.path.abspath(frame.filename)
        if path != here and path.startswith(_HERE + os.sep):
            frames.append(frame)
    return frames


def _where_raised(exc):
    """' (/var/task/app.py, line 3)': the package's file and line where `exc` arose, or ''.
    The path as the traceback has it, so the local runtime shows both alike (`src/app.py`)."""
    if isinstance(exc, SyntaxError):
        return ""  # its message says where already: "invalid syntax (app.py, line 3)"
    frames = _app_frames(exc)
    if not frames:
        return ""
    return " (%s, line %s)" % (os.path.abspath(frames[-1].filename), frames[-1].lineno)


def _event_keys(event):
    if isinstance(event, dict):
        return "its keys: %s" % (sorted(str(k) for k in event.keys()),)
    return "it is a %s, not a JSON object" % type(event).__name__


class _Adapter(object):
    def __init__(self):
        self.app = None
        self.loaded = None
        self.asgi = False
        self.spec = None
        self.source = ENV_VAR
        self.settings = None
        self.loop = None
        self.lifespan = None
        self.path_holds_root = True

    def _load_app(self):
        """The app imported (no lifespan, no request): once per container."""
        if self.loaded is not None:
            return self.loaded
        try:
            self.spec, self.source = _app_spec()
        except Exception:
            self.spec, self.source = "(not set)", ENV_VAR
            raise
        if self.settings is None:
            self.settings = _Settings(os.environ)
        app = _import_app(self.spec)
        self.asgi = _is_asgi(app)
        if self.asgi:
            self.path_holds_root = _path_holds_root_path(app)
        self.loaded = app
        return app

    def _ensure_app(self, context):
        if self.app is not None:
            return
        app = self._load_app()
        if self.asgi and self.lifespan is None and self.settings.lifespan != "off":
            self._start_lifespan(app, context)
        self.app = app

    def import_at_init(self):
        """Imports the app now, while the runtime starts: an app that cannot be
        imported fails the init, its message naming the app and the file."""
        try:
            self._load_app()
        except (Exception, SystemExit) as exc:
            error = StartupError(
                'could not import the app "%s": %s: %s%s'
                % (self.spec, type(exc).__name__, exc, _where_raised(exc))
            )
            # The trace worth reading, for the local runtime to print: the app's
            # own frames and the error, not the way through the runtime and here.
            error.stack_trace = traceback.format_list(_app_frames(exc)) + list(
                traceback.format_exception_only(type(exc), exc)
            )
            raise error from None

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

    def _start_lifespan(self, app, context):
        loop = self._event_loop()
        timeout = self.settings.lifespan_timeout
        remaining = _remaining_seconds(context)
        if remaining is not None:
            timeout = max(min(timeout, remaining - TIMEOUT_MARGIN), 0.1)
        lifespan = _Lifespan(app, loop, self.settings.lifespan)
        loop.run_until_complete(lifespan.startup(timeout))
        self.lifespan = lifespan

    def handle(self, event, context):
        source = _ping_source(event, context)
        if source is not None:
            if source != "lambda-deploy keep-warm":
                _log("warm-up ping from %s answered; the app was not called" % source)
            return {"warm": True}
        kind = _event_kind(event)
        if kind is None:
            _log(
                "not an HTTP event this adapter serves (API Gateway HTTP or REST API, "
                "function URL, Application Load Balancer) nor a warm-up ping; %s. "
                "Answered 500; the app was not called." % _event_keys(event)
            )
            return _plain_response(_Format("2.0"), 500, "Not an HTTP event: see the function's logs.\n")
        fmt = _Format.of(event, kind)
        try:
            self._ensure_app(context)
        except (Exception, SystemExit):
            exc = sys.exc_info()[1]
            named = self._named_app()
            _log_exception("could not start the app %s" % named)
            # Only the error's type: its message may hold configuration.
            return _plain_response(
                fmt,
                500,
                "The app could not be started (%s): %s. "
                "The traceback is in the function's logs.\n" % (named, type(exc).__name__),
            )
        try:
            req = _parse_request(event, context, fmt, self.settings)
        except Exception:
            _log_exception("could not read the %s event; %s" % (kind, _event_keys(event)))
            return _plain_response(fmt, 500, "Internal Server Error\n")
        try:
            if self.asgi:
                return self._serve_asgi(req)
            return _run_wsgi(self.app, req, self.settings.text_types)
        except Exception:
            _log_exception("the app raised an error for %s %s" % (req.method, req.raw_path))
            return _plain_response(fmt, 500, "Internal Server Error\n")

    def _serve_asgi(self, req):
        state = self.lifespan.state if self.lifespan is not None else None
        scope = _asgi_scope(req, state, self.path_holds_root)
        cycle = _HttpCycle(req.body)
        error = self._event_loop().run_until_complete(cycle.run(self.app, scope))
        where = "%s %s" % (req.method, scope["path"])
        if cycle.problem is not None:
            _log("the ASGI app broke the HTTP protocol for %s: %s; answered 500" % (where, cycle.problem))
            return _plain_response(req.fmt, 500, "Internal Server Error\n")
        if cycle.late is not None:
            # As on a server: the client already has the whole response.
            _log("the ASGI app sent %r after its response to %s was complete; ignored"
                 % (cycle.late, where))
        elif error is not None:
            try:
                raise error
            except Exception:
                _log_exception("the app raised an error for %s%s" % (
                    where, " after answering" if cycle.state == "complete" else ""))
        if cycle.state == "request":
            if error is None:
                _log("the ASGI app returned without sending http.response.start for %s; "
                     "answered 500" % where)
            return _plain_response(req.fmt, 500, "Internal Server Error\n")
        if cycle.state == "response":
            if error is None:
                _log("the ASGI app returned without completing its response to %s (status %d, "
                     "no final http.response.body with more_body false); answered 500"
                     % (where, cycle.status))
            return _plain_response(req.fmt, 500, "Internal Server Error\n")
        headers = [(_text(k), _text(v)) for k, v in cycle.headers]
        return _build_response(
            req.fmt, cycle.status, headers, b"".join(cycle.chunks), self.settings.text_types
        )

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
            # Let cancelled tasks (a lifespan that timed out, say) unwind.
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=1.0))
        except Exception:
            _log_exception("lifespan shutdown did not finish")
        finally:
            self.lifespan = None
            loop.close()


_ADAPTER = _Adapter()

if os.environ.get(IMPORT_AT_INIT_ENV) == "1":
    _ADAPTER.import_at_init()


def handler(event, context):
    """The Lambda handler: `_lambda_deploy_adapter.handler`."""
    return _ADAPTER.handle(event, context)


def shutdown():
    """Lifespan shutdown; runs at interpreter exit, callable by tests."""
    _ADAPTER.shutdown()
