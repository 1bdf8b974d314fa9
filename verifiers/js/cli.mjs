#!/usr/bin/env node
// node cli.mjs RECEIPT.json TRUSTED_BLOCK_ID: prints one JSON line, the verdict; exits 0 when
// the receipt is valid, 1 when it is refused, 2 on a usage or I/O error.
import { readFileSync } from 'node:fs';
import { verify, ReceiptError, b58decode } from './ltoreceipt.mjs';

function main(args) {
  if (args.length !== 2) {
    console.error('usage: node cli.mjs RECEIPT.json TRUSTED_BLOCK_ID');
    return 2;
  }
  const [file, trusted] = args;
  if (b58decode(trusted)?.length !== 32) {
    console.error('TRUSTED_BLOCK_ID is not a base58 block id');
    return 2;
  }
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    console.error(`reading ${file}: ${e.message}`);
    return 2;
  }
  let verdict;
  try {
    verdict = { valid: true, ...verify(text, trusted) };
  } catch (e) {
    if (!(e instanceof ReceiptError)) throw e;
    verdict = { valid: false, part: e.part, reason: e.message };
  }
  console.log(JSON.stringify(verdict));
  return verdict.valid ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
