"""Doccano's JSONL export rows, read straight from a local server's database (read-only).

Runs INSIDE THE SERVER'S VIRTUALENV (``<venv>/bin/python server_export.py``, our settings
module), started by :mod:`corpus_tools.doccano.local_export`. Why: Doccano 1.8.4's export task
writes every member's file over all examples and runs two SQL queries per relation, so a pull of
10,000 examples spends ~2 minutes in it; the same rows come out of a handful of bulk queries.

This file imports nothing from corpus_tools (the server venv does not have it) and Django only
inside ``main``, so the pure row builder can be unit-tested from the project's venv.

Input (stdin, JSON): ``{"db", "username", "token", "projects": [ids]}``. The API token of the
caller's login must be in this database for that user: proof that the database is the one behind
the URL the caller logged in to. Output (stdout, JSON):
``{"projects": {id: {"files": {username: rows}, "confirmed": {username: [example ids]}}}}``;
``files`` are the rows of Doccano's export (``exportApproved=false``); the confirmed-only
export is the same rows restricted to ``confirmed`` (same rows, same order). Exit code 3 with a
one-line message on stderr when the database is not the expected one or a project cannot be
exported this way (the caller then uses Doccano's export).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from typing import Any

SPANS = "spans"  # SequenceLabeling project with relations: entities, relations, Comments as dicts
CATEGORIES = "categories"  # DocumentClassification: label and Comments as sorted strings


class NotExportable(Exception):
    """The database or project cannot be exported here; the caller falls back to Doccano's export."""


def member_rows(
    kind: str,
    examples: list[tuple[int, Any, dict]],
    user_id: int,
    labels: dict[tuple[int, int], dict[str, list]],
) -> list[dict]:
    """One member's file of Doccano's JSONL export, as parsed rows.

    ``examples``: ``(id, text, meta)`` in export order; ``labels``: ``(example id, user id)`` ->
    column -> values, already in Doccano's order. Mirrors ``ExportedExample.to_dict`` (``id``,
    ``data``, then the meta keys, which may shadow ``id``), the label columns and ``Comments``
    (``DictFormatter`` keeps order, ``ListedCategoryFormatter`` sorts), the rename of ``data`` to
    ``text`` (and ``categories`` to ``label``), and pandas' filling of meta keys missing in some
    rows with null.
    """
    columns = ("entities", "relations", "Comments") if kind == SPANS else ("categories", "Comments")
    rows: list[dict] = []
    meta_keys: dict[str, None] = {}
    for ex_id, text, meta in examples:
        row: dict[str, Any] = {"id": ex_id, "data": text}
        meta = meta if isinstance(meta, dict) else {}
        row.update(meta)
        meta_keys.update(dict.fromkeys(meta))
        got = labels.get((ex_id, user_id), {})
        for col in columns:
            values = got.get(col, [])
            row[col] = sorted(values) if kind == CATEGORIES else list(values)
        out = {}
        for key, value in row.items():
            if key == "data":
                key = "text"
            elif key == "categories" and kind == CATEGORIES:
                key = "label"
            out[key] = value
        rows.append(out)
    missing_possible = [k for k in meta_keys if k not in ("id", "data", *columns)]
    for row in rows:
        for k in missing_possible:
            if k not in row:
                row[k] = None
    return rows


def _export_project(project_id: int) -> dict:
    """Every member's rows and confirmed example ids of one project (a handful of bulk queries)."""
    from django.core.exceptions import ObjectDoesNotExist
    from examples.models import Comment, Example, ExampleState
    from labels.models import Category, Relation, Span
    from projects.models import Member, Project, ProjectType

    try:
        project = Project.objects.get(pk=project_id)
    except ObjectDoesNotExist:
        raise NotExportable(f"project {project_id} is not in this database") from None
    if project.collaborative_annotation:
        raise NotExportable(f"project {project_id} has collaborative annotation (one shared file)")
    if project.project_type == ProjectType.SEQUENCE_LABELING and getattr(project, "use_relation", False):
        kind = SPANS
    elif project.project_type == ProjectType.DOCUMENT_CLASSIFICATION:
        kind = CATEGORIES
    else:
        raise NotExportable(f"project {project_id} is a {project.project_type} project")

    examples = list(Example.objects.filter(project_id=project_id).order_by("created_at", "id").values_list("id", "text", "meta"))
    labels: dict[tuple[int, int], dict[str, list]] = defaultdict(lambda: defaultdict(list))
    of_project = {"example__project_id": project_id}
    if kind == SPANS:
        for sid, ex, user, label, start, end in Span.objects.filter(**of_project).order_by("id").values_list(
            "id", "example_id", "user_id", "label__text", "start_offset", "end_offset"
        ):
            labels[ex, user]["entities"].append({"id": sid, "label": label, "start_offset": start, "end_offset": end})
        for rid, ex, user, head, tail, rtype in Relation.objects.filter(**of_project).order_by("id").values_list(
            "id", "example_id", "user_id", "from_id_id", "to_id_id", "type__text"
        ):
            labels[ex, user]["relations"].append({"id": rid, "from_id": head, "to_id": tail, "type": rtype})
    else:
        for ex, user, label in Category.objects.filter(**of_project).values_list("example_id", "user_id", "label__text"):
            labels[ex, user]["categories"].append(label)
    for cid, ex, user, text in Comment.objects.filter(**of_project).order_by("created_at", "id").values_list("id", "example_id", "user_id", "text"):
        labels[ex, user]["Comments"].append({"id": cid, "comment": text} if kind == SPANS else text)
    confirmed: dict[int, list[int]] = defaultdict(list)
    order = {ex_id: i for i, (ex_id, _, _) in enumerate(examples)}
    for ex, user in ExampleState.objects.filter(**of_project).values_list("example_id", "confirmed_by_id"):
        confirmed[user].append(ex)
    files, conf = {}, {}
    for user_id, username in Member.objects.filter(project_id=project_id).order_by("id").values_list("user_id", "user__username"):
        files[username] = member_rows(kind, examples, user_id, labels)
        conf[username] = sorted(confirmed.get(user_id, []), key=order.__getitem__)
    return {"files": files, "confirmed": conf}


def main() -> int:
    request = json.load(sys.stdin)
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing Django prints may corrupt the JSON on stdout
    import os
    from urllib.parse import quote

    sys.path.append(os.environ["CORPUS_TOOLS_DOCCANO_BACKEND"])
    from django.conf import settings

    # Read-only: SQLite refuses every write on this connection.
    settings.DATABASES["default"]["NAME"] = "file:" + quote(request["db"]) + "?mode=ro"
    import django

    django.setup()
    from django.db import transaction
    from rest_framework.authtoken.models import Token

    try:
        with transaction.atomic():  # one read transaction: every project from the same state
            if not Token.objects.filter(key=request["token"], user__username=request["username"]).exists():
                raise NotExportable(f"this database does not hold the login of {request['username']!r}: it is not the server's database")
            result = {"projects": {str(pid): _export_project(int(pid)) for pid in request["projects"]}}
    except NotExportable as e:
        print(f"local export not possible: {e}", file=sys.stderr)
        return 3
    # json.dumps, not json.dump: dump streams through the pure-Python encoder in millions of
    # small writes (measured 17 s of 35 s for 10,000 examples); dumps uses the C encoder.
    out.buffer.write(json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
