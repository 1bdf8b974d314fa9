//! libFuzzer entry of `ltonode_fuzz::receipt_json`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ltonode_fuzz::receipt_json(data));
