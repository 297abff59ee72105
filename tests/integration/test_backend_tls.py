"""`kitbench backend --ssl-certfile/--ssl-keyfile`: uvicorn's own TLS, no proxy. The console
then marks its cookies Secure; a wrong pair of files is a message before anything starts."""

from __future__ import annotations

import ssl
import subprocess
import sys

import httpx

from tests.unit.test_sync_tls import private_ca  # noqa: F401 - the fixture


def kitbench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=60
    )


def test_the_backend_serves_https_and_the_console_cookies_are_secure(private_ca, tmp_path):  # noqa: F811
    ca_path, cert_path, key_path = private_ca
    backend = subprocess.Popen(
        [sys.executable, "-m", "app", "backend", "--port", "0", "--db",
         f"sqlite:///{tmp_path / 'fleet.db'}", "--ssl-certfile", str(cert_path),
         "--ssl-keyfile", str(key_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = backend.stdout.readline()
        assert line.startswith("Fleet backend listening on https://127.0.0.1:"), (
            line + backend.stderr.read()
        )
        url = line.split()[-1]
        trusted = ssl.create_default_context(cafile=str(ca_path))
        response = httpx.get(f"{url}/console/login", verify=trusted)
        assert response.status_code == 200
        assert "secure" in response.headers["set-cookie"].lower()
        try:
            httpx.get(f"{url}/console/login")  # the system's CAs do not know this one
            raise AssertionError("a certificate from an unknown CA was accepted")
        except httpx.ConnectError:
            pass
    finally:
        backend.terminate()
        assert backend.wait(timeout=30) == 0


def test_a_certificate_without_its_key_or_a_wrong_pair_is_refused(private_ca, tmp_path):  # noqa: F811
    ca_path, cert_path, key_path = private_ca
    db = ["--db", f"sqlite:///{tmp_path / 'fleet.db'}"]
    alone = kitbench("backend", *db, "--ssl-certfile", str(cert_path))
    assert alone.returncode == 2
    assert "--ssl-certfile and --ssl-keyfile go together" in alone.stderr
    wrong = kitbench(
        "backend", *db, "--ssl-certfile", str(cert_path), "--ssl-keyfile", str(ca_path)
    )
    assert wrong.returncode == 1
    assert f"cannot use {cert_path} with {ca_path}" in wrong.stderr
    missing = kitbench("backend", *db, "--ssl-certfile", str(tmp_path / "none.pem"),
                       "--ssl-keyfile", str(key_path))  # fmt: skip
    assert missing.returncode == 1
    assert "cannot use" in missing.stderr and "No such file" in missing.stderr
    for result in (alone, wrong, missing):
        assert "Traceback" not in result.stderr
