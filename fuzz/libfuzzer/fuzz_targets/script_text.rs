//! libFuzzer entry of `ltonode_fuzz::script_text`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ltonode_fuzz::script_text(data));
