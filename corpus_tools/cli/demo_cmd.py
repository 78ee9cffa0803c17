"""``corpus-tools demo``: the whole pipeline on the bundled corpus (the README's first command)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from .console import console


def demo(
    workdir: Optional[Path] = typer.Option(None, "--workdir", help="Scratch folder for every output (default: a new temp folder). The repo is never written."),
    port: Optional[int] = typer.Option(None, "--port", help="Port for the local Doccano on 127.0.0.1 (default: a free one)."),
) -> None:
    """Run the whole pipeline on the bundled corpus and print a summary.

    Stages: ingest corpus/raw, validate, start a local Doccano, set up the project, push the articles with the gold annotations as pre-annotations, pull them back, adjudicate, build a release into a scratch folder, verify it, stop Doccano. Nothing in the repo is changed.

    Example: corpus-tools demo --workdir /tmp/demo
    """
    from ..demo import DemoError, run_demo

    def stage(name: str):
        return console.status(f"[bold]{name}[/] ...", spinner="dots")

    try:
        report = run_demo(workdir, port=port, stage=_announce(stage))
    except DemoError as e:
        console.print(f"[red]demo failed:[/] {e}")
        raise typer.Exit(1)
    table = Table(title="corpus-tools demo", show_lines=False)
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("result")
    for s in report.stages:
        table.add_row(s.name, f"{s.seconds:.1f}", s.summary)
    table.add_row("total", f"{sum(s.seconds for s in report.stages):.1f}", "")
    console.print(table)
    console.print(f"Scratch folder: {report.workdir}")
    console.print(f"Release: {report.release_dir}")
    console.print("Load it with:")
    console.print(f'  from datasets import load_dataset\n  ds = load_dataset("{report.release_dir}")', markup=False, highlight=False)


def _announce(stage):
    """Print a check mark line when each stage finishes, under the spinner."""
    from contextlib import contextmanager
    import time

    @contextmanager
    def wrapped(name: str):
        t0 = time.perf_counter()
        with stage(name):
            yield
        console.print(f"[green]✓[/] {name} [dim]({time.perf_counter() - t0:.1f} s)[/]")

    return wrapped


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
