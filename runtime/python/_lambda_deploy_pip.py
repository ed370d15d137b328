"""Runs pip with its environment markers decided for Lambda, not for this Python.

Run by the packager on the machine that builds the package, never copied into
one: python _lambda_deploy_pip.py '<environment as JSON>' install ...

pip decides markers (python_version, platform_machine, ...) in requirements
and in wheels' Requires-Dist with the interpreter that runs it, whatever
--platform and --python-version say (pypa/pip#11010). Marker.evaluate of
pip's vendored packaging looks default_environment() up when it is called,
so replacing it makes pip decide them as Lambda's Python would. Where that
does not hold (a pip without it), pip runs as `python -m pip` would, and a
line starting with FALLBACK says why.

A connection that cannot succeed in seconds (refused, no route, a name that
does not exist) is not retried: pip would retry it five times, backing off.
"""

import errno
import importlib.util
import json
import re
import runpy
import socket
import sys

FALLBACK = "lambda-deploy: pip decides environment markers with this Python:"


def lambda_markers(environment):
    """None once pip's markers are Lambda's; else why they could not be."""
    try:
        import pip
        from pip._vendor.packaging import markers
    except Exception as error:  # an unusual pip: run it as it is
        return "pip._vendor.packaging.markers could not be imported (%s)" % error
    version = getattr(pip, "__version__", "?")
    original = getattr(markers, "default_environment", None)
    if not callable(original) or not hasattr(markers, "Marker"):
        return "pip %s has no pip._vendor.packaging.markers.default_environment" % version
    # A fresh dict each time: Marker.evaluate adds "extra" to the one it gets.
    markers.default_environment = lambda: dict(environment)
    probe = " and ".join(
        '%s == "%s"' % (name, environment[name])
        for name in ("python_full_version", "platform_machine", "sys_platform")
    )
    try:
        decided = markers.Marker(probe).evaluate()
        if decided is True:
            decided = requirement_line_decides(probe)
    except Exception as error:
        decided = error
    if decided is not True:
        markers.default_environment = original
        return "Marker.evaluate of pip %s does not use default_environment (%s)" % (version, decided)
    return None


def requirement_line_decides(probe):
    """How pip itself decides a requirements line with the marker (True where it has no such API)."""
    try:
        from pip._internal.req.constructors import install_req_from_line
    except ImportError:
        return True
    return install_req_from_line("lambda-deploy-probe; " + probe).match_markers()


def is_final(error):
    """A connection error no retry within seconds changes: refused, no route, a name that does not exist.

    A timeout, a reset, a name server that did not answer (EAI_AGAIN) and
    5xx answers are not: pip retries those as it always does.
    """
    cause = getattr(error, "__cause__", None) or getattr(error, "__context__", None)
    if isinstance(cause, ConnectionRefusedError):
        return True
    if isinstance(cause, socket.gaierror):
        return cause.errno == getattr(socket, "EAI_NONAME", None)
    return isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH)


def fail_fast_when_unreachable():
    """pip retries a refused connection five times, backing off, a line each: once is enough.

    The one line written instead names the cause, as pip's retry lines did
    (the packager reads the cause from it). Where pip's vendored urllib3 is
    not as expected, pip retries as it always does.
    """
    try:
        from pip._vendor.urllib3.exceptions import MaxRetryError, NewConnectionError
        from pip._vendor.urllib3.util.retry import Retry
    except Exception:
        return
    original = Retry.increment

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if isinstance(error, NewConnectionError) and is_final(error):
            where = "%s://%s:%s" % (_pool.scheme, _pool.host, _pool.port) if _pool is not None else ""
            # The error's own message, without the connection object urllib3 puts first.
            said = re.sub(r"^<[^>]*>: ", "", str(error))
            sys.stderr.write("WARNING: Not retrying %s%s: %s (no retry changes that)\n" % (where, url, said))
            raise MaxRetryError(_pool, url, error)
        return original(self, method, url, response, error, _pool, _stacktrace)

    Retry.increment = increment


def main():
    environment = json.loads(sys.argv[1])
    args = sys.argv[2:]
    if importlib.util.find_spec("pip") is None:
        # The words `python -m pip` uses, which the packager recognises.
        sys.stderr.write("%s: No module named pip\n" % sys.executable)
        sys.exit(1)
    why = lambda_markers(environment)
    if why:
        sys.stderr.write("%s %s\n" % (FALLBACK, why))
    fail_fast_when_unreachable()
    sys.argv = ["pip"] + args
    try:
        runpy.run_module("pip", run_name="__main__", alter_sys=True)
    finally:
        if why:
            # Again at the end: the packager keeps only the last part of pip's output.
            sys.stderr.write("%s %s\n" % (FALLBACK, why))
            sys.stderr.flush()


if __name__ == "__main__":
    main()
