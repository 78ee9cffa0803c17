"""Parser: golden output on the five seeds, normalisation, dates, bad input, large input.

The golden files in tests/golden/ hold the full expected Article JSON of each seed. Another
engineer annotates these texts, so they change only deliberately:
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_parse.py -k golden
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from corpus_tools.article import Article
from corpus_tools.parse import PARSER_VERSION, ParseError, normalize_text, parse_article, parse_date

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "corpus" / "raw"
GOLDEN = Path(__file__).resolve().parent / "golden"
SEEDS = sorted(RAW.glob("*.txt"))
WIB = timezone(timedelta(hours=7))


def parse_seed(path: Path) -> Article:
    raw = path.read_bytes()
    return parse_article(
        raw.decode("utf-8-sig"),
        article_id=path.stem,
        path=f"corpus/raw/{path.name}",
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def parse(text: str) -> Article:
    return parse_article(text, article_id="t1", path="t1.txt", sha256="0" * 64)


# ----------------------------------------------------------------------------- golden seeds


def test_there_are_five_seeds():
    assert len(SEEDS) == 5


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem[:3])
def test_golden(path):
    got = json.loads(parse_seed(path).model_dump_json())
    golden = GOLDEN / f"{path.stem}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert got == expected, f"parser output for {path.name} differs from {golden}; regenerate only deliberately"
    Article.model_validate(expected)


SEED_TABLE = {
    # seed: (outlet, domain, dateline, title, published_at, starts, ends)
    "000": ("Republika", "republika.co.id", "SEOUL", None, None, "Pemimpin Korea Utara, Kim Jong-un,", "terkait pandemi."),
    "001": ("Finnews", "finnews.id", None, None, None, "Pemimpin Korea Utara Kim Jong Un", "hampir sama."),
    "002": ("Holopis", "holopis.com", "JAKARTA", None, None, "Baru-baru ini pemimpin", "menyerang Korea Utara."),
    "003": ("Bloomberg Technoz", "bloombergtechnoz.com", None, None, None, "Pejabat AS dan sekutunya", 'paling bermusuhan."'),
    "004": (
        "Metrotvnews", "metrotvnews.com", "Pyongyang",
        "Kim Jong-Un Serukan Peningkatan Produksi Artileri untuk Kebutuhan Militer",
        datetime(2025, 5, 8, 9, 7, tzinfo=WIB), "Pemimpin Korea Utara Kim Jong-un menyerukan", "di kancah global.",
    ),
}  # fmt: skip


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem[:3])
def test_seed_table_from_issue(path):
    """The issue's table, checked field by field (independent of the golden files)."""
    outlet, domain, dateline, title, published, starts, ends = SEED_TABLE[path.stem[:3]]
    a = parse_seed(path)
    assert (a.source.outlet, a.source.domain) == (outlet, domain)
    assert a.dateline == dateline
    assert a.title == title
    assert a.published_at == published
    assert a.text.startswith(starts)
    assert a.text.endswith(ends)
    assert a.lang == "id"
    assert a.provenance.parser_version == PARSER_VERSION != "0"
    assert a.story_id is None and a.duplicate_of is None


def _body_lines(path: Path) -> list[str]:
    return [" ".join(ln.split()) for ln in normalize_text(path.read_text(encoding="utf-8-sig")).split("\n") if ln.strip()]


def test_seed_001_heading_block():
    a = parse_seed(RAW / "001_6573acb774b9cb6e.txt")
    headings = [a.text[b.start : b.end] for b in a.blocks if b.kind == "heading"]
    assert headings == ["Hubungan Militer Korea Utara & Rusia Kian Erat"]
    # every raw line but the dateline prefix survives as its own block
    assert len(a.blocks) == len(_body_lines(RAW / "001_6573acb774b9cb6e.txt"))


def test_seed_003_chrome_and_credit_removed():
    a = parse_seed(RAW / "003_dba1eee5a9ccde63.txt")
    for gone in ("Logo Bloomberg Technoz", "(bbn)", "No more pages"):
        assert gone not in a.text
    assert [(c.name, c.role) for c in a.credits] == [("bbn", "initials")]
    assert "Hwasong-11.\n" in a.text  # trailing NBSP folded away


def test_seed_004_metadata():
    a = parse_seed(RAW / "004_ce57878dbcbbf1ea.txt")
    assert [c.name for c in a.credits] == ["Fajar Nugraha", "Muhammad Adyatma Damardjati"]
    assert [(c.text, c.credit) for c in a.captions] == [("Pemimpin Korea Utara Kim Jong-un.", "Daily NK")]
    for gone in ("Google News", "Jangan lupa", "Fajar Nugraha", "Damardjati", "Foto:", "Kim Jong-Un Serukan"):
        assert gone not in a.text
    headings = [a.text[b.start : b.end] for b in a.blocks if b.kind == "heading"]
    assert headings == ["Kemitraan dengan Rusia"]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem[:3])
def test_seed_body_sentences_all_kept(path):
    """Every raw line that is neither boilerplate nor metadata is in the text verbatim."""
    a = parse_seed(path)
    boiler = ("Logo ", "(", "No more pages", "Jangan lupa", "Google News", "Fajar Nugraha •", "Pemimpin Korea Utara Kim Jong-un. Foto")
    for line in _body_lines(path):
        if line.startswith(boiler) or line == a.title:
            continue
        body = line.split(" -- ", 1)[-1].split(" – ", 1)[-1].removeprefix("Pyongyang: ")
        assert body in a.text, f"{path.name}: lost {body[:60]!r}"


# ----------------------------------------------------------------------------- normalisation


def test_crlf_nbsp_tabs_and_spaces():
    a = parse("JAKARTA -\u00a0Presiden  membuka\tacara.\r\n\r\nIa  pulang sore.\u00a0\r\n")
    assert a.text == "Presiden membuka acara.\n\nIa pulang sore."
    assert a.dateline == "JAKARTA"


def test_zero_width_removed_but_emoji_zwj_kept():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    text = f"Kata\u200bkunci\u2060 di\ufeff sini\u200c ya\u200d. Warga senang {family} sekali."
    a = parse(text)
    assert a.text == f"Katakunci di sini ya. Warga senang {family} sekali."


def test_emoji_with_skin_tone_kept_intact():
    wave = "\U0001f44b\U0001f3fd"
    woman_tech = "\U0001f469\U0001f3fe\u200d\U0001f4bb"
    a = parse(f"Halo semua {wave} dan {woman_tech} hadir.")
    assert wave in a.text and woman_tech in a.text


def test_nfc():
    decomposed = "Cafe\u0301 di Bandung ramai."
    assert unicodedata.normalize("NFC", decomposed) != decomposed
    a = parse(decomposed)
    assert a.text == "Café di Bandung ramai."


def test_nfc_safe_ranges_are_nfc_starters():
    """normalize_lines skips the NFC scan when every non-ASCII character is in NFC_SAFE_RANGES;
    that holds only if each is a starter that stays as it is and never composes with the
    character before it (the second character of a canonical pair, or a Hangul vowel/final)."""
    from corpus_tools.parse import NFC_SAFE_RANGES

    second = {chr(c) for c in range(0x1161, 0x1176)} | {chr(c) for c in range(0x11A8, 0x11C3)}
    for cp in range(0x110000):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<") and len(parts := d.split()) == 2:
            second.add(chr(int(parts[1], 16)))
    bounds = NFC_SAFE_RANGES.split("-")
    ranges = [(NFC_SAFE_RANGES[i], NFC_SAFE_RANGES[i + 2]) for i in range(0, len(NFC_SAFE_RANGES), 3)]
    assert len(ranges) == len(bounds) - 1 == 3
    for lo, hi in ranges:
        for cp in range(ord(lo), ord(hi) + 1):
            c = chr(cp)
            head = unicodedata.normalize("NFD", c)[0]
            assert unicodedata.combining(c) == 0 and unicodedata.normalize("NFC", c) == c, hex(cp)
            assert c not in second and head not in second and unicodedata.combining(head) == 0, hex(cp)
            assert unicodedata.is_normalized("NFC", f"e{c}A{c}\u00e9"), hex(cp)


def test_odd_characters_in_any_mix_are_cleaned():
    # Printable text around each odd character, NFC-unsafe marks and hard wraps: each line is
    # cleaned as if on its own (the C fast path must give way to the per-line clean-up).
    for odd in ("\u00a0", "\t", "\u200b", "\ufffc", "\u2028", "\x0c", "\u00ad", "\u2009", "\u0301"):
        text = f"Judul Berita Ini\n“Kata{odd}dia” begitu.\ne\u0301 di sini{odd}\n"
        assert normalize_text(text) == normalize_text(text.replace("\n", "\n\n")).replace("\n\n", "\n")
    assert normalize_text("A “b”\u00a0 c.\n\ufffcD\u200b.") == "A “b” c.\nD."
    assert normalize_text("Cafe\u0301 “x”.") == "Café “x”."


def test_normalize_text_keeps_lines():
    assert normalize_text("A.\r\nB\rC\u2028D\x0cE") == "A.\nB\nC\nD\nE"


def test_hard_wrapped_paragraph_is_rejoined():
    raw = (
        "JAKARTA - Pemimpin Korea Utara Kim Jong Un mengeluarkan perintah langsung kepada\n"
        "jajaran militernya untuk mempercepat produksi rudal,\n"
        "kata KCNA.\n\n"
        "Langkah itu dinilai agresif."
    )
    a = parse(raw)
    assert a.text == (
        "Pemimpin Korea Utara Kim Jong Un mengeluarkan perintah langsung kepada jajaran militernya untuk "
        "mempercepat produksi rudal, kata KCNA.\n\nLangkah itu dinilai agresif."
    )


def test_lower_case_brand_starts_its_own_paragraph():
    lines = normalize_text(
        "Kemitraan Strategis Korea Utara dan Rusia di Bidang Militer\nkumparan mencoba menghubungi pihak terkait."
    ).split("\n")
    assert lines == ["Kemitraan Strategis Korea Utara dan Rusia di Bidang Militer", "kumparan mencoba menghubungi pihak terkait."]


def test_brand_dateline_after_unpunctuated_line_is_not_joined():
    a = parse("Penulis: Irfan Amin\ntirto.id - Pemerintah menggelar rapat.\nkumparanNEWS\nRapat selesai sore.")
    assert a.source.outlet == "Tirto"
    assert a.text == "Pemerintah menggelar rapat.\n\nRapat selesai sore."


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Kamis, 8 Mei 2025 | 09:07 WIB", datetime(2025, 5, 8, 9, 7, tzinfo=WIB)),
        ("08/05/2025, 09:07 WIB", datetime(2025, 5, 8, 9, 7, tzinfo=WIB)),
        ("Rabu 14 Agustus 2023 13:20 WIB", datetime(2023, 8, 14, 13, 20, tzinfo=WIB)),
        ("Senin, 14 Agu 2023 10:30 WITA", datetime(2023, 8, 14, 10, 30, tzinfo=timezone(timedelta(hours=8)))),
        ("Jumat, 1 Des 2023 - 20:15 WIT", datetime(2023, 12, 1, 20, 15, tzinfo=timezone(timedelta(hours=9)))),
        ("Jum'at, 3 Okt 2025 pukul 07.45 WIB", datetime(2025, 10, 3, 7, 45, tzinfo=WIB)),
        ("8 May 2025 09:07", datetime(2025, 5, 8, 9, 7, tzinfo=WIB)),
        ("Thursday, May 8, 2025 09:07", datetime(2025, 5, 8, 9, 7, tzinfo=WIB)),
        ("14 August 2023", datetime(2023, 8, 14, tzinfo=WIB)),
        ("Minggu, 5 Pebruari 2023 23:59:30 WIB", datetime(2023, 2, 5, 23, 59, 30, tzinfo=WIB)),
        ("2024-02-29 18:00 UTC", datetime(2024, 2, 29, 18, 0, tzinfo=timezone.utc)),
        ("Selasa, 2 Jan 2024 10:00 GMT+8", datetime(2024, 1, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))),
    ],
)
def test_parse_date(text, expected):
    got = parse_date(text)
    assert got == expected
    assert got.utcoffset() == expected.utcoffset()


def test_parse_date_outlet_zone_and_none():
    assert parse_date("8 Mei 2025 09:07", zone="WITA").utcoffset() == timedelta(hours=8)
    assert parse_date("8 Mei 2025 09:07 WIB", zone="WITA").utcoffset() == timedelta(hours=7)
    assert parse_date("tidak ada tanggal di sini 12:30") is None
    assert parse_date("31 Februari 2024") is None


def test_body_dates_do_not_become_published_at():
    a = parse("Pyongyang: Kim berkunjung pada Kamis, 8 Mei 2025, kata KCNA.\n\nIa puas.")
    assert a.published_at is None


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ("   \n\t\r\n\u00a0 ", "empty"),
        ("\u200b\ufeff\n", "empty"),
        ("abc\x00def", "NUL"),
        ("<html><body><p>Berita</p></body></html>", "HTML"),
        ("Advertisement\n\nBaca juga: Kim ke Rusia\n\nNo more pages", "no body"),
    ],
)
def test_unusable_text_raises_parse_error_with_reason(text, reason):
    with pytest.raises(ParseError, match=reason):
        parse(text)


def test_parse_error_is_a_value_error():
    assert issubclass(ParseError, ValueError)


def test_large_input_is_linear():
    """A 50 MB text (one huge paragraph plus many lines) completes quickly."""
    para = "Pemimpin Korea Utara Kim Jong-un memerintahkan peningkatan produksi rudal. " * 40
    lines = "\n\n".join([para] * 16000)  # ~48 MB
    t0 = time.perf_counter()
    a = parse("JAKARTA - " + lines)
    assert len(a.blocks) == 16000
    assert time.perf_counter() - t0 < 60
    one_line = "Kim berkunjung ke pabrik dan menyerukan produksi lebih banyak. " * 200_000  # ~13 MB, no newline
    t0 = time.perf_counter()
    assert len(parse(one_line).blocks) == 1
    assert time.perf_counter() - t0 < 30


# ----------------------------------------------------------------------------- property check

_BODY_POOL = [
    "Pemerintah daerah menyiapkan anggaran tambahan untuk perbaikan jalan yang rusak akibat banjir bulan lalu.",
    "Menurut Kepala Dinas Pekerjaan Umum, perbaikan ditargetkan selesai sebelum musim mudik Lebaran tahun depan.",
    "“Kami sudah menyiapkan alat berat di tiga titik,” kata dia kepada wartawan di Jakarta, Senin (14/8/2023).",
    "Warga berharap perbaikan dilakukan menyeluruh, bukan sekadar menambal lubang di beberapa ruas jalan.",
    "Sebanyak 1.250 keluarga terdampak banjir telah menerima bantuan logistik dari pemerintah provinsi.",
    "Data Badan Pusat Statistik menunjukkan inflasi Juli 2023 sebesar 3,08 persen secara tahunan.",
    "Dia menambahkan, anggaran itu berasal dari dana tak terduga yang disetujui DPRD pada 2 Agustus 2023.",
]
_NOISE_POOL = [
    "Baca juga: Banjir Rendam Ratusan Rumah di Bekasi", "ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT",
    "Editor: Budi Santoso", "Reporter: Siti Aminah | Editor: Budi Santoso", "Kamis, 8 Mei 2025 | 09:07 WIB",
    "(ant/dil)", "Halaman 1 2 3", "Ikuti berita terkini di Google News, klik di sini.", "Lihat Foto",
    "Warga melintasi jalan rusak di Bogor. Foto: Dok. Humas", "Berita Terkait", "Tags: banjir, jalan",
    "Artikel ini telah tayang di Kompas.com dengan judul \"Jalan Rusak\"", "No more pages", "\u00a0", "\u200b",
]


def test_random_mixes_keep_every_body_sentence():
    """Body sentences shuffled among boilerplate lines always survive, verbatim and in order."""
    import random

    rng = random.Random(20251122)
    for _ in range(300):
        body = rng.sample(_BODY_POOL, rng.randint(1, len(_BODY_POOL)))
        lines: list[str] = []
        for sentence in body:
            lines += rng.sample(_NOISE_POOL, rng.randint(0, 2))
            lines.append(sentence)
        lines += rng.sample(_NOISE_POOL, rng.randint(0, 3))
        sep = rng.choice(["\n", "\n\n", "\r\n", "\r\n\r\n"])
        a = parse(sep.join(lines))
        assert a.text.split("\n\n") == body, sep.join(lines)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem[:3])
def test_seed_text_is_invariant_to_line_ends_and_invisible_noise(path):
    """CRLF, trailing tabs/spaces, doubled spaces, NBSPs and zero-width characters around
    words do not change the parsed article."""
    raw = path.read_text(encoding="utf-8-sig")
    noisy = (
        raw.replace(" ", "\u200b \u00a0", 3)
        .replace(" ", "  ")
        .replace("\n", " \t\r\n")
        .replace("Korea", "Kor\u00ade\u2060a")
    )
    a, b = parse_seed(path), parse_article(noisy, article_id=path.stem, path=f"corpus/raw/{path.name}", sha256="0" * 64)
    assert b.text == a.text and b.blocks == a.blocks
    assert (b.title, b.dateline, b.published_at, b.credits, b.captions, b.source) == (
        a.title, a.dateline, a.published_at, a.credits, a.captions, a.source,
    )


def test_english_body_is_tagged_en():
    a = parse("SEOUL (Reuters) - North Korea fired a ballistic missile on Tuesday, the South Korean military said. "
              "It was the second launch this month and it came days before the joint drills of the allies.")
    assert a.lang == "en"

