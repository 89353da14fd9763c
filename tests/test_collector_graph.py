"""The Graph collector against a fake tenant over real HTTPS on 127.0.0.1.

Nothing in the code under test is patched: msal and requests talk to
``tests.fake_tenant`` through the ``authority`` and ``graph_endpoint`` settings
and its throwaway CA bundle, exactly as they would talk to a national cloud.
"""

from __future__ import annotations

import json
import logging
import math
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from healthcheck_collectors.graph import settings
from healthcheck_collectors.graph.auth import TokenSource, make_session
from healthcheck_collectors.graph.client import GraphClient
from healthcheck_collectors.graph.endpoints import ENDPOINTS, Endpoint

from healthcheck import evidence, pipeline
from healthcheck.cli import main
from healthcheck.errors import ConfigError
from tests.conftest import pdf_pages
from tests.fake_tenant import (
    CLIENT_ID,
    TENANT_ID,
    FakeTenant,
    build_tenant,
    page_count,
)

SECRET = "hc-TEST-secret~Zq8.Kx3_vW9pL2"
ENV = "HC_TEST_GRAPH_SECRET"
CACHE_KEY = "correct horse battery staple 42"


USERS, DEVICES = 1000, 1001  # two pages each at the largest $top


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A running fake tenant needing two pages of users and of devices."""
    monkeypatch.setenv(ENV, SECRET)
    with FakeTenant(
        tmp_path / "certs",
        build_tenant(users=USERS, devices=DEVICES),
        client_secret=SECRET,
    ) as tenant:
        yield tenant


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One verbose ``healthcheck run`` against a throttling tenant, for several tests.

    Yields (fake, output folder, CLI result, every log line at DEBUG).
    """
    tmp = tmp_path_factory.mktemp("graph-run")
    mp = pytest.MonkeyPatch()
    mp.setenv(ENV, SECRET)
    records = _Records()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(records)
    root.setLevel(logging.DEBUG)
    try:
        # A small tenant keeps the PDF short; paging has its own test below.
        with FakeTenant(
            tmp / "certs", build_tenant(users=60, devices=40), client_secret=SECRET
        ) as fake:
            fake.faults.throttle = {"users": 1}
            fake.faults.unavailable = {"managedDevices": 1}
            eng = write_engagement(tmp / "eng", fake)
            out = tmp / "out"
            result = CliRunner().invoke(
                main, ["-v", "run", str(eng), "--out", str(out)]
            )
            yield fake, out, result, "\n".join(records.lines)
    finally:
        root.removeHandler(records)
        root.setLevel(old_level)
        mp.undo()


def graph_section(
    fake: FakeTenant, credential: str = f"  client_secret_env: {ENV}\n", extra: str = ""
) -> str:
    """client.yaml's graph section: the app, ``credential``, then ``fake``'s URLs."""
    return (
        f"  tenant_id: {TENANT_ID}\n  client_id: {CLIENT_ID}\n"
        f"{credential}"
        f"  authority: {fake.url}\n  graph_endpoint: {fake.url}\n"
        f"  ca_bundle: {fake.ca_bundle}\n"
        f"{extra}"
    )


def write_engagement(
    root: Path, fake: FakeTenant, extra: str = "", graph: str | None = None
) -> Path:
    """An engagement folder whose client.yaml points the collector at ``fake``."""
    root.mkdir(parents=True, exist_ok=True)
    section = graph or graph_section(fake)
    (root / "client.yaml").write_text(
        "client:\n  name: Contoso Test Oy\nperiod: 2026-Q4\nas_of: 2026-11-20\n"
        "currency: EUR\nlicence_prices:\n  SPB: 20.60\n  EXCHANGESTANDARD: 3.70\n"
        + extra
        + "graph:\n"
        + section,
        encoding="utf-8",
    )
    return root


def runs_of(ev_dir: Path) -> dict[str, dict[str, Any]]:
    """The graph collector's runs in an evidence folder, by dataset."""
    manifest = json.loads((ev_dir / "manifest.json").read_text())
    return {r["dataset"]: r for r in manifest["runs"] if r["collector"] == "graph"}


def rows_of(ev_dir: Path, name: str) -> list[dict[str, Any]]:
    """A saved dataset's rows as dicts."""
    doc = json.loads((ev_dir / "datasets" / f"{name}.json").read_text())
    rows = zip(*doc["data"], strict=True)
    return [dict(zip(doc["columns"], r, strict=True)) for r in rows]


def pdf_text(path: Path) -> str:
    """A PDF's text, page after page."""
    return "".join(pdf_pages(path))


def findings_by_id(ev_dir: Path) -> dict[str, Any]:
    """Assess saved evidence; findings by rule id."""
    assessment = pipeline.assess(evidence.load(ev_dir))
    return {f.rule_id: f for f in assessment.findings}


# --- end to end --------------------------------------------------------------


def test_collect_then_report_end_to_end(full_run: Any) -> None:
    fake, out, result, _ = full_run
    assert result.exit_code == 0, result.output
    ev = out / "evidence"
    runs = runs_of(ev)
    assert {d for d, r in runs.items() if r["status"] == "ok"} == set(runs)
    assert len(rows_of(ev, "users")) == 60
    assert len(rows_of(ev, "devices")) == 40
    assessment = json.loads((out / "assessment.json").read_text())
    status = {f["rule_id"]: f["status"] for f in assessment["findings"]}
    # Rules over Graph's datasets were assessed, not skipped.
    for rule in ("FND-01", "FND-02", "REV-01", "REV-02", "REV-03", "REV-05"):
        assert status[rule] in ("pass", "fail"), rule
    assert (out / "report.pdf").stat().st_size > 0
    # The throttled and unavailable calls were retried once each.
    assert fake.by_resource["users"] == 2
    assert fake.by_resource["managedDevices"] == 2


def test_pages_at_largest_top_with_select_and_batching(
    fake: FakeTenant, tmp_path: Path
) -> None:
    ev = pipeline.collect(write_engagement(tmp_path / "eng", fake), tmp_path / "ev")
    assert len(rows_of(ev, "users")) == USERS
    assert len(rows_of(ev, "devices")) == DEVICES
    # Paging: ceil(n / largest $top) pages, each asked for once.
    assert fake.by_resource["users"] == math.ceil(USERS / 999) == 2
    assert fake.by_resource["managedDevices"] == math.ceil(DEVICES / 1000) == 2
    assert fake.by_resource["subscribedSkus"] == 1
    first = fake.queries["users"][0]
    assert first["$top"] == ["999"]
    assert fake.queries["managedDevices"][0]["$top"] == ["1000"]
    assert set(first["$select"][0].split(",")) == {
        "id",
        "userPrincipalName",
        "displayName",
        "userType",
        "accountEnabled",
        "createdDateTime",
        "assignedLicenses",
        "onPremisesSyncEnabled",
        "signInActivity",
    }
    # Batching: seventeen calls and their second pages (users, devices, MFA
    # details) took as many HTTP requests as the longest list has pages. The
    # BitLocker key and LAPS lists take no $top (issue 13): pages of 100. The
    # mailbox usage report (CSV behind a 302) takes one more.
    extra = [
        page_count(k, len(fake.tenant.items[k]), None)
        for k in ("bitlockerRecoveryKeys", "deviceLocalCredentials")
    ]
    assert fake.graph_requests == 17 + 3 + sum(n - 1 for n in extra) + 1
    assert fake.graph_http_requests == max(2, *extra) + 1


def test_live_data_matches_saved_graph_json(fake: FakeTenant, tmp_path: Path) -> None:
    """The same Graph items give the same datasets live and from saved JSON."""
    live = pipeline.collect(write_engagement(tmp_path / "live", fake), tmp_path / "a")
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "client.yaml").write_text(
        "client:\n  name: Contoso Test Oy\nperiod: 2026-Q4\n", encoding="utf-8"
    )
    exports = saved / "exports"
    exports.mkdir()
    items = fake.tenant.items
    for key in ("subscribedSkus", "users", "managedDevices", "userRegistrationDetails"):
        (exports / f"{key}.json").write_text(json.dumps({"value": items[key]}))
    files = pipeline.collect(saved, tmp_path / "b")
    for name in ("users", "licence_skus", "licence_assignments", "devices"):
        assert rows_of(live, name) == rows_of(files, name), name
    assert rows_of(live, "mfa_registration") == rows_of(files, "mfa_registration")


def test_live_graph_wins_over_exports(
    fake: FakeTenant, engagement: Path, tmp_path: Path
) -> None:
    text = (engagement / "client.yaml").read_text()
    write_engagement(tmp_path / "unused", fake)
    graph = (tmp_path / "unused" / "client.yaml").read_text().split("graph:\n")[1]
    (engagement / "client.yaml").write_text(text + "\ngraph:\n" + graph)
    ev = pipeline.collect(engagement, tmp_path / "ev")
    manifest = json.loads((ev / "manifest.json").read_text())
    assert manifest["datasets"]["users"]["collector"] == "graph"
    exp = {r["dataset"]: r for r in manifest["runs"] if r["collector"] == "exports"}
    assert exp["users"]["status"] == "missing"
    assert "another collector" in exp["users"]["reason"]
    # Exports still fill what Graph does not provide.
    assert manifest["datasets"]["backup_jobs"]["collector"] == "exports"


# --- failure is data ---------------------------------------------------------


def test_ungranted_permission_marks_dataset_not_assessed(
    fake: FakeTenant, tmp_path: Path
) -> None:
    fake.tenant = build_tenant(users=40, devices=20)  # a short PDF to render
    fake.faults.forbidden = {"managedDevices"}
    out = tmp_path / "out"
    pipeline.run(write_engagement(tmp_path / "eng", fake), out)
    ev = out / "evidence"
    runs = runs_of(ev)
    assert runs["devices"]["status"] == "failed"
    reason = runs["devices"]["reason"]
    assert "DeviceManagementManagedDevices.Read.All" in reason
    assert f"{fake.url}/{TENANT_ID}/adminconsent?client_id={CLIENT_ID}" in reason
    assert runs["users"]["status"] == "ok"
    found = findings_by_id(ev)
    assert found["FND-01"].status.value == "not_assessed"
    assert "DeviceManagementManagedDevices.Read.All" in found["FND-01"].reason
    assert found["REV-01"].status.value in ("pass", "fail")
    # The report itself tells the consultant what to grant.
    assert "DeviceManagementManagedDevices.Read.All" in pdf_text(out / "report.pdf")


def test_without_entra_p1_users_fall_back_to_usage_report(
    fake: FakeTenant, tmp_path: Path
) -> None:
    full = pipeline.collect(write_engagement(tmp_path / "p1", fake), tmp_path / "a")
    fake.faults.no_p1 = True
    ev = pipeline.collect(write_engagement(tmp_path / "nop1", fake), tmp_path / "b")
    runs = runs_of(ev)
    assert runs["users"]["status"] == "ok"
    assert "Entra ID P1" in runs["users"]["reason"]
    assert "usage report" in runs["users"]["reason"]
    # The usage report carries the same dates, so activity comes out the same.
    assert rows_of(ev, "users") == rows_of(full, "users")
    assert runs["mfa_registration"]["status"] == "failed"
    assert "lacks Microsoft Entra ID P1" in runs["mfa_registration"]["reason"]
    assert fake.by_resource["activeUserDetail"] == 1
    found = findings_by_id(ev)
    assert found["REV-02"].status.value in ("pass", "fail")
    assert found["REV-05"].status.value == "not_assessed"


def test_throttling_retries_only_the_throttled_parts(
    fake: FakeTenant, tmp_path: Path
) -> None:
    fake.faults.throttle = {"users": 2, "userRegistrationDetails": 1}
    fake.faults.throttle_batches = 1
    ev = pipeline.collect(write_engagement(tmp_path / "eng", fake), tmp_path / "ev")
    assert all(r["status"] == "ok" for r in runs_of(ev).values())
    pages = math.ceil(USERS / 999)
    assert fake.by_resource["users"] == pages + 2
    assert fake.by_resource["userRegistrationDetails"] == pages + 1
    # Untroubled calls inside the same batches were not asked again.
    for key in ("subscribedSkus", "securityDefaults", "secureScores"):
        assert fake.by_resource[key] == 1, key


def test_endless_throttling_fails_that_dataset_alone(
    fake: FakeTenant, tmp_path: Path
) -> None:
    fake.faults.throttle = {"secureScores": 1000}
    ev = pipeline.collect(write_engagement(tmp_path / "eng", fake), tmp_path / "ev")
    runs = runs_of(ev)
    assert runs["secure_scores"]["status"] == "failed"
    assert "throttl" in runs["secure_scores"]["reason"]
    assert runs["users"]["status"] == "ok"
    assert fake.by_resource["secureScores"] == 6  # bounded attempts


def test_lost_network_keeps_what_was_collected(
    fake: FakeTenant, tmp_path: Path
) -> None:
    # The first round (one batch) arrives; every later connection drops.
    fake.faults.drop_after = 1
    ev = pipeline.collect(write_engagement(tmp_path / "eng", fake), tmp_path / "ev")
    runs = runs_of(ev)
    assert runs["licence_skus"]["status"] == "ok"
    assert runs["security_defaults"]["status"] == "ok"
    for name in ("users", "devices", "mfa_registration"):
        assert runs[name]["status"] == "failed", name
        assert "stopped after 1 page(s)" in runs[name]["reason"]
        assert "the connection failed" in runs[name]["reason"]
    found = findings_by_id(ev)
    assert found["FND-01"].status.value == "not_assessed"
    assert "the connection failed" in found["FND-01"].reason
    assert found["REV-01"].status.value in ("pass", "fail")


# --- secrets -----------------------------------------------------------------


def _texts(folder: Path) -> list[tuple[Path, str]]:
    """Every readable text in a folder: files, XLSX members and PDF text."""
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        out.append((path, data.decode("utf-8", "replace")))
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                for member in z.namelist():
                    text = z.read(member).decode("utf-8", "replace")
                    out.append((path / member, text))
        if path.suffix == ".pdf":
            out.append((path, pdf_text(path)))
    return out


def _assert_clean(secrets: set[str], *texts: str, folder: Path | None = None) -> None:
    for secret in secrets:
        for text in texts:
            assert secret not in text
        for path, text in _texts(folder) if folder else []:
            assert secret not in text, path


def test_secret_and_tokens_never_leak_on_success(full_run: Any) -> None:
    fake, out, result, log_text = full_run
    assert result.exit_code == 0, result.output
    assert fake.tokens, "the fake issued no token: the test proves nothing"
    assert "graph: users" in log_text  # progress was logged, and scanned
    _assert_clean(
        {SECRET, *fake.tokens}, result.stdout, result.stderr, log_text, folder=out
    )
    saved = json.loads((out / "evidence" / "manifest.json").read_text())["client"]
    assert saved["graph"]["client_secret_env"] == ENV


def test_secret_never_leaks_on_auth_failure(
    fake: FakeTenant,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "hc-WRONG-secret~Yt5.Pq7_zR1mN4"
    monkeypatch.setenv(ENV, wrong)
    eng = write_engagement(tmp_path / "eng", fake)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(eng), "--out", str(out)])
    assert result.exit_code == 0, result.output
    runs = runs_of(out / "evidence")
    reason = runs["users"]["reason"]
    assert runs["users"]["status"] == "failed"
    assert "invalid_client" in reason and "AADSTS7000215" in reason
    assert "***" in reason  # the fake echoed the secret; it was scrubbed
    # The parameters a Finnish report is rendered from are scrubbed as well.
    assert runs["users"]["reason_key"] == "collect.graph.sign_in_failed"
    params = json.dumps(runs["users"]["reason_params"])
    assert "***" in params and "AADSTS7000215" in params
    _assert_clean(
        {wrong, SECRET},
        result.stdout,
        result.stderr,
        caplog.text,
        reason,
        params,
        folder=out,
    )


def test_reason_params_from_graph_are_redacted() -> None:
    from healthcheck_collectors.graph import _reason, redacted
    from healthcheck_collectors.graph.auth import Redactor
    from healthcheck_collectors.graph.client import GraphError

    from healthcheck.i18n import english

    redact = Redactor()
    redact.add(SECRET)
    ep = ENDPOINTS["managedDevices"]
    consent = f"https://login.example/adminconsent?client_id=x&s={SECRET}"
    for status, code in ((403, "Forbidden"), (401, "InvalidToken"), (500, "boom")):
        err = GraphError(status, code, f"echoed {SECRET} back", ep.path)
        said = redacted(_reason(ep, err, consent), redact)
        assert SECRET not in json.dumps(said.to_dict()), code
        assert SECRET not in english(said) and "***" in english(said), code


def test_finnish_rebuild_names_reasons_in_finnish(
    fake: FakeTenant, tmp_path: Path
) -> None:
    """Graph 403 on devices and no patch status export: the reasons the Finnish
    report gives are Finnish, the English assessment is rebuilt unchanged."""
    import re
    import shutil
    import tomllib

    import openpyxl

    from healthcheck.i18n import Translator
    from healthcheck.report import context, jsonout
    from tests.conftest import ROOT, SAMPLE

    fake.tenant = build_tenant(users=40, devices=20)
    fake.faults.forbidden = {"managedDevices"}
    eng = write_engagement(tmp_path / "eng", fake)
    (eng / "exports").mkdir()
    shutil.copy(SAMPLE / "exports" / "backup_jobs.csv", eng / "exports")
    out = tmp_path / "out"
    pipeline.run(eng, out)
    english = json.loads((out / "assessment.json").read_text())
    runs = {(r["collector"], r["dataset"]): r for r in english["collector_runs"]}
    assert runs["exports", "patch_status"]["reason"] == (
        "no file in exports/ was recognised as patch status"
    )
    assert runs["graph", "devices"]["reason_key"] == "collect.graph.permission"
    assert runs["graph", "devices"]["reason"].startswith(
        "permission not granted: DeviceManagementManagedDevices.Read.All (Graph 403"
    )
    # The same evidence, in English again and in Finnish.
    again, fi_out = tmp_path / "again", tmp_path / "fi"
    pipeline.report(out / "evidence", again)
    pipeline.report(out / "evidence", fi_out, lang="fi")
    rebuilt = json.loads((again / "assessment.json").read_text())
    assert {**rebuilt, "generated_at": None} == {**english, "generated_at": None}

    a = jsonout.read(fi_out / "assessment.json")
    fi = Translator("fi")
    view = context.build(a, context.ReportOptions(lang="fi"))
    texts = [r["reason"] for r in view["runs_missing"]]
    texts += [fi.reason(f.to_dict()) for f in a.findings if f.reason_key]
    book = openpyxl.load_workbook(fi_out / "findings.xlsx")
    texts += [str(c.value) for ws in book for row in ws.iter_rows() for c in row]
    texts.append(" ".join(pdf_text(fi_out / "report.pdf").split()))
    shown = "\n".join(texts)
    assert "käyttöoikeutta ei ole myönnetty: DeviceManagementManagedDevices" in shown
    assert "exports/-kansiosta ei tunnistettu yhtään tiedostoa" in shown
    # No English words of any collector reason: every fixed part of an English
    # sentence that the Finnish one does not share.
    en = tomllib.loads(
        (ROOT / "healthcheck/locales/en/collect.toml").read_text("utf-8")
    )
    fi_text = (ROOT / "healthcheck/locales/fi/collect.toml").read_text("utf-8")
    english_words = {
        part.strip()
        for table in (en["collect"], en["collect"]["graph"])
        for text in table.values()
        if isinstance(text, str)
        for part in re.split(r"\{\w+\}", text)
        if len(part.strip()) >= 8 and part.strip() not in fi_text
    }
    assert "permission not granted:" in english_words
    for words in english_words:
        assert words not in shown, words


# --- auth modes --------------------------------------------------------------


def test_device_code_with_encrypted_token_cache(
    fake: FakeTenant,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HC_TEST_CACHE_KEY", CACHE_KEY)
    cache = tmp_path / "cache" / "tokens.bin"
    graph = graph_section(
        fake,
        "  auth: device_code\n",
        f"  token_cache:\n    path: {cache}\n    key_env: HC_TEST_CACHE_KEY\n",
    )
    eng = write_engagement(tmp_path / "eng", fake, graph=graph)
    ev = pipeline.collect(eng, tmp_path / "ev1")
    assert runs_of(ev)["users"]["status"] == "ok"
    assert "FAKE-CODE" in capsys.readouterr().err
    assert fake.grants.count("urn:ietf:params:oauth:grant-type:device_code") == 2
    data = cache.read_bytes()
    assert cache.stat().st_mode & 0o077 == 0
    for token in fake.tokens:
        assert token.encode() not in data
    # A second run signs in from the cache: no new device code.
    ev2 = pipeline.collect(eng, tmp_path / "ev2")
    assert runs_of(ev2)["devices"]["status"] == "ok"
    assert fake.grants.count("urn:ietf:params:oauth:grant-type:device_code") == 2
    assert "FAKE-CODE" not in capsys.readouterr().err


def test_certificate_credential(fake: FakeTenant, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "healthcheck")])
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "app.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    thumb = cert.fingerprint(hashes.SHA1()).hex()  # noqa: S303 - as Entra shows it
    graph = graph_section(
        fake, f"  certificate_path: {pem}\n  certificate_thumbprint: {thumb}\n"
    )
    eng = write_engagement(tmp_path / "eng", fake, graph=graph)
    # Before the tenant knows the certificate, the assertion is refused.
    ev = pipeline.collect(eng, tmp_path / "ev0")
    assert runs_of(ev)["licence_skus"]["status"] == "failed"
    assert "invalid_client" in runs_of(ev)["licence_skus"]["reason"]
    fake.certificate = cert
    ev = pipeline.collect(eng, tmp_path / "ev")
    assert runs_of(ev)["licence_skus"]["status"] == "ok"
    assert fake.grants == ["client_credentials", "client_credentials"]


# --- configuration -----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("  client_secret: abc123\n", "graph.client_secret"),
        ("  auth: password\n", "graph.auth"),
        ("  graph_endpoint: http://graph.example\n", "graph.graph_endpoint"),
        ("  tenant_idd: x\n", "graph.tenant_idd"),
    ],
)
def test_bad_graph_settings_name_the_key(
    fake: FakeTenant, tmp_path: Path, line: str, key: str
) -> None:
    base = (
        f"  tenant_id: {TENANT_ID}\n  client_id: {CLIENT_ID}\n"
        f"  client_secret_env: {ENV}\n"
    )
    eng = write_engagement(tmp_path / "eng", fake, graph=base + line)
    with pytest.raises(ConfigError) as err:
        pipeline.collect(eng, tmp_path / "ev")
    assert "client.yaml" in str(err.value) and f"'{key}'" in str(err.value)


def test_secret_pasted_as_env_name_is_not_echoed(
    fake: FakeTenant, tmp_path: Path
) -> None:
    graph = (
        f"  tenant_id: {TENANT_ID}\n  client_id: {CLIENT_ID}\n"
        f"  client_secret_env: {SECRET}\n"
    )
    eng = write_engagement(tmp_path / "eng", fake, graph=graph)
    result = CliRunner().invoke(
        main, ["collect", str(eng), "--out", str(tmp_path / "e")]
    )
    assert result.exit_code == 2
    assert "graph.client_secret_env" in result.stderr
    assert SECRET not in result.stderr + result.stdout


def test_unset_secret_variable_is_a_one_line_error(
    fake: FakeTenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV)
    eng = write_engagement(tmp_path / "eng", fake)
    result = CliRunner().invoke(
        main, ["-q", "collect", str(eng), "--out", str(tmp_path / "e")]
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert ENV in result.stderr and "not set" in result.stderr


def test_permissions_command_prints_permissions_and_consent_url(
    fake: FakeTenant, tmp_path: Path
) -> None:
    eng = write_engagement(tmp_path / "eng", fake)
    result = CliRunner().invoke(main, ["permissions", str(eng)])
    assert result.exit_code == 0, result.output
    # Per permission: the datasets it reads and the rules that use them.
    devices = next(
        line.strip()
        for line in result.stdout.splitlines()
        if line.strip().startswith("DeviceManagementManagedDevices.Read.All: ")
    )
    assert devices.startswith("DeviceManagementManagedDevices.Read.All: devices (")
    assert "FND-01" in devices and devices.endswith(")")
    assert "SecurityEvents.Read.All: secure_scores (used by REV-13)" in result.stdout
    assert f"{fake.url}/{TENANT_ID}/adminconsent?client_id={CLIENT_ID}" in result.stdout


# --- HTTP behaviour ----------------------------------------------------------


def _client(fake: FakeTenant, tmp_path: Path, **kw: Any) -> GraphClient:
    cfg = settings.parse(
        {
            "tenant_id": TENANT_ID,
            "client_id": CLIENT_ID,
            "client_secret_env": ENV,
            "authority": fake.url,
            "graph_endpoint": fake.url,
            "ca_bundle": str(fake.ca_bundle),
        },
        tmp_path,
    )
    session = make_session(cfg)
    return GraphClient(
        graph_endpoint=cfg.graph_endpoint,
        token=TokenSource(cfg, session),
        session=session,
        **kw,
    )


def test_backoff_without_retry_after_doubles(fake: FakeTenant, tmp_path: Path) -> None:
    fake.faults.throttle = {"subscribedSkus": 3}
    fake.faults.retry_after = ""
    client = _client(fake, tmp_path, backoff=0.1)
    start = time.monotonic()
    result = client.collect([ENDPOINTS["subscribedSkus"]])["subscribedSkus"]
    elapsed = time.monotonic() - start
    # The tenant's three subscriptions: Entra ID P2, SPB, Exchange Plan 1.
    assert result.ok and len(result.items) == 3
    assert fake.by_resource["subscribedSkus"] == 4
    assert elapsed >= 0.1 + 0.2 + 0.4
    assert client.stats.throttled == 3


def test_next_link_to_another_host_is_refused(fake: FakeTenant, tmp_path: Path) -> None:
    fake.faults.foreign_next_link = {"users"}
    client = _client(fake, tmp_path)
    result = client.collect([ENDPOINTS["users_basic"]])["users_basic"]
    assert not result.ok
    assert result.error is not None and "outside the Graph endpoint" in str(
        result.error
    )
    # The token went only to the configured endpoint: one page, then stop.
    assert fake.by_resource["users"] == 1


def test_slow_authority_times_out_as_data(fake: FakeTenant, tmp_path: Path) -> None:
    fake.faults.latency = 1.0
    graph = graph_section(fake, extra="  timeout: 0.2\n")
    start = time.monotonic()
    ev = pipeline.collect(
        write_engagement(tmp_path / "eng", fake, graph=graph), tmp_path / "ev"
    )
    assert time.monotonic() - start < 10
    runs = runs_of(ev)
    assert {r["status"] for r in runs.values()} == {"failed"}
    assert "cannot reach the sign-in authority" in runs["users"]["reason"]


@pytest.mark.parametrize("concurrency", [1, 2])
def test_batches_of_twenty_with_bounded_concurrency(
    fake: FakeTenant, tmp_path: Path, concurrency: int
) -> None:
    # 25 one-page calls: two $batch requests (20 + 5), in flight together
    # only when concurrency allows.
    many = [
        Endpoint(
            key=f"skus{i}",
            path="/subscribedSkus",
            permission="LicenseAssignment.Read.All",
            docs="",
            datasets=(),
        )
        for i in range(25)
    ]
    client = _client(fake, tmp_path, concurrency=concurrency)
    client.collect([ENDPOINTS["securityDefaults"]])  # sign in before timing
    http, served = fake.graph_http_requests, fake.graph_requests
    fake.faults.latency = 0.5
    start = time.monotonic()
    results = client.collect(many)
    elapsed = time.monotonic() - start
    assert all(r.ok and len(r.items) == 3 for r in results.values())
    assert fake.graph_http_requests - http == 2
    assert fake.graph_requests - served == 25
    if concurrency == 1:
        assert elapsed >= 1.0
    else:
        assert elapsed < 0.95
