"""Bad input never crashes a run: every file is either parsed or rejected with a reason."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from corpus_tools.decode import DecodeError, decode
from corpus_tools.ingest import UsageError, ingest
from corpus_tools.records import rejects_path

ARTICLE = (
    "JAKARTA, KOMPAS.com - Pemerintah mengumumkan kebijakan baru untuk sektor perikanan pada Senin.\n"
    "Menteri mengatakan kebijakan itu berlaku mulai bulan depan di seluruh provinsi.\n"
    "“Kami ingin nelayan mendapat harga yang adil,” kata menteri kepada wartawan.\n"
)


def run(tmp_path: Path, files: dict[str, bytes], **kw):
    src = tmp_path / "src"
    for name, data in files.items():
        p = src / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    src.mkdir(exist_ok=True)
    out = tmp_path / "out" / "articles.jsonl"
    report = ingest([src], out, **kw)
    arts = {json.loads(line)["id"]: json.loads(line) for line in out.read_text().splitlines()}
    rj = rejects_path(out)
    rejects = [json.loads(line) for line in rj.read_text().splitlines()] if rj.exists() else []
    return report, arts, rejects


def one_reject(rejects, name):
    found = [r for r in rejects if r["source"].endswith(name)]
    assert len(found) == 1, rejects
    return found[0]


def test_empty_and_whitespace_only_are_rejected(tmp_path):
    report, arts, rejects = run(
        tmp_path, {"ok.txt": ARTICLE.encode(), "empty.txt": b"", "blank.txt": b" \n\t\r\n\xc2\xa0\xe2\x80\x8b\n"}
    )
    assert list(arts) == ["ok"] and report.rejected == 2
    assert "empty file" in one_reject(rejects, "empty.txt")["reason"]
    assert "only white space" in one_reject(rejects, "blank.txt")["reason"]


def test_binary_files_are_rejected_with_base64_head(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    nul = b"abc\x00def" * 100
    ctrl = bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 65]) * 200
    report, arts, rejects = run(tmp_path, {"img.txt": png, "nul.txt": nul, "ctrl.txt": ctrl})
    assert arts == {} and report.rejected == 3
    assert "PNG image" in one_reject(rejects, "img.txt")["reason"]
    r = one_reject(rejects, "nul.txt")
    assert "NUL byte at offset 3" in r["reason"] and r["raw"].startswith("base64:")
    assert "control characters" in one_reject(rejects, "ctrl.txt")["reason"]


def test_cp1252_is_a_clear_error_by_default_and_decodes_with_the_fallback(tmp_path):
    text = ARTICLE + "Harga naik 5 € per kilo – kata pedagang.\n"
    data = text.encode("cp1252")
    report, arts, rejects = run(tmp_path, {"win.txt": data})
    r = one_reject(rejects, "win.txt")
    assert "not valid UTF-8: byte 0x93 at line 3, column 1" in r["reason"]
    assert "--fallback-encoding cp1252" in r["reason"] and "\\x93" in r["raw"]
    report, arts, rejects = run(tmp_path, {"win.txt": data}, fallback_encoding="cp1252")
    assert rejects == [] and "“Kami ingin" in arts["win"]["text"] and "5 € per kilo" in arts["win"]["text"]
    assert arts["win"]["provenance"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_bom_crlf_zero_width_nbsp_and_emoji_are_parsed(tmp_path):
    plain = ARTICLE + "Warga menyambut baik 👍🏽 keputusan itu.\n"
    tricky = "\ufeff" + plain.replace("\n", "\r\n").replace("Pemerintah mengumumkan", "Pemerintah\u00a0meng\u200bumumkan")
    report, arts, rejects = run(tmp_path, {"plain.txt": plain.encode(), "tricky.txt": tricky.encode("utf-8")})
    assert rejects == [] and report.written == 2
    a, b = arts["plain"], arts["tricky"]
    assert b["text"] == a["text"]
    assert not any(c in b["text"] for c in "\ufeff\r\u00a0\u200b")
    assert "👍🏽" in b["text"]
    assert b["provenance"]["sha256"] == hashlib.sha256(tricky.encode()).hexdigest()  # of the raw bytes, BOM included


def test_utf16_with_bom_is_decoded(tmp_path):
    report, arts, rejects = run(tmp_path, {"u16.txt": ARTICLE.encode("utf-16")})
    assert rejects == [] and "kebijakan baru" in arts["u16"]["text"]


def test_50_mb_file_is_rejected_fast_without_reading_it(tmp_path):
    big = (ARTICLE * 240_000).encode()[: 50 * 1024 * 1024]
    t0 = time.perf_counter()
    report, arts, rejects = run(tmp_path, {"huge.txt": big, "ok.txt": ARTICLE.encode()})
    assert time.perf_counter() - t0 < 10
    r = one_reject(rejects, "huge.txt")
    assert "file too large: 52,428,800 bytes" in r["reason"] and "--max-bytes" in r["reason"]
    assert len(r["raw"]) < 5000 and "truncated" in r["raw"]
    assert list(arts) == ["ok"]


def test_large_file_parses_when_the_limit_is_lifted(tmp_path):
    body = "".join(f"Paragraf nomor {i} membahas kebijakan perikanan dan harga ikan di pasar.\n" for i in range(6_000))
    report, arts, rejects = run(tmp_path, {"long.txt": (ARTICLE + body).encode()}, max_bytes=0)
    assert rejects == [] and len(arts["long"]["text"]) > 400_000
    report, arts, rejects = run(tmp_path, {"long.txt": (ARTICLE + body).encode()}, max_bytes=100_000)
    assert "over the limit of 100,000" in one_reject(rejects, "long.txt")["reason"]


def test_html_is_rejected_with_a_reason(tmp_path):
    page = b"<!DOCTYPE html><html><head><title>x</title></head><body><p>" + ARTICLE.encode() + b"</p></body></html>"
    report, arts, rejects = run(tmp_path, {"page.txt": page, "page2.html": page, "ok.txt": ARTICLE.encode()})
    assert list(arts) == ["ok"]
    assert "looks like HTML page source" in one_reject(rejects, "page.txt")["reason"]
    assert "HTML input is not supported" in one_reject(rejects, "page2.html")["reason"]


def test_unreadable_inputs_are_rejected(tmp_path):
    src = tmp_path / "src"
    (src / "dir.txt").mkdir(parents=True)
    (src / "dir.txt" / "inner.txt").write_text(ARTICLE)
    os.symlink(src / "missing-target.txt", src / "dangling.txt")
    (src / "ok.txt").write_text(ARTICLE)
    locked = src / "locked.txt"
    locked.write_text(ARTICLE)
    locked.chmod(0)
    try:
        report = ingest([src], tmp_path / "a.jsonl")
    finally:
        locked.chmod(0o644)
    rejects = [json.loads(x) for x in rejects_path(tmp_path / "a.jsonl").read_text().splitlines()]
    reasons = {Path(r["source"]).name: r["reason"] for r in rejects}
    assert "is a folder" in reasons["dir.txt"]
    assert "broken symbolic link" in reasons["dangling.txt"]
    ids = [json.loads(x)["id"] for x in (tmp_path / "a.jsonl").read_text().splitlines()]
    if os.geteuid() == 0:  # root reads a chmod 000 file anyway
        assert ids == ["inner", "locked", "ok"]
    else:
        assert "Permission denied" in reasons["locked.txt"] and ids == ["inner", "ok"]


def test_bad_and_duplicate_stems_are_rejected(tmp_path):
    report, arts, rejects = run(
        tmp_path, {"a/same.txt": ARTICLE.encode(), "b/same.txt": ARTICLE.encode(), "bad name!.txt": ARTICLE.encode(), "notes.md": b"x"}
    )
    assert list(arts) == ["same"] and arts["same"]["provenance"]["path"] == "a/same.txt"
    assert "duplicate id: " in one_reject(rejects, "b/same.txt")["reason"]
    assert "not give a valid article id" in one_reject(rejects, "bad name!.txt")["reason"]
    assert report.ignored == 1


def test_parse_errors_are_kept_with_the_text(tmp_path):
    report, arts, rejects = run(tmp_path, {"chrome.txt": b"Advertisement\nSCROLL TO CONTINUE WITH CONTENT\n"})
    r = one_reject(rejects, "chrome.txt")
    assert r["reason"].startswith("parse error:") and "Advertisement" in r["raw"]


def test_missing_src_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file or folder"):
        ingest([tmp_path / "nope"], tmp_path / "a.jsonl")
    with pytest.raises(UsageError, match=".jsonl or .parquet"):
        ingest([tmp_path], tmp_path / "a.csv")
    assert not (tmp_path / "a.jsonl").exists()


@pytest.mark.parametrize(
    "raw, fragment",
    [
        (b"", "empty file"),
        (b"\xef\xbb\xbf  \n", "only white space"),
        ("\u00a0\u2060\u3000\n\t\u200b".encode(), "only white space"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"\x1f\x8b\x08", "gzip"),
        (b"ok \xe9t\xe9", "byte 0xe9 at line 1, column 4"),
        (b"NUL at offset 70,000: " + b"kata " * 14_000 + b"\x00", "decoded text holds NUL"),  # past the sniffed head
    ],
)
def test_decode_reasons(raw, fragment):
    with pytest.raises(DecodeError, match=fragment):
        decode(raw)


def test_decode_keeps_text_and_strips_only_the_bom():
    assert decode("\ufeffa\r\nb\u00a0c\u200b".encode()) == "a\r\nb\u00a0c\u200b"
