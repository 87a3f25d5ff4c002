"""Fetch the Nu HTML Checker (vnu.jar) the unit stage validates pages with.

The version and its sha512 are pinned in scripts/html-checker/package-lock.json. The tarball comes from
the npm registry and is checked against that digest before vnu.jar is unpacked to where npm would put it
(scripts/html-checker/node_modules/vnu-jar/build/dist/vnu.jar), so npm itself is not needed. A jar
already in place with the pinned version is kept.
"""

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent / "html-checker"
PACKAGE = "vnu-jar"
TARGET = HERE / "node_modules" / PACKAGE / "build" / "dist" / "vnu.jar"
STAMP = TARGET.with_suffix(".version")


def pinned() -> tuple[str, str]:
    lock = json.loads((HERE / "package-lock.json").read_text())
    entry = lock["packages"][f"node_modules/{PACKAGE}"]
    return entry["version"], entry["integrity"]


def verified(data: bytes, integrity: str) -> bool:
    algorithm, _, expected = integrity.partition("-")
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode() == expected


def main() -> int:
    version, integrity = pinned()
    if TARGET.is_file() and STAMP.is_file() and STAMP.read_text().strip() == version:
        return 0
    url = f"https://registry.npmjs.org/{PACKAGE}/-/{PACKAGE}-{version}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
    except OSError as error:
        print(f"could not download {url}: {error}", file=sys.stderr)
        return 1
    if not verified(data, integrity):
        print(f"{url} does not match the pinned {integrity.partition('-')[0]} in package-lock.json", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        jar = archive.extractfile("package/build/dist/vnu.jar")
        if jar is None:
            print(f"{url} holds no build/dist/vnu.jar", file=sys.stderr)
            return 1
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        partial = TARGET.with_suffix(".partial")
        partial.write_bytes(jar.read())
        partial.replace(TARGET)
    STAMP.write_text(version + "\n")
    print(f"Nu HTML Checker {version}: {TARGET.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
