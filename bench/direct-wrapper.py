"""The serve bench's baseline: the same handler called straight from a
small HTTP/1.1 server (keep-alive), with a minimal HTTP API event.

Usage: python3 direct-wrapper.py APP_DIR MODULE.FUNCTION -> prints the port.
"""

import importlib
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit


def main():
    app_dir, handler_name = sys.argv[1], sys.argv[2]
    sys.path.insert(0, app_dir)
    module_name, _, function_name = handler_name.rpartition(".")
    handler = getattr(importlib.import_module(module_name), function_name)

    class Wrapper(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            url = urlsplit(self.path)
            event = {
                "version": "2.0",
                "rawPath": url.path,
                "rawQueryString": url.query,
                "queryStringParameters": dict(parse_qsl(url.query)) or None,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "requestContext": {"http": {"method": "GET", "path": url.path}},
                "isBase64Encoded": False,
            }
            result = handler(event, None)
            body = result.get("body", "").encode("utf-8")
            self.send_response(result.get("statusCode", 200))
            for name, value in (result.get("headers") or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        # Headers and body go out as two writes: without TCP_NODELAY, Nagle holds the body for the ACK.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Wrapper)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
