"""Tests of runtime/python/_lambda_deploy_warm.py, the keep-warm wrapper of plain handlers.

Run from the repository root:  python3 -m unittest discover -s test/python -p "test_*.py"
"""

import ast
import contextlib
import importlib.util
import io
import itertools
import json
import os
import shutil
import sys
import tempfile
import textwrap
import unittest
from unittest import mock

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WRAPPER = os.path.join(ROOT, "runtime", "python", "_lambda_deploy_warm.py")
APPS = os.path.join(HERE, "apps")
if APPS not in sys.path:
    sys.path.insert(0, APPS)

WARMUP = {"lambda-deploy": "warmup"}
_counter = itertools.count()

# A user handler that records what it was called with; IMPORTS counts module executions.
ECHO = textwrap.dedent(
    """
    IMPORTS = globals().get("IMPORTS", 0) + 1
    CALLS = []

    def handler(event, context):
        CALLS.append((event, context))
        return {"echo": event, "request": context.aws_request_id, "imports": IMPORTS}
    """
)


class Context(object):
    aws_request_id = "req-42"
    function_name = "demo-main"


def load_wrapper(path=WRAPPER):
    """A fresh copy of the wrapper module (nothing cached)."""
    name = "_lambda_deploy_warm_test_%d" % next(_counter)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def forget(*modules):
    for name in list(sys.modules):
        if name in modules or name.split(".")[0] in modules:
            sys.modules.pop(name, None)


class WarmWrapperTest(unittest.TestCase):
    def setUp(self):
        patcher = mock.patch.dict(os.environ, {})
        patcher.start()
        self.addCleanup(patcher.stop)
        os.environ.pop("LAMBDA_DEPLOY_HANDLER", None)
        forget("must_not_import")

    def package(self, files, settings=None):
        """A package root like the packager writes: the wrapper, the user's files, the settings file."""
        root = tempfile.mkdtemp(prefix="lambda-deploy-warm-")
        self.addCleanup(shutil.rmtree, root)
        self.addCleanup(lambda: root in sys.path and sys.path.remove(root))
        shutil.copy(WRAPPER, os.path.join(root, "_lambda_deploy_warm.py"))
        for name, content in files.items():
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)
            top = name.split("/")[0]
            self.addCleanup(forget, top[:-3] if top.endswith(".py") else top)
        if settings is not None:
            with open(os.path.join(root, "_lambda_deploy_settings.json"), "w", encoding="utf-8") as handle:
                json.dump(settings, handle)
        return load_wrapper(os.path.join(root, "_lambda_deploy_warm.py"))

    def test_warmup_is_answered_without_importing_the_handler(self):
        os.environ["LAMBDA_DEPLOY_HANDLER"] = "must_not_import.handler"
        wrapper = load_wrapper()
        for _ in range(3):
            self.assertEqual(wrapper.handler(WARMUP, Context()), {"warm": True})
        self.assertNotIn("must_not_import", sys.modules)
        # Any other event does import it (and fails: proof the name was live),
        # with the traceback on stderr and the error propagated to the runtime.
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            with self.assertRaisesRegex(AssertionError, "imported for a warm-up ping"):
                wrapper.handler({"lambda-deploy": "something else"}, Context())
        self.assertIn(
            "lambda-deploy: could not load the handler 'must_not_import.handler' (from LAMBDA_DEPLOY_HANDLER)",
            err.getvalue(),
        )
        self.assertIn("Traceback (most recent call last)", err.getvalue())
        self.assertIn("must_not_import.py", err.getvalue())

    def test_other_events_go_to_the_handler_with_the_context_and_it_is_imported_once(self):
        wrapper = self.package({"echo_fn.py": ECHO}, {"handler": "echo_fn.handler"})
        context = Context()
        events = [{"n": 1}, {"lambda-deploy": "deploy"}, ["a", "list"], "warmup", None, {}]
        for event in events:
            self.assertEqual(
                wrapper.handler(event, context),
                {"echo": event, "request": "req-42", "imports": 1},
            )
        calls = sys.modules["echo_fn"].CALLS
        self.assertEqual([e for e, _ in calls], events)
        self.assertTrue(all(c is context for _, c in calls))
        self.assertEqual(wrapper.handler(WARMUP, context), {"warm": True})
        self.assertEqual(len(calls), len(events))  # the ping did not reach it

    def test_handler_named_in_settings_file_and_env_var_wins(self):
        files = {
            "from_settings.py": "def handler(event, context):\n    return 'settings'\n",
            "from_env.py": "def main(event, context):\n    return 'env'\n",
        }
        wrapper = self.package(files, {"handler": "from_settings.handler"})
        self.assertEqual(wrapper.handler({}, Context()), "settings")
        os.environ["LAMBDA_DEPLOY_HANDLER"] = "from_env.main"
        wrapper = self.package(files, {"handler": "from_settings.handler"})
        self.assertEqual(wrapper.handler({}, Context()), "env")

    def test_dir_module_and_dotted_handlers(self):
        files = {
            "functions/handlers/deep.py": "def handler(event, context):\n    return 'deep ' + event['x']\n",
            "pkg/__init__.py": "",
            "pkg/api.py": "def handler(event, context):\n    return 'pkg ' + event['x']\n",
        }
        wrapper = self.package(files, {"handler": "functions/handlers/deep.handler"})
        self.assertEqual(wrapper.handler({"x": "1"}, Context()), "deep 1")
        wrapper = self.package(files, {"handler": "pkg.api.handler"})
        self.assertEqual(wrapper.handler({"x": "2"}, Context()), "pkg 2")

    def test_a_failed_load_is_retried_on_the_next_event(self):
        files = {"late.py": "import os\nif os.environ.get('LATE_FAIL') == '1':\n    raise RuntimeError('config missing')\ndef handler(e, c):\n    return 'up'\n"}
        os.environ["LATE_FAIL"] = "1"
        wrapper = self.package(files, {"handler": "late.handler"})
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            with self.assertRaisesRegex(RuntimeError, "config missing"):
                wrapper.handler({}, Context())
        self.assertIn("(from _lambda_deploy_settings.json)", err.getvalue())
        os.environ["LATE_FAIL"] = "0"
        self.assertEqual(wrapper.handler({}, Context()), "up")

    def test_missing_or_malformed_handler_names(self):
        cases = [
            ({"handler": "mod.missing"}, "Handler 'missing' missing on module 'mod'"),
            ({"handler": "mod.VALUE"}, "Handler 'VALUE' on module 'mod' is not callable"),
            ({"handler": "nodot"}, "Bad handler 'nodot': expected module.function"),
            ({"app": "mod:app"}, '_lambda_deploy_settings.json has no "handler"'),
            (None, "LAMBDA_DEPLOY_HANDLER is not set and _lambda_deploy_settings.json was not found"),
        ]
        for settings, message in cases:
            wrapper = self.package({"mod.py": "VALUE = 1\n"}, settings)
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                with self.assertRaises(wrapper.HandlerError) as raised:
                    wrapper.handler({"n": 1}, Context())
            self.assertIn(message, str(raised.exception), settings)
            self.assertIn("Traceback", err.getvalue())
            # The ping is still answered: a broken handler does not break keep-warm.
            self.assertEqual(wrapper.handler(WARMUP, Context()), {"warm": True})

    def test_no_such_module_propagates_the_import_error(self):
        wrapper = self.package({}, {"handler": "not_there_xyz.handler"})
        with contextlib.redirect_stderr(io.StringIO()):
            with self.assertRaises(ModuleNotFoundError):
                wrapper.handler({}, Context())

    def test_wrapper_parses_as_python_3_9(self):
        with open(WRAPPER, encoding="utf-8") as handle:
            ast.parse(handle.read(), filename=WRAPPER, feature_version=(3, 9))


if __name__ == "__main__":
    unittest.main()
