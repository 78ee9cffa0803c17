"""The outlet table (``corpus_tools/data/outlets.yaml``): which news outlet a text names.

Outlet knowledge lives in data, not code, so adding an outlet is one YAML entry. The parser
asks this table two questions: "does this token (``KOMPAS.com``, ``ANTARA News``) name an
outlet?" and "what time zone do its bylines use?". Tokens that look like a domain but are not in
the table (``XYZNEWS.COM``) still give an outlet and domain, so unknown outlets are not lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .settings_file import load_settings

DEFAULT_OUTLETS_PATH = Path(__file__).resolve().parent / "data" / "outlets.yaml"

Zone = Literal["WIB", "WITA", "WIT"]
#: Indonesian time zones as UTC offsets.
ZONES: dict[str, timezone] = {
    "WIB": timezone(timedelta(hours=7)),
    "WITA": timezone(timedelta(hours=8)),
    "WIT": timezone(timedelta(hours=9)),
}

# Top-level domains seen on Indonesian news sites; a token ending in one of these is a domain.
_DOMAIN_RE = re.compile(
    r"^(?:www\.)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|id|net|org|co|tv|news|info|media|online|asia|today|xyz|io))$",
    re.IGNORECASE,
)
_MISS = object()
_CACHE_SIZE = 8192  # memoised lookups per table; cleared when full
_SECOND_LEVEL = ("co.id", "or.id", "web.id", "my.id", "ac.id", "go.id", "sch.id", "biz.id")


class OutletEntry(BaseModel):
    """One outlet as written in the YAML file."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    domain: str | None = Field(default=None, pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
    zone: Zone = "WIB"
    aliases: list[str] = Field(default_factory=list)
    datelines: list[str] = Field(default_factory=list)


class _OutletFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    default_zone: Zone = "WIB"
    outlets: list[OutletEntry]


@dataclass(frozen=True)
class OutletMatch:
    """What a token told us: the outlet name, its domain (or None) and its zone (or None)."""

    name: str
    domain: str | None
    zone: str | None
    known: bool


class OutletError(ValueError):
    """The outlet table is malformed; the message names the file and the entry."""


def alias_key(token: str) -> str:
    """Case-, space- and ``www.``-insensitive key for alias lookup."""
    key = " ".join(token.split()).casefold().strip(" .,:;-–—()[]")
    return key[4:] if key.startswith("www.") else key


def _memo(cache: dict, key: str, compute):
    """``compute(key)`` once per key; the cache is emptied when full (bounded memory)."""
    hit = cache.get(key, _MISS)
    if hit is _MISS:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        hit = cache[key] = compute(key)
    return hit


class OutletTable:
    """Alias lookup over the outlet entries; built once per process."""

    def __init__(self, entries: list[OutletEntry], default_zone: str = "WIB", source: str = "<memory>"):
        self.entries = entries
        self.default_zone = default_zone
        self._by_alias: dict[str, OutletEntry] = {}
        for i, e in enumerate(entries):
            for alias in [e.name, *(e.domain and [e.domain] or []), *e.aliases]:
                key = alias_key(alias)
                other = self._by_alias.get(key)
                if other is not None and other is not e:
                    raise OutletError(
                        f"{source}: outlets[{i}] ({e.name}): alias {alias!r} already names {other.name}; "
                        "make each alias unique"
                    )
                self._by_alias[key] = e
        # Datelines, bylines and follow calls repeat the same few tokens across a corpus, so
        # answers are memoised (bounded; OutletMatch is frozen, so sharing one is safe).
        self._lookup_cache: dict[str, OutletMatch | None] = {}
        self._known_cache: dict[str, OutletMatch | None] = {}

    def lookup(self, token: str) -> OutletMatch | None:
        """The outlet a token names: a table alias, else any domain-looking token, else None."""
        return _memo(self._lookup_cache, token, self._lookup)

    def _lookup(self, token: str) -> OutletMatch | None:
        key = alias_key(token)
        if not key or len(key) > 60:
            return None
        e = self._by_alias.get(key)
        if e is not None:
            return OutletMatch(e.name, e.domain, e.zone, True)
        m = _DOMAIN_RE.match(key) if "." in key and " " not in key else None
        if m is None:
            return None
        domain = m.group(1)
        # "nasional.kompas.com", "jateng.tribunnews.com": a section host of a known outlet
        parent = domain
        while (parent.count(".") >= 2 and not parent.endswith(_SECOND_LEVEL)) or parent.count(".") >= 3:
            parent = parent.split(".", 1)[1]
            e = self._by_alias.get(parent)
            if e is not None:
                return OutletMatch(e.name, e.domain, e.zone, True)
        brand = token.strip(" .,:;-–—()[]")
        if brand.lower().startswith("www."):
            brand = brand[4:]
        suffix = next((s for s in _SECOND_LEVEL if domain.endswith("." + s)), domain.rsplit(".", 1)[1])
        brand = brand[: len(brand) - len(suffix) - 1] or brand
        return OutletMatch(brand, domain, None, False)

    def known(self, token: str) -> OutletMatch | None:
        """Like ``lookup`` but only table entries (for free-text mentions such as logos)."""
        return _memo(self._known_cache, token, self._known)

    def _known(self, token: str) -> OutletMatch | None:
        e = self._by_alias.get(alias_key(token))
        return None if e is None else OutletMatch(e.name, e.domain, e.zone, True)

    def tz(self, zone: str | None):
        """UTC offset of a zone name, falling back to the table's default zone."""
        return ZONES[zone or self.default_zone]


def load_outlets(path: str | Path | None = None) -> OutletTable:
    """Read and check an outlet table; errors name the file and the entry to fix."""
    if path is None:
        return _default_table()
    return _load(Path(path))


def _load(path: Path) -> OutletTable:
    data = load_settings(path, _OutletFile, what="outlet table", hint="give the path of a YAML outlet table like corpus_tools/data/outlets.yaml", error=OutletError)
    return OutletTable(data.outlets, data.default_zone, source=str(path))


@lru_cache(maxsize=1)
def _default_table() -> OutletTable:
    return _load(DEFAULT_OUTLETS_PATH)
