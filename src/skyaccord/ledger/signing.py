"""Ed25519 signatures of parties over what they submit (filings, acknowledgements).

What is signed, exactly — so that a party's own system can sign without skyaccord code:

1. the party builds the payload it submits, a JSON object (for an acknowledgement, say,
   ``{"alert": "a-17", "version": 3, "acknowledged_at": "2030-09-17T18:39:12Z"}``);
2. it encodes the payload as canonical JSON (RFC 8785, see :mod:`skyaccord.ledger.canonical`),
   UTF-8 bytes;
3. it signs those bytes with pure Ed25519 (RFC 8032, not Ed25519ph, no context);
4. it sends the 64-byte signature in standard base64 with padding (88 characters) together with
   the id of its key.

The same in a shell, with OpenSSL 3::

    openssl genpkey -algorithm ed25519 -out party.private.pem
    openssl pkey -in party.private.pem -pubout -out party.public.pem
    openssl pkeyutl -sign -rawin -inkey party.private.pem -in payload.canonical.json | base64 -w0

A key's id is the first 32 hex digits of the SHA-256 of its raw 32-byte public key, so both
sides compute it independently (:func:`key_id`).

A signature covers the payload only; put into the payload whatever must not be replayable
(the alert and its version, the party's own time).  The ledger entry that records the payload
binds it to its sequence number, time, kind and actor by its hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from skyaccord.errors import ValidationError
from skyaccord.ledger.canonical import canonical_bytes

__all__ = [
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "generate_private_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "private_key_pem",
    "public_key_pem",
    "sign_payload",
    "verify_signature",
]

SIGNATURE_BYTES = 64


def generate_private_key() -> Ed25519PrivateKey:
    """A new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey, password: bytes | None = None) -> str:
    """``key`` as PKCS #8 PEM, encrypted with ``password`` when one is given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode("ascii")


def public_key_pem(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The public key (of ``key``, if private) as SubjectPublicKeyInfo PEM."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_private_key(
    pem: str | bytes, password: bytes | None = None, field: str = "private_key"
) -> Ed25519PrivateKey:
    """A PEM private key, which must be Ed25519; errors name ``field``."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except TypeError as e:  # password missing or not expected
        raise ValidationError(field, str(e)) from None
    except (ValueError, UnsupportedAlgorithm) as e:
        raise ValidationError(field, f"not a readable PEM private key ({e})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValidationError(field, f"must be an Ed25519 key, not {type(key).__name__}")
    return key


def load_public_key(pem: str | bytes, field: str = "public_key") -> Ed25519PublicKey:
    """A PEM public key (SubjectPublicKeyInfo), which must be Ed25519; errors name ``field``."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as e:
        raise ValidationError(field, f"not a readable PEM public key ({e})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationError(field, f"must be an Ed25519 key, not {type(key).__name__}")
    return key


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The key's id: 32 hex digits of SHA-256 over the raw 32-byte public key."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def sign_payload(private_key: Ed25519PrivateKey, payload: Any) -> str:
    """The base64 Ed25519 signature of ``payload``'s canonical JSON (see the module docstring)."""
    signature = private_key.sign(canonical_bytes(payload, "payload"))
    return base64.b64encode(signature).decode("ascii")


def verify_signature(public_key: Ed25519PublicKey, payload: Any, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``public_key``'s signature of ``payload``.

    False, never an exception, for a signature that is malformed, of the wrong length, or made
    by another key or over another payload.  A payload that cannot be canonicalized raises
    :class:`~skyaccord.errors.ValidationError`.
    """
    message = canonical_bytes(payload, "payload")
    raw = decode_signature(signature)
    if raw is None:
        return False
    try:
        public_key.verify(raw, message)
    except InvalidSignature:
        return False
    return True


def decode_signature(signature: str) -> bytes | None:
    """The 64 raw bytes of a base64 signature, or None if it is not one (strict base64)."""
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if len(raw) != SIGNATURE_BYTES or base64.b64encode(raw).decode("ascii") != signature:
        return None
    return raw
