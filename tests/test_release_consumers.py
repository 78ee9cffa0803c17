"""A release as its users meet it: ``datasets.load_dataset`` (offline, fresh cache), pandas,
DuckDB and Polars, on a release built by the real builder from synthetic data and on the
committed ``releases/v1.0.0`` when it exists; and a tampered copy fails ``verify``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from corpus_tools.cli import app
from corpus_tools.labels import load_scheme
from corpus_tools.release.verify import verify_release
from test_release_verify import make_release

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "releases" / "v1.0.0"

_LOAD = r"""
import json, sys
from datasets import load_dataset
folder = sys.argv[1]
out = {}
for name in (None, "ner"):
    dd = load_dataset(folder) if name is None else load_dataset(folder, name)
    first = dd[next(iter(dd))]
    out[name or "default"] = {
        "features": first.features.to_dict(),
        "rows": {split: ds.num_rows for split, ds in dd.items()},
        "first": first[0],
        "label_names": first.features["entities"].feature["label"].names if name is None else first.features["ner_tags"].feature.names,
    }
print("RESULT " + json.dumps(out, default=str))
"""


@pytest.fixture(scope="module", params=["built", "committed"])
def release(request, tmp_path_factory) -> Path:
    if request.param == "committed":
        if not (COMMITTED / "manifest.json").is_file():
            pytest.skip("releases/v1.0.0 is not committed yet")
        return COMMITTED
    return make_release(tmp_path_factory.mktemp("consumers"))


def _manifest(release: Path) -> dict:
    return json.loads((release / "manifest.json").read_text())


def _files(release: Path, config: str) -> list[Path]:
    return sorted((release / "data" / config).glob("*.parquet"))


@pytest.fixture(scope="module")
def loaded(release, tmp_path_factory) -> dict:
    """``load_dataset`` in a fresh process, offline, with an empty HF_HOME: what a user gets."""
    home = tmp_path_factory.mktemp("hf-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", HF_HOME=str(home), HF_DATASETS_DISABLE_PROGRESS_BARS="1")
    proc = subprocess.run([sys.executable, "-c", _LOAD, str(release)], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(l for l in proc.stdout.splitlines() if l.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def test_load_dataset_default_config_gives_documents_with_scheme_labels(release, loaded):
    scheme = load_scheme()
    docs = loaded["default"]
    assert docs["label_names"] == scheme.entity_names
    assert docs["features"]["categories"]["feature"]["names"] == scheme.category_names
    assert docs["features"]["relations"]["feature"]["label"]["names"] == scheme.relation_names
    want = {s: n for s, n in _manifest(release)["rows"]["documents"].items() if n}
    assert docs["rows"] == want
    row = docs["first"]
    for e in row["entities"]:
        assert row["text"][e["start"]:e["end"]] == e["text"]


def test_load_dataset_ner_config_gives_bio_tags(release, loaded):
    scheme = load_scheme()
    ner = loaded["ner"]
    assert ner["label_names"] == ["O"] + [f"{p}-{e}" for e in scheme.entity_names for p in ("B", "I")]
    want = {s: n for s, n in _manifest(release)["rows"]["ner"].items() if n}
    assert ner["rows"] == want
    row = ner["first"]
    assert len(row["tokens"]) == len(row["ner_tags"]) == len(row["token_starts"]) == len(row["token_ends"]) > 0


def test_pandas_reads_every_file_with_the_declared_columns(release):
    import pandas as pd

    for config in ("documents", "ner"):
        total = 0
        columns = None
        for path in _files(release, config):
            df = pd.read_parquet(path)
            columns = columns or list(df.columns)
            assert list(df.columns) == columns  # an empty split has the same columns
            total += len(df)
        assert total == sum(_manifest(release)["rows"][config].values())
    docs = pd.concat(pd.read_parquet(p) for p in _files(release, "documents"))
    assert {"id", "text", "entities", "relations", "categories"} <= set(docs.columns)
    assert docs["id"].is_unique


def test_duckdb_queries_the_files_and_unnests_entities(release):
    import duckdb

    con = duckdb.connect()
    glob = str(release / "data" / "documents" / "*.parquet")
    (n,) = con.execute("SELECT count(*) FROM read_parquet(?)", [glob]).fetchone()
    assert n == sum(_manifest(release)["rows"]["documents"].values())
    rows = con.execute(
        "SELECT e.text, substr(d.text, e.start + 1, e.\"end\" - e.start) "
        "FROM (SELECT text, unnest(entities) AS e FROM read_parquet(?)) AS d", [glob]
    ).fetchall()
    assert rows and all(a == b for a, b in rows)
    (tokens,) = con.execute("SELECT sum(len(tokens)) FROM read_parquet(?)", [str(release / "data" / "ner" / "*.parquet")]).fetchone()
    assert tokens > 0


def test_polars_reads_the_files_and_keeps_label_ids_in_range(release):
    import polars as pl

    scheme = load_scheme()
    docs = pl.concat([pl.read_parquet(p) for p in _files(release, "documents")])
    assert docs.height == sum(_manifest(release)["rows"]["documents"].values())
    labels = docs.select(pl.col("entities").explode().struct.field("label")).drop_nulls().to_series()
    assert labels.len() > 0 and labels.min() >= 0 and labels.max() < len(scheme.entity_names)
    ner = pl.scan_parquet(str(release / "data" / "ner" / "*.parquet")).select(pl.len()).collect().item()
    assert ner == sum(_manifest(release)["rows"]["ner"].values())


def test_empty_split_files_keep_the_schema(release):
    for config in ("documents", "ner"):
        schemas = {pq.read_schema(p).remove_metadata() for p in _files(release, config)}
        assert len(schemas) == 1


def test_a_tampered_copy_fails_verify(release, tmp_path):
    copy = Path(shutil.copytree(release, tmp_path / release.name))
    target = next(p for p in _files(copy, "documents") if pq.ParquetFile(p).metadata.num_rows)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    rel = target.relative_to(copy).as_posix()
    assert any(p.path == rel for p in verify_release(copy, load_dataset=False).problems)
    result = CliRunner().invoke(app, ["release", "verify", str(copy), "--skip-load-dataset"], terminal_width=300)
    assert result.exit_code == 1 and rel in result.output
