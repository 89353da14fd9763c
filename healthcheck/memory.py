"""Memory a run holds: freed memory given back, equal texts stored once.

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

import numpy as np
import pandas as pd


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


#: A text column whose first values are at least this share distinct holds
#: names or ids, not categories: sharing would save little.
_DISTINCT_SHARE = 0.5
_SAMPLE = 1_000


def share_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Let equal texts of a frame's text columns be one string object each.

    A pandas text column keeps a Python string per cell: 116,000 devices
    hold "Windows" 116,000 times, 60 bytes each. Columns of few distinct
    values (an OS, a SKU, a state) are made to point at one object per
    value, in place; values, types and missing cells are unchanged. A column
    of names or ids is left alone. Returns ``frame``.
    """
    for name in frame.columns:
        arr = frame[name].array
        if not isinstance(arr.dtype, pd.StringDtype) or arr.dtype.storage != "python":
            continue
        values = getattr(arr, "_ndarray", None)
        if values is None or values.dtype != object or len(values) < 2 * _SAMPLE:
            continue
        head = values[:_SAMPLE]
        if len(set(v for v in head if isinstance(v, str))) > _SAMPLE * _DISTINCT_SHARE:
            continue
        codes, uniques = pd.factorize(values)
        if len(uniques) > len(values) * _DISTINCT_SHARE:
            continue
        known = codes >= 0
        values[known] = np.asarray(uniques, dtype=object)[codes[known]]
    return frame
