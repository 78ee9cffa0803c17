"""`corpus-tools ingest | validate | stats`: exit codes, messages, outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_tools.annotation import text_sha256
from corpus_tools.cli import app

RAW = Path(__file__).resolve().parent.parent / "corpus" / "raw"
runner = CliRunner()


@pytest.fixture(scope="module")
def seeds_jsonl(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "articles.jsonl"
    res = runner.invoke(app, ["ingest", str(RAW), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_ingest_ok_prints_a_summary(seeds_jsonl):
    assert len(seeds_jsonl.read_text().splitlines()) == 5
    res = runner.invoke(app, ["ingest", str(RAW), "--out", str(seeds_jsonl.with_suffix(".parquet")), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "written" in res.output and "stories (with 2+ articles)" in res.output
    assert seeds_jsonl.with_suffix(".parquet").stat().st_size > 0


def test_ingest_with_rejects_exits_1_and_writes_the_rest(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(next(RAW.glob("000_*.txt")), src)
    (src / "empty.txt").write_bytes(b"")
    (src / "bin.txt").write_bytes(b"\x00\x01\x02" * 50)
    out = tmp_path / "o" / "articles.jsonl"
    res = runner.invoke(app, ["ingest", str(src), "--out", str(out)])
    assert res.exit_code == 1, res.output
    assert "2 input(s) rejected" in res.output and "articles.rejects.jsonl" in res.output
    assert "empty file" in res.output and "binary file" in res.output
    assert len(out.read_text().splitlines()) == 1
    rejects = [json.loads(x) for x in (tmp_path / "o" / "articles.rejects.jsonl").read_text().splitlines()]
    assert sorted(Path(r["source"]).name for r in rejects) == ["bin.txt", "empty.txt"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["ingest", "/no/such/folder", "--out", "x.jsonl"], "no such file or folder: /no/such/folder"),
        (["ingest", str(RAW), "--out", "x.csv"], "use a .jsonl or .parquet file name"),
        (["ingest", str(RAW), "--out", "x.jsonl", "--jobs", "0"], "use 1 or more worker processes"),
        (["ingest", str(RAW), "--out", "x.jsonl", "--fallback-encoding", "klingon"], "unknown encoding"),
        (["ingest", "--out", "x.jsonl"], "Missing argument"),
        (["validate", "/no/such.jsonl"], "no such file"),
        (["stats", "/no/such.jsonl"], "no such file"),
    ],
)
def test_usage_errors_exit_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split())
    assert not (tmp_path / "x.jsonl").exists()


def test_validate_ok_and_bad(tmp_path, seeds_jsonl):
    res = runner.invoke(app, ["validate", str(seeds_jsonl)])
    assert res.exit_code == 0 and "5 valid article record(s)" in res.output
    lines = seeds_jsonl.read_text().splitlines()
    bad = json.loads(lines[3])
    bad["text"] = bad["text"] + " "
    p = tmp_path / "bad.jsonl"
    p.write_text("\n".join([lines[0], json.dumps(bad)]) + "\n")
    res = runner.invoke(app, ["validate", str(p)])
    assert res.exit_code == 1
    assert f"{p}:2 (003_dba1eee5a9ccde63): invalid article: text:" in res.output
    assert "1 problem(s) in 2 article record(s)" in res.output


def test_validate_annotations_against_articles(tmp_path, seeds_jsonl):
    art = json.loads(seeds_jsonl.read_text().splitlines()[0])
    word = art["text"].split()[0]
    good = {"article_id": art["id"], "annotator": "ann1", "text_sha256": text_sha256(art["text"]), "spans": [{"id": "s1", "start": 0, "end": len(word), "label": "PER", "text": word}]}
    wrong = dict(good, spans=[dict(good["spans"][0], text="X" * len(word))])
    p = tmp_path / "ann.jsonl"
    p.write_text(json.dumps(good) + "\n" + json.dumps(wrong) + "\n")
    res = runner.invoke(app, ["validate", str(p), "--kind", "annotation", "--articles", str(seeds_jsonl)])
    out = " ".join(res.output.split())
    assert res.exit_code == 1, res.output
    assert "ann.jsonl:2 (000_91ea452fd5ee7168): invalid annotation" in out and "1 problem(s) in 2 annotation" in out


def test_stats_table(seeds_jsonl):
    res = runner.invoke(app, ["stats", str(seeds_jsonl)], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    for needle in ("5 articles", "Republika", "Bloomberg Technoz", "story clusters", "stories with 2+ articles", "text length"):
        assert needle in res.output


@pytest.mark.parametrize("command", ["ingest", "validate", "stats"])
def test_help_has_an_example(command):
    res = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "Example: corpus-tools " + command in res.output


def test_validate_reports_bad_json_and_keeps_checking_later_lines(tmp_path):
    from corpus_tools.stats import validate_file

    good = (RAW.parent / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    p = tmp_path / "mixed.jsonl"
    p.write_text("\n".join([good[0], "{not json", good[1].replace('"lang":"id"', '"lang":"??"')]) + "\n", encoding="utf-8")
    report = validate_file(p)
    assert len(report.errors) == 2
    assert report.errors[0].startswith(f"{p}:2: not valid JSON")
    assert report.errors[1].startswith(f"{p}:3 (") and "lang" in report.errors[1]
