//! Fuzz target `spec_edit`: see `handshake_fuzz_checks::spec_edit` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handshake_fuzz_checks::spec_edit(data));
