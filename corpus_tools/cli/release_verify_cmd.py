"""``corpus-tools release verify`` and ``corpus-tools release publish``: thin layers over
:func:`corpus_tools.release.verify.verify_release` and :mod:`corpus_tools.release.publish`.

They join the ``release`` group that ``release_cmd`` creates (``release_app``)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from .console import console, err


def verify_cmd(
    release_dir: Path = typer.Argument(..., help="A release folder, e.g. releases/v1.0.0."),
    skip_load: bool = typer.Option(False, "--skip-load-dataset", help="Skip the offline datasets.load_dataset check (a few seconds)."),
) -> None:
    """Check a release: manifest checksums, no stray files, Parquet schemas against the card, every row, row counts, offline load_dataset, Croissant.

    Exit 0 when everything matches, 1 on any problem (each names the file), 2 when the folder does not exist.

    Example: corpus-tools release verify releases/v1.0.0
    """
    from ..release.verify import verify_release

    if not release_dir.is_dir():
        err.print(f"[red]error:[/] {escape(str(release_dir))} is not a folder; pass a release folder such as releases/v1.0.0")
        raise typer.Exit(2)
    with console.status("verifying") as status:
        report = verify_release(release_dir, load_dataset=not skip_load, progress=lambda step: status.update(f"verifying: {step}"))
    for check in report.checks:
        console.print(f"[green]checked[/] {escape(check)}")
    if report.rows:
        t = Table(title="Rows per config and split")
        t.add_column("config")
        splits = sorted({s for r in report.rows.values() for s in r})
        for s in splits:
            t.add_column(s, justify="right")
        for cfg, r in sorted(report.rows.items()):
            t.add_row(cfg, *(str(r.get(s, "-")) for s in splits))
        console.print(t)
    if report.ok:
        console.print(f"[bold green]OK[/] {escape(str(release_dir))} verifies")
        return
    # one line per problem, never wrapped, so the file name can be grepped from CI logs
    for p in report.problems:
        err.print(f"[red]problem[/] [bold]{escape(p.path)}[/]: {escape(p.message)}", soft_wrap=True)
    err.print(f"[bold red]FAILED[/] {escape(str(release_dir))}: {len(report.problems)} problem(s)", soft_wrap=True)
    raise typer.Exit(1)


def _token_from_prompt() -> str | None:
    if not sys.stdin.isatty():
        return None
    return typer.prompt("Hugging Face write token (input hidden)", hide_input=True, default="", show_default=False) or None


def publish_cmd(
    release_dir: Path = typer.Argument(..., help="A verified release folder, e.g. releases/v1.0.0."),
    repo_id: str = typer.Option(None, "--repo-id", help="Hub dataset repo ORG/NAME (default: hub_repo_id in corpus.toml)."),
    to: str = typer.Option(None, "--to", help="Mirror to a directory or fsspec URL instead of the Hub, e.g. file:///srv/mirror."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be sent (files, bytes); no network, no writes."),
    config: Path = typer.Option(Path("corpus.toml"), "--config", help="Release settings, for the default --repo-id."),
) -> None:
    """Publish a release to the Hugging Face Hub (one commit + tag vX.Y.Z) or mirror it to a directory/fsspec URL.

    The token comes from HF_TOKEN (or a hidden prompt) and is never printed. Refuses a release that does not verify, a tag that already exists, or a mirror that holds a different copy of the version.

    Example: corpus-tools release publish releases/v1.0.0 --repo-id my-org/my-corpus --dry-run
    """
    from ..release.publish import PublishError, publish_release, publish_to, resolve_token

    if not release_dir.is_dir():
        err.print(f"[red]error:[/] {escape(str(release_dir))} is not a folder; pass a release folder such as releases/v1.0.0")
        raise typer.Exit(2)
    if to and repo_id:
        err.print("[red]error:[/] pass either --repo-id (the Hub) or --to (a mirror), not both")
        raise typer.Exit(2)
    if not to and not repo_id:
        if config.is_file():
            from ..release.config import load_config

            repo_id = load_config(config).hub_repo_id
        if not repo_id:
            err.print("[red]error:[/] no --repo-id given and no hub_repo_id in corpus.toml")
            raise typer.Exit(2)
    try:
        if to:
            result = publish_to(release_dir, to, dry_run=dry_run)
        else:
            token = None
            if not dry_run and not resolve_token():
                token = _token_from_prompt()
            result = publish_release(release_dir, repo_id=repo_id, token=token, dry_run=dry_run)
    except PublishError as e:
        err.print(f"[red]refused:[/] {escape(str(e))}")
        raise typer.Exit(1) from None
    plan = result.plan
    if result.skipped:
        console.print(f"[green]up to date[/] {escape(result.target)} already holds this exact {plan.tag}")
        return
    if result.dry_run:
        t = Table(title=f"dry run: would send {plan.tag} to {escape(result.target)} ({len(plan.files)} files, {plan.total_bytes} bytes)")
        t.add_column("file")
        t.add_column("bytes", justify="right")
        for path, n in plan.files:
            t.add_row(escape(path), str(n))
        console.print(t)
        if not to:
            console.print(f"one commit: {escape(plan.commit_message)}; then tag {plan.tag}")
        return
    console.print(f"[bold green]published[/] {plan.tag} to {escape(result.target)}: {len(plan.files)} files, {plan.total_bytes} bytes")
    if result.commit_url:
        console.print(f"commit {escape(result.commit_url)}; tag {plan.tag}")
    if result.deleted:
        console.print(f"removed {len(result.deleted)} file(s) of an older release: {escape(', '.join(result.deleted))}")


def register(app: typer.Typer) -> None:
    """Add ``verify`` and ``publish`` to the ``release`` group that release_cmd registers."""
    from .release_cmd import release_app

    release_app.command("verify")(verify_cmd)
    release_app.command("publish")(publish_cmd)
