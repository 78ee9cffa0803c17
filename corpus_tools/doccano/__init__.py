"""The Doccano bridge: a real local Doccano 1.8.4 server and our typed HTTP client for it.

``server`` starts/stops Doccano on 127.0.0.1 from its own virtualenv; ``client`` talks to it
(``DoccanoClient``); ``types`` holds the pydantic models of its payloads.
"""

from .client import DoccanoAuthError, DoccanoClient, DoccanoError, DoccanoNotFound, DoccanoUnavailable
from .server import DoccanoServer, DoccanoServerError, ensure_server_venv

__all__ = [
    "DoccanoAuthError",
    "DoccanoClient",
    "DoccanoError",
    "DoccanoNotFound",
    "DoccanoServer",
    "DoccanoServerError",
    "DoccanoUnavailable",
    "ensure_server_venv",
]
