"""glibc's allocator, told to keep less: the planner's jobs allocate tens of MiB for a
moment (a 100 m grid is a 14 MB string before it is packed), and glibc keeps what was freed
for later unless asked.

Elsewhere than glibc both functions do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


LIBC = _libc()


def limit_arenas(arenas: int) -> None:
    """glibc gives each thread that allocates under contention its own arena and keeps freed
    memory there: the planner's transients, spread over the server's threads, were kept
    several times (abuse load test: 390 MiB, 327 with 2 arenas). Call before threads
    allocate; 0 keeps glibc's default."""
    if arenas > 0 and LIBC is not None:
        LIBC.mallopt(M_ARENA_MAX, arenas)


def trim() -> None:
    """Give freed heap memory back to the system (after each planner job: 40 analyses and
    exports in a row left 278 MiB without, 245 MiB with; a trim costs milliseconds)."""
    if LIBC is not None:
        LIBC.malloc_trim(0)
