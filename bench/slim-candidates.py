"""The other archive formats the slim bench measures against the chosen one (tar.gz).

  python3 slim-candidates.py zip|tar ARCHIVE DEST

Unpacks ARCHIVE into DEST the way a cold-start loader for that format would,
hashing every byte like runtime/python/_lambda_deploy_slim.py, and prints
{"seconds", "cpuSeconds", "files", "bytes"} as JSON, timed in-process like the
runtime module's own `unpack` command:

- zip: hash the downloaded file, then ZipFile.extractall (a zip's directory
  is at its end: it cannot be unpacked while it downloads);
- tar: the runtime module's own tar reader with the gzip step left out.
"""

import hashlib
import importlib.util
import json
import os
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME = os.path.join(os.path.dirname(HERE), "runtime", "python", "_lambda_deploy_slim.py")


def runtime_module():
    spec = importlib.util.spec_from_file_location("_lambda_deploy_slim", RUNTIME)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unpack_zip(path, dest):
    # The usual way: hash the downloaded file, then ZipFile.extractall (which
    # drops the modes: the executables get theirs back after).
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(dest)
        infos = [i for i in archive.infolist() if not i.is_dir()]
    for info in infos:
        if (info.external_attr >> 16) & 0o111:
            os.chmod(os.path.join(dest, info.filename), 0o755)
    return len(infos), sum(i.file_size for i in infos)


def unpack_tar(path, dest):
    slim = runtime_module()

    class PlainTar(slim.TarGzUnpacker):
        def feed(self, data):
            self._take(data)

        def finish(self):
            if not self.ended:
                raise slim.SlimError("the tar stream does not end")

    source = slim.FileSource(path)
    source.open()
    reader = slim.ReadAhead(source)
    reader.start()
    unpacker = PlainTar(dest)
    try:
        for chunk in reader:
            unpacker.feed(chunk)
        unpacker.finish()
    finally:
        unpacker.close()
        reader.stop()
        source.close()
    reader.digest.hexdigest()
    return unpacker.files, unpacker.bytes


def main(argv):
    kind, archive, dest = argv
    os.makedirs(dest, exist_ok=True)
    started, cpu = time.monotonic(), time.process_time()
    files, size = (unpack_zip if kind == "zip" else unpack_tar)(archive, dest)
    print(
        json.dumps(
            {
                "seconds": round(time.monotonic() - started, 3),
                "cpuSeconds": round(time.process_time() - cpu, 3),
                "files": files,
                "bytes": size,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
