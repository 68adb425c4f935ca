#![no_main]
//! `cargo fuzz run rest_json`: see fuzz/README.md.

libfuzzer_sys::fuzz_target!(|data: &[u8]| pxgate::fuzzing::rest_json(data));
