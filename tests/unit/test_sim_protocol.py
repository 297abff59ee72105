"""Wire-format pieces of the simulator, checked against adb-shell's own client code."""

from __future__ import annotations

import pytest
from adb_shell.auth.keygen import keygen
from adb_shell.auth.sign_pythonrsa import PythonRSASigner

from app.sim import protocol as p
from app.sim.behaviour import FaultSpecError, parse_faults


def test_checksum_is_the_byte_sum():
    assert p.checksum(b"\x01\x02\xff") == 258
    assert p.checksum(b"") == 0


def test_encode_then_decode_header_round_trips():
    raw = p.encode(p.A_WRTE, 3, 9, b"hello")
    header = p.decode_header(raw[: p.HEADER_SIZE], p.MAX_PAYLOAD)
    assert (header.command, header.arg0, header.arg1, header.length) == (p.A_WRTE, 3, 9, 5)
    assert header.data_checksum == p.checksum(b"hello")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (p.encode(p.A_OKAY, 0, 0)[:20] + b"\0\0\0\0", "bad magic"),
        (p.HEADER.pack(1, 0, 0, 0, 0, 1 ^ 0xFFFFFFFF), "unknown command"),
        (p.HEADER.pack(p.A_WRTE, 0, 0, 2 << 20, 0, p.A_WRTE ^ 0xFFFFFFFF), "exceeds"),
    ],
)
def test_decode_header_rejects_what_adbd_drops(raw, reason):
    with pytest.raises(p.ProtocolError, match=reason):
        p.decode_header(raw, p.MAX_PAYLOAD)


def test_banner_parsing():
    kind, props, features = p.parse_banner(
        b"device::ro.product.name=husky;ro.product.model=Pixel 8;features=shell_v2,cmd\0"
    )
    assert kind == "device"
    assert props == {"ro.product.name": "husky", "ro.product.model": "Pixel 8"}
    assert features == ["shell_v2", "cmd"]


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    path = tmp_path_factory.mktemp("key") / "adbkey"
    keygen(str(path))
    return PythonRSASigner.FromRSAKeyPath(str(path))


def test_signature_from_adb_shell_verifies_against_its_public_key(signer):
    token = bytes(range(20))
    public_key = signer.GetPublicKey().encode() + b"\0"
    assert p.signature_matches(public_key, token, signer.Sign(token))
    assert not p.signature_matches(public_key, bytes(20), signer.Sign(token))


def test_malformed_public_key_is_rejected():
    with pytest.raises(ValueError):
        p.decode_android_pubkey(b"not-base64!!\0")
    with pytest.raises(ValueError, match="bytes"):
        p.decode_android_pubkey(b"QUJD user@host\0")


def test_fault_spec_parses_and_explains_mistakes():
    assert parse_faults("install_fail=0.1, disconnect=0.02") == {
        "install_fail": 0.1,
        "disconnect": 0.02,
    }
    assert parse_faults(None) == {}
    with pytest.raises(FaultSpecError, match="unknown fault 'explode'"):
        parse_faults("explode=0.1")
    with pytest.raises(FaultSpecError, match="between 0 and 1"):
        parse_faults("slow=2")
    with pytest.raises(FaultSpecError, match="needs a probability"):
        parse_faults("slow")
