"""Evidence datasets: compact JSON built a column at a time, loaded back the same."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from healthcheck import datasets, evidence
from healthcheck.config import ClientConfig
from healthcheck.model import CollectorRun, RunStatus

WHEN = datetime(2026, 11, 20, 12)


def _build(name: str, rows: dict[str, list[object]]) -> datasets.Dataset:
    raw = pd.DataFrame(rows, dtype="object")
    return datasets.build(
        name,
        raw,
        collector="test",
        collected_at=WHEN,
        origin=[("test.csv", i + 2) for i in range(len(raw))],
    )


def _devices() -> datasets.Dataset:
    return _build(
        "devices",
        {
            "device_id": ["d1", "d2", "d3"],
            "name": ["=cmd|' /C calc'!A0", "LAPTOP-ÄÖ 😀", "SRV-01"],
            "os": ["Windows", "Windows", "Windows Server"],
            "os_version": ["10.0.19045.3930", None, "10.0.20348.1"],
            "last_check_in": [
                "2026-11-19T08:30:00",
                "2026-11-19T08:30:00.1234567",  # a fraction of a second
                None,
            ],
            "compliance": ["compliant", None, "noncompliant"],
            "encrypted": ["True", None, "False"],
            "total_storage_mb": ["243852,5", "1024", None],
            "free_storage_mb": ["0", None, "12.25"],
            "primary_user": ["a@x.example", None, None],
        },
    )


def test_records_are_json_ready_values_of_every_kind() -> None:
    devices = _devices()
    rows = datasets.to_records("devices", devices.frame)
    cols = list(devices.frame.columns)
    first, second, third = (dict(zip(cols, r, strict=True)) for r in rows)
    assert first["last_check_in"] == "2026-11-19T08:30:00"
    assert second["last_check_in"] == "2026-11-19T08:30:00.123456700"
    assert third["last_check_in"] is None
    assert [first["encrypted"], second["encrypted"], third["encrypted"]] == [
        True,
        None,
        False,
    ]
    assert first["total_storage_mb"] == 243852.5 and third["total_storage_mb"] is None
    assert third["free_storage_mb"] == 12.25 and second["free_storage_mb"] is None
    assert second["os_version"] is None and first["name"].startswith("=cmd")
    assert all(type(v) in (str, bool, int, float, type(None)) for r in rows for v in r)
    users = _build(
        "users",
        {
            "upn": ["a@x.example", "b@x.example"],
            "display_name": ["A", None],
            "user_type": ["Member", "Guest"],
            "enabled": ["yes", "no"],
            "created": ["2020-01-02 03:04:05", None],
            "last_activity": ["2026-11-01", None],
        },
    )
    assert datasets.to_records("users", users.frame) == [
        ("a@x.example", "A", "member", True, "2020-01-02T03:04:05", "2026-11-01"),
        ("b@x.example", None, "guest", False, None, None),
    ]
    skus = _build(
        "licence_skus",
        {
            "sku": ["SPB", "E3"],
            "name": [None, "x"],
            "purchased": ["25", "3"],
            "assigned": [None, "2"],
        },
    )
    assert [r[2] for r in datasets.to_records("licence_skus", skus.frame)] == [25, 3]
    assert isinstance(datasets.to_records("licence_skus", skus.frame)[0][2], int)


def test_evidence_is_compact_and_loads_back_identical(tmp_path: Path) -> None:
    ds = _devices()
    run = CollectorRun(
        collector="test",
        dataset_name="devices",
        status=RunStatus.OK,
        reason="",
        dataset=ds,
    )
    dest = evidence.write(
        tmp_path / "ev",
        config=ClientConfig.from_dict(
            {"client": {"name": "X Oy"}, "period": "2026-Q4"}
        ),
        collected_at=WHEN,
        runs=[run],
    )
    body = (dest / "datasets" / "devices.json").read_text(encoding="utf-8")
    assert body.count("\n") == 1 and ", " not in body.split('"data"')[0]
    doc = json.loads(body)
    # Saved by columns: one list per column, in the frame's column order.
    assert doc["columns"] == list(ds.frame.columns)
    assert [list(r) for r in zip(*doc["data"], strict=True)] == [
        list(r) for r in datasets.to_records("devices", ds.frame)
    ]
    assert "LAPTOP-ÄÖ 😀" in body  # UTF-8, not \\u escapes
    loaded = evidence.load(dest).frames["devices"]
    pd.testing.assert_frame_equal(loaded, ds.frame)
    # Evidence an earlier version wrote indented loads the same.
    doc = json.loads(body)
    old = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    (dest / "datasets" / "devices.json").write_bytes(old)
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    manifest["datasets"]["devices"]["sha256"] = hashlib.sha256(old).hexdigest()
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2))
    pd.testing.assert_frame_equal(evidence.load(dest).frames["devices"], ds.frame)


def _saved_devices(tmp_path: Path) -> tuple[datasets.Dataset, Path, dict]:
    """The devices saved as evidence: the dataset, its folder, its file's JSON."""
    ds = _devices()
    run = CollectorRun(
        collector="test", dataset_name="devices", status=RunStatus.OK, dataset=ds
    )
    config = ClientConfig.from_dict({"client": {"name": "X Oy"}, "period": "2026-Q4"})
    dest = evidence.write(tmp_path / "ev", config=config, collected_at=WHEN, runs=[run])
    path = dest / "datasets" / "devices.json"
    return ds, dest, json.loads(path.read_text(encoding="utf-8"))


def _replace_devices(dest: Path, doc: dict, fmt: str | None = None) -> None:
    """Save ``doc`` as the devices file, its sha256 (and format) in the manifest."""
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    (dest / "datasets" / "devices.json").write_bytes(body)
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    manifest["datasets"]["devices"]["sha256"] = hashlib.sha256(body).hexdigest()
    if fmt is not None:
        assert manifest["format"] == "healthcheck-evidence/2"
        manifest["format"] = fmt
    (dest / "manifest.json").write_text(json.dumps(manifest))


def test_evidence_saved_by_rows_by_an_earlier_version_loads_the_same(
    tmp_path: Path,
) -> None:
    """Format /1 kept each dataset as rows; a rebuild from it must still work."""
    ds, dest, doc = _saved_devices(tmp_path)
    rows = [list(r) for r in zip(*doc.pop("data"), strict=True)]
    _replace_devices(dest, {**doc, "rows": rows}, fmt="healthcheck-evidence/1")
    pd.testing.assert_frame_equal(evidence.load(dest).frames["devices"], ds.frame)


def test_a_dataset_file_whose_columns_do_not_match_is_a_clear_error(
    tmp_path: Path,
) -> None:
    _, dest, doc = _saved_devices(tmp_path)
    doc["data"][1] = doc["data"][1][:-1]  # one value short
    _replace_devices(dest, doc)
    with pytest.raises(
        evidence.EvidenceError,
        match=r"devices.json: columns of different lengths \(2, 3 values\)",
    ):
        evidence.load(dest)
