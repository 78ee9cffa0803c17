"""Check a built release folder end to end before anyone downloads or publishes it.

A release is only trustworthy if what is on disk is exactly what the manifest, the dataset
card and the Croissant metadata say. ``verify_release`` re-derives every claim from the
bytes: checksums and sizes, the Parquet schemas against the card's declared features, every
row (entity offsets, ClassLabel ranges, BIO order), row counts, a real
``datasets.load_dataset`` of the folder run offline in a clean subprocess (so a stale cache or
a network fallback cannot hide a broken folder), and ``mlcroissant`` validation. It never
stops at the first problem: the report lists them all, each naming the file.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator

import yaml

from .manifest import sha256_file

MANIFEST = "manifest.json"
CARD = "README.md"
CROISSANT = "croissant.json"
#: Files every release holds besides the manifest and the Parquet data.
REQUIRED_FILES = (CARD, CROISSANT, "CHANGELOG.md")
_SHARD_RE = re.compile(r"^data/(?P<config>[^/]+)/(?P<split>[A-Za-z0-9_]+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.parquet$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the release: the file (relative to the release folder) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class VerifyReport:
    """Outcome of ``verify_release``: every problem found and what was checked."""

    release_dir: Path
    problems: list[Problem] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))


def list_release_files(release_dir: Path) -> list[str]:
    """Every file under the folder as a sorted '/'-separated relative path (hidden ones too)."""
    out = []
    for p in release_dir.rglob("*"):
        if p.is_file() or p.is_symlink():
            out.append(p.relative_to(release_dir).as_posix())
    return sorted(out)


def read_card_header(card_path: Path) -> dict:
    """The YAML header of a dataset card (between the leading ``---`` lines)."""
    text = card_path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError("no YAML header: the card must start with a '---' line")
    end = text.find("\n---", 4)
    if end < 0:
        raise ValueError("the YAML header is not closed by a '---' line")
    try:
        data = yaml.safe_load(text[4:end])
    except yaml.YAMLError as e:
        raise ValueError(f"YAML header does not parse: {e}") from None
    if not isinstance(data, dict):
        raise ValueError("the YAML header is not a mapping")
    return data


# ----------------------------------------------------------------------------- manifest


def _check_manifest(release_dir: Path, report: VerifyReport) -> dict | None:
    path = release_dir / MANIFEST
    if not path.is_file():
        report.add(MANIFEST, "missing: every release ends with a manifest.json written last; rebuild the release")
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        report.add(MANIFEST, f"not valid JSON ({e}); rebuild the release")
        return None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list):
        report.add(MANIFEST, "has no 'files' list")
        return None
    listed: dict[str, dict] = {}
    for i, entry in enumerate(files):
        rel = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(rel, str) or not rel:
            report.add(MANIFEST, f"files[{i}] has no path")
            continue
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or "\\" in rel:
            report.add(MANIFEST, f"files[{i}] path {rel!r} is not a plain relative path")
            continue
        if rel == MANIFEST:
            report.add(MANIFEST, "lists itself; the manifest cannot hold its own hash")
            continue
        if rel in listed:
            report.add(MANIFEST, f"lists {rel} twice")
        if not isinstance(entry.get("bytes"), int) or not _HEX64.match(str(entry.get("sha256", ""))):
            report.add(MANIFEST, f"entry for {rel} needs integer 'bytes' and a hex 'sha256'")
            continue
        listed[rel] = entry
    paths = [e.get("path") for e in files if isinstance(e, dict)]
    if paths != sorted(p for p in paths if isinstance(p, str)):
        report.add(MANIFEST, "files are not sorted by path (the builder writes them sorted for byte-identical rebuilds)")

    for rel, entry in sorted(listed.items()):
        p = release_dir / rel
        if not p.is_file():
            report.add(rel, "listed in the manifest but missing from the folder")
            continue
        size = p.stat().st_size
        if size != entry["bytes"]:
            report.add(rel, f"has {size} bytes, the manifest says {entry['bytes']}: the file was changed after the build")
        digest = sha256_file(p)
        if digest != entry["sha256"]:
            report.add(rel, f"sha256 {digest[:12]}... does not match the manifest ({entry['sha256'][:12]}...): the file was changed after the build")
    for rel in list_release_files(release_dir):
        if rel != MANIFEST and rel not in listed:
            report.add(rel, "is in the folder but not in the manifest: remove it or rebuild the release")
    for rel in REQUIRED_FILES:
        if rel not in listed:
            report.add(rel, "a release must contain this file, but the manifest does not list it")
    report.checks.append(f"manifest: {len(listed)} files, sizes and sha256")
    manifest["_listed"] = listed
    return manifest


def manifest_rows(manifest: dict) -> dict[str, dict[str, int]]:
    """Row counts per config and split as declared by the manifest."""
    rows = manifest.get("rows") or {}
    return {c: {s: int(n) for s, n in splits.items()} for c, splits in rows.items()} if isinstance(rows, dict) else {}


# ----------------------------------------------------------------------------- card and schemas


@dataclass
class ConfigDecl:
    """What the card declares for one config."""

    name: str
    data_files: dict[str, list[str]]
    features: Any = None  # datasets.Features
    num_examples: dict[str, int] = field(default_factory=dict)


def _data_files_by_split(files: Any) -> dict[str, list[str]] | None:
    """The card's ``data_files`` in its three accepted shapes -> ``{split: [patterns]}`` (None if malformed)."""
    def paths(value: Any) -> list[str] | None:
        value = [value] if isinstance(value, str) else value
        return list(value) if isinstance(value, list) and value and all(isinstance(v, str) for v in value) else None

    if paths(files) is not None:
        return {"train": paths(files)}
    if not isinstance(files, list) or not files:
        return None
    out: dict[str, list[str]] = {}
    for f in files:
        if not isinstance(f, dict) or not isinstance(f.get("split"), str) or paths(f.get("path")) is None:
            return None
        out[f["split"]] = paths(f["path"])
    return out


def _card_configs(release_dir: Path, report: VerifyReport) -> dict[str, ConfigDecl]:
    from datasets import Features

    try:
        header = read_card_header(release_dir / CARD)
    except FileNotFoundError:
        return {}
    except (ValueError, UnicodeDecodeError) as e:
        report.add(CARD, str(e))
        return {}
    configs: dict[str, ConfigDecl] = {}
    for i, c in enumerate(header.get("configs") or []):
        name = c.get("config_name", "default") if isinstance(c, dict) else None
        files = c.get("data_files") if isinstance(c, dict) else None
        if not name or files is None:
            report.add(CARD, f"configs[{i}] needs config_name and data_files")
            continue
        by_split = _data_files_by_split(files)
        if by_split is None:
            report.add(CARD, f"configs[{i}] ({name}): data_files must be a path, a list of paths or a list of {{split, path}}")
            continue
        configs[name] = ConfigDecl(name, by_split)
    if not configs:
        report.add(CARD, "YAML header declares no configs with data_files")
    infos = header.get("dataset_info") or []
    if isinstance(infos, dict):
        infos = [infos]
    for info in infos:
        name = info.get("config_name", "default")
        if name not in configs:
            report.add(CARD, f"dataset_info describes config {name!r}, which is not in configs")
            continue
        try:
            configs[name].features = Features._from_yaml_list(info.get("features") or [])
        except Exception as e:  # the YAML came from a hand edit or a broken writer
            report.add(CARD, f"dataset_info features of config {name!r} do not parse: {e}")
        configs[name].num_examples = {s["name"]: int(s.get("num_examples", -1)) for s in info.get("splits") or []}
    for name, decl in configs.items():
        if decl.features is None:
            report.add(CARD, f"config {name!r} has no dataset_info features; consumers would get inferred types")
    report.checks.append(f"card: {len(configs)} configs ({', '.join(configs)})")
    return configs


def _check_parquet(release_dir: Path, configs: dict[str, ConfigDecl], manifest: dict | None, report: VerifyReport) -> dict[str, dict[str, int]]:
    """Schemas, rows and row counts of every listed Parquet file, grouped by the layout's
    config and split. A file the card's ``configs`` do not reach must be an empty split:
    ``datasets`` cannot load a zero-row split, so the card leaves those out."""
    import pyarrow.parquet as pq
    from datasets import Features

    listed = set((manifest or {}).get("_listed", {})) or set(list_release_files(release_dir))
    parquet_paths = sorted(p for p in listed if p.endswith(".parquet"))
    rows: dict[str, dict[str, int]] = {}
    shards: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for rel in parquet_paths:
        m = _SHARD_RE.match(rel)
        if not m:
            report.add(rel, "Parquet file outside the layout data/<config>/<split>-NNNNN-of-NNNNN.parquet")
            continue
        shards.setdefault((m["config"], m["split"]), []).append((int(m["index"]), int(m["count"])))
        cfg, split = m["config"], m["split"]
        rows.setdefault(cfg, {}).setdefault(split, 0)
        decl = configs.get(cfg)
        if decl is None:
            report.add(rel, f"belongs to config {cfg!r}, which the card does not declare")
        path = release_dir / rel
        if not path.is_file():
            continue
        try:
            pf = pq.ParquetFile(path)
        except Exception as e:
            report.add(rel, f"not a readable Parquet file ({e})")
            continue
        n = pf.metadata.num_rows
        rows[cfg][split] += n
        if n == 0 and pf.metadata.num_row_groups:
            report.add(rel, "empty but holds a zero-row row group, which datasets cannot read; write it with no row group")
        if decl is not None and not any(fnmatch.fnmatchcase(rel, pat) for pat in decl.data_files.get(split, [])) and n:
            report.add(CARD, f"config {cfg!r} has no data_files entry reaching {rel} ({n} rows)")
        if decl is None or decl.features is None:
            continue
        schema = pf.schema_arrow
        want = decl.features.arrow_schema
        if not schema.remove_metadata().equals(want.remove_metadata()):
            report.add(rel, f"Arrow schema differs from the card's features of {cfg!r}: file has {_schema_line(schema)}, card declares {_schema_line(want)}")
            continue
        try:
            file_features = Features.from_arrow_schema(schema)
        except Exception as e:
            report.add(rel, f"its 'huggingface' schema metadata does not parse ({e})")
            file_features = None
        if file_features is not None and file_features != decl.features:
            report.add(rel, f"features in its Parquet metadata differ from the card's features of {cfg!r} (ClassLabel names or types)")
        try:
            for batch in pf.iter_batches(batch_size=2048):
                for problem in check_rows(batch.to_pylist(), decl.features):
                    report.add(rel, problem)
        except Exception as e:
            report.add(rel, f"rows cannot be read ({e})")
    for (cfg, split), got in sorted(shards.items()):
        counts = {n for _, n in got}
        if len(counts) != 1 or sorted(i for i, _ in got) != list(range(next(iter(counts)))):
            report.add(f"data/{cfg}/", f"split {split} has shards {sorted(got)}, not a complete 00000..N-1 of N set")
    for name, decl in sorted(configs.items()):
        for split, patterns in sorted(decl.data_files.items()):
            if not any(fnmatch.fnmatchcase(p, pat) for p in parquet_paths for pat in patterns):
                report.add(CARD, f"config {name!r} split {split!r}: data_files {patterns} match no listed Parquet file")
            elif not rows.get(name, {}).get(split):
                report.add(CARD, f"config {name!r} declares split {split!r}, which is empty: datasets cannot load a zero-row split, leave it out of the card")
        for split, n in sorted(decl.num_examples.items()):
            if split not in decl.data_files:
                report.add(CARD, f"config {name!r}: dataset_info lists split {split!r} but configs has no data_files for it")
            elif n != rows.get(name, {}).get(split, 0):
                report.add(CARD, f"config {name!r} split {split!r}: card says {n} examples, the Parquet files hold {rows.get(name, {}).get(split, 0)}")
    for name in sorted(set(configs) - set(rows)):
        report.add(CARD, f"config {name!r} has no Parquet files under data/{name}/")
    if manifest is not None:
        declared = manifest_rows(manifest)
        if declared != rows:
            report.add(MANIFEST, f"row counts {declared} do not match the Parquet files {rows}")
    _check_tokens_against_documents(release_dir, parquet_paths, report)
    report.checks.append(f"parquet: {len(parquet_paths)} files, schemas and rows")
    report.rows = rows
    return rows


def _check_tokens_against_documents(release_dir: Path, parquet_paths: list[str], report: VerifyReport) -> None:
    """``ner`` token offsets point into the article text of the ``documents`` config: every
    token must be exactly ``text[start:end]`` of its article."""
    import pyarrow.parquet as pq

    doc_files = [p for p in parquet_paths if p.startswith("data/documents/")]
    ner_files = [p for p in parquet_paths if p.startswith("data/ner/")]
    if not doc_files or not ner_files:
        return
    texts: dict[str, str] = {}
    try:
        for rel in doc_files:
            t = pq.read_table(release_dir / rel, columns=["id", "text"])
            texts.update(zip(t.column("id").to_pylist(), t.column("text").to_pylist()))
    except Exception:
        return  # unreadable or differently shaped files are reported by the schema checks
    cols = ["id", "article_id", "tokens", "token_starts", "token_ends"]
    for rel in ner_files:
        try:
            pf = pq.ParquetFile(release_dir / rel)
            if not set(cols) <= set(pf.schema_arrow.names):
                continue
            batches = pf.iter_batches(batch_size=4096, columns=cols)
            for batch in batches:
                for row in batch.to_pylist():
                    text = texts.get(row["article_id"])
                    if text is None:
                        report.add(rel, f"row {row['id']}: article_id {row['article_id']!r} is not in the documents config")
                        continue
                    for i, (tok, s, e) in enumerate(zip(row["tokens"] or [], row["token_starts"] or [], row["token_ends"] or [])):
                        if not (0 <= s < e <= len(text)) or text[s:e] != tok:
                            report.add(rel, f"row {row['id']}: token {i} {tok!r} is not text[{s}:{e}] of article {row['article_id']} ({text[s:e]!r})")
                            break
        except Exception as e:
            report.add(rel, f"tokens cannot be checked against the documents config ({e})")


def _schema_line(schema) -> str:
    return "{" + ", ".join(f"{f.name}: {f.type}" for f in schema) + "}"


# ----------------------------------------------------------------------------- rows


def _class_label_names(feature) -> list[str] | None:
    return list(feature.names) if type(feature).__name__ == "ClassLabel" else None


def _check_value(feature, value, where: str) -> Iterator[str]:
    """ClassLabel ranges anywhere inside nested List/dict features."""
    kind = type(feature).__name__
    if value is None:
        return
    if kind == "ClassLabel":
        if not isinstance(value, int) or not 0 <= value < feature.num_classes:
            yield f"{where}: label {value!r} is outside the ClassLabel names (0..{feature.num_classes - 1})"
    elif kind in ("List", "Sequence", "LargeList") or isinstance(feature, list):
        inner = feature[0] if isinstance(feature, list) else feature.feature
        for i, v in enumerate(value):
            yield from _check_value(inner, v, f"{where}[{i}]")
    elif isinstance(feature, dict):
        for k, sub in feature.items():
            yield from _check_value(sub, value.get(k), f"{where}.{k}")


def _spans_of(row: dict) -> Iterator[tuple[str, list]]:
    for key, value in row.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and {"start", "end"} <= set(value[0]):
            yield key, value


def check_rows(rows: list[dict], features) -> Iterator[str]:
    """Problems in decoded rows: ClassLabel ranges, span offsets inside ``text`` and matching it,
    relation ends pointing at existing spans, token offsets and BIO tag order."""
    for row in rows:
        rid = row.get("id", "?")
        for name, feat in features.items():
            yield from _check_value(feat, row.get(name), f"row {rid}: {name}")
        text = row.get("text")
        if isinstance(text, str):
            for key, spans in _spans_of(row):
                for i, s in enumerate(spans):
                    start, end = s.get("start"), s.get("end")
                    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                        yield f"row {rid}: {key}[{i}] offsets [{start}, {end}) are outside the text ({len(text)} code points)"
                    elif "text" in s and text[start:end] != s["text"]:
                        yield f"row {rid}: {key}[{i}] says {s['text']!r} but text[{start}:{end}] is {text[start:end]!r}"
        entities = row.get("entities")
        for i, rel in enumerate(row.get("relations") or []):
            if not isinstance(entities, list):
                break
            ids = {e.get("id") for e in entities if isinstance(e, dict)}
            for end_name in ("head", "tail"):
                ref = rel.get(end_name)
                if isinstance(ref, int) and not 0 <= ref < len(entities):
                    yield f"row {rid}: relations[{i}].{end_name} = {ref} is not an index into entities ({len(entities)})"
                elif isinstance(ref, str) and ref not in ids:
                    yield f"row {rid}: relations[{i}].{end_name} = {ref!r} names no entity id"
        yield from _check_tokens(row, rid, features)


def _check_tokens(row: dict, rid, features) -> Iterator[str]:
    tokens = row.get("tokens")
    if not isinstance(tokens, list):
        return
    tags = row.get("ner_tags")
    if isinstance(tags, list):
        if len(tags) != len(tokens):
            yield f"row {rid}: {len(tags)} ner_tags for {len(tokens)} tokens"
        feat = features.get("ner_tags")
        inner = getattr(feat, "feature", None)
        names = _class_label_names(inner) if inner is not None else None
        if names:
            prev = "O"
            for i, t in enumerate(tags):
                tag = names[t] if isinstance(t, int) and 0 <= t < len(names) else "O"
                if tag.startswith("I-") and prev[2:] != tag[2:]:
                    yield f"row {rid}: ner_tags[{i}] is {tag} but follows {prev} (BIO: I- must continue the same type)"
                prev = tag
    starts, ends = _token_offsets(row)
    if starts is None:
        return
    if not (len(starts) == len(ends) == len(tokens)):
        yield f"row {rid}: {len(tokens)} tokens but {len(starts)} starts and {len(ends)} ends"
        return
    text = row.get("text")
    base = row.get("paragraph_start") or row.get("offset") or 0
    for i, (tok, s, e) in enumerate(zip(tokens, starts, ends)):
        if not (isinstance(s, int) and isinstance(e, int) and s < e):
            yield f"row {rid}: token {i} has offsets [{s}, {e})"
        elif isinstance(text, str) and not (0 <= s - base and e - base <= len(text) and text[s - base : e - base] == tok):
            yield f"row {rid}: token {i} {tok!r} does not match text at [{s}, {e})"


def _token_offsets(row: dict) -> tuple[list | None, list | None]:
    for sk, ek in (("token_starts", "token_ends"), ("starts", "ends"), ("start_offsets", "end_offsets")):
        if isinstance(row.get(sk), list) and isinstance(row.get(ek), list):
            return row[sk], row[ek]
    for key in ("token_offsets", "offsets"):
        val = row.get(key)
        if isinstance(val, list):
            if all(isinstance(v, dict) for v in val):
                return [v.get("start") for v in val], [v.get("end") for v in val]
            if all(isinstance(v, (list, tuple)) and len(v) == 2 for v in val):
                return [v[0] for v in val], [v[1] for v in val]
    return None, None


# ----------------------------------------------------------------------------- load_dataset


_PROBE = """
import json, sys
from datasets import load_dataset
folder, cache, configs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
out = {}
for name in configs:
    try:
        dd = load_dataset(folder, name, cache_dir=cache)
        out[name] = {"features": dd[next(iter(dd))].features.to_dict() if dd else None,
                     "rows": {s: d.num_rows for s, d in dd.items()}}
    except Exception as e:
        out[name] = {"error": f"{type(e).__name__}: {e}"}
print("PROBE-RESULT " + json.dumps(out))
"""


def probe_load_dataset(release_dir: Path, configs: list[str], timeout: float = 600) -> dict:
    """Run ``datasets.load_dataset(folder, config)`` for each config in a fresh Python process,
    offline (HF_HUB_OFFLINE=1, HF_DATASETS_OFFLINE=1) with a throw-away HF_HOME and cache, and
    return ``{config: {"features": ..., "rows": {split: n}}}`` or ``{config: {"error": ...}}``."""
    with tempfile.TemporaryDirectory(prefix="corpus-tools-verify-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
        env.update(
            HF_HUB_OFFLINE="1",
            HF_DATASETS_OFFLINE="1",
            HF_HOME=str(Path(tmp) / "hf"),
            HF_DATASETS_DISABLE_PROGRESS_BARS="1",
            HF_HUB_DISABLE_TELEMETRY="1",
        )
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _PROBE, str(release_dir.resolve()), str(Path(tmp) / "cache"), json.dumps(configs)],
                env=env, capture_output=True, text=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return {c: {"error": f"load_dataset did not finish within {timeout:.0f} s"} for c in configs}
    for line in proc.stdout.splitlines():
        if line.startswith("PROBE-RESULT "):
            return json.loads(line[len("PROBE-RESULT "):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {c: {"error": f"load_dataset process failed (exit {proc.returncode}): {' | '.join(tail)}"} for c in configs}


def _check_load_dataset(release_dir: Path, configs: dict[str, ConfigDecl], rows: dict, report: VerifyReport) -> None:
    from datasets import Features

    result = probe_load_dataset(release_dir, sorted(configs))
    for name, got in sorted(result.items()):
        if "error" in got:
            report.add(CARD, f"datasets.load_dataset(folder, {name!r}) offline fails: {got['error']}")
            continue
        decl = configs[name]
        if decl.features is not None and got["features"] is not None and Features.from_dict(got["features"]) != decl.features:
            report.add(CARD, f"load_dataset config {name!r} gives features that differ from the card's dataset_info")
        want_rows = {s: n for s, n in rows.get(name, {}).items() if n}
        if got["rows"] != want_rows:
            report.add(CARD, f"load_dataset config {name!r} gives rows {got['rows']}, the files hold {want_rows}")
    report.checks.append(f"load_dataset offline: {', '.join(sorted(result))}")


# ----------------------------------------------------------------------------- croissant


def _croissant_file_objects(doc: Any) -> Iterator[dict]:
    if isinstance(doc, dict):
        if doc.get("@type") in ("cr:FileObject", "sc:FileObject", "FileObject") and "contentUrl" in doc:
            yield doc
        for v in doc.values():
            yield from _croissant_file_objects(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _croissant_file_objects(v)


def validate_croissant(path: Path) -> list[str]:
    """mlcroissant's own validation of a Croissant file: the error lines (empty when valid)."""
    import logging

    import mlcroissant as mlc

    logging.getLogger("absl").setLevel(logging.ERROR)
    try:
        mlc.Dataset(jsonld=path)
    except mlc.ValidationError as e:
        return [line.strip() for line in str(e).splitlines() if line.strip()] or [str(e)]
    except Exception as e:  # malformed JSON and other load failures
        return [f"{type(e).__name__}: {e}"]
    return []


def _check_croissant(release_dir: Path, manifest: dict | None, report: VerifyReport) -> None:
    path = release_dir / CROISSANT
    if not path.is_file():
        return  # reported by the manifest check
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        report.add(CROISSANT, f"not valid JSON ({e})")
        return
    for err in validate_croissant(path):
        report.add(CROISSANT, f"mlcroissant validate: {err}")
    listed = (manifest or {}).get("_listed", {})
    described = set()
    for fo in _croissant_file_objects(doc):
        url = fo["contentUrl"]
        described.add(url)
        entry = listed.get(url)
        if entry is None:
            if manifest is not None:
                report.add(CROISSANT, f"FileObject {url!r} is not a file of the release")
            continue
        if fo.get("sha256") != entry["sha256"]:
            report.add(CROISSANT, f"sha256 of {url} is {str(fo.get('sha256'))[:12]}..., the manifest says {entry['sha256'][:12]}...")
        if "contentSize" in fo and str(fo["contentSize"]).split()[0] != str(entry["bytes"]):
            report.add(CROISSANT, f"contentSize of {url} is {fo['contentSize']}, the manifest says {entry['bytes']} bytes")
    for rel in sorted(listed):
        if rel.endswith(".parquet") and rel not in described:
            report.add(CROISSANT, f"has no FileObject for {rel}")
    report.checks.append(f"croissant: valid, {len(described)} FileObjects")


# ----------------------------------------------------------------------------- entry point


def verify_release(
    release_dir: str | os.PathLike,
    *,
    load_dataset: bool = True,
    croissant: bool = True,
    progress: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Check ``release_dir`` against its manifest, card and Croissant file; never raises for a
    broken release: every problem lands in the returned report (``report.ok`` is the verdict).

    ``load_dataset=False`` skips the subprocess ``load_dataset`` check (a few seconds);
    ``croissant=False`` skips mlcroissant validation. Both are on for ``release verify``.

    Example: ``verify_release("releases/v1.0.0").ok``
    """
    release_dir = Path(release_dir)
    report = VerifyReport(release_dir)
    if not release_dir.is_dir():
        report.add(str(release_dir), "is not a folder; pass a release folder such as releases/v1.0.0")
        return report
    step = progress or (lambda _msg: None)

    def guarded(path: str, fn, *args, default=None):
        # A hand-edited file can have any shape; report it instead of crashing the check.
        try:
            return fn(*args)
        except Exception as e:
            report.add(path, f"has an unexpected shape ({type(e).__name__}: {e}); rebuild the release")
            return default

    step("checksums")
    manifest = guarded(MANIFEST, _check_manifest, release_dir, report)
    step("card and Parquet schemas")
    configs = guarded(CARD, _card_configs, release_dir, report, default={})
    rows = guarded("data/", _check_parquet, release_dir, configs, manifest, report, default={})
    if croissant:
        step("croissant")
        guarded(CROISSANT, _check_croissant, release_dir, manifest, report)
    if load_dataset and configs:
        step("load_dataset offline")
        guarded(CARD, _check_load_dataset, release_dir, configs, rows, report)
    return report
