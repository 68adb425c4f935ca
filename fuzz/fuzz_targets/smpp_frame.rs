#![no_main]
//! `cargo fuzz run smpp_frame`: see fuzz/README.md.

libfuzzer_sys::fuzz_target!(|data: &[u8]| pxgate::fuzzing::smpp_frame(data));
