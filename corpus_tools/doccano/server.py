"""A real Doccano 1.8.4 on 127.0.0.1, started and stopped by our own code.

Why a separate virtualenv: doccano 1.8.4 pins old Django/pydantic-era packages that must
never mix with the project's environment. Why not ``doccano webserver``: it binds 0.0.0.0.
So we run gunicorn on 127.0.0.1 ourselves, plus one ``doccano task`` Celery worker whose
broker is the SQLite database (no Redis). A small settings module of ours, written into the
data folder, points the database, media and filepond uploads into that folder so the
server's virtualenv is never written to by the server (the one file we keep there is a
migrated, user-less template database that makes a fresh start ~30 s faster).

Secrets (admin/annotator passwords) reach subprocesses through the environment only, never
argv, logs or files.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from ..records import atomic_write

log = logging.getLogger(__name__)

DOCCANO_VERSION = "1.8.4"
# doccano 1.8.4 does not pin these; newer releases break it (environs 9.5 needs marshmallow<4).
SERVER_REQUIREMENTS = (f"doccano=={DOCCANO_VERSION}", "numpy<2", "marshmallow<4")
_STAMP = ".corpus-tools-installed"
SETTINGS_MODULE = "corpus_tools_doccano_settings"


class DoccanoServerError(RuntimeError):
    """The local Doccano server could not be installed, started or stopped."""


def cache_dir() -> Path:
    """``$CORPUS_TOOLS_CACHE`` or ``~/.cache/corpus-tools``: where the server venv lives."""
    return Path(os.environ.get("CORPUS_TOOLS_CACHE") or Path.home() / ".cache" / "corpus-tools")


def default_venv_path() -> Path:
    return cache_dir() / f"doccano-{DOCCANO_VERSION}-venv"


def _stamp_text() -> str:
    return " ".join(SERVER_REQUIREMENTS) + "\n"


def venv_is_ready(path: str | os.PathLike | None = None) -> bool:
    """True when the venv at ``path`` finished installing (its stamp file matches)."""
    path = Path(path) if path else default_venv_path()
    stamp = path / _STAMP
    return stamp.is_file() and stamp.read_text() == _stamp_text() and (path / "bin" / "doccano").exists()


def _find_python311() -> str:
    for name in ("python3.11",):
        found = shutil.which(name)
        if found:
            return found
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    raise DoccanoServerError("python3.11 not found on PATH; doccano 1.8.4 needs Python 3.11 (install it, then retry)")


def ensure_server_venv(path: str | os.PathLike | None = None, *, progress: Callable[[str], None] | None = None) -> Path:
    """Create (once) the server virtualenv with doccano==1.8.4 and numpy<2; return its path.

    Idempotent: a stamp file written last marks a complete install, so an interrupted install
    (no stamp) is wiped and redone. The pip log goes to ``<venv>/install.log``.
    """
    path = Path(path) if path else default_venv_path()
    say = progress or (lambda msg: None)
    if venv_is_ready(path):
        say(f"Doccano server virtualenv ready at {path}")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # One installer at a time (two test sessions may start together); the loser re-checks.
    with open(path.parent / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if venv_is_ready(path):
            say(f"Doccano server virtualenv ready at {path}")
            return path
        if path.exists():
            say(f"Removing incomplete virtualenv at {path}")
            shutil.rmtree(path)
        py = _find_python311()
        say(f"Creating virtualenv {path} with {py}")
        _run_logged([py, "-m", "venv", str(path)], path.parent / f"{path.name}.venv.log", "create the virtualenv")
        log_file = path / "install.log"
        say(f"Installing {' '.join(SERVER_REQUIREMENTS)} (about 2 minutes; log: {log_file})")
        pip = [str(path / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
        _run_logged([*pip, *SERVER_REQUIREMENTS], log_file, "install doccano")
        (path / _STAMP).write_text(_stamp_text())
    say(f"Doccano server virtualenv ready at {path}")
    return path


def _run_logged(cmd: list[str], log_file: Path, what: str, env: dict | None = None, timeout: float = 1800) -> None:
    """Run ``cmd`` with output to ``log_file``; on failure raise naming the log and its tail."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as fh:
        try:
            rc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, timeout=timeout, stdin=subprocess.DEVNULL).returncode
        except subprocess.TimeoutExpired:
            raise DoccanoServerError(f"could not {what}: timed out after {timeout:.0f} s; see {log_file}") from None
    if rc != 0:
        raise DoccanoServerError(f"could not {what} (exit code {rc}); see {log_file}:\n{tail(log_file)}")


def tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a log file (for error messages)."""
    try:
        data = path.read_bytes()[-20000:].decode("utf-8", "replace")
    except FileNotFoundError:
        return "(no log written)"
    return "\n".join(data.splitlines()[-lines:])


# Our settings module: production settings, with every writable path inside the data folder.
# It holds no secret (SECRET_KEY and passwords come from the environment).
_SETTINGS_SOURCE = '''"""Doccano settings written by corpus-tools: production + paths inside the data folder."""
import os

from config.settings.production import *  # noqa: F401,F403
from config.settings.production import DATABASES

_DATA = os.environ["CORPUS_TOOLS_DOCCANO_DATA"]
_PORT = os.environ["CORPUS_TOOLS_DOCCANO_PORT"]

MEDIA_ROOT = os.path.join(_DATA, "media")
DJANGO_DRF_FILEPOND_UPLOAD_TMP = os.path.join(_DATA, "filepond-temp-uploads")
DJANGO_DRF_FILEPOND_FILE_STORE_PATH = MEDIA_ROOT
DJANGO_DRF_FILEPOND_ALLOW_EXTERNAL_UPLOAD_DIR = True  # uploads live outside the package
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = [f"http://127.0.0.1:{_PORT}", f"http://localhost:{_PORT}"]
# The web app and the Celery worker share one SQLite file: wait for locks instead of failing.
DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 60
# The broker is the same SQLite file. kombu's SQLAlchemy transport passes transport options
# to create_engine, so its 1 s poll can only be shortened on the class: imports/exports then
# start within 0.2 s instead of 1 s.
from kombu.transport.sqlalchemy import Transport as _SQLATransport

_SQLATransport.polling_interval = 0.2
'''

# Runs in the server venv. It does what `doccano init` (wait_for_db, migrate, create_roles) and
# `doccano createuser` do, in one Django boot instead of two, and takes the password from the
# environment (createuser only accepts it in argv, where `ps` shows it). With
# CORPUS_TOOLS_TEMPLATE_OUT it also saves the freshly migrated, user-less database as a
# template, so the next fresh data folder skips the ~100 migrations.
_DJANGO_SETUP = '''
import os, sqlite3, sys
sys.path.append(os.environ["CORPUS_TOOLS_DOCCANO_BACKEND"])
import django
django.setup()
'''

# Creates or updates one user from CORPUS_TOOLS_NEW_USERNAME/_PASSWORD/_ADMIN.
_CREATE_USER = '''
from django.contrib.auth import get_user_model
User = get_user_model()
name = os.environ["CORPUS_TOOLS_NEW_USERNAME"]
admin = os.environ["CORPUS_TOOLS_NEW_ADMIN"] == "1"
user, created = User.objects.get_or_create(username=name)
user.set_password(os.environ["CORPUS_TOOLS_NEW_PASSWORD"])
if admin:
    user.is_staff = user.is_superuser = True
user.save()
print(("created" if created else "updated") + " user " + name + (" (admin)" if admin else ""))
'''

_BOOTSTRAP_SNIPPET = _DJANGO_SETUP + '''
from django.conf import settings
from django.core import management
management.call_command("wait_for_db")
management.call_command("migrate", interactive=False)
management.call_command("create_roles")
# The broker's tables and its default queue's row, before the web app and the worker start:
# both create them on first use (kombu's SQLAlchemy transport: SELECT, then INSERT, under a
# lock that is per process), and the loser of that race got "UNIQUE constraint failed:
# kombu_queue.name"; a Celery worker that lost it exited and the start failed (seen once in CI).
from config.celery import app as celery_app
with celery_app.connection_for_write() as conn:
    conn.default_channel.queue_declare(queue=celery_app.conf.task_default_queue)
template = os.environ.get("CORPUS_TOOLS_TEMPLATE_OUT")
if template:
    from django.db import connection
    connection.close()
    tmp = template + ".tmp-" + str(os.getpid())
    con = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    con.execute("VACUUM INTO ?", (tmp,))
    con.close()
    os.replace(tmp, template)
    print("saved database template " + template)
if os.environ.get("CORPUS_TOOLS_NEW_USERNAME"):
''' + textwrap.indent(_CREATE_USER, "    ")

_USER_SNIPPET = _DJANGO_SETUP + _CREATE_USER


def find_free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _backend_dir(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages/backend"))
    if not found:
        raise DoccanoServerError(f"{venv} has no doccano backend package; run `corpus-tools doccano install`")
    return found[0]


def server_env(data_dir: Path, port: int, venv: Path, secret_key: str) -> dict[str, str]:
    """The environment of every process run in the server venv on ``data_dir`` (web app,
    worker, bootstrap, local exporter). Our own DOCCANO_*/DJANGO_*/PYTHON* variables (the
    password among them) are dropped, so they never reach Doccano's processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCCANO_", "DJANGO_", "CELERY_", "PYTHON"))}
    env.update(
        {
            "PYTHONPATH": str(data_dir / "settings"),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DOCCANO_HOME": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(data_dir / "media"),
            "STANDALONE": "True",
            "DEBUG": "False",
            "SECRET_KEY": secret_key,
            "CORPUS_TOOLS_DOCCANO_DATA": str(data_dir),
            "CORPUS_TOOLS_DOCCANO_PORT": str(port),
            "CORPUS_TOOLS_DOCCANO_BACKEND": str(_backend_dir(venv)),
        }
    )
    return env


# --------------------------------------------------------------------------- running servers
# Each server we start leaves a small record (no secret in it) under the cache folder, keyed by
# its port, so that a client given only DOCCANO_URL can tell that the server is ours and where
# its data folder and virtualenv are (the local export reads the database directly).


def records_dir() -> Path:
    return cache_dir() / "doccano-servers"


def _record_path(port: int) -> Path:
    return records_dir() / f"127.0.0.1-{int(port)}.json"


@dataclass(frozen=True)
class ServerRecord:
    """A running Doccano started by our code: where its data and virtualenv are."""

    port: int
    data_dir: Path
    venv: Path
    web_pid: int
    worker_pid: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "db.sqlite3"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def _port_of(url: str) -> int | None:
    """The port of a loopback http URL with no path (what our servers answer on), else None."""
    try:
        u = urlsplit(url.strip())
        port = u.port
    except ValueError:
        return None
    if u.scheme != "http" or u.hostname not in ("127.0.0.1", "localhost") or u.path.strip("/") or u.query:
        return None
    return port or 80


def find_server(url: str) -> ServerRecord | None:
    """The record of the server we started that answers at ``url``, or None when ``url`` is
    not one of ours (remote, another data folder's record is stale, the process is gone)."""
    port = _port_of(url)
    if port is None:
        return None
    try:
        data = json.loads(_record_path(port).read_text(encoding="utf-8"))
        rec = ServerRecord(int(data["port"]), Path(data["data_dir"]), Path(data["venv"]), int(data["web_pid"]), int(data["worker_pid"]))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    try:  # the gunicorn that wrote the record must still be the one bound to this port
        cmdline = Path(f"/proc/{rec.web_pid}/cmdline").read_bytes()
    except OSError:
        return None
    if rec.port != port or b"gunicorn" not in cmdline or f"127.0.0.1:{port}".encode() not in cmdline:
        return None
    if not (rec.db_path.is_file() and rec.python.exists()):
        return None
    return rec


class DoccanoServer:
    """One local Doccano: gunicorn on 127.0.0.1:port + one Celery worker, data in ``data_dir``.

    Example::

        with DoccanoServer("/tmp/dc", port=8000, username="admin", password=pw) as srv:
            print(srv.url)
    """

    def __init__(
        self,
        data_dir: str | os.PathLike,
        *,
        port: int = 8000,
        username: str,
        password: str,
        venv: str | os.PathLike | None = None,
        web_workers: int = 2,
        start_timeout: float = 180.0,
    ):
        if not username or not password:
            raise DoccanoServerError("the Doccano admin needs a username and a password (set DOCCANO_USERNAME and DOCCANO_PASSWORD)")
        self.data_dir = Path(data_dir).resolve()
        self.port = int(port)
        self.username = username
        self._password = password
        self.venv = Path(venv) if venv else default_venv_path()
        self.web_workers = web_workers
        self.start_timeout = start_timeout
        self._web: subprocess.Popen | None = None
        self._worker: subprocess.Popen | None = None
        self.start_seconds: float | None = None

    def __repr__(self) -> str:  # never shows the password
        return f"DoccanoServer(url={self.url!r}, data_dir={str(self.data_dir)!r}, username={self.username!r})"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def password(self) -> str:
        """The admin password (kept off ``repr`` and logs)."""
        return self._password

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def web_log(self) -> Path:
        return self.log_dir / "gunicorn.log"

    @property
    def worker_log(self) -> Path:
        return self.log_dir / "celery.log"

    @property
    def pids(self) -> dict[str, int]:
        """Process ids (= process group ids) of the running web app and worker."""
        return {name: p.pid for name, p in (("web", self._web), ("worker", self._worker)) if p is not None}

    @property
    def pid_file(self) -> Path:
        """``web_pid worker_pid port`` of the server running on this data folder."""
        return self.data_dir / "server.pid"

    def _running_from_pidfile(self) -> list[int]:
        """Pids from a previous run on this data folder that are still Doccano processes."""
        try:
            fields = self.pid_file.read_text().split()
        except FileNotFoundError:
            return []
        alive = []
        for pid in (int(x) for x in fields[:2] if x.isdigit()):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
            if b"gunicorn" in cmdline or b"doccano" in cmdline:
                alive.append(pid)
        return alive

    def _env(self) -> dict[str, str]:
        return server_env(self.data_dir, self.port, self.venv, self._secret_key)

    def _prepare_data_dir(self) -> None:
        for sub in ("settings", "media", "filepond-temp-uploads", "logs"):
            (self.data_dir / sub).mkdir(parents=True, exist_ok=True)
        target = self.data_dir / "settings" / f"{SETTINGS_MODULE}.py"
        if not target.exists() or target.read_text() != _SETTINGS_SOURCE:
            with atomic_write(target) as fh:
                fh.write(_SETTINGS_SOURCE)

    def start(self) -> "DoccanoServer":
        """Init the database, create the admin, start web app + worker, wait for /v1/health/."""
        if self._web is not None:
            return self
        t0 = time.monotonic()
        if not venv_is_ready(self.venv):
            raise DoccanoServerError(f"the Doccano server virtualenv {self.venv} is missing or incomplete; run `corpus-tools doccano install`")
        if _port_in_use(self.port):
            raise DoccanoServerError(f"port {self.port} on 127.0.0.1 is already in use; pick another with --port")
        running = self._running_from_pidfile()
        if running:
            raise DoccanoServerError(
                f"another Doccano is already running on {self.data_dir} (pids {running}; see {self.pid_file}); "
                "stop it first (Ctrl-C in its terminal, or `kill` those pids)"
            )
        # A fresh key per start: nothing secret is stored on disk (browser sessions end on restart).
        self._secret_key = secrets.token_urlsafe(50)
        self._prepare_data_dir()
        env = self._env()
        bin_dir = self.venv / "bin"
        self._bootstrap(env)
        web_cmd = [
            str(bin_dir / "gunicorn"),
            "--bind", f"127.0.0.1:{self.port}",  # loopback only, never 0.0.0.0
            "--workers", str(self.web_workers),
            "--timeout", "300",
            "--chdir", env["CORPUS_TOOLS_DOCCANO_BACKEND"],
            "--pythonpath", env["PYTHONPATH"],
            "--access-logfile", "-",
            "--error-logfile", "-",
            "--capture-output",
            "config.wsgi",
        ]
        try:
            self._web = self._spawn(web_cmd, self.web_log, env)
            self._worker = self._spawn([str(bin_dir / "doccano"), "task", "--concurrency", "1"], self.worker_log, env)
            with atomic_write(self.pid_file) as fh:
                fh.write(f"{self._web.pid} {self._worker.pid} {self.port}\n")
            self._write_record()
            self._wait_healthy(t0 + self.start_timeout)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        atexit.register(self.stop)  # no orphaned server when the caller exits without stop()
        log.info("Doccano started at %s in %.1f s (pids %s)", self.url, self.start_seconds, self.pids)
        return self

    def _write_record(self) -> None:
        """Register this server under its port (see ``find_server``); paths and pids only."""
        rec = {"port": self.port, "data_dir": str(self.data_dir), "venv": str(self.venv.resolve()), "web_pid": self._web.pid, "worker_pid": self._worker.pid}
        with atomic_write(_record_path(self.port)) as fh:
            json.dump(rec, fh)

    def _remove_record(self, web_pid: int) -> None:
        path = _record_path(self.port)
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("web_pid") == web_pid:  # ours, not a later server's
                path.unlink()
        except (FileNotFoundError, ValueError, AttributeError):
            pass

    def _spawn(self, cmd: list[str], log_file: Path, env: dict) -> subprocess.Popen:
        with open(log_file, "ab") as fh:
            # Own session = own process group, so stop() reaches the workers gunicorn/celery fork.
            return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True)

    def _bootstrap(self, env: dict) -> None:
        """Create/migrate the database and the admin (see ``_BOOTSTRAP_SNIPPET``)."""
        db = self.data_dir / "db.sqlite3"
        template = self.venv / "corpus-tools-db-template.sqlite3"
        env = dict(env)
        if not db.exists() and template.exists():
            tmp = db.with_name(f".{db.name}.tmp")
            shutil.copyfile(template, tmp)
            os.replace(tmp, db)
        elif not db.exists():
            env["CORPUS_TOOLS_TEMPLATE_OUT"] = str(template)
        env.update({"CORPUS_TOOLS_NEW_USERNAME": self.username, "CORPUS_TOOLS_NEW_PASSWORD": self._password, "CORPUS_TOOLS_NEW_ADMIN": "1"})
        cmd = [str(self.venv / "bin" / "python"), "-c", _BOOTSTRAP_SNIPPET]
        _run_logged(cmd, self.log_dir / "init.log", "initialise the Doccano database and admin", env=env, timeout=900)
        self._enable_wal()

    def _enable_wal(self) -> None:
        """WAL lets the web app read while the worker imports (it is persistent in the file)."""
        import sqlite3

        con = sqlite3.connect(self.data_dir / "db.sqlite3", timeout=60)
        try:
            con.execute("PRAGMA journal_mode=WAL")
        finally:
            con.close()

    def _set_user(self, username: str, password: str, *, admin: bool, env: dict | None = None) -> None:
        env = dict(env or self._env())
        env.update({"CORPUS_TOOLS_NEW_USERNAME": username, "CORPUS_TOOLS_NEW_PASSWORD": password, "CORPUS_TOOLS_NEW_ADMIN": "1" if admin else "0"})
        _run_logged([str(self.venv / "bin" / "python"), "-c", _USER_SNIPPET], self.log_dir / "users.log", f"create the Doccano user {username!r}", env=env, timeout=300)

    def create_user(self, username: str, password: str, *, admin: bool = False) -> None:
        """Create (or reset the password of) a Doccano user, e.g. an extra annotator."""
        if not username or not password:
            raise DoccanoServerError("a Doccano user needs a username and a password")
        if not hasattr(self, "_secret_key"):
            self._secret_key = secrets.token_urlsafe(50)
            self._prepare_data_dir()
        self._set_user(username, password, admin=admin)

    def _failure(self, what: str) -> DoccanoServerError:
        parts = [f"Doccano at {self.url} {what}."]
        for name, path in (("web app", self.web_log), ("Celery worker", self.worker_log)):
            parts.append(f"--- last lines of the {name} log {path}:\n{tail(path)}")
        return DoccanoServerError("\n".join(parts))

    def _wait_healthy(self, deadline: float) -> None:
        last = "no answer"
        with httpx.Client(timeout=10.0, headers={"Accept": "application/json"}) as http:
            while time.monotonic() < deadline:
                for name, proc in (("web app", self._web), ("Celery worker", self._worker)):
                    if proc is not None and proc.poll() is not None:
                        raise self._failure(f"did not start: the {name} exited with code {proc.returncode}")
                try:
                    r = http.get(f"{self.url}/v1/health/")
                    if r.status_code == 200:
                        return
                    last = f"HTTP {r.status_code}: {r.text[:300]}"
                except httpx.HTTPError as e:
                    last = type(e).__name__
                time.sleep(0.25)
        raise self._failure(f"was not healthy after {self.start_timeout:.0f} s (last /v1/health/ answer: {last})")

    def is_running(self) -> bool:
        return all(p is not None and p.poll() is None for p in (self._web, self._worker))

    def stop(self, timeout: float = 20.0) -> None:
        """Ask both leaders to shut down (gunicorn and Celery stop their own workers), wait,
        then SIGKILL whatever is left in either process group."""
        procs = [p for p in (self._web, self._worker) if p is not None]
        for p in procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(max(0.1, deadline - time.monotonic()))
        for p in procs:
            # Leftovers in the group (forked workers), even when the leader already exited.
            _signal_group(p, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(5)
        if procs:
            with contextlib.suppress(FileNotFoundError):
                self.pid_file.unlink()
            self._remove_record(procs[0].pid)
        self._web = self._worker = None
        atexit.unregister(self.stop)

    def kill(self) -> None:
        """Crash both process groups at once (SIGKILL), e.g. to test resuming after a crash."""
        for p in (self._web, self._worker):
            if p is not None:
                _signal_group(p, signal.SIGKILL)
        self.stop(timeout=5)

    def __enter__(self) -> "DoccanoServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)
