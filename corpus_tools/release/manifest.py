"""``manifest.json``: the release's table of contents, written last.

It lists every other file with its size and SHA-256 (sorted by path), the row counts per
config and split, the hashes of the inputs (articles, annotations, label scheme), the scheme
version and the tool version. Deliberately absent: the git commit and the build time (either
would break byte-identical rebuilds) and absolute paths (they differ per machine).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
import json
from pathlib import Path
from typing import Any

from ..records import atomic_write

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1


def sha256_file(path: str | Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def file_entries(release_dir: str | Path, known_sha256: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """``{path, bytes, sha256}`` for every file under ``release_dir`` except the manifest;
    ``known_sha256`` (relative path -> digest) spares hashing files the caller already hashed."""
    known = known_sha256 or {}
    root = Path(release_dir)
    out = []
    for p in sorted(root.rglob("*"), key=lambda q: q.relative_to(root).as_posix()):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and rel != MANIFEST_NAME:
            out.append({"path": rel, "bytes": p.stat().st_size, "sha256": known.get(rel) or sha256_file(p)})
    return out


def build_manifest(
    release_dir: str | Path,
    *,
    name: str,
    version: str,
    release_date: str,
    partial: bool,
    rows: dict[str, dict[str, int]],
    inputs: dict[str, dict[str, Any]],
    scheme: dict[str, str],
    tool: dict[str, str],
    known_sha256: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "manifest_format": MANIFEST_FORMAT,
        "name": name,
        "version": version,
        "release_date": release_date,
        "partial": partial,
        "tool": tool,
        "scheme": scheme,
        "inputs": inputs,
        "rows": rows,
        "files": file_entries(release_dir, known_sha256),
    }


def dumps_manifest(manifest: dict[str, Any]) -> str:
    """Stable JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_manifest(release_dir: str | Path, manifest: dict[str, Any]) -> Path:
    path = Path(release_dir) / MANIFEST_NAME
    with atomic_write(path) as fh:
        fh.write(dumps_manifest(manifest))
    return path


def read_manifest(release_dir: str | Path) -> dict[str, Any]:
    path = Path(release_dir) / MANIFEST_NAME
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no manifest; {Path(release_dir)} is not a complete release") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e}); the release is damaged, rebuild it") from None
