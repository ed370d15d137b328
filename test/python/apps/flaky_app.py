"""Fails to import while FLAKY_APP_FAIL=1: a start-up error the adapter retries."""

import os

if os.environ.get("FLAKY_APP_FAIL") == "1":
    raise RuntimeError("database URL missing (flaky_app start-up failure)")


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"flaky app is up"]
