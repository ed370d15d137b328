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
"""

import importlib.util
import json
import runpy
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
