//! Fuzz target `master_spec`: see `handshake_fuzz_checks::master_spec` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handshake_fuzz_checks::master_spec(data));
