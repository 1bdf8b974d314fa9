"""Tests of ltoreceipt.py: python3 -m unittest discover verifiers/python"""
import base64
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ltoreceipt as lr  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                        "receipts.json")
with open(FIXTURES) as f:
    CASES = json.load(f)


def inner(receipt):
    return receipt.get("receipt", receipt)


# --- Encoders for mutations (field -> bytes -> field) --------------------------------------

CODECS = {
    "hex": (bytes.fromhex, bytes.hex),
    "b58": (lr.b58decode, lr.b58encode),
    "b64": (base64.b64decode, lambda b: base64.b64encode(b).decode()),
}


def header_part(offset, anchored_to):
    """The part refused when bit `offset % 8` of byte `offset` of the committing header flips."""
    if offset < 5:
        return "header"  # version, height
    if lr.SHA256_ROOT_AT <= offset < lr.SHA256_ROOT_AT + 32:
        return "sha256 path"
    if lr.BLAKE2B_ROOT_AT <= offset < lr.BLAKE2B_ROOT_AT + 32:
        return "blake2b path"
    return "history path" if anchored_to else "trusted block"


def mutations(case):
    """Every mutation of a case: (label, receipt, trusted id, expected part)."""
    r = inner(case["receipt"])
    trusted = case["trustedBlockId"]
    later = "anchoredTo" in r
    fields = [(("anchor",), "hex", lambda i: "sha256 path"),
              (("txId",), "b58", lambda i: "sha256 path"),
              (("header",), "b64", lambda i: header_part(i, later))]
    fields += [(("sha256", k), "b64", lambda i: "sha256 path") for k in range(len(r["sha256"]))]
    fields += [(("blake2b", k), "b64", lambda i: "blake2b path")
               for k in range(len(r["blake2b"]))]
    if later:
        fields += [(("anchoredTo", "header"), "b64", lambda i: "anchoredTo header"),
                   (("anchoredTo", "blockId"), "b58", lambda i: "anchoredTo header")]
        fields += [(("anchoredTo", "path", k), "b64", lambda i: "history path")
                   for k in range(len(r["anchoredTo"]["path"]))]
    for where, codec, part in fields:
        decode, encode = CODECS[codec]
        raw = decode(get_at(r, where))
        for i in range(len(raw)):
            changed = bytearray(raw)
            changed[i] ^= 1 << (i % 8)
            yield (f"{where} byte {i}", set_at(r, where, encode(bytes(changed))), trusted,
                   part(i))
    for name, part in (("height", "header"), ("position", "sha256 path"),
                       ("anchorCount", "sha256 path")):
        for delta in (-1, 1):
            if r[name] + delta >= 0:
                yield f"{name} {delta:+}", set_at(r, (name,), r[name] + delta), trusted, part
    paths = [(("sha256",), "sha256 path"), (("blake2b",), "blake2b path")]
    if later:
        paths.append((("anchoredTo", "path"), "history path"))
    for where, part in paths:
        path = get_at(r, where)
        if path:
            yield f"{where} truncated", set_at(r, where, path[:-1]), trusted, part
        extra = path[0] if path else base64.b64encode(bytes(32)).decode()
        yield f"{where} extended", set_at(r, where, path + [extra]), trusted, part
    raw = bytearray(lr.b58decode(trusted))
    raw[7] ^= 0x10
    yield "another trusted id", r, lr.b58encode(bytes(raw)), "trusted block"


def get_at(obj, where):
    for k in where:
        obj = obj[k]
    return obj


def set_at(obj, where, value):
    out = copy.deepcopy(obj)
    target = out
    for k in where[:-1]:
        target = target[k]
    target[where[-1]] = value
    return out


class Fixtures(unittest.TestCase):
    def test_all_fixtures_are_valid(self):
        self.assertGreaterEqual(len(CASES), 4)
        for case in CASES:
            with self.subTest(case["name"]):
                r = inner(case["receipt"])
                ok = lr.verify(case["receipt"], case["trustedBlockId"])
                self.assertEqual(ok.block_id, case["trustedBlockId"])
                self.assertEqual((ok.anchor.hex(), ok.tx_id, ok.height, ok.position,
                                  ok.anchor_count),
                                 (r["anchor"], r["txId"], r["height"], r["position"],
                                  r["anchorCount"]))
                self.assertEqual(lr.verify(json.dumps(case["receipt"]), case["trustedBlockId"]),
                                 ok)

    def test_fixtures_cover_both_forms_and_anchor_sizes(self):
        receipts = [inner(c["receipt"]) for c in CASES]
        self.assertTrue(any("receipt" in c["receipt"] for c in CASES))
        self.assertTrue(any("anchoredTo" not in r for r in receipts))
        self.assertTrue(any(r["anchorCount"] > 1 for r in receipts))
        self.assertEqual({len(r["anchor"]) // 2 for r in receipts}, {32, 64})

    def test_every_mutation_is_refused_with_its_part(self):
        count = 0
        for case in CASES:
            for label, receipt, trusted, part in mutations(case):
                count += 1
                with self.assertRaises(lr.ReceiptError, msg=f"{case['name']}: {label}") as e:
                    lr.verify(receipt, trusted)
                self.assertEqual(e.exception.part, part, f"{case['name']}: {label}: {e.exception}")
        self.assertGreater(count, 1000)


class Garbage(unittest.TestCase):
    def refused(self, receipt, trusted=None, part="format"):
        trusted = CASES[0]["trustedBlockId"] if trusted is None else trusted
        with self.assertRaises(lr.ReceiptError) as e:
            lr.verify(receipt, trusted)
        self.assertIn(e.exception.part, lr.PARTS)
        if part:
            self.assertEqual(e.exception.part, part, str(e.exception))

    def test_not_a_receipt(self):
        for text in ["", "null", "1", "[]", '"receipt"', "{}", "{", "[1, 2]", "NaN",
                     '{"receipt": null}', '{"status": "unconfirmed"}', "[" * 100000,
                     '{"version": 2, "version": 2}', b"\xff\xfe", "1" * 5000]:
            self.refused(text)
        for value in [None, 1, 2.5, [], (), set(), object(), True]:
            self.refused(value)

    def test_wrong_types_missing_and_unknown_fields(self):
        r = inner(CASES[0]["receipt"])
        bad_values = [None, True, -1, 1.0, 2**64, "", "x", [], {}, ["x"], [1], "zz"]
        for name in r:
            for value in bad_values:
                if value == r[name] and type(value) is type(r[name]):
                    continue
                self.refused(set_at(r, (name,), value), part=None)
            missing = copy.deepcopy(r)
            del missing[name]
            # Without anchoredTo, the receipt leads to its committing block: not the trusted one.
            self.refused(missing, part="trusted block" if name == "anchoredTo" else "format")
        self.refused(dict(r, extra=1))
        self.refused(dict(r, version=1))
        self.refused(dict(r, version=2.0))
        self.refused(dict(r, anchor=r["anchor"] + "0"))
        self.refused(dict(r, anchor=" " + r["anchor"][1:]))
        self.refused(dict(r, header=r["header"].rstrip("=")))
        self.refused(dict(r, header="\n" + r["header"]))
        self.refused(dict(r, sha256=[s[:-2] + "==" for s in r["sha256"]]))
        self.refused(dict(r, txId=r["txId"] + "zzzz"))
        self.refused(dict(r, txId="0" + r["txId"][1:]))
        self.refused(dict(r, header=base64.b64encode(b"\x02" * 388).decode()), part="header")
        self.refused(dict(r, header=base64.b64encode(b"\x01" + bytes(388)).decode()),
                     part="header")
        with_later = next(inner(c["receipt"]) for c in CASES if "anchoredTo" in inner(c["receipt"]))
        for name in with_later["anchoredTo"]:
            missing = copy.deepcopy(with_later)
            del missing["anchoredTo"][name]
            self.refused(missing)
        self.refused(set_at(with_later, ("anchoredTo", "extra"), 0))
        self.refused(set_at(with_later, ("anchoredTo",), []))
        self.refused(set_at(with_later, ("anchoredTo", "header"), "AA=="), part="anchoredTo header")

    def test_anchored_to_null_is_absent(self):
        case = next(c for c in CASES if "anchoredTo" not in inner(c["receipt"]))
        lr.verify(dict(inner(case["receipt"]), anchoredTo=None), case["trustedBlockId"])

    def test_bad_trusted_ids(self):
        r = CASES[0]["receipt"]
        for trusted in ["", "0OIl", "1", "1" * 33, "x" * 1000]:
            self.refused(r, trusted, part="trusted block")
        for trusted in [None, 5, b"abc"]:
            with self.assertRaises(lr.ReceiptError) as e:
                lr.verify(r, trusted)
            self.assertEqual(e.exception.part, "trusted block")

    def test_random_bytes_and_random_edits(self):
        rng = random.Random(7)
        for _ in range(300):
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
            self.refused(data)
        values = [None, True, 0, -5, 2**70, 3.5, "", "AA==", "zz", [], {}, ["AA=="], {"a": 1}]
        for case in CASES:
            r = inner(case["receipt"])
            for _ in range(300):
                edited = copy.deepcopy(r)
                node, key = edited, rng.choice(list(edited))
                while isinstance(node[key], (dict, list)) and node[key] and rng.random() < 0.6:
                    node = node[key]
                    key = rng.choice(list(node) if isinstance(node, dict) else range(len(node)))
                node[key] = rng.choice(values)
                if edited == r:
                    continue
                try:
                    lr.verify(edited, case["trustedBlockId"])
                except lr.ReceiptError as e:
                    self.assertIn(e.part, lr.PARTS)


# --- RFC 6962 / RFC 9162 inclusion proofs --------------------------------------------------

LEAVES = [bytes.fromhex(x) for x in ["", "00", "10", "2021", "3031", "40414243",
                                     "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
# Roots of the first n leaves, n = 1..8 (Certificate Transparency's test vectors).
ROOTS = ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]
# (leaf, size, path) from the same vectors.
PROOFS = [
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


def mth(leaves):
    """RFC 6962 section 2.1 MTH, recursively."""
    if len(leaves) == 1:
        return lr.leaf_hash(lr.sha256, leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return lr.node_hash(lr.sha256, mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    """RFC 6962 section 2.1.1 PATH(m, D[n]), leaf level first."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


class Rfc6962(unittest.TestCase):
    def test_roots(self):
        for n in range(1, 9):
            self.assertEqual(mth(LEAVES[:n]).hex(), ROOTS[n - 1], n)

    def test_known_proofs(self):
        for m, n, expected in PROOFS:
            siblings = [bytes.fromhex(x) for x in expected]
            self.assertEqual(path(m, LEAVES[:n]), siblings, (m, n))
            top = lr.top_from_path(lr.sha256, LEAVES[m], m, n, siblings)
            self.assertEqual(top.hex(), ROOTS[n - 1])

    def test_every_proof_of_up_to_8_leaves(self):
        for n in range(1, 9):
            for m in range(n):
                siblings = path(m, LEAVES[:n])
                self.assertEqual(lr.path_len(m, n), len(siblings))
                self.assertEqual(lr.top_from_path(lr.sha256, LEAVES[m], m, n, siblings).hex(),
                                 ROOTS[n - 1])
                for bad in (siblings[:-1], siblings + [bytes(32)]):
                    if bad != siblings:
                        with self.assertRaises(ValueError):
                            lr.top_from_path(lr.sha256, LEAVES[m], m, n, bad)
                for other in range(n):
                    if other != m and lr.path_len(other, n) == len(siblings):
                        self.assertNotEqual(
                            lr.top_from_path(lr.sha256, LEAVES[m], other, n, siblings).hex(),
                            ROOTS[n - 1])
            with self.assertRaises(ValueError):
                lr.top_from_path(lr.sha256, b"", n, n, [])

    def test_committed_roots(self):
        self.assertEqual(lr.committed_root(lr.sha256, 0, None), lr.sha256(bytes([2]) + bytes(8)))
        top = bytes.fromhex(ROOTS[7])
        self.assertEqual(lr.committed_root(lr.sha256, 8, top),
                         lr.sha256(b"\x02" + (8).to_bytes(8, "big") + top))


class Hashes(unittest.TestCase):
    def test_blake2b256(self):
        self.assertEqual(lr.blake2b256(b"").hex(),
                         "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
        self.assertEqual(lr.blake2b256(b"abc").hex(),
                         "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319")

    def test_base58(self):
        for raw in [b"", b"\x00", b"\x00\x00\x01", bytes(range(32)), b"\xff" * 32]:
            self.assertEqual(lr.b58decode(lr.b58encode(raw)), raw)
        self.assertEqual(lr.b58encode(b"hello world"), "StV1DL6CwTryKyV")


class Cli(unittest.TestCase):
    SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ltoreceipt.py")

    def run_cli(self, *args):
        p = subprocess.run([sys.executable, self.SCRIPT, *args], capture_output=True, text=True)
        return p.returncode, p.stdout

    def test_cli(self):
        case = CASES[0]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(case["receipt"], f)
        try:
            code, out = self.run_cli(f.name, case["trustedBlockId"])
            self.assertEqual(code, 0, out)
            verdict = json.loads(out)
            self.assertEqual(verdict["valid"], True)
            self.assertEqual(verdict["blockId"], case["trustedBlockId"])
            code, out = self.run_cli(f.name, CASES[-1]["trustedBlockId"])
            self.assertEqual((code, json.loads(out)["part"]), (1, "trusted block"))
            self.assertEqual(self.run_cli(f.name)[0], 2)
            self.assertEqual(self.run_cli(f.name, "0OIl")[0], 2)
            self.assertEqual(self.run_cli(f.name + ".missing", case["trustedBlockId"])[0], 2)
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
