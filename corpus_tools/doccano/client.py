"""A small typed HTTP client for Doccano 1.8.4 (our own, on httpx).

Why not doccano-client: 1.2.x pins pydantic<2 and urllib3<2, and 1.1.x calls endpoints 1.8 no
longer has. This client covers what the bridge needs, with:

* token auth on a cookie-less session (a session cookie would make Doccano enforce CSRF on
  every POST);
* a timeout on every request and retries with exponential backoff on connection errors,
  429 and 5xx, but a non-idempotent POST is retried only when it cannot have reached the
  server (connect errors, 429);
* errors that name the method and path but never the token or the login body;
* a swappable transport (``transport=``) so tests can inject faults without patching.
"""

from __future__ import annotations

import http.cookiejar
import io
import json
import logging
import os
import random
import time
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx

from .types import (
    LABEL_KINDS,
    PROJECT_RESOURCE_TYPES,
    Category,
    Example,
    ExampleState,
    LabelType,
    Member,
    Project,
    Relation,
    Role,
    Span,
    TaskResult,
    UploadResult,
    User,
)

log = logging.getLogger(__name__)

SERVE_HINT = "start it with `corpus-tools doccano serve` (or check DOCCANO_URL / --url)"
_LABEL_TYPE_PATHS = {"span": "span-types", "relation": "relation-types", "category": "category-types"}
_IDEMPOTENT = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}
# Errors raised before a single byte of the request could have reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_MAYBE_SENT = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)


class DoccanoError(RuntimeError):
    """Any failure talking to Doccano; ``status_code`` is set for HTTP errors."""

    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


class DoccanoAuthError(DoccanoError):
    """Wrong credentials, missing/expired token (401) or not allowed (403)."""


class DoccanoNotFound(DoccanoError):
    """The project, example, label or task does not exist (404)."""


class DoccanoUnavailable(DoccanoError):
    """The server cannot be reached (down, wrong URL) or kept failing after the retries."""


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Refuse every cookie: token auth must never fall back to session auth (+CSRF)."""

    def set_ok(self, cookie, request):  # noqa: D401
        return False

    def return_ok(self, cookie, request):
        return False


class DoccanoClient:
    """Typed access to one Doccano server.

    Example::

        with DoccanoClient("http://127.0.0.1:8000") as dc:
            dc.login("admin", os.environ["DOCCANO_PASSWORD"])
            project = dc.find_project("berita")
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self._username: str | None = None
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json"},
            cookies=http.cookiejar.CookieJar(policy=_NoCookies()),
            follow_redirects=False,
        )

    def __repr__(self) -> str:  # no token here
        return f"DoccanoClient({self.base_url!r}, user={self._username!r})"

    # ----------------------------------------------------------------- lifecycle / auth
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "DoccanoClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def username(self) -> str | None:
        return self._username

    def login(self, username: str, password: str) -> User:
        """Get a token (``POST /v1/auth/login/``) and use it for every later request."""
        if not username or not password:
            raise DoccanoAuthError("a Doccano username and password are needed (set DOCCANO_USERNAME and DOCCANO_PASSWORD)")
        self._http.headers.pop("Authorization", None)
        # Safe to retry: logging in twice just returns the same token.
        r = self._request("POST", "/v1/auth/login/", json={"username": username, "password": password}, idempotent=True, ok=(200, 400, 401, 403))
        if r.status_code != 200:
            raise DoccanoAuthError(f"Doccano at {self.base_url} refused the login for user {username!r}: wrong username or password", status_code=r.status_code)
        key = r.json().get("key")
        if not key:
            raise DoccanoAuthError(f"Doccano at {self.base_url} returned no token for user {username!r}")
        self._http.headers["Authorization"] = f"Token {key}"
        self._username = username
        return self.me()

    @property
    def token(self) -> str | None:
        """The API token of the current login (a secret: never print or log it)."""
        auth = self._http.headers.get("Authorization", "")
        return auth.split(" ", 1)[1] if auth.startswith("Token ") else None

    def use_token(self, token: str, username: str | None = None) -> None:
        """Reuse a token from an earlier ``login`` (skips the slow password hashing)."""
        self._http.headers["Authorization"] = f"Token {token}"
        self._username = username

    def logout(self) -> None:
        """Invalidate the token on the server (``POST /v1/auth/logout/``)."""
        if "Authorization" in self._http.headers:
            self._request("POST", "/v1/auth/logout/", idempotent=True, ok=(200, 204, 401))
            self._http.headers.pop("Authorization", None)
            self._username = None

    def me(self) -> User:
        return User.model_validate(self._get("/v1/me"))

    def health(self) -> bool:
        """True when ``/v1/health/`` reports every check (database, Celery, storage) OK."""
        r = self._request("GET", "/v1/health/", ok=(200, 500))
        return r.status_code == 200

    # ----------------------------------------------------------------- HTTP core
    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: Any = None,
        data: dict | None = None,
        files: dict | None = None,
        idempotent: bool | None = None,
        ok: Iterable[int] = (200, 201, 204),
        timeout: float | None = None,
        headers: dict | None = None,
    ) -> httpx.Response:
        """One request with retries; non-OK answers become typed DoccanoErrors."""
        if idempotent is None:
            idempotent = method in _IDEMPOTENT
        ok = tuple(ok)
        where = f"{method} {self.base_url}{path}"
        last_problem = ""
        retry_after: float | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(attempt, retry_after)
            retry_after = None
            try:
                r = self._http.request(
                    method, path, params=params, json=json, data=data, files=files, headers=headers,
                    timeout=httpx.Timeout(timeout) if timeout else httpx.USE_CLIENT_DEFAULT,
                )
            except _NOT_SENT as e:
                last_problem = _describe(e)
                log.debug("%s: %s (attempt %d)", where, last_problem, attempt + 1)
                continue
            except _MAYBE_SENT as e:
                last_problem = _describe(e)
                if idempotent:
                    log.debug("%s: %s (attempt %d)", where, last_problem, attempt + 1)
                    continue
                raise DoccanoError(
                    f"{where} failed ({last_problem}) after the request may have reached the server; "
                    "not retried because it is not idempotent: check the server state before re-running"
                ) from None
            except httpx.HTTPError as e:
                raise DoccanoError(f"{where} failed: {_describe(e)}") from None
            if r.status_code in ok:
                return r
            if r.status_code == 429 or (r.status_code >= 500 and idempotent):
                last_problem = f"HTTP {r.status_code}"
                retry_after = _retry_after(r)
                log.debug("%s: HTTP %d (attempt %d)", where, r.status_code, attempt + 1)
                continue
            raise self._http_error(where, r)
        if last_problem.startswith("HTTP"):
            raise DoccanoUnavailable(f"{where} kept failing ({last_problem}) after {self.retries + 1} attempts; check the server logs", status_code=int(last_problem.split()[1]))
        if "Timeout" in last_problem and not last_problem.startswith("ConnectTimeout"):
            raise DoccanoUnavailable(f"{where}: Doccano did not answer in time ({last_problem}, {self.retries + 1} attempts); the server may be overloaded, see its logs")
        raise DoccanoUnavailable(f"cannot reach Doccano at {self.base_url} ({last_problem}, {self.retries + 1} attempts); {SERVE_HINT}")

    def _sleep(self, attempt: int, retry_after: float | None) -> None:
        delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        delay = delay * (0.5 + random.random() / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_backoff))
        if delay > 0:
            time.sleep(delay)

    def _http_error(self, where: str, r: httpx.Response) -> DoccanoError:
        detail = _detail(r)
        code = r.status_code
        if code == 401:
            return DoccanoAuthError(f"{where}: not logged in or the token was rejected (HTTP 401); log in again", status_code=code)
        if code == 403:
            who = self._username or "this user"
            return DoccanoAuthError(f"{where}: permission denied for {who} (HTTP 403){detail}", status_code=code)
        if code == 404:
            return DoccanoNotFound(f"{where}: not found (HTTP 404){detail}", status_code=code)
        return DoccanoError(f"{where}: HTTP {code}{detail}", status_code=code)

    def _get(self, path: str, params: dict | None = None) -> Any:
        return self._request("GET", path, params=params).json()

    def _post(self, path: str, payload: Any, *, idempotent: bool = False) -> Any:
        return self._request("POST", path, json=payload, idempotent=idempotent).json()

    def _paged(self, path: str, params: dict | None = None, *, page_size: int = 200) -> tuple[list[dict], int]:
        """Every row of a limit/offset list endpoint, plus the last reported ``count``."""
        rows: list[dict] = []
        offset, count = 0, 0
        while True:
            page = self._get(path, {**(params or {}), "limit": page_size, "offset": offset})
            if isinstance(page, list):  # endpoint without pagination
                return page, len(page)
            results = page.get("results") or []
            count = int(page.get("count") or 0)
            rows.extend(results)
            offset += len(results)
            if not results or not page.get("next") or offset >= count:
                return rows, count

    # ----------------------------------------------------------------- users, roles, members
    def list_users(self, query: str | None = None) -> list[User]:
        return [User.model_validate(u) for u in self._get("/v1/users", {"q": query} if query else None)]

    def find_user(self, username: str) -> User | None:
        return next((u for u in self.list_users(username) if u.username == username), None)

    def list_roles(self) -> list[Role]:
        return [Role.model_validate(r) for r in self._get("/v1/roles")]

    def list_members(self, project_id: int) -> list[Member]:
        return [Member.model_validate(m) for m in self._get(f"/v1/projects/{project_id}/members")]

    def add_member(self, project_id: int, username: str, role: str = "annotator") -> Member:
        """Give ``username`` a role in the project (idempotent: an existing member is updated)."""
        user = self.find_user(username)
        if user is None:
            raise DoccanoNotFound(f"no Doccano user named {username!r}; create it first (DoccanoServer.create_user or the admin UI)")
        roles = {r.name: r.id for r in self.list_roles()}
        if role not in roles:
            raise DoccanoError(f"unknown Doccano role {role!r}; use one of {sorted(roles)}")
        for m in self.list_members(project_id):
            if m.user == user.id:
                if m.role == roles[role]:
                    return m
                data = self._request("PUT", f"/v1/projects/{project_id}/members/{m.id}", json={"user": user.id, "role": roles[role]}).json()
                return Member.model_validate(data)
        return Member.model_validate(self._post(f"/v1/projects/{project_id}/members", {"user": user.id, "role": roles[role]}))

    # ----------------------------------------------------------------- projects
    def list_projects(self) -> list[Project]:
        rows, _ = self._paged("/v1/projects")
        unique = {p["id"]: p for p in rows}  # pages have no tiebreaker: de-duplicate
        return [Project.model_validate(unique[i]) for i in sorted(unique)]

    def get_project(self, project_id: int) -> Project:
        return Project.model_validate(self._get(f"/v1/projects/{project_id}"))

    def find_project(self, name: str) -> Project | None:
        """The project with exactly this name visible to the user (lowest id if several)."""
        rows, _ = self._paged("/v1/projects", {"q": name})
        matches = sorted((Project.model_validate(p) for p in rows if p.get("name") == name), key=lambda p: p.id)
        return matches[0] if matches else None

    def create_project(
        self,
        name: str,
        project_type: str = "SequenceLabeling",
        *,
        description: str = "",
        guideline: str = "",
        collaborative_annotation: bool = False,
        random_order: bool = False,
        single_class_classification: bool = False,
        allow_member_to_create_label_type: bool = False,
        use_relation: bool = False,
        allow_overlapping: bool = False,
        grapheme_mode: bool = False,
        tags: list[str] | None = None,
    ) -> Project:
        """Create a project (``description`` must be non-empty for Doccano; we default to the name)."""
        if project_type not in PROJECT_RESOURCE_TYPES:
            raise ValueError(f"unknown Doccano project type {project_type!r}; use one of {sorted(PROJECT_RESOURCE_TYPES)}")
        payload: dict[str, Any] = {
            "name": name,
            "description": description or name,
            "guideline": guideline,
            "project_type": project_type,
            "resourcetype": PROJECT_RESOURCE_TYPES[project_type],
            "collaborative_annotation": collaborative_annotation,
            "random_order": random_order,
            "single_class_classification": single_class_classification,
            "allow_member_to_create_label_type": allow_member_to_create_label_type,
            "tags": [{"text": t} for t in (tags or [])],
        }
        if project_type == "SequenceLabeling":
            payload.update(use_relation=use_relation, allow_overlapping=allow_overlapping, grapheme_mode=grapheme_mode)
        return Project.model_validate(self._post("/v1/projects", payload))

    def update_project(self, project_id: int, **fields: Any) -> Project:
        """PATCH the given fields (the polymorphic ``resourcetype`` is added for you)."""
        if "resourcetype" not in fields:
            fields["resourcetype"] = PROJECT_RESOURCE_TYPES[self.get_project(project_id).project_type]
        return Project.model_validate(self._request("PATCH", f"/v1/projects/{project_id}", json=fields, idempotent=True).json())

    def delete_project(self, project_id: int) -> None:
        self._request("DELETE", f"/v1/projects/{project_id}")

    # ----------------------------------------------------------------- label types
    def _label_type_path(self, project_id: int, kind: str) -> str:
        if kind not in _LABEL_TYPE_PATHS:
            raise ValueError(f"label type kind must be one of {LABEL_KINDS}, not {kind!r}")
        return f"/v1/projects/{project_id}/{_LABEL_TYPE_PATHS[kind]}"

    def list_label_types(self, project_id: int, kind: str) -> list[LabelType]:
        return [LabelType.model_validate(t) for t in self._get(self._label_type_path(project_id, kind))]

    def create_label_type(
        self,
        project_id: int,
        kind: str,
        name: str,
        color: str = "#209cee",
        *,
        text_color: str = "#ffffff",
        prefix_key: str | None = None,
        suffix_key: str | None = None,
    ) -> LabelType:
        """Create a type. Doccano answers a duplicate name with HTTP 500, so list first."""
        payload = {"text": name, "background_color": color, "text_color": text_color, "prefix_key": prefix_key, "suffix_key": suffix_key}
        return LabelType.model_validate(self._post(self._label_type_path(project_id, kind), payload))

    def update_label_type(self, project_id: int, kind: str, label_id: int, **fields: Any) -> LabelType:
        path = f"{self._label_type_path(project_id, kind)}/{label_id}"
        return LabelType.model_validate(self._request("PATCH", path, json=fields, idempotent=True).json())

    def delete_label_type(self, project_id: int, kind: str, label_id: int) -> None:
        self._request("DELETE", f"{self._label_type_path(project_id, kind)}/{label_id}")

    # ----------------------------------------------------------------- examples
    def iter_examples(self, project_id: int, *, page_size: int = 200, **filters: Any) -> Iterator[Example]:
        """Every example once, ordered by id.

        Doccano orders pages by ``created_at`` with no tiebreaker, so rows with equal
        timestamps may move between pages: we de-duplicate by id and, if the set is still
        short of the reported count, page through again (up to 3 passes).
        """
        params = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in filters.items() if v is not None}
        seen: dict[int, dict] = {}
        count = 0
        for _ in range(3):
            rows, count = self._paged(f"/v1/projects/{project_id}/examples", params, page_size=page_size)
            for row in rows:
                seen[row["id"]] = row
            if len(seen) >= count:
                break
        else:
            raise DoccanoError(
                f"project {project_id}: listed {len(seen)} distinct examples but the server reports {count} "
                "(the project changed while paging?); run again"
            )
        for example_id in sorted(seen):
            yield Example.model_validate(seen[example_id])

    def list_examples(self, project_id: int, **filters: Any) -> list[Example]:
        return list(self.iter_examples(project_id, **filters))

    def count_examples(self, project_id: int, **filters: Any) -> int:
        params = {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in filters.items()}
        return int(self._get(f"/v1/projects/{project_id}/examples", {**params, "limit": 1})["count"])

    def get_example(self, project_id: int, example_id: int) -> Example:
        return Example.model_validate(self._get(f"/v1/projects/{project_id}/examples/{example_id}"))

    def create_example(self, project_id: int, text: str, meta: dict | None = None) -> Example:
        """One example by REST (slow for many: use ``upload``)."""
        return Example.model_validate(self._post(f"/v1/projects/{project_id}/examples", {"text": text, "meta": meta or {}}))

    def update_example(self, project_id: int, example_id: int, **fields: Any) -> Example:
        """PATCH e.g. ``text=`` or ``meta=`` (meta replaces the whole dict)."""
        path = f"/v1/projects/{project_id}/examples/{example_id}"
        return Example.model_validate(self._request("PATCH", path, json=fields, idempotent=True).json())

    def delete_example(self, project_id: int, example_id: int) -> None:
        self._request("DELETE", f"/v1/projects/{project_id}/examples/{example_id}")

    def delete_examples(self, project_id: int, example_ids: list[int]) -> None:
        """Bulk delete. An empty list is refused: Doccano would delete EVERY example."""
        if not example_ids:
            raise ValueError("delete_examples needs at least one id (an empty list would delete the whole project)")
        self._request("DELETE", f"/v1/projects/{project_id}/examples", json={"ids": list(example_ids)})

    # ----------------------------------------------------------------- annotations
    def _ann_path(self, project_id: int, example_id: int, what: str) -> str:
        return f"/v1/projects/{project_id}/examples/{example_id}/{what}"

    def list_spans(self, project_id: int, example_id: int) -> list[Span]:
        """The logged-in user's spans (all users' in a collaborative project)."""
        return [Span.model_validate(s) for s in self._get(self._ann_path(project_id, example_id, "spans"))]

    def create_span(self, project_id: int, example_id: int, start: int, end: int, label: int) -> Span:
        """``start``/``end`` in Doccano's units; ``label`` is a span-type id."""
        payload = {"start_offset": start, "end_offset": end, "label": label}
        return Span.model_validate(self._post(self._ann_path(project_id, example_id, "spans"), payload))

    def update_span(self, project_id: int, example_id: int, span_id: int, **fields: Any) -> Span:
        """PATCH e.g. ``start_offset=``, ``end_offset=``, ``label=`` (Doccano's units)."""
        path = f"{self._ann_path(project_id, example_id, 'spans')}/{span_id}"
        return Span.model_validate(self._request("PATCH", path, json=fields, idempotent=True).json())

    def delete_span(self, project_id: int, example_id: int, span_id: int) -> None:
        self._request("DELETE", f"{self._ann_path(project_id, example_id, 'spans')}/{span_id}")

    def list_relations(self, project_id: int, example_id: int) -> list[Relation]:
        return [Relation.model_validate(r) for r in self._get(self._ann_path(project_id, example_id, "relations"))]

    def create_relation(self, project_id: int, example_id: int, from_id: int, to_id: int, type: int) -> Relation:
        """A relation between two span ids of the same example; ``type`` is a relation-type id."""
        payload = {"from_id": from_id, "to_id": to_id, "type": type}
        return Relation.model_validate(self._post(self._ann_path(project_id, example_id, "relations"), payload))

    def delete_relation(self, project_id: int, example_id: int, relation_id: int) -> None:
        self._request("DELETE", f"{self._ann_path(project_id, example_id, 'relations')}/{relation_id}")

    def list_categories(self, project_id: int, example_id: int) -> list[Category]:
        return [Category.model_validate(c) for c in self._get(self._ann_path(project_id, example_id, "categories"))]

    def create_category(self, project_id: int, example_id: int, label: int) -> Category:
        """``label`` is a category-type id."""
        return Category.model_validate(self._post(self._ann_path(project_id, example_id, "categories"), {"label": label}))

    def delete_category(self, project_id: int, example_id: int, category_id: int) -> None:
        self._request("DELETE", f"{self._ann_path(project_id, example_id, 'categories')}/{category_id}")

    def list_states(self, project_id: int, example_id: int) -> list[ExampleState]:
        """Confirmation marks of the logged-in user (everyone's in a collaborative project)."""
        rows, _ = self._paged(self._ann_path(project_id, example_id, "states"))
        return [ExampleState.model_validate(s) for s in rows]

    def confirm_example(self, project_id: int, example_id: int, confirmed: bool = True) -> bool:
        """Set the user's "confirmed" mark. Idempotent, although Doccano's POST toggles it."""
        is_confirmed = bool(self.list_states(project_id, example_id))
        if is_confirmed != confirmed:
            self._request("POST", self._ann_path(project_id, example_id, "states"), json={})
        return confirmed

    # ----------------------------------------------------------------- tasks, upload, export
    def task_status(self, task_id: str) -> TaskResult:
        data = self._get(f"/v1/tasks/status/{task_id}")
        return TaskResult(task_id=task_id, **data)

    def wait_task(self, task_id: str, *, timeout: float = 600.0, poll: float = 0.2) -> TaskResult:
        """Poll a Celery task until it is done; a failed task raises DoccanoError."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.task_status(task_id)
            if status.ready:
                if status.error:
                    raise DoccanoError(f"Doccano task {task_id} failed: {status.error.get('text', status.error)}")
                return status
            if time.monotonic() > deadline:
                raise DoccanoError(
                    f"Doccano task {task_id} not finished after {timeout:.0f} s; is the Celery worker running? "
                    "(see the celery.log in the server's data folder)"
                )
            time.sleep(poll)
            poll = min(poll * 1.5, 2.0)

    def upload(
        self,
        project_id: int,
        rows: list[dict] | str | os.PathLike,
        *,
        task: str,
        format: str = "JSONL",
        column_data: str = "text",
        column_label: str = "label",
        timeout: float = 1800.0,
        **options: Any,
    ) -> UploadResult:
        """Doccano's own bulk import: filepond upload, then the import task; waits for it.

        ``rows`` is a list of dicts (sent as UTF-8 JSONL) or a path to a file in ``format``.
        ``task`` selects Doccano's dataset reader: the project type, or ``RelationExtraction``
        for a SequenceLabeling project with relations. Every JSONL row must have the same keys
        (Doccano builds its columns from them). Returns the per-line import errors.
        """
        if isinstance(rows, (str, os.PathLike)):
            path = Path(rows)
            try:
                content = path.read_bytes()
            except FileNotFoundError:
                raise DoccanoError(f"{path}: no such file to upload") from None
            if format == "JSONL":
                _check_same_keys((json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()), str(path))
            filename = path.name
        else:
            if format != "JSONL":
                raise ValueError("rows given as dicts are sent as JSONL; pass format='JSONL' or a file path")
            rows = list(rows)
            if not rows:
                raise ValueError("nothing to upload: no rows")
            _check_same_keys(rows, "rows")
            content = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
            filename = "upload.jsonl"
        # Posting the file twice only leaves an unused temporary upload: safe to retry.
        r = self._request(
            "POST", "/v1/fp/process/", files={"filepond": (filename, content, "application/octet-stream")},
            idempotent=True, timeout=max(self.timeout, 300.0), headers={"Accept": "text/plain"},
        )
        upload_id = r.text.strip()
        payload = {
            "uploadIds": [upload_id],
            "format": format,
            "task": task,
            "encoding": "utf_8",
            "column_data": column_data,
            "column_label": column_label,
            **options,
        }
        # Not retried once sent: a second import task would create every example twice.
        task_id = self._post(f"/v1/projects/{project_id}/upload", payload)["task_id"]
        status = self.wait_task(task_id, timeout=timeout)
        errors = (status.result.get("error") or []) if isinstance(status.result, dict) else []
        return UploadResult(task_id=task_id, errors=errors)

    def export(self, project_id: int, format: str = "JSONL", export_approved: bool = False, *, timeout: float = 1800.0) -> bytes:
        """Doccano's export: start the task, wait for it, return the zip's bytes.

        In a non-collaborative project the zip holds one file per member (``<user>.jsonl``).
        ``export_approved`` keeps only examples the member confirmed.
        """
        # Starting an export twice only makes an extra zip: safe to retry.
        task_id = self._post(f"/v1/projects/{project_id}/download", {"format": format, "exportApproved": export_approved}, idempotent=True)["task_id"]
        self.wait_task(task_id, timeout=timeout)
        r = self._request("GET", f"/v1/projects/{project_id}/download", params={"taskId": task_id}, timeout=max(self.timeout, 300.0))
        if not r.content.startswith(b"PK"):
            raise DoccanoError(f"export of project {project_id}: expected a zip file, got {r.headers.get('content-type')!r}: {r.text[:200]}")
        return r.content

    def export_formats(self, project_id: int) -> list[dict]:
        """The export formats of a project; it needs the same project-admin role as ``export``,
        so it is also the cheap check that the user may export the project."""
        return self._get(f"/v1/projects/{project_id}/download-format")

    def export_files(self, project_id: int, format: str = "JSONL", export_approved: bool = False, **kw: Any) -> dict[str, bytes]:
        """The export unpacked: ``{file name in the zip: content}``."""
        with zipfile.ZipFile(io.BytesIO(self.export(project_id, format, export_approved, **kw))) as zf:
            return {name: zf.read(name) for name in zf.namelist()}


def _check_same_keys(rows: Iterable[dict], source: str) -> None:
    keys = None
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ValueError(f"{source}: row {i} is not a JSON object")
        if keys is None:
            keys = set(row)
        elif set(row) != keys:
            missing, extra = sorted(keys - set(row)), sorted(set(row) - keys)
            raise ValueError(
                f"{source}: row {i} has different keys from row 1 (missing {missing}, extra {extra}); "
                "Doccano needs identical keys in every JSONL row"
            )


def _describe(e: Exception) -> str:
    """The kind of network failure, without request details (headers never appear)."""
    msg = str(e)
    # httpx messages for these errors are OS/socket texts; keep them short and header-free.
    return f"{type(e).__name__}: {msg[:200]}" if msg else type(e).__name__


def _retry_after(r: httpx.Response) -> float | None:
    try:
        return float(r.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _detail(r: httpx.Response) -> str:
    """A short, useful server message (DRF's JSON error body, or the start of the text)."""
    try:
        body = r.json()
    except ValueError:
        text = r.text.strip()
        if "<html" in text[:200].lower():
            return ""
        return f": {text[:300]}" if text else ""
    return f": {json.dumps(body, ensure_ascii=False)[:500]}"
