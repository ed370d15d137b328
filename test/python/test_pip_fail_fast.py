"""Tests of runtime/python/_lambda_deploy_pip.py's is_final: which connection errors pip retries.

Run from the repository root:  python3 -m unittest discover -s test/python -p "test_*.py"

test/packaging/pip-install.test.ts runs the real pip against a refused port
(final at once) and an index that answers 503 once (retried).
"""

import errno
import importlib.util
import os
import socket
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "runtime", "python", "_lambda_deploy_pip.py")
spec = importlib.util.spec_from_file_location("_lambda_deploy_pip_under_test", MODULE)
pip_bootstrap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pip_bootstrap)


def connection_error(cause):
    """A urllib3-like NewConnectionError raised while handling `cause`, as urllib3 raises it."""
    try:
        try:
            raise cause
        except OSError:
            raise RuntimeError("Failed to establish a new connection")
    except RuntimeError as error:
        return error


class IsFinal(unittest.TestCase):
    def test_refused_no_route_and_a_name_that_does_not_exist_are_final(self):
        for cause in (
            ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
            OSError(errno.ENETUNREACH, "Network is unreachable"),
            OSError(errno.EHOSTUNREACH, "No route to host"),
            socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
        ):
            self.assertTrue(pip_bootstrap.is_final(connection_error(cause)), cause)

    def test_what_may_pass_in_seconds_is_retried_as_pip_does(self):
        for cause in (
            socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
            socket.timeout("timed out"),
            ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
        ):
            self.assertFalse(pip_bootstrap.is_final(connection_error(cause)), cause)

    def test_an_error_without_a_cause_is_retried(self):
        self.assertFalse(pip_bootstrap.is_final(RuntimeError("Failed to establish a new connection")))


if __name__ == "__main__":
    unittest.main()
