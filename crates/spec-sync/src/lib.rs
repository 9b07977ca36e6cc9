//! spec-sync: reads §2.6.6 of the Handshake Master Spec from Markdown and keeps `spec/*.yaml`
//! aligned with it.
//!
//! The pipeline, one module each:
//! 1. [`source`]: bytes → text, double-encoded UTF-8 lines repaired and reported;
//! 2. [`markdown`]: pulldown-cmark (GFM tables) → headings, text units, tables, code blocks;
//! 3. [`extract`]: the clause tree of §2.6.6 (by clause numbers, across interleaved sections),
//!    field tables, states, code types ([`notation`]) and normative statements as [`extract::Item`]s
//!    with stable ids and text hashes; what cannot be read becomes an `unparsed` [`finding::Finding`].
#![deny(missing_docs)]

pub mod extract;
pub mod finding;
pub mod markdown;
pub mod notation;
pub mod source;
