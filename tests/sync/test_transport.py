"""How a station reaches its district: https beyond this computer, with the district's CA
or a pinned certificate (a real uvicorn speaking TLS on loopback, a self-signed
certificate made by openssl); plain HTTP to the local network only by the station's
setting. A certificate that does not prove the district stops the round before the
station's token is sent."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from loopback import free_port

from station_app.domain.actor import CLI_ADMIN
from station_app.domain.models import Member
from station_app.domain.services import members
from sync import district as district_service
from sync.client import SyncClient, SyncError, set_transport
from sync.server.app import create_app
from sync.tls import fingerprint_of_pem, is_lan_host


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA) and its key."""
    if shutil.which("openssl") is None:
        if os.environ.get("CI"):
            pytest.fail("openssl is required in CI (scripts/ensure-system-deps.sh test)")
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "district.pem", folder / "district.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=district",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, capture_output=True)
    return cert, key


class Counted:
    """An ASGI app that counts the HTTP requests that reached it."""

    def __init__(self, app):
        self.app, self.requests = app, 0

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


@contextmanager
def serve_tls(app, cert: Path, key: Path) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", ssl_certfile=str(cert),
                                           ssl_keyfile=str(key)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"https://127.0.0.1:{port}"
    try:
        for _ in range(500):
            if server.started:
                break
            thread.join(0.02)
        else:
            pytest.fail("the TLS server did not start")
        yield base
    finally:
        server.should_exit = True
        thread.join(10)


def test_https_with_a_pinned_certificate_or_the_districts_ca(db, admin, district, certificate):
    cert, key = certificate
    pem = cert.read_text()
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": "11010519491231002X"})
    app = Counted(create_app(district))
    with serve_tls(app, cert, key) as url:
        # the system's authorities do not know a district's own certificate: stopped
        client = SyncClient(db, url)
        with pytest.raises(SyncError) as refused:
            client.sync(district_service.enroll(district, "KY01", CLI_ADMIN).code)
        client.close()
        assert "did not prove it is the district" in refused.value.message("en")
        assert "证书" in refused.value.message("zh")
        assert app.requests == 0  # nothing, the code above all, went out
        # a wrong pin: the same
        set_transport(db, fingerprint="AB" * 32)
        client = SyncClient(db, url)
        with pytest.raises(SyncError, match="did not prove"):
            client.sync(district_service.enroll(district, "KY01", CLI_ADMIN).code)
        client.close()
        assert app.requests == 0
        # the fingerprint the district prints
        set_transport(db, fingerprint=fingerprint_of_pem(pem).lower().replace(":", " "))
        assert db.state()["district_fingerprint"] == fingerprint_of_pem(pem)
        client = SyncClient(db, url)
        report = client.sync(district_service.enroll(district, "KY01", CLI_ADMIN).code)
        client.close()
        assert report.pushed == 1
        # or the district's CA file instead
        set_transport(db, fingerprint="", ca_pem=pem)
        client = SyncClient(db)
        assert client.sync().pushed == 0
        client.close()
    with district.reader() as s:
        assert s.query(Member).count() == 1


def test_plain_http_goes_to_this_computer_and_by_a_setting_to_the_local_network(db):
    for url in ("http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"):
        SyncClient(db, url).close()
    for url in ("http://district.example.org:8765", "http://10.1.2.3:8765",
                "http://8.8.8.8"):
        with pytest.raises(SyncError) as refused:
            SyncClient(db, url)
        assert "https://" in refused.value.message("en")
        assert "明文" in refused.value.message("zh")
    assert db.state()["district_server"] == "http://[::1]:8765"  # (refused: not kept)
    set_transport(db, plain_lan=True)
    for url in ("http://10.1.2.3:8765", "http://192.168.0.10", "http://[fd00::1]:8765"):
        SyncClient(db, url).close()
    for url in ("http://8.8.8.8", "http://district.example.org:8765"):
        with pytest.raises(SyncError, match="not on the local network"):
            SyncClient(db, url)
    assert db.state()["district_server"] == "http://[fd00::1]:8765"
    set_transport(db, plain_lan=False)
    with pytest.raises(SyncError):  # the address kept is refused too, from now on
        SyncClient(db)
    with pytest.raises(SyncError, match="64 hexadecimal digits"):
        set_transport(db, fingerprint="AB:CD")
    assert is_lan_host("localhost") and not is_lan_host("no-such-host.invalid")


def test_enroll_prints_the_certificate_fingerprint_and_the_codes_expiry(tmp_path, capsys,
                                                                       certificate,
                                                                       monkeypatch):
    import io

    from sync.server.cli import main

    cert, _key = certificate
    target = str(tmp_path / "district.sqlite3")
    monkeypatch.setattr("sys.stdin", io.StringIO("district-pass-1\n"))
    assert main(["init", "--db", target, "--admin", "boss", "--password-stdin"]) == 0
    capsys.readouterr()
    assert main(["enroll", "KY01", "--name", "葵涌", "--db", target, "--cert", str(cert),
                 "--valid-days", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert f"district certificate fingerprint (SHA-256): {fingerprint_of_pem(cert.read_text())}" \
        in out
    assert "valid until" in out[-2] and len(out[-1]) == 19  # the code, last
    assert main(["enroll", "KY01", "--db", target]) == 0  # the certificate is remembered
    assert any("fingerprint" in line for line in capsys.readouterr().out.splitlines())
    with pytest.raises(SystemExit):
        main(["enroll", "KY01", "--db", target, "--valid-days", "0"])
    assert main(["serve", "--db", target, "--tls-cert", str(cert)]) == 1
    assert "give both --tls-cert and --tls-key" in capsys.readouterr().err


def test_station_admin_sync_keeps_the_transport_settings(db_path, capsys, monkeypatch):
    from station_app.cli import main
    from station_app.storage.database import open_database
    from sync import client as client_module

    monkeypatch.setattr(client_module, "RETRIES", (0.01,))
    assert main(["sync", "--db", str(db_path), "--server", "http://10.1.2.3:9"]) == 1
    assert "https://" in capsys.readouterr().err
    assert main(["sync", "--db", str(db_path), "--server", "http://10.1.2.3:9",
                 "--plain-http-lan", "--fingerprint", "ab" * 32]) == 1
    assert "not enrolled yet" in capsys.readouterr().err  # (the address is allowed)
    assert main(["sync", "--db", str(db_path), "--fingerprint", "AB:CD"]) == 1
    assert "64 hexadecimal digits" in capsys.readouterr().err
    db = open_database(db_path)
    state = db.state()
    db.close()
    assert (state["sync_plain_http"], state["district_fingerprint"]) == ("1", ":".join(
        ["AB"] * 32))
    assert state["district_server"] == "http://10.1.2.3:9"


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
