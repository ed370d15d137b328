"""Builds py3-none-any wheels offline, for tests that install requirements with
`pip install --no-index --find-links DIR` (pip cannot reach the index here).

Two modes, both writing `{name}-{version}-py3-none-any.whl` files into OUT_DIR
and printing their file names, one a line:

  vendor OUT_DIR DIST [DIST ...] [--require DIST=DEP,DEP ...]
      Repackages distributions installed in this Python (and, recursively, what
      they require here) as wheels. Compiled extensions (.so/.pyd) are left out:
      the packages tested with this (markupsafe) fall back to pure Python.
      Debian's packages strip install_requires from their metadata (dpkg tracks
      them instead), so --require restores a distribution's upstream
      requirements when its metadata lists none.

  build OUT_DIR < SPEC.json
      Writes one wheel from {"name", "version", "files": {path: text},
      "requires": [...], "zeros": {path: size}}. "zeros" files hold that
      many zero bytes: a big installed tree from a wheel of a few hundred KB,
      written without holding it in memory.
"""

import base64
import hashlib
import importlib.metadata as metadata
import json
import os
import re
import sys
import zipfile

try:
    from packaging.requirements import Requirement
except ImportError:  # pip carries its own copy
    from pip._vendor.packaging.requirements import Requirement

# A fixed date makes the same input give the same wheel bytes.
EPOCH = (1980, 1, 1, 0, 0, 0)
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".so", ".pyd", ".dylib")
# Kept from the installed metadata folder; the rest (RECORD, INSTALLER, ...) is rewritten or dropped.
KEPT_METADATA = ("entry_points.txt", "top_level.txt")


def normalize(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def with_requires(metadata_text, requires):
    """METADATA with Requires-Dist lines added to its headers."""
    if not requires:
        return metadata_text
    head, sep, body = metadata_text.partition("\n\n")
    lines = [head.rstrip("\n")] + ["Requires-Dist: %s" % r for r in requires]
    return "\n".join(lines) + "\n" + (sep + body if sep else "")


ZERO_CHUNK = b"\0" * (1 << 20)


def zeros_hash(size):
    digest = hashlib.sha256()
    left = size
    while left:
        n = min(left, len(ZERO_CHUNK))
        digest.update(ZERO_CHUNK[:n])
        left -= n
    return "sha256=" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def write_wheel(out_dir, name, version, files, metadata_text, extra_metadata=None, zeros=None):
    """files: {archive path: bytes}; zeros: {archive path: size}. Returns the wheel's file name."""
    dist_info = "%s-%s.dist-info" % (normalize(name), version)
    wheel_name = "%s-%s-py3-none-any.whl" % (normalize(name), version.replace("-", "_"))
    entries = dict(files)
    entries[dist_info + "/METADATA"] = metadata_text.encode("utf-8")
    entries[dist_info + "/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: lambda-deploy-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ).encode("ascii")
    for file_name, data in (extra_metadata or {}).items():
        entries[dist_info + "/" + file_name] = data
    record_path = dist_info + "/RECORD"
    record = ["%s,%s,%d" % (path, record_hash(data), len(data)) for path, data in sorted(entries.items())]
    record.extend("%s,%s,%d" % (path, zeros_hash(size), size) for path, size in sorted((zeros or {}).items()))
    record.append(record_path + ",,")
    entries[record_path] = ("\n".join(record) + "\n").encode("utf-8")
    with zipfile.ZipFile(os.path.join(out_dir, wheel_name), "w", zipfile.ZIP_DEFLATED) as wheel:
        for path in sorted(entries):
            info = zipfile.ZipInfo(path, EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, entries[path])
        for path, size in sorted((zeros or {}).items()):
            info = zipfile.ZipInfo(path, EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with wheel.open(info, "w", force_zip64=size > 0x7FFFFFFF) as out:
                left = size
                while left:
                    n = min(left, len(ZERO_CHUNK))
                    out.write(ZERO_CHUNK[:n])
                    left -= n
    return wheel_name


def keep(relative_path):
    parts = relative_path.replace(os.sep, "/").split("/")
    return not (parts[0] == ".." or "__pycache__" in parts or relative_path.endswith(SKIPPED_SUFFIXES))


def distribution_files(dist):
    """{archive path: bytes} of the distribution's importable files, without its metadata folder."""
    out = {}
    if dist.files is not None:  # a RECORD (or installed-files.txt) lists them
        for path in dist.files:
            rel = str(path).replace(os.sep, "/")
            if rel.split("/")[0].endswith((".dist-info", ".egg-info")) or not keep(rel):
                continue
            full = dist.locate_file(path)
            if os.path.isfile(full):
                with open(full, "rb") as f:
                    out[rel] = f.read()
        return out
    # Debian's egg-info has no file list: walk the top-level packages it names.
    root = str(dist.locate_file(""))
    top_level = (dist.read_text("top_level.txt") or normalize(dist.metadata["Name"])).split()
    for top in top_level:
        folder = os.path.join(root, top)
        if os.path.isdir(folder):
            for base, dirs, names in os.walk(folder):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                for file_name in sorted(names):
                    rel = os.path.relpath(os.path.join(base, file_name), root).replace(os.sep, "/")
                    if keep(rel):
                        with open(os.path.join(base, file_name), "rb") as f:
                            out[rel] = f.read()
        elif os.path.isfile(folder + ".py"):
            with open(folder + ".py", "rb") as f:
                out[top + ".py"] = f.read()
    return out


def requirement_names(dist):
    """Names this distribution needs here (markers evaluated for this Python, no extras)."""
    names = []
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            names.append(req.name)
    return names


def vendor(out_dir, roots, added_requires):
    todo = list(roots)
    seen = set()
    written = []
    while todo:
        name = todo.pop(0)
        if canonical(name) in seen:
            continue
        seen.add(canonical(name))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            sys.exit("vendor-wheels: %s is not installed in %s" % (name, sys.executable))
        needs = requirement_names(dist)
        restored = [] if needs else added_requires.get(canonical(name), [])
        files = distribution_files(dist)
        if not any(path.endswith(".py") for path in files):
            sys.exit("vendor-wheels: found no Python files of %s in %s" % (name, dist.locate_file("")))
        meta_text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
        extra = {}
        for file_name in KEPT_METADATA:
            text = dist.read_text(file_name)
            if text:
                extra[file_name] = text.encode("utf-8")
        written.append(
            write_wheel(out_dir, dist.metadata["Name"], dist.version, files, with_requires(meta_text, restored), extra)
        )
        todo.extend(needs + restored)
    return written


def build(out_dir, spec):
    name, version = spec["name"], spec["version"]
    meta_text = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)
    meta_text = with_requires(meta_text, spec.get("requires", []))
    files = {path: text.encode("utf-8") for path, text in spec["files"].items()}
    return [write_wheel(out_dir, name, version, files, meta_text, zeros=spec.get("zeros"))]


def main(argv):
    if len(argv) < 2 or argv[0] not in ("vendor", "build"):
        sys.exit(__doc__)
    mode, out_dir, rest = argv[0], argv[1], argv[2:]
    os.makedirs(out_dir, exist_ok=True)
    if mode == "build":
        written = build(out_dir, json.load(sys.stdin))
    else:
        roots, added = [], {}
        i = 0
        while i < len(rest):
            if rest[i] == "--require":
                dist, _, deps = rest[i + 1].partition("=")
                added[canonical(dist)] = [d for d in deps.split(",") if d]
                i += 2
            else:
                roots.append(rest[i])
                i += 1
        written = vendor(out_dir, roots, added)
    print("\n".join(written))


if __name__ == "__main__":
    main(sys.argv[1:])
