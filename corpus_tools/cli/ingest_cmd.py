"""``corpus-tools ingest``, ``validate`` and ``stats``: thin layers over :mod:`corpus_tools.ingest`
and :mod:`corpus_tools.stats`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from ..article import Article
from ..ingest import DEFAULT_MAX_BYTES, UsageError, ingest
from ..labels import load_scheme
from ..records import RecordError
from ..stats import corpus_stats, iter_records, validate_file

from .console import console, err


class Kind(str, Enum):
    article = "article"
    annotation = "annotation"


def ingest_command(
    srcs: list[Path] = typer.Argument(..., metavar="SRC...", help="Raw article files or folders (searched recursively for *.txt)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file: .jsonl or .parquet (by extension). Rejects go to <out>.rejects.jsonl."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Worker processes for parsing (output is identical for any value)."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", help="Reject inputs larger than this many bytes (0 = no limit)."),
    fallback_encoding: str = typer.Option(
        None, "--fallback-encoding", help="Decode non-UTF-8 inputs with this code page (e.g. cp1252) instead of rejecting them."
    ),
) -> None:
    """Parse raw news-article files into validated, clustered Article records.

    Exit 0: all inputs written; 1: some inputs rejected (the rest still written); 2: usage error.

    Example: corpus-tools ingest corpus/raw --out corpus/articles.jsonl --jobs 2
    """
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        tasks: dict[str, int] = {}

        def on_progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task({"parse": "parse", "cluster": "cluster", "write": "write"}.get(phase, phase), total=total)
            progress.update(tasks[phase], completed=done, total=total)

        try:
            report = ingest(srcs, out, jobs=jobs, max_bytes=max_bytes, fallback_encoding=fallback_encoding, on_progress=on_progress)
        except UsageError as e:
            progress.stop()
            err.print(f"[red]error:[/] {escape(str(e))}", soft_wrap=True)
            raise typer.Exit(2) from None
    table = Table(title=f"ingest -> {escape(str(report.out))}", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("inputs", f"{report.inputs:,}")
    table.add_row("written", f"{report.written:,}")
    table.add_row("rejected", f"{report.rejected:,}")
    table.add_row("stories (with 2+ articles)", f"{report.stories:,} ({report.multi_article_stories:,})")
    table.add_row("near-duplicates", f"{report.duplicates:,}")
    if report.ignored:
        table.add_row("other files ignored", f"{report.ignored:,}")
    total = sum(report.seconds.values())
    table.add_row("seconds", f"{total:.2f} (" + ", ".join(f"{k} {v:.2f}" for k, v in report.seconds.items()) + ")")
    err.print(table)
    if report.rejected:
        for reason, count in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
            err.print(f"  [yellow]{count:,}[/] x {escape(reason)}", soft_wrap=True)
        err.print(f"[yellow]{report.rejected:,} input(s) rejected[/]: see {escape(str(report.rejects_file))} (file, reason, raw text)", soft_wrap=True)
        raise typer.Exit(1)


def validate_command(
    file: Path = typer.Argument(..., help="A .jsonl or .parquet file of Articles (or Annotations with --kind annotation)."),
    kind: Kind = typer.Option(Kind.article, "--kind", help="What the records are."),
    articles: Path = typer.Option(None, "--articles", help="With --kind annotation: check text hashes and span texts against these Articles."),
    labels: Path = typer.Option(None, "--labels", help="With --kind annotation: check labels against this scheme (default: schema/labels.yaml)."),
) -> None:
    """Validate every record of a file; each bad record is printed as file:line (id): reason.

    Exit 0: all valid; 1: some records invalid; 2: usage error (missing file).

    Example: corpus-tools validate corpus/articles.jsonl
    """
    if not file.exists():
        err.print(f"[red]error:[/] {escape(str(file))}: no such file", soft_wrap=True)
        raise typer.Exit(2)
    arts = scheme = None
    if kind is Kind.annotation:
        try:
            scheme = load_scheme(labels)
            if articles is not None:
                arts = {}
                for _, obj in iter_records(articles):
                    arts[obj["id"]] = Article.model_validate(obj)
        except FileNotFoundError as e:
            err.print(f"[red]error:[/] {escape(str(e))}", soft_wrap=True)
            raise typer.Exit(2) from None
        except (RecordError, ValueError) as e:
            err.print(f"[red]error:[/] cannot use --articles/--labels: {escape(str(e))}", soft_wrap=True)
            raise typer.Exit(2) from None
    report = validate_file(file, kind.value, articles=arts, scheme=scheme)
    for line in report.errors:
        console.print(escape(line), soft_wrap=True)
    if report.errors:
        err.print(f"[red]{len(report.errors):,} problem(s)[/] in {report.records:,} {kind.value} record(s) of {escape(str(file))}", soft_wrap=True)
        raise typer.Exit(1)
    err.print(f"[green]ok[/]: {report.records:,} valid {kind.value} record(s) in {escape(str(file))}", soft_wrap=True)


def stats_command(file: Path = typer.Argument(..., help="A .jsonl or .parquet file of Articles.")) -> None:
    """Counts per outlet, text lengths, story clusters and duplicates of an Article file.

    Example: corpus-tools stats corpus/articles.jsonl
    """
    if not file.exists():
        err.print(f"[red]error:[/] {escape(str(file))}: no such file", soft_wrap=True)
        raise typer.Exit(2)
    try:
        s = corpus_stats(file)
    except RecordError as e:
        err.print(f"[red]error:[/] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(1) from None
    overview = Table(title=f"{escape(str(file))}: {s.articles:,} articles", show_header=False)
    overview.add_column(style="bold")
    overview.add_column(justify="right")
    if s.length_chars:
        L = s.length_chars
        overview.add_row("text length (chars)", f"min {L['min']:,} · median {L['median']:,.0f} · mean {L['mean']:,.0f} · p95 {L['p95']:,.0f} · max {L['max']:,}")
    overview.add_row("paragraphs per article (mean)", f"{s.paragraphs_mean:.1f}")
    overview.add_row("with title / dateline / published_at", f"{s.with_title:,} / {s.with_dateline:,} / {s.with_published_at:,}")
    overview.add_row("story clusters", f"{s.stories:,}")
    overview.add_row("stories with 2+ articles (articles in them)", f"{s.multi_article_stories:,} ({s.in_multi_article_stories:,})")
    overview.add_row("largest story", f"{s.largest_story:,}")
    overview.add_row("near-duplicates (duplicate_of set)", f"{s.duplicates:,}")
    if s.without_story_id:
        overview.add_row("without story_id (not clustered)", f"{s.without_story_id:,}")
    console.print(overview)
    outlets = Table(title="articles per outlet")
    outlets.add_column("outlet")
    outlets.add_column("articles", justify="right")
    outlets.add_column("share", justify="right")
    for name, count in s.outlets.most_common():
        outlets.add_row(escape(name), f"{count:,}", f"{count / s.articles:.1%}")
    console.print(outlets)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("ingest")(ingest_command)
    app.command("validate")(validate_command)
    app.command("stats")(stats_command)
