//! libFuzzer entry of `ltonode_fuzz::tx_wire`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ltonode_fuzz::tx_wire(data));
