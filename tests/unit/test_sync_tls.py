"""https backends are verified: a private CA works only through backend.ca_bundle."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.storage import Config, Store
from app.sync import SyncState, SyncWorker
from tests.unit.test_storage import finished, started
from tests.unit.test_sync import NO_WAIT, ScriptedBackend, accept_all


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@pytest.fixture
def private_ca(tmp_path):
    """A CA and a certificate it signed for 127.0.0.1: (ca.pem, server cert, server key)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Kitbench test CA"))
        .issuer_name(_name("Kitbench test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("fleet.test"))
        .issuer_name(ca.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = tmp_path / "ca.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path = tmp_path / "server.pem"
    cert_path.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    key_path = tmp_path / "server.key"
    key_path.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


@pytest.fixture
def https_backend(private_ca):
    _, cert_path, key_path = private_ca
    backend = ScriptedBackend(accept_all)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    backend.server.socket = context.wrap_socket(backend.server.socket, server_side=True)
    backend.url = backend.url.replace("http://", "https://")
    yield backend
    backend.close()


def _one_waiting_run(kitbench_home) -> Store:
    store = Store(kitbench_home, recording=True)
    recorder = store.recorder()
    run_id = uuid.uuid4().hex
    recorder.on_event(started(run_id))
    recorder.on_event(finished(run_id)).result(5)
    return store


def test_an_unknown_ca_is_refused_and_the_run_keeps_waiting(kitbench_home, https_backend):
    config = Config(kitbench_home)
    config.set("backend.url", https_backend.url)
    config.set("backend.token", "tok")
    with _one_waiting_run(kitbench_home) as store:
        status = SyncWorker(store, on_status=lambda _s: None, backoff=NO_WAIT).sync_now()
    assert status.state is SyncState.OFFLINE
    assert "CERTIFICATE_VERIFY_FAILED" in status.message
    assert status.waiting == 1
    assert https_backend.requests == []


def test_the_configured_ca_bundle_makes_the_private_ca_trusted(
    kitbench_home, https_backend, private_ca
):
    config = Config(kitbench_home)
    config.set("backend.url", https_backend.url)
    config.set("backend.token", "tok")
    config.set("backend.ca_bundle", str(private_ca[0]))
    with _one_waiting_run(kitbench_home) as store:
        status = SyncWorker(store, on_status=lambda _s: None, backoff=NO_WAIT).sync_now()
    assert (status.state, status.sent) == (SyncState.SYNCED, 1)
    assert len(https_backend.posted_batches()) == 1
