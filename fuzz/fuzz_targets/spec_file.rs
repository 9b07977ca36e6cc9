//! Fuzz target `spec_file`: see `handshake_fuzz_checks::spec_file` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handshake_fuzz_checks::spec_file(data));
