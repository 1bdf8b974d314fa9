// Verifier of LTO anchor receipts, version 2 (docs/receipts.md), with no dependencies: runs
// in Node 18+ and in browsers. SHA-256, Blake2b-256, base58 and base64 are implemented here.
//
//   verify(receipt, trustedBlockId) -> {anchor, txId, height, position, anchorCount, blockId}
//   or throws ReceiptError with .part (one of PARTS) and .reason
//
// `receipt` is the JSON receipt (text or parsed), or the reply of `GET /anchors/{hash}` that
// holds it under "receipt". The one trust assumption is `trustedBlockId`, the base58 id of a
// key block the caller trusts.

export const PARTS = ['format', 'header', 'sha256 path', 'blake2b path',
  'anchoredTo header', 'history path', 'trusted block'];

const RECEIPT_VERSION = 2;
const HEADER_VERSION = 2;
const HEADER_LEN = 389;
const SHA256_ROOT_AT = 165;
const BLAKE2B_ROOT_AT = 197;
const HISTORY_ROOT_AT = 261;
const U32_MAX = 2 ** 32 - 1;

/** A refused receipt: `part` names what failed, `reason` says why. */
export class ReceiptError extends Error {
  constructor(part, reason) {
    super(`${part}: ${reason}`);
    this.name = 'ReceiptError';
    this.part = part;
    this.reason = reason;
  }
}

// --- SHA-256 (FIPS 180-4) ------------------------------------------------------------------

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const rotr = (x, n) => (x >>> n) | (x << (32 - n));

/** SHA-256 of bytes. */
export function sha256(data) {
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(data.length / 2 ** 29));
  view.setUint32(padded.length - 4, (data.length * 8) >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(block + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    let [a, b, c, d, e, f, g, k] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  h.forEach((word, i) => outView.setUint32(4 * i, word));
  return out;
}

// --- Blake2b-256 (RFC 7693), 64-bit words as (low, high) pairs of 32-bit ones --------------

const B2B_IV = new Uint32Array([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a,
  0xade682d1, 0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]);

const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/** v[i] += (lo, hi), word i being v[i] (low) and v[i + 1] (high). */
function add64(v, i, lo, hi) {
  const sum = v[i] + lo;
  v[i + 1] = v[i + 1] + hi + (sum > 0xffffffff ? 1 : 0);
  v[i] = sum;
}

/** The mixing function G on words a, b, c, d (pair indices) with message words x, y. */
function mix(v, m, a, b, c, d, x, y) {
  add64(v, a, v[b], v[b + 1]); add64(v, a, m[x], m[x + 1]);
  let lo = v[d] ^ v[a], hi = v[d + 1] ^ v[a + 1];
  v[d] = hi; v[d + 1] = lo; // rotate right 32
  add64(v, c, v[d], v[d + 1]);
  lo = v[b] ^ v[c]; hi = v[b + 1] ^ v[c + 1];
  v[b] = (lo >>> 24) | (hi << 8); v[b + 1] = (hi >>> 24) | (lo << 8);
  add64(v, a, v[b], v[b + 1]); add64(v, a, m[y], m[y + 1]);
  lo = v[d] ^ v[a]; hi = v[d + 1] ^ v[a + 1];
  v[d] = (lo >>> 16) | (hi << 16); v[d + 1] = (hi >>> 16) | (lo << 16);
  add64(v, c, v[d], v[d + 1]);
  lo = v[b] ^ v[c]; hi = v[b + 1] ^ v[c + 1];
  v[b] = (hi >>> 31) | (lo << 1); v[b + 1] = (lo >>> 31) | (hi << 1); // rotate right 63
}

function compress(h, block, offset, bytesSoFar, last) {
  const v = new Uint32Array(32);
  const m = new Uint32Array(32);
  v.set(h);
  v.set(B2B_IV, 16);
  v[24] ^= bytesSoFar >>> 0;
  v[25] ^= Math.floor(bytesSoFar / 2 ** 32);
  if (last) { v[28] = ~v[28]; v[29] = ~v[29]; }
  for (let i = 0; i < 32; i++) {
    const p = offset + 4 * i;
    m[i] = block[p] | (block[p + 1] << 8) | (block[p + 2] << 16) | (block[p + 3] << 24);
  }
  for (let round = 0; round < 12; round++) {
    const s = SIGMA[round % 10];
    mix(v, m, 0, 8, 16, 24, 2 * s[0], 2 * s[1]);
    mix(v, m, 2, 10, 18, 26, 2 * s[2], 2 * s[3]);
    mix(v, m, 4, 12, 20, 28, 2 * s[4], 2 * s[5]);
    mix(v, m, 6, 14, 22, 30, 2 * s[6], 2 * s[7]);
    mix(v, m, 0, 10, 20, 30, 2 * s[8], 2 * s[9]);
    mix(v, m, 2, 12, 22, 24, 2 * s[10], 2 * s[11]);
    mix(v, m, 4, 14, 16, 26, 2 * s[12], 2 * s[13]);
    mix(v, m, 6, 8, 18, 28, 2 * s[14], 2 * s[15]);
  }
  for (let i = 0; i < 16; i++) h[i] ^= v[i] ^ v[i + 16];
}

/** Blake2b with a 32-byte digest and no key. */
export function blake2b256(data) {
  const h = new Uint32Array(B2B_IV);
  h[0] ^= 0x01010020; // digest length 32, no key, fanout and depth 1
  const blocks = Math.max(1, Math.ceil(data.length / 128));
  const padded = new Uint8Array(blocks * 128);
  padded.set(data);
  for (let i = 0; i < blocks; i++) {
    const last = i === blocks - 1;
    compress(h, padded, 128 * i, last ? data.length : 128 * (i + 1), last);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = h[i >> 2] >>> (8 * (i & 3));
  return out;
}

// --- RFC 6962 trees --------------------------------------------------------------------------

const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

/** RFC 6962 leaf hash H(0x00 || leaf). */
export const leafHash = (hash, leaf) => hash(concat([0], leaf));
/** RFC 6962 inner node hash H(0x01 || left || right). */
export const nodeHash = (hash, left, right) => hash(concat([1], left, right));

/** The root the chain commits: H(0x02 || size as u64 BE || top); no top when size is 0. */
export function committedRoot(hash, size, top) {
  const count = new Uint8Array(8);
  const view = new DataView(count.buffer);
  view.setUint32(0, Math.floor(size / 2 ** 32));
  view.setUint32(4, size >>> 0);
  return hash(concat([2], count, top || []));
}

/** The number of siblings of the path of leaf `index` in `size` leaves; null if out of range. */
export function pathLen(index, size) {
  if (!(index >= 0 && index < size)) return null;
  let len = 0;
  for (; size > 1; index = Math.floor(index / 2), size = Math.ceil(size / 2)) {
    if (index % 2 === 1 || index + 1 < size) len++;
  }
  return len;
}

/** The RFC 6962 tree hash the inclusion path of `leaf` (raw bytes) at `index` of `size`
 * leaves leads to (RFC 9162 section 2.1.3.2). Throws RangeError when the index is out of
 * range or the path does not have exactly the siblings (index, size) imply. */
export function topFromPath(hash, leaf, index, size, path) {
  const expected = pathLen(index, size);
  if (expected === null) {
    throw new RangeError(`leaf index ${index} is out of range for a tree of ${size} leaves`);
  }
  if (path.length !== expected) {
    throw new RangeError(`proof must have ${expected} sibling hashes, found ${path.length}`);
  }
  let node = leafHash(hash, leaf);
  let next = 0;
  for (; size > 1; index = Math.floor(index / 2), size = Math.ceil(size / 2)) {
    if (index % 2 === 1) node = nodeHash(hash, path[next++], node);
    else if (index + 1 < size) node = nodeHash(hash, node, path[next++]);
  }
  return node;
}

// --- Text encodings --------------------------------------------------------------------------

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base58 (Bitcoin alphabet) to bytes, or null on a character outside the alphabet. */
export function b58decode(text) {
  let number = 0n;
  for (const c of text) {
    const digit = B58.indexOf(c);
    if (digit < 0) return null;
    number = number * 58n + BigInt(digit);
  }
  const bytes = [];
  for (; number > 0n; number >>= 8n) bytes.push(Number(number & 0xffn));
  let zeros = 0;
  while (text[zeros] === '1') zeros++;
  return new Uint8Array([...new Array(zeros).fill(0), ...bytes.reverse()]);
}

export function b58encode(bytes) {
  let number = 0n;
  for (const b of bytes) number = (number << 8n) | BigInt(b);
  let out = '';
  for (; number > 0n; number /= 58n) out = B58[Number(number % 58n)] + out;
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) out = '1' + out;
  return out;
}

/** A 32-byte id from base58 text, or null. */
function b58Id(text) {
  if (typeof text !== 'string' || text.length > 64) return null;
  const raw = b58decode(text);
  return raw && raw.length === 32 ? raw : null;
}

export function b64encode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[n >> 18] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return out;
}

/** Standard base64 with padding, canonical only (as Rust's base64 STANDARD engine), or null. */
export function b64decode(text) {
  if (typeof text !== 'string' || text.length % 4 !== 0) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let at = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text[i + j];
      const digit = c === '=' && i + 4 === text.length && j >= 4 - pad ? 0 : B64.indexOf(c);
      if (digit < 0) return null;
      n = (n << 6) | digit;
    }
    for (const shift of [16, 8, 0]) if (at < out.length) out[at++] = (n >> shift) & 255;
  }
  return b64encode(out) === text ? out : null;
}

const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// --- Reading the JSON form -------------------------------------------------------------------

const FIELDS = ['version', 'anchor', 'txId', 'height', 'position', 'anchorCount',
  'sha256', 'blake2b', 'header', 'anchoredTo'];
const ANCHORED_TO_FIELDS = ['blockId', 'header', 'path'];
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
const bad = (reason) => new ReceiptError('format', reason);

function load(receipt) {
  if (typeof receipt === 'string') {
    try { receipt = JSON.parse(receipt); } catch (e) { throw bad(`not JSON: ${e.message}`); }
  }
  if (isObject(receipt) && has(receipt, 'receipt')) receipt = receipt.receipt;
  if (!isObject(receipt)) throw bad('the receipt is not a JSON object');
  return receipt;
}

function checkFields(obj, names, where) {
  const unknown = Object.keys(obj).filter((k) => !names.includes(k)).sort();
  if (unknown.length) throw bad(`unknown field ${JSON.stringify(unknown[0])}${where}`);
}

function int(obj, name, top) {
  const v = has(obj, name) ? obj[name] : undefined;
  // JavaScript numbers are exact up to 2^53 - 1: larger counts are refused, not rounded.
  if (!Number.isSafeInteger(v) || v < 0 || v > top) {
    throw bad(`${name} is missing or not an integer in 0..=${top}`);
  }
  return v;
}

function str(obj, name) {
  const v = has(obj, name) ? obj[name] : undefined;
  if (typeof v !== 'string') throw bad(`${name} is missing or not a string`);
  return v;
}

function strList(obj, name) {
  const v = has(obj, name) ? obj[name] : undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw bad(`${name} is missing or not a list of strings`);
  }
  return v;
}

function hashes(texts, name) {
  return texts.map((text) => {
    const raw = b64decode(text);
    if (!raw || raw.length !== 32) throw bad(`${name}: not a base64 32-byte hash`);
    return raw;
  });
}

/** Checks the layout of a key-block header (389 bytes, version 2); returns its height. */
function headerHeight(raw, part) {
  if (raw.length === 0) throw new ReceiptError(part, 'truncated: the header is empty');
  if (raw[0] !== HEADER_VERSION) throw new ReceiptError(part, `version ${raw[0]}, not ${HEADER_VERSION}`);
  if (raw.length !== HEADER_LEN) throw new ReceiptError(part, `${raw.length} bytes, not ${HEADER_LEN}`);
  return new DataView(raw.buffer, raw.byteOffset).getUint32(1);
}

/** The receipt's decoded parts, checked in the order Rust's AnchorReceipt::from_json does. */
function parse(r) {
  checkFields(r, FIELDS, '');
  const version = int(r, 'version', U32_MAX);
  const [anchorHex, txText] = [str(r, 'anchor'), str(r, 'txId')];
  const height = int(r, 'height', U32_MAX);
  const position = int(r, 'position', Number.MAX_SAFE_INTEGER);
  const count = int(r, 'anchorCount', Number.MAX_SAFE_INTEGER);
  const [shaTexts, blakeTexts] = [strList(r, 'sha256'), strList(r, 'blake2b')];
  const headerText = str(r, 'header');
  const later = (has(r, 'anchoredTo') ? r.anchoredTo : null) ?? null;
  let laterId, laterText, pathTexts;
  if (later !== null) {
    if (!isObject(later)) throw bad('anchoredTo is not an object');
    checkFields(later, ANCHORED_TO_FIELDS, ' in anchoredTo');
    [laterId, laterText, pathTexts] = [str(later, 'blockId'), str(later, 'header'), strList(later, 'path')];
  }
  if (version !== RECEIPT_VERSION) {
    throw bad(`version ${version} (this verifier reads version ${RECEIPT_VERSION})`);
  }
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(anchorHex)) throw bad('anchor is not hex');
  const txId = b58Id(txText);
  if (!txId) throw bad('txId is not a base58 id');
  const header = b64decode(headerText);
  if (!header) throw bad('header is not base64');
  headerHeight(header, 'header');
  const p = {
    anchor: Uint8Array.from(anchorHex.match(/../g) || [], (x) => parseInt(x, 16)),
    txId, height, position, count, header,
    sha256: hashes(shaTexts, 'sha256'), blake2b: hashes(blakeTexts, 'blake2b'), later: null,
  };
  if (later !== null) {
    const laterHeader = b64decode(laterText);
    if (!laterHeader) throw bad('anchoredTo.header is not base64');
    headerHeight(laterHeader, 'anchoredTo header');
    if (b58encode(blake2b256(laterHeader)) !== laterId) {
      throw new ReceiptError('anchoredTo header', 'blockId is not the id of the header');
    }
    p.later = { header: laterHeader, path: hashes(pathTexts, 'anchoredTo.path') };
  }
  return p;
}

// --- Verifying -------------------------------------------------------------------------------

function checkPath(part, hash, leaf, index, size, path, root) {
  let top;
  try { top = topFromPath(hash, leaf, index, size, path); } catch (e) {
    throw new ReceiptError(part, e.message);
  }
  const found = committedRoot(hash, size, top);
  if (!equal(found, root)) {
    throw new ReceiptError(part, `the path leads to root ${toHex(found)}, expected ${toHex(root)}`);
  }
}

/** Checks a receipt against the base58 id of a trusted key block (docs/receipts.md,
 * "Verifying"). Returns what it proves; throws ReceiptError and nothing else. */
export function verify(receipt, trustedBlockId) {
  const p = parse(load(receipt));
  const trusted = b58Id(trustedBlockId);
  if (!trusted) throw new ReceiptError('trusted block', 'the trusted block id is not a base58 32-byte id');
  const { height, header, position, count } = p;
  const committing = headerHeight(header, 'header');
  if (committing !== Math.min(height + 1, U32_MAX)) {
    throw new ReceiptError('header', `at height ${committing}, but block ${height} is committed by the key block at ${height + 1}`);
  }
  const leaf = concat(p.txId, p.anchor);
  checkPath('sha256 path', sha256, leaf, position, count, p.sha256,
    header.subarray(SHA256_ROOT_AT, SHA256_ROOT_AT + 32));
  checkPath('blake2b path', blake2b256, leaf, position, count, p.blake2b,
    header.subarray(BLAKE2B_ROOT_AT, BLAKE2B_ROOT_AT + 32));
  let blockId = blake2b256(header);
  if (p.later) {
    const t = headerHeight(p.later.header, 'anchoredTo header');
    if (t < Math.min(height + 2, U32_MAX)) {
      throw new ReceiptError('anchoredTo header', `height ${t} is not after the committing key block ${committing}`);
    }
    checkPath('history path', sha256, blockId, height, t - 1, p.later.path,
      p.later.header.subarray(HISTORY_ROOT_AT, HISTORY_ROOT_AT + 32));
    blockId = blake2b256(p.later.header);
  }
  if (!equal(blockId, trusted)) {
    throw new ReceiptError('trusted block', `the receipt is anchored to ${b58encode(blockId)}, not to the trusted ${b58encode(trusted)}`);
  }
  return {
    anchor: toHex(p.anchor), txId: b58encode(p.txId), height, position, anchorCount: count,
    blockId: b58encode(blockId),
  };
}
