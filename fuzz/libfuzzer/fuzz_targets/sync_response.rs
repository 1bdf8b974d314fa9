//! libFuzzer entry of `ltonode_fuzz::sync_response`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ltonode_fuzz::sync_response(data));
