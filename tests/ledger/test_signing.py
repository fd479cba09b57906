"""Ed25519 signing: round trips, wrong keys and payloads, malformed input, PEM handling, and a
signature made by OpenSSL alone (what a party's own system would do)."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from skyaccord.errors import ValidationError
from skyaccord.ledger.canonical import canonical_bytes
from skyaccord.ledger.signing import (
    generate_private_key,
    key_id,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_pem,
    sign_payload,
    verify_signature,
)

ACK = {"alert": "a-17", "version": 3, "acknowledged_at": "2030-09-17T18:39:12Z", "by": "Ахмед"}


def test_round_trip_through_pem() -> None:
    key = generate_private_key()
    sig = sign_payload(key, ACK)
    assert len(sig) == 88
    pub = load_public_key(public_key_pem(key))
    assert verify_signature(pub, ACK, sig)
    # Key order does not matter: what is signed is the canonical form.
    assert verify_signature(pub, dict(reversed(list(ACK.items()))), sig)
    again = load_private_key(private_key_pem(key))
    assert key_id(again) == key_id(key) == key_id(pub)


def test_wrong_key_payload_or_signature() -> None:
    key, other = generate_private_key(), generate_private_key()
    sig = sign_payload(key, ACK)
    assert not verify_signature(other.public_key(), ACK, sig)
    assert not verify_signature(key.public_key(), {**ACK, "version": 4}, sig)
    raw = bytearray(base64.b64decode(sig))
    raw[10] ^= 1
    assert not verify_signature(key.public_key(), ACK, base64.b64encode(raw).decode())


@pytest.mark.parametrize(
    "bad",
    ["", "not base64!", "AAAA", "é" * 88, base64.b64encode(b"x" * 63).decode()],
)
def test_malformed_signatures_are_false_not_errors(bad: str) -> None:
    assert not verify_signature(generate_private_key().public_key(), ACK, bad)


def test_only_the_canonical_base64_spelling_verifies() -> None:
    """Base64 has spare bits in the last character; a re-spelled signature must not verify,
    or the same signature could be recorded under two hashes."""
    key = generate_private_key()
    sig = sign_payload(key, ACK)
    assert sig.endswith("==")
    last = sig[-3]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = sig[:-3] + alphabet[alphabet.index(last) ^ 1] + "=="
    assert base64.b64decode(twin) == base64.b64decode(sig)
    assert not verify_signature(key.public_key(), ACK, twin)


def test_key_id_is_sha256_of_the_raw_public_key() -> None:
    key = generate_private_key()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert key_id(key) == hashlib.sha256(raw).hexdigest()[:32]


def test_encrypted_private_key() -> None:
    key = generate_private_key()
    pem = private_key_pem(key, b"correct horse")
    assert "ENCRYPTED" in pem
    assert key_id(load_private_key(pem, b"correct horse")) == key_id(key)
    with pytest.raises(ValidationError):
        load_private_key(pem)
    with pytest.raises(ValidationError):
        load_private_key(pem, b"wrong")


def test_pem_errors_name_the_field() -> None:
    with pytest.raises(ValidationError) as e:
        load_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    assert e.value.field == "public_key"
    ecdsa = ec.generate_private_key(ec.SECP256R1())
    pem = ecdsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValidationError, match="Ed25519"):
        load_public_key(pem)
    priv = ecdsa.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValidationError, match="Ed25519"):
        load_private_key(priv)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_a_signature_made_with_openssl_alone_verifies(tmp_path: Path) -> None:
    """The recipe in skyaccord.ledger.signing, run with OpenSSL 3: keys, canonical bytes,
    pure Ed25519, base64."""
    private, public = tmp_path / "p.private.pem", tmp_path / "p.public.pem"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(private)], check=True
    )
    subprocess.run(
        ["openssl", "pkey", "-in", str(private), "-pubout", "-out", str(public)], check=True
    )
    message = tmp_path / "payload.canonical.json"
    message.write_bytes(canonical_bytes(ACK))
    raw = subprocess.run(
        ["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", str(private), "-in", str(message)],
        check=True,
        capture_output=True,
    ).stdout
    sig = base64.b64encode(raw).decode()
    pub = load_public_key(public.read_text())
    assert verify_signature(pub, ACK, sig)
    # and skyaccord's signature with the same key is the same (Ed25519 is deterministic)
    assert sign_payload(load_private_key(private.read_text()), ACK) == sig
