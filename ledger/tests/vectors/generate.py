#!/usr/bin/env python3
"""Generate golden transaction vectors with the official LTO Python client.

Run with a Python that has `lto==1.5.1` installed (see README.md):

    .venv/bin/python generate.py

Writes lto_python_vectors.json next to this file. The output is deterministic
(fixed seeds, fixed timestamps, Ed25519 signatures are deterministic), so a
re-run must produce a byte-identical file.

This script only *calls* the library. Everything the library produces
(body bytes, JSON, proofs) is cross-checked here with independent code:
  * ids are Blake2b-256(body) computed with hashlib;
  * Ed25519 proofs are verified with `cryptography` (OpenSSL), not PyNaCl;
  * ECDSA proofs are verified with `cryptography` as well;
  * keys/addresses are re-derived with hashlib + `cryptography`;
  * a few externally published LTO test vectors are asserted.
"""

import base64
import hashlib
import json
import os
import struct
import sys
from importlib.metadata import version as pkg_version

import base58
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

import lto.transactions as lto_txs
from lto.accounts.ecdsa.account_factory_ecdsa import AccountFactoryECDSA
from lto.accounts.ed25519.account_factory_ed25519 import AccountFactoryED25519
from lto.transactions import (
    Anchor,
    Association,
    Burn,
    CancelLease,
    CancelSponsorship,
    Certificate,
    Data,
    Lease,
    MappedAnchor,
    MassTransfer,
    Register,
    RevokeAssociation,
    SetScript,
    Sponsorship,
    Statement,
    Transfer,
)
from lto.transactions.data_entry import DataEntry

LTO_VERSION = pkg_version("lto")
assert LTO_VERSION == "1.5.1", "this generator is pinned to lto 1.5.1, found %s" % LTO_VERSION

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lto_python_vectors.json")
TS0 = 1700000000000

KEY_TYPE_ID = {"ed25519": 1, "secp256k1": 2, "secp256r1": 3, "bls12-381": 4}


# --------------------------------------------------------------------------
# independent helpers (no lto code)
# --------------------------------------------------------------------------
def b58(b: bytes) -> str:
    s = base58.b58encode(bytes(b))
    return s.decode() if isinstance(s, bytes) else s


def unb58(s: str) -> bytes:
    return base58.b58decode(s)


def blake2b256(b: bytes) -> bytes:
    return hashlib.blake2b(b, digest_size=32).digest()


def secure_hash(b: bytes) -> bytes:
    return hashlib.sha256(blake2b256(b)).digest()


def indep_address(pk: bytes, chain_id: str) -> str:
    raw = b"\x01" + chain_id.encode("ascii") + secure_hash(pk)[:20]
    return b58(raw + secure_hash(raw)[:4])


def indep_ed25519_from_seed(seed: str, nonce: int):
    """Wallet derivation per the protocol reference section 1.2."""
    account_seed = secure_hash(struct.pack(">I", nonce) + seed.encode("latin-1"))
    secret = hashlib.sha256(account_seed).digest()
    sk = Ed25519PrivateKey.from_private_bytes(secret)
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return account_seed, secret, pk


def verify_proof(key_type: str, pk: bytes, body: bytes, sig: bytes) -> None:
    """Raises if the signature does not verify (independent implementation)."""
    if key_type == "ed25519":
        assert len(sig) == 64 and len(pk) == 32
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, body)
    elif key_type in ("secp256k1", "secp256r1"):
        curve = ec.SECP256K1() if key_type == "secp256k1" else ec.SECP256R1()
        assert len(sig) == 64 and len(pk) == 33
        pub = ec.EllipticCurvePublicKey.from_encoded_point(curve, pk)
        r = int.from_bytes(sig[:32], "big")
        s = int.from_bytes(sig[32:], "big")
        pub.verify(encode_dss_signature(r, s), body, ec.ECDSA(hashes.SHA256()))
    else:
        raise AssertionError("unknown key type " + key_type)


# --------------------------------------------------------------------------
# accounts
# --------------------------------------------------------------------------
SEED_ALICE = "manage manual recall harvest series desert melt police rose hollow moral pledge kitten position add"
SEED_BOB = "ltonode golden vector account bob"
SEED_CAROL = "ltonode golden vector account carol"
SEED_SPONSOR = "ltonode golden vector sponsor"
SEED_DIVERT = "divert manage prefer child kind maximum october hand manual connect fitness small symptom range sleep"
# BIP39 test mnemonic (valid checksum); the client derives ECDSA keys via BIP32 m/44'/742'/0'/0/{nonce}
SEED_ECDSA = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

FACT = {c: AccountFactoryED25519(c) for c in ("T", "L")}
ECDSA_FACT = {
    ("T", "secp256k1"): AccountFactoryECDSA("T", curve="secp256k1"),
    ("T", "secp256r1"): AccountFactoryECDSA("T", curve="secp256r1"),
}

ACCOUNTS = {}      # (label) -> (account object, meta)
ACCOUNT_ROWS = []


def add_account(label, seed, chain, nonce=0, key_type="ed25519"):
    if key_type == "ed25519":
        acc = FACT[chain].create_from_seed(seed, nonce)
    else:
        acc = ECDSA_FACT[(chain, key_type)].create_from_seed(seed, nonce)
    pk = unb58(acc.get_public_key())
    addr = acc.address
    assert acc.get_network() == chain
    assert indep_address(pk, chain) == addr, label
    row = {
        "label": label,
        "seed": seed,
        "nonce": nonce,
        "chain_id": chain,
        "key_type": key_type,
        "public_key": b58(pk),
        "address": addr,
    }
    if key_type == "ed25519":
        account_seed, secret, ipk = indep_ed25519_from_seed(seed, nonce)
        assert ipk == pk, label
        lib_priv = unb58(acc.get_private_key())
        assert lib_priv == secret and len(lib_priv) == 32
        row["account_seed"] = b58(account_seed)
        row["private_key"] = b58(lib_priv)
        row["private_key_note"] = (
            "account.get_private_key() of lto 1.5.1: base58 of bytes(nacl SigningKey) = the 32-byte "
            "Ed25519 secret seed = SHA-256(account_seed). account_seed = SHA-256(Blake2b-256(u32_be(nonce) || "
            "latin-1(seed)))."
        )
        row["private_key_64"] = b58(lib_priv + pk)
        row["private_key_64_note"] = (
            "libsodium-style 64-byte secret key = 32-byte seed || 32-byte public key; this is the form "
            "AccountFactoryED25519.create_from_private_key() expects (it splits [:-32] / [-32:])."
        )
    else:
        row["private_key"] = b58(unb58(acc.get_private_key()))
        row["private_key_note"] = (
            "account.get_private_key(): 32-byte big-endian secret exponent (python-ecdsa to_string()). "
            "Seed phrase -> BIP39 seed (no passphrase) -> BIP32 path m/44'/742'/0'/0/{nonce}."
        )
        row["public_key_note"] = "33-byte SEC1 compressed point"
    ACCOUNTS[label] = (acc, row)
    ACCOUNT_ROWS.append(row)
    return acc


alice = add_account("alice", SEED_ALICE, "T")
bob = add_account("bob", SEED_BOB, "T")
carol = add_account("carol", SEED_CAROL, "T")
sponsor = add_account("sponsor", SEED_SPONSOR, "T")
alice_n1 = add_account("alice_nonce1", SEED_ALICE, "T", nonce=1)
divert = add_account("divert", SEED_DIVERT, "T")
alice_L = add_account("alice_L", SEED_ALICE, "L")
bob_L = add_account("bob_L", SEED_BOB, "L")
k1 = add_account("ecdsa_k1", SEED_ECDSA, "T", key_type="secp256k1")
r1 = add_account("ecdsa_r1", SEED_ECDSA, "T", key_type="secp256r1")

# externally published vectors (LTO docs protocol/accounts, lto-api.python tests)
_a = ACCOUNTS["alice"][1]
_aL = ACCOUNTS["alice_L"][1]
assert _a["public_key"] == "GjSacB6a5DFNEHjDSmn724QsrRStKYzkahPH67wyrhAY"
assert _a["account_seed"] == "93dvzDQ8KBe4y7Nw89xsguWe8ZTVYGAA5kjvJ7miQS1v"
assert _a["private_key_64"] == "4zsR9xoFpxfnNwLcY4hdRUarwf5xWtLj6FpKGDFBgscPxecPj2qgRNx4kJsFCpe9YDxBRNoeBWTh2SDAdwTySomS"
assert _a["address"] == "3MyuPwbiobZFnZzrtyY8pkaHoQHYmyQxxY1"
assert _aL["address"] == "3JmCa4jLVv7Yn2XkCnBUGsa7WNFVEMxAfWe"
assert ACCOUNTS["divert"][1]["public_key"] == "88Ny176gibcsKogkrkeR1MRJSpt9diaMdqnrnjLcy5PA"
assert ACCOUNTS["divert"][1]["private_key"] == "8swwLhnY6CUYS9v4L8yANcpftsG52xqrmygHJ4saTdSp"

# --------------------------------------------------------------------------
# address vectors
# --------------------------------------------------------------------------
ADDRESS_VECTORS = []


def add_address_vector(pk_b58, chain, source):
    lib_addr = FACT.get(chain, AccountFactoryED25519(chain)).create_from_public_key(pk_b58).address
    assert lib_addr == indep_address(unb58(pk_b58), chain)
    ADDRESS_VECTORS.append({"public_key": pk_b58, "chain_id": chain, "address": lib_addr, "source": source})


add_address_vector("GjSacB6a5DFNEHjDSmn724QsrRStKYzkahPH67wyrhAY", "L", "LTO docs protocol/accounts (published)")
assert ADDRESS_VECTORS[-1]["address"] == "3JmCa4jLVv7Yn2XkCnBUGsa7WNFVEMxAfWe"
add_address_vector("GjSacB6a5DFNEHjDSmn724QsrRStKYzkahPH67wyrhAY", "T", "lto-api.python tests (published)")
assert ADDRESS_VECTORS[-1]["address"] == "3MyuPwbiobZFnZzrtyY8pkaHoQHYmyQxxY1"
for lbl in ("bob", "carol", "sponsor", "alice_nonce1", "divert"):
    add_address_vector(ACCOUNTS[lbl][1]["public_key"], "T", "lto 1.5.1 AccountFactoryED25519('T')")
add_address_vector(ACCOUNTS["bob"][1]["public_key"], "L", "lto 1.5.1 AccountFactoryED25519('L')")
# custom chain id
add_address_vector(ACCOUNTS["bob"][1]["public_key"], "X", "lto 1.5.1 AccountFactoryED25519('X') (custom chain)")
# ECDSA addresses hash the 33-byte compressed key
for lbl in ("ecdsa_k1", "ecdsa_r1"):
    ADDRESS_VECTORS.append({
        "public_key": ACCOUNTS[lbl][1]["public_key"], "chain_id": "T",
        "address": ACCOUNTS[lbl][1]["address"],
        "source": "lto 1.5.1 AccountFactoryECDSA('T', %s); public key is 33-byte compressed" % ACCOUNTS[lbl][1]["key_type"],
    })

# --------------------------------------------------------------------------
# transactions
# --------------------------------------------------------------------------
COMMON_QUIRKS = [
    "JSON has no chainId; the chain id is only in the body (taken from byte 1 of the sender address).",
    "JSON always has sender (address), senderKeyType and senderPublicKey; no id (the client never computes it).",
    "Amounts, fees, timestamps and association/statement types are JSON integers, not strings.",
    "None-valued fields are dropped (crypto.clean_dict); proofs is a list of base58 strings.",
    "Posted body = json.dumps(tx.to_json()) with default separators, key order as in the dict.",
]

_ts = [0]


def next_ts():
    t = TS0 + _ts[0]
    _ts[0] += 1
    return t


def sign_deterministic_ecdsa(account, body: bytes) -> str:
    # python-ecdsa's SigningKey.sign() (used by lto's AccountECDSA.sign) is randomized;
    # replace with the RFC 6979 deterministic variant, same format (r||s, 64 bytes, SHA-256).
    return b58(account.private_key.sign_deterministic(body, hashfunc=hashlib.sha256))


def header_check(body, tx_type, ver, chain, ts, key_type, pk, fee):
    """Independent check of the v3+ common header H3."""
    exp = (bytes([tx_type, ver]) + chain.encode() + struct.pack(">q", ts) + bytes([KEY_TYPE_ID[key_type]]) +
           pk + struct.pack(">q", fee))
    assert body[:len(exp)] == exp, "H3 header mismatch"


def build(name, tx, signer, version, quirks=(), sponsor_acc=None, fee=None):
    tx.version = version
    tx.timestamp = next_ts()
    if fee is not None:
        tx.tx_fee = fee
    ecdsa = signer.key_type != "ed25519"
    tx.sign_with(signer)
    body = tx.to_binary()
    if ecdsa:
        tx.proofs = [sign_deterministic_ecdsa(signer, body)]
    if sponsor_acc is not None:
        tx.sponsor_with(sponsor_acc)
        assert tx.to_binary() == body, "sponsoring changed the body"
        if sponsor_acc.key_type != "ed25519":
            tx.proofs[1] = sign_deterministic_ecdsa(sponsor_acc, body)

    js = tx.to_json()
    posted = json.dumps(js)
    js = json.loads(posted)  # plain JSON types, same order

    # independent checks
    spk = unb58(tx.sender_public_key)
    assert tx.sender == indep_address(spk, tx.chain_id)
    verify_proof(tx.sender_key_type, spk, body, unb58(tx.proofs[0]))
    # the library's own verify as well
    assert signer.verify(body, tx.proofs[0])
    if sponsor_acc is not None:
        assert len(tx.proofs) == 2
        verify_proof(sponsor_acc.key_type, unb58(sponsor_acc.get_public_key()), body, unb58(tx.proofs[1]))
    else:
        assert len(tx.proofs) == 1
    if version >= 3:
        header_check(body, tx.TYPE, version, tx.chain_id, tx.timestamp, tx.sender_key_type, spk, tx.tx_fee)
    assert body[0] == tx.TYPE
    assert "chainId" not in js

    # round-trip through the client's parser (what it does with a broadcast reply)
    roundtrip_error = None
    try:
        parsed = lto_txs.from_data(js)
        parsed.chain_id = tx.chain_id  # from_data never restores chain_id
        roundtrip_ok = parsed.to_binary() == body
    except Exception as e:  # noqa
        roundtrip_ok = False
        roundtrip_error = "%s: %s" % (type(e).__name__, e)

    sig_note = None
    if ecdsa or (sponsor_acc is not None and sponsor_acc.key_type != "ed25519"):
        sig_note = ("ECDSA proof replaced by python-ecdsa sign_deterministic (RFC 6979, SHA-256, r||s) because "
                    "the client's AccountECDSA.sign() is randomized; the body and JSON shape are the client's.")

    entry = {
        "name": name,
        "type": tx.TYPE,
        "version": version,
        "chain_id": tx.chain_id,
        "python_class": "%s.%s" % (type(tx).__module__, type(tx).__name__),
        "signer_seed": signer.seed,
        "signer_nonce": signer.nonce,
        "signer_key_type": signer.key_type,
        "sender": tx.sender,
        "sender_public_key": tx.sender_public_key,
        "timestamp": tx.timestamp,
        "fee": tx.tx_fee,
        "body_hex": body.hex(),
        "body_len": len(body),
        "id": b58(blake2b256(body)),
        "json": js,
        "broadcast_body": posted,
        "proofs": list(tx.proofs),
        "json_roundtrip_ok": roundtrip_ok,
        "quirks": list(quirks),
    }
    if sponsor_acc is not None:
        entry["sponsor_seed"] = sponsor_acc.seed
        entry["sponsor_nonce"] = sponsor_acc.nonce
        entry["sponsor_key_type"] = sponsor_acc.key_type
        entry["sponsor_public_key"] = sponsor_acc.get_public_key()
    if roundtrip_error:
        entry["json_roundtrip_error"] = roundtrip_error
    if sig_note:
        entry["signature_note"] = sig_note
    return entry


TXS = []
EXTRA = []


def T(*a, **kw):
    e = build(*a, **kw)
    TXS.append(e)
    return e


def X(*a, **kw):
    e = build(*a, **kw)
    EXTRA.append(e)
    return e


# ---- transfer (4)
Q_TR2 = ["v2 body has no chain id and no key-type byte; field order PK32, ts, amount, fee, recipient, attachment."]
Q_ATT = ["attachment JSON is base58 of the raw bytes; the key is omitted entirely when the attachment is empty."]
T("transfer_v2", Transfer(bob.address, 120000000, "hello ltonode"), alice, 2, Q_TR2 + Q_ATT)
T("transfer_v2_no_attachment", Transfer(bob.address, 1), alice, 2, Q_TR2 + Q_ATT)
T("transfer_v3", Transfer(bob.address, 120000000, "hello ltonode"), alice, 3, Q_ATT)
T("transfer_v3_no_attachment", Transfer(carol.address, 50000000000), alice, 3, Q_ATT)
T("transfer_v3_binary_attachment_140", Transfer(bob.address, 7, bytes(range(140))), bob, 3,
  Q_ATT + ["attachment is 140 arbitrary bytes (the node maximum)."])
T("transfer_v3_nonce1_signer", Transfer(bob.address, 99), alice_n1, 3, ["signer derived with nonce 1."])
T("transfer_v3_custom_fee", Transfer(bob.address, 12345), bob, 3,
  ["fee set by assigning tx.tx_fee = 100000001. The client's from_data() stores a parsed fee in .fee, not .tx_fee, "
   "so re-parsing this JSON rebuilds the body with the default fee: json_roundtrip_ok is false."],
  fee=100000001)
T("transfer_v3_sponsored", Transfer(bob.address, 300000000, "sponsored"), alice, 3,
  ["sponsor_with(): sponsor, sponsorKeyType, sponsorPublicKey added to JSON; proofs[1] is the sponsor's "
   "Ed25519 signature over the same body; body and id unchanged."], sponsor_acc=sponsor)
T("transfer_v2_L", Transfer(bob_L.address, 100000000), alice_L, 2, Q_TR2 + ["chain L (no chain byte in v2 body)."])
T("transfer_v3_L", Transfer(bob_L.address, 100000000, "mainnet"), alice_L, 3, ["chain L."])

# ---- lease (8)
Q_L2 = ["v2 body: type, 0x02, constant 0x00 (not the chain id), PK32, recipient, amount, fee, ts."]
lease_v2 = T("lease_v2", Lease(bob.address, 500000000), alice, 2, Q_L2)
lease_v3 = T("lease_v3", Lease(bob.address, 500000000), alice, 3)
lease_v3_L = T("lease_v3_L", Lease(bob_L.address, 200000000), alice_L, 3, ["chain L."])
T("lease_v2_L", Lease(bob_L.address, 200000000), alice_L, 2, Q_L2 + ["chain L: third byte still 0x00."])

# ---- cancel lease (9)
Q_C2 = ["v2 body: type, 0x02, chain id, PK32, fee, ts, leaseId(32)."]
T("cancel_lease_v2", CancelLease(lease_v2["id"]), alice, 2, Q_C2 + ["leaseId = id of vector lease_v2."])
T("cancel_lease_v3", CancelLease(lease_v3["id"]), alice, 3, ["leaseId = id of vector lease_v3."])
T("cancel_lease_v2_L", CancelLease(lease_v3_L["id"]), alice_L, 2, Q_C2 + ["chain L; leaseId = id of lease_v3_L."])
T("cancel_lease_v3_L", CancelLease(lease_v3_L["id"]), alice_L, 3, ["chain L; leaseId = id of lease_v3_L."])

# ---- mass transfer (11)
Q_MT = ["transfers JSON is exactly the list of dicts passed in ({recipient, amount}); no transferCount/totalAmount.",
        "fee default = 100000000 + 10000000 * len(transfers)."]
Q_MT1 = ["v1 body: type, 0x01, PK32, count u16, (recipient, amount)*, ts, fee, attachment BYTES16 (no chain id)."]
T("mass_transfer_v1", MassTransfer([{"recipient": bob.address, "amount": 100000000},
                                    {"recipient": carol.address, "amount": 250000000}], "payroll"), alice, 1,
  Q_MT + Q_MT1 + Q_ATT)
T("mass_transfer_v1_no_attachment", MassTransfer([{"recipient": bob.address, "amount": 1}]), alice, 1,
  Q_MT + Q_MT1 + Q_ATT)
T("mass_transfer_v3", MassTransfer([{"recipient": bob.address, "amount": 100000000},
                                    {"recipient": carol.address, "amount": 0},
                                    {"recipient": sponsor.address, "amount": 42}], "payroll v3"), alice, 3,
  Q_MT + Q_ATT + ["includes a zero amount (allowed by the node)."])
T("mass_transfer_v3_no_attachment", MassTransfer([{"recipient": bob.address, "amount": 5}]), alice, 3, Q_MT + Q_ATT)
T("mass_transfer_v3_L", MassTransfer([{"recipient": bob_L.address, "amount": 7},
                                      {"recipient": alice_L.address, "amount": 8}]), bob_L, 3, Q_MT + ["chain L."])

# ---- set script (13)
# RIDE v1 `true`: version 0x01, expr TRUE (0x06), checksum = secureHash(preceding)[:4] (LTO secureHash)
_ride = b"\x01\x06"
SCRIPT_TRUE = _ride + secure_hash(_ride)[:4]
SCRIPT_TRUE_B64 = "base64:" + base64.b64encode(SCRIPT_TRUE).decode()
SCRIPT_ARB_B64 = "base64:" + base64.b64encode(b"\x01\x02\x03\x04\x05\x06\x07").decode()
Q_SS = ["script is given and serialized in JSON as the string 'base64:<b64>'; the client strips the first 7 "
        "characters and base64-decodes the rest into the body.",
        "remove-script: JSON has no 'script' key at all (None is dropped), not script:null."]
Q_SS1 = ["v1 body: type, 0x01, chain id (from the sender address), PK32, (0x00 | 0x01 BYTES16 script), fee, ts."]
Q_TRUE = ["script = RIDE v1 `true` (01 06 + first 4 bytes of SHA-256(Blake2b-256(01 06))), per the LTO reference."]
Q_ARB = ["script = 7 arbitrary bytes 01..07 (not a parseable RIDE script; body layout only)."]
T("set_script_v1", SetScript(SCRIPT_TRUE_B64), alice, 1, Q_SS + Q_SS1 + Q_TRUE)
T("set_script_v1_arbitrary", SetScript(SCRIPT_ARB_B64), alice, 1, Q_SS + Q_SS1 + Q_ARB)
T("set_script_v1_remove", SetScript(None), alice, 1, Q_SS + Q_SS1)
T("set_script_v3", SetScript(SCRIPT_TRUE_B64), alice, 3, Q_SS + Q_TRUE)
T("set_script_v3_arbitrary", SetScript(SCRIPT_ARB_B64), alice, 3, Q_SS + Q_ARB)
T("set_script_v3_remove", SetScript(None), alice, 3, Q_SS + ["v3 removal = BYTES16 with length 0."])
T("set_script_v3_L", SetScript(SCRIPT_TRUE_B64), alice_L, 3, Q_SS + Q_TRUE + ["chain L."])

# ---- anchor (15)
H32 = hashlib.sha256(b"ltonode anchor 1").digest()
H32b = hashlib.sha256(b"ltonode anchor 2").digest()
H64 = hashlib.sha512(b"ltonode anchor 64").digest()
H16 = hashlib.md5(b"ltonode anchor 16").digest()
H20 = hashlib.sha1(b"ltonode anchor 20").digest()
H48 = hashlib.sha384(b"ltonode anchor 48").digest()
Q_AN = ["anchors JSON is a list of base58 strings; 'anchors': [] is present even when empty.",
        "fee default = 25000000 + 10000000 * len(anchors)."]
Q_AN1 = ["v1 body: type, 0x01, PK32, count u16, BYTES16(anchor)*, ts, fee (NO chain id)."]
T("anchor_v1_one", Anchor(H32), alice, 1, Q_AN + Q_AN1)
T("anchor_v1_several", Anchor(H16, H20, H32, H48, H64), alice, 1, Q_AN + Q_AN1 + ["anchors of 16/20/32/48/64 bytes."])
T("anchor_v1_zero", Anchor(), alice, 1, Q_AN + Q_AN1)
T("anchor_v1_64", Anchor(H64), alice, 1, Q_AN + Q_AN1)
T("anchor_v3_one", Anchor(H32), alice, 3, Q_AN)
T("anchor_v3_several", Anchor(H32, H32b, H64), alice, 3, Q_AN)
T("anchor_v3_zero", Anchor(), alice, 3, Q_AN)
T("anchor_v3_64", Anchor(H64), alice, 3, Q_AN)
T("anchor_v3_sponsored", Anchor(H32b), bob, 3, Q_AN + ["sponsored by 'sponsor'."], sponsor_acc=sponsor)
T("anchor_v3_L", Anchor(H32), alice_L, 3, Q_AN + ["chain L."])
T("anchor_v1_L", Anchor(H32), alice_L, 1, Q_AN + Q_AN1 + ["chain L: body identical in shape, no chain byte."])

# ---- issue association (16)
SUBJ = hashlib.sha256(b"ltonode association subject").digest()
Q_AS = ["JSON fields: associationType, recipient, subject (base58, omitted when empty), expires (omitted when "
        "None), data (omitted when empty).",
        "default fee = 50000000 + ceil(len(data bytes)/256) * 10000000."]
Q_AS1 = ["v1 body: type, 0x01, chain id, PK32, recipient, assocType i32, (0x00 | 0x01 BYTES16 subject), ts, fee. "
         "No expires in v1: the client still puts 'expires' in JSON if given."]
Q_AS3 = ["v3 body: H3, recipient, assocType i32 (signed pack '>i'), expires i64 (0 = none), BYTES16 subject. "
         "v3 ignores data entries in the body (but would still put them in JSON)."]
Q_AS4 = ["v4 body: H3, assocType i64 ('>Q'), recipient, expires i64 (0 = none), BYTES16 subject, count u16, entry*."]
T("association_v1_subject", Association(1, bob.address, subject=SUBJ), alice, 1, Q_AS + Q_AS1)
T("association_v1_no_subject", Association(1, bob.address), alice, 1, Q_AS + Q_AS1)
T("association_v3_plain", Association(42, bob.address), alice, 3, Q_AS + Q_AS3)
T("association_v3_expiry_subject", Association(42, bob.address, subject=SUBJ, expires=1800000000000), alice, 3,
  Q_AS + Q_AS3)
T("association_v3_expiry_only", Association(7, carol.address, expires=1800000000001), alice, 3, Q_AS + Q_AS3)
T("association_v3_L", Association(42, bob_L.address, subject=SUBJ), alice_L, 3, Q_AS + Q_AS3 + ["chain L."])
T("association_v4_plain", Association(42, bob.address), alice, 4, Q_AS + Q_AS4)
T("association_v4_expiry_subject", Association(42, bob.address, subject=SUBJ, expires=1800000000000), alice, 4,
  Q_AS + Q_AS4)
T("association_v4_big_type", Association(0x100000001, bob.address), alice, 4,
  Q_AS + Q_AS4 + ["associationType 4294967297 needs the full i64 of v4."])
T("association_v4_data", Association(
    100, bob.address, subject=SUBJ, expires=1800000000000,
    data={"score": 12345, "verified": True, "name": "Bob LTO", "empty": ""}), alice, 4,
  Q_AS + Q_AS4 + ["data given as a dict; entry types guessed (int->integer 0x00 i64, bool->boolean 0x01, "
                  "str->string 0x03 BYTES16). Keys/values are encoded latin-1 by the client.",
                  "data JSON entries are {key, type, value}."])
T("association_v4_data_binary_entry", Association(
    101, bob.address, data=[DataEntry("blob", "binary", "\x00\x01\x02\xfe\xff"), DataEntry("n", "integer", 0),
                            DataEntry("f", "boolean", False)]), alice, 4,
  Q_AS + Q_AS4 + ["QUIRK: binary entries must be given as a python str (latin-1 code points) and the JSON "
                  "'value' is that raw string, not 'base64:...' as the node writes/reads binary values. "
                  "The body bytes are 02 ‖ u16 len ‖ raw bytes, as the node expects; only the JSON differs."])

# ---- revoke association (17)
Q_RV = ["JSON: associationType, recipient, subject (omitted when empty); no expires/data."]
Q_RV1 = ["v1 body: type 0x11, 0x01, chain id (from the sender address), PK32, recipient, assocType i32, "
         "(0x00 | 0x01 BYTES16 subject), ts, fee."]
T("revoke_association_v1_subject", RevokeAssociation(1, bob.address, subject=SUBJ), alice, 1, Q_RV + Q_RV1)
T("revoke_association_v1_no_subject", RevokeAssociation(1, bob.address), alice, 1, Q_RV + Q_RV1)
T("revoke_association_v3_subject", RevokeAssociation(42, bob.address, subject=SUBJ), alice, 3,
  Q_RV + ["v3 body: H3, recipient, assocType i32, BYTES16 subject."])
T("revoke_association_v3_no_subject", RevokeAssociation(42, bob.address), alice, 3, Q_RV)
T("revoke_association_v4_subject", RevokeAssociation(42, bob.address, subject=SUBJ), alice, 4,
  Q_RV + ["v4 body: H3, assocType i64, recipient, BYTES16 subject."])
T("revoke_association_v4_no_subject", RevokeAssociation(0x100000001, bob.address), alice, 4, Q_RV)
T("revoke_association_v3_L", RevokeAssociation(42, bob_L.address), alice_L, 3, Q_RV + ["chain L."])

# ---- mapped anchor (22)
Q_MA = ["anchors JSON is an object {base58 key: base58 value} in insertion order; the body serializes pairs in "
        "the same (python dict insertion) order: count u16, (BYTES16 key, BYTES16 value)*.",
        "fee default = 25000000 + 10000000 * pairs."]
T("mapped_anchor_v3_one", MappedAnchor({hashlib.sha256(b"key0").digest(): hashlib.sha256(b"value0").digest()}),
  alice, 3, Q_MA)
_pairs = {}
for i in (5, 1, 4, 0, 3, 2):  # deliberately not sorted
    _pairs[hashlib.sha256(b"key%d" % i).digest()] = hashlib.sha256(b"value%d" % i).digest()
_pairs[b"short-key"] = hashlib.sha512(b"value-64").digest()
T("mapped_anchor_v3_seven", MappedAnchor(_pairs), alice, 3,
  Q_MA + ["7 pairs, deliberately unsorted insertion order (key5,key1,key4,key0,key3,key2,'short-key'); "
          "keys 32 bytes except a 9-byte key with a 64-byte value. >4 pairs: see reference 2.3 caution."])
_e = TXS[-1]
_exp = struct.pack(">H", len(_pairs)) + b"".join(
    struct.pack(">H", len(k)) + k + struct.pack(">H", len(v)) + v for k, v in _pairs.items())
assert bytes.fromhex(_e["body_hex"]).endswith(_exp) and list(_e["json"]["anchors"]) == [b58(k) for k in _pairs]
T("mapped_anchor_v3_sponsored", MappedAnchor({b"k": b"v"}), bob, 3, Q_MA + ["1-byte key and value; sponsored."],
  sponsor_acc=sponsor)
T("mapped_anchor_v3_L", MappedAnchor({H32: H32b}), alice_L, 3, Q_MA + ["chain L."])

# ---- extras (types outside the requested list, and ECDSA signers)
X("transfer_v3_secp256k1", Transfer(bob.address, 100000000, "ecdsa k1"), k1, 3,
  ["sender key type secp256k1: H3 key-type byte 0x02 and 33-byte compressed key."])
X("anchor_v3_secp256r1", Anchor(H32), r1, 3,
  ["sender key type secp256r1: H3 key-type byte 0x03 and 33-byte compressed key."])
X("transfer_v3_sponsor_secp256k1", Transfer(bob.address, 100000000), alice, 3,
  ["ed25519 sender, secp256k1 sponsor."], sponsor_acc=k1)
X("data_v3", Data({"int": 9223372036854775807, "bool": True, "str": "hello", "zero": 0}), alice, 3,
  ["Data(dict) guesses types (int->integer, bool->boolean, str->string). Client supports only v3.",
   "integer values are packed '>Q' (unsigned): negative integers cannot be built by the client."])
X("data_v3_entries", Data([DataEntry("b", "binary", "\x00\xff"), DataEntry("s", "string", "\u00e9"),
                           DataEntry("i", "integer", 1), DataEntry("t", "boolean", True)]), alice, 3,
  ["QUIRK: binary value JSON is the raw string (not 'base64:'); strings/keys encoded latin-1 by the client "
   "(\\u00e9 -> 1 byte 0xE9, whereas the node uses UTF-8: 2 bytes C3 A9). Body differs from node encoding for "
   "non-ASCII text."])
X("sponsorship_v1", Sponsorship(bob.address), alice, 1,
  ["v1 body: type 0x12, 0x01, chain id (from sender address), PK32, recipient, ts, fee."])
X("sponsorship_v3", Sponsorship(bob.address), alice, 3)
X("cancel_sponsorship_v1", CancelSponsorship(bob.address), alice, 1, ["v1 body as sponsorship v1, type 0x13."])
X("cancel_sponsorship_v3", CancelSponsorship(bob.address), alice, 3)
X("register_v3", Register(bob, k1, r1), alice, 3,
  ["accounts JSON: [{keyType, publicKey}]; body: count u16, (keyType byte, key)*.",
   "client bug: Register.from_data() keeps {keyType, publicKey} dicts but to_binary() reads 'key_type', so "
   "re-parsing the JSON fails (json_roundtrip_ok false)."])
X("burn_v3", Burn(250000000), alice, 3)
X("statement_v3_full", Statement(5, bob.address, SUBJ, {"k": "v", "n": 2}), alice, 3,
  ["body: H3, statementType i64, (0x01 recipient | 0x00), BYTES16 subject, count u16, entry*."])
X("statement_v3_minimal", Statement(6), alice, 3, ["no recipient (0x00), empty subject, no data."])

# deterministic self-signed certificate for alice's ed25519 key (Ed25519 signatures are deterministic)
_alice_sk = Ed25519PrivateKey.from_private_bytes(unb58(ACCOUNTS["alice"][1]["private_key"]))
_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ltonode golden vector")])
import datetime as _dt  # noqa: E402
_cert = (x509.CertificateBuilder().subject_name(_name).issuer_name(_name)
         .public_key(_alice_sk.public_key()).serial_number(1)
         .not_valid_before(_dt.datetime(2023, 11, 14, tzinfo=_dt.timezone.utc))
         .not_valid_after(_dt.datetime(2033, 11, 14, tzinfo=_dt.timezone.utc))
         .sign(_alice_sk, None))
X("certificate_v3", Certificate(_cert.public_bytes(serialization.Encoding.DER)), alice, 3,
  ["body: H3, BYTES16(DER certificate). JSON 'certificate' is PEM text. Self-signed Ed25519 cert for the "
   "sender key, built deterministically in generate.py."])
X("certificate_v3_remove", Certificate(None), alice, 3, ["JSON has no 'certificate' key at all; body BYTES16 length 0.",
   "client bug: Certificate.from_data() needs data['certificate'], so re-parsing this JSON raises KeyError."])

# --------------------------------------------------------------------------
# unsupported: probe each node-defined (type, version) against the client
# --------------------------------------------------------------------------
NODE_VERSIONS = {
    4: (Transfer, [1, 2, 3], lambda: Transfer(bob.address, 1)),
    8: (Lease, [1, 2, 3], lambda: Lease(bob.address, 1)),
    9: (CancelLease, [1, 2, 3], lambda: CancelLease(b58(H32))),
    11: (MassTransfer, [1, 3], lambda: MassTransfer([{"recipient": bob.address, "amount": 1}])),
    12: (Data, [1, 3], lambda: Data({"a": 1})),
    13: (SetScript, [1, 3], lambda: SetScript(None)),
    15: (Anchor, [1, 3], lambda: Anchor(H32)),
    16: (Association, [1, 3, 4], lambda: Association(1, bob.address)),
    17: (RevokeAssociation, [1, 3, 4], lambda: RevokeAssociation(1, bob.address)),
    18: (Sponsorship, [1, 3], lambda: Sponsorship(bob.address)),
    19: (CancelSponsorship, [1, 3], lambda: CancelSponsorship(bob.address)),
    20: (Register, [3], lambda: Register(bob)),
    21: (Burn, [3], lambda: Burn(1)),
    22: (MappedAnchor, [3], lambda: MappedAnchor({b"a": b"b"})),
    23: (Statement, [3], lambda: Statement(1)),
    24: (Certificate, [3], lambda: Certificate(None)),
}
UNSUPPORTED = [{"type": 1, "version": 1, "name": "genesis",
                "reason": "no Genesis class in lto 1.5.1 (the client cannot build genesis transactions)"}]
SUPPORTED = []
for tx_type, (cls, versions, make) in NODE_VERSIONS.items():
    for v in versions:
        tx = make()
        tx.version = v
        tx.timestamp = TS0
        try:
            tx.sign_with(alice)
            SUPPORTED.append("%d/v%d" % (tx_type, v))
        except Exception as e:  # noqa
            UNSUPPORTED.append({"type": tx_type, "version": v, "name": cls.__name__,
                                "reason": "%s.to_binary() raises %r for version %d" % (cls.__name__, str(e), v)})

# sanity: every supported (type, version) in the requested scope has at least one vector
_have = {(e["type"], e["version"]) for e in TXS + EXTRA}
for s in SUPPORTED:
    t, v = s.split("/v")
    assert (int(t), int(v)) in _have, "no vector for supported " + s

names = [e["name"] for e in TXS + EXTRA]
assert len(names) == len(set(names))
ids = [e["id"] for e in TXS + EXTRA]
assert len(ids) == len(set(ids))

out = {
    "generator": "lto %s (PyPI)" % LTO_VERSION,
    "generated_by": "ledger/tests/vectors/generate.py",
    "notes": [
        "body_hex = tx.to_binary() after signing = the bytes that are signed and hashed (bodyBytes).",
        "id = base58(Blake2b-256(body)), computed by generate.py (the client never computes ids).",
        "json = tx.to_json() as produced by the client (parsed back from json.dumps); broadcast_body is the exact "
        "string the client POSTs to /transactions/broadcast.",
        "Every proof was verified over body_hex with the `cryptography` package (OpenSSL), independent of PyNaCl.",
        "json_roundtrip_ok: lto.transactions.from_data(json) (+ chain_id set by hand) rebuilds the same body.",
        "Timestamps are 1700000000000 + n in generation order.",
        "'transactions' holds the requested types; 'extra_transactions' holds other types (12, 18-21, 23, 24) and "
        "ECDSA-signed transactions.",
    ],
    "common_json_quirks": COMMON_QUIRKS,
    "accounts": ACCOUNT_ROWS,
    "address_vectors": ADDRESS_VECTORS,
    "transactions": TXS,
    "extra_transactions": EXTRA,
    "supported_by_client": SUPPORTED,
    "unsupported": UNSUPPORTED,
}

with open(OUT, "w", encoding="utf-8") as f:
    json.dump(out, f, indent=2, ensure_ascii=False)
    f.write("\n")

print("wrote %s: %d transactions, %d extra, %d unsupported" % (OUT, len(TXS), len(EXTRA), len(UNSUPPORTED)),
      file=sys.stderr)
