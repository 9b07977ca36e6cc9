//! Benchmark: transitions per second (written next).
fn main() {}
