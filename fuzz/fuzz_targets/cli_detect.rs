//! Fuzz target `cli_detect`: see `handshake_fuzz_checks::cli_detect` for what it feeds and checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handshake_fuzz_checks::cli_detect(data));
