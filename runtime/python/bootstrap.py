"""A Lambda runtime client for Python handlers, standard library only (3.9+).

Speaks the Lambda Runtime API at http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/
the way AWS's own runtime does: import the handler named by _HANDLER from
LAMBDA_TASK_ROOT, report import failures to /runtime/init/error and exit, then
loop over /invocation/next, calling handler(event, context) and posting the
result or the error. lambda-deploy runs it for `target: local`; it works
against any server that implements the Runtime API.
"""

import decimal
import importlib
import json
import logging
import os
import re
import socket
import sys
import time
import traceback
from urllib.parse import quote

API_VERSION = "2018-06-01"


def _unbuffer_output():
    # Logs must reach the parent as they are written, also when the process is
    # killed on a timeout; `python -u` does it fully, this is the fallback.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True, write_through=True)
        except (AttributeError, ValueError):
            pass


class _Closed(ConnectionError):
    """The server closed the connection before its whole answer arrived."""


class RuntimeApiClient:
    """HTTP/1.1 over one kept-alive socket, no proxies.

    After a result is posted, the next GET invocation/next goes out in the same
    write (pipelined), so an invocation costs the Runtime API one exchange and the
    server parks the poll at once. A kept connection that the server closed
    meanwhile is opened again once; a server that does not keep connections alive
    gets one request per connection and no pipelining.
    """

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError("AWS_LAMBDA_RUNTIME_API must be host:port, got %r" % address)
        self.host = host.strip("[]")
        self.port = int(port)
        self._host_header = ("Host: %s\r\n" % address).encode("latin-1")
        self._get_next = self._head("GET", "invocation/next", None) + b"\r\n"
        self._response_head = (
            "POST /%s/runtime/invocation/%%s/response HTTP/1.1\r\n"
            "Content-Type: application/json\r\nContent-Length: %%d\r\nHost: %s\r\n\r\n"
        ) % (API_VERSION, address.replace("%", "%%"))
        self._sock = None
        self._buf = b""
        # A pipelined GET invocation/next whose answer is still to be read.
        self._next_sent = False

    def _head(self, method, path, headers):
        lines = ["%s /%s/runtime/%s HTTP/1.1\r\n" % (method, API_VERSION, path)]
        for name, value in (headers or {}).items():
            lines.append("%s: %s\r\n" % (name, _header_value(value)))
        return "".join(lines).encode("latin-1") + self._host_header

    def _open(self):
        self._sock = socket.create_connection((self.host, self.port))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = b""

    def _close(self):
        self._next_sent = False
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _call(self, request, then_next=False):
        """Sends one request and returns its answer (status, headers, body).

        With then_next, GET invocation/next follows in the same write when the
        connection is a kept one (an answer said keep-alive): its answer is read
        by next_invocation. A kept connection that fails is replaced once.
        """
        while True:
            reused = self._sock is not None
            if not reused:
                self._open()
            pipelined = then_next and reused
            try:
                self._send(request + [self._get_next] if pipelined else request)
                answer = self._read_response()
            except OSError:
                self._close()
                if reused:
                    continue
                raise
            # The pipelined poll is answered only if the server kept the connection.
            self._next_sent = pipelined and self._sock is not None
            return answer

    def _send(self, parts):
        if sum(len(p) for p in parts) <= 65536:
            self._sock.sendall(b"".join(parts))
        else:
            for part in parts:  # a large payload is not copied once more to join it
                self._sock.sendall(part)

    def _recv(self):
        data = self._sock.recv(65536)
        if not data:
            raise _Closed("the Runtime API closed the connection")
        return data

    def _read_response(self):
        while True:
            end = self._buf.find(b"\r\n\r\n")
            while end < 0:
                self._buf += self._recv()
                end = self._buf.find(b"\r\n\r\n")
            lines = self._buf[:end].decode("latin-1").split("\r\n")
            self._buf = self._buf[end + 4:]
            version, _, rest = lines[0].partition(" ")
            if not version.startswith("HTTP/") or not rest[:3].isdigit():
                raise _Closed("not an HTTP answer: %r" % lines[0][:100])
            status = int(rest[:3])
            if status >= 200:
                break
            # 1xx (100 Continue): the real answer follows.
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        keep = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        if status in (204, 304):
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        elif "content-length" in headers:
            body = self._read_exact(int(headers["content-length"]))
        else:
            body = self._read_to_close()
            keep = False
        if not keep:
            self._close()
        return status, headers, body

    def _read_exact(self, size):
        if len(self._buf) >= size:
            body, self._buf = self._buf[:size], self._buf[size:]
            return body
        # Large events: read straight into one buffer, no growing copies.
        body = bytearray(size)
        view = memoryview(body)
        have = len(self._buf)
        view[:have] = self._buf
        self._buf = b""
        while have < size:
            got = self._sock.recv_into(view[have:])
            if not got:
                raise _Closed("the Runtime API closed the connection")
            have += got
        return body

    def _read_line(self):
        end = self._buf.find(b"\r\n")
        while end < 0:
            self._buf += self._recv()
            end = self._buf.find(b"\r\n")
        line, self._buf = self._buf[:end], self._buf[end + 2:]
        return line

    def _read_chunked(self):
        chunks = []
        while True:
            size = int(self._read_line().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self._read_line():  # trailers, up to the empty line
                    pass
                return b"".join(chunks)
            chunks.append(self._read_exact(size))
            self._read_line()

    def _read_to_close(self):
        chunks = [self._buf]
        self._buf = b""
        while True:
            data = self._sock.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)

    def next_invocation(self):
        if self._next_sent:
            self._next_sent = False
            try:
                status, headers, body = self._read_response()
            except OSError:
                # The kept connection went away while the poll was parked: poll again on a new one.
                self._close()
                status, headers, body = self._call([self._get_next])
        else:
            status, headers, body = self._call([self._get_next])
        if status != 200:
            raise RuntimeError("GET invocation/next returned HTTP %d: %r" % (status, bytes(body[:200])))
        return headers, body

    def post_response(self, request_id, payload):
        # The one request of every invocation: its head from a template, not _head's loop.
        head = self._response_head % (_path_part(request_id), len(payload))
        status, _, text = self._call([head.encode("latin-1"), payload], True)
        if status >= 300:
            _post_failed("invocation/%s/response" % request_id, status, text)

    def post_error(self, request_id, error):
        self._post("invocation/%s/error" % _path_part(request_id), _error_body(error), _error_headers(error), True)

    def post_init_error(self, error):
        self._post("init/error", _error_body(error), _error_headers(error), False)

    def _post(self, path, body, headers, then_next):
        headers = dict(headers, **{"Content-Length": str(len(body))})
        status, _, text = self._call([self._head("POST", path, headers) + b"\r\n", body], then_next)
        if status >= 300:
            _post_failed(path, status, text)


def _post_failed(path, status, text):
    # 413 (response too large) and 400 (unknown request) still end the
    # invocation on the server side; say so and carry on.
    sys.stderr.write("lambda runtime: POST %s returned HTTP %d: %s\n" % (path, status, bytes(text[:300])))


def _header_value(value):
    # A header value never carries a line break (it would start a new header).
    return str(value).replace("\r", " ").replace("\n", " ")


_PLAIN_PATH_PART = re.compile(r"[A-Za-z0-9._~-]+\Z")


def _path_part(text):
    # Request ids are UUIDs: nothing to quote, and quote() is slow.
    return text if _PLAIN_PATH_PART.match(text) else quote(text, safe="-._~")


def _error_body(error):
    return json.dumps(error).encode("utf-8")


def _error_headers(error):
    return {
        "Content-Type": "application/json",
        "Lambda-Runtime-Function-Error-Type": error.get("errorType", "Unhandled"),
    }


class FaultError(Exception):
    """An error of the runtime itself (bad handler name, import failure)."""

    def __init__(self, error_type, message, stack=None):
        Exception.__init__(self, message)
        self.error_type = error_type
        self.message = message
        self.stack = stack or []


def load_handler(handler_name):
    modname, dot, fname = handler_name.rpartition(".")
    if not dot or not modname or not fname:
        raise FaultError(
            "Runtime.MalformedHandlerName",
            "Bad handler '%s': expected module.function, e.g. app.handler or dir/app.handler" % handler_name,
        )
    if modname.split(".")[0].split("/")[0] in sys.builtin_module_names:
        raise FaultError(
            "Runtime.BuiltInModuleConflict", "Cannot use built-in module %s as a handler module" % modname
        )
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        stack = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, (e.text or "").strip())]
        raise FaultError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (modname, e), stack)
    try:
        handler = getattr(module, fname)
    except AttributeError:
        raise FaultError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (fname, modname))
    if not callable(handler):
        raise FaultError("Runtime.HandlerNotFound", "Handler '%s' on module '%s' is not callable" % (fname, modname))
    return handler


class _Fields:
    """An object with the given attributes, None where the JSON has none."""

    def __init__(self, data, fields):
        data = data if isinstance(data, dict) else {}
        for name, keys in fields.items():
            setattr(self, name, next((data[k] for k in keys if k in data), None))


def _client_context(data):
    # As AWS's runtime: context.client_context.custom / .env / .client.app_title
    if data is None:
        return None
    context = _Fields(data, {"custom": ["custom"], "env": ["env"], "client": ["client"]})
    if context.client is not None:
        context.client = _Fields(
            context.client,
            dict((f, [f]) for f in ("installation_id", "app_title", "app_version_name",
                                    "app_version_code", "app_package_name")),
        )
    return context


def _identity(data):
    if data is None:
        return None
    return _Fields(data, {
        "cognito_identity_id": ["cognitoIdentityId", "cognito_identity_id"],
        "cognito_identity_pool_id": ["cognitoIdentityPoolId", "cognito_identity_pool_id"],
    })


def _function_facts():
    return (
        os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""),
        os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
        os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
    )


class LambdaContext:
    # The function's own facts, fixed for the process as in a Lambda sandbox: read
    # once by main(), not from os.environ on every invocation (each read encodes).
    facts = None

    def __init__(self, request_id, deadline_ms, invoked_function_arn, client_context=None, identity=None):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        (
            self.function_name,
            self.function_version,
            self.memory_limit_in_mb,
            self.log_group_name,
            self.log_stream_name,
        ) = LambdaContext.facts or _function_facts()
        self.client_context = _client_context(client_context) if client_context is not None else None
        self.identity = _identity(identity) if identity is not None else None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def __repr__(self):
        return "LambdaContext([aws_request_id=%s,function_name=%s,function_version=%s])" % (
            self.aws_request_id,
            self.function_name,
            self.function_version,
        )


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return json.JSONEncoder.default(self, o)


# One encoder for every result: json.dumps(cls=...) would build a new one per call.
_ENCODER = _Encoder()


def _from_the_function(exc_info):
    """The traceback from the first frame that is not this runtime's, as Lambda's runtime reports it:
    its own frame (the handler's caller) is no place a user looks for the error. Whole when it has
    no other (a handler called with the wrong number of arguments)."""
    etype, value, whole = exc_info
    tb = whole
    while tb is not None and tb.tb_frame.f_code.co_filename == _OWN_FILE:
        tb = tb.tb_next
    return etype, value, tb if tb is not None else whole


# This module's file name as its frames carry it.
_OWN_FILE = _from_the_function.__code__.co_filename


def _error_from_exception(exc_info):
    etype, value, tb = exc_info
    return {
        "errorMessage": str(value),
        "errorType": etype.__name__,
        "stackTrace": traceback.format_list(traceback.extract_tb(tb)),
    }


def _print_error(error, exc_info=None):
    lines = ["[ERROR] %s: %s" % (error["errorType"], error["errorMessage"])]
    if exc_info is not None:
        lines.append("".join(traceback.format_exception(*exc_info)).rstrip("\n"))
    elif error.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        lines.extend(s.rstrip("\n") for s in error["stackTrace"])
    sys.stderr.write("\n".join(lines) + "\n")


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = _RequestIdFilter.request_id
        return True


def _install_log_handler():
    # The same line format as Lambda's Python runtime, so `logging` output reads alike.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    handler.formatter.converter = time.gmtime
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


# The marker of a line the local runtime shows as a warning (src/local-runtime, HOST_MODULE_MARKER).
HOST_MODULE_MARKER = "lambda-deploy-local-warning: "

# What Lambda's Python runtimes provide beside the standard library.
LAMBDA_PROVIDED = frozenset(("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"))


# Set by the local runtime when the function may import from this machine's site-packages:
# "layers" when the function has layers, which are not here and may provide such a module; "1" when the user asked.
HOST_SITE_PACKAGES_ENV = "LAMBDA_DEPLOY_HOST_SITE_PACKAGES"
HOST_SITE_PACKAGES_LAYERS = "layers"


def _host_site_dirs():
    """This machine's site-packages (the venv's, in a venv) and the user's, real paths ending in a separator."""
    dirs = []
    try:
        import site

        dirs = list(site.getsitepackages())
        if site.ENABLE_USER_SITE:
            dirs.append(site.getusersitepackages())
    except (ImportError, AttributeError):
        pass
    return tuple(os.path.join(os.path.realpath(d), "") for d in dirs if d)


def _site_dir_of(path, dirs):
    real = os.path.join(os.path.realpath(path or "."), "")
    return next((d for d in dirs if real.startswith(d)), None)


class _SiteFinder:
    """A site-packages folder's finder that finds no top-level module Lambda lacks.

    A top-level module found nowhere else is then missing, as on Lambda: an
    optional import falls back, a required one raises ModuleNotFoundError, and
    importlib.util.find_spec says None. Submodules of a package already loaded
    (at start-up, or one Lambda provides) are found as before.
    """

    def __init__(self, finder, allowed):
        self.finder = finder
        self.allowed = allowed

    def find_spec(self, fullname, target=None):
        if "." not in fullname and fullname not in self.allowed:
            return None
        return self.finder.find_spec(fullname, target)

    def invalidate_caches(self):
        getattr(self.finder, "invalidate_caches", lambda: None)()


class HostSitePackages:
    """Hides this machine's site-packages from the function's top-level imports.

    The local runtime runs on whatever Python is installed; its site-packages
    are not on Lambda, where a module the package lacks cannot be imported.
    Installed before the handler is imported. The standard library and what
    Lambda's runtime provides stay importable, and so does whatever the
    interpreter imported as it started (.pth files, sitecustomize).
    """

    def __init__(self, dirs, keep=()):
        self.dirs = dirs
        self.keep = {os.path.realpath(p) for p in keep}
        self.allowed = LAMBDA_PROVIDED | frozenset(getattr(sys, "stdlib_module_names", ()))

    def _hidden(self, entry):
        return (isinstance(entry, str) and os.path.realpath(entry or ".") not in self.keep
                and _site_dir_of(entry, self.dirs) is not None)

    def _hook(self, entry):
        # A site-packages folder put on sys.path later (site.addsitedir); a package's own folder keeps its finder.
        if not self._hidden(entry) or os.path.join(os.path.realpath(entry), "") not in self.dirs:
            raise ImportError("not in this machine's site-packages")
        return _SiteFinder(self._finder(entry), self.allowed)

    def _finder(self, entry):
        for hook in sys.path_hooks:
            if hook is self.hook:
                continue
            try:
                return hook(entry)
            except ImportError:
                continue
        raise ImportError("no finder for %s" % entry)

    def install(self):
        if not self.dirs:
            return
        self.hook = self._hook
        sys.path_hooks.insert(0, self.hook)
        for entry in sys.path:
            if self._hidden(entry):
                try:
                    finder = sys.path_importer_cache.get(entry) or self._finder(entry)
                except ImportError:
                    continue
                sys.path_importer_cache[entry] = _SiteFinder(finder, self.allowed)


class HostModules:
    """Modules the function imported from this machine's site-packages.

    Only when the local runtime lets the function import from there (its
    layers stand in for Lambda's, or the user asked): an import served from
    there works here and fails on Lambda. Each such module is said once, on
    stderr, marked.
    """

    def __init__(self, layers=False):
        # With layers attached, a layer may provide the module on Lambda: the warning cannot say it fails.
        self.layers = layers
        self.known = set(sys.modules)  # the interpreter's own start-up imports (.pth files) are not the function's
        self.seen = len(sys.modules)
        self.dirs = _host_site_dirs()

    def check(self):
        if len(sys.modules) == self.seen or not self.dirs:
            return
        found = {}
        for name, module in list(sys.modules.items()):
            if name in self.known:
                continue
            self.known.add(name)
            path = getattr(module, "__file__", None)
            # Top-level modules only (a private helper such as a compiled `_speedups` comes with its package).
            if "." in name or name.startswith("_") or not name.isidentifier() or name in LAMBDA_PROVIDED:
                continue
            site_dir = _site_dir_of(path, self.dirs) if isinstance(path, str) else None
            if site_dir:
                found.setdefault(site_dir, []).append(name)
        self.seen = len(sys.modules)
        for site_dir, names in found.items():
            # A module is listed once it has loaded: the one the function imported, loaded last, first.
            names.reverse()
            many = len(names) > 1
            sys.stderr.write(
                "%s%s %s %s imported from this machine's Python (%s), not from the package: %s\n"
                % (
                    HOST_MODULE_MARKER,
                    "modules" if many else "module",
                    (", ".join(names[:-1]) + " and " + names[-1]) if many else names[0],
                    "are" if many else "is",
                    site_dir.rstrip(os.sep),
                    self._on_lambda(many),
                )
            )

    def _on_lambda(self, many):
        """What happens to such an import on Lambda, and what to do: true whether or not layers may provide it."""
        subject, object_ = ("they", "them") if many else ("it", "it")
        imports = "those imports" if many else "that import"
        optional = "an import is" if many else "the import is"
        if self.layers:
            return (
                "on Lambda %s must come from one of the function's layers (not here to check), or %s fail%s. "
                "Add %s to your requirements unless a layer provides %s (or %s optional)."
                % (subject, imports, "" if many else "s", object_, object_, optional)
            )
        return (
            "on Lambda %s fail%s unless a layer of the function provides %s. "
            "Add %s to your requirements (unless %s optional)."
            % (imports, "" if many else "s", object_, object_, optional)
        )


def handle_one(client, handler, headers, body, after_call=lambda: None):
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    _RequestIdFilter.request_id = request_id
    try:
        deadline_ms = int(headers.get("lambda-runtime-deadline-ms", "0"))
    except ValueError:
        deadline_ms = 0
    client_context = headers.get("lambda-runtime-client-context")
    identity = headers.get("lambda-runtime-cognito-identity")
    context = LambdaContext(
        request_id,
        deadline_ms,
        headers.get("lambda-runtime-invoked-function-arn", ""),
        json.loads(client_context) if client_context else None,
        json.loads(identity) if identity else None,
    )
    try:
        event = json.loads(body) if body else None
    except ValueError as e:
        error = {"errorMessage": "Unable to parse the event as JSON: %s" % e, "errorType": "Runtime.UnmarshalError"}
        _print_error(error)
        client.post_error(request_id, error)
        return
    try:
        try:
            result = handler(event, context)
        finally:
            # Before the result is posted: what it writes is part of the invocation's output.
            after_call()
    except Exception:
        exc_info = _from_the_function(sys.exc_info())
        error = _error_from_exception(exc_info)
        _print_error(error, exc_info)
        client.post_error(request_id, error)
        return
    try:
        payload = _ENCODER.encode(result).encode("utf-8")
    except (TypeError, ValueError) as e:
        error = {"errorMessage": "Unable to marshal response: %s" % e, "errorType": "Runtime.MarshalError"}
        _print_error(error)
        client.post_error(request_id, error)
        return
    client.post_response(request_id, payload)


def main():
    _unbuffer_output()
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("lambda runtime: AWS_LAMBDA_RUNTIME_API is not set\n")
        return 2
    client = RuntimeApiClient(address)

    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # The folder of this script must not shadow the function's own modules.
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]
    sys.path.insert(0, task_root)
    _install_log_handler()
    LambdaContext.facts = _function_facts()
    host_site = os.environ.pop(HOST_SITE_PACKAGES_ENV, "")
    if host_site in ("1", HOST_SITE_PACKAGES_LAYERS):
        host_modules = HostModules(layers=host_site == HOST_SITE_PACKAGES_LAYERS)
    else:
        # As on Lambda, where none of this machine's packages are: the package's own and Lambda's only.
        HostSitePackages(_host_site_dirs(), keep=[task_root]).install()
        host_modules = None

    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except FaultError as fault:
        error = {"errorMessage": fault.message, "errorType": fault.error_type, "stackTrace": fault.stack}
        _print_error(error)
        client.post_init_error(error)
        return 1
    except Exception:
        # Any other exception raised while the module ran at import time.
        exc_info = sys.exc_info()
        stack = getattr(exc_info[1], "stack_trace", None)
        if isinstance(stack, list):
            # The adapter's app import names the trace worth reading: the app's, not the way to it.
            error = {"errorMessage": str(exc_info[1]), "errorType": exc_info[0].__name__, "stackTrace": stack}
            _print_error(error)
        else:
            error = _error_from_exception(exc_info)
            _print_error(error, exc_info)
        client.post_init_error(error)
        return 1
    after_call = host_modules.check if host_modules else (lambda: None)
    after_call()

    while True:
        try:
            headers, body = client.next_invocation()
        except (OSError, RuntimeError) as e:
            # The Runtime API is gone (the parent stopped): nothing left to serve.
            sys.stderr.write("lambda runtime: cannot reach the Runtime API at %s: %s\n" % (address, e))
            return 3
        handle_one(client, handler, headers, body, after_call)


if __name__ == "__main__":
    sys.exit(main())
