"""Giving freed memory back to the system between the stages of a run.

A run's stages each build and drop large structures: collection parses
every export, the evaluation holds the canonical datasets, the renderers
their rows. Python frees them, but glibc's allocator keeps most of the freed
heap mapped in case it is needed again; across stages that leftover, not
what is in use, sets the peak a laptop sees (at 50,000 users, a third of it).
``malloc_trim`` hands the free heap back. Elsewhere (macOS, musl) there is no
such call, and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache


@cache
def _trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        fn = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


def give_back() -> None:
    """Collect garbage and return the allocator's free memory to the system."""
    gc.collect()
    trim = _trim()
    if trim is not None:
        trim(0)
