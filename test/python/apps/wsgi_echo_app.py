"""A plain WSGI app (no framework) that echoes the request it was given."""

import gzip
import json
from urllib.parse import parse_qs

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
CLOSED = []  # one entry per closed response iterable


class ClosingBody(object):
    def __init__(self, chunks):
        self.chunks = chunks

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        CLOSED.append(True)


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/image.png":
        start_response("200 OK", [("Content-Type", "image/png"), ("Content-Length", str(len(PNG)))])
        return [PNG]
    if path == "/gzip":
        body = gzip.compress(b"hello, compressed")
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")]
        )
        return [body]
    if path == "/boom":
        raise RuntimeError("boom from the app")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    context = environ["lambda.context"]
    echo = {
        "method": environ["REQUEST_METHOD"],
        "script_name": environ["SCRIPT_NAME"],
        "path": path,
        "query_string": environ["QUERY_STRING"],
        "query": parse_qs(environ["QUERY_STRING"]),
        "cookie": environ.get("HTTP_COOKIE"),
        "body": body.decode("utf-8", "replace"),
        "body_hex": body.hex(),
        "content_type": environ.get("CONTENT_TYPE"),
        "content_length": environ.get("CONTENT_LENGTH"),
        "remote_addr": environ["REMOTE_ADDR"],
        "server_name": environ["SERVER_NAME"],
        "server_port": environ["SERVER_PORT"],
        "protocol": environ["SERVER_PROTOCOL"],
        "scheme": environ["wsgi.url_scheme"],
        "http": dict((k, v) for k, v in environ.items() if k.startswith("HTTP_")),
        "event_keys": sorted(environ["lambda.event"].keys()),
        "request_id": getattr(context, "aws_request_id", None),
        "errors_is_stderr": environ["wsgi.errors"] is __import__("sys").stderr,
    }
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Set-Cookie", "first=1; Path=/"),
            ("Set-Cookie", "second=2; Path=/; HttpOnly"),
            ("X-Multi", "one"),
            ("X-Multi", "two"),
        ],
    )
    return ClosingBody([json.dumps(echo).encode("utf-8")])


def create_app():
    """A factory, named as `wsgi_echo_app:create_app()`."""
    return app


def unicode_headers(environ, start_response):
    """A UTF-8 header the PEP 3333 way (latin-1 str), and one that is not."""
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("X-Pep3333", "caf\u00e9".encode("utf-8").decode("latin-1")),
            ("X-Text", "\u2713 done"),
        ],
    )
    return ["caf\u00e9 \u2713".encode("utf-8")]
