"""End-to-end check with the official LTO Python client (PyPI `lto` 1.5.1).

Run by `node/tests/it/python_client.rs` against a `ltonode run --dev` node:
    python client_e2e.py http://127.0.0.1:PORT "<dev seed 1>" "<dev seed 2>"
Broadcasts a transfer, an anchor and a lease signed by the client, waits until each is
confirmed, checks balances, and prints one JSON line with what it saw.
"""
import hashlib
import json
import sys
import time

from lto import LTO
from lto.public_node import PublicNode
from lto.transactions.anchor import Anchor
from lto.transactions.lease import Lease
from lto.transactions.transfer import Transfer

url, seed1, seed2 = sys.argv[1], sys.argv[2], sys.argv[3]
lto = LTO('T')
node = PublicNode(url)
alice = lto.Account(seed=seed1)
bob = lto.Account(seed=seed2)

before = node.balance(bob.address)
transfer = Transfer(bob.address, 12_345_678)
transfer.sign_with(alice)
t_reply = node.broadcast(transfer)

digest = hashlib.sha256(b'ltonode python e2e').digest()
anchor = Anchor(digest)
anchor.sign_with(alice)
a_reply = node.broadcast(anchor)

lease = Lease(bob.address, 100_000_000_000)
lease.sign_with(alice)
l_reply = node.broadcast(lease)

deadline = time.time() + 60
confirmed = {}
for name, tx in (('transfer', t_reply), ('anchor', a_reply), ('lease', l_reply)):
    while True:
        try:
            info = node.tx(tx.id)
            if info.height:
                confirmed[name] = info.height
                break
        except Exception:
            pass
        if time.time() > deadline:
            raise SystemExit('not confirmed in time: ' + name)
        time.sleep(0.5)

after = node.balance(bob.address)
print(json.dumps({
    'transfer_id': t_reply.id,
    'anchor_id': a_reply.id,
    'lease_id': l_reply.id,
    'anchor_hex': digest.hex(),
    'confirmed': confirmed,
    'bob_balance_change': after - before,
}))
