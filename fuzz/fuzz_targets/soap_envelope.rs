#![no_main]
//! `cargo fuzz run soap_envelope`: see fuzz/README.md.

libfuzzer_sys::fuzz_target!(|data: &[u8]| pxgate::fuzzing::soap_envelope(data));
