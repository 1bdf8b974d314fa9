// Tests of ltoreceipt.mjs: node --test verifiers/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lr from './ltoreceipt.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CASES = JSON.parse(readFileSync(join(HERE, '..', 'fixtures', 'receipts.json'), 'utf8'));
const inner = (receipt) => receipt.receipt ?? receipt;
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (text) => Uint8Array.from(text.match(/../g) || [], (x) => parseInt(x, 16));
const utf8 = (text) => new TextEncoder().encode(text);
const clone = (v) => JSON.parse(JSON.stringify(v));

// --- Mutations -------------------------------------------------------------------------------

const CODECS = {
  hex: [fromHex, hex],
  b58: [lr.b58decode, lr.b58encode],
  b64: [lr.b64decode, lr.b64encode],
};

/** The part refused when a bit of byte `offset` of the committing header flips. */
function headerPart(offset, anchoredTo) {
  if (offset < 5) return 'header';
  if (offset >= 165 && offset < 197) return 'sha256 path';
  if (offset >= 197 && offset < 229) return 'blake2b path';
  return anchoredTo ? 'history path' : 'trusted block';
}

const getAt = (obj, where) => where.reduce((o, k) => o[k], obj);
function setAt(obj, where, value) {
  const out = clone(obj);
  getAt(out, where.slice(0, -1))[where[where.length - 1]] = value;
  return out;
}

/** Every mutation of a case: [label, receipt, trusted id, expected part]. */
function* mutations(c) {
  const r = inner(c.receipt);
  const trusted = c.trustedBlockId;
  const later = 'anchoredTo' in r;
  const fields = [[['anchor'], 'hex', () => 'sha256 path'], [['txId'], 'b58', () => 'sha256 path'],
    [['header'], 'b64', (i) => headerPart(i, later)]];
  r.sha256.forEach((_, k) => fields.push([['sha256', k], 'b64', () => 'sha256 path']));
  r.blake2b.forEach((_, k) => fields.push([['blake2b', k], 'b64', () => 'blake2b path']));
  if (later) {
    fields.push([['anchoredTo', 'header'], 'b64', () => 'anchoredTo header']);
    fields.push([['anchoredTo', 'blockId'], 'b58', () => 'anchoredTo header']);
    r.anchoredTo.path.forEach((_, k) => fields.push([['anchoredTo', 'path', k], 'b64', () => 'history path']));
  }
  for (const [where, codec, part] of fields) {
    const [decode, encode] = CODECS[codec];
    const raw = decode(getAt(r, where));
    for (let i = 0; i < raw.length; i++) {
      const changed = Uint8Array.from(raw);
      changed[i] ^= 1 << (i % 8);
      yield [`${where} byte ${i}`, setAt(r, where, encode(changed)), trusted, part(i)];
    }
  }
  for (const [name, part] of [['height', 'header'], ['position', 'sha256 path'], ['anchorCount', 'sha256 path']]) {
    for (const delta of [-1, 1]) {
      if (r[name] + delta >= 0) yield [`${name} ${delta}`, setAt(r, [name], r[name] + delta), trusted, part];
    }
  }
  const paths = [[['sha256'], 'sha256 path'], [['blake2b'], 'blake2b path']];
  if (later) paths.push([['anchoredTo', 'path'], 'history path']);
  for (const [where, part] of paths) {
    const path = getAt(r, where);
    if (path.length) yield [`${where} truncated`, setAt(r, where, path.slice(0, -1)), trusted, part];
    yield [`${where} extended`, setAt(r, where, [...path, path[0] ?? lr.b64encode(new Uint8Array(32))]), trusted, part];
  }
  const other = lr.b58decode(trusted);
  other[7] ^= 0x10;
  yield ['another trusted id', r, lr.b58encode(other), 'trusted block'];
}

function refused(receipt, trusted = CASES[0].trustedBlockId, part = 'format') {
  try {
    lr.verify(receipt, trusted);
  } catch (e) {
    assert.ok(e instanceof lr.ReceiptError, `not a ReceiptError: ${e}`);
    assert.ok(lr.PARTS.includes(e.part), e.part);
    if (part) assert.equal(e.part, part, e.message);
    return;
  }
  assert.fail(`accepted: ${JSON.stringify(receipt).slice(0, 200)}`);
}

// --- Fixtures --------------------------------------------------------------------------------

test('all fixtures are valid', () => {
  assert.ok(CASES.length >= 4);
  for (const c of CASES) {
    const r = inner(c.receipt);
    const ok = lr.verify(c.receipt, c.trustedBlockId);
    assert.deepEqual(ok, {
      anchor: r.anchor, txId: r.txId, height: r.height, position: r.position,
      anchorCount: r.anchorCount, blockId: c.trustedBlockId,
    });
    assert.deepEqual(lr.verify(JSON.stringify(c.receipt), c.trustedBlockId), ok);
  }
});

test('every mutation is refused with its part', () => {
  let count = 0;
  for (const c of CASES) {
    for (const [label, receipt, trusted, part] of mutations(c)) {
      count++;
      assert.throws(() => lr.verify(receipt, trusted),
        (e) => e instanceof lr.ReceiptError && e.part === part,
        `${c.name}: ${label}: expected ${part}`);
    }
  }
  assert.ok(count > 1000, `${count}`);
});

// --- Garbage ---------------------------------------------------------------------------------

test('not a receipt', () => {
  for (const text of ['', 'null', '1', '[]', '"receipt"', '{}', '{', '[1, 2]', 'NaN',
    '{"receipt": null}', '{"status": "unconfirmed"}', '['.repeat(100000), '1'.repeat(5000)]) {
    refused(text);
  }
  for (const value of [null, undefined, 1, 2.5, [], new Uint8Array(3), true, () => 1, Symbol('x')]) {
    refused(value);
  }
});

test('wrong types, missing and unknown fields', () => {
  const r = inner(CASES[0].receipt);
  const badValues = [null, true, -1, 1.5, 2 ** 64, '', 'x', [], {}, ['x'], [1], 'zz'];
  for (const name of Object.keys(r)) {
    for (const value of badValues) {
      if (JSON.stringify(value) !== JSON.stringify(r[name])) refused(setAt(r, [name], value), undefined, null);
    }
    const missing = clone(r);
    delete missing[name];
    // Without anchoredTo, the receipt leads to its committing block: not the trusted one.
    refused(missing, undefined, name === 'anchoredTo' ? 'trusted block' : 'format');
  }
  refused({ ...r, extra: 1 });
  refused({ ...r, version: 1 });
  refused({ ...r, anchor: `${r.anchor}0` });
  refused({ ...r, anchor: ` ${r.anchor.slice(1)}` });
  refused({ ...r, header: r.header.replace(/=+$/, '') });
  refused({ ...r, header: `\n${r.header}` });
  refused({ ...r, sha256: r.sha256.map((s) => `${s.slice(0, -2)}==`) });
  refused({ ...r, txId: `${r.txId}zzzz` });
  refused({ ...r, txId: `0${r.txId.slice(1)}` });
  refused({ ...r, header: lr.b64encode(new Uint8Array(388).fill(2)) }, undefined, 'header');
  refused({ ...r, header: lr.b64encode(Uint8Array.from([1, ...new Uint8Array(388)])) }, undefined, 'header');
  const withLater = CASES.map((c) => inner(c.receipt)).find((x) => 'anchoredTo' in x);
  for (const name of Object.keys(withLater.anchoredTo)) {
    const missing = clone(withLater);
    delete missing.anchoredTo[name];
    refused(missing);
  }
  refused(setAt(withLater, ['anchoredTo', 'extra'], 0));
  refused(setAt(withLater, ['anchoredTo'], []));
  refused(setAt(withLater, ['anchoredTo', 'header'], 'AA=='), undefined, 'anchoredTo header');
});

test('anchoredTo null is absent', () => {
  const c = CASES.find((x) => !('anchoredTo' in inner(x.receipt)));
  lr.verify({ ...inner(c.receipt), anchoredTo: null }, c.trustedBlockId);
});

test('bad trusted ids', () => {
  for (const trusted of ['', '0OIl', '1', '1'.repeat(33), 'x'.repeat(1000), null, 5, new Uint8Array(32)]) {
    refused(CASES[0].receipt, trusted, 'trusted block');
  }
});

test('random bytes and random edits', () => {
  let seed = 7;
  const rand = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  const pick = (list) => list[Math.floor(rand() * list.length)];
  for (let n = 0; n < 300; n++) {
    const bytes = Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
    refused(new TextDecoder().decode(Uint8Array.from(bytes)));
  }
  const values = [null, true, 0, -5, 2 ** 70, 3.5, '', 'AA==', 'zz', [], {}, ['AA=='], { a: 1 }];
  for (const c of CASES) {
    const r = inner(c.receipt);
    for (let n = 0; n < 300; n++) {
      const edited = clone(r);
      let node = edited;
      let key = pick(Object.keys(edited));
      while (typeof node[key] === 'object' && node[key] !== null && Object.keys(node[key]).length && rand() < 0.6) {
        node = node[key];
        key = pick(Object.keys(node));
      }
      node[key] = pick(values);
      if (JSON.stringify(edited) === JSON.stringify(r)) continue;
      try { lr.verify(edited, c.trustedBlockId); } catch (e) {
        assert.ok(e instanceof lr.ReceiptError && lr.PARTS.includes(e.part), String(e));
      }
    }
  }
});

// --- RFC 6962 / RFC 9162 inclusion proofs ------------------------------------------------

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657',
  '606162636465666768696a6b6c6d6e6f'].map(fromHex);
// Roots of the first n leaves, n = 1..8 (Certificate Transparency's test vectors).
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const PROOFS = [
  [0, 1, []],
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];

const split = (n) => 2 ** Math.floor(Math.log2(n - 1));
/** RFC 6962 section 2.1 MTH, recursively. */
function mth(leaves) {
  if (leaves.length === 1) return lr.leafHash(lr.sha256, leaves[0]);
  const k = split(leaves.length);
  return lr.nodeHash(lr.sha256, mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
/** RFC 6962 section 2.1.1 PATH(m, D[n]), leaf level first. */
function path(m, leaves) {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

test('RFC 6962 roots and known inclusion proofs', () => {
  for (let n = 1; n <= 8; n++) assert.equal(hex(mth(LEAVES.slice(0, n))), ROOTS[n - 1]);
  for (const [m, n, expected] of PROOFS) {
    assert.deepEqual(path(m, LEAVES.slice(0, n)).map(hex), expected);
    assert.equal(hex(lr.topFromPath(lr.sha256, LEAVES[m], m, n, expected.map(fromHex))), ROOTS[n - 1]);
  }
});

test('every inclusion proof of up to 8 leaves', () => {
  for (let n = 1; n <= 8; n++) {
    for (let m = 0; m < n; m++) {
      const siblings = path(m, LEAVES.slice(0, n));
      assert.equal(lr.pathLen(m, n), siblings.length);
      assert.equal(hex(lr.topFromPath(lr.sha256, LEAVES[m], m, n, siblings)), ROOTS[n - 1]);
      if (siblings.length) assert.throws(() => lr.topFromPath(lr.sha256, LEAVES[m], m, n, siblings.slice(0, -1)), RangeError);
      assert.throws(() => lr.topFromPath(lr.sha256, LEAVES[m], m, n, [...siblings, new Uint8Array(32)]), RangeError);
      for (let other = 0; other < n; other++) {
        if (other !== m && lr.pathLen(other, n) === siblings.length) {
          assert.notEqual(hex(lr.topFromPath(lr.sha256, LEAVES[m], other, n, siblings)), ROOTS[n - 1]);
        }
      }
    }
    assert.throws(() => lr.topFromPath(lr.sha256, new Uint8Array(0), n, n, []), RangeError);
  }
  const top = fromHex(ROOTS[7]);
  assert.deepEqual(lr.committedRoot(lr.sha256, 8, top), lr.sha256(Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 8, ...top])));
  assert.deepEqual(lr.committedRoot(lr.sha256, 0), lr.sha256(Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 0])));
});

// --- Hashes and encodings ----------------------------------------------------------------

test('SHA-256 vectors', () => {
  assert.equal(hex(lr.sha256(utf8(''))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex(lr.sha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(hex(lr.sha256(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  assert.equal(hex(lr.sha256(new Uint8Array(1000000).fill(0x61))),
    'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  for (let n = 0; n <= 300; n++) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 255);
    assert.equal(hex(lr.sha256(data)), createHash('sha256').update(data).digest('hex'), `length ${n}`);
  }
});

test('Blake2b-256 vectors', () => {
  assert.equal(hex(lr.blake2b256(utf8(''))), '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
  assert.equal(hex(lr.blake2b256(utf8('abc'))), 'bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319');
  // Python's hashlib.blake2b(bytes(i % 251 for i in range(n)), digest_size=32), around the
  // 128-byte block boundaries and at a header's length.
  const expected = {
    1: '03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314',
    111: 'e08b3d16f0a3b663f319da999db897488d1677048a38fa7b4f1f783e4f1974e6',
    112: 'd5587e0b33166a320dd69417adb01cb1129aff5506a2f655574cf2e264636bdb',
    127: 'f2fe67ff342e21b8f45e8f2e0bcd1d9243245d50ee6c78042e9c491388791c72',
    128: 'c3582f71ebb2be66fa5dd750f80baae97554f3b015663c8be377cfcb2488c1d1',
    129: 'f7f3c46ba2564ff4c4c162da1f5b605f9f1c4aa6a20652a9f9a337c1a2f5b9c9',
    255: 'd9ef0fc521b4266d16df662bec231bc2ec3989e7adeaf63169c295dc239dbbea',
    256: '582f782226018ec33076bd8d1c42413530ac7e1126260ffc0f306ba3befc3f24',
    257: '227e15ed64ee8e93eb7bc53828f76eed974f2c4ab1408c3d08f212b7f8d69904',
    389: 'd3699bb10005ffd67284241bc71bada99322cde3c0698c14fa278aa5db1af6f1',
    1000: 'b372d0608f720c8c3dd41e9c8eecb10143b41abe520b616607e754bf79c08331',
  };
  for (const [n, digest] of Object.entries(expected)) {
    const data = Uint8Array.from({ length: Number(n) }, (_, i) => i % 251);
    assert.equal(hex(lr.blake2b256(data)), digest, `length ${n}`);
  }
});

test('base58 and base64', () => {
  for (const raw of [[], [0], [0, 0, 1], Array.from({ length: 32 }, (_, i) => i), new Array(32).fill(255)]) {
    assert.deepEqual(lr.b58decode(lr.b58encode(Uint8Array.from(raw))), Uint8Array.from(raw));
  }
  assert.equal(lr.b58encode(utf8('hello world')), 'StV1DL6CwTryKyV');
  assert.equal(lr.b58decode('0OIl'), null);
  for (let n = 0; n <= 40; n++) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
    const text = lr.b64encode(data);
    assert.equal(text, Buffer.from(data).toString('base64'));
    assert.deepEqual(lr.b64decode(text), data);
  }
  for (const text of ['A', 'AA', 'AA=', 'AB==', 'AAA', '=AAA', 'A=AA', 'AA==AA==', 'AA\n=', ' AA=']) {
    assert.equal(lr.b64decode(text), null, text);
  }
});

// --- CLI -------------------------------------------------------------------------------------

test('CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltoreceipt-'));
  const cli = (...args) => spawnSync(process.execPath, [join(HERE, 'cli.mjs'), ...args], { encoding: 'utf8' });
  try {
    const file = join(dir, 'receipt.json');
    writeFileSync(file, JSON.stringify(CASES[0].receipt));
    let p = cli(file, CASES[0].trustedBlockId);
    assert.equal(p.status, 0, p.stderr);
    assert.equal(JSON.parse(p.stdout).blockId, CASES[0].trustedBlockId);
    p = cli(file, CASES[CASES.length - 1].trustedBlockId);
    assert.equal(p.status, 1);
    assert.deepEqual([JSON.parse(p.stdout).valid, JSON.parse(p.stdout).part], [false, 'trusted block']);
    assert.equal(cli(file).status, 2);
    assert.equal(cli(file, '0OIl').status, 2);
    assert.equal(cli(`${file}.missing`, CASES[0].trustedBlockId).status, 2);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
