"""What changed between two releases, the semantic-version bump that change needs, and CHANGELOG.md.

The diff reads only the release folders (the ``documents`` Parquet files and the manifests),
so ``corpus-tools release diff vA vB`` and the builder compute exactly the same thing.

Bump rules (the meaning of our version numbers):

* MAJOR: an article was removed or its data changed (text or metadata), an annotation of an
  existing article changed (including a previously unannotated article getting one), the
  label scheme changed, or the column schema of a config changed;
* MINOR: articles were only added;
* PATCH: no data change, only packaging (card, metadata, tool version).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import datasets
import pyarrow.parquet as pq

from .features import CONFIGS
from .manifest import read_manifest

BUMPS = ("patch", "minor", "major")
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_ARTICLE_COLS = ("title", "text", "outlet", "domain", "published_at", "dateline", "lang", "story_id")
_ANNOTATION_COLS = ("annotated", "entities", "relations", "categories")


class VersionError(ValueError):
    """The requested version is malformed, not after the previous release, or understates the bump."""


def parse_version(version: str) -> tuple[int, int, int]:
    """``"1.2.3"`` (or ``"v1.2.3"``) -> ``(1, 2, 3)``."""
    m = _SEMVER.match(version[1:] if version.startswith("v") else version)
    if not m:
        raise VersionError(f"version {version!r} is not MAJOR.MINOR.PATCH (e.g. 1.0.0)")
    return int(m[1]), int(m[2]), int(m[3])


def bump_between(old: str, new: str) -> str | None:
    """The bump from ``old`` to ``new`` ('major'/'minor'/'patch'), None when new is not later."""
    a, b = parse_version(old), parse_version(new)
    if b <= a:
        return None
    if b[0] > a[0]:
        return "major"
    return "minor" if b[1] > a[1] else "patch"


def next_version(old: str, bump: str) -> str:
    major, minor, patch = parse_version(old)
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0", "patch": f"{major}.{minor}.{patch + 1}"}[bump]


def _digest(values: list) -> str:
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=str).encode()).hexdigest()[:32]


def _label_names(features: datasets.Features) -> tuple[list[str], list[str], list[str]]:
    return (
        features["entities"].feature["label"].names,
        features["relations"].feature["label"].names,
        features["categories"].feature.names,
    )


def fingerprints(release_dir: str | Path) -> dict[str, tuple[str, str]]:
    """``{article id: (article data hash, annotation hash)}`` from the ``documents`` Parquet files.

    Labels are hashed by name (from the ClassLabel metadata), so a scheme that only appends a
    label does not make every annotation look changed.
    """
    out: dict[str, tuple[str, str]] = {}
    for path in sorted((Path(release_dir) / "data" / "documents").glob("*.parquet")):
        pf = pq.ParquetFile(path)
        ents, rels, cats = _label_names(datasets.Features.from_arrow_schema(pf.schema_arrow))
        for batch in pf.iter_batches(batch_size=4096, columns=["id", *_ARTICLE_COLS, *_ANNOTATION_COLS]):
            for row in batch.to_pylist():
                art = [row[c] for c in _ARTICLE_COLS]
                ann = [
                    row["annotated"],
                    [(e["start"], e["end"], ents[e["label"]]) for e in row["entities"]],
                    [(r["head"], r["tail"], rels[r["label"]]) for r in row["relations"]],
                    [cats[c] for c in row["categories"]],
                ]
                out[row["id"]] = (_digest(art), _digest(ann))
    return out


def _config_schemas(release_dir: Path) -> dict[str, str]:
    out = {}
    for config in CONFIGS:
        files = sorted((release_dir / "data" / config).glob("*.parquet"))
        out[config] = pq.read_schema(files[0]).to_string(show_schema_metadata=True) if files else ""
    return out


@dataclass
class ReleaseDiff:
    old_version: str | None
    new_version: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed_articles: list[str] = field(default_factory=list)
    changed_annotations: list[str] = field(default_factory=list)
    scheme_change: str | None = None
    schema_changes: list[str] = field(default_factory=list)

    @property
    def first(self) -> bool:
        return self.old_version is None

    def required_bump(self) -> str:
        if self.first:
            return "major"
        if self.removed or self.changed_articles or self.changed_annotations or self.scheme_change or self.schema_changes:
            return "major"
        return "minor" if self.added else "patch"

    def reasons(self) -> list[str]:
        """Why the required bump is what it is, most serious first."""
        r = []
        if self.removed:
            r.append(f"{len(self.removed)} article(s) removed")
        if self.changed_articles:
            r.append(f"{len(self.changed_articles)} article(s) changed")
        if self.changed_annotations:
            r.append(f"annotations of {len(self.changed_annotations)} article(s) changed")
        if self.scheme_change:
            r.append(self.scheme_change)
        r += self.schema_changes
        if self.added:
            r.append(f"{len(self.added)} article(s) added")
        return r or ["no data change (packaging only)"]


def diff_releases(old_dir: str | Path | None, new_dir: str | Path, *, new_manifest: dict | None = None) -> ReleaseDiff:
    """Compare two release folders (``old_dir`` None = first release).

    ``new_manifest`` lets the builder pass the manifest fields of a release still being written
    (it needs ``version`` and ``scheme``).
    """
    new_dir = Path(new_dir)
    new_m = new_manifest or read_manifest(new_dir)
    if old_dir is None:
        return ReleaseDiff(old_version=None, new_version=new_m["version"])
    old_dir = Path(old_dir)
    old_m = read_manifest(old_dir)
    diff = ReleaseDiff(old_version=old_m["version"], new_version=new_m["version"])
    old_fp, new_fp = fingerprints(old_dir), fingerprints(new_dir)
    diff.added = sorted(set(new_fp) - set(old_fp))
    diff.removed = sorted(set(old_fp) - set(new_fp))
    for aid in sorted(set(old_fp) & set(new_fp)):
        (oa, on), (na, nn) = old_fp[aid], new_fp[aid]
        if oa != na:
            diff.changed_articles.append(aid)
        if on != nn:
            diff.changed_annotations.append(aid)
    os_, ns = old_m.get("scheme", {}), new_m.get("scheme", {})
    if os_.get("sha256") != ns.get("sha256"):
        diff.scheme_change = f"label scheme changed ({os_.get('version')} -> {ns.get('version')})"
    old_s, new_s = _config_schemas(old_dir), _config_schemas(new_dir)
    diff.schema_changes = [f"column schema of config {c!r} changed" for c in CONFIGS if old_s.get(c) != new_s.get(c)]
    return diff


def check_version(diff: ReleaseDiff) -> str:
    """Return the bump the requested version makes; raise VersionError when it understates the diff."""
    if diff.first:
        return "major"
    given = bump_between(diff.old_version, diff.new_version)
    if given is None:
        raise VersionError(
            f"version {diff.new_version} is not after the previous release {diff.old_version}; "
            f"use {next_version(diff.old_version, diff.required_bump())}"
        )
    need = diff.required_bump()
    if BUMPS.index(given) < BUMPS.index(need):
        raise VersionError(
            f"version {diff.new_version} is a {given.upper()} bump from {diff.old_version}, but the changes need a "
            f"{need.upper()} bump ({'; '.join(diff.reasons())}); use {next_version(diff.old_version, need)}"
        )
    return given


def _id_list(ids: list[str], limit: int = 50) -> str:
    shown = ", ".join(f"`{i}`" for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def render_changes(diff: ReleaseDiff) -> str:
    """The Markdown body describing one release's changes (no heading)."""
    if diff.first:
        return "First release.\n"
    lines = [f"Compared with {diff.old_version} (needs a {diff.required_bump().upper()} version bump).", ""]
    for title, ids in (
        ("Articles added", diff.added),
        ("Articles removed", diff.removed),
        ("Articles changed", diff.changed_articles),
        ("Annotations changed", diff.changed_annotations),
    ):
        lines.append(f"- {title}: {len(ids)}" + (f" ({_id_list(ids)})" if ids else ""))
    lines.append(f"- Label scheme: {diff.scheme_change or 'unchanged'}")
    lines.append(f"- Column schema: {'; '.join(diff.schema_changes) if diff.schema_changes else 'unchanged'}")
    return "\n".join(lines) + "\n"


def render_changelog(diff: ReleaseDiff, release_date: str, previous_changelog: str | None = None) -> str:
    """CHANGELOG.md: this release's section on top of the previous release's history."""
    out = f"# Changelog\n\n## {diff.new_version} ({release_date})\n\n{render_changes(diff)}"
    if previous_changelog:
        history = previous_changelog.split("\n", 1)[1].lstrip("\n") if previous_changelog.startswith("# Changelog") else previous_changelog
        out += "\n" + history
    return out
