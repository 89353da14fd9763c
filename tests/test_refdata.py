"""Reference tables: published formats, `refdata update` over HTTPS, evidence copies.

The publishers are faked by a real HTTPS server on 127.0.0.1 (a throwaway CA
made at test start, as tests/fake_tenant does) serving saved copies in the
published formats at the publishers' own paths; the update is pointed at it
with --base-url and --ca-bundle. The user data folder is a temporary
XDG_DATA_HOME.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import ssl
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from healthcheck import facts, pipeline, prices, refdata, skus
from healthcheck.cli import main
from healthcheck.refdata import RefdataError, published
from healthcheck.refdata import update as updating
from tests.conftest import ROOT, SAMPLE, pdf_pages
from tests.fake_tenant import make_certificates

DATA = ROOT / "tests" / "data" / "refdata"
NEW_SKU = "CONTOSO_FIELD_APP"


def _licensing_csv(extra: bool = True, drop: int = 0) -> bytes:
    """Microsoft's CSV as published (BOM, CRLF), made from the packaged table.

    ``extra`` adds a SKU the packaged table lacks; ``drop`` leaves out that
    many SKUs (a truncated download).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(published.LICENSING_COLUMNS)
    rows = refdata.rows((ROOT / "healthcheck/catalog/skus.csv").read_text("utf-8"))
    for r in rows[drop:]:
        for plan in r["plans"].split():
            writer.writerow(
                [
                    r["name"],
                    r["sku"],
                    r["guid"],
                    plan,
                    "0" * 8 + "-0000-0000-0000-" + "0" * 12,
                    plan,
                ]
            )
    if extra:
        writer.writerow(
            [
                "Contoso Field App",
                NEW_SKU,
                "0f0f0f0f-1111-2222-3333-444444444444",
                "EXCHANGE_S_FOUNDATION",
                "113feb6c-3fe4-4440-bddc-54d774bf0318",
                "Exchange Foundation",
            ]
        )
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _published(licensing: bytes) -> dict[str, bytes]:
    """Path on the publisher's host -> body, for every source `update` reads."""
    files = {unquote(urlsplit(published.LICENSING_URL).path): licensing}
    for product in published.EOL_PRODUCTS:
        url = published.EOL_API.format(product=product)
        files[urlsplit(url).path] = (DATA / "eol" / f"{product}.json").read_bytes()
    for url in published.RELEASE_INFO.values():
        name = urlsplit(url).path.rsplit("/", 1)[1]
        files[urlsplit(url).path] = (DATA / "pages" / f"{name}.html").read_bytes()
    return files


class Publisher:
    """A loopback HTTPS server answering the publishers' paths."""

    def __init__(self, folder: Path, files: dict[str, bytes]) -> None:
        self.files = files
        self.requests: list[str] = []
        self.ca, cert, key = make_certificates(folder)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = unquote(urlsplit(self.path).path)
                outer.requests.append(path)
                body = outer.files.get(path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh XDG_DATA_HOME; the tables in use are re-read around the test."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.delenv(refdata.DATA_DIR_ENV, raising=False)
    monkeypatch.delenv(updating.BASE_URL_ENV, raising=False)
    monkeypatch.delenv(updating.CA_BUNDLE_ENV, raising=False)
    refdata.refresh()
    yield home / "healthcheck" / "refdata"
    monkeypatch.undo()
    refdata.refresh()


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[Publisher]:
    server = Publisher(tmp_path / "certs", _published(_licensing_csv()))
    yield server
    server.close()


def _update(publisher: Publisher, *extra: str) -> object:
    return CliRunner().invoke(
        main,
        [
            "refdata",
            "update",
            "--base-url",
            publisher.url,
            "--ca-bundle",
            str(publisher.ca),
            "--timeout",
            "10",
            *extra,
        ],
    )


# ----------------------------------------------------------- published formats


def test_licensing_csv_as_microsoft_publishes_it() -> None:
    raw = (DATA / "licensing-excerpt.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert published.is_licensing_csv(raw)
    text = published.skus_table(raw, as_of=date(2025, 12, 30), source="excerpt")
    rows = {r["sku"]: r for r in refdata.rows(text)}
    assert set(rows) == {"EXCHANGESTANDARD", "Teams_Ess", "MCOPSTNC", "POWER_BI_PRO"}
    assert rows["POWER_BI_PRO"]["plans"].split() == [
        "EXCHANGE_S_FOUNDATION",
        "BI_AZURE_P2",
    ]
    assert rows["Teams_Ess"]["name"] == "Microsoft Teams Essentials"
    assert {r["as_of"] for r in rows.values()} == {"2025-12-30"}
    assert refdata.table_date(text, "t") == date(2025, 12, 30)


def test_a_licensing_csv_without_its_columns_is_refused() -> None:
    raw = (
        b"\xef\xbb\xbfProduct_Display_Name,String_Id,GUID,Service_Plan_Name\r\n"
        b"x,y,z,w\r\n"
    )
    with pytest.raises(RefdataError, match="missing column.*Service_Plan_Id"):
        published.skus_table(raw, as_of=date(2026, 12, 2), source="x")
    bad_guid = _licensing_csv(extra=False).replace(
        b"cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", b"not-a-guid", 1
    )
    with pytest.raises(RefdataError, match=r"row \d+: expected a String_Id and a GUID"):
        published.skus_table(bad_guid, as_of=date(2026, 12, 2), source="x")


def test_endoflife_documents_give_editions_and_dates() -> None:
    docs = [p.read_bytes() for p in sorted((DATA / "eol").glob("*.json"))]
    rows = refdata.rows(published.lifecycle_table(docs, as_of=date(2026, 8, 22)))
    by = {(r["os"], r["key"], r["edition"]): r for r in rows}
    assert by[("windows", "26100", "home_pro")]["end_of_support"] == "2026-10-13"
    assert by[("windows", "26100", "enterprise")]["end_of_support"] == "2027-10-12"
    assert by[("windows", "19044", "ltsc")]["end_of_support"] == "2027-01-12"
    assert by[("windows", "14393", "ltsc")]["end_of_support"] == "2026-10-13"
    server = by[("windows", "14393", "server")]
    assert (server["end_of_support"], server["extended_end"]) == (
        "2027-01-12",
        "2030-01-12",
    )
    assert by[("windows", "19045", "any")]["extended_end"] == "2028-10-10"
    assert by[("android", "13", "")]["end_of_support"] == "2026-03-02"
    assert by[("macos", "26", "")]["end_of_support"] == ""  # none announced
    # One server row per build: 1809 SAC does not shadow Server 2019.
    assert [
        r["product"] for r in rows if r["key"] == "17763" and r["edition"] == "server"
    ] == ["Windows Server 2019"]
    assert all(r["as_of"] and r["source"].startswith("https://") for r in rows)
    with pytest.raises(RefdataError, match="no document for android"):
        published.lifecycle_table(
            [d for d in docs if b'"name": "android"' not in d], as_of=date(2026, 8, 22)
        )


def test_release_pages_give_the_security_updates_only() -> None:
    pages = [p.read_bytes() for p in (DATA / "pages").glob("*.html")]
    rows = refdata.rows(published.updates_table(pages, as_of=date(2026, 12, 2)))
    got = {(r["build"], r["revision"]) for r in rows}
    assert ("26100", "9844") in got and ("14393", "9688") in got
    # The preview (D) and out-of-band updates are not due, and the summary
    # table above the history adds nothing.
    assert ("26200", "9790") not in got and ("26100", "9720") not in got
    kb = {(r["build"], r["revision"]): r["kb"] for r in rows}
    assert kb[("22631", "6199")] == "KB5072033"
    release = {r["build"]: r["release"] for r in rows}
    assert release["20348"] == "Windows Server 2022"
    assert release["26200"] == "Windows 11 25H2"
    with pytest.raises(RefdataError, match="no page for windows-server"):
        published.updates_table(
            [p for p in pages if b"Windows Server release" not in p],
            as_of=date(2026, 12, 2),
        )


# -------------------------------------------------------------- refdata update


def test_update_downloads_over_verified_https(
    data_home: Path, publisher: Publisher
) -> None:
    before = facts.windows_updates().newest
    result = _update(publisher)
    assert result.exit_code == 0, result.output
    for name in ("skus", "os_lifecycle", "windows_updates"):
        assert f"updated {name}:" in result.output
        assert (data_home / refdata.SPEC[name].file).is_file()
    assert len(publisher.requests) == len(updating.sources())
    # The downloaded tables are in use now.
    assert refdata.info("skus").origin == "downloaded"
    assert skus.display_name(NEW_SKU) == "Contoso Field App"
    assert (
        facts.windows_updates().required(26100, date(2026, 12, 2), 14).revision == 9844
    )
    assert before is not None and facts.windows_updates().newest == date(2026, 11, 10)
    shown = CliRunner().invoke(main, ["refdata", "show"])
    assert shown.exit_code == 0
    assert "os_lifecycle     2026-08-22" in shown.output
    assert "downloaded" in shown.output and str(data_home) in shown.output


def test_an_unverified_server_is_refused_and_nothing_written(
    data_home: Path, publisher: Publisher
) -> None:
    result = CliRunner().invoke(
        main, ["refdata", "update", "--base-url", publisher.url, "--timeout", "10"]
    )
    assert result.exit_code == 2
    assert "certificate could not be verified" in result.output
    assert "Traceback" not in result.output
    assert not data_home.exists()
    assert refdata.info("skus").origin == "packaged"


def test_a_missing_source_leaves_the_tables_untouched(
    data_home: Path, publisher: Publisher
) -> None:
    assert _update(publisher).exit_code == 0
    kept = {p.name: p.read_bytes() for p in data_home.iterdir()}
    del publisher.files[urlsplit(published.EOL_API.format(product="ios")).path]
    publisher.files[unquote(urlsplit(published.LICENSING_URL).path)] = _licensing_csv(
        drop=3
    )
    result = _update(publisher)
    assert result.exit_code == 2
    assert "/api/v1/products/ios/: HTTP 404" in result.output
    assert {p.name: p.read_bytes() for p in data_home.iterdir()} == kept


def test_an_implausible_shrink_needs_force(
    data_home: Path, publisher: Publisher
) -> None:
    publisher.files[unquote(urlsplit(published.LICENSING_URL).path)] = _licensing_csv(
        drop=400
    )
    result = _update(publisher)
    assert result.exit_code == 2
    assert "skus: the new table has" in result.output and "--force" in result.output
    assert not data_home.exists()
    assert _update(publisher, "--force").exit_code == 0
    assert (
        len(refdata.table_rows("skus"))
        == len(refdata.rows((ROOT / "healthcheck/catalog/skus.csv").read_text("utf-8")))
        - 400
        + 1
    )


def test_update_from_a_folder_recognises_files_by_content(
    data_home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "download (3).csv").write_bytes(_licensing_csv())
    (folder / "notes.txt").write_text("not reference data")
    result = CliRunner().invoke(main, ["refdata", "update", "--from", str(folder)])
    assert result.exit_code == 0, result.output
    assert "updated skus:" in result.output and "os_lifecycle" not in result.output
    assert skus.display_name(NEW_SKU) == "Contoso Field App"
    assert refdata.info("os_lifecycle").origin == "packaged"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["refdata", "update", "--from", str(empty)])
    assert result.exit_code == 2 and "no published reference file" in result.output


def test_show_warns_about_a_table_older_than_a_quarter(data_home: Path) -> None:
    result = CliRunner().invoke(main, ["refdata", "show"])
    assert result.exit_code == 0
    for spec in refdata.SPECS:
        assert spec.name in result.stdout
    # The packaged SKU table is Microsoft's copy of 2025-12-30.
    assert (
        "warning: skus is" in result.stderr and "older than a quarter" in result.stderr
    )


def test_a_damaged_download_never_hides_the_packaged_table(data_home: Path) -> None:
    data_home.mkdir(parents=True)
    (data_home / "skus.csv").write_text("sku,guid\nX,y\n")
    assert refdata.info("skus").origin == "packaged"
    assert skus.display_name("SPB") == "Microsoft 365 Business Premium"


# ---------------------------------------------------------------- evidence


def _engagement(tmp_path: Path) -> Path:
    """The sample, with seats of a SKU only the update brings in."""
    eng = tmp_path / "eng"
    shutil.copytree(SAMPLE, eng)
    subs = eng / "exports" / "subscribedSkus.json"
    doc = json.loads(subs.read_text("utf-8"))
    doc["value"].append(
        {
            "skuId": "0f0f0f0f-1111-2222-3333-444444444444",
            "skuPartNumber": NEW_SKU,
            "capabilityStatus": "Enabled",
            "consumedUnits": 0,
            "prepaidUnits": {"enabled": 2, "suspended": 0, "warning": 0},
            "appliesTo": "User",
        }
    )
    subs.write_text(json.dumps(doc), "utf-8")
    cfg = eng / "client.yaml"
    cfg.write_text(
        cfg.read_text("utf-8").replace(
            "  VISIOCLIENT: 14.00\n",
            f"  VISIOCLIENT: 14.00\n  {NEW_SKU}: 5.00\n"
            "  Teams_Ess: {term: monthly}\n",
        ),
        "utf-8",
    )
    return eng


def test_a_run_records_and_a_rebuild_reuses_its_tables(
    data_home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "licensing.csv").write_bytes(_licensing_csv())
    assert (
        CliRunner().invoke(main, ["refdata", "update", "--from", str(folder)]).exit_code
        == 0
    )
    out = tmp_path / "report"
    pipeline.run(_engagement(tmp_path), out)
    first = json.loads((out / "assessment.json").read_text("utf-8"))
    (item,) = [i for i in first["waste"]["items"] if i["sku"] == NEW_SKU]
    assert item["sku_name"] == "Contoso Field App" and item["monthly_cost"] == 10.0
    manifest = json.loads((out / "evidence" / "manifest.json").read_text("utf-8"))
    used = {t["name"]: t for t in manifest["refdata"]}
    assert set(used) == {s.name for s in refdata.SPECS}
    assert used["skus"]["origin"] == "downloaded"
    assert (out / "evidence" / used["skus"]["copy"]).read_text("utf-8") == (
        data_home / "skus.csv"
    ).read_text("utf-8")
    names = {t["name"]: t["table_date"] for t in first["reference_data"]}
    assert names["os_lifecycle"] == "2026-08-22"
    appendix = " ".join(" ".join(pdf_pages((out / "report.pdf").read_bytes())).split())
    assert "Reference data used: licence SKUs " in appendix
    assert "OS lifecycle 22 August 2026" in appendix
    # Without the downloaded tables, a rebuild still uses the evidence's.
    shutil.rmtree(data_home)
    refdata.refresh()
    assert skus.display_name(NEW_SKU) == NEW_SKU
    again = tmp_path / "again"
    pipeline.report(out / "evidence", again)
    second = json.loads((again / "assessment.json").read_text("utf-8"))
    first.pop("generated_at"), second.pop("generated_at")
    assert second == first
    # An edited copy is refused, never silently used.
    copy = out / "evidence" / used["skus"]["copy"]
    copy.write_text(copy.read_text("utf-8") + "\n", "utf-8")
    result = CliRunner().invoke(
        main, ["report", str(out / "evidence"), "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2 and "sha256 differs" in result.output


def test_billing_terms_add_microsofts_uplift() -> None:
    listed = prices.list_prices("USD")["Teams_Ess"].price
    client = prices.ClientPrices(
        {
            "TEAMS_ESS": prices.LicencePrice(price=None, term="monthly"),
            "POWER_BI_PRO": prices.LicencePrice(
                price=None, term="annual_billed_monthly"
            ),
        }
    )
    monthly = prices.resolve("Teams_Ess", client, "USD")
    assert monthly is not None and monthly.price == (listed * 12 / 10).quantize(
        prices.CENT
    )
    assert monthly.origin == "list" and monthly.term == "monthly"
    billed = prices.resolve("POWER_BI_PRO", client, "USD")
    assert billed is not None and str(billed.price) == "14.70"  # 14.00 + 5 %
    plain = prices.resolve("SPB", client, "USD")
    assert plain is not None and str(plain.price) == "22.00" and plain.term == ""
    assert "TEAMS_ESS" not in client and len(client) == 0
