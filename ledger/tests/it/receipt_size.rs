//! The size of a receipt for an old anchor (issue acceptance: under 4 KB a year later). The
//! receipts are real: a block of 35,000 anchors (LTO's whitepaper load per key block) committed
//! by a signed header, proven in a history tree of a year's (and ten years') key blocks, built
//! with the chain's own tree code (`ltonode_ledger::test_support`).

use ltonode_ledger::Height;
use ltonode_ledger::receipt::AnchorReceipt;
use ltonode_ledger::test_support::{
    ANCHORS_PER_KEY_BLOCK, AgedReceipt, KEY_BLOCKS_PER_YEAR, aged_receipt, year_old_receipt,
};
use std::time::Instant;

/// Checks the receipt against its trusted block, in struct form and after a JSON round trip;
/// returns the JSON size.
fn check(r: &AgedReceipt, height: u32) -> usize {
    let receipt = &r.receipt;
    let v = receipt.verify(&r.trusted).expect("the receipt verifies");
    assert_eq!(v.position, u64::from(ANCHORS_PER_KEY_BLOCK / 2));
    assert_eq!(v.anchor_count, u64::from(ANCHORS_PER_KEY_BLOCK));
    assert_eq!(v.height, Height(height));
    assert_eq!(v.block_id, r.trusted);
    assert_eq!(v.tx_id, receipt.tx_id);
    receipt
        .header
        .verify_signature()
        .expect("a genuine committing header");
    let later = receipt.anchored_to.as_ref().expect("anchored to K_t");
    later.header.verify_signature().expect("a genuine K_t");

    let text = receipt.to_json().to_string();
    let back = AnchorReceipt::from_json_text(text.as_bytes()).expect("the JSON reads back");
    assert_eq!(&back, receipt);
    assert_eq!(back.verify(&r.trusted).expect("verifies from JSON"), v);
    text.len()
}

/// RFC 6962's path length for leaf `index` of `n`: one sibling per split of PATH(m, D[n]).
fn rfc6962_path_len(mut index: u64, mut n: u64) -> usize {
    let mut len = 0;
    while n > 1 {
        let k = 1u64 << (63 - (n - 1).leading_zeros());
        if index < k {
            n = k;
        } else {
            index -= k;
            n -= k;
        }
        len += 1;
    }
    len
}

/// Bytes one more history sibling adds to the JSON: a quoted 44-character base64 hash and a
/// comma.
const JSON_BYTES_PER_SIBLING: usize = 44 + 2 + 1;

#[test]
fn a_year_old_receipt_is_under_4_kb() {
    let start = Instant::now();
    let r = year_old_receipt().expect("fixture");
    let built = start.elapsed();
    let receipt = &r.receipt;
    let later = receipt.anchored_to.as_ref().expect("anchored to K_t");
    assert_eq!(u64::from(later.header.height.0), KEY_BLOCKS_PER_YEAR + 1);

    // 35,000 = 2^15 + 2,232: anchor 17,500 is in the complete left subtree of 2^15 leaves (15
    // siblings) plus the right subtree's root.
    assert_eq!(rfc6962_path_len(17_500, 35_000), 16);
    assert_eq!(receipt.proofs.sha256.siblings.len(), 16);
    assert_eq!(receipt.proofs.blake2b.siblings.len(), 16);
    // 525,600 = 2^19 + 1,312: leaf 1,000 is in the left 2^19 (19 siblings) plus the right root.
    assert_eq!(rfc6962_path_len(1_000, KEY_BLOCKS_PER_YEAR), 20);
    assert_eq!(later.path.siblings.len(), 20);

    let size = check(&r, 1_000);
    eprintln!(
        "year-old receipt (35,000 anchors, history of {KEY_BLOCKS_PER_YEAR} key blocks): \
         {size} bytes of JSON, 16 + 16 anchor and 20 history siblings (built in {built:.2?})"
    );
    assert!(size < 4096, "{size} bytes");

    // Ten years, analytically (building them takes ~11 s in a debug build: see the ignored
    // test below, which checks this figure): 5,256,000 = 2^22 + 1,061,696, so 23 history
    // siblings, three more than a year's; nothing else grows (the headers are fixed-size).
    let ten_years = 10 * KEY_BLOCKS_PER_YEAR;
    assert_eq!(rfc6962_path_len(1_000, ten_years), 23);
    let size10 = ten_year_size(size);
    eprintln!(
        "ten-year-old receipt (history of {ten_years} key blocks): {size10} bytes, 23 history siblings"
    );
    assert!(size10 < 4096, "{size10} bytes");
}

/// The JSON size of the ten-year receipt, from the year-old one's.
fn ten_year_size(year_old: usize) -> usize {
    year_old + 3 * JSON_BYTES_PER_SIBLING
}

/// The ten-year receipt built for real (`cargo test -p ltonode-ledger --test it -- --ignored
/// receipt_size`): ~11 s in a debug build, so not run by default.
#[test]
#[ignore = "builds 5,256,000 history leaves (~11 s in debug)"]
fn a_ten_year_old_receipt_is_the_size_computed() {
    let ten_years = 10 * KEY_BLOCKS_PER_YEAR;
    let start = Instant::now();
    let r = aged_receipt(
        ANCHORS_PER_KEY_BLOCK,
        ANCHORS_PER_KEY_BLOCK / 2,
        1_000,
        ten_years,
    )
    .expect("fixture");
    let built = start.elapsed();
    let later = r.receipt.anchored_to.as_ref().expect("anchored to K_t");
    assert_eq!(u64::from(later.header.height.0), ten_years + 1);
    assert_eq!(later.path.siblings.len(), 23);
    let size10 = check(&r, 1_000);
    let year_old = check(&year_old_receipt().expect("fixture"), 1_000);
    assert_eq!(size10, ten_year_size(year_old));
    eprintln!(
        "ten-year-old receipt (history of {ten_years} key blocks): {size10} bytes of JSON, \
         23 history siblings (built in {built:.2?})"
    );
    assert!(size10 < 4096, "{size10} bytes");
}
