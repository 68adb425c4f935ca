#![no_main]
//! `cargo fuzz run sim_smpp_frame`: see fuzz/README.md.

libfuzzer_sys::fuzz_target!(|data: &[u8]| pxsim::fuzzing::smpp_frame(data));
