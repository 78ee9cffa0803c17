"""``corpus-tools schema``: export and check the JSON Schema files."""

from __future__ import annotations

from pathlib import Path

import typer

from .console import err as console
from ..schema_export import SCHEMA_DIR, export_schemas, stale_schemas

schema_app = typer.Typer(
    help="JSON Schema files generated from the pydantic models.\n\nExample: corpus-tools schema check",
    no_args_is_help=True,
)


@schema_app.command("export")
def export(out: Path = typer.Option(SCHEMA_DIR, "--out", help="Folder to write the *.schema.json files to.")) -> None:
    """Write schema/*.schema.json from the models.

    Example: corpus-tools schema export
    """
    for path in export_schemas(out):
        console.print(f"wrote {path}")


@schema_app.command("check")
def check(out: Path = typer.Option(SCHEMA_DIR, "--out", help="Folder holding the schema files.")) -> None:
    """Exit 1 if any schema file is missing or out of date.

    Example: corpus-tools schema check
    """
    stale = stale_schemas(out)
    if stale:
        console.print(f"[red]out of date:[/] {', '.join(stale)}; run `corpus-tools schema export`")
        raise typer.Exit(1)
    console.print("schema files are up to date")


def register(app: typer.Typer) -> None:
    app.add_typer(schema_app, name="schema")
