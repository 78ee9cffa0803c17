"""``corpus-tools agreement`` and ``corpus-tools adjudicate``: thin layers over
:mod:`corpus_tools.agreement` and :mod:`corpus_tools.adjudicate`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ..adjudicate import ADJUDICATED, Disagreement, adjudicate
from ..agreement import POOLED, AgreementReport, F1Score, LoadedAnnotations, compute_agreement, load_annotation_dir, load_articles
from ..labels import LabelScheme, load_scheme
from ..records import Quarantine, RecordError, atomic_write, write_jsonl

from .console import console, err


class RuleChoice(str, Enum):
    majority = "majority"
    adjudicator = "adjudicator"


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _f1_row(name: str, s: F1Score) -> list[str]:
    return [name, str(s.matched), str(s.first), str(s.second), _fmt(s.f1), s.note or ""]


def _load(folder: Path, articles: Path | None, labels: Path | None, ignore: list[str], stage: str) -> tuple[LoadedAnnotations, LabelScheme]:
    """Read scheme, articles and the annotation folder; usage errors exit 2, bad files exit 1."""
    try:
        scheme = load_scheme(labels)
        with err.status(f"reading {articles or ''} {folder}"):
            arts = load_articles(articles) if articles else None
            loaded = load_annotation_dir(folder, articles=arts, scheme=scheme, stage=stage)
    except FileNotFoundError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from None
    except (RecordError, ValueError) as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(1) from None
    skip = set(ignore) | {ADJUDICATED}
    dropped = sorted({a.annotator for a in loaded.annotations if a.annotator in skip})
    if dropped:
        err.print(f"ignoring annotator(s): {', '.join(dropped)}")
        loaded.annotations = [a for a in loaded.annotations if a.annotator not in skip]
    for r in loaded.rejects:
        err.print(f"[yellow]rejected[/] {r.source}:{r.line}: {r.reason}")
    return loaded, scheme


def print_report(report: AgreementReport, out=console) -> None:
    """Rich tables of an agreement report."""
    out.print(f"annotators: {', '.join(report.annotators) or '(none)'}; articles: {report.articles_total}, "
              f"annotated by all: {report.articles_by_all}, compared: {report.articles_compared}")
    t = Table(title="Articles per annotator")
    t.add_column("annotator")
    t.add_column("articles", justify="right")
    for name, n in report.articles_per_annotator.items():
        t.add_row(name, str(n))
    out.print(t)
    for d in report.drift:
        out.print(f"[red]drift[/] {d.article_id}: annotators saw different texts "
                  + ", ".join(f"{n}={h[:12]}" for n, h in d.text_sha256.items()))
    if not report.measurable:
        out.print(f"[yellow]{report.note}[/]; every figure is n/a (see --json for the full report)")
        return
    t = Table(title="Span and relation F1 (pairwise, micro-averaged)")
    for c in ("measure", "matched", "first", "second", "F1", "note"):
        t.add_column(c, justify="right" if c in ("matched", "first", "second", "F1") else "left")
    t.add_row(*_f1_row("spans exact", report.spans_exact))
    t.add_row(*_f1_row("spans overlap", report.spans_overlap))
    for lab, v in report.spans_per_label.items():
        t.add_row(*_f1_row(f"  {lab} exact", v.exact))
        t.add_row(*_f1_row(f"  {lab} overlap", v.overlap))
    t.add_row(*_f1_row("relations", report.relations))
    for lab, v in report.relations_per_label.items():
        t.add_row(*_f1_row(f"  {lab}", v))
    out.print(t)
    two = len(report.annotators) == 2
    t = Table(title="Document categories (yes/no per article)")
    cols = ["category"] + (["Cohen κ"] if two else []) + ["Fleiss κ", "observed", "articles", "note"]
    for c in cols:
        t.add_column(c, no_wrap=c == "category", justify="left" if c in ("category", "note") else "right")
    for lab, v in [*report.categories.items(), ("(pooled)", report.categories_pooled)]:
        notes = "; ".join(sorted({n.split(":")[0] for n in ((v.cohen.note,) if two else ()) + (v.fleiss.note,) if n}))
        items = v.fleiss.items if lab != "(pooled)" else v.fleiss.items // max(1, len(report.categories))
        t.add_row(lab, *([_fmt(v.cohen.kappa)] if two else []), _fmt(v.fleiss.kappa), _fmt(v.fleiss.observed), str(items), notes)
    out.print(t)
    if len(report.pairs) > 1:
        t = Table(title="Pairs")
        for c in ("pair", "articles", "spans exact F1", "spans overlap F1", "relations F1", "categories κ (pooled)"):
            t.add_column(c)
        for p in report.pairs:
            t.add_row(f"{p.first} / {p.second}", str(p.articles), _fmt(p.spans_exact.f1), _fmt(p.spans_overlap.f1),
                      _fmt(p.relations.f1), _fmt(p.categories[POOLED].kappa))
        out.print(t)


def agreement_cmd(
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder with one <annotator>.jsonl per annotator (e.g. from `doccano pull`)."),
    articles: Path = typer.Option(None, "--articles", exists=True, dir_okay=False, help="corpus/articles.jsonl, to check every span against the article text."),
    labels: Path = typer.Option(None, "--labels", help="Label scheme (default: schema/labels.yaml)."),
    json_out: Path = typer.Option(None, "--json", help="Also write the report as JSON to this file (atomically)."),
    ignore: list[str] = typer.Option([], "--ignore", help="Annotator to leave out, e.g. gold (repeatable)."),
) -> None:
    """Inter-annotator agreement: span F1 (exact and overlap), relation F1, Cohen's/Fleiss' kappa for categories, per label.

    Pairwise between annotators on the articles both annotated, micro-averaged. With one annotator the figures are 'n/a' (not measurable), never 1.0. Invalid records are listed with file:line and left out (exit 1).

    Example: corpus-tools agreement corpus/annotations/ --articles corpus/articles.jsonl --json agreement.json
    """
    loaded, scheme = _load(folder, articles, labels, ignore, "agreement")
    with err.status(f"computing agreement over {len(loaded.annotations)} record(s)"):
        report = compute_agreement(loaded.annotations, category_labels=scheme.category_names)
    print_report(report)
    if json_out:
        with atomic_write(json_out) as fh:
            fh.write(report.model_dump_json(indent=2) + "\n")
        err.print(f"wrote {json_out}")
        with Quarantine(json_out) as q:
            for r in loaded.rejects:
                q.add(r)
    if loaded.rejects or report.drift:
        raise typer.Exit(1)


def _print_disagreements(dis: list[Disagreement], loaded: LoadedAnnotations) -> None:
    if not dis:
        console.print("no disagreements")
        return

    def who(aid: str, names: list[str]) -> str:
        return ", ".join(f"{n} ({Path(loaded.sources.get((aid, n), '?')).name})" for n in names) or "-"

    console.print(f"[bold]Disagreements ({len(dis)})[/]")
    for d in dis:
        decision = "kept" if d.kept else "dropped"
        style = "green" if d.kept else "red"
        console.print(
            f"{escape(d.article_id)}  {d.kind}  {escape(d.item)}  marked by: {escape(who(d.article_id, d.marked_by))}"
            f"  not by: {escape(who(d.article_id, d.not_marked_by))}  -> [{style}]{decision}[/]: {escape(d.reason)}",
            soft_wrap=True, highlight=False,
        )


def adjudicate_cmd(
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="Folder with one <annotator>.jsonl per annotator."),
    out: Path = typer.Option(..., "--out", help="Where to write the adjudicated records (JSONL, atomically)."),
    rule: RuleChoice = typer.Option(RuleChoice.majority, "--rule", help="majority, or adjudicator (needs --adjudicator)."),
    adjudicator: str = typer.Option(None, "--adjudicator", help="Annotator whose annotation wins on every article they annotated."),
    min_votes: int = typer.Option(None, "--min-votes", min=1, help="Keep an item marked by at least this many annotators instead of a strict majority (1 = union)."),
    articles: Path = typer.Option(None, "--articles", exists=True, dir_okay=False, help="corpus/articles.jsonl, to check every span against the article text."),
    labels: Path = typer.Option(None, "--labels", help="Label scheme (default: schema/labels.yaml)."),
    ignore: list[str] = typer.Option([], "--ignore", help="Annotator to leave out, e.g. gold (repeatable)."),
    disagreements_out: Path = typer.Option(None, "--disagreements", help="Also write the disagreements as JSONL here."),
) -> None:
    """Merge annotators into one set (annotator "adjudicated") and list every disagreement.

    Rule: items are compared by content (a span is its offsets + label). majority keeps an item that MORE THAN HALF of the article's annotators marked; a tie (e.g. 1 of 2) drops it and lists it. Relations need both end spans kept plus a majority; categories go by majority.

    --rule adjudicator --adjudicator NAME: NAME's annotation wins on every article NAME annotated; majority elsewhere.

    Overlaps the scheme forbids (only possible with --min-votes) keep the span with more votes, then the longer, then the earlier. Articles annotated on different texts (text_sha256 differs) are drift: not merged, exit 1. Records of annotator "adjudicated" in the folder are ignored.

    Example: corpus-tools adjudicate corpus/annotations/ --out corpus/adjudicated.jsonl --ignore gold
    """
    if rule is RuleChoice.adjudicator and not adjudicator:
        raise typer.BadParameter("--rule adjudicator needs --adjudicator NAME", param_hint="--adjudicator")
    if rule is RuleChoice.majority and adjudicator:
        raise typer.BadParameter("--adjudicator is only used with --rule adjudicator", param_hint="--rule")
    loaded, scheme = _load(folder, articles, labels, ignore, "adjudicate")
    try:
        with err.status(f"adjudicating {len(loaded.annotations)} record(s)"):
            merged, dis = adjudicate(loaded.annotations, rule=rule.value, adjudicator=adjudicator, min_votes=min_votes, scheme=scheme)
    except ValueError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from None
    _print_disagreements(dis, loaded)
    n = write_jsonl(out, merged)
    with Quarantine(out) as q:
        for r in loaded.rejects:
            q.add(r)
    if disagreements_out:
        write_jsonl(disagreements_out, dis)
    drift = [d for d in dis if d.kind == "drift"]
    console.print(f"wrote {n} adjudicated record(s) to {out}; {len(dis)} disagreement(s)"
                  + (f", {len(drift)} drifted article(s) not merged" if drift else "")
                  + (f"; {len(loaded.rejects)} record(s) rejected, see {q.path}" if loaded.rejects else ""))
    if drift or loaded.rejects:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``agreement`` and ``adjudicate`` to the main app."""
    app.command("agreement")(agreement_cmd)
    app.command("adjudicate")(adjudicate_cmd)
