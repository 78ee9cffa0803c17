"""CLI commands of one stage (filled in by the stage's owner)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
