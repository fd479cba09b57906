"""The ledger: a hash-chained, party-signed record of every event, verifiable offline.

Every event (filing, change, notice, alert raised/updated/cleared, delivery, acknowledgement,
message) is appended, in the same transaction as the change it records, to a chain in the
store: entry *n* carries the SHA-256 of entry *n − 1*, over canonical JSON (RFC 8785).
Parties may sign what they submit with Ed25519 keys registered at the server; key
registrations and revocations are entries of the chain too.  A bundle export carries the
chain, the keys and a header, and verifies with no store.

Layers, pure first:

* :mod:`~skyaccord.ledger.canonical` — canonical JSON (what is hashed and signed);
* :mod:`~skyaccord.ledger.signing` — Ed25519 keys and signatures (what a party's own system
  must do to sign);
* :mod:`~skyaccord.ledger.chain` — entries, hashes, and :class:`ChainVerifier`, which names the
  first broken entry;
* :mod:`~skyaccord.ledger.store` — append, read, verify and party keys inside a caller's
  :meth:`~skyaccord.store.Store.transact`;
* :mod:`~skyaccord.ledger.bundle` — export to, and offline verification of, a bundle file.

Typical use, in a service::

    from skyaccord import ledger

    store.transact(lambda c: ledger.append(c, "ack", "russia", payload, time=clock.now(),
                                           signature=sig, key_id=kid))
    report = store.transact(ledger.verify_chain, write=False)
    if not report.ok:
        print(report.problem)       # e.g. "entry 17: stored hash 3fa2… but the entry hashes…"
"""

from skyaccord.ledger.bundle import (
    BundleHeader,
    export_bundle,
    verify_bundle,
    verify_bundle_bytes,
    write_bundle,
)
from skyaccord.ledger.canonical import canonical_bytes, canonical_json
from skyaccord.ledger.chain import (
    GENESIS_HASH,
    KEY_REGISTERED,
    KEY_REVOKED,
    ChainVerifier,
    Entry,
    PartyKey,
    Problem,
    VerifyReport,
    entry_hash,
    next_entry,
    verify_entries,
)
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
from skyaccord.ledger.store import (
    append,
    get_key,
    head,
    iter_entries,
    keys,
    last,
    read,
    register_key,
    revoke_key,
    verify_chain,
)

__all__ = [
    "GENESIS_HASH",
    "KEY_REGISTERED",
    "KEY_REVOKED",
    "BundleHeader",
    "ChainVerifier",
    "Entry",
    "PartyKey",
    "Problem",
    "VerifyReport",
    "append",
    "canonical_bytes",
    "canonical_json",
    "entry_hash",
    "export_bundle",
    "generate_private_key",
    "get_key",
    "head",
    "iter_entries",
    "key_id",
    "keys",
    "last",
    "load_private_key",
    "load_public_key",
    "next_entry",
    "private_key_pem",
    "public_key_pem",
    "read",
    "register_key",
    "revoke_key",
    "sign_payload",
    "verify_bundle",
    "verify_bundle_bytes",
    "verify_chain",
    "verify_entries",
    "verify_signature",
    "write_bundle",
]
