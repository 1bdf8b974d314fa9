"""Verifier of LTO anchor receipts, version 2 (docs/receipts.md), standard library only.

    verify(receipt, trusted_block_id) -> Verified, or raises ReceiptError(part, reason)

`receipt` is the JSON receipt (text, bytes or the parsed dict), or the reply of
`GET /anchors/{hash}` that holds it under "receipt". The one trust assumption is
`trusted_block_id`, the base58 id of a key block the caller trusts.

CLI: python3 ltoreceipt.py RECEIPT.json TRUSTED_BLOCK_ID
"""
import base64
import binascii
import hashlib
import json
import re
import sys
from dataclasses import dataclass

RECEIPT_VERSION = 2
HEADER_VERSION = 2
HEADER_LEN = 389
# Header offsets (docs/receipts.md, "Key-block header").
HEIGHT_AT = 1
SHA256_ROOT_AT = 165
BLAKE2B_ROOT_AT = 197
HISTORY_ROOT_AT = 261
U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1

PARTS = ("format", "header", "sha256 path", "blake2b path",
         "anchoredTo header", "history path", "trusted block")


class ReceiptError(Exception):
    """A refused receipt: `part` names what failed (one of PARTS), `reason` says why."""

    def __init__(self, part, reason):
        super().__init__(f"{part}: {reason}")
        self.part = part
        self.reason = reason


@dataclass(frozen=True)
class Verified:
    """What a valid receipt proves."""
    anchor: bytes
    tx_id: str
    height: int
    position: int
    anchor_count: int
    block_id: str

    def to_json(self):
        return {"valid": True, "anchor": self.anchor.hex(), "txId": self.tx_id,
                "height": self.height, "position": self.position,
                "anchorCount": self.anchor_count, "blockId": self.block_id}


# --- Hashes and RFC 6962 trees -------------------------------------------------------------

def sha256(data):
    return hashlib.sha256(data).digest()


def blake2b256(data):
    return hashlib.blake2b(data, digest_size=32).digest()


def leaf_hash(h, leaf):
    """RFC 6962 leaf hash H(0x00 || leaf)."""
    return h(b"\x00" + leaf)


def node_hash(h, left, right):
    """RFC 6962 inner node hash H(0x01 || left || right)."""
    return h(b"\x01" + left + right)


def committed_root(h, size, top):
    """The root the chain commits: H(0x02 || size as u64 BE || top); no top when size is 0."""
    return h(b"\x02" + size.to_bytes(8, "big") + (top or b""))


def path_len(index, size):
    """The number of siblings of an inclusion path of leaf `index` in `size` leaves, or None
    when the index is out of range."""
    if not 0 <= index < size:
        return None
    length = 0
    while size > 1:
        if index % 2 == 1 or index + 1 < size:
            length += 1
        index //= 2
        size = (size + 1) // 2
    return length


def top_from_path(h, leaf, index, size, path):
    """The RFC 6962 tree hash that the inclusion path of `leaf` (raw bytes) at `index` of
    `size` leaves leads to (RFC 9162 section 2.1.3.2). Raises ValueError when the index is out
    of range or the path does not have exactly the number of siblings (index, size) imply."""
    expected = path_len(index, size)
    if expected is None:
        raise ValueError(f"leaf index {index} is out of range for a tree of {size} leaves")
    if len(path) != expected:
        raise ValueError(f"proof must have {expected} sibling hashes, found {len(path)}")
    siblings = iter(path)
    node = leaf_hash(h, leaf)
    while size > 1:
        if index % 2 == 1:
            node = node_hash(h, next(siblings), node)
        elif index + 1 < size:
            node = node_hash(h, node, next(siblings))
        index //= 2
        size = (size + 1) // 2
    return node


# --- Text encodings ----------------------------------------------------------------------

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
B58_VALUE = {c: i for i, c in enumerate(B58_ALPHABET)}


def b58decode(text):
    """Bitcoin-alphabet base58 to bytes; ValueError on a character outside the alphabet."""
    number = 0
    for c in text:
        if c not in B58_VALUE:
            raise ValueError(f"{c!r} is not a base58 character")
        number = number * 58 + B58_VALUE[c]
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def b58encode(data):
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, digit = divmod(number, 58)
        out.append(B58_ALPHABET[digit])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(out))


def b58_id(text):
    """A 32-byte id from base58 text, or None."""
    if len(text) > 64:  # 32 bytes take at most 44 characters
        return None
    try:
        raw = b58decode(text)
    except ValueError:
        return None
    return raw if len(raw) == 32 else None


def b64_strict(text):
    """Standard base64 with padding, canonical only (as Rust's base64 STANDARD engine), or None."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return None
    return raw if base64.b64encode(raw).decode() == text else None


HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")


# --- Reading the JSON form ---------------------------------------------------------------

FIELDS = {"version", "anchor", "txId", "height", "position", "anchorCount",
          "sha256", "blake2b", "header", "anchoredTo"}
ANCHORED_TO_FIELDS = {"blockId", "header", "path"}


def _bad(reason):
    return ReceiptError("format", reason)


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate field")
    return dict(pairs)


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _load(receipt):
    """The receipt object from text, bytes or a dict; unwraps a `GET /anchors/{hash}` reply."""
    if isinstance(receipt, (bytes, bytearray)):
        try:
            receipt = bytes(receipt).decode("utf-8")
        except UnicodeDecodeError:
            raise _bad("the receipt is not UTF-8 text") from None
    if isinstance(receipt, str):
        try:
            receipt = json.loads(receipt, object_pairs_hook=_no_duplicates,
                                 parse_constant=_reject_constant)
        except (ValueError, RecursionError) as e:
            raise _bad(f"not JSON: {e}") from None
    if isinstance(receipt, dict) and "receipt" in receipt:
        receipt = receipt["receipt"]
    if not isinstance(receipt, dict):
        raise _bad("the receipt is not a JSON object")
    return receipt


def _fields(obj, names, where):
    unknown = sorted(str(k) for k in obj if k not in names)
    if unknown:
        raise _bad(f"unknown field {unknown[0]!r}{where}")


def _int(obj, name, top):
    v = obj.get(name)
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= top:
        raise _bad(f"{name} is missing or not an integer in 0..={top}")
    return v


def _str(obj, name):
    v = obj.get(name)
    if not isinstance(v, str):
        raise _bad(f"{name} is missing or not a string")
    return v


def _str_list(obj, name):
    v = obj.get(name)
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        raise _bad(f"{name} is missing or not a list of strings")
    return v


def _hashes(texts, name):
    out = []
    for text in texts:
        raw = b64_strict(text)
        if raw is None or len(raw) != 32:
            raise _bad(f"{name}: not a base64 32-byte hash")
        out.append(raw)
    return out


def _header(raw, part):
    """Checks the layout of a key-block header (389 bytes, version 2); returns its height."""
    if not raw:
        raise ReceiptError(part, "truncated: the header is empty")
    if raw[0] != HEADER_VERSION:
        raise ReceiptError(part, f"version {raw[0]}, not {HEADER_VERSION}")
    if len(raw) != HEADER_LEN:
        raise ReceiptError(part, f"{len(raw)} bytes, not {HEADER_LEN}")
    return int.from_bytes(raw[HEIGHT_AT:HEIGHT_AT + 4], "big")


def _parse(r):
    """The receipt's decoded parts, checked in the order Rust's AnchorReceipt::from_json does."""
    _fields(r, FIELDS, "")
    version = _int(r, "version", U32_MAX)
    anchor_hex, tx_text = _str(r, "anchor"), _str(r, "txId")
    height = _int(r, "height", U32_MAX)
    position, count = _int(r, "position", U64_MAX), _int(r, "anchorCount", U64_MAX)
    sha_texts, blake_texts = _str_list(r, "sha256"), _str_list(r, "blake2b")
    header_text = _str(r, "header")
    later = r.get("anchoredTo")
    if later is not None:
        if not isinstance(later, dict):
            raise _bad("anchoredTo is not an object")
        _fields(later, ANCHORED_TO_FIELDS, " in anchoredTo")
        later_id, later_text = _str(later, "blockId"), _str(later, "header")
        path_texts = _str_list(later, "path")
    if version != RECEIPT_VERSION:
        raise _bad(f"version {version} (this verifier reads version {RECEIPT_VERSION})")
    if not HEX.fullmatch(anchor_hex):
        raise _bad("anchor is not hex")
    tx_id = b58_id(tx_text)
    if tx_id is None:
        raise _bad("txId is not a base58 id")
    header = b64_strict(header_text)
    if header is None:
        raise _bad("header is not base64")
    _header(header, "header")
    p = {"anchor": bytes.fromhex(anchor_hex), "tx_id": tx_id, "height": height,
         "position": position, "count": count, "header": header,
         "sha256": _hashes(sha_texts, "sha256"), "blake2b": _hashes(blake_texts, "blake2b"),
         "later": None}
    if later is not None:
        later_header = b64_strict(later_text)
        if later_header is None:
            raise _bad("anchoredTo.header is not base64")
        _header(later_header, "anchoredTo header")
        if b58encode(blake2b256(later_header)) != later_id:
            raise ReceiptError("anchoredTo header", "blockId is not the id of the header")
        p["later"] = (later_header, _hashes(path_texts, "anchoredTo.path"))
    return p


# --- Verifying ---------------------------------------------------------------------------

def _check_path(part, h, leaf, index, size, path, root):
    try:
        top = top_from_path(h, leaf, index, size, path)
    except ValueError as e:
        raise ReceiptError(part, str(e)) from None
    found = committed_root(h, size, top)
    if found != root:
        raise ReceiptError(part, f"the path leads to root {found.hex()}, expected {root.hex()}")


def verify(receipt, trusted_block_id):
    """Checks a receipt against the base58 id of a trusted key block (docs/receipts.md,
    "Verifying"). Returns Verified; raises ReceiptError and nothing else."""
    p = _parse(_load(receipt))
    trusted = b58_id(trusted_block_id) if isinstance(trusted_block_id, str) else None
    if trusted is None:
        raise ReceiptError("trusted block", "the trusted block id is not a base58 32-byte id")
    height, header = p["height"], p["header"]
    header_height = _header(header, "header")
    if header_height != min(height + 1, U32_MAX):
        raise ReceiptError("header", f"at height {header_height}, but block {height} is "
                                     f"committed by the key block at {height + 1}")
    leaf = p["tx_id"] + p["anchor"]
    index, count = p["position"], p["count"]
    _check_path("sha256 path", sha256, leaf, index, count, p["sha256"],
                header[SHA256_ROOT_AT:SHA256_ROOT_AT + 32])
    _check_path("blake2b path", blake2b256, leaf, index, count, p["blake2b"],
                header[BLAKE2B_ROOT_AT:BLAKE2B_ROOT_AT + 32])
    block_id = blake2b256(header)
    if p["later"] is not None:
        later, path = p["later"]
        t = _header(later, "anchoredTo header")
        if t < min(height + 2, U32_MAX):
            raise ReceiptError("anchoredTo header", f"height {t} is not after the committing "
                                                    f"key block {header_height}")
        _check_path("history path", sha256, block_id, height, t - 1, path,
                    later[HISTORY_ROOT_AT:HISTORY_ROOT_AT + 32])
        block_id = blake2b256(later)
    if block_id != trusted:
        raise ReceiptError("trusted block", f"the receipt is anchored to {b58encode(block_id)}, "
                                            f"not to the trusted {b58encode(trusted)}")
    return Verified(p["anchor"], b58encode(p["tx_id"]), height, index, count,
                    b58encode(block_id))


def main(argv):
    if len(argv) != 3:
        print("usage: ltoreceipt.py RECEIPT.json TRUSTED_BLOCK_ID", file=sys.stderr)
        return 2
    if b58_id(argv[2]) is None:
        print("TRUSTED_BLOCK_ID is not a base58 block id", file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:
            text = f.read()
    except OSError as e:
        print(f"reading {argv[1]}: {e}", file=sys.stderr)
        return 2
    try:
        verdict = verify(text, argv[2]).to_json()
    except ReceiptError as e:
        verdict = {"valid": False, "part": e.part, "reason": str(e)}
    print(json.dumps(verdict, separators=(",", ":")))
    return 0 if verdict["valid"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
