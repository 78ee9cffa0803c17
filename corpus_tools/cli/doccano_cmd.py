"""``corpus-tools doccano install|serve``: the local Doccano server (thin layer over
:mod:`corpus_tools.doccano.server`). ``doccano_sync_cmd`` adds setup/push/pull/status to the
same ``doccano_app`` group.

Exit codes: 0 ok, 1 the server could not be installed/started or died, 2 usage error.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

doccano_app = typer.Typer(
    help=(
        "The Doccano annotation bridge: a local Doccano 1.8.4 server and the sync commands.\n\n"
        "Example: DOCCANO_USERNAME=admin corpus-tools doccano serve --port 8000"
    ),
    no_args_is_help=True,
)
from .console import console, err


@contextlib.contextmanager
def _spinner(description: str) -> Iterator:
    """A live spinner with elapsed time; ``update(text)`` changes its line."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=False) as progress:
        task = progress.add_task(escape(description), total=None)
        yield lambda text: progress.update(task, description=escape(text))


def _fail(msg: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(msg)}")
    return typer.Exit(code)


VenvOpt = typer.Option(None, "--venv", help="Server virtualenv (default: $CORPUS_TOOLS_CACHE or ~/.cache/corpus-tools, /doccano-1.8.4-venv).")


@doccano_app.command("install")
def install(venv: Optional[Path] = VenvOpt) -> None:
    """Build the Doccano 1.8.4 server virtualenv (once; about 1-2 minutes; a no-op when done).

    Example: corpus-tools doccano install
    """
    from ..doccano.server import DoccanoServerError, ensure_server_venv

    try:
        with _spinner("Doccano server virtualenv") as say:
            path = ensure_server_venv(venv, progress=say)
    except DoccanoServerError as e:
        raise _fail(str(e)) from None
    console.print(f"Doccano server virtualenv ready: {path}")


def _default_data_dir() -> Path:
    from ..doccano.server import cache_dir

    return cache_dir() / "doccano-data"


def _admin_password() -> str:
    password = os.environ.get("DOCCANO_PASSWORD")
    if password:
        return password
    if sys.stdin.isatty():
        return typer.prompt("Password for the Doccano admin", hide_input=True, confirmation_prompt=True)
    raise _fail("no admin password: set DOCCANO_PASSWORD (or run on a terminal to be prompted)", 2)


@doccano_app.command("serve")
def serve(
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port on 127.0.0.1 (never 0.0.0.0)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Database, uploads and logs (default: <cache>/doccano-data). Kept across restarts."),
    username: str = typer.Option("admin", "--username", envvar="DOCCANO_USERNAME", show_envvar=True, help="Admin account to create (or reset)."),
    venv: Optional[Path] = VenvOpt,
    workers: int = typer.Option(2, "--workers", min=1, help="gunicorn web workers."),
) -> None:
    """Run a local Doccano on http://127.0.0.1:PORT until Ctrl-C.

    Builds the server virtualenv if needed, initialises the database, creates the admin from
    DOCCANO_USERNAME / DOCCANO_PASSWORD (the password is prompted for when unset and never
    printed), starts the web app and one Celery worker, and stops both cleanly on Ctrl-C.

    Example: DOCCANO_USERNAME=admin DOCCANO_PASSWORD=... corpus-tools doccano serve --port 8000 --data-dir doccano-data
    """
    from ..doccano.server import DoccanoServer, DoccanoServerError, ensure_server_venv

    password = _admin_password()
    data_dir = data_dir or _default_data_dir()
    stop_requested = False

    def on_term(signum, frame):  # `kill PID` stops as cleanly as Ctrl-C
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    server = None
    try:
        with _spinner("Doccano") as say:
            venv_path = ensure_server_venv(venv, progress=say)
            say(f"Starting Doccano on 127.0.0.1:{port} (data: {data_dir})")
            server = DoccanoServer(data_dir, port=port, username=username, password=password, venv=venv_path, web_workers=workers)
            server.start()
        console.print(f"Doccano is running at [bold]{server.url}[/] (started in {server.start_seconds:.1f} s)")
        console.print(f"Log in as [bold]{escape(username)}[/] with the password from DOCCANO_PASSWORD (or the one you typed).")
        console.print(f"Data: {server.data_dir}   Logs: {server.log_dir}")
        console.print("Press Ctrl-C to stop.")
        while server.is_running():
            time.sleep(0.5)
        raise _fail(f"the Doccano server stopped unexpectedly; see {server.web_log} and {server.worker_log}")
    except KeyboardInterrupt:
        stop_requested = True
    except DoccanoServerError as e:
        raise _fail(str(e)) from None
    finally:
        if server is not None:
            if stop_requested:
                err.print("Stopping Doccano ...")
            server.stop()
        signal.signal(signal.SIGTERM, previous)
    console.print("Doccano stopped.")


def register(app: typer.Typer) -> None:
    """Add the ``doccano`` group (``doccano_sync_cmd`` adds its commands to it too)."""
    app.add_typer(doccano_app, name="doccano")
