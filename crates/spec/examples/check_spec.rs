//! Loads a spec and prints its diagnostics (development aid): `cargo run -p handshake-spec --example check_spec -- <repo root>`.
fn main() {
    let root = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    match handshake_spec::load(std::path::Path::new(&root)) {
        Ok(spec) => println!(
            "ok: {} types, {} errors, {} states",
            spec.types.len(),
            spec.errors.len(),
            spec.lifecycle.states.len()
        ),
        Err(handshake_spec::LoadError::Invalid(d)) => print!("{}", d.render()),
        Err(e) => println!("{e}"),
    }
}
