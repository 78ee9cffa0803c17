"""Build ``corpus/annotations/gold.jsonl`` from a readable source, against the real article text.

Why a source file: offsets typed by hand break on the smallest parser change and cannot be
reviewed. The source (``corpus/annotations/gold_source.txt``) lists each article's mentions in
text order as ``surface | LABEL``; this module finds each one in ``Article.text`` (searching
forward from the previous mention, on word boundaries), computes the offsets, and fails loudly,
naming the source line, when a mention is not found. Re-running after a parser change is one
command::

    python -m corpus_tools.gold_source            # writes corpus/annotations/gold.jsonl
    python -m corpus_tools.gold_source --check    # exit 1 if gold.jsonl is out of date

Source format (``#`` starts a comment)::

    == article 000_91ea452fd5ee7168
    categories: weapons_production, diplomacy
    -- spans
    Korea Utara | GPE
    misil* | WEAPON               # '*': the mention may continue into the word (misil-nya)
    rudal | WEAPON | in: produksi rudal nasional   # pin the mention to the text around it
    -- skip
    pabrik | Pabrik-pabrik harus | general statement, no specific facility
    -- relations
    leader_of | Kim Jong-un | Korea Utara
    produces | pabrik@2 | rudal taktis  # '@n': the n-th annotated span with that text

``skip`` lines declare occurrences of an annotated surface form that are deliberately left
unannotated (surface | a unique context string containing it | reason). ``completeness``
checks that every other occurrence of every annotated surface form (case-insensitive, on word
boundaries) is covered by a span, so no later mention is forgotten.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .annotation import Annotation, DocCategory, Relation, Span, text_sha256
from .article import Article
from .decode import decode
from .labels import LabelScheme, load_scheme
from .parse import parse_article
from .records import write_jsonl

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PATH = ROOT / "corpus" / "annotations" / "gold_source.txt"
GOLD_PATH = ROOT / "corpus" / "annotations" / "gold.jsonl"
RAW_DIR = ROOT / "corpus" / "raw"
GOLD_ANNOTATOR = "gold"
#: Fixed so that regenerating gives byte-identical output.
GOLD_UPDATED_AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


class GoldSourceError(ValueError):
    """The source does not fit the article text; the message names the source line."""


@dataclass
class MentionLine:
    line: int
    surface: str
    label: str
    open_end: bool = False
    context: str | None = None


@dataclass
class SkipLine:
    line: int
    surface: str
    context: str
    reason: str


@dataclass
class RelationLine:
    line: int
    label: str
    head: str
    tail: str


@dataclass
class ArticleSource:
    article_id: str
    line: int
    categories: list[str] = field(default_factory=list)
    mentions: list[MentionLine] = field(default_factory=list)
    skips: list[SkipLine] = field(default_factory=list)
    relations: list[RelationLine] = field(default_factory=list)


def parse_source(text: str, path: str | Path = SOURCE_PATH) -> list[ArticleSource]:
    """Parse the source format (see the module docstring); errors name ``path:line``."""
    out: list[ArticleSource] = []
    cur: ArticleSource | None = None
    section = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        where = f"{path}:{lineno}"
        if line.startswith("== article "):
            cur = ArticleSource(article_id=line[len("== article "):].strip(), line=lineno)
            out.append(cur)
            section = None
            continue
        if cur is None:
            raise GoldSourceError(f"{where}: text before the first '== article ID' line")
        if line.startswith("categories:"):
            cur.categories = [c.strip() for c in line[len("categories:"):].split(",") if c.strip()]
            continue
        if line.startswith("-- "):
            section = line[3:].strip()
            if section not in ("spans", "skip", "relations"):
                raise GoldSourceError(f"{where}: unknown section {section!r}; use spans, skip or relations")
            continue
        parts = [p.strip() for p in line.split("|")]
        if section == "spans":
            if len(parts) not in (2, 3) or not all(parts):
                raise GoldSourceError(f"{where}: expected 'surface | LABEL' or 'surface | LABEL | in: context', got {raw.strip()!r}")
            context = None
            if len(parts) == 3:
                if not parts[2].startswith("in:") or parts[0].rstrip("*") not in parts[2][3:]:
                    raise GoldSourceError(f"{where}: third field must be 'in: <text around the mention>' containing it")
                context = parts[2][3:].strip()
            surface, open_end = parts[0], parts[0].endswith("*")
            cur.mentions.append(MentionLine(lineno, surface.rstrip("*") if open_end else surface, parts[1], open_end, context))
        elif section == "skip":
            if len(parts) != 3 or not all(parts):
                raise GoldSourceError(f"{where}: expected 'surface | context | reason', got {raw.strip()!r}")
            cur.skips.append(SkipLine(lineno, *parts))
        elif section == "relations":
            if len(parts) != 3 or not all(parts):
                raise GoldSourceError(f"{where}: expected 'label | head | tail', got {raw.strip()!r}")
            cur.relations.append(RelationLine(lineno, *parts))
        else:
            raise GoldSourceError(f"{where}: line outside a '-- spans/skip/relations' section")
    ids = [a.article_id for a in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise GoldSourceError(f"{path}: article(s) listed twice: {', '.join(dupes)}")
    return out


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _bounded(text: str, start: int, end: int, open_end: bool = False) -> bool:
    left_ok = start == 0 or not _is_word(text[start - 1]) or not _is_word(text[start])
    right_ok = open_end or end == len(text) or not _is_word(text[end]) or not _is_word(text[end - 1])
    return left_ok and right_ok


def find_forward(text: str, surface: str, pos: int, open_end: bool = False) -> int:
    """First word-bounded occurrence of ``surface`` at or after ``pos``; -1 if none."""
    i = text.find(surface, pos)
    while i != -1:
        if _bounded(text, i, i + len(surface), open_end):
            return i
        i = text.find(surface, i + 1)
    return -1


def build_annotation(src: ArticleSource, article: Article, scheme: LabelScheme, path: str | Path = SOURCE_PATH) -> Annotation:
    """Locate every mention and relation end in ``article.text``; the validated gold record."""
    text = article.text
    spans: list[Span] = []
    pos = 0
    for m in src.mentions:
        if m.context is not None:
            c = text.find(m.context, pos)
            if c == -1:
                raise GoldSourceError(f"{path}:{m.line}: {src.article_id}: context {m.context!r} not found after offset {pos}")
            i = find_forward(text, m.surface, c, m.open_end)
            if i == -1 or i + len(m.surface) > c + len(m.context):
                raise GoldSourceError(f"{path}:{m.line}: {src.article_id}: {m.surface!r} is not a word in context {m.context!r}")
        else:
            i = find_forward(text, m.surface, pos, m.open_end)
        if i == -1:
            earlier = find_forward(text, m.surface, 0, m.open_end)
            hint = (f"; it occurs earlier at {earlier}: mentions must be listed in text order"
                    if earlier != -1 else "; it is not in the text at all (parser change or typo?)")
            raise GoldSourceError(f"{path}:{m.line}: {src.article_id}: mention {m.surface!r} ({m.label}) not found after offset {pos}{hint}")
        spans.append(Span(id=f"T{len(spans) + 1}", start=i, end=i + len(m.surface), label=m.label, text=m.surface))
        pos = i + len(m.surface)

    by_text: dict[str, list[Span]] = {}
    for s in spans:
        by_text.setdefault(s.text, []).append(s)

    def resolve(ref: str, line: int) -> Span:
        surface, _, n = ref.rpartition("@") if re.search(r"@\d+$", ref) else (ref, "", "")
        found = by_text.get(surface, [])
        if not found:
            raise GoldSourceError(f"{path}:{line}: {src.article_id}: relation end {surface!r} is not an annotated span")
        if not n:
            if len(found) > 1:
                raise GoldSourceError(f"{path}:{line}: {src.article_id}: {surface!r} is annotated {len(found)} times; say which with {surface}@N")
            return found[0]
        k = int(n)
        if not 1 <= k <= len(found):
            raise GoldSourceError(f"{path}:{line}: {src.article_id}: {ref!r}: only {len(found)} annotated span(s) read {surface!r}")
        return found[k - 1]

    relations = []
    for r in src.relations:
        head, tail = resolve(r.head, r.line), resolve(r.tail, r.line)
        relations.append(Relation(id=f"R{len(relations) + 1}", head=head.id, tail=tail.id, label=r.label))
    record = dict(
        article_id=article.id, annotator=GOLD_ANNOTATOR, spans=[s.model_dump() for s in spans],
        relations=[r.model_dump() for r in relations], categories=[DocCategory(label=c).model_dump() for c in src.categories],
        confirmed=True, updated_at=GOLD_UPDATED_AT, text_sha256=text_sha256(text),
    )
    try:
        return Annotation.model_validate(record, context={"article": article, "scheme": scheme})
    except ValueError as e:
        raise GoldSourceError(f"{path}:{src.line}: {src.article_id}: the built record is invalid: {e}") from None


def completeness(src: ArticleSource, ann: Annotation, article: Article, path: str | Path = SOURCE_PATH) -> list[str]:
    """Occurrences of annotated surface forms that no span covers and no skip line explains."""
    text = article.text
    low = text.lower()
    problems = []
    exempt: list[tuple[str, int, int]] = []
    for sk in src.skips:
        starts = [m.start() for m in re.finditer(re.escape(sk.context), text)]
        if len(starts) != 1:
            problems.append(f"{path}:{sk.line}: {src.article_id}: skip context {sk.context!r} occurs {len(starts)} times; it must occur once")
            continue
        off = sk.context.lower().find(sk.surface.lower())
        if off == -1:
            problems.append(f"{path}:{sk.line}: {src.article_id}: skip context {sk.context!r} does not contain {sk.surface!r}")
            continue
        a, b = starts[0] + off, starts[0] + off + len(sk.surface)
        exempt.append((sk.surface.lower(), a, b))
        hit = [s for s in ann.spans if s.start < b and a < s.end]
        if hit:
            problems.append(f"{path}:{sk.line}: {src.article_id}: skipped {sk.surface!r} in {sk.context!r} is annotated as "
                            f"{hit[0].label} {hit[0].text!r} [{hit[0].start}, {hit[0].end}); pin the intended mention with 'in: <context>'")
    covered = [(s.start, s.end) for s in ann.spans]
    for surface in sorted({s.text for s in ann.spans}):
        needle = surface.lower()
        i = low.find(needle)
        while i != -1:
            j = i + len(needle)
            if _bounded(text, i, j) and not any(a <= i and j <= b for a, b in covered) \
                    and not any(sf == needle and a <= i and j <= b for sf, a, b in exempt):
                ctx = text[max(0, i - 30): j + 30].replace("\n", " ")
                problems.append(f"{src.article_id}: {surface!r} at {i} is not annotated and not skipped: ...{ctx}...")
            i = low.find(needle, i + 1)
    return problems


def seed_articles(raw_dir: str | Path = RAW_DIR) -> dict[str, Article]:
    """Parse ``corpus/raw/*.txt`` with the project's decoder and parser (ids = file stems)."""
    raw_dir = Path(raw_dir)
    out = {}
    for p in sorted(raw_dir.glob("*.txt")):
        raw = p.read_bytes()
        out[p.stem] = parse_article(decode(raw), article_id=p.stem, path=p.name,
                                    sha256=hashlib.sha256(raw).hexdigest())
    return out


def build_gold(
    source_path: str | Path = SOURCE_PATH,
    articles: dict[str, Article] | None = None,
    scheme: LabelScheme | None = None,
) -> tuple[list[Annotation], list[str]]:
    """All gold records (by article id) and the completeness problems; raises GoldSourceError."""
    source_path = Path(source_path)
    sources = parse_source(source_path.read_text(encoding="utf-8"), source_path)
    articles = seed_articles() if articles is None else articles
    scheme = scheme or load_scheme()
    missing = sorted(set(articles) - {s.article_id for s in sources})
    unknown = sorted({s.article_id for s in sources} - set(articles))
    if unknown:
        raise GoldSourceError(f"{source_path}: annotations for unknown article(s): {', '.join(unknown)}")
    records, problems = [], []
    for src in sorted(sources, key=lambda s: s.article_id):
        ann = build_annotation(src, articles[src.article_id], scheme, source_path)
        records.append(ann)
        problems += completeness(src, ann, articles[src.article_id], source_path)
    problems += [f"article {a} has no gold annotation in {source_path}" for a in missing]
    return records, problems


def render(records: list[Annotation]) -> str:
    return "".join(r.model_dump_json() + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build corpus/annotations/gold.jsonl from gold_source.txt. "
                                 "Example: python -m corpus_tools.gold_source --check")
    ap.add_argument("--source", default=str(SOURCE_PATH))
    ap.add_argument("--out", default=str(GOLD_PATH))
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if the output file is out of date")
    ap.add_argument("--show", metavar="ARTICLE_ID", help="print the spans and relations of one article for review")
    args = ap.parse_args(argv)
    try:
        records, problems = build_gold(args.source)
    except GoldSourceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for p in problems:
        print(f"incomplete: {p}", file=sys.stderr)
    if args.show:
        rec = next((r for r in records if r.article_id == args.show), None)
        if rec is None:
            print(f"error: no article {args.show!r}", file=sys.stderr)
            return 2
        by_id = {s.id: s for s in rec.spans}
        for s in rec.spans:
            print(f"{s.id:>5} {s.start:>5}-{s.end:<5} {s.label:<9} {s.text}")
        for r in rec.relations:
            h, t = by_id[r.head], by_id[r.tail]
            print(f"{r.id:>5} {r.label:<11} {h.text} ({h.id}) -> {t.text} ({t.id})")
        print("categories:", ", ".join(c.label for c in rec.categories))
    if problems:
        return 1
    out = Path(args.out)
    new = render(records)
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != new:
            print(f"{out} is out of date; run python -m corpus_tools.gold_source", file=sys.stderr)
            return 1
        print(f"{out} is up to date ({len(records)} articles)")
        return 0
    write_jsonl(out, records)
    print(f"wrote {len(records)} gold records to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
