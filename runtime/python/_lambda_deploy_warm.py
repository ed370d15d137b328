"""lambda-deploy warm-up wrapper for plain Python handlers.

With `keep-warm`, lambda-deploy copies this file into the package root and
sets the function's handler to ``_lambda_deploy_warm.handler``. The keep-warm
ping ``{"lambda-deploy": "warmup"}`` is answered with ``{"warm": true}`` here,
so it never reaches the user's handler (and does not even import it). Every
other event goes to the user's handler, named in Lambda's syntax
(``module.function``, ``pkg.module.function`` or ``dir/module.function``) by
the environment variable LAMBDA_DEPLOY_HANDLER, or else under "handler" in
``_lambda_deploy_settings.json`` next to this file.

Standard library only; must run on Python 3.9 and newer.
"""

import importlib
import json
import os
import sys
import traceback

ENV_VAR = "LAMBDA_DEPLOY_HANDLER"
SETTINGS_FILE = "_lambda_deploy_settings.json"
WARMUP_KEY = "lambda-deploy"
WARMUP_VALUE = "warmup"

_HERE = os.path.dirname(os.path.abspath(__file__))
_user_handler = None


class HandlerError(Exception):
    """The user's handler is not named, malformed, or not found in its module."""


def _is_warmup(event):
    return isinstance(event, dict) and event.get(WARMUP_KEY) == WARMUP_VALUE


def _handler_name():
    """(name, where it came from)."""
    name = os.environ.get(ENV_VAR, "").strip()
    if name:
        return name, ENV_VAR
    path = os.path.join(_HERE, SETTINGS_FILE)
    if not os.path.exists(path):
        raise HandlerError("%s is not set and %s was not found next to the wrapper" % (ENV_VAR, SETTINGS_FILE))
    with open(path, "r", encoding="utf-8") as handle:
        settings = json.load(handle)
    name = settings.get("handler") if isinstance(settings, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise HandlerError('%s has no "handler" (expected "module.function")' % SETTINGS_FILE)
    return name.strip(), SETTINGS_FILE


def _import_handler(name):
    # The same reading as Lambda's Python runtime: the last dot splits off the
    # function; slashes in the module part are package separators.
    module_name, dot, function_name = name.rpartition(".")
    if not dot or not module_name or not function_name:
        raise HandlerError(
            "Bad handler '%s': expected module.function, e.g. app.handler or dir/app.handler" % name
        )
    if _HERE not in sys.path:
        sys.path.insert(0, _HERE)
    module = importlib.import_module(module_name.replace("/", "."))
    function = getattr(module, function_name, None)
    if function is None:
        raise HandlerError("Handler '%s' missing on module '%s'" % (function_name, module_name))
    if not callable(function):
        raise HandlerError("Handler '%s' on module '%s' is not callable" % (function_name, module_name))
    return function


def _load():
    global _user_handler
    if _user_handler is None:
        name, source = None, ENV_VAR
        try:
            name, source = _handler_name()
            _user_handler = _import_handler(name)
        except Exception:
            # Not cached: the next invocation tries again, as a fresh container would.
            sys.stderr.write(
                "lambda-deploy: could not load the handler%s (from %s)\n%s"
                % (" '%s'" % name if name else "", source, traceback.format_exc())
            )
            raise
    return _user_handler


def handler(event, context):
    """The Lambda handler: `_lambda_deploy_warm.handler`."""
    if _is_warmup(event):
        return {"warm": True}
    return _load()(event, context)
