"""The release builder on small synthetic corpora (valid models built here) and, when present,
the real seed articles with their gold annotations."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
import yaml

from corpus_tools.annotation import Annotation, DocCategory, Relation, Span, text_sha256
from corpus_tools.article import Article, Provenance, Source, blocks_for
from corpus_tools.labels import load_scheme
from corpus_tools.records import write_jsonl
from corpus_tools.release.build import ImmutableReleaseError, build_release, settings_sha256
from corpus_tools.release.changelog import VersionError
from corpus_tools.release.config import load_config
from corpus_tools.release.features import arrow_schema, bio_tag_names, features_for
from corpus_tools.release.gates import GateError

REPO = Path(__file__).resolve().parent.parent
SCHEME_PATH = REPO / "schema" / "labels.yaml"
OUTLETS = [("Republika", "republika.co.id"), ("Antara", "antaranews.com"), ("Kompas", "kompas.com")]


# --------------------------------------------------------------------------- synthetic corpus


def make_article(i: int, *, story: str | None = None, extra: str = "") -> Article:
    outlet, domain = OUTLETS[i % len(OUTLETS)]
    text, blocks = blocks_for([
        ("paragraph", f"Kim Jong-un mengunjungi pabrik Hwasong-11 di Pyongyang, kata KCNA ({i}).{extra}"),
        ("paragraph", "Korea Utara menguji 1.000 rudal balistik; Amerika Serikat mengecamnya."),
    ])
    return Article(
        id=f"art-{i:04d}",
        source=Source(outlet=outlet, domain=domain),
        title=f"Judul berita {i}",
        dateline="SEOUL",
        published_at=datetime(2024, 5, 1 + i % 28, 10, i % 60, tzinfo=timezone(timedelta(hours=7 + i % 3))),
        text=text,
        blocks=blocks,
        provenance=Provenance(path=f"raw/{i}.txt", sha256=f"{i:064x}", parser_version="1"),
        story_id=story if story is not None else f"story-{i // 3:04d}",
    )


def make_annotation(a: Article, *, annotator: str = "gold", drop_weapon: bool = False) -> Annotation:
    t = a.text

    def span(sid: str, word: str, label: str) -> Span:
        s = t.index(word)
        return Span(id=sid, start=s, end=s + len(word), label=label, text=word)

    spans = [span("s1", "Kim Jong-un", "PER"), span("s3", "Pyongyang", "GPE"), span("s4", "KCNA", "ORG")]
    if not drop_weapon:
        spans.insert(1, span("s2", "Hwasong-11", "WEAPON"))
    p2 = t.index("Korea Utara")
    spans.append(Span(id="s5", start=p2, end=p2 + 11, label="GPE", text="Korea Utara"))
    return Annotation(
        article_id=a.id, annotator=annotator, spans=spans,
        relations=[Relation(id="r1", head="s1", tail="s3", label="visits"), Relation(id="r2", head="s1", tail="s4", label="said")],
        categories=[DocCategory(label="weapons_testing"), DocCategory(label="weapons_production")],
        confirmed=True, updated_at=datetime(2026, 1, 1, tzinfo=timezone.utc), text_sha256=text_sha256(t),
    )


def make_corpus(folder: Path, n: int = 24, *, annotate: int | None = None, start: int = 0, articles=None) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    arts = articles if articles is not None else [make_article(i) for i in range(start, start + n)]
    anns = [make_annotation(a) for a in arts[: len(arts) if annotate is None else annotate]]
    write_jsonl(folder / "articles.jsonl", arts)
    write_jsonl(folder / "gold.jsonl", anns)
    return folder / "articles.jsonl", folder / "gold.jsonl"


def build(folder: Path, version: str = "1.0.0", out: Path | None = None, **kw):
    kw.setdefault("articles", folder / "articles.jsonl")
    kw.setdefault("annotations", folder / "gold.jsonl")
    kw.setdefault("config", REPO / "corpus.toml")
    kw.setdefault("scheme_path", SCHEME_PATH)
    return build_release(version, out_dir=out or folder / "releases", **kw)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def config_with(tmp: Path, **sections) -> Path:
    """A copy of corpus.toml with some keys changed (``splits={"train": 1.0, ...}``)."""
    import tomllib

    data = tomllib.loads((REPO / "corpus.toml").read_text(encoding="utf-8"))
    for sec, values in sections.items():
        data[sec].update(values)
    lines = []
    for sec, values in data.items():
        lines.append(f"[{sec}]")
        for k, v in values.items():
            lines.append(f"{json.dumps(k)} = {json.dumps(v) if not hasattr(v, 'isoformat') else v.isoformat()}")
    path = tmp / "corpus.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- reproducibility, layout


def test_two_builds_are_byte_identical_and_rebuild_is_a_noop(tmp_path):
    make_corpus(tmp_path / "in")
    r1 = build(tmp_path / "in", out=tmp_path / "a")
    r2 = build(tmp_path / "in", out=tmp_path / "b")
    a, b = tree_bytes(r1.release_dir), tree_bytes(r2.release_dir)
    assert a.keys() == b.keys() and len(a) >= 10
    for rel in a:
        assert a[rel] == b[rel], f"{rel} differs between two builds"
    again = build(tmp_path / "in", out=tmp_path / "a")
    assert again.status == "unchanged"
    assert tree_bytes(r1.release_dir) == a
    # nothing absolute or machine-specific inside any text file
    for rel, data in a.items():
        if not rel.endswith(".parquet"):
            assert str(tmp_path).encode() not in data, rel


def test_layout_schema_and_rows(tmp_path):
    make_corpus(tmp_path / "in")
    r = build(tmp_path / "in")
    root = r.release_dir
    assert root == tmp_path / "in" / "releases" / "v1.0.0"
    assert not [p for p in root.parent.iterdir() if p.name.startswith(".")], "temp folder left behind"
    scheme = load_scheme(SCHEME_PATH)
    for config in ("documents", "ner"):
        for split in ("train", "validation", "test"):
            files = sorted((root / "data" / config).glob(f"{split}-*.parquet"))
            assert [f.name for f in files] == [f"{split}-00000-of-00001.parquet"]
            pf = pq.ParquetFile(files[0])
            # Parquet names list items "element" on read; the features (and their metadata) are what must match
            assert datasets.Features.from_arrow_schema(pf.schema_arrow) == features_for(config, scheme)
            assert pf.schema_arrow.metadata[b"huggingface"] == arrow_schema(config, scheme).metadata[b"huggingface"]
            assert pf.schema_arrow.names == arrow_schema(config, scheme).names
            assert pf.metadata.num_rows == r.rows[config][split]
            for rg in range(pf.metadata.num_row_groups):
                assert pf.metadata.row_group(rg).column(0).compression == "ZSTD"
    feats = datasets.Features.from_arrow_schema(pq.read_schema(root / "data/ner/train-00000-of-00001.parquet"))
    assert feats["ner_tags"].feature.names == bio_tag_names(scheme)
    docs = datasets.Features.from_arrow_schema(pq.read_schema(root / "data/documents/train-00000-of-00001.parquet"))
    assert docs["entities"].feature["label"].names == scheme.entity_names
    assert docs["categories"].feature.names == scheme.category_names
    assert sum(r.rows["documents"].values()) == 24 and sum(r.rows["ner"].values()) == 48
    assert sorted(p.name for p in root.iterdir()) == [
        "CHANGELOG.md", "README.md", "croissant.json", "data", "label_distribution.svg", "manifest.json"]


def test_documents_rows_keep_offsets_relations_and_categories(tmp_path):
    make_corpus(tmp_path / "in", n=6)
    r = build(tmp_path / "in")
    scheme = load_scheme(SCHEME_PATH)
    rows = [row for f in sorted((r.release_dir / "data/documents").glob("*.parquet")) for row in pq.read_table(f).to_pylist()]
    assert len(rows) == 6
    for row in rows:
        assert row["annotated"] is True
        ents = row["entities"]
        assert [(e["start"], e["end"]) for e in ents] == sorted((e["start"], e["end"]) for e in ents)
        for e in ents:
            assert row["text"][e["start"]:e["end"]] == e["text"]
        names = [scheme.entity_names[e["label"]] for e in ents]
        assert names == ["PER", "WEAPON", "GPE", "ORG", "GPE"]
        rels = {(ents[x["head"]]["text"], ents[x["tail"]]["text"], scheme.relation_names[x["label"]]) for x in row["relations"]}
        assert rels == {("Kim Jong-un", "Pyongyang", "visits"), ("Kim Jong-un", "KCNA", "said")}
        assert [scheme.category_names[c] for c in row["categories"]] == ["weapons_production", "weapons_testing"]
        assert datetime.fromisoformat(row["published_at"]).utcoffset() is not None


def test_sharding_by_size_keeps_order_and_counts(tmp_path):
    make_corpus(tmp_path / "in", n=60)
    cfg = config_with(tmp_path, splits={"train": 1.0, "validation": 0.0, "test": 0.0}, parquet={"max_shard_bytes": 1024, "row_group_rows": 10})
    r = build(tmp_path / "in", config=cfg)
    files = sorted((r.release_dir / "data/documents").glob("train-*.parquet"))
    n = len(files)
    assert n > 1
    assert [f.name for f in files] == [f"train-{i:05d}-of-{n:05d}.parquet" for i in range(n)]
    ids = [i for f in files for i in pq.read_table(f, columns=["id"]).column("id").to_pylist()]
    assert ids == [f"art-{i:04d}" for i in range(60)]
    # empty splits still have a file with the declared schema and no rows
    empty = pq.ParquetFile(r.release_dir / "data/documents/validation-00000-of-00001.parquet")
    assert empty.metadata.num_rows == 0 and empty.metadata.num_row_groups == 0
    assert datasets.Features.from_arrow_schema(empty.schema_arrow) == features_for("documents", load_scheme(SCHEME_PATH))
    manifest = json.loads((r.release_dir / "manifest.json").read_text())
    assert manifest["rows"]["documents"] == {"train": 60, "validation": 0, "test": 0}


def test_manifest_lists_every_file_sorted_with_hashes(tmp_path):
    import hashlib

    arts, anns = make_corpus(tmp_path / "in", n=9)
    r = build(tmp_path / "in")
    m = json.loads((r.release_dir / "manifest.json").read_text())
    paths = [f["path"] for f in m["files"]]
    assert paths == sorted(paths)
    on_disk = sorted(p.relative_to(r.release_dir).as_posix() for p in r.release_dir.rglob("*") if p.is_file())
    assert paths == [p for p in on_disk if p != "manifest.json"]
    for f in m["files"]:
        data = (r.release_dir / f["path"]).read_bytes()
        assert f["bytes"] == len(data) and f["sha256"] == hashlib.sha256(data).hexdigest()
    assert m["inputs"]["articles"]["sha256"] == hashlib.sha256(arts.read_bytes()).hexdigest()
    assert m["inputs"]["annotations"]["sha256"] == hashlib.sha256(anns.read_bytes()).hexdigest()
    assert m["scheme"] == {"version": load_scheme(SCHEME_PATH).version, "sha256": hashlib.sha256(SCHEME_PATH.read_bytes()).hexdigest()}
    assert m["tool"]["name"] == "corpus-tools" and m["version"] == "1.0.0"
    assert not {"commit", "git_commit", "built_at", "build_time"} & set(m)
    assert m["inputs"]["settings"]["sha256"] == settings_sha256(load_config(REPO / "corpus.toml"))


def test_card_header_and_body(tmp_path):
    make_corpus(tmp_path / "in", n=12)
    r = build(tmp_path / "in")
    card = (r.release_dir / "README.md").read_text()
    head = yaml.safe_load(card.split("---\n")[1])
    for key in ("configs", "dataset_info", "language", "license", "pretty_name", "task_categories", "task_ids",
                "size_categories", "annotations_creators", "source_datasets"):
        assert key in head, key
    assert head["license"] == "cc-by-4.0" and head["language"] == ["id"] and head["size_categories"] == ["n<1K"]
    configs = {c["config_name"]: c for c in head["configs"]}
    assert configs["documents"]["default"] is True
    assert {d["split"] for d in configs["ner"]["data_files"]} <= {"train", "validation", "test"}
    body = card.split("---\n", 2)[2]
    for needle in ("## Sources", "| Republika | republika.co.id |", "## Label scheme", "label_distribution.svg",
                   "## Annotation process", "agreement not measured", "## Limitations", "copyright of their",
                   "## Citation", "## Changelog", "First release."):
        assert needle in body, needle
    assert "Partial release" not in body
    svg = (r.release_dir / "label_distribution.svg").read_text()
    assert svg.startswith("<svg") and ">PER<" in svg and ">12<" in svg  # 12 PER spans


def test_load_dataset_offline_restores_class_labels(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    make_corpus(tmp_path / "in", n=30)
    r = build(tmp_path / "in")
    scheme = load_scheme(SCHEME_PATH)
    ds = datasets.load_dataset(str(r.release_dir), cache_dir=str(tmp_path / "cache"))
    for split, n in r.rows["documents"].items():
        if n:
            assert ds[split].num_rows == n
    assert ds["train"].features["entities"].feature["label"].names == scheme.entity_names
    ner = datasets.load_dataset(str(r.release_dir), "ner", cache_dir=str(tmp_path / "cache"))
    assert ner["train"].features["ner_tags"].feature.names == bio_tag_names(scheme)
    row = ner["train"][0]
    assert len(row["tokens"]) == len(row["ner_tags"]) == len(row["token_starts"])


# --------------------------------------------------------------------------- immutability, gates


def test_existing_version_with_other_content_is_refused(tmp_path):
    make_corpus(tmp_path / "in", n=6)
    r = build(tmp_path / "in")
    before = tree_bytes(r.release_dir)
    make_corpus(tmp_path / "in", n=7)
    with pytest.raises(ImmutableReleaseError, match="immutable"):
        build(tmp_path / "in")
    assert tree_bytes(r.release_dir) == before
    assert [p.name for p in (tmp_path / "in/releases").iterdir()] == ["v1.0.0"]


def _assert_nothing_written(folder: Path):
    out = folder / "releases"
    assert not out.exists() or not list(out.iterdir()), list(out.iterdir())


def test_missing_annotation_fails_unless_partial(tmp_path):
    make_corpus(tmp_path / "in", n=6, annotate=4)
    with pytest.raises(GateError) as e:
        build(tmp_path / "in")
    msg = str(e.value)
    assert "art-0004" in msg and "art-0005" in msg and "--partial" in msg
    assert {f.gate for f in e.value.failures} == {"annotated"}
    _assert_nothing_written(tmp_path / "in")
    r = build(tmp_path / "in", partial=True)
    assert r.partial and r.annotated == 4 and r.articles == 6
    assert "Partial release" in (r.release_dir / "README.md").read_text()
    assert json.loads((r.release_dir / "manifest.json").read_text())["partial"] is True
    assert sum(r.rows["ner"].values()) == 8  # unannotated articles are not in ner
    rows = [x for f in (r.release_dir / "data/documents").glob("*.parquet") for x in pq.read_table(f).to_pylist()]
    assert sorted(x["id"] for x in rows if not x["annotated"]) == ["art-0004", "art-0005"]


def test_label_outside_scheme_and_bad_records_name_the_article(tmp_path):
    folder = tmp_path / "in"
    arts, anns = make_corpus(folder, n=4)
    lines = anns.read_text().splitlines()
    bad = json.loads(lines[1])
    bad["spans"][0]["label"] = "PERSON"
    lines[1] = json.dumps(bad)
    off = json.loads(lines[2])
    off["spans"][0]["text"] = "Kim Jong-uX"
    lines[2] = json.dumps(off)
    lines.append(json.dumps(make_annotation(make_article(99)).model_dump(mode="json")))  # unknown article
    anns.write_text("\n".join(lines) + "\n")
    art_lines = arts.read_text().splitlines()
    art_lines.append(art_lines[0])  # duplicate id
    art_lines.append('{"id": "broken"')
    arts.write_text("\n".join(art_lines) + "\n")
    with pytest.raises(GateError) as e:
        build(folder)
    by_gate = {}
    for f in e.value.failures:
        by_gate.setdefault(f.gate, []).append(f)
    assert by_gate["label"][0].article_id == "art-0001" and "PERSON" in by_gate["label"][0].reason
    assert by_gate["label"][0].where.endswith("gold.jsonl:2")
    ann_fail = {f.article_id: f for f in by_gate["annotation"]}
    assert "Kim Jong-uX" in ann_fail["art-0002"].reason
    assert "not in the articles file" in ann_fail["art-0099"].reason
    art_fail = by_gate["article"]
    assert any(f.article_id == "art-0000" and "twice" in f.reason for f in art_fail)
    assert any(f.where.endswith("articles.jsonl:6") for f in art_fail)
    _assert_nothing_written(folder)


def test_agreement_gate(tmp_path):
    folder = tmp_path / "in"
    make_corpus(folder, n=6)
    arts = [make_article(i) for i in range(6)]
    ann_dir = folder / "annotators"
    write_jsonl(ann_dir / "ana.jsonl", [make_annotation(a, annotator="ana") for a in arts])
    write_jsonl(ann_dir / "budi.jsonl", [make_annotation(a, annotator="budi") for a in arts])
    r = build(folder, annotators_dir=ann_dir, out=tmp_path / "ok")
    assert r.agreement is not None and r.agreement.measurable and r.agreement.spans_exact.f1 == 1.0
    assert "Span F1, exact match" in (r.release_dir / "README.md").read_text()
    # budi misses every weapon and one category: F1 below a strict threshold fails the gate
    budi = []
    for a in arts:
        x = make_annotation(a, annotator="budi", drop_weapon=True)
        x.spans = x.spans[:2]
        x.relations = []
        budi.append(x)
    write_jsonl(ann_dir / "budi.jsonl", budi)
    with pytest.raises(GateError) as e:
        build(folder, annotators_dir=ann_dir, out=tmp_path / "bad")
    assert any(f.gate == "agreement" and "below the threshold" in f.reason for f in e.value.failures)
    assert not (tmp_path / "bad").exists() or not list((tmp_path / "bad").iterdir())


def test_single_annotator_dir_says_not_measured(tmp_path):
    folder = tmp_path / "in"
    make_corpus(folder, n=3)
    ann_dir = folder / "annotators"
    write_jsonl(ann_dir / "ana.jsonl", [make_annotation(make_article(i), annotator="ana") for i in range(3)])
    r = build(folder, annotators_dir=ann_dir)
    card = (r.release_dir / "README.md").read_text()
    assert "Single annotator (ana): agreement not measured." in card


def test_understated_version_is_refused_and_nothing_written(tmp_path):
    folder = tmp_path / "in"
    make_corpus(folder, n=6)
    build(folder)
    arts = [make_article(i) for i in range(6)]
    arts[2] = make_article(2, extra=" Tambahan.")  # changed text -> MAJOR
    make_corpus(folder, articles=arts)
    with pytest.raises(VersionError) as e:
        build(folder, version="1.1.0")
    assert "MAJOR" in str(e.value) and "2.0.0" in str(e.value) and "changed" in str(e.value)
    assert sorted(p.name for p in (folder / "releases").iterdir()) == ["v1.0.0"]
    r = build(folder, version="2.0.0")
    assert r.bump == "major" and r.diff.changed_articles == ["art-0002"]
    with pytest.raises(VersionError, match="later than 1.5.0"):
        build(folder, version="1.5.0")


def test_invalid_version_and_settings(tmp_path):
    make_corpus(tmp_path / "in", n=2)
    with pytest.raises(VersionError):
        build(tmp_path / "in", version="1.0")
    bad = config_with(tmp_path, splits={"train": 0.5, "validation": 0.1, "test": 0.1})
    from corpus_tools.release.config import ConfigError

    with pytest.raises(ConfigError, match="sum to 1"):
        build(tmp_path / "in", config=bad)


def test_corpus_toml_loads():
    cfg = load_config(REPO / "corpus.toml")
    assert cfg.license == "cc-by-4.0" and cfg.splits.ratios == {"train": 0.8, "validation": 0.1, "test": 0.1}
    assert "copyright" in cfg.licensing.texts


# --------------------------------------------------------------------------- CLI


def test_cli_build_and_diff(tmp_path):
    from typer.testing import CliRunner

    from corpus_tools.cli import app

    folder = tmp_path / "in"
    arts, anns = make_corpus(folder, n=6)
    common = ["--articles", str(arts), "--annotations", str(anns), "--labels", str(SCHEME_PATH),
              "--config", str(REPO / "corpus.toml"), "--out", str(folder / "releases")]
    runner = CliRunner()
    res = runner.invoke(app, ["release", "build", "--version", "1.0.0", *common])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["release", "build", "--version", "1.0.0", *common])
    assert res.exit_code == 0 and "unchanged" in res.output
    make_corpus(folder, n=8)
    res = runner.invoke(app, ["release", "build", "--version", "1.0.1", *common])
    assert res.exit_code == 2 and "MINOR" in res.output
    res = runner.invoke(app, ["release", "build", "--version", "1.1.0", *common])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["release", "diff", str(folder / "releases/v1.0.0"), str(folder / "releases/v1.1.0")])
    assert res.exit_code == 0 and "Articles added: 2" in res.output and "MINOR" in res.output
    make_corpus(folder, n=8, annotate=7)
    res = runner.invoke(app, ["release", "build", "--version", "1.2.0", *common])
    assert res.exit_code == 1 and "art-0007" in res.output
    res = runner.invoke(app, ["release", "build", "--version", "1.2.0", *common[:1], str(folder / "missing.jsonl"), *common[2:]])
    assert res.exit_code == 2 and "missing.jsonl" in res.output
    res = runner.invoke(app, ["release", "build", "--help"])
    assert "Example:" in res.output


# --------------------------------------------------------------------------- the real seeds


def test_real_seed_articles_build(tmp_path):
    """The five seed articles (ingested from corpus/raw unless corpus/articles.jsonl exists) with their gold annotations."""
    gold = REPO / "corpus/annotations/gold.jsonl"
    if not gold.exists():
        pytest.skip("corpus/annotations/gold.jsonl not there yet")
    articles = REPO / "corpus/articles.jsonl"
    if not articles.exists():
        from corpus_tools.ingest import ingest

        articles = tmp_path / "articles.jsonl"
        ingest([REPO / "corpus/raw"], articles)
    kw = dict(articles=articles, annotations=gold, scheme_path=SCHEME_PATH, config=REPO / "corpus.toml")
    r = build_release("1.0.0", out_dir=tmp_path / "a", **kw)
    r2 = build_release("1.0.0", out_dir=tmp_path / "b", **kw)
    assert tree_bytes(r.release_dir) == tree_bytes(r2.release_dir)
    n_gold = sum(1 for line in gold.read_text().splitlines() if line.strip())
    assert r.annotated == n_gold == r.articles
    assert sum(r.rows["documents"].values()) == n_gold
    card = (r.release_dir / "README.md").read_text()
    assert "Partial release" not in card and "`gold`" in card


def test_committed_releases_rebuild_byte_identical(tmp_path):
    """Every release in releases/ whose inputs are the repo's current inputs rebuilds to the same bytes."""
    import hashlib
    import shutil

    releases = sorted((p for p in (REPO / "releases").glob("v*") if (p / "manifest.json").is_file()), key=lambda p: p.name)
    articles, gold = REPO / "corpus/articles.jsonl", REPO / "corpus/annotations/gold.jsonl"
    annotators = REPO / "corpus/annotations"
    checked = 0
    for rel in releases:
        m = json.loads((rel / "manifest.json").read_text())
        inputs = m["inputs"]
        if not articles.exists() or not gold.exists() or inputs.get("annotations") is None:
            continue
        if (hashlib.sha256(articles.read_bytes()).hexdigest() != inputs["articles"]["sha256"]
                or hashlib.sha256(gold.read_bytes()).hexdigest() != inputs["annotations"]["sha256"]
                or hashlib.sha256(SCHEME_PATH.read_bytes()).hexdigest() != inputs["labels"]["sha256"]
                or settings_sha256(load_config(REPO / "corpus.toml")) != inputs.get("settings", {}).get("sha256")
                or ("annotators" in inputs and inputs["annotators"] != {
                    p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(annotators.glob("*.jsonl"))})):
            continue  # built from other inputs (an older corpus): nothing to compare against
        out = tmp_path / rel.name
        out.mkdir()
        for earlier in releases:  # the previous releases decide splits and the changelog
            if earlier.name != rel.name and tuple(map(int, earlier.name[1:].split("."))) < tuple(map(int, rel.name[1:].split("."))):
                shutil.copytree(earlier, out / earlier.name)
        r = build_release(m["version"], articles=articles, annotations=gold, scheme_path=SCHEME_PATH,
                          config=REPO / "corpus.toml", out_dir=out, partial=m["partial"],
                          annotators_dir=annotators if "annotators" in inputs else None)
        assert tree_bytes(r.release_dir) == tree_bytes(rel), f"{rel} does not rebuild byte-identically"
        checked += 1
    if not checked:
        pytest.skip("no committed release built from the current corpus/articles.jsonl + gold.jsonl")


# --------------------------------------------------------------------------- worker processes


def test_worker_pool_gives_the_same_bytes_and_failures(tmp_path, monkeypatch):
    """Batches converted in worker processes are consumed in input order: same files, same
    gate failures (in the same order) as the in-process build, with many small batches and
    blank lines that do not count towards a batch."""
    import corpus_tools.release.build as build_mod

    monkeypatch.setattr(build_mod, "BATCH_ARTICLES", 5)
    folder = tmp_path / "in"
    arts, _ = make_corpus(folder, n=37)
    lines = arts.read_text().splitlines()
    arts.write_text("\n".join(lines[:7] + [""] + lines[7:]) + "\n")
    one = build(folder, out=tmp_path / "one", workers=1)
    two = build(folder, out=tmp_path / "two", workers=2)
    assert (one.workers, two.workers) == (1, 2)
    assert one.rows == two.rows and sum(one.rows["documents"].values()) == 37
    assert tree_bytes(one.release_dir) == tree_bytes(two.release_dir)

    lines = arts.read_text().splitlines()
    arts.write_text("\n".join(lines + [lines[3], '{"id": "broken"'] + lines[20:23]) + "\n")
    errors = []
    for w in (1, 2):
        with pytest.raises(GateError) as e:
            build(folder, out=tmp_path / f"bad{w}", workers=w)
        errors.append([str(f) for f in e.value.failures])
    assert errors[0] == errors[1] and len(errors[0]) == 5
    assert sum("twice" in m for m in errors[0]) == 4
    assert any("articles.jsonl:40" in m and "not a valid JSON object" in m for m in errors[0])


def test_annotation_line_order_and_layout_do_not_change_the_release(tmp_path, monkeypatch):
    """A batch's annotation lines are read as one block when they are consecutive lines of the
    file in the articles' order, else one by one: both give the same bytes, and the same
    failures for bad annotation lines."""
    import random

    import corpus_tools.release.build as build_mod

    monkeypatch.setattr(build_mod, "BATCH_ARTICLES", 6)
    folder = tmp_path / "in"
    _, gold = make_corpus(folder, n=30)
    lines = gold.read_text(encoding="utf-8").splitlines()
    shuffled = lines[:]
    random.Random(3).shuffle(shuffled)
    layouts = {
        "ordered": "\n".join(lines) + "\n",
        "no final newline": "\n".join(lines),
        "crlf": "\r\n".join(lines) + "\r\n",
        "blank lines": "\n".join(lines[:8] + ["", "  "] + lines[8:]) + "\n",
        "reversed": "\n".join(reversed(lines)) + "\n",
        "shuffled": "\n".join(shuffled) + "\n",
    }
    trees = {}
    for name, content in layouts.items():
        gold.write_bytes(content.encode("utf-8"))
        trees[name] = tree_bytes(build(folder, out=tmp_path / name.replace(" ", "_")).release_dir)
    base = trees.pop("ordered")
    strip_inputs = lambda t: {k: v for k, v in t.items() if k not in ("manifest.json",)}  # noqa: E731 (input hashes differ)
    for name, tree in trees.items():
        assert strip_inputs(tree) == strip_inputs(base), name

    bad = lines[:]
    bad[7] = bad[7].replace('"label":"PER"', '"label":"NOPE"')
    bad[13] = bad[13][:-1] + ', "x": 1}'
    assert bad[7] != lines[7]
    errors = []
    for content in ("\n".join(bad) + "\n", "\n".join(reversed(bad)) + "\n"):
        gold.write_bytes(content.encode("utf-8"))
        with pytest.raises(GateError) as e:
            build(folder, out=tmp_path / "bad")
        errors.append(sorted(str(f).split("gold.jsonl:")[0] for f in e.value.failures))
    assert errors[0] == errors[1] and len(errors[0]) == 2


def test_read_lines_at_reads_consecutive_lines_as_one_block(tmp_path):
    from corpus_tools.json_lines import LineBlock
    from corpus_tools.release.build import _read_lines_at

    path = tmp_path / "f.jsonl"
    lines = [b'{"a": 1}', b'{"b": 22}', b"", b'{"c": 333}', b'{"d": 4}']
    path.write_bytes(b"\n".join(lines))  # no final newline
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    block = _read_lines_at(path, starts[:2])
    assert isinstance(block, LineBlock) and list(block) == lines[:2]
    block = _read_lines_at(path, [starts[3], starts[4]])  # the last line has no newline
    assert isinstance(block, LineBlock) and list(block) == lines[3:]
    for offsets in ([starts[1], starts[3]], [starts[3], starts[0]], [starts[0], starts[0]]):  # a gap, not ascending, twice
        got = _read_lines_at(path, offsets)
        assert not isinstance(got, LineBlock)
        assert [g.rstrip(b"\n") for g in got] == [lines[starts.index(o)] for o in offsets]


def test_worker_pool_next_version_keeps_splits(tmp_path, monkeypatch):
    """A MINOR release built with workers (forked after reading the previous release's splits)
    equals the in-process one: added articles of known stories inherit their split."""
    import shutil

    import corpus_tools.release.build as build_mod

    monkeypatch.setattr(build_mod, "BATCH_ARTICLES", 4)
    folder = tmp_path / "in"
    make_corpus(folder, n=20)
    build(folder, out=tmp_path / "one", workers=2)
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    make_corpus(folder, articles=[make_article(i) for i in range(26)])  # 20-25 join stories 6-8
    one = build(folder, version="1.1.0", out=tmp_path / "one", workers=1)
    two = build(folder, version="1.1.0", out=tmp_path / "two", workers=2)
    assert one.bump == two.bump == "minor" and two.workers == 2
    assert tree_bytes(one.release_dir) == tree_bytes(two.release_dir)


def test_document_batch_equals_rows_from_pylist():
    """The column-wise ``documents`` batch has the values (hence the Parquet bytes) of
    ``from_pylist`` over :func:`document_row`, with and without annotations, whether the
    articles' rows come from the column-wise check of their JSON lines or from the model."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from corpus_tools.annotation import PlainAnnotation
    from corpus_tools.article_batch import articles_table, validate_article_lines
    from corpus_tools.release.build import document_batch, document_row, writer_options

    scheme = load_scheme(SCHEME_PATH)
    index = {"entities": {n: i for i, n in enumerate(scheme.entity_names)},
             "relations": {n: i for i, n in enumerate(scheme.relation_names)},
             "categories": {n: i for i, n in enumerate(scheme.category_names)}}
    schema = arrow_schema("documents", scheme)
    arts = [make_article(i) for i in range(5)]
    pairs = [(a, make_annotation(a, drop_weapon=i % 2 == 1)) for i, a in enumerate(arts)]
    pairs[2] = (arts[2], None)
    ann3 = pairs[3][1]  # spans out of text order: sorted by (start, end, label, id) in both
    pairs[3] = (arts[3], ann3.model_copy(update={"spans": ann3.spans[::-1]}))
    expected = pa.RecordBatch.from_pylist([document_row(a, n, index) for a, n in pairs], schema=schema)
    anns = [n and PlainAnnotation.of(n) for _a, n in pairs]
    fast = validate_article_lines([a.model_dump_json().encode() for a in arts])
    assert fast.ok.all() and fast.lines.tolist() == list(range(len(arts)))

    def parquet(batch: pa.RecordBatch) -> bytes:
        out = io.BytesIO()
        pq.write_table(pa.Table.from_batches([batch]), out, **writer_options(load_config(REPO / "corpus.toml").parquet))
        return out.getvalue()

    for table in (fast.table, articles_table(arts)):
        got, ents = document_batch(table, anns, index, schema)
        assert got.equals(expected) and parquet(got) == parquet(expected)
    assert ents.of(2) == [] and ents.of(0) == [(e["start"], e["end"], e["label"]) for e in expected.to_pylist()[0]["entities"]]
    assert expected.to_pylist()[0]["relations"]  # the corpus has relations, so they are compared too
    empty, _ = document_batch(articles_table([]), [], index, schema)
    assert empty.num_rows == 0 and empty.schema == schema


def test_workers_default_and_env_is_checked(tmp_path, monkeypatch):
    import corpus_tools.release.build as build_mod

    make_corpus(tmp_path / "in", n=3)
    monkeypatch.delenv(build_mod.WORKERS_ENV, raising=False)
    monkeypatch.setattr(build_mod, "usable_cpus", lambda: 2)
    assert build(tmp_path / "in").workers == 1  # a small input runs in-process whatever the default
    monkeypatch.setattr(build_mod, "PARALLEL_MIN_BYTES", 0)
    assert build(tmp_path / "in", out=tmp_path / "b").workers == 2  # one worker per usable CPU
    monkeypatch.setattr(build_mod, "usable_cpus", lambda: 1)
    assert build(tmp_path / "in", out=tmp_path / "c").workers == 1
    monkeypatch.setattr(build_mod, "usable_cpus", lambda: 64)
    assert build(tmp_path / "in", out=tmp_path / "d").workers == build_mod.MAX_DEFAULT_WORKERS
    monkeypatch.setenv(build_mod.WORKERS_ENV, "1")
    assert build(tmp_path / "in", out=tmp_path / "e").workers == 1  # the variable wins
    monkeypatch.setenv(build_mod.WORKERS_ENV, "two")
    with pytest.raises(build_mod.ReleaseError, match="CORPUS_TOOLS_RELEASE_WORKERS"):
        build(tmp_path / "in", out=tmp_path / "f")


def test_hashed_blocks_give_the_file_and_hash_every_byte():
    """The block reader (two reused buffers, SHA-256 in a thread) gives exactly the file's
    bytes, whatever the block size, and the hash covers all of them."""
    import hashlib
    import io
    import random

    from corpus_tools.release.build import _hashed_blocks

    rng = random.Random(1)
    for _ in range(300):
        data = b"".join(rng.choice([b"a", b"\n", b"xyz", b"\r", b"\n\n"]) for _ in range(rng.randint(0, 300)))
        h = hashlib.sha256()
        got = b"".join(bytes(view[:n]) for _buf, view, n in _hashed_blocks(io.BytesIO(data), h, rng.randint(1, 20)))
        assert got == data
        assert h.hexdigest() == hashlib.sha256(data).hexdigest()


def test_batch_tasks_bound_runs_of_nonblank_lines_and_hash_every_byte():
    """The builder's batch bounds (lines found with ``find`` in reused buffers) equal those of
    a plain walk over the file's lines: every ``batch`` non-blank lines, blank lines with the
    run before them, line numbers, progress every 1,000 lines, whatever the block size."""
    import hashlib
    import io
    import random

    from corpus_tools.release.build import _batch_tasks

    def reference(data: bytes, batch: int) -> tuple[list, list]:
        tasks, calls, read, start, first, nonblank = [], [], 0, 0, 1, 0
        for lineno, line in enumerate(io.BytesIO(data), 1):
            read += len(line)
            if lineno % 1000 == 0:
                calls.append(read)
            if line.strip():
                nonblank += 1
                if nonblank == batch:
                    tasks.append((start, read, first))
                    start, first, nonblank = read, lineno + 1, 0
        if read > start:
            tasks.append((start, read, first))
        return tasks, calls

    rng = random.Random(3)
    pieces = [b"", b" ", b"\t \r", b"{}", b'{"a": 1}', b"x" * 7, b"{" + b"y" * 12, b" {", b"\r"]
    for _ in range(400):
        n_lines = rng.randint(0, 30) if rng.random() < 0.9 else rng.randint(900, 2100)
        data = b"\n".join(rng.choice(pieces) for _ in range(n_lines)) + rng.choice([b"", b"\n", b"\n\n", b" "])
        batch = rng.randint(1, 700)
        h, calls = hashlib.sha256(), []
        got = list(_batch_tasks(io.BytesIO(data), h, batch, lambda r, _t, calls=calls: calls.append(r), len(data), block_size=rng.randint(1, 64) if len(data) < 400 else rng.randint(500, 5000)))
        assert (got, calls) == reference(data, batch)
        assert h.hexdigest() == hashlib.sha256(data).hexdigest()


def test_index_fast_path_equals_the_general_line_indexer(tmp_path, monkeypatch):
    """``index_annotations`` (plain-id fast path per line) gives the offsets and failures of
    the general per-line indexer on every line: plain ids, escapes, spacing, blank lines,
    duplicates, bad JSON, a key that is not first, a last line without a newline; also when
    lines span the blocks the file is read in, and the hash covers every byte."""
    import hashlib
    import io
    import random

    from corpus_tools.release import build
    from corpus_tools.release.build import (
        AnnotationIndex,
        _index_line,
        index_annotations,
    )

    rng = random.Random(3)
    forms = ['{"article_id": "%s", "x": 1}', '{"article_id":"%s"}', '{"article_id" :\t"%s"}', ' {"article_id": "%s"}',
             '{"x": 1, "article_id": "%s"}', '{"article_id": "%s\\u0041"}', '{"article_id": ""}', '{"article_id": 5}',
             '{"article_id": "%s"', "[1, 2]", "", "   ", '{"article_id": "a b%s"}', '{"note": "\\"article_id\\": \\"q\\"", "article_id": "%s"}']
    for trial in range(120):
        monkeypatch.setattr(build, "READ_BLOCK_BYTES", rng.choice([1, 2, 7, 30, 64, 4 << 20]))
        lines = []
        for _ in range(rng.randint(0, 30)):
            form = rng.choice(forms)
            lines.append(form % f"id-{rng.randint(0, 12)}" if "%s" in form else form)
        data = "\n".join(lines) + rng.choice(["", "\n"])
        path = tmp_path / f"a{trial}.jsonl"
        path.write_text(data, encoding="utf-8")
        got = index_annotations(path)
        want = AnnotationIndex(path=path)
        start = 0
        for lineno, line in enumerate(io.BytesIO(data.encode()), 1):
            _index_line(want, line, start, lineno)
            start += len(line)
        assert got.offsets == want.offsets and list(got.offsets) == list(want.offsets)
        assert [str(f) for f in got.failures] == [str(f) for f in want.failures]
        assert got.size == len(data.encode())
        assert got.sha256 == hashlib.sha256(data.encode()).hexdigest()


def test_background_writes_keep_order_and_raise_the_first_failure():
    from corpus_tools.release.build import BackgroundWrites

    done = []
    bg = BackgroundWrites(depth=2)
    for i in range(50):
        bg.submit(done.append, i)
    bg.finish()
    assert done == list(range(50))

    def boom(i):
        if i == 3:
            raise OSError("disk full")
        done.append(i)

    done.clear()
    bg = BackgroundWrites(depth=2)
    with pytest.raises(OSError, match="disk full"):
        for i in range(50):
            bg.submit(boom, i)
        bg.finish()
    bg.stop()
    assert done == [0, 1, 2]


def test_articles_file_changed_during_the_build_is_refused(tmp_path, monkeypatch):
    """The articles file is hashed by its own thread while the annotations are indexed, and read
    again for the rows: a change in between would make the manifest's hash lie, so it is an error."""
    import corpus_tools.release.build as build_mod
    from corpus_tools.release.build import ReleaseError

    arts, _ = make_corpus(tmp_path / "in", n=6)
    real = build_mod.index_annotations

    def index_then_touch(path):
        idx = real(path)
        with open(arts, "a", encoding="utf-8") as fh:
            fh.write("\n")
        return idx

    monkeypatch.setattr(build_mod, "index_annotations", index_then_touch)
    with pytest.raises(ReleaseError, match="changed while the release was built"):
        build(tmp_path / "in", out=tmp_path / "out")
    assert not any((tmp_path / "out").iterdir())  # not even the temp folder


def test_workers_run_at_a_lower_priority_than_the_builder():
    """The builder's writer thread comes first when the workers and it share the cores."""
    import multiprocessing

    import corpus_tools.release.build as build_mod

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1, initializer=build_mod._init_worker, initargs=(None,)) as pool:
        worker = pool.apply(os.nice, (0,))
    assert worker == min(19, os.nice(0) + build_mod.WORKER_NICENESS)
