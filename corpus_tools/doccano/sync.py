"""Sync the corpus with a Doccano 1.8.4 server: set up projects, push articles, pull labels.

One corpus "project" is a PAIR of Doccano projects, because no Doccano 1.8 project type holds
spans, relations and document categories at once in its annotation UI and its import/export:
a SequenceLabeling project with ``use_relation`` (spans + relations; import task
``RelationExtraction``, export ``entities``/``relations``) named ``NAME``, and a
DocumentClassification project named ``NAME-categories`` (import/export ``label``). The pair is
hidden behind ``ProjectInfo``; a scheme without categories uses only the first.

Examples are keyed by ``meta.article_id``. Pushes go through Doccano's own bulk import (never one
REST call per example) in batches, and pulls through its bulk export, which keeps each user's
labels in a separate ``<username>.jsonl`` of non-collaborative projects. Offsets are converted
between code points and Doccano units (``offsets.py``) in both directions.

An annotation counts as ``confirmed`` when its annotator confirmed the example in the spans
project and (if there is one) in the categories project. Pre-annotations are imported as the
pushing user's labels (Doccano attributes imported labels to the importer).

Cost note (measured, see bench/bench_doccano.py): Doccano 1.8's export runs two SQL queries per
relation (``ExportedRelation.to_dict`` follows both span foreign keys) and writes every member's
file over all examples, so exporting a project with many relations is slow. When the server is
one we started on this machine, pulls and the listing of already-pushed examples therefore read
the same rows from its database instead (``export_projects``, ``local_export``); Doccano's
export stays the path for any other server and can be forced with ``via="export"``.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..annotation import Annotation, text_sha256
from ..article import Article
from ..labels import LabelScheme
from ..records import Reject, describe_validation_error
from .offsets import OffsetError, OffsetMap, unit_for

CATEGORIES_SUFFIX = "-categories"
META_KEY = "article_id"
SPANS_TASK = "RelationExtraction"
CATEGORIES_TASK = "DocumentClassification"
DEFAULT_BATCH_SIZE = 5000  # Doccano commits every 1,000 rows itself; fewer imports = less overhead

Progress = Callable[[str, int, int], None]  # (what, done, total)
log = logging.getLogger(__name__)


class SyncError(RuntimeError):
    """A sync step cannot go on; the message says what to do."""


class ProjectNotFound(SyncError):
    pass


# --------------------------------------------------------------------------- project setup


@dataclass
class ProjectInfo:
    """The Doccano project(s) behind one corpus project."""

    name: str
    spans_project_id: int
    categories_project_id: int | None
    grapheme_mode: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return unit_for(self.grapheme_mode)

    @property
    def project_ids(self) -> list[int]:
        return [self.spans_project_id] + ([self.categories_project_id] if self.categories_project_id else [])


def categories_project_name(name: str) -> str:
    return f"{name}{CATEGORIES_SUFFIX}"


def guideline_text(scheme: LabelScheme, guideline: str | None) -> str:
    """The project guideline: the written guideline, else one generated from the label descriptions."""
    if guideline and guideline.strip():
        return guideline
    lines = [f"# Annotation guideline (label scheme {scheme.version})", "", "## Entities", ""]
    lines += [f"- **{e.name}**: {e.description}" for e in scheme.entities]
    if scheme.relations:
        lines += ["", "## Relations", ""]
        for r in scheme.relations:
            ends = f" (head: {', '.join(r.head) or 'any'}; tail: {', '.join(r.tail) or 'any'})"
            lines.append(f"- **{r.name}**: {r.description}{ends}")
    for g in scheme.category_groups:
        lines += ["", f"## Categories: {g.name}" + (" (choose one)" if g.exclusive else ""), "", g.description, ""]
        lines += [f"- **{c.name}**: {c.description}" for c in g.labels]
    return "\n".join(lines) + "\n"


def _ensure_project(client, name: str, project_type: str, fields: dict[str, Any], info_lists: tuple[list, list]) -> Any:
    created, updated = info_lists
    project = client.find_project(name)
    if project is None:
        project = client.create_project(name=name, project_type=project_type, description=fields.pop("description"), **fields)
        created.append(f"project {name}")
        return project
    if project.project_type != project_type:
        raise SyncError(f"Doccano project {name!r} exists with type {project.project_type}, expected {project_type}; rename or delete it")
    fields = dict(fields)
    fields.pop("description", None)
    if "grapheme_mode" in fields and project.grapheme_mode is not None and project.grapheme_mode != fields["grapheme_mode"]:
        raise SyncError(
            f"Doccano project {name!r} has grapheme_mode={project.grapheme_mode}; changing it would change the meaning "
            "of every stored offset. Keep the setting (omit --grapheme-mode / pass it as before) or start a new project"
        )
    # Doccano's serializer trims white space at both ends of text fields.
    same = lambda a, b: a.strip() == b.strip() if isinstance(a, str) and isinstance(b, str) else a == b  # noqa: E731
    changes = {k: v for k, v in fields.items() if not same(getattr(project, k, None), v)}
    if changes:
        project = client.update_project(project.id, **changes)
        updated.append(f"project {name}: {', '.join(sorted(changes))}")
    return project


def _ensure_label_types(client, project_id: int, kind: str, labels: Sequence, info_lists: tuple[list, list]) -> None:
    created, updated = info_lists
    existing = {t.text: t for t in client.list_label_types(project_id, kind)}
    for lab in labels:
        have = existing.get(lab.name)
        shortcut = getattr(lab, "shortcut", None) if kind != "relation" else None
        if have is None:
            client.create_label_type(project_id, kind, lab.name, lab.color, suffix_key=shortcut)
            created.append(f"{kind} type {lab.name}")
        elif have.background_color.lower() != lab.color.lower() or (kind != "relation" and have.suffix_key != shortcut):
            client.update_label_type(project_id, kind, have.id, background_color=lab.color, suffix_key=shortcut)
            updated.append(f"{kind} type {lab.name}")


def setup_project(client, name: str, scheme: LabelScheme, guideline: str | None, *, grapheme_mode: bool = False) -> ProjectInfo:
    """Create or update the project pair and its label types from the scheme (idempotent).

    Lists before creating (Doccano answers a duplicate label name with HTTP 500). Label types
    that Doccano has but the scheme does not are left alone (labels may use them).
    """
    created: list[str] = []
    updated: list[str] = []
    text = guideline_text(scheme, guideline)
    spans = _ensure_project(
        client,
        name,
        "SequenceLabeling",
        {
            "description": f"Entities and relations (label scheme {scheme.version}); keyed by meta.{META_KEY}.",
            "guideline": text,
            "use_relation": True,
            "allow_overlapping": scheme.allow_overlapping_spans,
            "grapheme_mode": grapheme_mode,
            "collaborative_annotation": False,
        },
        (created, updated),
    )
    _ensure_label_types(client, spans.id, "span", scheme.entities, (created, updated))
    _ensure_label_types(client, spans.id, "relation", scheme.relations, (created, updated))
    cats_id = None
    if scheme.category_groups:
        groups = scheme.category_groups
        cats = _ensure_project(
            client,
            categories_project_name(name),
            "DocumentClassification",
            {
                "description": f"Document categories (label scheme {scheme.version}) of the articles in {name!r}.",
                "guideline": text,
                "single_class_classification": len(groups) == 1 and groups[0].exclusive,
                "collaborative_annotation": False,
            },
            (created, updated),
        )
        _ensure_label_types(client, cats.id, "category", [c for g in groups for c in g.labels], (created, updated))
        cats_id = cats.id
    return ProjectInfo(name, spans.id, cats_id, bool(spans.grapheme_mode), created, updated)


def get_project(client, name: str) -> ProjectInfo:
    """Find the project pair made by ``setup_project``; ProjectNotFound names the fix."""
    spans = client.find_project(name)
    if spans is None:
        raise ProjectNotFound(f"Doccano project {name!r} not found; create it with: corpus-tools doccano setup --project {name}")
    if spans.project_type != "SequenceLabeling" or not spans.use_relation:
        raise SyncError(f"Doccano project {name!r} is not a SequenceLabeling project with relations; was it made by `corpus-tools doccano setup`?")
    if spans.collaborative_annotation:
        raise SyncError(f"Doccano project {name!r} has collaborative annotation on, so labels are not kept apart per annotator; turn it off")
    cats = client.find_project(categories_project_name(name))
    return ProjectInfo(name, spans.id, cats.id if cats else None, bool(spans.grapheme_mode))


# --------------------------------------------------------------------------- example index


@dataclass
class Existing:
    """Examples of one Doccano project by article id (more than one = a duplicate)."""

    by_article: dict[str, list[tuple[int, str]]]  # article_id -> [(example_id, text)] sorted by id
    foreign: int = 0  # examples without meta.article_id (not ours)
    labelled: set[int] = field(default_factory=set)  # example ids on which any member has a label


def list_existing(client, project_id: int, *, via: str = "auto") -> Existing:
    """Article ids of a project's examples, from one bulk export (REST paging costs ~12 ms per
    example in Doccano 1.8), read locally when the server is ours (see ``export_projects``).
    Empty projects cost one call."""
    by_article: dict[str, list[tuple[int, str]]] = defaultdict(list)
    foreign = 0
    if client.count_examples(project_id) == 0:
        return Existing({})
    files = export_projects(client, [(project_id, False)], via=via)[0][0]
    labelled = {r["id"] for rows in files.values() for r in rows if any(r.get(k) for k in ("entities", "relations", "label"))}
    rows = next(iter(files.values()), [])  # every member's file lists every example
    for row in rows:
        aid = row.get(META_KEY)
        if not isinstance(aid, str):
            foreign += 1
            continue
        by_article[aid].append((row["id"], row.get("text") or ""))
    for lst in by_article.values():
        lst.sort()
    return Existing(dict(by_article), foreign, labelled)


def remove_duplicates(client, project_id: int, existing: Existing) -> int:
    """Keep the oldest example of each article id, delete later copies (left by a killed run)."""
    extra = [ex_id for lst in existing.by_article.values() for ex_id, _ in lst[1:]]
    if extra:
        client.delete_examples(project_id, extra)  # one bulk call (never with an empty list)
    for aid, lst in existing.by_article.items():
        existing.by_article[aid] = lst[:1]
    return len(extra)


# --------------------------------------------------------------------------- push


@dataclass
class PushReport:
    created: int = 0
    unchanged: int = 0
    changed: list[str] = field(default_factory=list)  # article ids whose text differs in Doccano
    updated: list[str] = field(default_factory=list)  # changed articles updated (--update-changed)
    flagged: list[str] = field(default_factory=list)  # changed articles NOT updated: spans could not be re-anchored
    duplicates_removed: int = 0
    preannotated: int = 0  # articles uploaded with pre-annotations (spans project)
    replaced: int = 0  # unlabelled examples re-imported to attach their pre-annotations
    rejected: list[Reject] = field(default_factory=list)
    import_errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.rejected or self.import_errors or self.flagged or (self.changed and len(self.updated) < len(self.changed)))


def _has_content(ann: Annotation, task: str) -> bool:
    return bool(ann.spans or ann.relations) if task == SPANS_TASK else bool(ann.categories)


def _spans_row(article: Article, ann: Annotation | None, omap: OffsetMap | None) -> dict:
    entities: list[dict] = []
    relations: list[dict] = []
    if ann is not None and omap is not None:
        num = {s.id: i for i, s in enumerate(ann.spans, 1)}
        for s in ann.spans:
            start, end = omap.span_to_unit(s.start, s.end)
            entities.append({"id": num[s.id], "start_offset": start, "end_offset": end, "label": s.label})
        relations = [{"id": i, "from_id": num[r.head], "to_id": num[r.tail], "type": r.label} for i, r in enumerate(ann.relations, 1)]
    return {"text": article.text, META_KEY: article.id, "entities": entities, "relations": relations}


def _categories_row(article: Article, ann: Annotation | None) -> dict:
    return {"text": article.text, META_KEY: article.id, "label": [c.label for c in ann.categories] if ann else []}


def check_preannotations(
    articles: dict[str, Article], annotations: Iterable[Annotation], scheme: LabelScheme | None, grapheme_mode: bool
) -> tuple[dict[str, Annotation], list[Reject]]:
    """Pre-annotations that can be pushed exactly, by article id; the rest rejected with a reason."""
    good: dict[str, Annotation] = {}
    rejects: list[Reject] = []
    seen: dict[str, str] = {}
    for ann in annotations:
        src = f"{ann.annotator}/{ann.article_id}"
        art = articles.get(ann.article_id)
        try:
            if ann.article_id in seen:
                raise ValueError(f"a second pre-annotation for the article (first by {seen[ann.article_id]}); push one annotator's file")
            if art is None:
                raise ValueError("no such article among the pushed articles")
            Annotation.model_validate(ann.model_dump(), context={"article": art, "scheme": scheme})
            omap = OffsetMap(art.text, unit_for(grapheme_mode))
            for s in ann.spans:
                omap.span_to_unit(s.start, s.end)
        except (ValueError, ValidationError, OffsetError) as e:
            msg = describe_validation_error(e) if isinstance(e, ValidationError) else str(e)
            rejects.append(Reject(source=src, reason=f"pre-annotation not pushed: {msg}", stage="doccano-push"))
            continue
        seen[ann.article_id] = ann.annotator
        good[ann.article_id] = ann
    return good, rejects


def _write_rows(rows: list[dict], directory: str, name: str) -> Path:
    # ASCII-escaped JSON: no raw U+2028/U+0085 can ever split a line in Doccano's reader.
    path = Path(directory) / name
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=True, separators=(",", ":")))
            fh.write("\n")
    return path


def _upload_batches(client, project_id: int, rows: list[dict], task: str, *, batch_size: int, what: str, progress: Progress | None, errors: list[dict]) -> None:
    with tempfile.TemporaryDirectory(prefix="corpus-tools-push-") as tmp:
        for i in range(0, len(rows), batch_size):
            batch = rows[i : i + batch_size]
            path = _write_rows(batch, tmp, f"{what}-{i // batch_size:05d}.jsonl")
            kwargs = {"column_label": "label"} if task == CATEGORIES_TASK else {}
            result = client.upload(project_id, path, task=task, format="JSONL", column_data="text", **kwargs)
            errors.extend(getattr(result, "errors", None) or [])
            if progress:
                progress(what, min(i + batch_size, len(rows)), len(rows))


@dataclass
class _ProjectPush:
    created: int = 0
    preannotated: int = 0
    replaced: int = 0
    duplicates_removed: int = 0
    changed: set[str] = field(default_factory=set)
    import_errors: list[dict] = field(default_factory=list)


def _push_one(client, project: ProjectInfo, project_id: int, task: str, articles: Sequence[Article], pre: dict[str, Annotation], batch_size: int, progress: Progress | None, via: str = "auto") -> _ProjectPush:
    """List, de-duplicate, upload the missing articles, verify: one Doccano project."""
    out = _ProjectPush()
    existing = list_existing(client, project_id, via=via)
    out.duplicates_removed += remove_duplicates(client, project_id, existing)
    new_rows: list[dict] = []
    replace: list[int] = []
    for a in articles:
        have = existing.by_article.get(a.id)
        ann = pre.get(a.id)
        if have and ann and have[0][1] == a.text and have[0][0] not in existing.labelled and _has_content(ann, task):
            # Pushed before without these pre-annotations (or a killed import saved the example
            # but not its labels) and nobody has labelled it since: replace it to attach them.
            replace.append(have[0][0])
            have = None
        if not have:
            if task == SPANS_TASK:
                new_rows.append(_spans_row(a, ann, OffsetMap(a.text, project.unit) if ann else None))
            else:
                new_rows.append(_categories_row(a, ann))
        elif have[0][1] != a.text:
            out.changed.add(a.id)
    if replace:
        client.delete_examples(project_id, replace)
        out.replaced = len(replace)
    before = sum(len(v) for v in existing.by_article.values()) + existing.foreign - len(replace)
    what = "spans" if task == SPANS_TASK else "categories"
    _upload_batches(client, project_id, new_rows, task, batch_size=batch_size, what=what, progress=progress, errors=out.import_errors)
    out.created = len(new_rows) - len(replace)
    out.preannotated = sum(1 for r in new_rows if r[META_KEY] in pre) if task == SPANS_TASK else 0
    # A killed earlier run's import may have still been running on the server, or an import
    # may have lost rows: when the count is not exactly what we expect, list and fix again.
    if new_rows and client.count_examples(project_id) != before + len(new_rows):
        after = list_existing(client, project_id, via=via)
        out.duplicates_removed += remove_duplicates(client, project_id, after)
        missing = [r[META_KEY] for r in new_rows if r[META_KEY] not in after.by_article]
        if missing:
            raise SyncError(
                f"{len(missing)} article(s) did not arrive in Doccano project {project_id} (first: {missing[0]}); "
                f"import errors: {out.import_errors[:3]}; run push again"
            )
    return out


def push_articles(
    client,
    project: ProjectInfo,
    articles: Sequence[Article],
    annotations: Iterable[Annotation] | None = None,
    *,
    update_changed: bool = False,
    scheme: LabelScheme | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    via: str = "auto",
) -> PushReport:
    """Upload the articles not yet in Doccano (bulk import, in batches), with pre-annotations.

    Idempotent and resumable: existing article ids are listed first (and copies a killed run
    left behind removed) before, and duplicates checked again after, the upload. An article
    whose text changed is reported; with ``update_changed`` its text is replaced and every
    user's spans re-anchored where the old span text occurs exactly once in the new text;
    otherwise the article is flagged and left as it is, never shifted. ``via``: how existing
    examples are listed (see ``export_projects``).
    """
    report = PushReport()
    by_id: dict[str, Article] = {}
    for a in articles:
        if a.id in by_id:
            raise SyncError(f"article id {a.id!r} appears twice in the input; fix the articles file first")
        by_id[a.id] = a
    pre, report.rejected = check_preannotations(by_id, annotations or [], scheme, project.grapheme_mode)

    targets = [(project.spans_project_id, SPANS_TASK)]
    if project.categories_project_id:
        targets.append((project.categories_project_id, CATEGORIES_TASK))
    # The two projects are pushed side by side: their imports queue back to back on the
    # server's worker instead of waiting for each other's round trips.
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        futures = [pool.submit(_push_one, client, project, pid, task, articles, pre, batch_size, progress, via) for pid, task in targets]
        parts = [f.result() for f in futures]
    changed: set[str] = set()
    for task, part in zip((t for _, t in targets), parts):
        changed |= part.changed
        report.duplicates_removed += part.duplicates_removed
        report.replaced += part.replaced
        report.import_errors.extend(part.import_errors)
        if task == SPANS_TASK:
            report.created = part.created
            report.preannotated = part.preannotated
    report.unchanged = len(articles) - report.created - len(changed)
    report.changed = sorted(changed)
    if changed and update_changed:
        _update_changed(client, project, [by_id[a] for a in report.changed], report, via)
    return report


# --------------------------------------------------------------------------- changed texts


def reanchor(old_text: str, new_text: str, start: int, end: int) -> tuple[int, int] | None:
    """New code point offsets of ``old_text[start:end]`` if it occurs exactly once in ``new_text``."""
    needle = old_text[start:end]
    first = new_text.find(needle)
    if first < 0 or new_text.find(needle, first + 1) >= 0:
        return None
    return first, first + len(needle)


def _move_order(moves: list[tuple[int, int, int, int, int]]) -> list[tuple[int, int, int, int, int]] | None:
    """Order span moves (id, old_s, old_e, new_s, new_e) of one user so that no move overlaps
    another span's current position (Doccano validates every save); None if impossible."""
    pos = {m[0]: (m[1], m[2]) for m in moves}
    todo = [m for m in moves if (m[1], m[2]) != (m[3], m[4])]
    order: list = []
    while todo:
        for m in todo:
            if all(not (m[3] < e and s < m[4]) for sid, (s, e) in pos.items() if sid != m[0]):
                order.append(m)
                pos[m[0]] = (m[3], m[4])
                todo.remove(m)
                break
        else:
            return None
    return order


def _update_span(client, project_id: int, example_id: int, span_id: int, start: int, end: int) -> None:
    """Move any user's span (a superuser may PATCH others' labels; the REST list shows only one's own)."""
    if hasattr(client, "update_span"):
        client.update_span(project_id, example_id, span_id, start_offset=start, end_offset=end)
    else:  # the client has no update_span yet: same PATCH through its request core (retries, errors)
        path = f"/v1/projects/{project_id}/examples/{example_id}/spans/{span_id}"
        client._request("PATCH", path, json={"start_offset": start, "end_offset": end}, idempotent=True)


def _update_changed(client, project: ProjectInfo, articles: list[Article], report: PushReport, via: str = "auto") -> None:
    exported = export_projects(client, [(project.spans_project_id, False)], via=via)[0][0]
    ids = {a.id for a in articles}
    # article id -> (example id, old text, [(user, span)])
    spans_of: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    example_of: dict[str, tuple[int, str]] = {}
    for user, rows in exported.items():
        for row in rows:
            aid = row.get(META_KEY)
            if aid in ids:
                example_of[aid] = (row["id"], row["text"])
                spans_of[aid].extend((user, s) for s in row.get("entities") or [])
    cats = list_existing(client, project.categories_project_id, via=via).by_article if project.categories_project_id else {}
    for art in articles:
        ex_id, old_text = example_of[art.id]
        old_map, new_map = OffsetMap(old_text, project.unit), OffsetMap(art.text, project.unit)
        per_user: dict[str, list] = defaultdict(list)
        problem = None
        for user, s in spans_of[art.id]:
            try:
                cs, ce = old_map.span_from_unit(s["start_offset"], s["end_offset"])
                found = reanchor(old_text, art.text, cs, ce)
                if found is None:
                    problem = f"span {old_text[cs:ce]!r} of {user} is missing or ambiguous in the new text"
                    break
                ns, ne = new_map.span_to_unit(*found)
            except OffsetError as e:
                problem = f"span of {user}: {e}"
                break
            per_user[user].append((s["id"], s["start_offset"], s["end_offset"], ns, ne))
        orders = {u: _move_order(m) for u, m in per_user.items()} if problem is None else {}
        if problem is None and any(o is None for o in orders.values()):
            problem = "the re-anchored spans cannot be moved without a transient overlap"
        if problem is not None:
            report.flagged.append(art.id)
            report.rejected.append(Reject(source=art.id, reason=f"text changed, not updated: {problem}; fix it in Doccano by hand", stage="doccano-push"))
            continue
        client.update_example(project.spans_project_id, ex_id, text=art.text)
        for order in orders.values():
            for span_id, _, _, ns, ne in order:
                _update_span(client, project.spans_project_id, ex_id, span_id, ns, ne)
        for cat_ex_id, _ in cats.get(art.id, [])[:1]:
            client.update_example(project.categories_project_id, cat_ex_id, text=art.text)
        report.updated.append(art.id)


# --------------------------------------------------------------------------- export / pull


def parse_export(data: bytes) -> dict[str, list[dict]]:
    """A Doccano JSONL export zip -> {username: rows}; ``all`` for a collaborative project."""
    out: dict[str, list[dict]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if not name.endswith(".jsonl"):
                continue
            user = name.rsplit("/", 1)[-1][: -len(".jsonl")]
            rows = []
            for n, line in enumerate(io.TextIOWrapper(zf.open(name), encoding="utf-8"), 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise SyncError(f"Doccano export {name}:{n} is not valid JSON ({e.msg})") from None
            out[user] = rows
    return out


def export_project(client, project_id: int, *, approved: bool) -> dict[str, list[dict]]:
    """One REST export (Doccano's Celery task) of a project, parsed: ``{username: rows}``."""
    return parse_export(client.export(project_id, "JSONL", export_approved=approved))


VIA = ("auto", "local", "export")


def export_projects(client, jobs: Sequence[tuple[int, bool]], *, via: str = "auto") -> tuple[list[dict[str, list[dict]]], str]:
    """The export rows of each job ``(project id, confirmed only)`` and the path used
    (``"local"`` or ``"export"``).

    ``via="auto"`` reads the rows from the server's database when ``client`` talks to a server
    started by our own code on this machine (``local_export``), else, or if that fails (with a
    warning), runs Doccano's export tasks concurrently; ``"export"`` always uses Doccano's
    export, ``"local"`` never. The local path first asks the API whether the user may export
    each project, so permission errors are the export's.
    """
    if via not in VIA:
        raise ValueError(f"via must be one of {VIA}, not {via!r}")
    if not jobs:
        return [], "export"
    if via != "export":
        from .local_export import LocalExportError, export_local, find_server

        record = find_server(client.base_url) if client.username and client.token else None
        if record is None and via == "local":
            raise SyncError(f"{client.base_url} is not a Doccano started by corpus-tools on this machine (or no one is logged in); use Doccano's export")
        if record is not None:
            for pid in sorted({pid for pid, _ in jobs}):
                client.export_formats(pid)  # 403/404 exactly where the export would fail
            try:
                return export_local(record, jobs, username=client.username, token=client.token), "local"
            except LocalExportError as e:
                if via == "local":
                    raise SyncError(str(e)) from None
                log.warning("%s; using Doccano's export instead", e)
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(lambda j: export_project(client, j[0], approved=j[1]), jobs)), "export"


@dataclass
class Snapshot:
    """Everything one pull needs: four bulk exports (run concurrently), or the same rows read
    from a local server's database (``source`` says which)."""

    spans: dict[str, list[dict]]
    spans_confirmed: dict[str, set[int]]
    categories: dict[str, list[dict]]
    categories_confirmed: dict[str, set[int]]
    source: str = "export"

    @property
    def users(self) -> list[str]:
        return sorted(set(self.spans) | set(self.categories))


def fetch_snapshot(client, project: ProjectInfo, *, via: str = "auto") -> Snapshot:
    """The rows of both projects, all and confirmed-only (see ``export_projects`` for ``via``)."""
    jobs = [(project.spans_project_id, False), (project.spans_project_id, True)]
    if project.categories_project_id:
        jobs += [(project.categories_project_id, False), (project.categories_project_id, True)]
    results, source = export_projects(client, jobs, via=via)
    conf = lambda d: {u: {r["id"] for r in rows} for u, rows in d.items()}  # noqa: E731
    return Snapshot(
        spans=results[0],
        spans_confirmed=conf(results[1]),
        categories=results[2] if len(results) > 2 else {},
        categories_confirmed=conf(results[3]) if len(results) > 2 else {},
        source=source,
    )


@dataclass
class PullReport:
    annotations: list[Annotation] = field(default_factory=list)
    drift: list[Reject] = field(default_factory=list)  # text in Doccano differs from the article
    rejected: list[Reject] = field(default_factory=list)  # labels that do not validate
    users: list[str] = field(default_factory=list)
    source: str = "export"  # where the rows came from: "local" database or Doccano's "export"

    @property
    def ok(self) -> bool:
        return not (self.drift or self.rejected)


def _has_labels(row: dict | None, *cols: str) -> bool:
    return bool(row) and any(row.get(c) for c in cols)


def build_annotations(snapshot: Snapshot, project: ProjectInfo, articles: dict[str, Article], scheme: LabelScheme | None = None) -> PullReport:
    """Turn the exports into validated Annotations (code points), one per user and labelled article.

    Drift check: the example text must equal the article text exactly (same ``text_sha256``);
    otherwise the labels are reported, not converted, so no span is ever silently shifted.
    """
    report = PullReport(users=snapshot.users, source=snapshot.source)
    shas: dict[str, str] = {}
    for user in snapshot.users:
        cat_rows = {r.get(META_KEY): r for r in snapshot.categories.get(user, [])}
        span_rows = {r.get(META_KEY): r for r in snapshot.spans.get(user, [])}
        for aid in sorted(set(span_rows) | set(cat_rows), key=str):
            srow, crow = span_rows.get(aid), cat_rows.get(aid)
            s_conf = srow is not None and srow["id"] in snapshot.spans_confirmed.get(user, set())
            c_conf = crow is not None and crow["id"] in snapshot.categories_confirmed.get(user, set())
            if not (_has_labels(srow, "entities", "relations") or _has_labels(crow, "label") or s_conf or c_conf):
                continue
            src = f"doccano:{project.name}/{user}/{aid}"
            if not isinstance(aid, str):
                report.drift.append(Reject(source=src, reason="example has no meta.article_id (not pushed by corpus-tools)", stage="doccano-pull"))
                continue
            art = articles.get(aid)
            if art is None:
                report.drift.append(Reject(source=src, reason=f"article {aid!r} is not in the corpus articles", stage="doccano-pull"))
                continue
            sha = shas.get(aid) or shas.setdefault(aid, text_sha256(art.text))
            bad = [r for r in (srow, crow) if r is not None and r["text"] != art.text]
            if bad:
                report.drift.append(Reject(source=src, reason="text in Doccano differs from the article (text_sha256); push with --update-changed, then pull again", stage="doccano-pull"))
                continue
            try:
                ann = _annotation(user, art, sha, srow, crow, project, confirmed=s_conf and (c_conf or project.categories_project_id is None), scheme=scheme)
            except (ValueError, ValidationError, OffsetError) as e:
                msg = describe_validation_error(e) if isinstance(e, ValidationError) else str(e)
                report.rejected.append(Reject(source=src, reason=msg, stage="doccano-pull", raw=json.dumps({"spans": srow, "categories": crow}, ensure_ascii=False)))
                continue
            report.annotations.append(ann)
    return report


def _annotation(user: str, art: Article, sha: str, srow: dict | None, crow: dict | None, project: ProjectInfo, *, confirmed: bool, scheme: LabelScheme | None) -> Annotation:
    omap = OffsetMap(art.text, project.unit)
    spans = []
    for e in sorted((srow or {}).get("entities") or [], key=lambda e: (e["start_offset"], e["end_offset"], e["id"])):
        s, t = omap.span_from_unit(e["start_offset"], e["end_offset"])
        spans.append({"id": f"s{e['id']}", "start": s, "end": t, "label": e["label"], "text": art.text[s:t]})
    relations = [
        {"id": f"r{r['id']}", "head": f"s{r['from_id']}", "tail": f"s{r['to_id']}", "label": r["type"]}
        for r in sorted((srow or {}).get("relations") or [], key=lambda r: r["id"])
    ]
    data = {
        "article_id": art.id,
        "annotator": user,
        "spans": spans,
        "relations": relations,
        "categories": [{"label": c} for c in sorted((crow or {}).get("label") or [])],
        "confirmed": confirmed,
        "text_sha256": sha,
    }
    return Annotation.model_validate(data, context={"article": art, "scheme": scheme})


def pull_annotations(
    client, project: ProjectInfo, articles: Sequence[Article] | dict[str, Article], *, scheme: LabelScheme | None = None, via: str = "auto"
) -> PullReport:
    """Fetch every annotator's labels in bulk and convert them back to code points.

    An example whose text no longer matches its article (by ``text_sha256``) is reported as
    drift and left out, never written with shifted spans. ``via``: see ``export_projects``
    (a server we started is read directly; ``"export"`` forces Doccano's export).
    """
    arts = articles if isinstance(articles, dict) else {a.id: a for a in articles}
    return build_annotations(fetch_snapshot(client, project, via=via), project, arts, scheme)


def group_by_annotator(annotations: Iterable[Annotation]) -> dict[str, list[Annotation]]:
    out: dict[str, list[Annotation]] = defaultdict(list)
    for a in annotations:
        out[a.annotator].append(a)
    return {u: sorted(lst, key=lambda a: a.article_id) for u, lst in sorted(out.items())}


# --------------------------------------------------------------------------- status


@dataclass
class AnnotatorProgress:
    annotator: str
    done: int  # examples with at least one label of this annotator
    confirmed: int  # examples this annotator confirmed (in every project of the pair)
    total: int


def project_status(client, project: ProjectInfo, *, via: str = "auto") -> list[AnnotatorProgress]:
    """Per-annotator progress from the same bulk exports a pull uses."""
    snap = fetch_snapshot(client, project, via=via)
    total_ids = {r.get(META_KEY) for rows in snap.spans.values() for r in rows}
    out = []
    for user in snap.users:
        srows = {r.get(META_KEY): r for r in snap.spans.get(user, [])}
        crows = {r.get(META_KEY): r for r in snap.categories.get(user, [])}
        done = sum(1 for aid in set(srows) | set(crows) if _has_labels(srows.get(aid), "entities", "relations") or _has_labels(crows.get(aid), "label"))
        s_conf = {a for a in srows if srows[a]["id"] in snap.spans_confirmed.get(user, set())}
        if project.categories_project_id:
            c_conf = {a for a in crows if crows[a]["id"] in snap.categories_confirmed.get(user, set())}
            s_conf &= c_conf
        out.append(AnnotatorProgress(user, done, len(s_conf), len(total_ids)))
    return out
