"""Atomic writes, JSONL errors that name file:line, and the quarantine file."""

import json
import os

import pytest

from corpus_tools.article import Article
from corpus_tools.records import Quarantine, RecordError, Reject, atomic_write, iter_jsonl, read_models, rejects_path, write_jsonl


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    p = tmp_path / "out.jsonl"
    p.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_write(p) as fh:
            fh.write("half")
            raise RuntimeError("boom")
    assert p.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_bad_json_line_names_file_and_line(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"a": 1}\n\n{oops\n')
    with pytest.raises(RecordError, match=r"a.jsonl:3: not valid JSON"):
        list(iter_jsonl(p))


def test_invalid_model_names_file_line_and_id(tmp_path):
    p = tmp_path / "a.jsonl"
    write_jsonl(p, [{"id": "x1", "text": "t"}])
    with pytest.raises(RecordError, match=r"a.jsonl:1 \(x1\): invalid Article"):
        list(read_models(p, Article))


def test_quarantine_writes_only_when_needed(tmp_path):
    out = tmp_path / "articles.jsonl"
    assert rejects_path(out).name == "articles.rejects.jsonl"
    rejects_path(out).write_text("stale\n")
    with Quarantine(out):
        pass
    assert not rejects_path(out).exists()
    with Quarantine(out) as q:
        q.add(Reject(source="raw/a.txt", reason="empty file", raw=""))
    rec = json.loads(rejects_path(out).read_text())
    assert rec["source"] == "raw/a.txt" and rec["reason"] == "empty file"


def test_on_error_skips_a_bad_line_and_keeps_reading(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"a": 1}\n{oops\n[1]\n{"a": 2}\n')
    errors = []
    assert [n for n, _ in iter_jsonl(p, on_error=errors.append)] == [1, 4]
    assert [str(e).split(": ")[0] for e in errors] == [f"{p}:2", f"{p}:3"]
