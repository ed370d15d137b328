"""npm test never skips silently: the frameworks the adapter is tested against
must be importable, and a missing one fails here, naming the Debian package
that provides it (.ci/run installs them all). The framework tests elsewhere
are then reported as skipped, next to this failure."""
import importlib.util
import unittest

# module -> Debian package (PyPI is not reachable: the tests use Debian's builds)
REQUIRED = {
    "flask": "python3-flask",
    "fastapi": "python3-fastapi",
    "starlette": "python3-starlette",
    "django": "python3-django",
    "httpx": "python3-httpx",
}


class FrameworksInstalled(unittest.TestCase):
    def test_every_framework_the_tests_use_is_installed(self):
        missing = [package for module, package in REQUIRED.items() if importlib.util.find_spec(module) is None]
        self.assertEqual(
            missing,
            [],
            "not installed: %s; run `apt-get install %s` (.ci/run does), with "
            "LAMBDA_DEPLOY_TEST_PYTHON=/usr/bin/python3" % (", ".join(missing), " ".join(missing)),
        )


if __name__ == "__main__":
    unittest.main()
