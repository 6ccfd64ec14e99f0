"""Keeping a long-running runner's heap close to what it uses (glibc's allocator only).

A runner that processes 50,000-row payloads allocates and frees blocks of megabytes (payload
text, request bodies, page lists) from several threads. By default glibc raises its mmap
threshold after such a block is freed, so the next ones come from the heap, where freed
space stays with the process; and each thread may get an arena of its own, holding freed
memory apart. Both make the resident size grow far beyond the live data.
"""

from __future__ import annotations

import ctypes
import ctypes.util

_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 * 1024
"""Blocks from this size up are mapped on their own and given back to the system when freed."""
ARENAS = 2


def keep_heap_small() -> bool:
    """Fix the mmap threshold and cap the arenas; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_ARENA_MAX, ARENAS))
