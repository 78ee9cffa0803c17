"""Raw input bytes -> text, or a clear reason why the bytes are not a text article.

Ingest reads untrusted files copied from web pages, so every way a file can be unusable gets
its own reason (kept in the rejects file) instead of a crash or a garbled article:

- empty file, or only white space (including no-break and zero-width spaces);
- binary data: a NUL byte (outside UTF-16) or more than 10% control bytes; a known magic
  number (PDF, PNG, ZIP, ...) is named in the reason;
- not UTF-8. **Policy: clear error by default.** Guessing cp1252 vs latin-1 vs another 8-bit
  code page silently corrupts quotes and dashes, so a non-UTF-8 file is rejected with the
  offending byte, its line and column, and the fix (``iconv -f cp1252 -t utf-8``). The
  documented fallback is opt-in: ``fallback_encoding="cp1252"`` (CLI ``--fallback-encoding``)
  decodes such files with that code page instead; the choice applies to every non-UTF-8 file;
- HTML where text was expected (``<!DOCTYPE html>``, ``<html>``, or markup-dense text): the
  parser works on text copied from the page, not on page source.

A UTF-8 BOM is removed; UTF-16 with a BOM is decoded. Everything else (CRLF, no-break and
zero-width spaces, combining characters, emoji) is passed through to the parser, which owns
text normalisation.
"""

from __future__ import annotations

import base64
import re

#: Share of control bytes (other than tab, LF, FF, CR, ESC) above which a file counts as binary.
MAX_CONTROL_RATIO = 0.10
#: Bytes inspected for the binary/HTML checks; enough to decide, cheap on a 50 MB file.
SNIFF_BYTES = 65536

_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
_MAGIC = (
    (b"%PDF", "a PDF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an MS Office document"),
    (b"\x7fELF", "an executable"),
)
_MAGIC_PREFIXES = tuple(magic for magic, _ in _MAGIC)
#: White space plus zero-width characters: a text made only of these has no article in it.
_BLANK = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
_HTML_START = re.compile(r"\A\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I | re.S)
#: The first character that is not blank (a search stops there: no copy of the text as strip makes).
_NOT_BLANK = re.compile("[^" + re.escape(_BLANK) + "]")
_TAG = re.compile(r"</?(p|div|span|a|br|script|style|meta|link|img|li|ul|table|td|tr|h[1-6]|article|section|header|footer|nav)\b[^>]*>", re.I)


class DecodeError(ValueError):
    """The bytes are not usable article text; ``str(err)`` is the reason for the rejects file and
    ``raw`` (optional) what to keep of the input when the caller should not keep all of it."""

    def __init__(self, reason: str, raw: str | None = None):
        super().__init__(reason)
        self.raw = raw


def preview(raw: bytes, limit: int = 4096) -> str:
    """The raw bytes as text for the rejects file: decoded when it is text, else base64 of the head."""
    head = raw[:limit]
    if b"\x00" in head or _control_ratio(head) > MAX_CONTROL_RATIO:
        return "base64:" + base64.b64encode(head[:256]).decode("ascii")
    text = head.decode("utf-8", errors="backslashreplace")
    return text + (f"\n[... truncated: {len(raw):,} bytes in all]" if len(raw) > limit else "")


def _control_ratio(data: bytes) -> float:
    if not data:
        return 0.0
    return len(data.translate(None, _NOT_CONTROL)) / len(data)


def _where(raw: bytes, pos: int) -> str:
    line = raw.count(b"\n", 0, pos) + 1
    col = pos - (raw.rfind(b"\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def decode(raw: bytes, *, fallback_encoding: str | None = None) -> str:
    """Decode one raw input; raise DecodeError with a reason a person can act on."""
    if not raw:
        raise DecodeError("empty file (0 bytes); remove it or fill it with the article text")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as e:
            raise DecodeError(f"starts with a UTF-16 byte-order mark but is not valid UTF-16 ({e.reason}); re-save it as UTF-8") from None
        return _check_text(text.lstrip("\ufeff"))
    head = raw[:SNIFF_BYTES]
    if head.startswith(_MAGIC_PREFIXES):
        what = next(what for magic, what in _MAGIC if head.startswith(magic))
        raise DecodeError(f"binary file: looks like {what}, not article text; export the article as plain UTF-8 text")
    if b"\x00" in head:
        nul = head.index(b"\x00")
        raise DecodeError(
            f"binary file: NUL byte at offset {nul}; not plain text "
            "(if it is UTF-16 without a byte-order mark, re-save it as UTF-8)"
        )
    ratio = _control_ratio(head)
    if ratio > MAX_CONTROL_RATIO:
        raise DecodeError(f"binary file: {ratio:.0%} of the first {len(head):,} bytes are control characters; not plain text")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    fallback_used = False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fallback_used = True
        if fallback_encoding:
            try:
                text = raw.decode(fallback_encoding)
            except (UnicodeDecodeError, LookupError) as e2:
                raise DecodeError(f"not UTF-8 and not {fallback_encoding} either ({e2}); convert the file to UTF-8") from None
        else:
            bad = raw[e.start : e.start + 1].hex()
            context = raw[max(0, e.start - 20) : e.start + 10].decode("utf-8", errors="backslashreplace")
            raise DecodeError(
                f"not valid UTF-8: byte 0x{bad} at {_where(raw, e.start)} (near {context!r}); "
                "it is probably cp1252/latin-1: convert it with `iconv -f cp1252 -t utf-8` "
                "or rerun with --fallback-encoding cp1252"
            ) from None
    # UTF-8 text holds a NUL character exactly where the bytes hold a NUL byte: the head is
    # already checked, so only a longer input needs a (fast, bytes) search
    return _check_text(text, has_nul=None if fallback_used else (len(raw) > SNIFF_BYTES - 3 and b"\x00" in raw))


def _check_text(text: str, has_nul: bool | None = None) -> str:
    """``has_nul``: whether the text holds a NUL character, when the caller already knows."""
    if has_nul or (has_nul is None and "\x00" in text):
        raise DecodeError("binary file: the decoded text holds NUL characters")
    if not _NOT_BLANK.search(text):
        raise DecodeError("only white space (spaces, line breaks, no-break or zero-width spaces); no article text")
    head = text[:SNIFF_BYTES]
    # both HTML tests need a "<": one character search first spares the tag scan of every text
    if "<" in head and (_HTML_START.match(head) or len(_TAG.findall(head[:8192])) >= 10):
        raise DecodeError(
            "looks like HTML page source, not article text; copy the article's text from the "
            "page (or save the page as text) and ingest the .txt"
        )
    return text
