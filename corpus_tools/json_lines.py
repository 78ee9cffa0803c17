"""JSON lines parsed a batch at a time by ``pyarrow.json`` against an explicit schema.

The column-wise validators (``article_batch``, ``release.annotation_columns``) start here.
pyarrow reads many lines in one C++ pass, but it does not read them as the models do: an object
may span lines, ``\\r`` also ends a line, string values are not checked to be UTF-8, and one bad
line fails the whole block. So only lines that are each exactly one object (``{`` first, ``}``
last) are parsed, a block is checked before parsing, and a block that fails is split until its
bad lines stand alone; those lines are left out (the caller hands them to the model).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.json as pj

#: The parses of blocks that fail may cover at most this many times the batch's bytes; the
#: lines not yet read are then left out. pyarrow reads a whole block before it finds a value
#: of the wrong type (``5.0`` for an int; no row named), so each such line costs parses while
#: halving. Measured on 3,000 bench articles with ~4% such lines (articles and annotations),
#: release build CPU against the model-only code: 1.05 s with 1, 1.23 s with 2, 1.64 s with 4
#: (0.89 s); canonical input never pays it.
MAX_FAILED_PARSE_RATIO = 1
#: Larger batches are left to the caller's line-by-line path (pyarrow's block size is an int32).
MAX_BATCH_BYTES = 1 << 30
_ERROR_ROW = re.compile(r"\bin row (\d+)$")


class LineBlock(Sequence[bytes]):
    """The lines of one bytes block (pieces between ``\\n``, without it; a final piece only when
    not empty), found with ``find`` and cut out only when asked for. When every line is one
    object (``objects``), :func:`read_json_lines` parses the block as it is: splitting a batch
    into a bytes object per line and joining them again cost ~10 us/line (3 KB article lines,
    measured), more than a third of pyarrow's parse."""

    def __init__(self, data: bytes):
        self.data = data
        starts: list[int] = []
        ends: list[int] = []
        objects = True  # every line starts with "{" and ends with "}" (so none is blank)
        find, n, pos = data.find, len(data), 0
        while pos < n:
            p = find(b"\n", pos)
            if p < 0:
                p = n
            starts.append(pos)
            ends.append(p)
            if objects and not (p > pos and data[pos] == 0x7B and data[p - 1] == 0x7D):
                objects = False
            pos = p + 1
        self.starts, self.ends, self.objects = starts, ends, objects

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return self.data[self.starts[i]:self.ends[i]]

    def __iter__(self) -> Iterator[bytes]:
        data = self.data
        return (data[a:b] for a, b in zip(self.starts, self.ends))


def read_json_lines(lines: Sequence[bytes], parse_options: pj.ParseOptions) -> tuple[pa.Table | None, list[int]]:
    """Parse ``lines`` (each one JSON object, with or without its final ``\\n``; or a
    :class:`LineBlock`): the table and, for each of its rows, the index of its line, in input
    order. Lines that are not one whole object or that pyarrow cannot parse under
    ``parse_options`` (type changes, unknown or duplicate keys, bad escapes or encoding) have no
    row; None when no line was read."""
    whole: bytes | None = None  # the bytes of all lines, when they are already one block
    if isinstance(lines, LineBlock) and lines.objects:
        items, body, whole = list(range(len(lines))), lines, lines.data
    else:
        items, body = [], []
        for i, line in enumerate(lines):
            if line[-1:] == b"\n":
                line = line[:-1]
            if line[:1] == b"{" and line[-1:] == b"}":
                items.append(i)
                body.append(line)
    tables: list[pa.Table] = []
    rows: list[int] = []
    todo = [(0, len(body))] if body else []
    # (a block's bytes: lines + newlines)
    budget = MAX_FAILED_PARSE_RATIO * (len(whole) if whole is not None else sum(map(len, body)) + len(body))
    while todo and budget >= 0:
        a, b = todo.pop()
        # (the block as it is: its lines and their newlines, the last maybe without one)
        data = whole if whole is not None and (a, b) == (0, len(body)) else b"\n".join(body[a:b])
        at = -1
        try:
            # One object per line: no other newline, and no "\r" (pyarrow ends a line there too),
            # so rows and lines correspond when the row count is right. (A LineBlock with
            # ``objects`` has only the newlines that end its lines: it was split at them.)
            if (data is not whole and data.count(b"\n") != b - a - 1) or b"\r" in data or len(data) >= MAX_BATCH_BYTES:
                raise ValueError
            if not data.isascii():
                data.decode("utf-8")  # pyarrow keeps invalid UTF-8 in strings; the models reject it
            t = pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(use_threads=False, block_size=len(data) + 1),
                             parse_options=parse_options)
            good = t.num_rows == b - a
        except pa.ArrowInvalid as e:
            good = False
            hint = _ERROR_ROW.search(str(e))
            at = int(hint.group(1)) if hint else -1
        except ValueError:  # (UnicodeDecodeError is a ValueError)
            good = False
        if good:
            tables.append(t)
            rows += items[a:b]
            continue
        budget -= len(data)
        if b - a == 1:
            continue
        if 0 <= at < b - a:  # that line is left out (were the hint wrong: a good line goes to the model)
            todo += [r for r in ((a + at + 1, b), (a, a + at)) if r[0] < r[1]]
        else:
            mid = (a + b) // 2
            todo += [(mid, b), (a, mid)]  # the first half next: rows stay in input order
    if not tables:
        return None, rows
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    return table.combine_chunks(), rows


def column(table: pa.Table, name: str) -> pa.Array:
    """Column ``name`` of ``table`` as one array (the columnar checks and the builder work on
    arrays; a table read or taken here usually has one chunk, which is returned as it is)."""
    col = table.column(name)
    if col.num_chunks == 1:
        return col.chunk(0)
    return pa.concat_arrays(col.chunks) if col.num_chunks else pa.array([], col.type)


def as_numpy(arr: pa.Array, fill) -> np.ndarray:
    """``arr`` as a NumPy array with its nulls read as ``fill`` (how the column-wise checks read
    a column: a null fails the check the fill value makes it fail)."""
    if arr.null_count:
        arr = arr.fill_null(fill)
    return arr.to_numpy(zero_copy_only=False)
