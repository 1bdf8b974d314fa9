#!/usr/bin/env node
// End-to-end check of a dev node with the official LTO JavaScript client
// (npm @ltonetwork/lto 0.16.15, pinned in package.json / package-lock.json).
//
//     cd node/tests/js && npm ci
//     node client_e2e.mjs http://127.0.0.1:PORT "<seed 1>" "<seed 2>" "<seed 3>" [--keep-going]
//
// The node runs the dev chain (chain id 'T'); the three seeds are funded dev accounts (nonce
// 0). Pass accounts that do not forge, so that their balances move only by what this script
// sends. Account 1 sends most transactions and sponsors account 3; account 2 receives; account
// 3 sends one transaction while sponsored (its fee is the sponsor's).
//
// The script uses the client as a user would: LTO('T') with its node set to the given URL,
// accounts from lto.account(), the LTO convenience methods (transfer, massTransfer, anchor,
// lease, associate, setData, sponsor, register, burn, makeStatement, ...) or
// tx.signWith(...).sponsorWith(...).broadcastTo(lto.node), all of which POST to
// /transactions/broadcast through PublicNode. Reads use PublicNode.get().
//
// It sends one of every transaction kind the client builds, waits until each is confirmed
// (GET /transactions/info/{id} has a height; 90 s in total), reads the results back over
// REST and prints ONE line of JSON on stdout. It asserts nothing beyond "confirmed": the
// Rust test checks the numbers. A refused broadcast is printed (HTTP status and body) on
// stderr and ends the script with exit code 1; with --keep-going it is recorded under
// "refused" instead, the steps that depend on it are skipped, and the exit code is 3.
//
// The client has no Certificate transaction (type 24): that kind is skipped (see "skipped").

import { register } from 'node:module';
import crypto from 'node:crypto';

register('./lto-resolve.mjs', import.meta.url);

const { LTO } = await import('@ltonetwork/lto');
const { Transfer, Anchor } = await import('@ltonetwork/lto/transactions');
const { PublicNode } = await import('@ltonetwork/lto/node');
const { blake2b } = await import('@noble/hashes/blake2b');
const { base58 } = await import('@scure/base');

const args = process.argv.slice(2);
const keepGoing = args.includes('--keep-going');
const [url, seed1, seed2, seed3] = args.filter((a) => a !== '--keep-going');
if (!url || !seed1 || !seed2 || !seed3) {
  console.error('usage: node client_e2e.mjs http://HOST:PORT "<seed 1>" "<seed 2>" "<seed 3>" [--keep-going]');
  process.exit(2);
}

const CLIENT = '@ltonetwork/lto 0.16.15';
const TOTAL_WAIT_MS = 90_000;
const POLL_MS = 250;
const LTO_UNIT = 100_000_000;

// PublicNode with the HTTP status and body of the last request kept, so a refusal can be
// shown as it came (the client's RequestError has only the parsed body). The client still
// gets an ordinary Response.
class E2ENode extends PublicNode {
  last = null;
  async fetch(target, options = {}) {
    const res = await fetch(target, options);
    const text = await res.text();
    this.last = { method: options.method ?? 'GET', url: target, status: res.status, body: text };
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
}

const lto = new LTO('T');
const node = new E2ENode(url);
lto.node = node;

const sha256 = (s) => new Uint8Array(crypto.createHash('sha256').update(s).digest());
const localId = (bytes) => base58.encode(blake2b(bytes, { dkLen: 32 }));
const a1 = lto.account({ seed: seed1 });
const a2 = lto.account({ seed: seed2 });
const a3 = lto.account({ seed: seed3 });
// ECDSA accounts made here (funded by account 1 below). The client derives secp256k1 keys
// from a BIP39 phrase (BIP32 m/44'/742'/0'/0/0); secp256r1 only from a private key.
const k1 = lto.account({
  keyType: 'secp256k1',
  seed: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
});
const r1 = lto.account({ keyType: 'secp256r1', privateKey: sha256('ltonode js e2e secp256r1') });
// keys registered with a Register transaction
const regEd = lto.account({ seed: 'ltonode js e2e registered ed25519 key' });
const regK1 = lto.account({
  keyType: 'secp256k1',
  seed: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
  derivationPath: "m/44'/742'/0'/0/1",
});
const regR1 = lto.account({ keyType: 'secp256r1', privateKey: sha256('ltonode js e2e registered secp256r1 key') });

const out = {
  client: CLIENT,
  chain_id: lto.networkId,
  node: url,
  accounts: {
    a1: a1.address,
    a2: a2.address,
    a3: a3.address,
    secp256k1: { address: k1.address, public_key: k1.publicKey },
    secp256r1: { address: r1.address, public_key: r1.publicKey },
    registered: [regEd, regK1, regR1].map((a) => ({ key_type: a.keyType, public_key: a.publicKey })),
  },
  amounts: {},
  txs: {},
  skipped: {
    certificate: 'the client has no Certificate transaction (type 24) in @ltonetwork/lto 0.16.15',
  },
  notes: [],
};
const refused = [];
const readErrors = [];
const started = Date.now();
const deadline = started + TOTAL_WAIT_MS;

function fail(message) {
  console.error(message);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// broadcasting
// ---------------------------------------------------------------------------------------------

// ECDSA signing in 0.16.15 throws "RangeError: offset is out of bounds" for bodies longer than
// 64 bytes whose length is not a multiple of 64 (its Binary.subarray is broken and SHA-256
// hashes partial blocks with subarray). The ECDSA transactions below are sized to 128 bytes,
// so the client's own signWith() works; should it throw anyway, the proof is made by the
// account's own cypher on the same body, and that is recorded.
function signWith(tx, account) {
  try {
    tx.signWith(account);
    return 'native';
  } catch (e) {
    if (account.keyType === 'ed25519' || !(e instanceof RangeError)) throw e;
    tx.sender ??= account.address;
    tx.senderKeyType = account.keyType;
    tx.senderPublicKey = account.publicKey;
    tx.proofs.push(base58.encode(account.cypher.createSignature(tx.toBinary())));
    return 'workaround (client signWith threw ' + e.message + ')';
  }
}

/** Runs `send` (a client call that broadcasts) and records the transaction as `kind`. */
async function submit(kind, send, extra = {}) {
  node.last = null;
  let reply;
  try {
    reply = await send();
  } catch (e) {
    const last = node.last;
    const posted = last && last.method === 'POST' && last.url.endsWith('/transactions/broadcast');
    if (posted && last.status >= 200 && last.status < 300) {
      // accepted, but the client could not parse the node's reply
      let id;
      try {
        id = JSON.parse(last.body).id;
      } catch {
        id = undefined;
      }
      if (!id) fail(`${kind}: broadcast accepted (HTTP ${last.status}) but the reply has no id: ${last.body}`);
      out.notes.push(`${kind}: the client could not parse the node's reply (${e.message.split('\n')[0]}); id taken from the raw reply`);
      out.txs[kind] = { id, ...extra, client_reply_parse_error: e.message.split('\n')[0] };
      return out.txs[kind];
    }
    const what = posted ? `HTTP ${last.status} ${last.body}` : `${e.constructor.name}: ${e.message}`;
    console.error(`broadcast of ${kind} refused: ${what}`);
    if (!keepGoing) process.exit(1);
    refused.push({ kind, status: posted ? last.status : null, body: posted ? last.body : e.message });
    return null;
  }
  const entry = {
    id: reply.id,
    type: reply.type,
    version: reply.version,
    sender: reply.sender,
    sender_key_type: reply.senderKeyType,
    fee: reply.fee,
    ...extra,
  };
  if (reply.sponsor) entry.sponsor = reply.sponsor;
  try {
    // the client re-encodes the node's reply: its id must be the node's
    entry.client_id_matches = localId(reply.toBinary()) === reply.id;
  } catch (e) {
    entry.client_id_matches = null;
    entry.client_reencode_error = e.message;
  }
  out.txs[kind] = entry;
  return entry;
}

async function read(path) {
  node.last = null;
  try {
    return await node.get(path);
  } catch (e) {
    const last = node.last;
    const error = last ? { path, status: last.status, body: last.body } : { path, message: e.message };
    console.error(`GET ${path} failed: ${last ? `HTTP ${last.status} ${last.body}` : e.message}`);
    readErrors.push(error);
    return { error };
  }
}

/** Waits until every recorded transaction of `kinds` has a height. */
async function confirm(...kinds) {
  const pending = new Set(kinds.filter((k) => out.txs[k]));
  while (pending.size > 0) {
    for (const kind of [...pending]) {
      const entry = out.txs[kind];
      let info = null;
      try {
        info = await node.get(`/transactions/info/${entry.id}`);
      } catch {
        info = null; // not yet (404) or a transient error
      }
      if (info && Number.isInteger(info.height)) {
        entry.height = info.height;
        pending.delete(kind);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      const list = [...pending].map((k) => `${k} (${out.txs[k].id})`).join(', ');
      fail(`timed out: not confirmed within ${TOTAL_WAIT_MS / 1000} s: ${list}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const balance = (a) => read(`/addresses/balance/details/${a.address}`);
async function balances(...accounts) {
  const o = {};
  for (const [label, a] of accounts) o[label] = await balance(a);
  return o;
}
const regular = (details) => (details && typeof details.regular === 'number' ? details.regular : null);

// ---------------------------------------------------------------------------------------------
// 0. before
// ---------------------------------------------------------------------------------------------
out.height = { start: (await read('/blocks/height')).height ?? null };
out.balances = { before: await balances(['a1', a1], ['a2', a2], ['a3', a3]) };

// ---------------------------------------------------------------------------------------------
// A. one of every kind the client builds (independent of each other)
// ---------------------------------------------------------------------------------------------
const AMOUNTS = {
  transfer: 12_345_678,
  mass_transfer: [
    { recipient: a2.address, amount: 1_000_000 },
    { recipient: a3.address, amount: 2_000_000 },
  ],
  lease: 1_000 * LTO_UNIT,
  burn: 1 * LTO_UNIT,
  fund_ecdsa: 10 * LTO_UNIT,
  secp256k1_transfer: 1 * LTO_UNIT,
  sponsored_explicit: 5_000_000,
};
out.amounts = AMOUNTS;
const ANCHOR = sha256('ltonode js e2e anchor');
const MAPPED = { key: sha256('ltonode js e2e mapped key'), value: sha256('ltonode js e2e mapped value') };
const SUBJECT = sha256('ltonode js e2e subject');
const ASSOCIATION_TYPE = 1;
const EXPIRES = Date.now() + 24 * 3600 * 1000;
const DATA = {
  int: 1234567890,
  bool_true: true,
  bool_false: false,
  bin: Uint8Array.from([0, 1, 2, 254, 255]),
  str: 'hello ltonode',
  utf8: 'h\u00e9llo \u2713',
};
const ASSOCIATION_DATA = { level: 3, verified: true, proof: Uint8Array.from([9, 8, 7]), note: 'js e2e' };
const STATEMENT_TYPE = 1;
out.inputs = {
  anchor_hex: Buffer.from(ANCHOR).toString('hex'),
  mapped_anchor: { key_hex: Buffer.from(MAPPED.key).toString('hex'), value_hex: Buffer.from(MAPPED.value).toString('hex') },
  association: {
    type: ASSOCIATION_TYPE,
    recipient: a2.address,
    subject: base58.encode(SUBJECT),
    expires: EXPIRES,
    data_keys: Object.keys(ASSOCIATION_DATA),
  },
  data: Object.fromEntries(
    Object.entries(DATA).map(([k, v]) => [k, v instanceof Uint8Array ? 'base64:' + Buffer.from(v).toString('base64') : v]),
  ),
  statement: { type: STATEMENT_TYPE, recipient: a2.address, subject: base58.encode(SUBJECT), data: { reason: 'js e2e' } },
};

await submit('transfer', () => lto.transfer(a1, a2.address, AMOUNTS.transfer, 'ltonode js e2e'), {
  amount: AMOUNTS.transfer,
  recipient: a2.address,
});
await submit('mass_transfer', () => lto.massTransfer(a1, AMOUNTS.mass_transfer, 'ltonode js e2e mass'));
await submit('anchor', () => lto.anchor(a1, ANCHOR));
await submit('mapped_anchor', () => lto.anchor(a1, MAPPED));
await submit('lease', () => lto.lease(a1, a2.address, AMOUNTS.lease), { amount: AMOUNTS.lease, recipient: a2.address });
await submit('association', () => lto.associate(a1, ASSOCIATION_TYPE, a2.address, SUBJECT, EXPIRES, ASSOCIATION_DATA));
await submit('data', () => lto.setData(a1, DATA));
await submit('register', () => lto.register(a1, regEd, regK1, regR1));
await submit('statement', () => lto.makeStatement(a1, STATEMENT_TYPE, a2.address, SUBJECT, { reason: 'js e2e' }));
await submit('sponsorship', () => lto.sponsor(a1, a3.address), { recipient: a3.address });
await submit('fund_secp256k1', () => lto.transfer(a1, k1.address, AMOUNTS.fund_ecdsa), { amount: AMOUNTS.fund_ecdsa, recipient: k1.address });
await submit('fund_secp256r1', () => lto.transfer(a1, r1.address, AMOUNTS.fund_ecdsa), { amount: AMOUNTS.fund_ecdsa, recipient: r1.address });
// a sponsored transaction with an explicit second signer: account 2 sends, account 1 pays the fee
await submit(
  'sponsored_explicit',
  () => new Transfer(a3.address, AMOUNTS.sponsored_explicit, 'sponsored by a1').signWith(a2).sponsorWith(a1).broadcastTo(lto.node),
  { amount: AMOUNTS.sponsored_explicit, recipient: a3.address },
);
await confirm(
  'transfer',
  'mass_transfer',
  'anchor',
  'mapped_anchor',
  'lease',
  'association',
  'data',
  'register',
  'statement',
  'sponsorship',
  'fund_secp256k1',
  'fund_secp256r1',
  'sponsored_explicit',
);

out.sponsorship_status = { while_sponsored: await read(`/sponsorship/status/${a3.address}`) };
out.associations_status = { after_issue: await read(`/associations/status/${a1.address}`) };
out.leasing_active = { after_lease: await read(`/leasing/active/${a1.address}`) };

// ---------------------------------------------------------------------------------------------
// B. account 3 sends while sponsored by account 1: the fee is account 1's
// ---------------------------------------------------------------------------------------------
if (out.txs.sponsorship) {
  const before = await balances(['a1', a1], ['a3', a3]);
  const tx = await submit('sponsored_by_sponsorship', () => lto.anchor(a3, sha256('ltonode js e2e sponsored anchor')));
  await confirm('sponsored_by_sponsorship');
  const after = await balances(['a1', a1], ['a3', a3]);
  out.sponsored_fee = {
    fee: tx?.fee ?? null,
    before,
    after,
    a1_regular_change: regular(after.a1) !== null && regular(before.a1) !== null ? regular(after.a1) - regular(before.a1) : null,
    a3_regular_change: regular(after.a3) !== null && regular(before.a3) !== null ? regular(after.a3) - regular(before.a3) : null,
  };
} else {
  out.skipped.sponsored_by_sponsorship = 'the sponsorship was refused';
}

// ---------------------------------------------------------------------------------------------
// C. the second halves, and the ECDSA senders
// ---------------------------------------------------------------------------------------------
if (out.txs.sponsorship) await submit('cancel_sponsorship', () => lto.cancelSponsorship(a1, a3.address), { recipient: a3.address });
if (out.txs.lease) await submit('cancel_lease', () => lto.cancelLease(a1, out.txs.lease.id), { lease_id: out.txs.lease.id });
if (out.txs.association) {
  await submit('revoke_association', () => lto.revokeAssociation(a1, ASSOCIATION_TYPE, a2.address, SUBJECT));
}
if (out.txs.fund_secp256k1) {
  // 39-byte attachment: a 128-byte body (see signWith above)
  const tx = new Transfer(a2.address, AMOUNTS.secp256k1_transfer, 'ltonode js e2e from a secp256k1 account');
  const signing = signWith(tx, k1);
  await submit('secp256k1_transfer', () => tx.broadcastTo(lto.node), {
    amount: AMOUNTS.secp256k1_transfer,
    recipient: a2.address,
    body_len: tx.toBinary().length,
    signing,
  });
} else {
  out.skipped.secp256k1_transfer = 'funding the secp256k1 account was refused';
}
if (out.txs.fund_secp256r1) {
  // a 71-byte anchor: a 128-byte body
  const bytes = Uint8Array.from(Buffer.from('ltonode js e2e anchor sent from a secp256r1 account, 71 bytes long.....'));
  const tx = new Anchor(bytes);
  const signing = signWith(tx, r1);
  await submit('secp256r1_anchor', () => tx.broadcastTo(lto.node), {
    anchor_hex: Buffer.from(bytes).toString('hex'),
    body_len: tx.toBinary().length,
    signing,
  });
} else {
  out.skipped.secp256r1_anchor = 'funding the secp256r1 account was refused';
}
await confirm('cancel_sponsorship', 'cancel_lease', 'revoke_association', 'secp256k1_transfer', 'secp256r1_anchor');

if (out.txs.cancel_sponsorship) out.sponsorship_status.after_cancel = await read(`/sponsorship/status/${a3.address}`);
if (out.txs.revoke_association) out.associations_status.after_revoke = await read(`/associations/status/${a1.address}`);
if (out.txs.cancel_lease) out.leasing_active.after_cancel = await read(`/leasing/active/${a1.address}`);

// ---------------------------------------------------------------------------------------------
// D. burn, alone, with the supply around it
// ---------------------------------------------------------------------------------------------
out.supply = { before_burn: await read('/supply') };
await submit('burn', () => lto.burn(a1, AMOUNTS.burn), { amount: AMOUNTS.burn });
await confirm('burn');
out.supply.after_burn = await read('/supply');

// ---------------------------------------------------------------------------------------------
// E. read back
// ---------------------------------------------------------------------------------------------
out.data = { all: await read(`/addresses/data/${a1.address}`), by_key: {} };
for (const key of Object.keys(DATA)) out.data.by_key[key] = await read(`/addresses/data/${a1.address}/${encodeURIComponent(key)}`);
out.balances.after = await balances(['a1', a1], ['a2', a2], ['a3', a3], ['secp256k1', k1], ['secp256r1', r1]);
out.balances.regular = {
  before: Object.fromEntries(Object.entries(out.balances.before).map(([k, v]) => [k, regular(v)])),
  after: Object.fromEntries(Object.entries(out.balances.after).map(([k, v]) => [k, regular(v)])),
};
out.height.end = (await read('/blocks/height')).height ?? null;
out.elapsed_ms = Date.now() - started;
if (readErrors.length) out.read_errors = readErrors;
if (keepGoing) out.refused = refused;

console.log(JSON.stringify(out));
process.exit(refused.length ? 3 : 0);
