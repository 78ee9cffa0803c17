"""Parse one raw article text into an ``Article`` (placeholder until the real parser lands)."""

from __future__ import annotations

import re
import unicodedata

from .article import Article, Provenance, Source, blocks_for

PARSER_VERSION = "0"


class ParseError(ValueError):
    """The text is not a news article the parser can use; the message says why."""


def parse_article(text: str, *, article_id: str, path: str, sha256: str) -> Article:
    """Decoded raw text in, validated ``Article`` out; raises ParseError with a reason."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\u00a0", " ")
    paras = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n", text)]
    paras = [p for p in paras if p]
    if not paras:
        raise ParseError("no body text")
    body, blocks = blocks_for([("paragraph", p) for p in paras])
    return Article(
        id=article_id,
        source=Source(outlet="unknown"),
        text=body,
        blocks=blocks,
        provenance=Provenance(path=path, sha256=sha256, parser_version=PARSER_VERSION),
    )
