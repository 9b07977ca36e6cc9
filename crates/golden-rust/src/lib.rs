//! Nothing to use: this crate exists for its test target, `tests/goldens/`, which compiles the Rust
//! output of every golden case (`tests/golden/<case>/expected/rust/`, declared by `build.rs`) with
//! warnings denied and tests what the generated code does.
