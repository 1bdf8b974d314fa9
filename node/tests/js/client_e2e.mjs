#!/usr/bin/env node
// End-to-end check of a dev node with the official LTO JavaScript client
// (npm @ltonetwork/lto 0.16.15, pinned in package.json / package-lock.json). The Rust test
// node/tests/it/js_client.rs runs it against a `ltonode run --dev` process and asserts on
// what it prints; by hand:
//
//     cd node/tests/js && npm ci
//     node client_e2e.mjs http://127.0.0.1:PORT "<seed 1>" "<seed 2>" "<seed 3>"
//
// The node runs the dev chain (chain id 'T'); the three seeds are funded dev accounts (nonce
// 0). Pass accounts that do not forge, so that their balances move only by what this script
// sends. Account 1 sends most transactions and sponsors account 3; account 2 receives, and
// sends transactions whose fee an explicit co-signer pays; account 3 sends one transaction
// while sponsored (its fee is the sponsor's).
//
// The script uses the client as a user would: LTO('T') with its node set to the given URL,
// accounts from lto.account(), the LTO convenience methods (transfer, massTransfer, anchor,
// lease, associate, setData, sponsor, register, burn, makeStatement, ...) or
// tx.signWith(...).sponsorWith(...).broadcastTo(lto.node), all of which POST to
// /transactions/broadcast through PublicNode. Reads use PublicNode.get() and, for the account
// data, lto.getData().
//
// It sends one of every transaction kind the client builds (15 types), waits until each is
// confirmed (GET /transactions/info/{id} has a height; 90 s in total), reads what can only be
// seen at a moment (balances before and after, the sponsor list while sponsored and after the
// cancel, the supply around the burn) and prints ONE line of JSON on stdout. It asserts
// nothing beyond "confirmed": the Rust test checks the numbers. A refused broadcast ends the
// script with exit code 1, the request and the node's HTTP status and body on stderr.
//
// The client has no Certificate transaction (type 24): that kind is skipped (see "skipped").

import { register } from 'node:module';
import crypto from 'node:crypto';

register('./lto-resolve.mjs', import.meta.url);

const { LTO } = await import('@ltonetwork/lto');
const { Transfer, Anchor, SetScript } = await import('@ltonetwork/lto/transactions');
const { PublicNode } = await import('@ltonetwork/lto/node');
const { blake2b } = await import('@noble/hashes/blake2b');
const { base58 } = await import('@scure/base');

const args = process.argv.slice(2);
const [url, seed1, seed2, seed3] = args;
if (args.length !== 4) {
  console.error('usage: node client_e2e.mjs http://HOST:PORT "<seed 1>" "<seed 2>" "<seed 3>"');
  process.exit(2);
}

const CLIENT = '@ltonetwork/lto 0.16.15';
const TOTAL_WAIT_MS = 90_000;
const POLL_MS = 250;
const LTO_UNIT = 100_000_000;

// PublicNode with the request and the HTTP status and body of the last exchange kept, so a
// refusal can be shown as it came (the client's RequestError has only the parsed body). The
// client still gets an ordinary Response.
class E2ENode extends PublicNode {
  last = null;
  async fetch(target, options = {}) {
    const res = await fetch(target, options);
    const text = await res.text();
    this.last = {
      method: options.method ?? 'GET',
      url: target,
      request: options.body ?? null,
      status: res.status,
      body: text,
    };
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
}

const lto = new LTO('T');
const node = new E2ENode(url);
lto.node = node;

const sha256 = (b) => new Uint8Array(crypto.createHash('sha256').update(b).digest());
const secureHash = (b) => sha256(blake2b(b, { dkLen: 32 }));
const localId = (bytes) => base58.encode(blake2b(bytes, { dkLen: 32 }));
const b64 = (bytes) => 'base64:' + Buffer.from(bytes).toString('base64');
/** `text` padded with dots to exactly `n` bytes. */
const bytesOf = (text, n) => {
  const b = Buffer.from(text.padEnd(n, '.'));
  if (b.length !== n) throw new Error(`"${text}" is not ${n} bytes`);
  return Uint8Array.from(b);
};

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
// an account that sets a script (funded by account 1 below)
const sc = lto.account({ seed: 'ltonode js e2e scripted account' });
// keys registered with a Register transaction
const regEd = lto.account({ seed: 'ltonode js e2e registered ed25519 key' });
const regK1 = lto.account({
  keyType: 'secp256k1',
  seed: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
  derivationPath: "m/44'/742'/0'/0/1",
});
const regR1 = lto.account({ keyType: 'secp256r1', privateKey: sha256('ltonode js e2e registered secp256r1 key') });
const ACCOUNTS = [
  ['a1', a1],
  ['a2', a2],
  ['a3', a3],
  ['secp256k1', k1],
  ['secp256r1', r1],
  ['scripted', sc],
];

const out = {
  client: CLIENT,
  chain_id: lto.networkId,
  node: url,
  accounts: {
    ...Object.fromEntries(ACCOUNTS.map(([label, a]) => [label, { address: a.address, key_type: a.keyType, public_key: a.publicKey }])),
    registered: [regEd, regK1, regR1].map((a) => ({ key_type: a.keyType, public_key: a.publicKey, address: a.address })),
  },
  amounts: {},
  inputs: {},
  txs: {},
  skipped: {
    certificate: 'the client has no Certificate transaction (type 24) in @ltonetwork/lto 0.16.15',
  },
  notes: [],
};
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
// hashes partial blocks with subarray). The transactions an ECDSA key signs below are sized to
// 128 bytes, so the client's own signWith() and sponsorWith() work; should one throw anyway,
// the proof is made by the account's own cypher on the same body, and that is recorded.
function signWith(tx, account) {
  try {
    tx.signWith(account);
    return 'native';
  } catch (e) {
    if (account.keyType === 'ed25519' || !(e instanceof RangeError)) throw e;
    tx.timestamp ??= Date.now();
    tx.sender ??= account.address;
    tx.senderKeyType = account.keyType;
    tx.senderPublicKey = account.publicKey;
    tx.proofs.push(base58.encode(account.cypher.createSignature(tx.toBinary())));
    return 'workaround (client signWith threw ' + e.message + ')';
  }
}

function sponsorWith(tx, account) {
  try {
    tx.sponsorWith(account);
    return 'native';
  } catch (e) {
    if (account.keyType === 'ed25519' || !(e instanceof RangeError)) throw e;
    tx.sponsor = account.address;
    tx.sponsorKeyType = account.keyType;
    tx.sponsorPublicKey = account.publicKey;
    tx.proofs.push(base58.encode(account.cypher.createSignature(tx.toBinary())));
    return 'workaround (client sponsorWith threw ' + e.message + ')';
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
    if (posted) {
      fail(`broadcast of ${kind} refused: HTTP ${last.status} ${last.body}\nrequest: POST /transactions/broadcast ${last.request}`);
    }
    fail(`${kind}: the client threw before broadcasting: ${e.stack ?? e}`);
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
  if (reply.sponsor) {
    entry.sponsor = reply.sponsor;
    entry.sponsor_key_type = reply.sponsorKeyType;
  }
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

/** Waits until every transaction of `kinds` has a height; records it with the fee charged. */
async function confirm(...kinds) {
  const pending = new Set(kinds);
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
        entry.effective_fee = info.effectiveFee ?? null;
        entry.effective_sponsor = info.effectiveSponsor ?? null;
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

async function balances(accounts = ACCOUNTS) {
  const o = {};
  for (const [label, a] of accounts) o[label] = await read(`/addresses/balance/details/${a.address}`);
  return o;
}
const regular = (details) => (details && typeof details.regular === 'number' ? details.regular : null);
const change = (before, after) =>
  Object.fromEntries(
    Object.keys(before).map((k) => [k, regular(after[k]) !== null && regular(before[k]) !== null ? regular(after[k]) - regular(before[k]) : null]),
  );

// ---------------------------------------------------------------------------------------------
// inputs
// ---------------------------------------------------------------------------------------------
const AMOUNTS = {
  transfer: 12_345_678,
  mass_transfer: [
    { recipient: a2.address, amount: 1_000_000 },
    { recipient: a3.address, amount: 2_000_000 },
  ],
  lease: 1_000 * LTO_UNIT,
  burn: 1 * LTO_UNIT,
  fund: 10 * LTO_UNIT,
  secp256k1_transfer: 1 * LTO_UNIT,
  sponsored_explicit: 5_000_000,
};
const ANCHOR = sha256('ltonode js e2e anchor');
const MAPPED = { key: sha256('ltonode js e2e mapped key'), value: sha256('ltonode js e2e mapped value') };
const SUBJECT = sha256('ltonode js e2e subject');
const ASSOCIATION_TYPE = 1;
const EXPIRES = Date.now() + 24 * 3600 * 1000;
// every entry type; "long" takes the entries past 256 bytes (the fee counts started 256 bytes)
const DATA = {
  int: 1234567890,
  bool_true: true,
  bool_false: false,
  bin: Uint8Array.from([0, 1, 2, 254, 255]),
  str: 'hello ltonode',
  utf8: 'h\u00e9llo \u2713',
  long: 'ltonode '.repeat(40),
};
const ASSOCIATION_DATA = { level: 3, verified: true, proof: Uint8Array.from([9, 8, 7]), note: 'js e2e' };
const STATEMENT_TYPE = 1;
const STATEMENT_DATA = { reason: 'js e2e' };
// this node's script language (ledger/src/script.rs): version 1, `height>=1`, and the first four
// bytes of secureHash of those as checksum. Always true: the account's transactions still pass.
const SCRIPT_BODY = Uint8Array.from([1, 0x12, 0, 0, 0, 1]);
const SCRIPT = b64(Buffer.concat([SCRIPT_BODY, secureHash(SCRIPT_BODY).subarray(0, 4)]));

/** A data dictionary as the entries the node reports: [{key, type, value}], binary "base64:...". */
const entries = (dict) =>
  Object.entries(dict).map(([key, value]) => {
    if (typeof value === 'number') return { key, type: 'integer', value };
    if (typeof value === 'boolean') return { key, type: 'boolean', value };
    if (typeof value === 'string') return { key, type: 'string', value };
    return { key, type: 'binary', value: b64(value) };
  });
const plain = (dict) => Object.fromEntries(entries(dict).map((e) => [e.key, e.value]));

out.amounts = AMOUNTS;
out.inputs = {
  anchor: base58.encode(ANCHOR),
  mapped_anchor: { key: base58.encode(MAPPED.key), value: base58.encode(MAPPED.value) },
  association: {
    type: ASSOCIATION_TYPE,
    recipient: a2.address,
    subject: base58.encode(SUBJECT),
    expires: EXPIRES,
    data: entries(ASSOCIATION_DATA),
  },
  data: entries(DATA),
  statement: { type: STATEMENT_TYPE, recipient: a2.address, subject: base58.encode(SUBJECT), data: entries(STATEMENT_DATA) },
  script: SCRIPT,
};

// ---------------------------------------------------------------------------------------------
// 0. before
// ---------------------------------------------------------------------------------------------
out.height = { start: (await read('/blocks/height')).height ?? null };
out.balances = { before: await balances() };

// ---------------------------------------------------------------------------------------------
// A. the kinds that depend on nothing, and the funding of the accounts made here
// ---------------------------------------------------------------------------------------------
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
await submit('statement', () => lto.makeStatement(a1, STATEMENT_TYPE, a2.address, SUBJECT, STATEMENT_DATA));
await submit('sponsorship', () => lto.sponsor(a1, a3.address), { recipient: a3.address });
for (const [kind, a] of [
  ['fund_secp256k1', k1],
  ['fund_secp256r1', r1],
  ['fund_scripted', sc],
]) {
  await submit(kind, () => lto.transfer(a1, a.address, AMOUNTS.fund), { amount: AMOUNTS.fund, recipient: a.address });
}
// a transaction with an explicit second signer: account 2 sends, account 1 pays the fee
await submit(
  'sponsored_explicit',
  () => new Transfer(a3.address, AMOUNTS.sponsored_explicit, 'sponsored by a1').signWith(a2).sponsorWith(a1).broadcastTo(lto.node),
  { amount: AMOUNTS.sponsored_explicit, recipient: a3.address },
);
const phaseA = Object.keys(out.txs);
await confirm(...phaseA);

out.sponsorship_status = { while_sponsored: await read(`/sponsorship/status/${a3.address}`) };
out.associations_status = { after_issue: await read(`/associations/status/${a1.address}`) };
out.leasing_active = { after_lease: await read(`/leasing/active/${a1.address}`) };

// ---------------------------------------------------------------------------------------------
// B. account 3 sends while sponsored by account 1: the fee is account 1's
// ---------------------------------------------------------------------------------------------
{
  const pair = [
    ['a1', a1],
    ['a3', a3],
  ];
  const before = await balances(pair);
  await submit('sponsored_by_sponsorship', () => lto.anchor(a3, sha256('ltonode js e2e sponsored anchor')));
  await confirm('sponsored_by_sponsorship');
  const after = await balances(pair);
  out.sponsored_fee = { before, after, regular_change: change(before, after) };
}

// ---------------------------------------------------------------------------------------------
// C. the second halves, the ECDSA senders and sponsors, the script
// ---------------------------------------------------------------------------------------------
await submit('cancel_sponsorship', () => lto.cancelSponsorship(a1, a3.address), { recipient: a3.address });
await submit('cancel_lease', () => lto.cancelLease(a1, out.txs.lease.id), { lease_id: out.txs.lease.id });
await submit('revoke_association', () => lto.revokeAssociation(a1, ASSOCIATION_TYPE, a2.address, SUBJECT));
{
  // 39-byte attachment: a 128-byte body (see signWith above)
  const tx = new Transfer(a2.address, AMOUNTS.secp256k1_transfer, 'ltonode js e2e from a secp256k1 account');
  const signing = signWith(tx, k1);
  await submit('secp256k1_transfer', () => tx.broadcastTo(lto.node), {
    amount: AMOUNTS.secp256k1_transfer,
    recipient: a2.address,
    body_len: tx.toBinary().length,
    signing,
  });
}
{
  // a 71-byte anchor: a 128-byte body with a 33-byte key
  const bytes = bytesOf('ltonode js e2e anchor sent from a secp256r1 account, 71 bytes long', 71);
  const tx = new Anchor(bytes);
  const signing = signWith(tx, r1);
  await submit('secp256r1_anchor', () => tx.broadcastTo(lto.node), {
    anchor: base58.encode(bytes),
    body_len: tx.toBinary().length,
    signing,
  });
}
for (const [kind, sponsor] of [
  ['secp256k1_sponsored', k1],
  ['secp256r1_sponsored', r1],
]) {
  // account 2 sends a 72-byte anchor (a 128-byte body) whose fee the ECDSA account co-signs
  const bytes = bytesOf(`ltonode js e2e anchor by account 2, its fee sponsored by ${sponsor.keyType}`, 72);
  const tx = new Anchor(bytes).signWith(a2);
  const signing = sponsorWith(tx, sponsor);
  await submit(kind, () => tx.broadcastTo(lto.node), { anchor: base58.encode(bytes), body_len: tx.toBinary().length, signing });
}
await submit('set_script', () => new SetScript(SCRIPT).signWith(sc).broadcastTo(lto.node));
await confirm(
  'cancel_sponsorship',
  'cancel_lease',
  'revoke_association',
  'secp256k1_transfer',
  'secp256r1_anchor',
  'secp256k1_sponsored',
  'secp256r1_sponsored',
  'set_script',
);

out.sponsorship_status.after_cancel = await read(`/sponsorship/status/${a3.address}`);
out.associations_status.after_revoke = await read(`/associations/status/${a1.address}`);
out.leasing_active.after_cancel = await read(`/leasing/active/${a1.address}`);

// the scripted account sends once its script is in force
await submit('scripted_anchor', () => lto.anchor(sc, sha256('ltonode js e2e anchor of the scripted account')));
await confirm('scripted_anchor');

// ---------------------------------------------------------------------------------------------
// D. burn, alone, with the supply around it
// ---------------------------------------------------------------------------------------------
out.supply = { before_burn: await read('/supply') };
await submit('burn', () => lto.burn(a1, AMOUNTS.burn), { amount: AMOUNTS.burn });
await confirm('burn');
out.supply.after_burn = await read('/supply');

// ---------------------------------------------------------------------------------------------
// E. after, and the client's own reads
// ---------------------------------------------------------------------------------------------
out.balances.after = await balances();
out.balances.regular_change = change(out.balances.before, out.balances.after);
try {
  out.client_reads = {
    // lto.getData() parses GET /addresses/data/{address} into a dictionary
    data: plain(await lto.getData(a1)),
    // lto.getBalance() reads GET /addresses/balance/{address}
    balance_a1: await lto.getBalance(a1),
  };
} catch (e) {
  out.client_reads = { error: e.message };
}
out.inputs.data_dict = plain(DATA);
out.height.end = (await read('/blocks/height')).height ?? null;
out.elapsed_ms = Date.now() - started;
if (readErrors.length) out.read_errors = readErrors;

console.log(JSON.stringify(out));
process.exit(0);
