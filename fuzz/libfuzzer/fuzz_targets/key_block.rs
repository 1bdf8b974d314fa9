//! libFuzzer entry of `ltonode_fuzz::key_block`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ltonode_fuzz::key_block(data));
