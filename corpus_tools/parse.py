"""Parse one raw article text (as copied from a news page) into a validated ``Article``.

The parser works on line shapes plus the outlet table (``corpus_tools/data/outlets.yaml``),
not on the five seed files. Steps, each linear in the input:

1. ``normalize_lines``: invisible characters out, odd spaces and line breaks folded, NFC,
   hard-wrapped paragraphs re-joined; one string per non-empty line.
2. ``_classify`` each line: boilerplate (site chrome, ``Baca juga`` links, follow calls,
   syndication notices, pagination, tag lists) is dropped; metadata (bylines, dates, credit
   lines, parenthesised trailing credits, photo captions) is dropped from the body but kept in
   ``credits``/``captions``/``published_at``; everything else is body text.
3. Header: heading-shaped lines before the body are page furniture when the page shows header
   signs (a dateline, a byline or caption before the body, a repeated title); the title is the
   repeated line or the first multi-word one. ``split_dateline`` takes the dateline (city and
   outlet) off the first body paragraph.
4. Trailing credits glued to the last paragraph (``... pandemi. (ant/dil)``) are split off;
   the outlet is the best-ranked one seen (dateline > logo > byline > follow call).

It is conservative: a line is only removed when it matches a boilerplate shape, and a
sentence-like line is never taken as the title, so no body sentence is lost. Patterns are
compiled once and tried only when a line's first word or ending makes them possible.

Speed (``bench/bench_parse.py``): most lines are plain sentences, which ``_plain_body`` keeps
with a few C-speed tests; costly regexes sit behind exact cheap screens. What a byline, a
parenthesised credit or a follow call says depends only on the line and the outlet table,
and such lines repeat across a corpus, so those readings are memoised (bounded, per process,
per table). Every shortcut is exact: the output is the same as without it (the bench's
``--check`` digests).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from operator import itemgetter

from .article import PARAGRAPH_SEPARATOR, Article, BlockKind
from .outlets import ZONES, OutletMatch, OutletTable, load_outlets

#: Goes into ``Article.provenance.parser_version``; bump when the output for a text changes.
PARSER_VERSION = "1"


class ParseError(ValueError):
    """The text is not a news article the parser can use; the message says why."""


# --------------------------------------------------------------------------- normalisation

# Invisible characters that only break tokens: zero-width space/non-joiner (the joiner is
# handled apart), BOM, word joiner, soft hyphen, bidi marks, object replacement, and C0
# controls other than white space. Odd spaces (no-break, tab, U+2000..U+200A) become spaces,
# odd line breaks (U+2028, form feed, NEL...) become newlines.
_DROP_CHARS = (
    "\u200b\u200c\ufeff\u2060\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufffc"
    "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x7f"
)
_SPACE_CHARS = "\t\x1f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_NEWLINE_CHARS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# A zero-width joiner is kept only between two emoji-ish code points (family, profession,
# skin-tone sequences); anywhere else it is an invisible token breaker.
_EMOJI = "\u00a9\u00ae\u203c-\u3299\ufe0f\U0001f000-\U0001faff\U000e0020-\U000e007f"
_STRAY_ZWJ_RE = re.compile(f"(?<![{_EMOJI}])\u200d|\u200d(?![{_EMOJI}])")


_SENTENCE_END = frozenset('.!?…"”:')


_ODD_REPLACEMENT = {
    **dict.fromkeys(_DROP_CHARS, ""), **dict.fromkeys(_SPACE_CHARS, " "), **dict.fromkeys(_NEWLINE_CHARS, "\n")
}


_first_char = itemgetter(0)


def _clean_odd(text: str, present: str) -> str:
    """Invisible characters dropped, odd spaces and line breaks folded, stray ZWJ out, NFC.
    ``present`` holds (at least) every character of ``text`` other than printable ASCII, so
    only the odd characters really there cost a pass (``str.replace``, C speed)."""
    for ch in set(present):
        rep = _ODD_REPLACEMENT.get(ch)
        if rep is not None:
            text = text.replace(ch, rep)
    if "\u200d" in present:
        text = _STRAY_ZWJ_RE.sub("", text)
    if _NFC_UNSAFE_RE.search(present) is not None and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


# Printable ASCII and "\n": deleting these bytes from the UTF-8 form of a text (one C pass of
# bytes.translate) leaves only the characters that clean-up or NFC could change.
_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + b"\n"
# Non-ASCII characters that are NFC starters (combining class 0, no canonical decomposition,
# never composed with the character before): a text made of these and ASCII is NFC.
# tests/test_parse.py checks every one of them against unicodedata.
NFC_SAFE_RANGES = "\u00a0-\u02ff\u2002-\u205f\u20a0-\u20cf"
_NFC_UNSAFE_RE = re.compile(f"[^\x00-\x7f{NFC_SAFE_RANGES}]")


def normalize_lines(text: str) -> list[str]:
    """The non-empty lines of ``text``, each cleaned: invisible characters removed (ZWJ kept
    inside emoji sequences), NFC, every run of white space (no-break spaces, tabs...) folded
    to one space, no edge spaces. Any line break (CRLF, CR, U+2028, form feed) splits lines.

    A hard-wrapped paragraph is re-joined: a line that starts with a lower-case word right
    after a line that ends mid-sentence (no blank line between) continues it; Indonesian
    sentences and paragraphs start upper case, and brand datelines (``tirto.id``,
    ``kumparanNEWS``) are not plain lower-case words."""
    return _normalize(text)


def _normalize(text: str, data: bytes | None = None) -> list[str]:
    """``normalize_lines``; ``data`` is ``text`` in UTF-8 (surrogatepass) when the caller has it."""
    # Every clean-up rule is local to a line (NFC never composes across a line break, a ZWJ at
    # a line edge is stray either way), so the whole text is cleaned at once. The characters
    # other than printable ASCII and "\n" (usually a few quotes and dashes) are found in one
    # C pass; in the common case they are printable (every odd character but U+FFFC is not)
    # and NFC-safe, and the text is already clean.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        data = None
    if data is None:
        data = text.encode("utf-8", "surrogatepass")
    odd = data.translate(None, _PLAIN_BYTES)
    folds = b"  " in data  # a two-byte search is ~1.5x faster on the (mostly one-byte) UTF-8
    if odd:
        present = odd.decode("utf-8", "surrogatepass")
        if not present.isprintable() or "\ufffc" in present:
            text = _clean_odd(text, present)
            folds = "  " in text
        elif _NFC_UNSAFE_RE.search(present) is not None and not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    # Now the only white space left is " " and "\n", so str.strip() == str.strip(" ").
    raws = text.split("\n")
    lines = list(filter(None, map(str.strip, raws)))  # (C-level iteration, no per-line bytecode)
    if not any(map(str.islower, map(_first_char, lines[1:]))):  # no line to re-join
        if folds:
            lines = [" ".join(line.split()) if "  " in line else line for line in lines]
        return lines
    out: list[str] = []
    joinable = False  # the previous line is in the same block and ends mid-sentence
    for raw in raws:
        line = raw.strip(" ")
        if not line:
            joinable = False
            continue
        if "  " in line:
            line = " ".join(line.split())
        if (
            joinable
            and line[0].islower()
            and len(out[-1]) >= 50
            and (first := line.partition(" ")[0]).isalpha()
            and first.islower()
            and load_outlets().known(first) is None  # "kumparan mencatat ..." starts a paragraph
        ):
            out[-1] = out[-1] + " " + line  # a hard-wrapped paragraph continues
        else:
            out.append(line)
        joinable = out[-1][-1] not in _SENTENCE_END
    return out


def normalize_text(text: str) -> str:
    """``normalize_lines`` joined with newlines (for callers that want the cleaned text)."""
    return "\n".join(normalize_lines(text))


# --------------------------------------------------------------------------- dates

_MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip
_DAY_NAMES = frozenset(
    "senin selasa rabu kamis jumat jum'at sabtu minggu ahad monday tuesday wednesday thursday friday "
    "saturday sunday mon tue wed thu fri sat sun".split()
)
# Dates start with a digit (``8 Mei 2025``, ``08/05/2025``, ``2025-05-08``) or, in English,
# with a month (``May 8, 2025``). Month words are matched as plain letters and checked against
# _MONTHS in code: a regex alternation of 40 month names tried at every position is ~100x
# slower. The weekday is not needed for the date and is skipped as filler.
_DATE_NUM_RE = re.compile(
    r"(?<![0-9])(?:(?P<d1>[0-9]{1,2})\s+(?P<m1>[A-Za-z]{3,9})\.?,?\s+(?P<y1>[0-9]{4})"
    r"|(?P<d3>[0-9]{1,2})[/.-](?P<m3>[0-9]{1,2})[/.-](?P<y3>[0-9]{4})"
    r"|(?P<y4>[0-9]{4})-(?P<m4>[0-9]{2})-(?P<d4>[0-9]{2}))(?![0-9])"
)
_DATE_MDY_RE = re.compile(r"(?<![A-Za-z])(?P<m2>[A-Za-z]{3,9})\.?\s+(?P<d2>[0-9]{1,2}),?\s+(?P<y2>[0-9]{4})(?![0-9])")
_TIME_RE = re.compile(
    r"\s*(?:[,|•·T]|[-–—])?\s*(?:(?:pukul|pkl\.?|jam|at)\s*)?"
    r"(?P<h>[0-9]{1,2})[:.](?P<mi>[0-9]{2})(?:[:.](?P<s>[0-9]{2}))?(?![0-9])"
    r"(?:\s*(?P<z>WITA|WIB|WIT|UTC|GMT)\b(?:\s*(?P<zo>[+-]\s*[0-9]{1,2})(?::?(?P<zm>[0-9]{2}))?)?)?",
    re.IGNORECASE,
)
_DIGIT_RE = re.compile(r"[0-9]")
# "[0-9][0-9]*", not "[0-9]+": a pattern that starts with a character set lets re's search
# skip to the candidates in C (a leading repeat makes it try a full match at every position).
_DIGITS_RE = re.compile(r"[0-9][0-9]*")


@dataclass(slots=True)
class _DateHit:
    when: datetime  # naive
    zone: timezone | None  # stated in the text
    start: int
    end: int
    timed: bool = False  # a clock time followed the date


def _date_hit(text: str, m: re.Match) -> _DateHit | None:
    """Date match plus the time and zone that follow it; None if not a real date."""
    try:
        if m.re is _DATE_MDY_RE:
            y, mo, d = int(m["y2"]), _MONTHS[m["m2"].lower()], int(m["d2"])
        else:
            d1, m1, y1, d3, m3, y3, y4, m4, d4 = m.groups()  # the three forms of _DATE_NUM_RE
            if d1:
                y, mo, d = int(y1), _MONTHS[m1.lower()], int(d1)
            elif d3:
                y, mo, d = int(y3), int(m3), int(d3)
            else:
                y, mo, d = int(y4), int(m4), int(d4)
        if not 1900 <= y <= 2200:
            return None
        when = datetime(y, mo, d)
    except (ValueError, KeyError):
        return None
    start, end = m.span()
    t = _TIME_RE.match(text, end)
    if t is None:
        return _DateHit(when, None, start, end)
    h, mi, s, z, zo, zm = t.groups()
    try:
        when = datetime(y, mo, d, int(h), int(mi), int(s or 0))
    except ValueError:
        return _DateHit(when, None, start, end)
    zone = None
    z = (z or "").upper()
    if z in ZONES:
        zone = ZONES[z]
    elif z:
        hours = int(zo.replace(" ", "")) if zo else 0
        minutes = int(zm or 0) * (-1 if hours < 0 else 1)
        if -14 <= hours <= 14:
            zone = timezone(timedelta(hours=hours, minutes=minutes))
    return _DateHit(when, zone, start, t.end(), True)


def _find_dates(text: str) -> list[_DateHit]:
    """Every date in ``text`` in order (day-first forms, else English month-first forms).

    Day-first dates are tried only where a run of digits starts (a tight scan), not at every
    position, and the scan resumes after each date found (a byline's time and zone are not
    visited again; a run resumed mid-way fails the date pattern's no-digit-before test, as
    it was skipped before); month-first ones only when there is no day-first date and the
    digit runs show their ``D[,] YYYY`` ending (a run of one or two digits, an optional
    comma and white space, then exactly four digits)."""
    hits: list[_DateHit] = []
    pos = 0
    while (run := _DIGITS_RE.search(text, pos)) is not None:
        m = _DATE_NUM_RE.match(text, run.start())
        if m is not None and (h := _date_hit(text, m)) is not None:
            hits.append(h)
            pos = h.end
        else:
            pos = run.end()
    if hits:
        return hits
    day_year = False
    prev_end = prev_len = -1
    for run in _DIGITS_RE.finditer(text):
        start, stop = run.span()
        if stop - start == 4 and 0 < prev_len <= 2:
            gap = text[prev_end:start]
            gap = gap[1:] if gap[:1] == "," else gap
            if gap.isspace():  # "" is not white space
                day_year = True
                break
        prev_end, prev_len = stop, stop - start
    if day_year:
        hits = [h for m in _DATE_MDY_RE.finditer(text) if (h := _date_hit(text, m)) is not None]
    return hits


def parse_date(text: str, *, zone: str | None = None, default_zone: str = "WIB") -> datetime | None:
    """First date (and time) stated in ``text`` as an aware datetime, or None.

    Indonesian and English day/month names and short forms (``Kamis, 8 Mei 2025 | 09:07
    WIB``, ``08/05/2025, 09:07 WIB``, ``8 May 2025 09:07``). Numeric dates are day first. The
    zone written in the text wins, else ``zone`` (the outlet's), else ``default_zone``. A date
    without a time is taken as midnight of that day.
    """
    hits = _find_dates(text)
    if not hits:
        return None
    hit = hits[0]
    return hit.when.replace(tzinfo=hit.zone or ZONES[zone or default_zone])


# --------------------------------------------------------------------------- line patterns

_TERMINAL = frozenset('.!?…:;,"”’\'»')
_HEADING_MAX = 120

_CHROME_EXACT = frozenset(
    {
        "advertisement", "advertisment", "iklan", "ads", "scroll to continue with content", "scroll to continue",
        "scroll untuk melanjutkan", "scroll untuk melanjutkan membaca", "scroll to resume content",
        "lanjutkan membaca", "lanjut baca", "no more pages", "loading", "loading...", "memuat", "share", "bagikan",
        "bagikan artikel", "share this article", "komentar",
        "tulis komentar", "lihat komentar", "copy link", "link copied", "salin tautan", "tautan disalin",
        "salin link", "tautan berhasil disalin", "print", "cetak", "halaman selanjutnya", "halaman berikutnya",
        "halaman sebelumnya", "selanjutnya", "sebelumnya", "berikutnya", "next", "prev", "previous",
        "tampilkan semua", "show all", "lihat semua", "lihat selengkapnya", "baca selengkapnya", "read more",
        "read next", "video", "video pilihan", "galeri", "infografis", "google news", "live report",
        "home", "beranda", "newsletter", "ikuti kami", "follow us", "dengarkan", "dengarkan artikel",
        "dengarkan artikel ini", "listen to this article", "mode baca", "ukuran font", "bookmark", "simpan",
        "load more", "muat lebih banyak", "kembali ke atas", "back to top", "baca", "ikuti", "lihat foto", "foto", "photo",
        "lihat video", "baca berikutnya", "artikel selanjutnya", "berita selanjutnya", "sponsored", "konten sponsor",
        "iklan - scroll untuk melanjutkan", "advertisement - scroll to continue", "gulir untuk melanjutkan",
        "view this post on instagram", "lihat postingan ini di instagram", "tonton video", "play video",
        "tentang kami", "about us", "pedoman media siber", "pedoman siber", "kode etik", "kontak", "kontak kami",
        "contact us", "susunan redaksi", "karir", "kebijakan privasi", "privacy policy", "syarat dan ketentuan",
        "terms of use", "info iklan", "sitemap", "indeks berita", "disclaimer", "kembali ke beranda", "next article",
        "verified green", "verified", "advertorial", "konten ini merupakan advertorial", "reuters", "afp", "ap", "xinhua", "yonhap", "kyodo", "anadolu", "bloomberg",
        "antara", "reuters/afp", "afp/reuters", "ap/reuters",
    }
)  # fmt: skip
# Section headers after which a list of headline links follows: drop those headlines too.
_RELATED_SECTION = frozenset(
    {
        "berita terkait", "artikel terkait", "berita lainnya", "berita lain", "baca berita lainnya",
        "terpopuler", "terkini", "berita terkini", "berita terbaru", "terbaru", "rekomendasi",
        "rekomendasi untuk anda", "pilihan redaksi", "pilihan editor", "populer", "berita populer",
        "most popular", "video terkait", "related", "related news", "related articles", "topik pilihan",
        "baca lainnya", "artikel lainnya", "berita pilihan", "editor's pick", "editors pick", "tags", "tag",
        "topik", "topic", "topik terkait", "kata kunci", "keywords", "label",
    }
)  # fmt: skip
# "Baca juga" given alone: the link title is the next line.
_RELATED_ONE = frozenset({"baca juga", "lihat juga", "simak juga", "baca", "baca pula", "cek juga", "tonton juga"})

_CHROME_RE = re.compile(
    r"""^(?:
      (?:tags?|topik|topic|kata\s*kunci|keywords?|kategori|category|label)\s*:
     |(?:home|beranda)\s*[>»›/|]
     |(?:copyright|hak\s+cipta|©|\(c\)\s*\d{4}|all\s+rights\s+reserved)
     |dilarang\s+(?:keras\s+)?(?:mengambil|mengutip|menyalin|memproduksi|menayangkan)
     |klik\s+(?:untuk\s+baca|di\s*sini|link|tautan)
     |sumber\s*:\s*\S.{0,80}$
     |\[(?:gambas|video|embed|baca|iklan|ads?)\b[^\]]*\]$
     |(?:https?://|www\.)\S+$
     |(?:halaman|hal\.?|page)\s*:?\s*\d+(?:\s*(?:dari|of|/)\s*\d+)?(?:\s+\d+)*\s*(?:selanjutnya|berikutnya|next|»|›|>)?$
     |(?:halaman|page)\s+(?:selanjutnya|berikutnya|sebelumnya|next)\b
     |lanjut(?:kan)?\s+(?:ke\s+|baca\s+)?halaman\b
     |(?:\d{1,3}\s+){0,20}\d{1,3}\s*(?:selanjutnya|berikutnya|next|»|›|>|lihat\s+semua|tampilkan\s+semua|show\s+all)?$
     |scroll\s+(?:to|untuk|ke)\s+(?:continue|melanjutkan|lanjut|bawah)
     |advertisement\b
     |(?:(?:facebook|twitter|x|whatsapp|wa|telegram|line|linkedin|pinterest|email|e-mail|copy\s*link|salin\s*link|share|bagikan|print)\W*){2,}$
     |(?:editor'?s?\s+pick|pilihan\s+editor|pilihan\s+redaksi|artikel\s+terkait|berita\s+terkait)\s*:
     |a\s+post\s+shared\s+by\b
     |(?:dibaca|dilihat|views?)\s*:?\s*[\d.,]+\s*(?:kali|x|times)?$
     |pic\.twitter\.com/\S+$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# "Baca juga: ...", "BACA JUGA :", "Lihat Juga:", "Simak juga video ...", "Baca: ..." (Tribun).
_BACA_RE = re.compile(
    r"^\W{0,3}(?:(?:baca|lihat|simak|cek|tonton|saksikan|dengarkan|klik|read)\s*(?:juga|pula|selengkapnya|also|more|video|live|siaran|tayangan|artikel|berita\s+(?:lainnya|selengkapnya|terkait))\b"
    r"|baca\s*:|read\s*:|simak\s+video\s*:|lihat\s+video\s*:)",
    re.IGNORECASE,
)
_FOLLOW_START_RE = re.compile(
    r"^\W{0,3}(?:jangan\s+lupa\s+|yuk\s*,?\s+|ayo\s*,?\s+|mari\s+|silakan\s+|klik\s+dan\s+)?"
    r"(?:ikuti|follow|gabung|bergabung|join|subscribe|berlangganan|dapatkan|download|unduh|pantau|cek|simak|update|baca)\b",
    re.IGNORECASE,
)
_FOLLOW_PLATFORM_RE = re.compile(
    r"google\s*news|whats\s*app|\bwa\s+channel|telegram|saluran|channel|instagram|twitter|tiktok|youtube|"
    r"facebook|aplikasi|app\s*store|play\s*store|newsletter|notifikasi|push\s+notif|klik\s*di\s*sini|daftar\s+sekarang",
    re.IGNORECASE,
)
_FOLLOW_ANY_RE = re.compile(
    r"\b(?:ikuti|follow|gabung|bergabung|join|klik|subscribe)\b[^.!?]{0,80}"
    r"(?:google\s*news|whats\s*app\s+channel|saluran\s+whats\s*app|channel\s+whats\s*app|telegram)",
    re.IGNORECASE,
)
_SYNDICATION_RE = re.compile(
    r"^\W{0,3}(?:(?:sebagian\s+)?(?:artikel|berita|tulisan|konten|naskah)\s+ini\s+(?:(?:telah|sudah|pernah|juga|sebelumnya|lebih\s+dulu)\s+){0,3}"
    r"(?:tayang|terbit|dimuat|diterbitkan|dipublikasikan|ditayangkan|disiarkan)"
    r"|this\s+(?:article|story)\s+(?:was|has\s+been)\s+(?:first\s+|originally\s+)?(?:published|posted))",
    re.IGNORECASE,
)
_INLINE_BACA_RE = re.compile(
    r"(?<=[.!?\"”])\s+(?:baca|lihat|simak)\s+juga\s*:\s*[^.!?]{3,150}[.!?]?$", re.IGNORECASE
)
_LOGO_RE = re.compile(r"^logo\s+(?P<name>[^.!?:]{2,60})$", re.IGNORECASE)

# Credit keys and the role each gives.
_ROLE_OF = {
    "editor": "editor", "redaktur": "editor", "penyunting": "editor", "red": "editor", "ed": "editor",
    "editing": "editor", "reporter": "reporter", "rep": "reporter", "pewarta": "reporter",
    "wartawan": "reporter", "jurnalis": "reporter", "kontributor": "reporter", "koresponden": "reporter",
    "penulis": "writer", "writer": "writer", "ditulis oleh": "writer", "teks": "writer",
    "author": "author", "oleh": "author", "by": "author", "fotografer": "photographer",
    "photographer": "photographer", "foto": "photographer", "photo": "photographer",
    "pewarta foto": "photographer", "penerjemah": "translator", "alih bahasa": "translator",
    "translator": "translator",
}  # fmt: skip
_KEY_ALT = "|".join(sorted((re.escape(k) for k in _ROLE_OF), key=len, reverse=True))
# "Redaktur & Reporter : X" gives X the first role.
_KV_RE = re.compile(rf"^(?P<key>{_KEY_ALT})(?:\s*(?:&|dan|/)\s*(?:{_KEY_ALT}))?\s*:\s*(?P<val>\S.*)$", re.IGNORECASE)
_BY_RE = re.compile(r"^(?P<key>oleh|by|ditulis\s+oleh)\s+(?P<val>[A-Z].*)$", re.IGNORECASE)
# Without a colon only a capitalised name may follow: "Penulis Aditya Jaya Iswara".
_KV_LOOSE_RE = re.compile(
    r"^(?P<key>(?i:penulis|editor|reporter|pewarta|redaktur|penyunting|fotografer|jurnalis|wartawan|kontributor))\s+(?P<val>[A-Z].*)$"
)
# Okezone style: "Fahmi Firdaus, Jurnalis".
_NAME_ROLE_RE = re.compile(
    r"^(?P<val>[A-Z][^,]{2,60}),\s*(?P<key>(?i:jurnalis|wartawan|reporter|editor|kontributor|penulis|koresponden|pewarta))$"
)
_LAPORAN_RE = re.compile(
    r"^laporan\s+(?:wartawan|reporter|jurnalis|kontributor|koresponden)\s+(?P<outlet>[^,]{2,60}?)\s*,\s*(?P<name>[^,]{3,60})$",
    re.IGNORECASE,
)
_KV_BOUNDARY_RE = re.compile(rf"\s+(?=(?i:{_KEY_ALT})\s*:)")
# Byline separators: "|", "•", "·" anywhere; " / "; a dash run of one or two between white
# space, at the start (before white space) or at the end (after it). Written to start with
# a character set (see _DIGITS_RE) and to branch on the character it took; the same matches as
# "[|•·]|\s/\s|\s[-–—]{1,2}\s|^[-–—]{1,2}\s|\s[-–—]{1,2}$", ~4x faster.
_SEG_SPLIT_RE = re.compile(r"[|•·\s\-–—](?:(?<=[|•·])|(?<=\s)(?:/\s|[-–—]{1,2}(?:\s|$))|(?<=^[-–—])[-–—]?\s)")
# What is left of a byline segment once its date is cut out: "Diperbarui:", "Kamis,".
_DATE_PREFIX_RE = re.compile(
    r"^(?:(?:(?:di)?(?:terbitkan|publikasikan|perbarui|perbaharui|posting|unggah)|terbit|update[d]?|published|posted|"
    r"last\s+updated|dibuat|tanggal|waktu|pukul|publish|rilis|dirilis)\s*:?\s*)?"
    r"(?:(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tue|wed|thu|fri|sat|sun)\b\.?\s*,?)?$",
    re.IGNORECASE,
)
_FILLER_FIRST = frozenset(
    "diterbitkan dipublikasikan diperbarui diperbaharui diposting diunggah terbitkan publikasikan perbarui "
    "perbaharui posting unggah terbit update updated published posted last dibuat tanggal waktu pukul publish "
    "rilis dirilis senin selasa rabu kamis jumat jum'at sabtu minggu ahad monday tuesday wednesday thursday "
    "friday saturday sunday mon tue wed thu fri sat sun".split()
)
_LOOSE_KEYS = frozenset("penulis editor reporter pewarta redaktur penyunting fotografer jurnalis wartawan kontributor".split())
_UPDATED_RE = re.compile(r"(?:perbarui|perbaharui|update)", re.IGNORECASE)
_NAME_RE = re.compile(r"^(?:[A-Z][\w'’.-]*|bin|binti|van|der|de|al|el|da|di|dos|von)(?:\s+(?:[A-Z][\w'’.-]*|bin|binti|van|der|de|al|el|da|di|dos|von)){0,5}$")
_ANY_NAME_RE = re.compile(r"^[^\W\d_][\w'’. -]{0,59}$")
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|&|\bdan\b|\band\b)\s*")

# Parenthesised credit lines: "(bbn)", "(ant/dil/jpnn)", "(Muhammad Adyatma Damardjati)",
# "(Tribunnews.com/Fahmi Ramadhan)".
_PAREN_LINE_RE = re.compile(r"^[(\[]\s*(?P<inner>[^()\[\]]{1,80}?)\s*[)\]]\.?$")
_INITIALS_RE = re.compile(r"^[A-Za-z0-9*-]{1,8}(?:\s*/\s*[A-Za-z0-9*-]{1,8}){0,6}$")
_PHOTO_AGENCIES = (
    "antara foto", "antara", "afp", "ap", "reuters", "epa", "epa-efe", "getty images", "getty", "xinhua",
    "yonhap", "kcna", "anadolu", "bloomberg", "shutterstock", "istockphoto", "freepik", "unsplash",
    "dok", "dok.", "dokumentasi", "istimewa", "ist", "kyodo", "aap", "ansa", "dpa", "tass", "sputnik",
)  # fmt: skip
_PHOTO_AGENCY_SET = frozenset(_PHOTO_AGENCIES)
_PAREN_MARKERS = frozenset("selesai bersambung habis tamat end adv advertorial * *** ads iklan sponsored".split())
# Media Indonesia style desk codes: "(Z-2)", "(AFP/Z-2)".
_DESK_CODE_RE = re.compile(r"^[A-Z]{1,3}-\d{1,3}$")
# Trailing credit glued to the end of the last paragraph: "... pandemi. (ant/dil)".
_TAIL_INITIALS_RE = re.compile(
    r"\s*[(\[](?P<inner>[a-z0-9-]{2,8}(?:\s*/\s*[a-z0-9-]{2,8}){0,6}|(?:[A-Za-z]{2,8}/)?[A-Z]{1,3}-\d{1,3})[)\]]\s*$"
)
_TAIL_OUTLET_NAME_RE = re.compile(
    r"\s*\((?P<outlet>[\w-]+(?:\.[\w-]+)*\.(?:com|id|co\.id|net|co))\s*/\s*(?P<name>[A-Z][^()/]{2,50}?)\)\s*$"
)

# Photo captions: "Foto: Daily NK", "(Foto: Reuters)", "Sumber foto: ...".
_CAPTION_HINT_RE = re.compile(
    r"[(\[]?\s*(?<![\w])(?:foto|photo|sumber\s+foto|kredit\s+foto|ilustrasi\s+foto|gambar|image)(?:\s*:\s*|/)", re.IGNORECASE
)

_CAPS_CREDIT_RE = re.compile(
    r"(?:^|(?<=[.!?)\"”])\s)(?P<credit>[A-Z0-9][A-Za-z0-9.-]{1,30}(?:\s[A-Z]{2,10})?/[A-Z][A-Z .'’/-]{1,60}?)\.?$"
)

# "... Korea Utara. REUTERS/Kim Hong-Ji": a photo agency and the photographer
_AGENCY_CREDIT_RE = re.compile(r"(?<=[.!?)\"”])\s(?P<credit>(?P<head>[A-Za-z]{2,12}(?: [A-Za-z]{2,8})?)/[A-Z][\w.'’ /-]{1,60}?)\.?$")
_DOMAIN_CREDIT_RE = re.compile(
    r"(?<=[.!?)\"”])\s(?P<credit>[\w-]+(?:\.[\w-]+)*\.(?:com|id|co\.id|net)/[A-Z][\w.'’ -]{1,40}?)\.?$"
)

# Dateline at the start of the first body paragraph.
_DATELINE_RE = re.compile(r"^(?P<pre>[^\s:–—][^:–—]{0,69}?)(?:\s+-{1,3}|\s*[–—]{1,2}|\s*:)(?:\s+|$)")
_PAREN_FORM_RE = re.compile(r"^(?P<city>[^()]{2,40}?)\s*\((?P<outlet>[^()]{2,40})\)$")
_CITY_RE = re.compile(r"^[A-Z][A-Za-z'’.-]*(?:\s+[A-Z][A-Za-z'’.-]*){0,3}$")
_KONTAN_CITY_RE = re.compile(r"^(?P<city>[A-Z][A-Z'’-]{2,}(?:\s+[A-Z][A-Z'’-]{2,}){0,2})\.\s+")
_NOT_CITY = frozenset(
    """presiden menteri gubernur wakil ketua kepala direktur pemimpin bupati wali kapolri kapolda panglima
    pemerintah dia ia mereka kami kita saya namun sementara selain menurut kata catatan baca lihat simak
    update editor foto sumber informasi penulis reporter breaking berita video live pengumuman disclaimer
    tonton berikut pertama kedua ketiga jadi oleh by the a""".split()
) | _DAY_NAMES | frozenset(_MONTHS)

_QUOTE_OPEN = frozenset('"“«„\'‘')
_QUOTE_CLOSE = frozenset('"”»\'’')
_LIST_RE = re.compile(r"^(?:[-•*▪►‣·–]\s+|\d{1,2}[.)]\s+|[a-z][.)]\s+)")
_HTML_RE = re.compile(r"<\s*(?:html|head|body|div|p|span|script|style|article|meta|br|table|a\s+href)\b[^>]{0,200}>", re.IGNORECASE)
_ID_WORDS = tuple(f" {w} " for w in "yang dan di ini itu dengan untuk dari tidak akan pada juga dalam ke ada".split())
_EN_WORDS = tuple(f" {w} " for w in "the and of to in is that for was with on".split())
_ID_WORD_BYTES = tuple(w.encode() for w in _ID_WORDS)
_EN_WORD_BYTES = tuple(w.encode() for w in _EN_WORDS)
_EN_TOKENS = frozenset(w.strip() for w in _EN_WORDS) | frozenset(w.strip() for w in _EN_WORD_BYTES)


# --------------------------------------------------------------------------- parser state


class _Parsed:
    """What the line pass found besides body text. (A plain class: one is built per article,
    and a dataclass with default factories costs twice as much to build.)"""

    __slots__ = ("body_started", "captions", "credit_keys", "credits", "meta_lines", "orphan_captions", "outlet", "published", "table")

    def __init__(self, table: OutletTable):
        self.table = table
        self.outlet: tuple[int, OutletMatch] | None = None  # (priority, match); lower priority wins
        # Credits and captions are kept as plain dicts: ``Article.model_validate`` builds and
        # validates the nested models in one call, much cheaper than one model per item here.
        self.credits: list[dict] = []  # Credit fields: name, role
        self.credit_keys: set[str] = set()  # casefolded names already credited
        self.captions: list[dict] = []  # Caption fields: text, credit
        self.published: _DateHit | None = None
        self.meta_lines: list[int] = []  # line numbers of bylines and captions
        self.body_started = False  # a sentence-like body line has been kept
        self.orphan_captions: list[tuple[int, dict]] = []  # "Foto: X" lines, no text

    def offer_outlet(self, priority: int, match: OutletMatch | None) -> None:
        if match is not None and (self.outlet is None or priority < self.outlet[0]):
            self.outlet = (priority, match)

    def credit(self, name: str, role: str) -> None:
        name, key = _credit_name(name)
        if not name or key in self.credit_keys:
            return
        self.credit_keys.add(key)
        self.credits.append({"name": name, "role": role})


@lru_cache(maxsize=4096)
def _credit_name(name: str) -> tuple[str, str]:
    """A credited name as recorded (white space folded, edge punctuation off) and its
    duplicate key; ("", "") when empty or longer than 80 characters. Memoised: the same
    bylines credit the same people across a corpus."""
    name = " ".join(name.split()).strip(" .,;:-–—|")
    if not name or len(name) > 80:
        return "", ""
    return name, name.casefold()


def _heading_shaped(line: str, *, title: bool = False) -> bool:
    """A short line without final punctuation that starts upper case: a title or sub-heading.
    Titles may also end in ``?`` or ``!`` (``Benarkah Kim Sakit?``)."""
    if len(line) > _HEADING_MAX or (line[-1] in _TERMINAL and not (title and line[-1] in "?!")):
        return False
    c = line[0]
    if not (c.isupper() or c.isdigit()):
        return False
    return line.count(" ") < 16 and ". " not in line


def _names(value: str, *, strict: bool) -> list[str] | None:
    """Split a credit value into names; None if any part does not look like a name."""
    value = value.strip(" .;:|/")
    if not value or len(value) > 120:
        return None
    out = []
    # (every separator holds ",", "&", "dan" or "and": most values are one name, no split)
    split = "," in value or "&" in value or "dan" in value or "and" in value
    for part in _NAME_SPLIT_RE.split(value) if split else (value,):
        part = part.strip(" .;:")
        if not part:
            continue
        if part.count(" ") > 5 or not (_NAME_RE.match(part) if strict else _ANY_NAME_RE.match(part)):
            return None
        out.append(part)
    return out or None


def _may_split(rest: str) -> bool:
    """False only when ``_SEG_SPLIT_RE`` cannot match ``rest``: every match starts at ``|``,
    ``•`` or ``·``, at a leading dash, or at white space followed by ``/`` or a dash (and
    white space other than " " is always non-printable). Saves the regex scan on titles."""
    if "|" in rest or "•" in rest or "·" in rest or rest.startswith(("-", "–", "—")) or not rest.isprintable():
        return True
    return " /" in rest or " -" in rest or " –" in rest or " —" in rest


# Characters that case-insensitive regex matching equates with an ASCII letter although
# their lower case is not ASCII (or not that letter): İ ı ~ i, ſ ~ s, the Kelvin sign ~ k.
# A text without them matches an ASCII pattern case-insensitively iff its lower case does.
_CASE_TWINS = ("\u0130", "\u0131", "\u017f", "\u212a")
# Every key _KV_RE can start with, and a literal every _FOLLOW_PLATFORM_RE branch contains.
_ROLE_KEYS = tuple(_ROLE_OF)
_ROLE_KEY_MAX = max(map(len, _ROLE_OF))
_PLATFORM_WORDS = tuple(
    "google whats channel telegram saluran instagram twitter tiktok youtube facebook aplikasi store "
    "newsletter notif klik daftar".split()
)


def _has_digit(text: str) -> bool:
    """``_DIGIT_RE.search(text)`` in two C passes (the regex scans ~10x slower per character):
    ASCII digits are single bytes in UTF-8 and never part of a longer sequence."""
    data = text.encode("utf-8", "surrogatepass")
    return len(data.translate(None, b"0123456789")) != len(data)


def _has_case_twin(text: str) -> bool:
    return not text.isascii() and any(c in text for c in _CASE_TWINS)


def _may_start_with_key(seg: str) -> bool:
    """False only when ``_KV_RE`` cannot match ``seg`` (it must start with a credit key)."""
    head = seg[:_ROLE_KEY_MAX]
    return _has_case_twin(head) or head.lower().startswith(_ROLE_KEYS)


@lru_cache(maxsize=4096)
def _names_platform(line: str) -> bool:
    """``line`` names a platform to follow (Google News, WhatsApp, a channel...). Memoised:
    a follow call and the line after it are the same few lines per outlet."""
    return _may_name_platform(line) and _FOLLOW_PLATFORM_RE.search(line) is not None


def _may_name_platform(line: str) -> bool:
    """False only when ``_FOLLOW_PLATFORM_RE`` cannot match (none of its words is there): a
    few substring tests on the lower-cased UTF-8 bytes instead of a case-insensitive scan of
    19 alternatives at every position."""
    if _has_case_twin(line):
        return True
    low = line.lower() if line.isascii() else line.encode("utf-8", "surrogatepass").lower().decode("latin-1")
    return any(map(low.__contains__, _PLATFORM_WORDS))  # (a Latin-1 view of the bytes: see _names_chat_app)


_BY_WORDS = frozenset(("oleh", "by", "ditulis"))


def _may_credit(seg: str, table: OutletTable) -> bool:
    """False only when ``seg``, the one segment of a line without a date, cannot make
    ``_meta_line`` accept the line: that needs a credit key (``Key: Name``, ``Oleh Name``,
    ``Penulis Name``, ``Name, Jurnalis``) or an outlet name. Most lines that reach
    ``_meta_line`` are titles and sub-headings, which this sends back at once."""
    if not seg:
        return False
    if ":" in seg:  # only _KV_RE can give a credit; else an outlet, or the line is rejected
        return _may_start_with_key(seg) or (seg.count(" ") <= 3 and table.lookup(seg) is not None)
    fw = seg.lower().split(" ", 1)[0].rstrip(":,.")
    return fw in _BY_WORDS or fw in _LOOSE_KEYS or "," in seg or (seg.count(" ") <= 3 and table.lookup(seg) is not None)


def _byline_segments(
    rest: str, dated: bool, table: OutletTable
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[OutletMatch, ...], bool, tuple[str, ...]] | None:
    """The segments of a byline (``rest``: the line with its dates cut out, if ``dated``) read
    as (author names, (name, role) credits, outlets, keyed, segments); None when a segment is
    not byline material. Depends only on its arguments."""
    found_credits: list[tuple[str, str]] = []
    names: list[str] = []
    outlets: list[OutletMatch] = []
    keyed = False
    segments = _SEG_SPLIT_RE.split(rest) if _may_split(rest) else [rest]
    if rest.count(":") > 1:  # "Reporter: A Editor: B" without a separator
        segments = [part for seg in segments for part in _KV_BOUNDARY_RE.split(seg)]
    for seg in segments:
        seg = seg.strip(" ,;|")
        if dated and seg.endswith((" pada", " on", " at", " tanggal")):  # "Oleh X pada <date>"
            seg = seg.rsplit(" ", 1)[0]
        if not seg:
            continue
        low = seg.lower()
        fw = low.split(" ", 1)[0].rstrip(":,.")
        if fw in _FILLER_FIRST and len(seg) <= 40 and _DATE_PREFIX_RE.match(seg):
            continue
        m = None
        strict = False
        if ":" in seg:
            m = _KV_RE.match(seg) if _may_start_with_key(seg) else None
        elif fw in ("oleh", "by", "ditulis"):
            m = _BY_RE.match(seg)
        elif fw in _LOOSE_KEYS:
            m = _KV_LOOSE_RE.match(seg)
            strict = True
        elif "," in seg:
            m = _NAME_ROLE_RE.match(seg)
            strict = True
        if m:
            key = " ".join(m.group("key").lower().split())
            vals = _names(m.group("val"), strict=strict)
            if vals is None:
                return None
            found_credits.extend((v, _ROLE_OF[key]) for v in vals)
            keyed = True
            continue
        if fw == "tim":
            names.append(seg)
            continue
        om = table.lookup(seg) if seg.count(" ") <= 3 else None
        if om is not None:
            outlets.append(om)
            continue
        if len(seg) <= 60 and seg.count(" ") <= 5 and _NAME_RE.match(seg):
            if not (seg.isupper() and " " not in seg):  # "SEOUL" is a dateline, not a name
                names.append(seg)
            continue
        # "Kompas.com - 14/08/2023" leaves "Kompas.com"; "detikNews Kamis..." leaves "detikNews".
        if dated and " " in seg:
            head, _, tail = seg.partition(" ")
            om = table.lookup(head)
            if om is not None and _DATE_PREFIX_RE.match(tail):
                outlets.append(om)
                continue
        return None
    return tuple(names), tuple(found_credits), tuple(outlets), keyed, tuple(segments)


# What a byline's segments say is memoised per outlet table: credit lines ("Editor: Andi
# Pratama", "Reporter: A | Editor: B") repeat across a corpus, and so do dated bylines once
# their dates are cut out ("Andi Pratama • <date>", "Jumat, <date>").
_byline_reading = lru_cache(maxsize=8192)(_byline_segments)


def _meta_line(line: str, p: _Parsed, lineno: int, first: str = "") -> bool:
    """Bylines, date lines and credit lines (``Reporter: A | Editor: B``, ``Fajar Nugraha •
    8 May 2025 09:07``, ``Rep: X / Red: Y``). Records what they hold; True if ``line`` is one."""
    m = _LAPORAN_RE.match(line) if first == "laporan" else None
    if m:
        names = _names(m.group("name"), strict=True)
        if names:
            p.offer_outlet(2, p.table.lookup(m.group("outlet")))
            for n in names:
                p.credit(n, "reporter")
            return True
        return False
    dates: list[tuple[_DateHit, bool]] = []
    rest = line
    if _has_digit(line):
        parts = []
        pos = 0
        for hit in _find_dates(line):
            parts.append(line[pos : hit.start])
            dates.append((hit, bool(_UPDATED_RE.search(line, max(0, hit.start - 25), hit.start))))
            pos = hit.end
            parts.append(" | ")
        parts.append(line[pos:])
        rest = "".join(parts)
    if not dates:
        if ":" not in line and len(line) > 80 and first not in ("oleh", "by", "ditulis"):
            return False
        if line.count(":") <= 1 and not _may_split(line) and not _may_credit(line.strip(" ,;|"), p.table):
            return False  # a title or a "Baca juga: ..." line: one segment that names no one
        found = _byline_reading(line, False, p.table)
    else:
        found = _byline_reading(rest, True, p.table)
    if found is None:
        return False
    names, found_credits, outlets, keyed, segments = found
    if p.body_started and dates and not (keyed or names or outlets) and not any(h.timed for h, _ in dates):
        words = [seg.strip(" ,;|") for seg in segments]
        if not any(w and w[0].lower() in "dtpuwlr" and _DATE_PREFIX_RE.match(w) for w in words):
            return False  # "14 Agustus 2023" inside the body is a chronology heading, not a byline
    if not (dates or keyed):
        # "Tim detikcom - detikNews", "Rakhmad Permana - detikNews", "CNN Indonesia",
        # "kumparanNEWS": an outlet header line, with at most the author's name.
        if not outlets or len(line) > 80 or len(names) > 2:
            return False
    elif not dates and not found_credits:
        return False
    for n in names:
        p.credit(n, "author")
    for n, role in found_credits:
        p.credit(n, role)
    for om in outlets:
        p.offer_outlet(2, om)
    for hit, updated in dates:
        if not updated and p.published is None:  # "Diperbarui ..." is not the publication date
            p.published = hit
    p.meta_lines.append(lineno)
    return True


def _paren_line(inner: str, p: _Parsed) -> bool:
    """A line that is only a parenthesised credit. True if recognised (and recorded)."""
    effects = _paren_effects(inner, p.table)
    if effects is None:
        return False
    for op, a, b in effects:
        if op == "caption":
            p.captions.append({"text": "", "credit": a})
        elif op == "outlet":
            p.offer_outlet(3, a)
        else:
            p.credit(a, b)
    return True


@lru_cache(maxsize=4096)
def _paren_effects(inner: str, table: OutletTable) -> tuple[tuple, ...] | None:
    """What the parenthesised credit ``inner`` records, in order: ("caption", credit, None),
    ("outlet", match, None) or ("credit", name, role); None if it is not a credit. Memoised
    per outlet table: "(bbn)", "(ant/dil/jpnn)" close thousands of articles."""
    if inner.lower() in _PAREN_MARKERS:
        return ()  # "(Selesai)", "(adv)": an end marker, not a credit
    if _INITIALS_RE.match(inner):
        tokens = [t.strip() for t in inner.split("/")]
        if tokens[0].lower() in _PHOTO_AGENCY_SET and len(tokens) > 1 and not _DESK_CODE_RE.match(tokens[-1]):
            return (("caption", inner, None),)
        if inner.isupper() and len(inner) > 5 and "/" not in inner:
            return None  # "(BERSAMBUNG)"-like words are not initials
        return tuple(("credit", t, "initials") for t in tokens if t and t != "*")
    if "/" in inner:
        head, _, tail = inner.partition("/")
        head = head.strip()
        if head.lower() in _PHOTO_AGENCY_SET:
            return (("caption", inner, None),)
        om = table.lookup(head)
        names = _names(tail, strict=True)
        if om is not None and names:
            return (("outlet", om, None), *(("credit", n, "writer") for n in names))
        return None
    m = _KV_RE.match(inner)
    if m:
        names = _names(m.group("val"), strict=False)
        if names:
            role = _ROLE_OF[" ".join(m.group("key").lower().split())]
            return tuple(("credit", n, role) for n in names)
        return None
    if " " in inner and inner.count(" ") <= 5 and _NAME_RE.match(inner):
        return (("credit", inner, "writer"),)
    return None


def _caption(line: str, p: _Parsed, lineno: int) -> bool:
    """Photo captions: ``Text. Foto: Credit``, ``Text (Foto: Credit)``, ``Text (AFP/STR)``,
    ``Text. ANTARA FOTO/Name/abc``. The caption moves to ``Article.captions``.

    Only the last 100 characters are searched for the credit, so body paragraphs that merely
    mention a photo stay untouched and long lines cost little."""
    if len(line) > 400:
        return False
    if ":" not in line and "/" not in line and line[-1] not in ")]":
        return False  # every caption form needs "Foto:"-like text, a "/" credit or a ")"/"]" end
    tail_at = max(0, len(line) - 100)
    tail = line[tail_at:]
    text = credit = None
    m = None
    low_tail = tail.lower()
    if "/" in tail and (k := line.find("ANTARA FOTO/", tail_at)) >= 0:
        # "Caption. ANTARA FOTO/Name/abc." or "Caption (ANTARA FOTO/Name/abc)"
        text, credit = line[:k], line[k:].rstrip(".)]")
    elif "foto" in low_tail or "photo" in low_tail or "gambar" in low_tail or "image" in low_tail:
        m = _CAPTION_HINT_RE.match(line) or _CAPTION_HINT_RE.search(line, tail_at)
    elif line[:4].lower() in ("foto", "phot"):
        m = _CAPTION_HINT_RE.match(line)
    if credit is not None:
        pass  # ANTARA FOTO, found above
    elif m is not None and m.start() == 0:
        # "Foto: Daily NK", "Foto: Kim Jong Un di Seoul (AP/Ahn Young-joon)", "Foto: Warga antre."
        rest = line[m.end() :].strip()
        end = rest.rstrip(".")
        if not end:
            return False
        k = max(end.rfind("("), end.rfind("["))
        if end and end[-1] in ")]" and k > 0:
            text, credit = end[:k], end[k + 1 : -1]
        elif rest.count(" ") <= 6 and rest[-1] not in ".!?":
            text, credit = "", rest
            if credit and len(credit) <= 80 and not any(c in credit for c in "()[]:"):
                cap = {"text": "", "credit": credit}
                p.captions.append(cap)
                p.orphan_captions.append((lineno, cap))
                p.meta_lines.append(lineno)
                return True
        else:
            p.captions.append({"text": rest, "credit": None})
            p.meta_lines.append(lineno)
            return True
    elif m is not None:
        credit = line[m.end() :].strip()
        text = line[: m.start()]
        if m.group(0).startswith(("(", "[")):
            if not credit.endswith((")", "]", ").", "].")):
                return False
            credit = credit.rstrip(".")[:-1]
        elif (
            not (credit[:1].isupper() or credit[:3].lower() == "dok")
            or credit.count(" ") > 6
            or credit[-1] in "?!"
            or (credit[-1] == "." and "/" not in credit and len(credit) > 4)  # "foto: Itu palsu." is prose
            or (text.rstrip() and text.rstrip()[-1] not in '.!?)"”')  # "soal foto: ..." is prose
        ):
            return False
    elif line[-1] in ")]." and "/" in tail:
        end = line.rstrip(".")
        if end[-1] not in ")]":
            return False
        else:
            k = max(end.rfind("("), end.rfind("["))
            if k <= 0:
                return False
            credit = end[k + 1 : -1].strip()
            if "/" not in credit or _DESK_CODE_RE.match(credit.rsplit("/", 1)[1].strip()):
                return False  # "(AFP/Z-2)" ends a paragraph: source and desk code, not a photo
            head, _, who = credit.partition("/")
            head = head.strip().lower()
            # "(AFP/STR)", "(KCNA VIA KNS/AFP)", or an outlet with an upper-case photographer
            # ("(KOMPAS.com/KRISTIANTO PURNOMO)"; a Title Case name there is the writer)
            if not (
                head in _PHOTO_AGENCY_SET
                or head.split(" ", 1)[0] in _PHOTO_AGENCY_SET
                or (who.isupper() and p.table.lookup(head) is not None)
            ):
                return False
            if len(end) > 250 and head != "antara foto":
                return False  # a long paragraph ending in an agency credit is body text
            text = end[:k]
    elif line[-1] in ")]" and ("(dok" in low_tail or "(istimewa" in low_tail):
        k = line.rfind("(")
        text, credit = line[:k], line[k + 1 : -1]
    elif "/" in tail and (
        (cm := _CAPS_CREDIT_RE.search(tail) or _DOMAIN_CREDIT_RE.search(tail)) is not None
        or ((cm := _AGENCY_CREDIT_RE.search(tail)) is not None and cm.group("head").lower() in _PHOTO_AGENCY_SET)
    ):
        # Tribun/Kompas style: "... Senin (14/8/2023). TRIBUNNEWS/IRWAN RISMAWAN" or
        # "... Selasa (15/8/2023). Tribunnews.com/Jeprima"
        text, credit = line[: tail_at + cm.start("credit")], cm.group("credit")
    else:
        return False
    text = text.strip(" -–—|([")
    credit = credit.strip(" .")
    if not credit or len(credit) > 80 or credit.count(" ") > 8 or any(c in credit for c in "()[]:"):
        return False
    if len(text) > 300:
        return False
    p.captions.append({"text": text, "credit": credit})
    p.meta_lines.append(lineno)
    return True


_TEXT, _DROP, _DROP_NEXT, _RELATED1, _RELATED, _KEY_NEXT = range(6)
# A credit key alone on its line ("Editor" then "Dewi Rina Cahyani"): the value is the next line.
_KEY_ALONE = {k: v for k, v in _ROLE_OF.items() if k not in ("by", "ed", "red", "rep", "foto", "photo", "teks")}


# First words that can start a boilerplate line; any other first word skips those patterns,
# so a plain body paragraph costs a set lookup instead of a dozen regex calls.
_CHROME_FIRST = frozenset(
    "tags tag topik topic kata keywords keyword kategori category label home beranda copyright hak © (c) "
    "dilarang klik sumber halaman hal page lanjut lanjutkan scroll advertisement facebook twitter x whatsapp "
    "wa telegram line linkedin pinterest email e-mail copy salin share bagikan print editor's editors pilihan "
    "artikel berita a pic dibaca dilihat views view".split()
)
_BACA_FIRST = frozenset("baca lihat simak cek tonton saksikan dengarkan klik read".split())
_SYND_FIRST = frozenset("artikel berita tulisan konten naskah sebagian this".split())
_FOLLOW_FIRST = frozenset(
    "jangan yuk ayo mari silakan klik ikuti follow gabung bergabung join subscribe berlangganan dapatkan "
    "download unduh pantau cek simak update baca".split()
)
_SPECIAL_FIRST = _CHROME_FIRST | _BACA_FIRST | _SYND_FIRST | _FOLLOW_FIRST | {"logo", "foto", "photo"}
_SENTENCE_LIKE_END = frozenset('.!?"”')
_FIRST_STRIP = "\"'“‘([*•-–—:.,!?#>»› "


_KEY_STRIP = " :.-–—|•»›>*#"
# Longest entry of the exact-line sets (_RELATED_ONE, _KEY_ALONE, _RELATED_SECTION, _CHROME_EXACT).
_KEY_MAX = max(map(len, (*_RELATED_ONE, *_KEY_ALONE, *_RELATED_SECTION, *_CHROME_EXACT)))


def _first_word(line: str) -> str:
    """The first word, lower-cased, without edge quotes and punctuation (within 40 characters)."""
    k = line.find(" ", 0, 40)
    return (line[:k] if k >= 0 else line[:40]).strip(_FIRST_STRIP).lower()


def _names_chat_app(line: str) -> bool:
    """``line.lower()`` holds "google", "whatsapp" or "telegram" (the inline follow-call screen).
    Lower-casing the UTF-8 bytes finds them as ``str.lower`` would (no non-ASCII character
    lower-cases to one of their letters) at a fraction of the cost; an ASCII line is
    lower-cased as it is, and the bytes are searched as a Latin-1 string (one character per
    byte), where substring search is ~2x faster than on ``bytes``."""
    low = line.lower() if line.isascii() else line.encode("utf-8", "surrogatepass").lower().decode("latin-1")
    return "google" in low or "whatsapp" in low or "telegram" in low


def _plain_body(line: str) -> bool:
    """True for a line ``_classify`` certainly keeps as body text with nothing to record; most
    lines are such long ordinary sentences, and this answers with a few C-speed tests.

    The line ends like a sentence, holds no ":" or "/" and starts with neither a digit, a
    bracket nor a listed first word (so no chrome, credit, caption, byline, link, syndication
    or follow-call pattern can match: see ``_classify``); it is too long, once edge
    punctuation is stripped, to equal an exact chrome or key line; and if short enough for
    the inline follow-call check it names no Google News, WhatsApp or Telegram."""
    c0 = line[0]
    if line[-1] not in _SENTENCE_LIKE_END or ":" in line or "/" in line or c0 in "([©" or c0.isdigit():
        return False
    n = len(line)
    if n <= 200 and len(line.strip(_KEY_STRIP)) <= _KEY_MAX:  # lower() never shortens a string
        return False
    k = line.find(" ", 0, 40)
    return not _special_token(line[:k] if k >= 0 else line[:40]) and (n > 300 or not _names_chat_app(line))


@lru_cache(maxsize=50_000)
def _special_token(token: str) -> bool:
    """Whether a line's first token as written (``_first_word`` before its strip and
    lower-casing) is a listed first word. Sentences start with the same few hundred words, so
    memoising saves the strip and lower-casing per line."""
    first = token.strip(_FIRST_STRIP).lower()
    return first in _SPECIAL_FIRST or first.startswith(("http", "www."))


def _classify(line: str, nxt: str | None, p: _Parsed, lineno: int) -> int:
    """One line's fate. The first word decides which boilerplate patterns are worth trying."""
    n = len(line)
    first = _first_word(line)
    c0 = line[0]
    # Most lines are body sentences. One that ends like a sentence, holds no ":" or "/" and
    # starts with an ordinary word cannot be chrome, a logo, a parenthesised credit, a byline,
    # a link, syndication or follow-call line (all need a listed first word, a leading digit
    # or bracket, or a non-sentence end / ":") nor a caption (every caption form needs a
    # "Foto:"/"/" credit or a ")"/"]" end): only the exact-key, tag-list and inline follow
    # checks can apply to it.
    plain = (
        line[-1] in _SENTENCE_LIKE_END
        and ":" not in line
        and "/" not in line
        and first not in _SPECIAL_FIRST
        and c0 not in "([©"
        and not c0.isdigit()
        and not first.startswith(("http", "www."))
    )
    if n <= 200:
        # == line.lower().strip(_KEY_STRIP): the stripped characters have no case, and
        # lower() never turns another character into one of them nor shortens a string.
        key = line.strip(_KEY_STRIP)
        if len(key) <= _KEY_MAX:
            key = key.lower()
            if key in _RELATED_ONE:
                return _RELATED1
            if key in _KEY_ALONE:
                return _KEY_NEXT
            if key in _RELATED_SECTION:
                return _RELATED
            if key in _CHROME_EXACT or not key:
                return _DROP
        if n <= 100 and line.islower() and line.replace(" ", "").isalnum():
            return _DROP  # "rudal korea utara kim jong un": a tag list (a sentence starts upper case)
        if not plain:
            if (first in _CHROME_FIRST or c0.isdigit() or c0 in "[©" or first.startswith(("http", "www."))) and _CHROME_RE.match(line):
                return _DROP
            if first == "logo":
                m = _LOGO_RE.match(line)
                if m and m.group("name").count(" ") < 6:
                    name = m.group("name").strip()
                    p.offer_outlet(1, p.table.lookup(name) or OutletMatch(name, None, None, False))
                    return _DROP
            if c0 in "([" and line[-1] in ")].":
                m = _PAREN_LINE_RE.match(line)
                if m and _paren_line(m.group("inner"), p):
                    return _DROP
            if first in ("foto", "photo") and _caption(line, p, lineno):
                return _DROP
            # A byline or credit line does not end like a sentence, unless it is "Key: Name."
            if (line[-1] not in _SENTENCE_LIKE_END or ":" in line) and _meta_line(line, p, lineno, first):
                return _DROP
    if plain:
        if n <= 300 and _names_chat_app(line) and _FOLLOW_ANY_RE.search(line):
            _offer_mentions(line, p, 4)
            return _DROP
        return _TEXT
    if first in _BACA_FIRST and _BACA_RE.match(line):
        return _RELATED if line[-1] == ":" else _DROP  # "Simak berita lainnya ..., di sini:" lists links
    if first in _SYND_FIRST and _SYNDICATION_RE.match(line):
        return _DROP
    if n <= 400:
        if first in _FOLLOW_FIRST and _FOLLOW_START_RE.match(line):
            if _names_platform(line):
                _offer_mentions(line, p, 4)
                return _DROP
            if nxt is not None and n <= 200 and line[-1] not in ".!?" and len(nxt) <= 120 and _names_platform(nxt):
                _offer_mentions(nxt, p, 4)
                return _DROP_NEXT
        elif n <= 300:
            if _names_chat_app(line) and _FOLLOW_ANY_RE.search(line):
                _offer_mentions(line, p, 4)
                return _DROP
        if _caption(line, p, lineno):
            return _DROP
    return _TEXT


_MENTION_RE = re.compile(r"[\w-]+(?:\.[\w-]+)*\.(?:com|id|co\.id|net|co|tv)\b", re.IGNORECASE)


def _offer_mentions(line: str, p: _Parsed, priority: int) -> None:
    """An outlet named by domain inside a follow call (``... Google News Metrotvnews.com``)."""
    om = _mentioned_outlet(line, p.table)
    if om is not None:
        p.offer_outlet(priority, om)


@lru_cache(maxsize=4096)
def _mentioned_outlet(line: str, table: OutletTable) -> OutletMatch | None:
    """The first outlet ``line`` names: a domain, else a known name. Memoised per outlet table:
    each outlet's follow calls are the same few lines."""
    for m in _MENTION_RE.finditer(line):
        om = table.lookup(m.group(0))
        if om is not None:
            return om
    words = line.split()
    for k, w in enumerate(words):  # "Follow Berita Okezone di Google News"
        om = table.known(w) or (k + 1 < len(words) and table.known(w + " " + words[k + 1])) or None
        if om is not None:
            return om
    return None


# --------------------------------------------------------------------------- dateline


@dataclass(frozen=True)
class Dateline:
    """A dateline split off a paragraph: the city as written, the outlet it names, the rest."""

    city: str | None
    outlet: OutletMatch | None
    rest: str


def _city(token: str, *, strict: bool) -> str | None:
    token = token.strip()
    if len(token) > 40 or not _CITY_RE.match(token):
        return None
    words = token.split()
    if words[0].lower().strip(".") in _NOT_CITY:
        return None
    if strict and not (token.isupper() or len(words) <= 2):
        return None
    return token


def _loose_outlet(token: str) -> OutletMatch | None:
    """An outlet name in a dateline that the table does not know (``CNBC Indonesia``)."""
    token = token.strip()
    words = token.split()
    if not 1 <= len(words) <= 3 or len(token) > 40 or _DIGIT_RE.search(token):
        return None
    if words[0].lower() in _NOT_CITY or not all(w[0].isupper() for w in words):
        return None
    return OutletMatch(token, None, None, False)


def split_dateline(line: str, table: OutletTable | None = None) -> Dateline | None:
    """Split a dateline off the start of a body paragraph: ``REPUBLIKA.CO.ID, SEOUL --``,
    ``SEOUL, KOMPAS.com —``, ``Washington (ANTARA News) -``, ``Finnews.id –``, ``Pyongyang:``,
    ``JAKARTA -``, ``KONTAN.CO.ID - JAKARTA.``. None when the paragraph has no dateline."""
    found = _split_dateline(line, table or load_outlets())
    return None if found is None else Dateline(*found)


def _split_dateline(line: str, table: OutletTable) -> tuple[str | None, OutletMatch | None, str] | None:
    """``split_dateline`` as a plain (city, outlet, rest) tuple: the parser tries it on every
    article, and a frozen dataclass costs ~1 us to build."""
    head = line[:120]
    # _DATELINE_RE needs ":", "–", "—" or white space then "-" (white space other than " " is
    # non-printable); "Jong-un" alone does not make the regex worth trying.
    if ":" not in head and "–" not in head and "—" not in head and ("-" not in head or (" -" not in head and head.isprintable())):
        return None
    m = _DATELINE_RE.match(head)
    if m is None:
        return None
    pre = m.group("pre").strip()
    rest = line[m.end() :].lstrip(" -–—:")
    head_hit = _dateline_head(pre, table)
    if head_hit is None:
        return None
    city, outlet, brand_only = head_hit
    if brand_only:  # "KONTAN.CO.ID - JAKARTA. ...": the city may follow the separator
        km = _KONTAN_CITY_RE.match(rest)
        if km and _city(km.group("city"), strict=True):
            city = km.group("city")
            rest = rest[km.end() :]
    if rest and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in _QUOTE_OPEN):
        return None  # "Jakarta: ini ..." would be a sentence, not a dateline
    return city, outlet, rest


# The same few dateline heads ("REPUBLIKA.CO.ID, SEOUL") open many articles: what a head names
# is memoised per table (OutletTable hashes by identity; OutletMatch is frozen, so sharing one
# is safe).
@lru_cache(maxsize=8192)
def _dateline_head(pre: str, table: OutletTable) -> tuple[str | None, OutletMatch | None, bool] | None:
    """(city, outlet, outlet alone) named by the text before a dateline separator, or None
    when it is not a dateline head. "Outlet alone" heads may have the city after the separator."""
    pm = _PAREN_FORM_RE.match(pre)
    if pm:
        city = _city(pm.group("city"), strict=False)
        outlet = table.lookup(pm.group("outlet")) or _loose_outlet(pm.group("outlet"))
        return None if city is None or outlet is None else (city, outlet, False)
    if "," in pre:
        a, _, b = pre.partition(",")
        if "," in b:
            return None
        oa, ob = table.lookup(a), table.lookup(b)
        if oa is not None and _city(b, strict=False):
            return b.strip(), oa, False
        if ob is not None and _city(a, strict=False):
            return a.strip(), ob, False
        if _city(a, strict=False) and (lo := _loose_outlet(b)) is not None:
            return a.strip(), lo, False
        return None
    outlet = table.lookup(pre)
    if outlet is None and " " in pre:
        # "VIVA Nasional –", "detikNews Internasional -": outlet brand plus a section name
        brand, _, section = pre.partition(" ")
        if section[:1].isupper() and section.count(" ") <= 1:
            outlet = table.known(brand)
    if outlet is not None:
        return None, outlet, True
    city = _city(pre, strict=True)
    return None if city is None else (city, None, False)


# --------------------------------------------------------------------------- main


def _guess_lang(text: str) -> str:
    """"en" for an English body, else "id" (function-word counts on the first 600 characters).

    The counts run on the lower-cased UTF-8 bytes: the words are ASCII and no non-ASCII
    character lower-cases to ASCII except the Kelvin sign (then ``str.lower`` is used), so
    the counts are those of ``str.lower`` at a fraction of the cost. Only the English words
    that occur as a token are counted (one split instead of eleven scans): a word with no
    white space on both sides cannot be counted anyway, and Indonesian text has few or none."""
    head = text[:600]
    if "\u212a" in head:
        sample = " " + head.lower() + " "
        en_words, id_words = _EN_WORDS, _ID_WORDS
    else:
        sample = b" " + head.encode("utf-8", "surrogatepass").lower() + b" "
        en_words, id_words = _EN_WORD_BYTES, _ID_WORD_BYTES
    present = _EN_TOKENS.intersection(sample.split())
    en = sum(sample.count(w) for w in en_words if w[1:-1] in present) if present else 0
    if en < 5:
        return "id"
    return "en" if en > 2 * sum(map(sample.count, id_words)) else "id"


def _block_kind(line: str, is_last: bool) -> BlockKind:
    if not is_last and line[-1] not in _TERMINAL and _heading_shaped(line):  # (a sentence end rules it out)
        return "heading"
    c0 = line[0]
    if (c0 in "-•*▪►‣·–" or c0.isdigit() or (c0.islower() and line[1:2] in ".)")) and _LIST_RE.match(line):
        return "list_item"
    if len(line) > 1 and line[0] in _QUOTE_OPEN and line[-1] in _QUOTE_CLOSE:
        return "quote"
    return "paragraph"


def _cut_inline_baca(line: str) -> str:
    """``line`` without a "... kata dia. Baca juga: Judul Lain" glued to its end."""
    low = line.lower()
    if "baca juga" in low or "lihat juga" in low or "simak juga" in low:
        m = _INLINE_BACA_RE.search(line)
        if m is not None:
            return line[: m.start()].rstrip()
    return line


def _text_and_blocks(kept: list[tuple[int, str]]) -> tuple[str, list[dict]]:
    """The body text and its blocks as dicts (``article.blocks_for`` for ``Article.model_validate``)
    from the kept (line number, paragraph) pairs, each without a glued "Baca juga: ..." end.

    Most paragraphs end like a sentence and start upper case, or with an opening quote mark
    but do not end with a closing one (``“Kami siap,” kata Budi.``): then they are neither a
    heading nor a list item nor a quote, and ``_block_kind`` is not needed."""
    blocks: list[dict] = []
    paragraphs: list[str] = []
    pos = 0
    sep = len(PARAGRAPH_SEPARATOR)
    last = len(kept) - 1
    for k, (_, para) in enumerate(kept):
        if ":" in para and (" juga" in para or " JUGA" in para or " Juga" in para):
            para = _cut_inline_baca(para)
        paragraphs.append(para)
        end = pos + len(para)
        c0, cl = para[0], para[-1]
        if cl in _TERMINAL and (c0.isupper() or (c0 in _QUOTE_OPEN and cl not in _QUOTE_CLOSE)):
            kind = "paragraph"
        else:
            kind = _block_kind(para, k == last)
        blocks.append({"kind": kind, "start": pos, "end": end})
        pos = end + sep
    return PARAGRAPH_SEPARATOR.join(paragraphs), blocks


def parse_article(
    text: str, *, article_id: str, path: str, sha256: str, outlets: OutletTable | None = None
) -> Article:
    """Decoded raw text in, validated ``Article`` out; raises ParseError with a reason.

    ``outlets`` defaults to the bundled table (``corpus_tools/data/outlets.yaml``).
    """
    table = outlets or load_outlets()
    if not text or text.isspace():
        raise ParseError("empty text: the file holds no characters other than white space")
    data = text.encode("utf-8", "surrogatepass")  # for normalisation too
    if b"\x00" in data:  # a memchr, where "\x00" in a two-byte-wide str is a plain loop
        raise ParseError("text holds NUL characters: this is binary data, not copied article text")
    if text.find("<", 0, 4096) >= 0 and len(_HTML_RE.findall(text, 0, 4096)) >= 2:
        raise ParseError("text looks like HTML markup: save the page as plain text (or extract its text) and ingest that")
    lines = _normalize(text, data)
    if not lines:
        raise ParseError("empty text: nothing left after removing white space and invisible characters")

    p = _Parsed(table=table)
    kept: list[tuple[int, str]] = []  # (line number, text)
    related = 0
    n = len(lines)
    skip = 0  # lines up to here were taken by the line before (a follow call's link, a key's value)
    for i, line in enumerate(lines):
        if i < skip:
            continue
        if _plain_body(line):  # most lines: kept as body, nothing recorded
            if related:
                if _heading_shaped(line, title=True):  # a headline link after "Baca juga:"/"Berita Terkait"
                    related -= 1
                    continue
                related = 0
            kept.append((i, line))
            p.body_started = True  # it ends like a sentence
            continue
        kind = _classify(line, lines[i + 1] if i + 1 < n else None, p, i)
        if related and kind == _TEXT:
            if _heading_shaped(line, title=True):
                related -= 1
                continue
            related = 0
        if kind == _TEXT:
            kept.append((i, line))
            if not p.body_started and (len(line) > 120 or line[-1] in ".!?\"”"):
                p.body_started = True
        elif kind == _DROP_NEXT:
            skip = i + 2
        elif kind == _RELATED1:
            related = 3  # "Baca juga:" alone: up to three headline links follow
        elif kind == _RELATED:
            related = 50
        elif kind == _KEY_NEXT and i + 1 < n:
            value = lines[i + 1]
            om = table.lookup(value)
            names = None if om is not None or len(value) > 80 else _names(value, strict=True)
            if om is not None or names is not None:
                p.offer_outlet(2, om)
                for name in names or ():
                    p.credit(name, _ROLE_OF[line.lower().strip(" :.-–—|•»›>*#")])
                p.meta_lines.append(i)
                skip = i + 2

    # The body anchor: the first kept line that has a dateline or reads like a sentence.
    # Heading-shaped lines before it are the page header (title, kicker) when the page shows
    # header signs: a dateline, a byline or caption before the body, or a repeated title.
    # A strong dateline (naming an outlet, or an upper-case city) may also follow a sentence-like
    # sub-title: then everything before it is header too.
    title: str | None = None
    dateline: tuple[str | None, OutletMatch | None, str] | None = None  # (city, outlet, rest)
    anchor = -1
    for j, (_, line) in enumerate(kept[:8]):
        dl = _split_dateline(line, table)
        if dl is not None and (anchor < 0 or dl[1] is not None or (dl[0] or "").isupper()):
            dateline = dl
            anchor = j
            break
        if anchor < 0 and not _heading_shaped(line, title=True):
            anchor = j
        if anchor >= 0 and j - anchor >= 1:
            break
    if anchor < 0:
        anchor = 0
    header = kept[:anchor]
    if header:
        first_body_line = kept[anchor][0] if anchor < len(kept) else n
        seen: dict[str, int] = {}
        repeated = None
        for _, h in header:
            seen[h] = seen.get(h, 0) + 1
            if seen[h] == 2 and repeated is None:
                repeated = h
        signals = dateline is not None or repeated is not None or any(ln < first_body_line for ln in p.meta_lines)
        if signals:
            # "Caption text" then "Foto: Credit" on its own line: the caption, not the title or a lead
            orphans = {ln - 1: cap for ln, cap in p.orphan_captions}
            for ln, h in header:
                if ln in orphans:
                    orphans[ln]["text"] = h
            header = [kl for kl in header if kl[0] not in orphans]
            heads = [h for _, h in header if _heading_shaped(h, title=True)]
            if repeated is not None:
                title = repeated
            elif heads:
                # Menu items and kickers ("Internasional") come before the title and are one or
                # two words; a sub-title comes after it.
                title = next((h for h in heads if h.count(" ") >= 2), None) or max(heads, key=len)
            # Heading-shaped header lines are page furniture; a sentence before the dateline
            # (a lead or sub-title) stays in the body: a sentence is never lost.
            leads = [kl for kl in header if not _heading_shaped(kl[1], title=True)]
            kept = leads + kept[anchor:]
            anchor = len(leads)
    if dateline is not None:
        if dateline[1] is not None:
            p.offer_outlet(0, dateline[1])
        if dateline[2]:
            kept[anchor] = (kept[anchor][0], dateline[2])
        else:
            del kept[anchor]
    if title is None and kept:
        # A repeated title right at the top, even with no other header sign (seed 004 style).
        tops = [h for _, h in kept[:6] if _heading_shaped(h, title=True)]
        dup = next((h for k, h in enumerate(tops) if h in tops[k + 1 :]), None) if len(tops) > 1 else None
        if dup is not None:
            title = dup
            kept = [kl for k, kl in enumerate(kept) if not (k < 6 and kl[1] == dup)]

    if kept:
        last_no, last = kept[-1]
        for _ in range(2):
            m = _TAIL_INITIALS_RE.search(last, max(0, len(last) - 80)) if last.endswith((")", "]")) else None
            if m and m.start() > 0:
                for t in m.group("inner").split("/"):
                    if t.strip().lower() not in _PAREN_MARKERS:
                        p.credit(t.strip(), "initials")
                last = last[: m.start()].rstrip()
                continue
            m = _TAIL_OUTLET_NAME_RE.search(last, max(0, len(last) - 90)) if last.endswith(")") else None
            if m and m.start() > 0 and p.table.lookup(m.group("outlet")):
                p.offer_outlet(3, p.table.lookup(m.group("outlet")))
                p.credit(m.group("name"), "writer")
                last = last[: m.start()].rstrip()
                continue
            break
        if last:
            kept[-1] = (last_no, last)
        else:  # (every other kept line is non-empty)
            kept.pop()
    if not kept:
        raise ParseError("no body text left after removing boilerplate (datelines, bylines, captions, links)")

    body, blocks = _text_and_blocks(kept)

    match = p.outlet[1] if p.outlet else None
    published_at = None
    hit = p.published  # an "updated" date alone is not the publication date
    if hit is not None:
        published_at = hit.when.replace(tzinfo=hit.zone or table.tz(match.zone if match else None))
    # One validation call over plain data (every field and nested model is still validated).
    return Article.model_validate(
        {
            "id": article_id,
            "source": {"outlet": match.name if match else "unknown", "domain": match.domain if match else None},
            "title": title,
            "dateline": dateline[0] if dateline else None,
            "published_at": published_at,
            "credits": p.credits,
            "lang": _guess_lang(body),
            "text": body,
            "blocks": blocks,
            "captions": p.captions,
            "provenance": {"path": path, "sha256": sha256, "parser_version": PARSER_VERSION},
        }
    )
