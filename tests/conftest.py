"""Shared fixtures: one real Doccano 1.8.4 on 127.0.0.1 for the whole test session.

Starting Doccano takes ~15 s, so it is started once (session scope) by the same code as
``corpus-tools doccano serve`` and stopped by process id at the end. Its admin password is
generated per session and never printed.
"""

from __future__ import annotations

import secrets

import pytest

from corpus_tools.doccano.client import DoccanoClient
from corpus_tools.doccano.server import DoccanoServer, ensure_server_venv, find_free_port


@pytest.fixture(scope="session")
def doccano_server(tmp_path_factory):
    """A running Doccano: attributes ``.url``, ``.username``, ``.password``, ``.create_user()``."""
    venv = ensure_server_venv()  # builds the server venv on a clean machine (~1-2 min, once)
    server = DoccanoServer(
        tmp_path_factory.mktemp("doccano-data"),
        port=find_free_port(),
        username="admin",
        password=secrets.token_urlsafe(16),
        venv=venv,
    )
    server.start()
    print(f"\nDoccano 1.8.4 started at {server.url} in {server.start_seconds:.1f} s (pids {server.pids})")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _doccano_admin_token(doccano_server):
    """One login per session: Doccano's password hashing costs ~0.5-1.5 s per login."""
    with DoccanoClient(doccano_server.url) as client:
        client.login(doccano_server.username, doccano_server.password)
        return client.token


@pytest.fixture
def doccano_client(doccano_server, _doccano_admin_token):
    """A DoccanoClient logged in as the session's admin (fresh per test; don't ``logout()``)."""
    with DoccanoClient(doccano_server.url) as client:
        client.use_token(_doccano_admin_token, doccano_server.username)
        yield client
