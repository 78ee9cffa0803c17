"""``corpus-tools release build`` and ``release diff``: thin layers over
:func:`corpus_tools.release.build.build_release` and :func:`corpus_tools.release.changelog.diff_releases`.

This module creates the ``release`` group (``release_app``); ``release_verify_cmd`` adds
``verify`` and ``publish`` to it.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

release_app = typer.Typer(
    help="Build, compare, check and publish versioned dataset releases.\n\nExample: corpus-tools release build --version 1.0.0",
    no_args_is_help=True,
)
from .console import console, err


@release_app.command("build")
def build_cmd(
    version: str = typer.Option(..., "--version", help="Semantic version X.Y.Z of the release; checked against the diff from the previous release."),
    articles: Path = typer.Option(Path("corpus/articles.jsonl"), "--articles", help="Articles JSONL (output of `corpus-tools ingest`)."),
    annotations: Path = typer.Option(Path("corpus/annotations/gold.jsonl"), "--annotations", help="ONE adjudicated annotation per article (JSONL)."),
    annotators_dir: Path | None = typer.Option(None, "--annotators-dir", help="Per-annotator JSONL folder, for the agreement gate and figures."),
    labels: Path = typer.Option(Path("schema/labels.yaml"), "--labels", help="Label scheme YAML."),
    config: Path = typer.Option(Path("corpus.toml"), "--config", help="Release settings (name, licence, date, splits, gates)."),
    out: Path = typer.Option(Path("releases"), "--out", help="Parent folder of the releases; the release goes to OUT/vX.Y.Z."),
    partial: bool = typer.Option(False, "--partial", help="Allow articles without an annotation (the card says the release is partial)."),
) -> None:
    """Build releases/vX.Y.Z: Parquet configs `documents` and `ner`, dataset card, chart, Croissant, changelog, manifest.

    Exit 0 built (or identical rebuild), 1 a gate failed or the version exists with other content, 2 usage error
    (bad or understated version, missing file or settings).

    Example: corpus-tools release build --version 1.0.0 --annotations corpus/annotations/gold.jsonl
    """
    from ..release.build import ImmutableReleaseError, ReleaseError, build_release
    from ..release.changelog import VersionError
    from ..release.config import ConfigError
    from ..release.gates import GateError

    with Progress(TextColumn("[bold]building v" + escape(version.lstrip("v"))), BarColumn(), DownloadColumn(),
                  TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task("build", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            report = build_release(
                version, articles=articles, annotations=annotations, scheme_path=labels, config=config,
                out_dir=out, partial=partial, annotators_dir=annotators_dir, progress=progress,
            )
        except GateError as e:
            bar.stop()
            err.print(f"[red]gates failed[/] ({len(e.failures)}); nothing was written:")
            for f in e.failures:
                err.print(f"  {escape(str(f))}")
            raise typer.Exit(1) from None
        except ImmutableReleaseError as e:
            bar.stop()
            err.print(f"[red]refused:[/] {escape(str(e))}")
            raise typer.Exit(1) from None
        except (VersionError, ConfigError, FileNotFoundError) as e:
            bar.stop()
            err.print(f"[red]error:[/] {escape(str(e))}")
            raise typer.Exit(2) from None
        except (ReleaseError, ValueError) as e:
            bar.stop()
            err.print(f"[red]error:[/] {escape(str(e))}")
            raise typer.Exit(1) from None

    for w in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(w)}")
    if report.status == "unchanged":
        console.print(f"[green]unchanged[/] {escape(str(report.release_dir))} already holds these exact bytes")
        return
    t = Table(title=f"{report.release_dir} ({report.bump.upper()} bump from {report.previous_version or 'nothing'}; required: {report.required_bump.upper()})")
    t.add_column("config")
    for s in ("train", "validation", "test"):
        t.add_column(s, justify="right")
    for c, splits in report.rows.items():
        t.add_row(c, *(str(splits.get(s, 0)) for s in ("train", "validation", "test")))
    console.print(t)
    partial_note = " (partial)" if report.partial else ""
    console.print(
        f"[bold green]built[/] v{report.version}{partial_note}: {report.articles} articles, {report.annotated} annotated, "
        f"{len(report.files)} files in {report.timings.get('total', 0):.2f}s"
    )


@release_app.command("diff")
def diff_cmd(
    old: Path = typer.Argument(..., help="The earlier release folder, e.g. releases/v1.0.0."),
    new: Path = typer.Argument(..., help="The later release folder, e.g. releases/v1.1.0."),
) -> None:
    """Print what changed between two releases (the changelog computation) and the version bump it needs.

    Example: corpus-tools release diff releases/v1.0.0 releases/v1.1.0
    """
    from ..release.changelog import bump_between, diff_releases, render_changes

    for p in (old, new):
        if not (p / "manifest.json").is_file():
            err.print(f"[red]error:[/] {escape(str(p))} is not a release folder (no manifest.json)")
            raise typer.Exit(2)
    try:
        diff = diff_releases(old, new)
    except (ValueError, OSError) as e:
        err.print(f"[red]error:[/] {escape(str(e))}")
        raise typer.Exit(1) from None
    console.print(render_changes(diff), markup=False, highlight=False, soft_wrap=True)
    given = bump_between(diff.old_version, diff.new_version)
    console.print(f"required bump: {diff.required_bump().upper()} ({'; '.join(diff.reasons())}); "
                  f"{diff.old_version} -> {diff.new_version} is {given.upper() if given else 'not a later version'}",
                  markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the ``release`` group (build, diff; verify and publish come from release_verify_cmd)."""
    app.add_typer(release_app, name="release")
