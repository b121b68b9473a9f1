#!/usr/bin/env python3
"""
Packs the distributions a requirement needs, as installed in *this* Python, back into wheels,
so that a machine (or a user) without access to a package index can still build the project's
moto virtual environment:

    python3 scripts/wheels-from-installed.py /tmp/wheelhouse            # moto[server] + deps
    PIP_NO_INDEX=1 PIP_FIND_LINKS=/tmp/wheelhouse ./scripts/start.sh

Run it with a Python that has the pinned moto installed (packages/sandbox/moto/
requirements.txt). Each wheel is rebuilt from the files the distribution's RECORD lists
(console scripts are left out: pip writes them again from entry_points.txt), with a fresh
RECORD; its tags are the ones in the installed WHEEL file, so binary wheels only suit the same
Python ABI and platform. Only the requirement and what it needs (extras included) are packed.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import sys
import zipfile
from importlib import metadata
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
except ImportError:  # pip always vendors packaging
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(roots: list[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions the requirements need, by normalized name."""
    found: dict[str, metadata.Distribution] = {}
    seen_extras: set[tuple[str, str]] = set()
    pending = [Requirement(r) for r in roots]
    while pending:
        req = pending.pop()
        key = normalize(req.name)
        try:
            dist = found.get(key) or metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            sys.exit(f"{req.name} is not installed in {sys.executable}")
        if key in found and all((key, e) in seen_extras for e in req.extras):
            continue
        found[key] = dist
        extras = {""} | set(req.extras)
        for extra in extras:
            seen_extras.add((key, extra))
        for line in dist.requires or []:
            dep = Requirement(line)
            env = default_environment()
            if dep.marker is None or any(
                dep.marker.evaluate({**env, "extra": e}) for e in extras
            ):
                pending.append(dep)
    return found


def wheel_tags(wheel_file: str) -> str:
    tags = [
        line.split(":", 1)[1].strip()
        for line in wheel_file.splitlines()
        if line.startswith("Tag:")
    ]
    parts = [sorted({t.split("-")[i] for t in tags}) for i in range(3)]
    return "-".join(".".join(p) for p in parts)


def record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


SKIPPED_METADATA = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def pack(dist: metadata.Distribution, out_dir: Path) -> Path:
    info_dir = next(
        (f for f in dist.files or [] if f.parts[0].endswith(".dist-info")), None
    )
    if info_dir is None:
        sys.exit(f"{dist.metadata['Name']} has no RECORD (not installed from a wheel)")
    info = info_dir.parts[0]
    wheel_meta = dist.read_text("WHEEL")
    if not wheel_meta:
        sys.exit(f"{dist.metadata['Name']} has no WHEEL file in {info}")
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    target = out_dir / f"{name}-{dist.version}-{wheel_tags(wheel_meta)}.whl"
    rows = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as whl:
        for f in dist.files or []:
            rel = f.as_posix()
            if rel.startswith("..") or "__pycache__" in f.parts or rel.endswith(".pyc"):
                continue
            if f.parts[0] == info and f.name in SKIPPED_METADATA:
                continue
            path = Path(dist.locate_file(f))
            if not path.is_file():
                continue
            data = path.read_bytes()
            whl.writestr(rel, data)
            rows.append((rel, record_hash(data), str(len(data))))
        rows.append((f"{info}/RECORD", "", ""))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        whl.writestr(f"{info}/RECORD", buf.getvalue())
    return target


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} OUT_DIR [REQUIREMENT ...]")
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    roots = sys.argv[2:] or ["moto[server]", "pip", "setuptools", "wheel"]
    roots = [r for r in roots if r == roots[0] or _installed(r)]
    for dist in closure(roots).values():
        print(pack(dist, out_dir).name)


def _installed(req: str) -> bool:
    try:
        metadata.distribution(Requirement(req).name)
        return True
    except metadata.PackageNotFoundError:
        return False


if __name__ == "__main__":
    main()
