"""The fast local path of ``doccano pull``: Doccano's export rows from the server's own database.

Why: Doccano 1.8.4's export task takes ~2 minutes for 10,000 annotated examples (it exports
every member's file over all examples and queries the database twice per relation). When
DOCCANO_URL is a server started by our own code (``DoccanoServer``, i.e. ``doccano serve`` or
the test fixture), its record (``server.find_server``) tells us its data folder and virtualenv,
so we run :mod:`.server_export` with the server venv's Python on a read-only connection to its
SQLite database. It returns the same per-user rows the export zip holds, so the conversion code
is unchanged. Remote servers, and servers we did not start, keep using the REST export.

The caller must have logged in through the API first (credentials, project and permission
errors stay the REST path's); the exporter checks that the login's token is in the database,
so a stale record can never make us read another server's data.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Sequence
from pathlib import Path

from . import server_export
from .server import ServerRecord, find_server, server_env

__all__ = ["LocalExportError", "export_local", "find_server"]

SCRIPT = Path(server_export.__file__)


class LocalExportError(RuntimeError):
    """The local exporter could not run or refused (wrong database, unsupported project)."""


def export_local(record: ServerRecord, jobs: Sequence[tuple[int, bool]], *, username: str, token: str, timeout: float = 600.0) -> list[dict[str, list[dict]]]:
    """Per job ``(project id, confirmed only)``: ``{username: rows}`` as Doccano's JSONL export
    (``exportApproved``) would hold them, from one run of the exporter in the server venv."""
    projects = sorted({pid for pid, _ in jobs})
    request = json.dumps({"db": str(record.db_path), "username": username, "token": token, "projects": projects})
    # A throwaway SECRET_KEY: the exporter signs nothing; the server's key never leaves it.
    env = server_env(record.data_dir, record.port, record.venv, secrets.token_urlsafe(50))
    try:
        # -P: the script's folder (with our types.py) must not shadow the standard library.
        proc = subprocess.run([str(record.python), "-P", str(SCRIPT)], input=request.encode(), capture_output=True, env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise LocalExportError(f"the local export from {record.db_path} did not finish in {timeout:.0f} s") from None
    except OSError as e:
        raise LocalExportError(f"cannot run the server's Python {record.python}: {e}") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        last = lines[-1] if lines else "(no message)"
        raise LocalExportError(f"local export from {record.db_path} failed (exit code {proc.returncode}): {last}")
    try:
        data = json.loads(proc.stdout)["projects"]
    except (ValueError, KeyError) as e:
        raise LocalExportError(f"local export from {record.db_path}: unreadable output ({e})") from None
    out = []
    for pid, approved in jobs:
        part = data[str(pid)]
        if not approved:
            out.append(part["files"])
            continue
        files = {}
        for user, rows in part["files"].items():
            keep = set(part["confirmed"].get(user, ()))
            files[user] = [r for r in rows if r["id"] in keep]
        out.append(files)
    return out
