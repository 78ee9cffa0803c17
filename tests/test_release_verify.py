"""``release verify`` and the Croissant writer on a small release folder.

The folder is built by ``make_release`` below: the real builder (``build_release``) on a dozen
synthetic articles with gold annotations. Other test modules reuse ``make_release``.
Tampering tests change one thing each and check that the problem names the file.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Features
from typer.testing import CliRunner

from corpus_tools.cli import app
from corpus_tools.annotation import Annotation, DocCategory, Relation, Span, text_sha256
from corpus_tools.article import Article, Provenance, Source, blocks_for
from corpus_tools.labels import load_scheme
from corpus_tools.records import write_jsonl
from corpus_tools.release.build import build_release
from corpus_tools.release.config import load_config
from corpus_tools.release.croissant import build_croissant, write_croissant
from corpus_tools.release.verify import validate_croissant, verify_release



# ----------------------------------------------------------------------------- fixture release

ROOT = Path(__file__).resolve().parents[1]

PARAGRAPHS = [
    ("Kim Jong-un meninjau pabrik rudal di Pyongyang.", [("PER", "Kim Jong-un"), ("GPE", "Pyongyang")]),
    ("Korea Utara menguji rudal balistik pada Selasa.", [("GPE", "Korea Utara"), ("WEAPON", "rudal balistik"), ("DATE", "Selasa")]),
    ("Presiden Yoon Suk Yeol bertemu pejabat AS di Seoul.", [("PER", "Yoon Suk Yeol"), ("GPE", "AS"), ("GPE", "Seoul")]),
    ("Rusia dituduh memasok amunisi ke Korut.", [("GPE", "Rusia"), ("GPE", "Korut")]),
]
CATEGORIES = ["weapons_testing", "diplomacy", "military_cooperation"]


def synthetic_inputs(folder: Path, n: int = 12) -> tuple[Path, Path]:
    """``n`` small valid articles (two per story) and one gold annotation each, as JSONL."""
    arts, anns = [], []
    for i in range(n):
        paras = [PARAGRAPHS[i % 4], PARAGRAPHS[(i + 1) % 4]]
        text, blocks = blocks_for([("paragraph", p) for p, _ in paras])
        aid = f"art{i:03d}"
        arts.append(Article(
            id=aid, source=Source(outlet=["Contoh", "Warta"][i % 2], domain=["contoh.co.id", "warta.id"][i % 2]),
            title=f"Judul {i}", text=text, blocks=blocks, story_id=f"story{i // 2}", published_at="2024-05-02T14:03:00+07:00",
            provenance=Provenance(path=f"raw/{aid}.txt", sha256=hashlib.sha256(text.encode()).hexdigest(), parser_version="test"),
        ))
        spans = []
        for p, ents in paras:
            base = text.index(p)
            for label, surface in ents:
                start = base + p.index(surface)
                spans.append(Span(id=f"s{len(spans)}", start=start, end=start + len(surface), label=label, text=surface))
        per = [s for s in spans if s.label == "PER"]
        gpe = [s for s in spans if s.label == "GPE"]
        rels = [Relation(id="r0", head=per[0].id, tail=gpe[0].id, label="visits")] if per and gpe else []
        anns.append(Annotation(article_id=aid, annotator="gold", spans=spans, relations=rels, confirmed=True,
                               categories=[DocCategory(label=CATEGORIES[i % 3])], text_sha256=text_sha256(text)))
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "articles.jsonl", arts)
    write_jsonl(folder / "gold.jsonl", anns)
    return folder / "articles.jsonl", folder / "gold.jsonl"


def make_release(root: Path, version: str = "1.0.0", n: int = 12) -> Path:
    """A small complete release ``root/releases/v<version>`` built by the real builder from synthetic inputs."""
    articles, gold = synthetic_inputs(root / "inputs", n)
    report = build_release(version, articles=articles, annotations=gold, config=ROOT / "corpus.toml", out_dir=root / "releases")
    return report.release_dir


def release_config(version="1.0.0"):
    return load_config(ROOT / "corpus.toml").model_copy(update={"version": version})


def write_parquet(path: Path, rows: list[dict], features: Features) -> None:
    """Like the builder: explicit schema; an empty split has no row group (datasets cannot read a zero-row one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, features.arrow_schema, compression="zstd") as w:
        if rows:
            w.write_table(pa.Table.from_pylist(rows, schema=features.arrow_schema))


def reseal(release: Path, *, croissant: bool = True) -> None:
    """Recompute croissant.json and the manifest after a deliberate change (hides the checksum trail)."""
    if croissant:
        write_croissant(release, release_config(json.loads((release / "manifest.json").read_text())["version"]))
    manifest = json.loads((release / "manifest.json").read_text())
    manifest["files"] = [
        {"path": p.relative_to(release).as_posix(), "bytes": p.stat().st_size, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
        for p in sorted(release.rglob("*"), key=lambda q: q.relative_to(release).as_posix())
        if p.is_file() and p.name != "manifest.json"
    ]
    (release / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def first_file(release: Path, config: str) -> str:
    """The first non-empty Parquet file of a config, relative to the release."""
    for p in sorted((release / "data" / config).glob("*.parquet")):
        if pq.ParquetFile(p).metadata.num_rows:
            return p.relative_to(release).as_posix()
    raise AssertionError(f"no rows in {config}")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return make_release(tmp_path_factory.mktemp("release"))


@pytest.fixture
def release(pristine, tmp_path) -> Path:
    """A fresh copy per test, free to tamper with."""
    return Path(shutil.copytree(pristine, tmp_path / pristine.name))


def _problems(report, path: str) -> list[str]:
    return [p.message for p in report.problems if p.path == path]


def _flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def _rewrite_rows(path: Path, change) -> None:
    table = pq.read_table(path)
    features = Features.from_arrow_schema(table.schema)
    rows = table.to_pylist()
    change(rows)
    write_parquet(path, rows, features)


# ----------------------------------------------------------------------------- verify


def test_clean_release_verifies_with_every_check(release):
    runner = CliRunner()
    result = runner.invoke(app, ["release", "verify", str(release)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    for check in ("manifest", "card", "parquet", "croissant", "load_dataset offline"):
        assert check in result.output


def test_report_counts_rows_per_config_and_split(release):
    report = verify_release(release, load_dataset=False)
    assert report.ok, report.problems
    manifest = json.loads((release / "manifest.json").read_text())
    assert report.rows == manifest["rows"]
    assert sum(report.rows["documents"].values()) == 12
    assert sum(report.rows["ner"].values()) == 24  # two paragraphs per article


def _tamper_parquet(release):
    path = first_file(release, "documents")
    _flip_byte(release / path)
    return path


def _tamper_card(release):
    card = release / "README.md"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("\n# ", "\n# Edited: ", 1), encoding="utf-8")
    assert card.read_text(encoding="utf-8") != text
    return "README.md"


def _tamper_stray(release):
    (release / "data/documents/extra.txt").write_text("left over\n")
    return "data/documents/extra.txt"


def _tamper_delete(release):
    (release / "CHANGELOG.md").unlink()
    return "CHANGELOG.md"


@pytest.mark.parametrize("tamper", [_tamper_parquet, _tamper_card, _tamper_stray, _tamper_delete])
def test_tampered_release_fails_and_names_the_file(release, tamper):
    named = tamper(release)
    report = verify_release(release, load_dataset=False)
    assert not report.ok
    assert _problems(report, named), report.problems
    args = ["release", "verify", str(release)] + ([] if tamper is _tamper_parquet else ["--skip-load-dataset"])
    result = CliRunner().invoke(app, args, terminal_width=300)
    assert result.exit_code == 1
    assert named in result.output


def test_missing_manifest_is_reported(release):
    (release / "manifest.json").unlink()
    report = verify_release(release, load_dataset=False)
    assert _problems(report, "manifest.json")


def test_missing_folder_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["release", "verify", str(tmp_path / "v9.9.9")])
    assert result.exit_code == 2


def test_entity_text_that_does_not_match_the_article_is_caught(release):
    path = first_file(release, "documents")
    seen = {}

    def shift(rows):
        e = rows[0]["entities"][0]
        seen.update(id=rows[0]["id"], text=e["text"])
        e["start"], e["end"] = e["start"] + 1, e["end"] + 1

    _rewrite_rows(release / path, shift)
    reseal(release)
    report = verify_release(release, load_dataset=False)
    msgs = _problems(report, path)
    assert any(f"row {seen['id']}: entities[0] says {seen['text']!r}" in m for m in msgs), report.problems


def test_entity_outside_the_text_and_label_outside_the_names_are_caught(release):
    path = first_file(release, "documents")

    def damage(rows):
        row = next(r for r in rows if r["relations"])
        row["entities"][0]["end"] = 10_000
        row["categories"] = [99]
        row["relations"][0]["tail"] = 70

    _rewrite_rows(release / path, damage)
    reseal(release)
    msgs = _problems(verify_release(release, load_dataset=False), path)
    assert any("outside the text" in m for m in msgs), msgs
    assert any("label 99 is outside the ClassLabel names" in m for m in msgs), msgs
    assert any("relations[0].tail = 70" in m for m in msgs), msgs


def test_bad_bio_order_and_token_offsets_are_caught(release):
    path = first_file(release, "ner")
    names = Features.from_arrow_schema(pq.read_schema(release / path))["ner_tags"].feature.names

    def damage(rows):
        row = rows[0]
        o = names.index("O")
        i = next(k for k in range(1, len(row["ner_tags"])) if row["ner_tags"][k - 1] == o)
        row["ner_tags"][i] = names.index("I-QUANTITY")  # I- after O
        rows[1]["token_ends"] = rows[1]["token_ends"][:-1]

    _rewrite_rows(release / path, damage)
    reseal(release)
    msgs = _problems(verify_release(release, load_dataset=False), path)
    assert any("I- must continue" in m for m in msgs), msgs
    assert any("tokens but" in m for m in msgs), msgs


def test_token_that_does_not_match_the_article_text_is_caught(release):
    path = first_file(release, "ner")
    seen = {}

    def damage(rows):
        seen.update(id=rows[0]["id"], tok=rows[0]["tokens"][0])
        rows[0]["tokens"][0] = rows[0]["tokens"][0] + "x"

    _rewrite_rows(release / path, damage)
    reseal(release)
    msgs = _problems(verify_release(release, load_dataset=False), path)
    assert any(f"row {seen['id']}: token 0 {seen['tok'] + 'x'!r} is not text[" in m for m in msgs), msgs


def test_card_features_must_match_the_parquet_schema(release):
    card = release / "README.md"
    card.write_text(card.read_text(encoding="utf-8").replace("'0': PER", "'0': PERSON"), encoding="utf-8")
    reseal(release)
    report = verify_release(release, load_dataset=False)
    assert any("differ from the card's features of 'documents'" in p.message for p in report.problems), report.problems


def test_row_counts_must_match_the_manifest_and_card(release):
    manifest = json.loads((release / "manifest.json").read_text())
    manifest["rows"]["documents"]["train"] = 5
    (release / "manifest.json").write_text(json.dumps(manifest))
    card = release / "README.md"
    text = card.read_text(encoding="utf-8")
    n = int(re.search(r"num_examples: (\d+)", text).group(1))
    card.write_text(re.sub(r"num_examples: \d+", f"num_examples: {n + 1}", text, count=1), encoding="utf-8")
    reseal(release)
    report = verify_release(release, load_dataset=False)
    assert any("row counts" in m for m in _problems(report, "manifest.json"))
    assert any(f"card says {n + 1} examples" in m for m in _problems(report, "README.md"))


def test_an_empty_split_in_the_card_is_refused(release):
    rows = json.loads((release / "manifest.json").read_text())["rows"]["documents"]
    empty = [s for s, n in rows.items() if n == 0]
    assert empty, f"the synthetic data should leave one split empty: {rows}"
    card = release / "README.md"
    text = card.read_text(encoding="utf-8")
    text = text.replace("  data_files:\n", f"  data_files:\n  - split: {empty[0]}\n    path: data/documents/{empty[0]}-*.parquet\n", 1)
    card.write_text(text, encoding="utf-8")
    reseal(release)
    report = verify_release(release, load_dataset=False)
    assert any("which is empty" in m for m in _problems(report, "README.md")), report.problems


def test_load_dataset_failure_is_reported(release):
    card = release / "README.md"
    card.write_text(card.read_text(encoding="utf-8").replace("data/ner/train-*.parquet", "data/ner/nothing-*.parquet"), encoding="utf-8")
    reseal(release)
    report = verify_release(release)
    assert any("load_dataset(folder, 'ner') offline fails" in m for m in _problems(report, "README.md")), report.problems


# ----------------------------------------------------------------------------- croissant


def test_croissant_is_deterministic_and_valid_under_the_mlcroissant_cli(release, tmp_path):
    before = (release / "croissant.json").read_bytes()
    write_croissant(release, release_config())
    assert (release / "croissant.json").read_bytes() == before
    mlcroissant = Path(sys.executable).with_name("mlcroissant")
    proc = subprocess.run([str(mlcroissant), "validate", "--jsonld", str(release / "croissant.json")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "error" not in proc.stderr.lower().replace("errors & warnings", "")


def test_croissant_describes_every_parquet_file_with_its_sha256(release):
    doc = build_croissant(release, release_config())
    manifest = {e["path"]: e for e in json.loads((release / "manifest.json").read_text())["files"]}
    objects = {d["contentUrl"]: d for d in doc["distribution"] if d["@type"] == "cr:FileObject"}
    parquet = sorted(p for p in manifest if p.endswith(".parquet"))
    assert sorted(objects) == parquet
    for p in parquet:
        assert objects[p]["sha256"] == manifest[p]["sha256"]
        assert objects[p]["encodingFormat"] == "application/x-parquet"
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    sets = {r["@id"]: r for r in doc["recordSet"] if "data" not in r}
    assert set(sets) == {"documents", "ner"}
    entities = next(f for f in sets["documents"]["field"] if f["@id"] == "documents/entities")
    assert entities["isArray"] is True
    assert [f["@id"] for f in entities["subField"]] == [f"documents/entities/{n}" for n in ("start", "end", "label", "text")]
    label = next(f for f in entities["subField"] if f["@id"].endswith("/label"))
    assert "PER, ORG, GPE" in label["description"] and "documents-entities-label-names" in label["description"]
    scheme = load_scheme()
    names = {r["@id"]: [d[f"{r['@id']}/name"] for d in r["data"]] for r in doc["recordSet"] if "data" in r}
    assert names["documents-entities-label-names"] == scheme.entity_names
    assert names["documents-categories-names"] == scheme.category_names
    assert names["ner-ner_tags-names"][:3] == ["O", f"B-{scheme.entity_names[0]}", f"I-{scheme.entity_names[0]}"]


def test_croissant_with_a_wrong_sha256_fails_verify(release):
    path = release / "croissant.json"
    doc = json.loads(path.read_text())
    fo = next(d for d in doc["distribution"] if d["@type"] == "cr:FileObject")
    fo["sha256"] = "0" * 64
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    reseal(release, croissant=False)
    report = verify_release(release, load_dataset=False)
    assert any("sha256 of data/" in m for m in _problems(report, "croissant.json")), report.problems


def test_invalid_croissant_is_reported_by_mlcroissant(release):
    path = release / "croissant.json"
    doc = json.loads(path.read_text())
    documents = next(r for r in doc["recordSet"] if r["@id"] == "documents")
    documents["field"][0]["source"]["fileSet"]["@id"] = "no-such-file-set"
    path.write_text(json.dumps(doc))
    assert any("no-such-file-set" in e for e in validate_croissant(path))
    reseal(release, croissant=False)
    report = verify_release(release, load_dataset=False)
    assert any("mlcroissant validate" in m for m in _problems(report, "croissant.json"))


def test_mlcroissant_reads_the_records_through_the_metadata(release):
    """The Croissant file is not just valid: mlcroissant can load every record with it."""
    import itertools
    import logging

    import mlcroissant as mlc

    logging.getLogger("absl").setLevel(logging.ERROR)
    ds = mlc.Dataset(jsonld=release / "croissant.json")
    rows = json.loads((release / "manifest.json").read_text())["rows"]
    ner = list(ds.records("ner"))
    assert len(ner) == sum(rows["ner"].values())
    splits = {r["ner/split"].decode() for r in ner}
    assert splits == {s for s, n in rows["ner"].items() if n}
    tags = [r["ner-ner_tags-names/name"] for r in ds.records("ner-ner_tags-names")]
    assert tags[0] == "O" and len(tags) == 1 + 2 * len(load_scheme().entity_names)
    doc = next(itertools.islice(ds.records("documents"), 1))
    text = doc["documents/text"].decode()
    for e in doc["documents/entities"]:
        start, end = e["documents/entities/start"], e["documents/entities/end"]
        assert text[start:end] == e["documents/entities/text"].decode()


def test_a_card_header_of_the_wrong_shape_is_reported_not_raised(release):
    card = release / "README.md"
    text = card.read_text(encoding="utf-8")
    card.write_text(text.replace("  data_files:\n  - split: ", "  data_files:\n  - 7\n  - split: ", 1), encoding="utf-8")
    reseal(release)
    report = verify_release(release, load_dataset=False)
    assert _problems(report, "README.md"), report.problems


def test_croissant_states_the_licence_of_the_texts_honestly(release):
    cfg = release_config()
    doc = build_croissant(release, cfg)
    assert doc["inLanguage"] == "id"
    assert cfg.texts_license in doc["description"]
    assert "not covered by CC-BY-4.0" in doc["description"]
    assert doc["citeAs"] == cfg.citation


def test_a_missing_shard_is_caught_even_when_the_manifest_is_resealed(tmp_path):
    settings = (ROOT / "corpus.toml").read_text(encoding="utf-8")
    settings = re.sub(r"(?m)^max_shard_bytes = .*$", "max_shard_bytes = 1024", settings)
    settings = re.sub(r"(?m)^row_group_rows = .*$", "row_group_rows = 2", settings)
    (tmp_path / "corpus.toml").write_text(settings, encoding="utf-8")
    articles, gold = synthetic_inputs(tmp_path / "inputs", 24)
    release = build_release("1.0.0", articles=articles, annotations=gold, config=tmp_path / "corpus.toml", out_dir=tmp_path / "releases").release_dir
    shards = sorted((release / "data" / "documents").glob("train-*-of-*.parquet"))
    assert len(shards) > 2
    assert verify_release(release, load_dataset=False, croissant=False).ok
    shards[1].unlink()
    manifest = json.loads((release / "manifest.json").read_text())
    manifest["rows"] = verify_release(release, load_dataset=False, croissant=False).rows  # hide the row-count trail too
    (release / "manifest.json").write_text(json.dumps(manifest))
    reseal(release, croissant=False)
    report = verify_release(release, load_dataset=False, croissant=False)
    assert any("not a complete 00000..N-1" in m for m in _problems(report, "data/documents/")), report.problems
