"""healthcheck.memory: equal texts stored once, values unchanged."""

from __future__ import annotations

import pandas as pd

from healthcheck import memory


def test_share_strings_keeps_values_and_shares_equal_texts() -> None:
    n = 3_000
    # Joined at run time: equal texts, each its own object, as a parser makes.
    os_names = ["".join(["Win", "dows"]) for _ in range(n)]
    os_names[5] = None  # a blank cell
    frame = pd.DataFrame(
        {
            "os": pd.array(os_names, dtype="string"),
            "name": pd.array([f"PC-{i}" for i in range(n)], dtype="string"),
            "size": range(n),
        }
    )
    before = frame.copy(deep=True)
    os_objects = frame["os"].array._ndarray
    assert os_objects[0] is not os_objects[2]  # equal, but two objects
    out = memory.share_strings(frame)
    assert out is frame
    pd.testing.assert_frame_equal(frame, before)
    shared = frame["os"].array._ndarray
    assert shared[0] is shared[2] is shared[3]
    assert frame["os"].isna().sum() == 1 and pd.isna(shared[5])
