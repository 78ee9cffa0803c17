"""Heap settings for our own worker processes (glibc's ``mallopt``).

A worker handles one batch after another; by default glibc returns freed memory to the system
after each and the next batch faults it back in page by page (measured in both the ingest and
the release workers: 5-10x the minor page faults and ~10% more CPU). Only our own worker
processes are tuned: the caller's process is not ours to tune. A no-op where the C library has
no ``mallopt``.
"""

from __future__ import annotations

import ctypes

#: ``mallopt`` parameters (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3


def keep_freed_memory(*, mmap_threshold: int, trim_threshold: int | None = None, top_pad: int | None = None) -> bool:
    """Serve allocations below ``mmap_threshold`` bytes from the heap (not fresh mmaps) and keep
    freed memory: up to ``trim_threshold`` free at the top before trimming, and/or ``top_pad``
    extra when the heap grows. Setting any of these fixes glibc's otherwise adaptive mmap
    threshold, hence the explicit one. Returns whether ``mallopt`` was there."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc: its allocator's defaults stay
        return False
    mallopt(M_MMAP_THRESHOLD, mmap_threshold)
    if trim_threshold is not None:
        mallopt(M_TRIM_THRESHOLD, trim_threshold)
    if top_pad is not None:
        mallopt(M_TOP_PAD, top_pad)
    return True
