"""The column-wise Article check (article_batch) against the model, the source of truth: a line
it accepts must be one the model accepts, with the same values; lines it does not accept are
left to the model. Also: it does accept the ordinary cases (else it would be pointless)."""

from __future__ import annotations

import json
import random

import pyarrow.json as pj
import pytest
from pydantic import ValidationError

from corpus_tools import json_lines
from corpus_tools.article import Article
from corpus_tools.article_batch import (
    ARTICLE_ARROW_SCHEMA,
    PY_WHITESPACE,
    article_row,
    articles_table,
    validate_article_lines,
)
from corpus_tools.json_lines import read_json_lines

PARAS = [
    "Pemimpin Korea Utara, Kim Jong-un, meninjau pabrik amunisi di Pyongyang.",
    "“Kita harus meningkatkan produksi,” katanya – menurut KCNA – pada Kamis (8/5).",
    "Café résumé naïve: 1.000 peluru artileri 155 mm; 北朝鮮 and 김정은 are names too.",
    "Emoji 🚀 and a zero-width\u200bspace stay; tabs\tinside are fine.",
    "Subjudul",
]


def base(i: int = 0, paras: list[str] | None = None) -> dict:
    paras = paras or PARAS[: 2 + i % 4]  # (3 and 4: CJK, Hangul, an emoji)
    text = "\n\n".join(paras)
    blocks, pos = [], 0
    for k, p in enumerate(paras):
        blocks.append({"kind": "heading" if k == 4 else "paragraph", "start": pos, "end": pos + len(p)})
        pos += len(p) + 2
    return {
        "id": f"art-{i:04d}", "source": {"outlet": "Republika", "domain": "republika.co.id"},
        "title": f"Judul {i}", "dateline": "SEOUL", "published_at": "2025-05-08T09:07:00+07:00",
        "credits": [{"name": "Fajar Nugraha", "role": "author"}], "lang": "id", "text": text, "blocks": blocks,
        "captions": [{"text": "Foto: KCNA", "credit": "AFP/STR"}],
        "provenance": {"path": f"raw/{i}.txt", "sha256": f"{i:064x}", "parser_version": "3", "url": None},
        "story_id": f"story-{i:04d}", "duplicate_of": None,
    }


def line(d: dict) -> bytes:
    return json.dumps(d, ensure_ascii=False).encode()


def model_of(raw: bytes) -> Article | None:
    try:
        return Article.model_validate_json(raw)
    except ValidationError:
        return None


def assert_contract(lines: list[bytes]) -> list[bool]:
    """Every accepted line is valid for the model and its row holds the model's values."""
    batch = validate_article_lines(lines)
    rows = dict(zip(batch.lines.tolist(), batch.table.to_pylist())) if batch.table is not None else {}
    assert sorted(rows) == batch.lines.tolist()
    for i, raw in enumerate(lines):
        if batch.ok[i]:
            model = model_of(raw)
            assert model is not None, f"accepted a line the model rejects: {raw[:300]!r}"
            assert rows[i] == article_row(model), raw[:300]
    # The same lines as one block (as the builder reads a batch) give the same verdicts and rows.
    block = json_lines.LineBlock(b"\n".join(lines) + b"\n")
    if list(block) == lines:
        same = validate_article_lines(block)
        assert same.ok.tolist() == batch.ok.tolist() and same.lines.tolist() == batch.lines.tolist()
        assert (same.table.to_pylist() if same.table is not None else None) == (batch.table.to_pylist() if batch.table is not None else None)
    return batch.ok.tolist()


def with_(d: dict, path: str, value) -> dict:
    d = json.loads(json.dumps(d))
    *head, last = path.split(".")
    obj = d
    for k in head:
        obj = obj[int(k)] if isinstance(obj, list) else obj[k]
    if value is DELETE:
        del obj[last]
    elif isinstance(obj, list):
        obj[int(last)] = value
    else:
        obj[last] = value
    return d


DELETE = object()

FIELD_CASES = [
    ("id", v) for v in ["a/b", "..", "a..b", "", "-x", "x\n", "x" * 201, "x" * 200, "é", "A.b_c-1", None, 5, DELETE]
] + [
    ("source", v) for v in [None, {}, {"outlet": ""}, {"outlet": "X"}, {"outlet": "X", "domain": None},
                            {"outlet": "X", "domain": "Bad.COM"}, {"outlet": "X", "domain": "nodot"},
                            {"outlet": "X", "domain": "a.b\n"}, {"outlet": "X", "extra": 1}, DELETE]
] + [
    ("title", v) for v in [None, 5, True, "", "  t  ", DELETE]
] + [
    ("dateline", v) for v in [None, 7, DELETE]
] + [
    ("published_at", v) for v in [
        None, DELETE, "2024-01-10T10:00:00+07:00", "2024-01-10T10:00:00", "2024-01-10T10:00:00Z",
        "2024-01-10 10:00:00+07:00", "2024-02-30T10:00:00+07:00", 1704855600, "2024-01-10T10:00:00.5+07:00",
        "2024-01-10", "2024-01-10T10:00:00-03:30", "2024-01-10T24:00:00+07:00", "garbage",
        "2024-01-10T10:00:00+07:00\n",
    ]
] + [
    ("credits", v) for v in [None, [], [None], [{"name": "", "role": "author"}], [{"name": "A", "role": "boss"}],
                             [{"name": "A"}], [{"name": "A", "role": "editor", "x": 1}], DELETE]
] + [
    ("lang", v) for v in [None, "ID", "id-ID", "x", "ind", "id\n", DELETE]
] + [
    ("captions", v) for v in [None, [], [None], [{"text": None}], [{"text": "t"}], [{"credit": "c"}], DELETE]
] + [
    ("provenance", v) for v in [None, {}, {"path": "p", "sha256": "0" * 64, "parser_version": "1"},
                                {"path": "p", "sha256": "0" * 63, "parser_version": "1"},
                                {"path": "p", "sha256": "A" * 64, "parser_version": "1"},
                                {"path": None, "sha256": "0" * 64, "parser_version": "1"},
                                {"path": "p", "sha256": "0" * 64}, DELETE]
] + [
    ("story_id", v) for v in [None, "a/b", "", "s" * 201, DELETE]
] + [
    ("duplicate_of", v) for v in ["art-0000", "other", "../x", DELETE]
] + [
    ("blocks", v) for v in [None, [], DELETE, [{"kind": "paragraph", "start": 0, "end": 5}]]
] + [
    ("blocks.0.start", v) for v in [1, -1, "0", 0.0, True, None, 2**70]
] + [
    ("blocks.0.end", v) for v in [0, 10**6, "5", 5.0, None]
] + [
    ("blocks.0.kind", v) for v in ["table", None, "heading", "quote", "list_item"]
] + [
    ("blocks.1.start", v) for v in [0, 1000]
] + [
    ("blocks.0.extra", 1),
    ("extra", 1),
]

TEXTS = [
    # (text, blocks as (start, end) or None for "split at \n\n")
    "Satu.", " Satu.", "Satu. ", "Satu.\u00a0", "Satu.\n", "\u2028Satu.", "Sa\u00a0tu.", "Sa\rtu.",
    "Satu \n\nDua.", "Satu.\n\n Dua.", "Satu.\n\n\tDua.", "Satu.\n\n\nDua.", "Satu.\nDua.", "Satu\t\n\nDua.",
    "Satu.\n\n\u3000Dua.", "Satu.\u2029\n\nDua.", "e\u0301", "\u00e9", "\u1100\u1161", "\uac00", "A\u0300B",
    "Ω", "\u2126", "x\x00y", "x\x1cy", "Satu.\x1c", "🚀", "Satu.\n\nDua.\n\nTiga.", "",
]


def text_case(text: str) -> dict:
    d = base(0)
    d["text"] = text
    pos, blocks = 0, []
    for p in text.split("\n\n"):
        blocks.append({"kind": "paragraph", "start": pos, "end": pos + len(p)})
        pos += len(p) + 2
    d["blocks"] = blocks
    return d


def test_accepts_ordinary_articles_with_the_models_values():
    lines = [line(base(i)) for i in range(40)]
    assert all(assert_contract(lines))


@pytest.mark.parametrize(("path", "value"), FIELD_CASES, ids=lambda x: repr(x)[:40])
def test_field_cases_never_accept_what_the_model_rejects(path, value, monkeypatch):
    monkeypatch.setattr(json_lines, "MAX_FAILED_PARSE_RATIO", 100)  # isolate every bad line, however found
    d = with_(base(3), path, value)
    bad = line(d)
    # alone and between good lines (a batch-level fallback must not shift rows)
    assert_contract([bad])
    ok = assert_contract([line(base(1)), bad, line(base(2))])
    assert ok[0] and ok[2], "a bad line must not take its neighbours off the column-wise path"
    if model_of(bad) is None:
        assert not ok[1]


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: repr(t)[:30])
def test_text_rules_follow_the_model(text):
    raw = line(text_case(text))
    ok = assert_contract([line(base(5)), raw])
    assert ok[0]
    model = model_of(raw)
    if model is not None and text.isascii() and "\n" not in text.replace("\n\n", "") and text.strip() == text:
        assert ok[1], "an ordinary valid text should take the column-wise path"


@pytest.mark.parametrize("raw", [
    b'{"id": "a", "id": "b"}', b"[1]", b"{}", b"null", b'{"id": "x"} {"id": "y"}',
    b'\xef\xbb\xbf' + line(base(1)), line(base(1)) + b"\r", b" " + line(base(1)), line(base(1))[:-1] + b', "id": "z"}',
    line(base(1)).replace(b"Republika", b"Repub\\u006cika"), line(base(1)).replace(b"Judul", b"Jud\\ud800ul"),
    line(base(1)).replace(b"Judul", b"\\ud83d\\ude80"), line(base(1)).replace(b"Judul", b"Jud\xffl"),
    line(base(1)).replace(b'"Judul 1"', b'"Judul\\n1"'),
])
def test_raw_json_edge_cases(raw):
    assert_contract([raw])
    assert_contract([line(base(2)), raw, line(base(4))])


def test_lines_spanning_objects_are_not_joined():
    """pyarrow lets an object span lines; every line must be one whole object here."""
    a, b = line(base(1)), line(base(2))
    cut = a.index(b'"title"')
    lines = [a[:cut], a[cut:], b]
    ok = assert_contract(lines)
    assert not ok[0] and not ok[1]


def test_random_mutations_follow_the_model():
    rng = random.Random(11)
    pieces = list(PY_WHITESPACE) + ["\n\n", "é", "e\u0301", "“", "🚀", "x", ".", "\u200b", "\\", '"']
    lines = []
    for i in range(300):
        d = base(i)
        t = list(d["text"])
        for _ in range(rng.randint(0, 3)):
            t.insert(rng.randrange(len(t) + 1), rng.choice(pieces))
        d["text"] = "".join(t)
        if rng.random() < 0.5:  # keep the blocks consistent with the text when the mutation allows
            d = text_case(d["text"]) | {k: v for k, v in d.items() if k not in ("text", "blocks")}
        lines.append(line(d))
    ok = assert_contract(lines)
    assert sum(ok) > 50


def test_whitespace_table_is_pythons():
    assert PY_WHITESPACE == "".join(c for c in map(chr, range(0x110000)) if c.isspace())


def test_model_rows_match_the_column_rows():
    arts = [Article.model_validate_json(line(base(i))) for i in range(6)]
    fast = validate_article_lines([a.model_dump_json().encode() for a in arts])
    assert fast.ok.all()
    assert fast.table.to_pylist() == articles_table(arts).to_pylist() and fast.lines.tolist() == list(range(6))


def test_read_json_lines_leaves_out_exactly_the_lines_it_cannot_read_alone(monkeypatch):
    monkeypatch.setattr(json_lines, "MAX_FAILED_PARSE_RATIO", 100)
    parse = pj.ParseOptions(explicit_schema=ARTICLE_ARROW_SCHEMA, unexpected_field_behavior="error")
    good = [line(base(i)) for i in range(8)]
    bad = {
        1: good[1][:-1] + b', "title": 5}',  # a type change (pyarrow names the row)
        3: good[3].replace(b"Judul 3", b"Jud\xffl 3"),  # invalid UTF-8 inside a string
        4: good[4][:40] + b"\r" + good[4][40:],  # pyarrow would end a line at the CR
        6: b'{"id": "x"} {"id": "y"}',  # two objects on one line
    }
    lines = [bad.get(i, g) for i, g in enumerate(good)] + [good[0] + b"\n", b" " + good[2], b""]
    table, rows = read_json_lines(lines, parse)
    assert rows == [0, 2, 5, 7, 8]
    assert table.column("id").to_pylist() == ["art-0000", "art-0002", "art-0005", "art-0007", "art-0000"]


@pytest.mark.parametrize(("data", "lines", "objects"), [
    (b"", [], True),
    (b'{"a": 1}', [b'{"a": 1}'], True),
    (b'{"a": 1}\n{"b": 2}\n', [b'{"a": 1}', b'{"b": 2}'], True),
    (b'{"a": 1}\n\n{"b": 2}', [b'{"a": 1}', b"", b'{"b": 2}'], False),
    (b'{"a": 1}\n \n', [b'{"a": 1}', b" "], False),
    (b'{"a": 1} \n', [b'{"a": 1} '], False),
    (b'{"a": 1}\r\n', [b'{"a": 1}\r'], False),
    (b"{\n}", [b"{", b"}"], False),
    (b"}\n{", [b"}", b"{"], False),
    (b"{}", [b"{}"], True),
])
def test_line_block_finds_lines_and_whether_each_is_an_object(data, lines, objects):
    block = json_lines.LineBlock(data)
    assert list(block) == lines and len(block) == len(lines) and block[0:2] == lines[0:2]
    assert block.objects is objects
    assert [block[i] for i in range(len(block))] == lines


def test_read_json_lines_of_a_block_with_bad_lines_leaves_out_the_same_lines(monkeypatch):
    """A block is parsed whole first; a failure then falls back to the per-line search."""
    monkeypatch.setattr(json_lines, "MAX_FAILED_PARSE_RATIO", 100)
    parse = pj.ParseOptions(explicit_schema=ARTICLE_ARROW_SCHEMA, unexpected_field_behavior="error")
    good = [line(base(i)) for i in range(8)]
    lines = list(good)
    lines[1] = good[1][:-1] + b', "title": 5}'
    lines[3] = good[3].replace(b"Judul 3", b"Jud\xffl 3")
    lines[4] = good[4][:40] + b"\r" + good[4][40:]
    for data in (b"\n".join(lines), b"\n".join(lines) + b"\n"):
        block = json_lines.LineBlock(data)
        assert block.objects
        table, rows = read_json_lines(block, parse)
        assert rows == [0, 2, 5, 6, 7] and (table, rows)[0].num_rows == 5
        assert read_json_lines(block, parse)[1] == read_json_lines(lines, parse)[1]
    table, rows = read_json_lines(json_lines.LineBlock(b"\n".join(good)), parse)
    assert rows == list(range(8)) and table.column("id").to_pylist() == [f"art-{i:04d}" for i in range(8)]


def test_ids_valid_is_check_id_row_by_row():
    """The byte-class check of ids against ``check_id`` itself, on ids chosen to sit next to
    each other in one buffer (a trailing dot before a leading dot is not a ".."), with nulls,
    and on a slice (an array with an offset)."""
    import pyarrow as pa

    from corpus_tools.article import check_id
    from corpus_tools.article_batch import ids_valid

    def accepted(v):
        try:
            check_id(v)
            return True
        except ValueError:
            return False

    rng = random.Random(5)
    alphabet = "aZ09._-/ é\n\x00"
    ids = ["a", "a.", ".a", "a..b", "a.b", "..", ".", "", "-x", "x-", "x" * 200, "x" * 201, "é", "a\n", "A.b_c-1",
           "x.", ".y", "a.", "..b", "a", "abc/def", "a\x00"]
    ids += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(2000)]
    values = [None if i % 97 == 5 else v for i, v in enumerate(ids)]
    arr = pa.array(values, pa.string())
    expected = [v is not None and accepted(v) for v in values]
    assert ids_valid(arr).tolist() == expected
    assert ids_valid(arr.slice(7, 500)).tolist() == expected[7:507]
    assert ids_valid(pa.array([], pa.string())).tolist() == []
    assert ids_valid(pa.array([None, None], pa.string())).tolist() == [False, False]
    assert sum(expected) > 150
