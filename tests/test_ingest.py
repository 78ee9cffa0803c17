"""The ingest stage end to end on the seeds: ids, provenance, clusters, order, formats, reading back."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from corpus_tools import ingest as ing
from corpus_tools.article import Article
from corpus_tools.ingest import ARTICLE_ARROW_SCHEMA, discover, finalize_line, ingest
from corpus_tools.records import read_models, rejects_path
from corpus_tools.stats import corpus_stats, validate_file

RAW = Path(__file__).resolve().parent.parent / "corpus" / "raw"
SEEDS = sorted(p.stem for p in RAW.glob("*.txt"))


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("ingest") / "articles.jsonl"
    report = ingest([RAW], out)
    return report, out


def test_seeds_ingest_cleanly_sorted_with_relative_provenance(seeds_out):
    report, out = seeds_out
    assert (report.inputs, report.written, report.rejected, report.rejects_file) == (5, 5, 0, None)
    arts = list(read_models(out, Article))
    assert [a.id for a in arts] == SEEDS
    for a in arts:
        raw = (RAW / f"{a.id}.txt").read_bytes()
        assert a.provenance.path == f"{a.id}.txt"
        assert a.provenance.sha256 == hashlib.sha256(raw).hexdigest()
    assert not rejects_path(out).exists()


def test_seed_clusters(seeds_out):
    _, out = seeds_out
    arts = {a.id[:3]: a for a in read_models(out, Article)}
    assert arts["000"].story_id == arts["002"].story_id == "story-000_91ea452fd5ee7168"
    assert len({a.story_id for a in arts.values()}) == 4
    assert all(a.duplicate_of is None for a in arts.values())
    assert all(a.story_id == f"story-{a.id}" for k, a in arts.items() if k != "002")


def test_output_is_identical_for_any_jobs_and_parquet_matches(tmp_path, seeds_out):
    _, out1 = seeds_out
    src = tmp_path / "src"
    (src / "nested" / "deeper").mkdir(parents=True)
    for i, p in enumerate(sorted(RAW.glob("*.txt"))):
        shutil.copy(p, src / ("nested/deeper" if i % 2 else "") / p.name)
    out2 = tmp_path / "two.jsonl"
    ingest([src], out2, jobs=2)
    lines1, lines2 = out1.read_text().splitlines(), out2.read_text().splitlines()
    strip = lambda line: {k: v for k, v in json.loads(line).items() if k != "provenance"}  # noqa: E731
    assert [strip(x) for x in lines1] == [strip(x) for x in lines2]
    paths = sorted(json.loads(x)["provenance"]["path"] for x in lines2)
    assert "nested/deeper/001_6573acb774b9cb6e.txt" in paths and "000_91ea452fd5ee7168.txt" in paths
    pq_out = tmp_path / "a.parquet"
    ingest([RAW], pq_out, jobs=2)
    rows = pq.read_table(pq_out).to_pylist()
    assert [Article.model_validate(r) for r in rows] == list(read_models(out1, Article))


def test_many_files_jobs_1_and_2_are_byte_identical(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    seeds = sorted(RAW.glob("*.txt"))
    for i in range(60):
        text = seeds[i % 5].read_text()
        (src / f"a{59 - i:03d}.txt").write_text(text if i % 3 else text + f"\nParagraf tambahan nomor {i} untuk variasi.\n")
    (src / "zz-empty.txt").write_text("")
    o1, o2 = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    r1, r2 = ingest([src], o1, jobs=1), ingest([src], o2, jobs=2)
    assert o1.read_bytes() == o2.read_bytes()
    assert rejects_path(o1).read_bytes() == rejects_path(o2).read_bytes()
    assert (r1.written, r1.rejected, r1.duplicates) == (r2.written, r2.rejected, r2.duplicates) == (60, 1, 55)
    arts = list(read_models(o1, Article))
    assert [a.id for a in arts] == sorted(a.id for a in arts)
    # 60 copies of 5 seeds: each seed's copies are duplicates of the smallest id among them
    by_story: dict[str, list[Article]] = {}
    for a in arts:
        by_story.setdefault(a.story_id, []).append(a)
    assert len(by_story) == 4  # 000 and 002 copies share the 000/002 story
    for members in by_story.values():
        originals = [a for a in members if a.duplicate_of is None]
        assert all(a.duplicate_of in {o.id for o in originals} for a in members if a.duplicate_of)


def test_clean_rerun_removes_stale_rejects(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(RAW / f"{SEEDS[0]}.txt", src)
    (src / "empty.txt").write_bytes(b"")
    out = tmp_path / "a.jsonl"
    assert ingest([src], out).rejected == 1 and rejects_path(out).exists()
    (src / "empty.txt").unlink()
    assert ingest([src], out).rejected == 0 and not rejects_path(out).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_failure_leaves_previous_output_untouched(tmp_path, monkeypatch):
    out = tmp_path / "a.jsonl"
    out.write_text("previous\n")

    def boom(*a, **k):
        raise RuntimeError("cluster failed")

    monkeypatch.setattr(ing, "cluster_roots", boom)
    with pytest.raises(RuntimeError):
        ingest([RAW], out)
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl"]


def test_discover_orders_by_id_and_keeps_first_duplicate(tmp_path):
    for rel in ("b/x.txt", "a/x.txt", "c/y.TXT", "c/z.htm", "w.txt"):
        p = tmp_path / "src" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("t")
    d = discover([tmp_path / "src", tmp_path / "src" / "w.txt", tmp_path / "src" / "a"])  # overlapping SRCs
    assert [(f.id, f.rel) for f in d.files] == [("w", "w.txt"), ("x", "a/x.txt"), ("y", "c/y.TXT")]
    reasons = sorted(r.reason.split(":")[0] for r in d.rejects)
    assert reasons == ["HTML input is not supported yet", "duplicate id"]  # b/x.txt; w.txt and a/x.txt twice are the same files


def test_finalize_line_fills_clusters_with_or_without_the_fast_path():
    line = '{"id":"a","story_id":null,"duplicate_of":null}'
    assert json.loads(finalize_line(line, "story-a", None)) == {"id": "a", "story_id": "story-a", "duplicate_of": None}
    odd = '{"story_id": null, "id": "b", "duplicate_of": null}'
    assert json.loads(finalize_line(odd, "story-a", "a")) == {"story_id": "story-a", "id": "b", "duplicate_of": "a"}


def test_arrow_schema_covers_every_article_field():
    assert ARTICLE_ARROW_SCHEMA.names == list(Article.model_fields)


def test_validate_and_stats_read_jsonl_and_parquet(tmp_path, seeds_out):
    _, out = seeds_out
    pq_out = tmp_path / "a.parquet"
    ingest([RAW], pq_out)
    for path in (out, pq_out):
        report = validate_file(path)
        assert report.ok and report.records == 5
        s = corpus_stats(path)
        assert s.articles == 5 and s.stories == 4 and s.multi_article_stories == 1 and s.in_multi_article_stories == 2
        assert s.outlets["Republika"] == 1 and s.duplicates == 0 and s.length_chars["min"] > 1000


def test_validate_reports_every_bad_record_with_file_and_line(tmp_path, seeds_out):
    _, out = seeds_out
    lines = out.read_text().splitlines()
    bad = json.loads(lines[1])
    bad["blocks"][0]["end"] += 1
    dup_ref = json.loads(lines[2])
    dup_ref["duplicate_of"] = "nope"
    p = tmp_path / "bad.jsonl"
    p.write_text("\n".join([lines[0], json.dumps(bad), json.dumps(dup_ref), lines[0], "{oops"]) + "\n")
    report = validate_file(p)
    assert report.records == 4 and len(report.errors) == 4
    assert report.errors[0].startswith(f"{p}:2 (001_6573acb774b9cb6e): invalid article: ")
    assert "already used on line 1" in report.errors[1]
    assert ":5: not valid JSON" in report.errors[2] and "fix or remove this line" in report.errors[2]
    assert "duplicate_of 'nope' is not an id in this file" in report.errors[3]


def test_file_list_is_compact_and_gives_input_files(tmp_path):
    for rel in ("s/b/x.txt", "s/a.txt", "s/é/y.txt"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("t")
    (tmp_path / "single.txt").write_text("t")
    d = discover([f"{tmp_path / 's'}/", tmp_path / "single.txt"])
    files = d.files
    assert isinstance(files, ing.FileList) and len(files) == 4
    expected = [
        ("a", f"{tmp_path}/s/a.txt", "a.txt"),
        ("single", str(tmp_path / "single.txt"), "single.txt"),
        ("x", f"{tmp_path}/s/b/x.txt", "b/x.txt"),
        ("y", f"{tmp_path}/s/é/y.txt", "é/y.txt"),
    ]
    assert [(f.id, f.path, f.rel) for f in files] == expected
    assert [(f.id, f.path, f.rel) for f in files[1:3]] == expected[1:3]
    assert files[-1].id == "y" and files.id(2) == "x" and files.rel(3) == "é/y.txt"
    with pytest.raises(IndexError):
        files[4]


def test_a_link_to_another_input_is_read_once(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(RAW / f"{SEEDS[0]}.txt", src / "a.txt")
    (src / "b.txt").symlink_to(src / "a.txt")  # another name for the same file: listed once
    (src / "c.txt").write_text("x")
    d = discover([src])
    assert [f.id for f in d.files] == ["a", "c"] and d.rejects == []


def test_band_spill_gives_back_every_band(tmp_path):
    from corpus_tools.cluster import BANDS, band_keys

    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32, size=(1000, 256), dtype=np.uint32)
    (tmp_path / "bands").touch()
    spill = ing._BandSpill(tmp_path / "bands", capacity=1200, buffer_rows=64)
    for lo in range(0, 1000, 300):  # batches across buffer flushes
        spill.add(sigs[lo : lo + 300])
    spill.flush()
    keys = band_keys(sigs)
    assert all(np.array_equal(spill.band(b), keys[:, b]) for b in range(BANDS))
    spill.close()


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_long_ids_get_a_hashed_story_id_and_a_plain_duplicate_of(tmp_path, fmt):
    """Ids of 195-200 characters: 'story-<id>' would pass the 200-character limit, so the final
    pass names the story by story_id_for's hash; duplicate_of stays the plain id."""
    from corpus_tools.cluster import story_id_for

    src = tmp_path / "raw"
    src.mkdir()
    raw = (RAW / f"{SEEDS[0]}.txt").read_bytes()
    a, b, c = "a" * 199, "a" * 198 + "b", "c" * 194
    for name in (a, b, c):
        (src / f"{name}.txt").write_bytes(raw)
    out = tmp_path / f"articles.{fmt}"
    report = ingest([src], out)
    assert report.written == 3
    rows = pq.read_table(out).to_pylist() if fmt == "parquet" else [json.loads(line) for line in out.read_text().splitlines()]
    got = {r["id"]: (r["story_id"], r["duplicate_of"]) for r in rows}
    # id order: a... < a...b < c...
    assert story_id_for(a) != f"story-{a}" and story_id_for(c) == f"story-{c}"
    assert got == {a: (story_id_for(a), None), b: (story_id_for(a), a), c: (story_id_for(a), a)}


def test_final_pass_reads_spooled_batches_in_order_and_fills_every_line(tmp_path):
    """Pass-1 lines spread over two spool files (as two workers leave them), one line in an odd
    field order (the slow path): the final JSONL has every line in row order, filled in; a
    batch whose line count does not match is an error, not a silently short file."""
    files = ing.FileList([(str(tmp_path), False)], np.zeros(3, np.int32), np.array([b"a", b"b", b"c"]), b"a.txtb.txtc.txt", np.array([0, 5, 10, 15]))
    a = b'{"id":"a","story_id":null,"duplicate_of":null}\n'
    b = b'{"story_id": null, "id": "b", "duplicate_of": null}\n'
    c = b'{"id":"c","story_id":null,"duplicate_of":null}\n'
    one, two = tmp_path / "w1", tmp_path / "w2"
    one.write_bytes(b"junk" + a)
    two.write_bytes(b + c)
    seg = ing._Segments()
    seg.add(str(one), 4, len(a), 1)
    seg.add(str(two), 0, len(b + c), 2)
    story_root, dup_root = np.array([0, 0, 2]), np.array([0, 0, 2])  # b duplicates a; c alone
    out = tmp_path / "out.jsonl"
    ing._write_final(seg, out, "jsonl", files, np.arange(3), story_root, dup_root)
    assert [json.loads(line) for line in out.read_text().splitlines()] == [
        {"id": "a", "story_id": "story-a", "duplicate_of": None},
        {"story_id": "story-a", "id": "b", "duplicate_of": "a"},
        {"id": "c", "story_id": "story-c", "duplicate_of": None},
    ]
    seg.lines[1] = 1  # the second batch claims one line but holds two
    with pytest.raises(ValueError, match="do not match"):
        list(ing._final_blocks(seg.blobs(), files, np.arange(3), story_root, dup_root))


def test_worker_heap_settings_apply_here():
    """The workers' mallopt settings (corpus_tools.worker_heap) take on this glibc machine; the
    function says False, and does nothing, where there is no mallopt. (In a child process: the
    settings are for our workers, not for the test runner.)"""
    import ctypes
    import subprocess
    import sys

    code = "from corpus_tools.worker_heap import keep_freed_memory as k; print(k(mmap_threshold=1 << 24, top_pad=1 << 24))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()
    assert out == str(hasattr(ctypes.CDLL(None), "mallopt"))
