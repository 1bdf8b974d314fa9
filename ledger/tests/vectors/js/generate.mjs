#!/usr/bin/env node
// Golden transaction vectors made with the official LTO JavaScript client,
// npm @ltonetwork/lto 0.16.15 (pinned in package.json / package-lock.json).
//
//     cd ledger/tests/vectors/js && npm ci && node generate.mjs
//
// Writes ../lto_js_vectors.json. The output is deterministic: fixed seeds and private keys,
// fixed timestamps (1700000000000 + n in generation order), Ed25519 signatures are
// deterministic and the client's ECDSA signatures are RFC 6979 deterministic (@noble/curves
// without extra entropy). A re-run must give a byte-identical file.
//
// This script only *calls* the client. What the client produces is cross-checked with code
// that does not go through it:
//   * every proof is verified with node:crypto (OpenSSL), and also with @noble/curves /
//     tweetnacl called directly;
//   * Ed25519 proofs are re-made with OpenSSL (Ed25519 is deterministic: they must be equal);
//   * ECDSA proofs are re-made with an RFC 6979 implementation written here (HMAC from
//     node:crypto, k*G from OpenSSL), with low-S applied only where the client applies it;
//   * keys and addresses are re-derived here (wallet seed hashing, BIP39/BIP32 for secp256k1);
//   * accounts are compared with the Python client's vectors (../lto_python_vectors.json).

import { register } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

register('./lto-resolve.mjs', import.meta.url);

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, '..', 'lto_js_vectors.json');
const PY_VECTORS = path.join(HERE, '..', 'lto_python_vectors.json');
const PINNED = '0.16.15';

const { LTO, Binary } = await import('@ltonetwork/lto');
const T = await import('@ltonetwork/lto/transactions');
const { AccountFactoryED25519, AccountFactoryECDSA } = await import('@ltonetwork/lto/accounts');
const { PublicNode } = await import('@ltonetwork/lto/node');
// DataEntry is not exported by any entry point of the package (its "exports" map hides lib/);
// the class is reached through the public Data.from(), which builds DataEntry objects.
const DataEntry = T.Data.from({ type: 12, data: [{ key: 'k', type: 'integer', value: 1 }] }).data[0].constructor;
// Direct use of the client's own crypto dependencies (not the client's code).
const { blake2b } = await import('@noble/hashes/blake2b');
const { secp256k1 } = await import('@noble/curves/secp256k1');
const { p256 } = await import('@noble/curves/p256');
const nacl = (await import('tweetnacl')).default;

function pkgVersion(name) {
  const p = path.join(HERE, 'node_modules', name, 'package.json');
  return JSON.parse(fs.readFileSync(p, 'utf8')).version;
}
const LTO_VERSION = pkgVersion('@ltonetwork/lto');
if (LTO_VERSION.replace(/^v/, '') !== PINNED) {
  throw new Error(`this generator is pinned to @ltonetwork/lto ${PINNED}, found ${LTO_VERSION}`);
}

const TS0 = 1700000000000;
const KEY_TYPE_ID = { ed25519: 1, secp256k1: 2, secp256r1: 3 };

// ---------------------------------------------------------------------------------------------
// independent helpers (no client code)
// ---------------------------------------------------------------------------------------------
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function b58(bytes) {
  bytes = Uint8Array.from(bytes);
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let s = '';
  while (n > 0n) {
    s = B58[Number(n % 58n)] + s;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    s = '1' + s;
  }
  return s;
}

function unb58(s) {
  let n = 0n;
  for (const c of s) {
    const i = B58.indexOf(c);
    if (i < 0) throw new Error('bad base58 ' + s);
    n = n * 58n + BigInt(i);
  }
  const out = [];
  while (n > 0n) {
    out.unshift(Number(n & 255n));
    n >>= 8n;
  }
  for (const c of s) {
    if (c !== '1') break;
    out.unshift(0);
  }
  return Uint8Array.from(out);
}

const hex = (b) => Buffer.from(b).toString('hex');
const b64url = (b) => Buffer.from(b).toString('base64url');
const sha256 = (b) => new Uint8Array(crypto.createHash('sha256').update(b).digest());
const sha512 = (b) => new Uint8Array(crypto.createHash('sha512').update(b).digest());
const blake2b256 = (b) => blake2b(Uint8Array.from(b), { dkLen: 32 });
const secureHash = (b) => sha256(blake2b256(b));
const concat = (...parts) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));
const be32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return new Uint8Array(b);
};
const be64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return new Uint8Array(b);
};
const eq = (a, b) => Buffer.from(a).equals(Buffer.from(b));

function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

// BLAKE2b-256 known answer (RFC 7693 style, "abc"), so the id hash itself is checked.
assert(
  hex(blake2b256(Buffer.from('abc'))) === 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319',
  'blake2b-256 known answer',
);

function indepAddress(pk, chain) {
  const raw = concat([1, chain.charCodeAt(0)], secureHash(pk).slice(0, 20));
  return b58(concat(raw, secureHash(raw).slice(0, 4)));
}

// Wallet derivation of LTO Ed25519 accounts: account seed = secureHash(u32_be(nonce) || seed),
// Ed25519 secret seed = SHA-256(account seed). Key pair made with OpenSSL.
function indepEd25519(seed, nonce) {
  const accountSeed = secureHash(concat(be32(nonce), Buffer.from(seed, 'utf8')));
  const secret = sha256(accountSeed);
  const priv = crypto.createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(secret)]),
    format: 'der',
    type: 'pkcs8',
  });
  const pk = new Uint8Array(Buffer.from(crypto.createPublicKey(priv).export({ format: 'jwk' }).x, 'base64url'));
  return { accountSeed, secret, pk, priv };
}

const CURVES = {
  secp256k1: {
    openssl: 'secp256k1',
    jwk: 'secp256k1',
    n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
    lowS: true, // @noble/curves secp256k1 normalizes s (lowS: true)
  },
  secp256r1: {
    openssl: 'prime256v1',
    jwk: 'P-256',
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    lowS: false, // @noble/curves p256 does not (lowS: false)
  },
};
const toBig = (b) => BigInt('0x' + (hex(b) || '0'));
const to32 = (n) => new Uint8Array(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
function modpow(b, e, m) {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}
const modinv = (a, p) => modpow(((a % p) + p) % p, p - 2n, p); // p prime (curve orders are)

function ecPublic(keyType, priv32, compressed = true) {
  const ecdh = crypto.createECDH(CURVES[keyType].openssl);
  ecdh.setPrivateKey(Buffer.from(priv32));
  return new Uint8Array(ecdh.getPublicKey(null, compressed ? 'compressed' : 'uncompressed'));
}

// RFC 6979 section 3.2 with HMAC-SHA256, h1 = SHA-256(message); r from k*G (OpenSSL).
function rfc6979Sign(keyType, priv32, message) {
  const { n, lowS } = CURVES[keyType];
  const h1 = sha256(message);
  const e = toBig(h1);
  const d = toBig(priv32);
  const x = to32(d);
  const h1o = to32(e % n);
  const hm = (key, ...parts) => new Uint8Array(crypto.createHmac('sha256', key).update(concat(...parts)).digest());
  let V = new Uint8Array(32).fill(1);
  let K = new Uint8Array(32);
  K = hm(K, V, [0], x, h1o);
  V = hm(K, V);
  K = hm(K, V, [1], x, h1o);
  V = hm(K, V);
  for (;;) {
    V = hm(K, V);
    const k = toBig(V);
    if (k >= 1n && k < n) {
      const R = ecPublic(keyType, to32(k), false);
      const r = toBig(R.slice(1, 33)) % n;
      if (r !== 0n) {
        let s = (modinv(k, n) * (e + r * d)) % n;
        if (s !== 0n) {
          if (lowS && s > n >> 1n) s = n - s;
          return concat(to32(r), to32(s));
        }
      }
    }
    K = hm(K, V, [0]);
    V = hm(K, V);
  }
}

function opensslVerify(keyType, pk, message, sig) {
  if (keyType === 'ed25519') {
    const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(pk) }, format: 'jwk' });
    return crypto.verify(null, Buffer.from(message), key, Buffer.from(sig));
  }
  const c = CURVES[keyType];
  const unc = crypto.ECDH.convertKey(Buffer.from(pk), c.openssl, undefined, undefined, 'uncompressed');
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: c.jwk, x: b64url(unc.subarray(1, 33)), y: b64url(unc.subarray(33)) },
    format: 'jwk',
  });
  return crypto.verify('sha256', Buffer.from(message), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig));
}

function nobleVerify(keyType, pk, message, sig) {
  if (keyType === 'ed25519') return nacl.sign.detached.verify(message, sig, pk);
  const curve = keyType === 'secp256k1' ? secp256k1 : p256;
  return curve.verify(sig, sha256(message), pk, { lowS: false });
}

// BIP39 (PBKDF2-HMAC-SHA512, passphrase "") and BIP32 private derivation on secp256k1.
function indepBip32(mnemonic, pathStr) {
  const seed = crypto.pbkdf2Sync(Buffer.from(mnemonic.normalize('NFKD')), 'mnemonic', 2048, 64, 'sha512');
  const n = CURVES.secp256k1.n;
  let I = crypto.createHmac('sha512', 'Bitcoin seed').update(seed).digest();
  let k = toBig(I.subarray(0, 32));
  let c = I.subarray(32);
  const parts = pathStr.split('/');
  assert(parts[0] === 'm', 'path starts with m');
  for (const part of parts.slice(1)) {
    const hard = part.endsWith("'");
    const i = (parseInt(part, 10) + (hard ? 0x80000000 : 0)) >>> 0;
    const data = hard
      ? concat([0], to32(k), be32(i))
      : concat(ecPublic('secp256k1', to32(k), true), be32(i));
    I = crypto.createHmac('sha512', c).update(data).digest();
    k = (toBig(I.subarray(0, 32)) + k) % n;
    c = I.subarray(32);
  }
  return to32(k);
}

// ---------------------------------------------------------------------------------------------
// accounts
// ---------------------------------------------------------------------------------------------
const SEED_ALICE = 'manage manual recall harvest series desert melt police rose hollow moral pledge kitten position add';
const SEED_BOB = 'ltonode golden vector account bob';
const SEED_CAROL = 'ltonode golden vector account carol';
const SEED_SPONSOR = 'ltonode golden vector sponsor';
const SEED_DIVERT = 'divert manage prefer child kind maximum october hand manual connect fitness small symptom range sleep';
// BIP39 test mnemonic; the client derives secp256k1 keys with BIP32 at m/44'/742'/0'/0/0 by default.
const SEED_ECDSA = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const DEFAULT_PATH = "m/44'/742'/0'/0/0";
// secp256r1: the client cannot derive these from a seed; the Python vectors' ecdsa_r1 key is used.
const R1_PRIVATE_KEY = '8ppGbWAq2pftmZeaUFSNUG9rwaWHq4nH9mkAmT1SPDhq';
// a second secp256r1 key, made here: SHA-256 of a label (valid scalar, checked below)
const R1B_PRIVATE_KEY_BYTES = sha256(Buffer.from('ltonode js vector secp256r1 sponsor'));

const lto = { T: new LTO('T'), L: new LTO('L') };
const ACCOUNTS = {};
const ACCOUNT_ROWS = [];
const PY = fs.existsSync(PY_VECTORS) ? JSON.parse(fs.readFileSync(PY_VECTORS, 'utf8')) : null;
const PY_TXS = new Map((PY ? [...PY.transactions, ...PY.extra_transactions] : []).map((t) => [t.name, t]));

function addAccount(label, settings, chain = 'T') {
  const acc = lto[chain].account({ ...settings });
  const keyType = acc.keyType;
  const pk = unb58(acc.publicKey);
  assert(acc.networkId === chain, label + ' network');
  assert(indepAddress(pk, chain) === acc.address, label + ' address');
  const row = {
    label,
    seed: settings.seed ?? null,
    nonce: keyType === 'ed25519' ? (settings.nonce ?? 0) : null,
    chain_id: chain,
    key_type: keyType,
    public_key: acc.publicKey,
    address: acc.address,
  };
  const priv = unb58(acc.privateKey);
  if (keyType === 'ed25519') {
    const ind = indepEd25519(settings.seed, settings.nonce ?? 0);
    assert(eq(ind.pk, pk), label + ' ed25519 public key');
    assert(priv.length === 64 && eq(priv.slice(0, 32), ind.secret) && eq(priv.slice(32), pk), label + ' privkey');
    row.account_seed = b58(ind.accountSeed);
    row.private_key = b58(ind.secret);
    row.private_key_note =
      'base58 of the 32-byte Ed25519 secret seed (as in the Python vectors) = SHA-256(account_seed); account_seed = ' +
      'SHA-256(Blake2b-256(u32_be(nonce) || UTF-8(seed))).';
    row.private_key_64 = acc.privateKey;
    row.private_key_64_note =
      'account.privateKey of @ltonetwork/lto 0.16.15: base58 of the 64-byte tweetnacl secret key = 32-byte secret ' +
      'seed || 32-byte public key (createFromPrivateKey() takes this form).';
    ACCOUNTS[label] = { acc, row, secret: ind.secret, opensslPriv: ind.priv };
  } else {
    assert(priv.length === 32, label + ' ecdsa private key length');
    assert(eq(ecPublic(keyType, priv, true), pk), label + ' ecdsa public key (OpenSSL)');
    row.private_key = acc.privateKey;
    row.private_key_note = 'account.privateKey: base58 of the 32-byte big-endian secret scalar.';
    row.public_key_note = '33-byte SEC1 compressed point (the client hashes this form into the address).';
    if (settings.seed) {
      const p = settings.derivationPath ?? DEFAULT_PATH;
      row.derivation_path = p;
      assert(eq(indepBip32(settings.seed, p), priv), label + ' BIP32 derivation');
      row.derivation_note =
        'client: BIP39 seed (no passphrase) -> BIP32 at derivation_path (default ' + DEFAULT_PATH + '); ' +
        're-derived independently in generate.mjs. The client refuses a numeric nonce for ECDSA keys.';
    } else {
      row.derivation_note = 'created with createFromPrivateKey (the client cannot derive secp256r1 keys from a seed).';
    }
    ACCOUNTS[label] = { acc, row, secret: priv };
  }
  if (PY) {
    const py = PY.accounts.find((a) => a.address === acc.address && a.key_type === keyType);
    if (py) {
      assert(py.public_key === acc.publicKey, label + ' python public key');
      row.same_as_python_account = py.label;
    }
  }
  ACCOUNT_ROWS.push(row);
  return acc;
}

const alice = addAccount('alice', { seed: SEED_ALICE });
const bob = addAccount('bob', { seed: SEED_BOB });
const carol = addAccount('carol', { seed: SEED_CAROL });
const sponsor = addAccount('sponsor', { seed: SEED_SPONSOR });
const aliceN1 = addAccount('alice_nonce1', { seed: SEED_ALICE, nonce: 1 });
const divert = addAccount('divert', { seed: SEED_DIVERT });
const aliceL = addAccount('alice_L', { seed: SEED_ALICE }, 'L');
const bobL = addAccount('bob_L', { seed: SEED_BOB }, 'L');
const k1 = addAccount('ecdsa_k1', { seed: SEED_ECDSA, keyType: 'secp256k1' });
const k1b = addAccount('ecdsa_k1_index1', { seed: SEED_ECDSA, keyType: 'secp256k1', derivationPath: "m/44'/742'/0'/0/1" });
const r1 = addAccount('ecdsa_r1', { privateKey: R1_PRIVATE_KEY, keyType: 'secp256r1' });
assert(toBig(R1B_PRIVATE_KEY_BYTES) < CURVES.secp256r1.n, 'r1b scalar in range');
const r1b = addAccount('ecdsa_r1_b', { privateKey: b58(R1B_PRIVATE_KEY_BYTES), keyType: 'secp256r1' });
// an account whose parent is the sponsor: signWith() then sponsors automatically
const bobChild = lto.T.account({ seed: SEED_BOB, parent: sponsor });
ACCOUNTS.bob_with_parent = { ...ACCOUNTS.bob, acc: bobChild };

// externally published vectors (LTO docs protocol/accounts, lto-api.python tests)
assert(alice.publicKey === 'GjSacB6a5DFNEHjDSmn724QsrRStKYzkahPH67wyrhAY', 'alice pk');
assert(alice.address === '3MyuPwbiobZFnZzrtyY8pkaHoQHYmyQxxY1', 'alice T');
assert(aliceL.address === '3JmCa4jLVv7Yn2XkCnBUGsa7WNFVEMxAfWe', 'alice L');
assert(ACCOUNTS.alice.row.account_seed === '93dvzDQ8KBe4y7Nw89xsguWe8ZTVYGAA5kjvJ7miQS1v', 'alice account seed');
assert(alice.privateKey === '4zsR9xoFpxfnNwLcY4hdRUarwf5xWtLj6FpKGDFBgscPxecPj2qgRNx4kJsFCpe9YDxBRNoeBWTh2SDAdwTySomS', 'alice sk64');
assert(divert.publicKey === '88Ny176gibcsKogkrkeR1MRJSpt9diaMdqnrnjLcy5PA', 'divert pk');
assert(ACCOUNTS.divert.row.private_key === '8swwLhnY6CUYS9v4L8yANcpftsG52xqrmygHJ4saTdSp', 'divert sk');

// ---------------------------------------------------------------------------------------------
// address vectors
// ---------------------------------------------------------------------------------------------
const ADDRESS_VECTORS = [];
function addAddressVector(pkB58, chain, source, keyType = 'ed25519') {
  const factory = keyType === 'ed25519' ? new AccountFactoryED25519(chain) : new AccountFactoryECDSA(chain, keyType);
  const a = factory.createFromPublicKey(pkB58).address;
  assert(a === indepAddress(unb58(pkB58), chain), 'address vector ' + pkB58);
  ADDRESS_VECTORS.push({ public_key: pkB58, key_type: keyType, chain_id: chain, address: a, source });
  return a;
}
assert(addAddressVector(alice.publicKey, 'L', 'LTO docs protocol/accounts (published)') === '3JmCa4jLVv7Yn2XkCnBUGsa7WNFVEMxAfWe', 'pub L');
assert(addAddressVector(alice.publicKey, 'T', 'lto-api.python tests (published)') === '3MyuPwbiobZFnZzrtyY8pkaHoQHYmyQxxY1', 'pub T');
for (const l of ['bob', 'carol', 'sponsor', 'alice_nonce1', 'divert']) {
  addAddressVector(ACCOUNTS[l].row.public_key, 'T', "@ltonetwork/lto 0.16.15 AccountFactoryED25519('T').createFromPublicKey");
}
addAddressVector(bob.publicKey, 'L', "@ltonetwork/lto 0.16.15 AccountFactoryED25519('L').createFromPublicKey");
addAddressVector(bob.publicKey, 'X', "@ltonetwork/lto 0.16.15 AccountFactoryED25519('X') (custom chain id)");
for (const l of ['ecdsa_k1', 'ecdsa_k1_index1', 'ecdsa_r1', 'ecdsa_r1_b']) {
  const r = ACCOUNTS[l].row;
  addAddressVector(r.public_key, 'T', `@ltonetwork/lto 0.16.15 AccountFactoryECDSA('T', '${r.key_type}'); the 33-byte compressed key is hashed`, r.key_type);
}
// uncompressed input: the client compresses before hashing, so the address is the same
{
  const unc = ecPublic('secp256k1', unb58(k1.privateKey), false);
  const a = new AccountFactoryECDSA('T', 'secp256k1').createFromPublicKey(b58(unc)).address;
  assert(a === k1.address, 'uncompressed key gives the compressed key address');
  ADDRESS_VECTORS.push({
    public_key: b58(unc),
    key_type: 'secp256k1',
    chain_id: 'T',
    address: a,
    source: 'createFromPublicKey with the 65-byte uncompressed key: the client compresses it first (same address as the 33-byte key)',
  });
}

// ---------------------------------------------------------------------------------------------
// transactions
// ---------------------------------------------------------------------------------------------
let tsCounter = 0;
const nextTs = () => TS0 + tsCounter++;

// The exact request PublicNode.broadcast() makes, captured by overriding PublicNode.fetch
// (the client's documented hook for tests). The reply echoes the posted JSON, which the
// client then parses with txFromData() as it does with a real node's reply.
class CapturingNode extends PublicNode {
  constructor() {
    super('http://node.invalid/');
    this.requests = [];
  }
  async fetch(url, options) {
    this.requests.push({ url, options });
    return { ok: true, json: async () => JSON.parse(options.body) };
  }
}

function headerCheck(body, tx, pk) {
  const exp = concat([tx.type, tx.version], Buffer.from(tx.networkId), be64(tx.timestamp), [KEY_TYPE_ID[tx.senderKeyType]], pk, be64(tx.fee));
  assert(eq(body.slice(0, exp.length), exp), 'H3 header ' + tx.type);
}

function checkProof(keyType, pk, body, proofB58, label, what) {
  const sig = unb58(proofB58);
  assert(sig.length === 64, what + ' proof length');
  assert(opensslVerify(keyType, pk, body, sig), what + ' OpenSSL verify');
  assert(nobleVerify(keyType, pk, body, sig), what + ' noble/tweetnacl verify');
  const info = { proof: what, key_type: keyType, openssl_verified: true, noble_verified: true };
  const secret = ACCOUNTS[label].secret;
  if (keyType === 'ed25519') {
    const again = crypto.sign(null, Buffer.from(body), ACCOUNTS[label].opensslPriv);
    assert(eq(again, sig), what + ' OpenSSL Ed25519 re-sign equals the client proof');
    info.openssl_resign_equal = true;
  } else {
    const again = rfc6979Sign(keyType, secret, body);
    assert(eq(again, sig), what + ' RFC 6979 re-sign equals the client proof');
    info.rfc6979_resign_equal = true;
    const s = toBig(sig.slice(32));
    info.low_s = s <= CURVES[keyType].n >> 1n;
  }
  return info;
}

const jsClass = (tx) => tx.constructor.name;

// CLIENT BUG (0.16.15): Account.sign() wraps the message in a Binary, and Binary's constructor
// ignores the (buffer, offset, length) arguments that Uint8Array.prototype.subarray passes to
// the species constructor, so binary.subarray(a, b) returns the whole array. @noble/hashes'
// SHA-256 uses subarray for a partial block, so ECDSA signing (which hashes the message)
// throws "RangeError: offset is out of bounds" for every message longer than 64 bytes whose
// length is not a multiple of 64 - i.e. for nearly every transaction. Ed25519 (tweetnacl)
// is not affected. Where that happens, the proof is made the way signWith() would, by the
// account's own cypher (the same @noble/curves call), with the body as a plain Uint8Array.
const ECDSA_NOTE =
  'ECDSA signing: the client\'s signWith()/sponsorWith() throws "RangeError: offset is out of bounds" for this body ' +
  '(Binary.subarray bug, see unsupported_features); the proof was made with account.cypher.createSignature(body) on a ' +
  'plain Uint8Array - the same @noble/curves RFC 6979 signing the client does - and put into proofs as signWith() would.';

function isSubarrayBug(e) {
  return e instanceof RangeError && /offset is out of bounds/.test(e.message);
}

function signAs(tx, account) {
  try {
    tx.signWith(account);
    return 'native';
  } catch (e) {
    if (account.keyType === 'ed25519' || !isSubarrayBug(e)) throw e;
    if (!tx.timestamp) tx.timestamp = Date.now();
    tx.sender ??= account.address;
    tx.senderKeyType = account.keyType;
    tx.senderPublicKey = account.publicKey;
    const sig = b58(account.cypher.createSignature(tx.toBinary()));
    if (!tx.proofs.includes(sig)) tx.proofs.push(sig);
    return 'workaround';
  }
}

function sponsorAs(tx, account) {
  try {
    tx.sponsorWith(account);
    return 'native';
  } catch (e) {
    if (account.keyType === 'ed25519' || !isSubarrayBug(e)) throw e;
    if (tx.sponsor) tx.proofs.pop();
    const sig = account.cypher.createSignature(tx.toBinary());
    tx.sponsor = account.address;
    tx.sponsorPublicKey = account.publicKey;
    tx.sponsorKeyType = account.keyType;
    tx.proofs.push(b58(sig));
    return 'workaround';
  }
}

async function build(bucket, name, tx, signerLabel, version, opts = {}) {
  const { quirks = [], sponsorLabel = null, fee = null, viaParent = false, extra = {} } = opts;
  const signer = ACCOUNTS[signerLabel].acc;
  tx.version = version;
  tx.timestamp = nextTs();
  if (fee !== null) tx.fee = fee;
  const signing = { sender: signAs(tx, signer) };
  const body = tx.toBinary();
  assert(eq(signer.cypher.createSignature(body), unb58(tx.proofs[0])), name + ' signing twice gives the same proof (deterministic)');
  let sponsorAcc = null;
  if (viaParent) {
    sponsorAcc = signer.parent;
    assert(tx.proofs.length === 2 && tx.sponsor === sponsorAcc.address, name + ' auto sponsor via parent');
    signing.sponsor = 'native';
  } else if (sponsorLabel) {
    sponsorAcc = ACCOUNTS[sponsorLabel].acc;
    signing.sponsor = sponsorAs(tx, sponsorAcc);
  }
  assert(eq(tx.toBinary(), body), name + ' sponsoring leaves the body alone');

  const jsonText = JSON.stringify(tx);
  const js = JSON.parse(jsonText);

  const node = new CapturingNode();
  const reply = await node.broadcast(tx);
  assert(node.requests.length === 1, 'one request');
  const req = node.requests[0];
  assert(req.url === 'http://node.invalid/transactions/broadcast', 'broadcast url');
  assert(req.options.method === 'POST' && req.options.headers['content-type'] === 'application/json', 'post headers');
  const posted = req.options.body;
  assert(posted === jsonText, name + ' posted body = JSON.stringify(tx)');

  // independent checks
  const spk = unb58(tx.senderPublicKey);
  assert(tx.sender === indepAddress(spk, tx.networkId), name + ' sender address');
  const sigChecks = [checkProof(tx.senderKeyType, spk, body, tx.proofs[0], signerLabel, 'proofs[0] (sender)')];
  if (sponsorAcc) {
    assert(tx.proofs.length === 2, name + ' two proofs');
    const sl = viaParent ? 'sponsor' : sponsorLabel;
    sigChecks.push(checkProof(sponsorAcc.keyType, unb58(sponsorAcc.publicKey), body, tx.proofs[1], sl, 'proofs[1] (sponsor)'));
    assert(js.sponsor === sponsorAcc.address && js.sponsorPublicKey === sponsorAcc.publicKey && js.sponsorKeyType === sponsorAcc.keyType, 'sponsor json');
  } else {
    assert(tx.proofs.length === 1, name + ' one proof');
  }
  // the client's own verify (through the cypher: Account.verify wraps in Binary, same bug)
  assert(signer.cypher.verifySignature(body, unb58(tx.proofs[0])), name + ' client verify');
  if (version >= 3) headerCheck(body, tx, spk);
  assert(body[0] === tx.type, name + ' type byte');
  assert(!('chainId' in js) && !('id' in js), name + ' no chainId / id in JSON');

  // round trip through the client's parser, as on a broadcast reply
  let roundtripOk = false;
  let roundtripError;
  try {
    roundtripOk = eq(T.txFromData(js).toBinary(), body) && eq(reply.toBinary(), body);
  } catch (e) {
    roundtripError = `${e.constructor.name}: ${e.message}`;
  }

  const sRow = ACCOUNTS[signerLabel].row;
  const entry = {
    name,
    type: tx.type,
    version,
    chain_id: tx.networkId,
    js_class: jsClass(tx),
    signer_label: sRow.label,
    signer_seed: sRow.seed,
    signer_nonce: sRow.nonce,
    signer_key_type: signer.keyType,
    sender: tx.sender,
    sender_public_key: tx.senderPublicKey,
    timestamp: tx.timestamp,
    fee: tx.fee,
    body_hex: hex(body),
    body_len: body.length,
    id: b58(blake2b256(body)),
    json: js,
    broadcast_body: posted,
    proofs: [...tx.proofs],
    json_roundtrip_ok: roundtripOk,
    quirks: [...quirks],
  };
  if (sRow.derivation_path) entry.signer_derivation_path = sRow.derivation_path;
  if (!sRow.seed) entry.signer_private_key = sRow.private_key;
  if (sponsorAcc) {
    const pRow = ACCOUNTS[viaParent ? 'sponsor' : sponsorLabel].row;
    entry.sponsor_label = pRow.label;
    entry.sponsor_seed = pRow.seed;
    entry.sponsor_nonce = pRow.nonce;
    entry.sponsor_key_type = sponsorAcc.keyType;
    entry.sponsor_public_key = sponsorAcc.publicKey;
    entry.sponsor = sponsorAcc.address;
  }
  if (roundtripError) entry.json_roundtrip_error = roundtripError;
  const py = PY_TXS.get(name);
  if (py) {
    // same inputs as the Python vector of that name, except the timestamp (and ids derived from it)
    const mask = (h, ts) => h.split(hex(be64(ts))).join('<ts>');
    entry.same_body_as_python_vector = mask(py.body_hex, py.timestamp) === mask(entry.body_hex, entry.timestamp);
  }
  entry.signature_checks = sigChecks;
  if (signer.keyType !== 'ed25519' || (sponsorAcc && sponsorAcc.keyType !== 'ed25519')) {
    entry.ecdsa_signing = signing;
    if (Object.values(signing).includes('workaround')) entry.signature_note = ECDSA_NOTE;
  }
  Object.assign(entry, extra);
  BUCKETS[bucket].push(entry);
  return entry;
}

const BUCKETS = { transactions: [], extra_transactions: [], quirk_transactions: [] };
const TX = (...a) => build('transactions', ...a);
const XT = (...a) => build('extra_transactions', ...a);
const QT = (...a) => build('quirk_transactions', ...a);

const bytesOf = (s) => new Uint8Array(Buffer.from(s));
const range = (n) => Uint8Array.from({ length: n }, (_, i) => i);
const hashOf = (alg, s) => new Uint8Array(crypto.createHash(alg).update(s).digest());

// ---- transfer (4)
const Q_ATT = [
  "attachment: a string is UTF-8 encoded (new Binary(string)); JSON 'attachment' is base58 of the bytes, and is \"\" (present, empty) when there is no attachment.",
];
const Q_TR2 = ['v2 body has no chain id and no key-type byte: type, 2, PK32, ts, amount, fee, recipient, BYTES16 attachment.'];
await TX('transfer_v2', new T.Transfer(bob.address, 120000000, 'hello ltonode'), 'alice', 2, { quirks: [...Q_TR2, ...Q_ATT] });
await TX('transfer_v2_no_attachment', new T.Transfer(bob, 1), 'alice', 2, { quirks: [...Q_TR2, ...Q_ATT, 'recipient given as an Account object: the client takes .address.'] });
await TX('transfer_v3', new T.Transfer(bob.address, 120000000, 'hello ltonode'), 'alice', 3, { quirks: Q_ATT });
await TX('transfer_v3_no_attachment', new T.Transfer(carol.address, 50000000000), 'alice', 3, { quirks: Q_ATT });
await TX('transfer_v3_binary_attachment_140', new T.Transfer(bob.address, 7, range(140)), 'bob', 3, { quirks: [...Q_ATT, 'attachment is 140 arbitrary bytes (a Uint8Array; the node maximum).'] });
await TX('transfer_v3_utf8_attachment', new T.Transfer(bob.address, 8, 'h\u00e9llo \u2713'), 'bob', 3, {
  quirks: [...Q_ATT, "attachment 'h\\u00e9llo \\u2713' is UTF-8 (10 bytes); the Python client 1.5.1 would use latin-1 and fail on U+2713."],
});
await TX('transfer_v3_nonce1_signer', new T.Transfer(bob.address, 99), 'alice_nonce1', 3, { quirks: ['signer derived with nonce 1 (u32 big-endian prefix to the seed).'] });
await TX('transfer_v3_custom_fee', new T.Transfer(bob.address, 12345), 'bob', 3, { fee: 100000001, quirks: ['fee set by assigning tx.fee = 100000001 before signing; txFromData keeps it, so the round trip works.'] });
await TX('transfer_v3_sponsored', new T.Transfer(bob.address, 300000000, 'sponsored'), 'alice', 3, {
  sponsorLabel: 'sponsor',
  quirks: ['sponsorWith(): sponsor, sponsorKeyType, sponsorPublicKey added to JSON (after senderPublicKey); proofs[1] is the sponsor signature over the same body; body and id unchanged.'],
});
await TX('transfer_v3_sponsored_via_parent', new T.Transfer(carol.address, 1000), 'bob_with_parent', 3, {
  viaParent: true,
  quirks: ["signer created with lto.account({seed, parent: sponsor}); signWith() then calls sponsorWith(parent) by itself."],
});
await TX('transfer_v2_L', new T.Transfer(bobL.address, 100000000), 'alice_L', 2, { quirks: [...Q_TR2, 'chain L (no chain byte in the v2 body).'] });
await TX('transfer_v3_L', new T.Transfer(bobL.address, 100000000, 'mainnet'), 'alice_L', 3, { quirks: ['chain L.'] });

// ---- lease (8)
const Q_L2 = ['v2 body: type, 2, constant 0x00 (not the chain id), PK32, recipient, amount, fee, ts.'];
const leaseV2 = await TX('lease_v2', new T.Lease(bob.address, 500000000), 'alice', 2, { quirks: Q_L2 });
const leaseV3 = await TX('lease_v3', new T.Lease(bob.address, 500000000), 'alice', 3);
const leaseV3L = await TX('lease_v3_L', new T.Lease(bobL.address, 200000000), 'alice_L', 3, { quirks: ['chain L.'] });
await TX('lease_v2_L', new T.Lease(bobL.address, 200000000), 'alice_L', 2, { quirks: [...Q_L2, 'chain L: third byte still 0x00.'] });

// ---- cancel lease (9)
const Q_C2 = ['v2 body: type, 2, chain id, PK32, fee, ts, leaseId(32).', "JSON field order puts 'proofs' before 'leaseId'."];
await TX('cancel_lease_v2', new T.CancelLease(leaseV2.id), 'alice', 2, { quirks: [...Q_C2, 'leaseId = id of lease_v2.'] });
await TX('cancel_lease_v3', new T.CancelLease(leaseV3.id), 'alice', 3, { quirks: ["leaseId = id of lease_v3; JSON 'proofs' comes before 'leaseId'."] });
await TX('cancel_lease_v2_L', new T.CancelLease(leaseV3L.id), 'alice_L', 2, { quirks: [...Q_C2, 'chain L; leaseId = id of lease_v3_L.'] });
await TX('cancel_lease_v3_L', new T.CancelLease(leaseV3L.id), 'alice_L', 3, { quirks: ['chain L; leaseId = id of lease_v3_L.'] });

// ---- mass transfer (11)
const Q_MT = [
  'transfers JSON is exactly the array given to the constructor ({recipient, amount} objects, by reference); no transferCount/totalAmount.',
  'fee default = 100000000 + 10000000 * transfers.length.',
];
const Q_MT1 = ['v1 body: type, 1, PK32, count u16, (recipient, amount)*, ts, fee, BYTES16 attachment (no chain id).'];
await TX('mass_transfer_v1', new T.MassTransfer([{ recipient: bob.address, amount: 100000000 }, { recipient: carol.address, amount: 250000000 }], 'payroll'), 'alice', 1, { quirks: [...Q_MT, ...Q_MT1, ...Q_ATT] });
await TX('mass_transfer_v1_no_attachment', new T.MassTransfer([{ recipient: bob.address, amount: 1 }]), 'alice', 1, { quirks: [...Q_MT, ...Q_MT1, ...Q_ATT] });
await TX('mass_transfer_v3', new T.MassTransfer([{ recipient: bob.address, amount: 100000000 }, { recipient: carol.address, amount: 0 }, { recipient: sponsor.address, amount: 42 }], 'payroll v3'), 'alice', 3, { quirks: [...Q_MT, ...Q_ATT, 'includes a zero amount.'] });
await TX('mass_transfer_v3_no_attachment', new T.MassTransfer([{ recipient: bob.address, amount: 5 }]), 'alice', 3, { quirks: [...Q_MT, ...Q_ATT] });
await TX('mass_transfer_v3_L', new T.MassTransfer([{ recipient: bobL.address, amount: 7 }, { recipient: aliceL.address, amount: 8 }]), 'bob_L', 3, { quirks: [...Q_MT, 'chain L.'] });

// ---- set script (13)
const RIDE = Uint8Array.from([1, 6]);
const SCRIPT_TRUE = concat(RIDE, secureHash(RIDE).slice(0, 4));
const SCRIPT_TRUE_B64 = 'base64:' + Buffer.from(SCRIPT_TRUE).toString('base64');
const SCRIPT_ARB_B64 = 'base64:' + Buffer.from([1, 2, 3, 4, 5, 6, 7]).toString('base64');
const Q_SS = [
  "script is given and written in JSON as the string 'base64:<b64>'; the client drops the first 7 characters (whatever they are) and base64-decodes the rest.",
  "remove-script: JSON has no 'script' key (undefined is dropped by JSON.stringify).",
  'JSON field order: ..., senderPublicKey, script, timestamp, fee, [sponsor...], proofs (fee after timestamp).',
  'default fee 500000000.',
];
const Q_SS1 = ['v1 body: type, 1, chain id, PK32, (0x00 | 0x01 BYTES16 script), fee, ts.'];
const Q_TRUE = ['script = RIDE v1 `true` (01 06 + first 4 bytes of SHA-256(Blake2b-256(01 06))).'];
await TX('set_script_v1', new T.SetScript(SCRIPT_TRUE_B64), 'alice', 1, { quirks: [...Q_SS, ...Q_SS1, ...Q_TRUE] });
await TX('set_script_v1_arbitrary', new T.SetScript(SCRIPT_ARB_B64), 'alice', 1, { quirks: [...Q_SS, ...Q_SS1, 'script = 7 arbitrary bytes 01..07 (body layout only).'] });
await TX('set_script_v1_remove', new T.SetScript(undefined), 'alice', 1, { quirks: [...Q_SS, ...Q_SS1] });
await TX('set_script_v3', new T.SetScript(SCRIPT_TRUE_B64), 'alice', 3, { quirks: [...Q_SS, ...Q_TRUE] });
await TX('set_script_v3_remove', new T.SetScript(undefined), 'alice', 3, { quirks: [...Q_SS, 'v3 removal = BYTES16 of length 0.'] });
await TX('set_script_v3_L', new T.SetScript(SCRIPT_TRUE_B64), 'alice_L', 3, { quirks: [...Q_SS, ...Q_TRUE, 'chain L.'] });

// ---- anchor (15)
const H32 = hashOf('sha256', 'ltonode anchor 1');
const H32b = hashOf('sha256', 'ltonode anchor 2');
const H64 = hashOf('sha512', 'ltonode anchor 64');
const H16 = hashOf('md5', 'ltonode anchor 16');
const H20 = hashOf('sha1', 'ltonode anchor 20');
const H48 = hashOf('sha384', 'ltonode anchor 48');
const Q_AN = ["anchors JSON is an array of base58 strings; 'anchors': [] is present when empty.", 'fee default = 25000000 + 10000000 * anchors.length.'];
const Q_AN1 = ['v1 body: type, 1, PK32, count u16, BYTES16(anchor)*, ts, fee (no chain id).'];
await TX('anchor_v1_one', new T.Anchor(H32), 'alice', 1, { quirks: [...Q_AN, ...Q_AN1] });
await TX('anchor_v1_several', new T.Anchor(H16, H20, H32, H48, H64), 'alice', 1, { quirks: [...Q_AN, ...Q_AN1, 'anchors of 16/20/32/48/64 bytes.'] });
await TX('anchor_v1_zero', new T.Anchor(), 'alice', 1, { quirks: [...Q_AN, ...Q_AN1] });
await TX('anchor_v3_one', new T.Anchor(H32), 'alice', 3, { quirks: Q_AN });
await TX('anchor_v3_several', new T.Anchor(H32, H32b, H64), 'alice', 3, { quirks: Q_AN });
await TX('anchor_v3_zero', new T.Anchor(), 'alice', 3, { quirks: Q_AN });
await TX('anchor_v3_64', new T.Anchor(H64), 'alice', 3, { quirks: Q_AN });
await TX('anchor_v3_sponsored', new T.Anchor(H32b), 'bob', 3, { sponsorLabel: 'sponsor', quirks: [...Q_AN, "sponsored by 'sponsor'."] });
await TX('anchor_v3_L', new T.Anchor(H32), 'alice_L', 3, { quirks: [...Q_AN, 'chain L.'] });
await TX('anchor_v1_L', new T.Anchor(H32), 'alice_L', 1, { quirks: [...Q_AN, ...Q_AN1, 'chain L: same shape, no chain byte.'] });

// ---- issue association (16)
const SUBJ = hashOf('sha256', 'ltonode association subject');
const BIN = Uint8Array.from([0, 1, 2, 0xfe, 0xff]);
const everyEntry = () => [
  new DataEntry('int', 'integer', 1234567890123),
  new DataEntry('zero', 'integer', 0),
  new DataEntry('max_safe', 'integer', Number.MAX_SAFE_INTEGER),
  new DataEntry('yes', 'boolean', true),
  new DataEntry('no', 'boolean', false),
  new DataEntry('blob', 'binary', BIN),
  new DataEntry('empty_blob', 'binary', new Uint8Array()),
  new DataEntry('text', 'string', 'hello'),
  new DataEntry('utf8', 'string', 'h\u00e9llo \u2713'),
  new DataEntry('empty', 'string', ''),
];
const Q_DATA = [
  "data JSON entries are {key, type, value}; binary values are written 'base64:<standard base64>' (as the LTO node writes them); integers and booleans are JSON numbers/booleans.",
  'keys and string values are UTF-8 in the body (TextEncoder); binary: 02 || u16 len || bytes.',
  'integers are encoded by longToByteArray(): exact for 0..2^53-1 only (see quirk_transactions for negatives).',
];
const Q_AS = [
  'JSON fields: associationType, recipient, expires (omitted when undefined), subject (base58, omitted when absent), data (omitted when empty).',
  'default fee = 50000000 + ceil(len(data bytes)/256) * 10000000; default version 4.',
];
const Q_AS1 = ['v1 body: type, 1, chain id, PK32, recipient, assocType i32, (0x00 | 0x01 BYTES16 subject), ts, fee.'];
const Q_AS3 = ['v3 body: H3, recipient, assocType i32, expires i64 (0 = none), BYTES16 subject.'];
const Q_AS4 = ['v4 body: H3, assocType i64, recipient, expires i64 (0 = none), BYTES16 subject, count u16, entry*.'];
await TX('association_v1_subject', new T.Association(1, bob.address, SUBJ), 'alice', 1, { quirks: [...Q_AS, ...Q_AS1] });
await TX('association_v1_no_subject', new T.Association(1, bob.address), 'alice', 1, { quirks: [...Q_AS, ...Q_AS1] });
await TX('association_v3_plain', new T.Association(42, bob.address), 'alice', 3, { quirks: [...Q_AS, ...Q_AS3] });
await TX('association_v3_expiry_subject', new T.Association(42, bob.address, SUBJ, 1800000000000), 'alice', 3, { quirks: [...Q_AS, ...Q_AS3] });
await TX('association_v3_expiry_only', new T.Association(7, carol.address, undefined, 1800000000001), 'alice', 3, { quirks: [...Q_AS, ...Q_AS3] });
await TX('association_v3_L', new T.Association(42, bobL.address, SUBJ), 'alice_L', 3, { quirks: [...Q_AS, ...Q_AS3, 'chain L.'] });
await TX('association_v4_plain', new T.Association(42, bob.address), 'alice', 4, { quirks: [...Q_AS, ...Q_AS4] });
await TX('association_v4_expiry_subject', new T.Association(42, bob.address, SUBJ, 1800000000000), 'alice', 4, { quirks: [...Q_AS, ...Q_AS4] });
await TX('association_v4_expires_date', new T.Association(43, bob.address, undefined, new Date(1800000000002)), 'alice', 4, { quirks: [...Q_AS, ...Q_AS4, 'expires given as a Date: stored as getTime() (ms).'] });
await TX('association_v4_big_type', new T.Association(0x100000001, bob.address), 'alice', 4, { quirks: [...Q_AS, ...Q_AS4, 'associationType 4294967297 needs the i64 of v4.'] });
await TX('association_v4_data', new T.Association(100, bob.address, SUBJ, 1800000000000, everyEntry()), 'alice', 4, { quirks: [...Q_AS, ...Q_AS4, ...Q_DATA, 'data of every entry type.'] });
await TX('association_v4_data_dict', new T.Association(101, bob.address, undefined, undefined, { score: 12345, verified: true, name: 'Bob LTO', raw: BIN }), 'alice', 4, {
  quirks: [...Q_AS, ...Q_AS4, ...Q_DATA, 'data given as an object: types guessed (number->integer, boolean->boolean, string->string, Uint8Array->binary).'],
});
await TX('association_v4_sponsored', new T.Association(102, carol.address, SUBJ, 1800000000003, [new DataEntry('k', 'string', 'v')]), 'bob', 4, { sponsorLabel: 'sponsor', quirks: [...Q_AS, ...Q_AS4] });
await TX('association_v4_L', new T.Association(42, bobL.address, SUBJ, 1800000000000, [new DataEntry('n', 'integer', 1)]), 'alice_L', 4, { quirks: [...Q_AS, ...Q_AS4, 'chain L.'] });

// ---- revoke association (17)
const Q_RV = [
  'JSON: recipient, associationType, fee, timestamp, subject (omitted when absent); recipient comes before associationType and fee after them.',
  'default fee 50000000, default version 4.',
];
await TX('revoke_association_v1_subject', new T.RevokeAssociation(1, bob.address, SUBJ), 'alice', 1, { quirks: [...Q_RV, 'v1 body: type, 1, chain id, PK32, recipient, assocType i32, (0x00 | 0x01 BYTES16 subject), ts, fee.'] });
await TX('revoke_association_v1_no_subject', new T.RevokeAssociation(1, bob.address), 'alice', 1, { quirks: Q_RV });
await TX('revoke_association_v3_subject', new T.RevokeAssociation(42, bob.address, SUBJ), 'alice', 3, { quirks: [...Q_RV, 'v3 body: H3, recipient, assocType i32, BYTES16 subject.'] });
await TX('revoke_association_v3_no_subject', new T.RevokeAssociation(42, bob.address), 'alice', 3, { quirks: Q_RV });
await TX('revoke_association_v4_subject', new T.RevokeAssociation(42, bob.address, SUBJ), 'alice', 4, { quirks: [...Q_RV, 'v4 body: H3, assocType i64, recipient, BYTES16 subject.'] });
await TX('revoke_association_v4_no_subject', new T.RevokeAssociation(0x100000001, bob.address), 'alice', 4, { quirks: Q_RV });
await TX('revoke_association_v3_L', new T.RevokeAssociation(42, bobL.address), 'alice_L', 3, { quirks: [...Q_RV, 'chain L.'] });

// ---- mapped anchor (22)
const Q_MA = [
  'anchors JSON is an object {base58 key: base58 value}; the body has the pairs in constructor order: count u16, (BYTES16 key, BYTES16 value)*.',
  'constructor takes ...{key, value} pairs; fee default = 25000000 + 10000000 * pairs.',
];
await TX('mapped_anchor_v3_one', new T.MappedAnchor({ key: hashOf('sha256', 'key0'), value: hashOf('sha256', 'value0') }), 'alice', 3, { quirks: Q_MA });
{
  const pairs = [5, 1, 4, 0, 3, 2].map((i) => ({ key: hashOf('sha256', 'key' + i), value: hashOf('sha256', 'value' + i) }));
  pairs.push({ key: bytesOf('short-key'), value: hashOf('sha512', 'value-64') });
  const e = await TX('mapped_anchor_v3_seven', new T.MappedAnchor(...pairs), 'alice', 3, { quirks: [...Q_MA, '7 pairs in unsorted order (key5,key1,key4,key0,key3,key2,short-key); JSON key order = body order here.'] });
  assert(Object.keys(e.json.anchors).join() === pairs.map((p) => b58(p.key)).join(), 'mapped anchor JSON order');
}
await TX('mapped_anchor_v3_sponsored', new T.MappedAnchor({ key: bytesOf('k'), value: bytesOf('v') }), 'bob', 3, { sponsorLabel: 'sponsor', quirks: [...Q_MA, '1-byte key and value; sponsored.'] });
await TX('mapped_anchor_v3_L', new T.MappedAnchor({ key: H32, value: H32b }), 'alice_L', 3, { quirks: [...Q_MA, 'chain L.'] });

// ---- data (12)
const Q_D = ['Data: client builds only v3; body: H3, count u16, entry*. JSON data is always an array (possibly empty).', 'default fee = 50000000 + ceil(len(data bytes)/256) * 10000000.'];
await XT('data_v3_every_type', new T.Data(everyEntry()), 'alice', 3, { quirks: [...Q_D, ...Q_DATA] });
await XT('data_v3_dict', new T.Data({ int: 9, bool: true, str: 'hello', bin: Uint8Array.from([0, 255]) }), 'alice', 3, {
  quirks: [...Q_D, ...Q_DATA, 'Data(object) guesses types (number->integer, boolean->boolean, string->string, Uint8Array->binary) in the object\'s key order (JS puts integer-like keys first).'],
});
await XT('data_v3_big_fee', new T.Data([new DataEntry('blob', 'binary', range(300))]), 'alice', 3, { quirks: [...Q_D, 'one 300-byte binary value: entry is 307 bytes, so the default fee is 50000000 + 2 * 10000000.'] });
await XT('data_v3_empty', new T.Data([]), 'alice', 3, { quirks: [...Q_D, 'no entries: count 0, JSON data: [].'] });
await XT('data_v3_sponsored', new T.Data({ sponsored: true }), 'bob', 3, { sponsorLabel: 'sponsor', quirks: Q_D });
await XT('data_v3_L', new T.Data({ chain: 'L' }), 'alice_L', 3, { quirks: [...Q_D, 'chain L.'] });

// ---- sponsorship (18) / cancel sponsorship (19)
const Q_SP = ['JSON order: ..., recipient, timestamp, fee, proofs (timestamp before fee).', 'default fee 500000000, default version 3.'];
await XT('sponsorship_v1', new T.Sponsorship(bob.address), 'alice', 1, { quirks: [...Q_SP, 'v1 body: type, 1, chain id, PK32, recipient, ts, fee.'] });
await XT('sponsorship_v3', new T.Sponsorship(bob.address), 'alice', 3, { quirks: Q_SP });
await XT('sponsorship_v3_L', new T.Sponsorship(bobL.address), 'alice_L', 3, { quirks: [...Q_SP, 'chain L.'] });
await XT('cancel_sponsorship_v1', new T.CancelSponsorship(bob.address), 'alice', 1, { quirks: [...Q_SP, 'v1 body as sponsorship v1 with type 19.'] });
await XT('cancel_sponsorship_v3', new T.CancelSponsorship(bob.address), 'alice', 3, { quirks: Q_SP });

// ---- register (20)
const Q_RG = [
  'accounts JSON: [{keyType, publicKey}] with keyType names ed25519/secp256k1/secp256r1; body: H3, count u16, (key type byte, raw key)*; ECDSA keys are 33-byte compressed.',
  'default fee = 25000000 + 10000000 * accounts; at most 100 accounts; only v3.',
];
await XT('register_v3', new T.Register(bob, k1, r1), 'alice', 3, { quirks: Q_RG });
await XT('register_v3_one', new T.Register(carol), 'alice', 3, { quirks: Q_RG });
await XT('register_v3_plain_objects', new T.Register({ keyType: 'secp256r1', publicKey: r1b.publicKey }, { keyType: 'ed25519', publicKey: divert.publicKey }), 'alice', 3, {
  quirks: [...Q_RG, 'accounts given as plain {keyType, publicKey} objects instead of Account objects.'],
});
await XT('register_v3_empty', new T.Register(), 'alice', 3, { quirks: [...Q_RG, 'zero accounts: the client allows it (count 0).'] });

// ---- burn (21)
await XT('burn_v3', new T.Burn(250000000), 'alice', 3, { quirks: ['body: H3, amount i64. default fee 100000000; only v3.'] });
await XT('burn_v3_L', new T.Burn(1), 'alice_L', 3, { quirks: ['chain L.'] });

// ---- statement (23)
const Q_ST = [
  'body: H3, statementType i64, (0x01 recipient | 0x00), BYTES16 subject, count u16, entry*.',
  "JSON: statementType, recipient (omitted when absent), subject (omitted when absent), data (ALWAYS present, [] when empty).",
  "client bug: Statement.from() reads data.associationType instead of data.statementType, so re-parsing the JSON throws 'Numeric input is expected' (json_roundtrip_ok false).",
  'default fee = 50000000 + ceil(len(data bytes)/256) * 10000000; only v3.',
];
await XT('statement_v3_full', new T.Statement(5, bob.address, SUBJ, everyEntry()), 'alice', 3, { quirks: [...Q_ST, ...Q_DATA] });
await XT('statement_v3_minimal', new T.Statement(6), 'alice', 3, { quirks: [...Q_ST, 'no recipient, no subject, no data.'] });
await XT('statement_v3_recipient_only', new T.Statement(7, carol.address), 'alice', 3, { quirks: Q_ST });
await XT('statement_v3_subject_only', new T.Statement(8, undefined, SUBJ), 'alice', 3, { quirks: Q_ST });
await XT('statement_v3_data_only', new T.Statement(0x120, undefined, undefined, { reason: 'key compromised' }), 'alice', 3, { quirks: [...Q_ST, 'statementType 0x120 = the client constant STATEMENT_TYPE_DEACTIVATE_DID.'] });
await XT('statement_v3_L', new T.Statement(9, bobL.address), 'alice_L', 3, { quirks: [...Q_ST, 'chain L.'] });

// ---- ECDSA senders and sponsors
const Q_K1 = ['sender key type secp256k1: H3 key-type byte 0x02 and a 33-byte compressed key; JSON senderKeyType "secp256k1".', 'ECDSA proof: 64-byte r||s over SHA-256(body), RFC 6979 deterministic, low-S (noble secp256k1 normalizes s).'];
const Q_R1 = ['sender key type secp256r1: H3 key-type byte 0x03 and a 33-byte compressed key; JSON senderKeyType "secp256r1".', 'ECDSA proof: 64-byte r||s over SHA-256(body), RFC 6979 deterministic, s NOT normalized (noble p256 lowS: false): see signature_checks[].low_s.'];
await XT('transfer_v3_secp256k1', new T.Transfer(bob.address, 100000000, 'ecdsa k1'), 'ecdsa_k1', 3, { quirks: Q_K1 });
await XT('transfer_v3_secp256r1', new T.Transfer(bob.address, 100000000, 'ecdsa r1'), 'ecdsa_r1', 3, { quirks: Q_R1 });
await XT('anchor_v3_secp256k1', new T.Anchor(H32), 'ecdsa_k1', 3, { quirks: Q_K1 });
await XT('anchor_v3_secp256r1', new T.Anchor(H32), 'ecdsa_r1', 3, { quirks: Q_R1 });
await XT('lease_v3_secp256k1', new T.Lease(bob.address, 1000), 'ecdsa_k1_index1', 3, { quirks: [...Q_K1, "signer derived at m/44'/742'/0'/0/1."] });
await XT('mass_transfer_v3_secp256r1', new T.MassTransfer([{ recipient: bob.address, amount: 1 }, { recipient: carol.address, amount: 2 }]), 'ecdsa_r1', 3, { quirks: Q_R1 });
await XT('data_v3_secp256r1', new T.Data({ curve: 'p256', n: 1 }), 'ecdsa_r1', 3, { quirks: Q_R1 });
await XT('association_v4_secp256k1', new T.Association(1, bob.address, SUBJ, 1800000000000, [new DataEntry('k1', 'boolean', true)]), 'ecdsa_k1', 4, { quirks: Q_K1 });
await XT('revoke_association_v4_secp256r1', new T.RevokeAssociation(1, bob.address, SUBJ), 'ecdsa_r1', 4, { quirks: Q_R1 });
await XT('mapped_anchor_v3_secp256k1', new T.MappedAnchor({ key: H32, value: H32b }), 'ecdsa_k1', 3, { quirks: Q_K1 });
await XT('sponsorship_v3_secp256k1', new T.Sponsorship(bob.address), 'ecdsa_k1', 3, { quirks: Q_K1 });
await XT('register_v3_secp256r1', new T.Register(r1b), 'ecdsa_r1', 3, { quirks: [...Q_R1, ...Q_RG] });
await XT('burn_v3_secp256r1', new T.Burn(5), 'ecdsa_r1', 3, { quirks: Q_R1 });
await XT('statement_v3_secp256k1', new T.Statement(1, bob.address), 'ecdsa_k1', 3, { quirks: [...Q_K1, ...Q_ST] });
await XT('cancel_lease_v3_secp256r1', new T.CancelLease(leaseV3.id), 'ecdsa_r1', 3, { quirks: Q_R1 });
await XT('set_script_v3_secp256k1', new T.SetScript(undefined), 'ecdsa_k1', 3, { quirks: [...Q_K1, ...Q_SS] });
// bodies of exactly 128 bytes (H3 53 + count 2 + BYTES16 anchor of 71): the client's own signWith() works
await XT('anchor_v3_secp256k1_native_128', new T.Anchor(range(71)), 'ecdsa_k1', 3, {
  quirks: [...Q_K1, 'body is exactly 128 bytes (a multiple of 64), so the client\'s own signWith() works despite the Binary.subarray bug; ecdsa_signing.sender = native.'],
});
await XT('anchor_v3_secp256r1_native_128', new T.Anchor(range(71)), 'ecdsa_r1', 3, {
  quirks: [...Q_R1, 'body is exactly 128 bytes: native client signing (see anchor_v3_secp256k1_native_128).'],
});
await XT('transfer_v3_sponsor_secp256k1', new T.Transfer(bob.address, 100000000), 'alice', 3, { sponsorLabel: 'ecdsa_k1', quirks: ['ed25519 sender, secp256k1 sponsor: JSON sponsorKeyType "secp256k1".'] });
await XT('anchor_v3_secp256r1_sponsored_ed25519', new T.Anchor(H64), 'ecdsa_r1', 3, { sponsorLabel: 'sponsor', quirks: [...Q_R1, 'secp256r1 sender, ed25519 sponsor.'] });
await XT('transfer_v3_secp256k1_sponsored_secp256r1', new T.Transfer(carol.address, 77), 'ecdsa_k1', 3, { sponsorLabel: 'ecdsa_r1_b', quirks: [...Q_K1, 'secp256k1 sender, secp256r1 sponsor.'] });

// ---- quirks: the body the client signs is not what the LTO node builds from the same JSON
await QT('data_v3_negative_integer', new T.Data([new DataEntry('neg', 'integer', -1), new DataEntry('neg_big', 'integer', -1000)]), 'alice', 3, {
  quirks: [
    'CLIENT BUG: longToByteArray() uses `input & 255` with float division by 256, so a negative integer is encoded wrongly: -1 -> 00 00 00 00 00 00 00 ff (= 255), -1000 -> 00 00 00 00 00 00 fd 18 (= 64792).',
    'JSON says -1 / -1000; a node that rebuilds the body from the JSON (two\'s complement ff..ff / ff..fc18) gets other bytes, so the signature does not verify and the broadcast is refused.',
  ],
  extra: {
    node_encoding_matches: false,
    expected_node_behaviour: 'refuse: invalid signature (the node encodes -1 as ffffffffffffffff)',
  },
});
{
  const e = await QT('mapped_anchor_v3_numeric_key', new T.MappedAnchor({ key: H32, value: H32b }, { key: Uint8Array.from([1]), value: Uint8Array.from([2]) }), 'alice', 3, {
    quirks: [
      'CLIENT BUG: the JSON anchors object is a plain JS object; the key 0x01 is base58 "2", an integer-like property name, which JS enumerates FIRST. JSON key order is ("2", H32) while the body has (H32, 0x01).',
      'A node that rebuilds the body in JSON order (as LTO\'s does) gets other bytes: the signature does not verify. Any key whose base58 form is a canonical array index (digits only, no leading "0", < 2^32-1) triggers this.',
    ],
    extra: {
      node_encoding_matches: false,
      expected_node_behaviour: 'refuse: invalid signature (pairs rebuilt in JSON key order)',
    },
  });
  assert(Object.keys(e.json.anchors)[0] === '2', 'integer-like key enumerated first');
}
await QT('association_v3_with_data', new T.Association(5, bob.address, undefined, undefined, [new DataEntry('x', 'integer', 1)]), 'alice', 3, {
  quirks: [
    'v3 body ignores data entries, but the client still puts them in JSON (and in the default fee: 60000000 here).',
    'The body equals the node\'s v3 encoding of the JSON; whether a node accepts data on a v3 association is up to its validation.',
  ],
  extra: { node_encoding_matches: true, expected_node_behaviour: 'body identical to the v3 encoding; data must be ignored or refused' },
});
await QT('association_v1_with_expires', new T.Association(2, bob.address, SUBJ, 1800000000000), 'alice', 1, {
  quirks: ['v1 body has no expires; the client still writes "expires" in JSON.'],
  extra: { node_encoding_matches: true, expected_node_behaviour: 'body identical to the v1 encoding; expires must be ignored or refused' },
});
await QT('transfer_v2_secp256k1_sender', new T.Transfer(bob.address, 1), 'ecdsa_k1', 2, {
  quirks: [
    'The client lets an ECDSA account sign a legacy (v2) transaction: the 33-byte compressed key is written where the layout has a 32-byte Ed25519 key, and there is no key-type byte. The body cannot be parsed by the LTO layout.',
  ],
  extra: { node_encoding_matches: false, expected_node_behaviour: 'refuse: v2 has no key type; 33-byte key does not fit' },
});

// ---------------------------------------------------------------------------------------------
// supported / unsupported (type, version) pairs: probe every node-defined pair
// ---------------------------------------------------------------------------------------------
const NODE_VERSIONS = [
  [4, 'Transfer', [1, 2, 3], () => new T.Transfer(bob.address, 1)],
  [8, 'Lease', [1, 2, 3], () => new T.Lease(bob.address, 1)],
  [9, 'CancelLease', [1, 2, 3], () => new T.CancelLease(b58(H32))],
  [11, 'MassTransfer', [1, 3], () => new T.MassTransfer([{ recipient: bob.address, amount: 1 }])],
  [12, 'Data', [1, 3], () => new T.Data({ a: 1 })],
  [13, 'SetScript', [1, 3], () => new T.SetScript(undefined)],
  [15, 'Anchor', [1, 3], () => new T.Anchor(H32)],
  [16, 'Association', [1, 3, 4], () => new T.Association(1, bob.address)],
  [17, 'RevokeAssociation', [1, 3, 4], () => new T.RevokeAssociation(1, bob.address)],
  [18, 'Sponsorship', [1, 3], () => new T.Sponsorship(bob.address)],
  [19, 'CancelSponsorship', [1, 3], () => new T.CancelSponsorship(bob.address)],
  [20, 'Register', [3], () => new T.Register(bob)],
  [21, 'Burn', [3], () => new T.Burn(1)],
  [22, 'MappedAnchor', [3], () => new T.MappedAnchor({ key: bytesOf('a'), value: bytesOf('b') })],
  [23, 'Statement', [3], () => new T.Statement(1)],
];
const UNSUPPORTED = [
  { type: 1, version: 1, name: 'genesis', reason: 'no Genesis class in @ltonetwork/lto 0.16.15 (the client cannot build genesis transactions)' },
  {
    type: 24,
    version: 3,
    name: 'Certificate',
    reason: 'no Certificate class in @ltonetwork/lto 0.16.15 (transactions/index exports none; txFromData throws "Transaction type not recognized" for type 24)',
  },
];
const SUPPORTED = [];
for (const [type, clsName, versions, make] of NODE_VERSIONS) {
  for (const v of versions) {
    const tx = make();
    assert(tx.type === type && tx.constructor.name === clsName, 'probe class ' + clsName);
    tx.version = v;
    tx.timestamp = TS0;
    try {
      tx.signWith(alice);
      SUPPORTED.push(`${type}/v${v}`);
    } catch (e) {
      UNSUPPORTED.push({ type, version: v, name: clsName, reason: `${clsName}.toBinary() throws '${e.message}' for version ${v}` });
    }
  }
}
UNSUPPORTED.sort((a, b) => a.type - b.type || a.version - b.version);
const have = new Set(Object.values(BUCKETS).flat().map((e) => `${e.type}/v${e.version}`));
for (const s of SUPPORTED) assert(have.has(s), 'no vector for supported ' + s);

// features the client lacks (not (type, version) pairs)
const UNSUPPORTED_FEATURES = [];
function probeFeature(feature, fn) {
  try {
    fn();
    throw new Error('expected a failure: ' + feature);
  } catch (e) {
    if (e.message.startsWith('expected a failure')) throw e;
    UNSUPPORTED_FEATURES.push({ feature, error: e.message });
  }
}
probeFeature('Register an account with key type bls12-381', () => {
  const tx = new T.Register({ keyType: 'bls12-381', publicKey: b58(new Uint8Array(48).fill(7)) });
  tx.timestamp = TS0;
  tx.signWith(alice);
});
probeFeature('secp256r1 account from a seed phrase', () => lto.T.account({ keyType: 'secp256r1', seed: SEED_ECDSA }));
probeFeature('secp256k1 account from a seed with a numeric nonce', () => lto.T.account({ keyType: 'secp256k1', seed: SEED_ECDSA, nonce: 1 }));
probeFeature('ECDSA signWith() of a transaction body longer than 64 bytes whose length is not a multiple of 64 (Binary.subarray bug: every ECDSA vector with ecdsa_signing "workaround")', () =>
  new T.Transfer(bob.address, 1).signWith(k1),
);
probeFeature('Account.verify() of an ECDSA signature over a message longer than 64 bytes (same Binary.subarray bug)', () =>
  k1.verify(new Uint8Array(100), new Uint8Array(64)),
);
probeFeature('bls12-381 accounts', () => lto.T.account({ keyType: 'bls12-381' }));
probeFeature('Certificate transaction (type 24) from JSON', () => T.txFromData({ type: 24, version: 3 }));

// ---------------------------------------------------------------------------------------------
// client defaults (version, fee) per class
// ---------------------------------------------------------------------------------------------
const CLIENT_DEFAULTS = [];
const FEE_RULES = {
  4: '100000000',
  8: '100000000',
  9: '100000000',
  11: '100000000 + 10000000 * transfers',
  12: '50000000 + ceil(data bytes / 256) * 10000000',
  13: '500000000',
  15: '25000000 + 10000000 * anchors',
  16: '50000000 + ceil(data bytes / 256) * 10000000',
  17: '50000000',
  18: '500000000',
  19: '500000000',
  20: '25000000 + 10000000 * accounts',
  21: '100000000',
  22: '25000000 + 10000000 * pairs',
  23: '50000000 + ceil(data bytes / 256) * 10000000',
};
for (const [type, clsName, , make] of NODE_VERSIONS) {
  const tx = make();
  CLIENT_DEFAULTS.push({ type, class: clsName, default_version: tx.version, fee_rule: FEE_RULES[type], probe_fee: tx.fee });
}

// sanity
const all = Object.values(BUCKETS).flat();
assert(new Set(all.map((e) => e.name)).size === all.length, 'unique names');
assert(new Set(all.map((e) => e.id)).size === all.length, 'unique ids');
assert(new Set(all.map((e) => e.timestamp)).size === all.length, 'unique timestamps');

const ecdsaChecks = all.flatMap((e) => e.signature_checks).filter((c) => c.key_type !== 'ed25519');
const r1Checks = ecdsaChecks.filter((c) => c.key_type === 'secp256r1');

const out = {
  generator: `@ltonetwork/lto ${LTO_VERSION.replace(/^v/, '')} (npm)`,
  generated_by: 'ledger/tests/vectors/js/generate.mjs',
  dependencies: Object.fromEntries(
    ['@ltonetwork/lto', '@noble/curves', '@noble/hashes', '@scure/base', '@scure/bip32', '@scure/bip39', 'tweetnacl'].map((p) => [p, pkgVersion(p)]),
  ),
  notes: [
    'body_hex = tx.toBinary() after signing = the bytes that are signed and hashed.',
    'id = base58(Blake2b-256(body)), computed by generate.mjs (a freshly built client transaction has no id).',
    'json = JSON.parse(JSON.stringify(tx)) (the client\'s toJSON(), undefined fields dropped); broadcast_body is the exact string PublicNode.broadcast() POSTs to <node>/transactions/broadcast with content-type application/json (captured through PublicNode.fetch). It is compact JSON (no spaces), key order as in toJSON().',
    'Every proof was verified over body_hex with node:crypto (OpenSSL) and with tweetnacl/@noble/curves called directly. Ed25519 proofs were re-made with OpenSSL and are identical; ECDSA proofs were re-made with an RFC 6979 implementation in generate.mjs and are identical (signature_checks per vector).',
    'ECDSA (secp256k1, secp256r1): the client signs SHA-256(body) with @noble/curves, which uses RFC 6979 deterministic nonces by default (no extra entropy): the proofs are the client\'s own and reproducible. secp256k1 signatures are low-S; secp256r1 signatures are NOT normalized, ' +
      `${r1Checks.filter((c) => !c.low_s).length} of the ${r1Checks.length} secp256r1 proofs here have a high S. A verifier that insists on low-S refuses them.`,
    'json_roundtrip_ok: txFromData(json).toBinary() (and the parsed broadcast reply) equals body_hex.',
    'same_body_as_python_vector (where a Python vector of the same name exists): the body equals that vector\'s body once both timestamps are masked; false where the inputs differ on purpose (lease ids, data entries).',
    'Timestamps are 1700000000000 + n in generation order; the chain id comes from the sender address (LTO(\'T\') / LTO(\'L\') account factories).',
    "'transactions' holds types 4, 8, 9, 11, 13, 15, 16, 17, 22 with ed25519 keys (as in the Python vectors); 'extra_transactions' holds types 12, 18-21, 23 and ECDSA-signed transactions; 'quirk_transactions' holds what the client builds but an LTO node would not reconstruct from the JSON (node_encoding_matches false) or edge cases a node may refuse.",
    'Object key order matters in json.anchors of mapped anchors (type 22): parse with an order-preserving map (see quirk_transactions/mapped_anchor_v3_numeric_key for where JSON order and body order differ).',
    'Under plain Node.js the package cannot be imported (its ESM has extension-less relative imports and no "type": "module"); lto-resolve.mjs, registered with module.register(), fixes the resolution without changing the package.',
  ],
  common_json_quirks: [
    'JSON has no chainId and no id; the chain id is only in the body (taken from byte 1 of the sender address).',
    'JSON always has sender (address), senderKeyType (ed25519 | secp256k1 | secp256r1, lower case names) and senderPublicKey (base58; 33-byte compressed for ECDSA).',
    'Amounts, fees, timestamps, association/statement types, expires are JSON numbers (JS doubles: exact only below 2^53), never strings.',
    'Fields that are undefined are dropped by JSON.stringify; proofs is an array of base58 strings; sponsor fields appear after senderPublicKey when sponsored.',
    'Key order follows each class\'s toJSON(): most are type, version, sender, senderKeyType, senderPublicKey, [sponsor, sponsorKeyType, sponsorPublicKey], fee, timestamp, <fields>, proofs; SetScript, Sponsorship, CancelSponsorship, RevokeAssociation and CancelLease differ (see their quirks).',
    'Transfer / MassTransfer always have "attachment" (\"\" when empty); Anchor always has "anchors"; Statement always has "data"; Association omits "data" when empty.',
    'Binary data entry values are written "base64:<b64>", strings and keys are UTF-8.',
  ],
  client_defaults: CLIENT_DEFAULTS,
  accounts: ACCOUNT_ROWS,
  address_vectors: ADDRESS_VECTORS,
  transactions: BUCKETS.transactions,
  extra_transactions: BUCKETS.extra_transactions,
  quirk_transactions: BUCKETS.quirk_transactions,
  supported_by_client: SUPPORTED,
  unsupported: UNSUPPORTED,
  unsupported_features: UNSUPPORTED_FEATURES,
};

fs.writeFileSync(OUT, JSON.stringify(out, null, 2) + '\n');
console.error(
  `wrote ${OUT}: ${BUCKETS.transactions.length} transactions, ${BUCKETS.extra_transactions.length} extra, ` +
    `${BUCKETS.quirk_transactions.length} quirk, ${UNSUPPORTED.length} unsupported; ${ecdsaChecks.length} ECDSA proofs ` +
    `(${r1Checks.filter((c) => !c.low_s).length} high-S secp256r1)`,
);
