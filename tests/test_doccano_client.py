"""DoccanoClient against the real local Doccano (plus transport-level fault injection)."""

from __future__ import annotations

import io
import json
import logging
import secrets
import zipfile

import httpx
import pytest

from corpus_tools.doccano.client import (
    DoccanoAuthError,
    DoccanoClient,
    DoccanoError,
    DoccanoNotFound,
    DoccanoUnavailable,
)
from corpus_tools.doccano.server import find_free_port
from corpus_tools.doccano.types import RELATION_EXTRACTION

# --------------------------------------------------------------------------- retries (no server)


def _flaky(failures: list, final: httpx.Response | None = None):
    """A transport that raises/returns each item of ``failures`` in turn, then ``final``."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) <= len(failures):
            item = failures[len(calls) - 1]
            if isinstance(item, Exception):
                raise item
            return item
        return final or httpx.Response(200, json={"id": 1, "username": "u"})

    return httpx.MockTransport(handler), calls


def test_retries_connection_errors_then_succeeds():
    transport, calls = _flaky([httpx.ConnectError("refused")] * 3)
    with DoccanoClient("http://127.0.0.1:9", transport=transport, retries=4, backoff=0) as dc:
        assert dc.me().username == "u"
    assert len(calls) == 4


def test_retries_5xx_and_429_on_get():
    transport, calls = _flaky([httpx.Response(502), httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(503)])
    with DoccanoClient("http://127.0.0.1:9", transport=transport, retries=3, backoff=0) as dc:
        assert dc.me().id == 1
    assert len(calls) == 4


def test_gives_up_after_retries_with_unavailable():
    transport, calls = _flaky([httpx.ConnectError("refused")] * 10)
    with DoccanoClient("http://127.0.0.1:9", transport=transport, retries=2, backoff=0) as dc:
        with pytest.raises(DoccanoUnavailable, match=r"http://127.0.0.1:9.*corpus-tools doccano serve"):
            dc.me()
    assert len(calls) == 3


def test_read_timeouts_on_get_are_retried_then_reported_as_slow():
    transport, calls = _flaky([httpx.ReadTimeout("slow")] * 5)
    with DoccanoClient("http://127.0.0.1:9", transport=transport, retries=2, backoff=0) as dc:
        with pytest.raises(DoccanoUnavailable, match="did not answer in time"):
            dc.list_examples(1)
    assert len(calls) == 3


def test_non_idempotent_post_not_retried_once_it_may_have_reached_the_server():
    transport, calls = _flaky([httpx.ReadTimeout("slow")], httpx.Response(201, json={"id": 5, "example": 1, "label": 2}))
    with DoccanoClient("http://127.0.0.1:9", transport=transport, retries=4, backoff=0) as dc:
        with pytest.raises(DoccanoError, match="not idempotent"):
            dc.create_category(1, 1, 2)
    assert len(calls) == 1
    # ... nor on a 500 (the server may have half-done it), but on a 429 or a connect error it is.
    transport, calls = _flaky([httpx.Response(500)])
    with DoccanoClient("http://127.0.0.1:9", transport=transport, retries=4, backoff=0) as dc:
        with pytest.raises(DoccanoError, match="HTTP 500"):
            dc.create_category(1, 1, 2)
    assert len(calls) == 1
    transport, calls = _flaky([httpx.ConnectError("refused"), httpx.Response(429)], httpx.Response(201, json={"id": 5, "example": 1, "label": 2}))
    with DoccanoClient("http://127.0.0.1:9", transport=transport, retries=4, backoff=0) as dc:
        assert dc.create_category(1, 1, 2).id == 5
    assert len(calls) == 3


def test_token_never_in_errors_or_logs(caplog):
    secret_token = "tok-" + "x" * 30

    def handler(request):
        if request.url.path == "/v1/auth/login/":
            return httpx.Response(200, json={"key": secret_token})
        assert request.headers["Authorization"] == f"Token {secret_token}"
        if request.url.path == "/v1/me":
            return httpx.Response(200, json={"id": 1, "username": "admin"})
        return httpx.Response(500, text=f"echo {request.headers}")  # a server echoing headers back

    caplog.set_level(logging.DEBUG)
    with DoccanoClient("http://127.0.0.1:9", transport=httpx.MockTransport(handler), retries=1, backoff=0) as dc:
        dc.login("admin", "pw-Secret-123")
        with pytest.raises(DoccanoError) as err:
            dc.get_project(3)
        assert secret_token not in repr(dc)
    assert "HTTP 500" in str(err.value)
    assert "pw-Secret-123" not in caplog.text and secret_token not in caplog.text


# --------------------------------------------------------------------------- real server


@pytest.mark.doccano
def test_login_wrong_password_is_auth_error_without_the_password(doccano_server, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "Wrong-" + doccano_server.password[::-1]
    with DoccanoClient(doccano_server.url) as dc:
        with pytest.raises(DoccanoAuthError) as err:
            dc.login(doccano_server.username, wrong)
    msg = str(err.value)
    assert "wrong username or password" in msg and doccano_server.url in msg
    for secret in (wrong, doccano_server.password):
        assert secret not in msg and secret not in caplog.text


@pytest.mark.doccano
def test_unauthenticated_call_is_auth_error(doccano_server):
    with DoccanoClient(doccano_server.url) as dc:
        with pytest.raises(DoccanoAuthError):
            dc.list_projects()


def test_server_down_names_the_url():
    url = f"http://127.0.0.1:{find_free_port()}"
    with DoccanoClient(url, retries=1, backoff=0, timeout=2) as dc:
        with pytest.raises(DoccanoUnavailable) as err:
            dc.login("admin", "pw-Secret-123")
    assert url in str(err.value) and "corpus-tools doccano serve" in str(err.value)
    assert "pw-Secret-123" not in str(err.value)


@pytest.mark.doccano
def test_login_is_cookieless_and_posts_work(doccano_server):
    # Its own admin: logout deletes the user's one token, which the session's other tests share.
    name, pw = "logout_admin", secrets.token_urlsafe(12)
    doccano_server.create_user(name, pw, admin=True)
    with DoccanoClient(doccano_server.url) as dc:
        me = dc.login(name, pw)
        assert me.username == name and me.is_superuser
        assert len(dc._http.cookies.jar) == 0  # no session cookie, so no CSRF check on POSTs
        assert dc.create_project("client-cookieless", "DocumentClassification").name == "client-cookieless"
        assert dc.health()
        dc.logout()
        with pytest.raises(DoccanoAuthError):
            dc.list_projects()


@pytest.mark.doccano
def test_projects_create_find_update_and_not_found(doccano_client):
    assert doccano_client.find_project("no such project") is None
    p = doccano_client.create_project("client-proj-crud", "SequenceLabeling", use_relation=True, description="d")
    assert p.use_relation is True and p.project_type == "SequenceLabeling"
    assert doccano_client.find_project("client-proj-crud").id == p.id
    # The search is a substring match; find_project must still pick the exact name.
    doccano_client.create_project("client-proj-crud-2", "DocumentClassification")
    assert doccano_client.find_project("client-proj-crud").id == p.id
    assert p.id in [x.id for x in doccano_client.list_projects()]
    up = doccano_client.update_project(p.id, guideline="Label every PER.", grapheme_mode=True)
    assert up.guideline == "Label every PER." and up.grapheme_mode is True and up.use_relation is True
    with pytest.raises(DoccanoNotFound):
        doccano_client.get_project(999999)
    doccano_client.delete_project(p.id)
    assert doccano_client.find_project("client-proj-crud") is None


@pytest.mark.doccano
def test_label_types_of_each_kind(doccano_client):
    p = doccano_client.create_project("client-labels", "SequenceLabeling", use_relation=True)
    for kind, name in (("span", "PER"), ("relation", "leader_of"), ("category", "politik")):
        t = doccano_client.create_label_type(p.id, kind, name, "#ff0000", suffix_key="p" if kind == "span" else None)
        assert [x.text for x in doccano_client.list_label_types(p.id, kind)] == [name]
        assert doccano_client.update_label_type(p.id, kind, t.id, background_color="#00ff00").background_color == "#00ff00"
    with pytest.raises(ValueError, match="kind"):
        doccano_client.list_label_types(p.id, "bbox")
    with pytest.raises(DoccanoError):  # Doccano answers a duplicate name with HTTP 500
        doccano_client.create_label_type(p.id, "span", "PER")
    assert len(doccano_client.list_label_types(p.id, "span")) == 1


ROWS = [
    {"text": "Presiden Joko Widodo mengunjungi Jakarta.", "article_id": "a1", "entities": [{"id": 1, "start_offset": 9, "end_offset": 20, "label": "PER"}, {"id": 2, "start_offset": 33, "end_offset": 40, "label": "GPE"}], "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "visits"}]},
    {"text": "Emoji 👍🏽 dan kata café\r\nbaris dua.", "article_id": "a2", "entities": [], "relations": []},
] + [{"text": f"Artikel nomor {i} 🇮🇩.", "article_id": f"a{i}", "entities": [], "relations": []} for i in range(3, 13)]


@pytest.mark.doccano
def test_round_trip_upload_paginate_annotate_confirm_export(doccano_client, doccano_server, caplog):
    caplog.set_level(logging.DEBUG)
    dc = doccano_client
    p = dc.create_project("client-roundtrip", "SequenceLabeling", use_relation=True)
    spans = {t: dc.create_label_type(p.id, "span", t).id for t in ("PER", "GPE")}
    rel = dc.create_label_type(p.id, "relation", "visits").id
    cat = dc.create_label_type(p.id, "category", "politik").id

    with pytest.raises(ValueError, match="row 2 has different keys"):
        dc.upload(p.id, [{"text": "a", "article_id": "z"}, {"text": "b"}], task=RELATION_EXTRACTION)

    result = dc.upload(p.id, ROWS, task=RELATION_EXTRACTION)
    assert result.ok, result.errors

    # Pagination across many pages (page size 2 < 12 examples): no duplicates, no losses.
    examples = list(dc.iter_examples(p.id, page_size=2))
    assert [e.id for e in examples] == sorted({e.id for e in examples})
    # Columns other than text/entities/relations become the example's meta.
    assert sorted(e.meta["article_id"] for e in examples) == sorted(r["article_id"] for r in ROWS)
    assert all(e.meta == {"article_id": e.meta["article_id"]} for e in examples)
    by_article = {e.meta["article_id"]: e for e in examples}
    assert by_article["a2"].text == ROWS[1]["text"]  # emoji, accents and CRLF intact
    assert dc.count_examples(p.id) == len(ROWS)

    # The imported pre-annotations belong to the uploading user.
    ex1 = by_article["a1"]
    imported = dc.list_spans(p.id, ex1.id)
    assert sorted((s.start_offset, s.end_offset, s.label) for s in imported) == [(9, 20, spans["PER"]), (33, 40, spans["GPE"])]
    assert [r.type for r in dc.list_relations(p.id, ex1.id)] == [rel]

    # Annotate an example by hand: spans, a relation, a category.
    ex2 = by_article["a2"]
    s1 = dc.create_span(p.id, ex2.id, 0, 5, spans["PER"])
    s2 = dc.create_span(p.id, ex2.id, 24, 28, spans["GPE"])
    with pytest.raises(DoccanoError, match="HTTP 400"):  # overlapping spans are refused
        dc.create_span(p.id, ex2.id, 1, 3, spans["GPE"])
    r = dc.create_relation(p.id, ex2.id, s1.id, s2.id, rel)
    c = dc.create_category(p.id, ex2.id, cat)
    assert [x.id for x in dc.list_spans(p.id, ex2.id)] == [s1.id, s2.id]
    moved = dc.update_span(p.id, ex2.id, s2.id, start_offset=23, end_offset=28)
    assert (moved.id, moved.start_offset, moved.end_offset, moved.label) == (s2.id, 23, 28, spans["GPE"])
    assert [(x.from_id, x.to_id) for x in dc.list_relations(p.id, ex2.id)] == [(s1.id, s2.id)]
    assert [x.label for x in dc.list_categories(p.id, ex2.id)] == [cat]

    # Confirming twice keeps it confirmed (Doccano's POST toggles; ours is idempotent).
    dc.confirm_example(p.id, ex2.id)
    dc.confirm_example(p.id, ex2.id)
    assert len(dc.list_states(p.id, ex2.id)) == 1
    assert [e.id for e in dc.iter_examples(p.id, confirmed=True)] == [ex2.id]
    assert dc.get_example(p.id, ex2.id).is_confirmed

    # Export: one JSONL per member; only confirmed examples with export_approved.
    files = dc.export_files(p.id, "JSONL", export_approved=True)
    assert list(files) == [f"{doccano_server.username}.jsonl"]
    lines = [json.loads(x) for x in files[f"{doccano_server.username}.jsonl"].decode("utf-8").splitlines()]
    assert len(lines) == 1 and lines[0]["text"] == ROWS[1]["text"]
    assert sorted((e["start_offset"], e["end_offset"]) for e in lines[0]["entities"]) == [(0, 5), (23, 28)]
    assert lines[0]["relations"][0]["type"] == "visits" and lines[0]["Comments"] == []
    everything = dc.export(p.id, "JSONL")
    with zipfile.ZipFile(io.BytesIO(everything)) as zf:
        assert len(zf.read(f"{doccano_server.username}.jsonl").decode("utf-8").splitlines()) == len(ROWS)

    # Delete annotations and examples.
    dc.delete_category(p.id, ex2.id, c.id)
    dc.delete_relation(p.id, ex2.id, r.id)
    dc.delete_span(p.id, ex2.id, s2.id)
    assert [x.id for x in dc.list_spans(p.id, ex2.id)] == [s1.id]
    dc.confirm_example(p.id, ex2.id, confirmed=False)
    assert dc.list_states(p.id, ex2.id) == []
    with pytest.raises(ValueError):
        dc.delete_examples(p.id, [])
    dc.delete_examples(p.id, [examples[-1].id])
    dc.delete_example(p.id, examples[-2].id)
    assert dc.count_examples(p.id) == len(ROWS) - 2
    assert doccano_server.password not in caplog.text
    assert dc.token and dc.token not in caplog.text


@pytest.mark.doccano
def test_create_update_example_and_upload_file(doccano_client, tmp_path):
    dc = doccano_client
    p = dc.create_project("client-examples", "SequenceLabeling", use_relation=True)
    e = dc.create_example(p.id, "Teks 😀 satu.", {"article_id": "x1"})
    assert e.meta == {"article_id": "x1"} and e.text == "Teks 😀 satu."
    e2 = dc.update_example(p.id, e.id, text="Teks dua.", meta={"article_id": "x1", "sha": "abc"})
    assert e2.text == "Teks dua." and e2.meta["sha"] == "abc"
    path = tmp_path / "articles.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS[:3]), encoding="utf-8")
    assert dc.upload(p.id, path, task=RELATION_EXTRACTION).ok
    assert dc.count_examples(p.id) == 4
    with pytest.raises(DoccanoNotFound):
        dc.get_example(p.id, 99999999)


@pytest.mark.doccano
def test_upload_reports_bad_lines(doccano_client, tmp_path):
    dc = doccano_client
    p = dc.create_project("client-bad-upload", "SequenceLabeling", use_relation=True)
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok", "entities": [], "relations": []}\n{"text": "no entities key"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl: row 2"):
        dc.upload(p.id, path, task=RELATION_EXTRACTION)
    # A line Doccano itself rejects comes back as an import error, not silence.
    path.write_text('{"text": "ok", "entities": [], "relations": []}\n{"text": "", "entities": [], "relations": []}\n', encoding="utf-8")
    result = dc.upload(p.id, path, task=RELATION_EXTRACTION)
    assert not result.ok and result.errors[0]["line"] == 2, result.errors
    assert dc.count_examples(p.id) == 1


@pytest.mark.doccano
def test_members_and_annotator_view(doccano_client, doccano_server):
    dc = doccano_client
    p = dc.create_project("client-members", "SequenceLabeling", use_relation=True)
    cat = dc.create_label_type(p.id, "category", "ekonomi").id
    ex = dc.create_example(p.id, "Harga beras naik.")
    doccano_server.create_user("ann1", "Ann1-pass-xyz")
    with pytest.raises(DoccanoNotFound, match="nobody"):
        dc.add_member(p.id, "nobody", "annotator")
    m = dc.add_member(p.id, "ann1", "annotator")
    assert m.rolename == "annotator"
    assert dc.add_member(p.id, "ann1", "annotator").id == m.id  # idempotent
    with DoccanoClient(doccano_server.url) as ann:
        ann.login("ann1", "Ann1-pass-xyz")
        assert [x.id for x in ann.list_projects()] == [p.id]
        ann.create_category(p.id, ex.id, cat)
        with pytest.raises(DoccanoAuthError, match="permission denied"):
            ann.create_label_type(p.id, "span", "X")
    # Non-collaborative project: the admin does not see the annotator's labels by REST.
    assert dc.list_categories(p.id, ex.id) == []
    assert sorted(dc.export_files(p.id)) == ["admin.jsonl", "ann1.jsonl"]


class _ShiftingPages(httpx.BaseTransport):
    """Real server behind it; the first pass over the example list gets pages whose offset
    is moved by ``shift`` (what ties in Doccano's created_at ordering can do to a page)."""

    def __init__(self, shift: int, pages_to_shift: set[int]):
        self.inner = httpx.HTTPTransport()
        self.shift, self.pages_to_shift, self.page = shift, pages_to_shift, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/examples") and request.method == "GET" and "offset" in request.url.params:
            self.page += 1
            if self.page in self.pages_to_shift:
                offset = int(request.url.params["offset"]) + self.shift
                request = httpx.Request("GET", request.url.copy_set_param("offset", str(max(0, offset))), headers=request.headers)
        return self.inner.handle_request(request)


@pytest.mark.doccano
@pytest.mark.parametrize("shift", [-1, +1], ids=["duplicate", "loss"])
def test_iter_examples_survives_unstable_pages(doccano_client, doccano_server, shift):
    p = doccano_client.create_project(f"client-unstable-{shift}", "SequenceLabeling", use_relation=True)
    assert doccano_client.upload(p.id, ROWS[:9], task=RELATION_EXTRACTION).ok
    expected = [e.id for e in doccano_client.iter_examples(p.id)]
    with DoccanoClient(doccano_server.url, transport=_ShiftingPages(shift, {2, 3})) as dc:
        dc.use_token(doccano_client.token)
        got = [e.id for e in dc.iter_examples(p.id, page_size=3)]
    assert got == expected and len(got) == 9
