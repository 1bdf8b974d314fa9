//! libFuzzer entry of `ltonode_fuzz::summary`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ltonode_fuzz::summary(data));
