//! The diagnostics sink every pass reports into: it collects every problem (loading never stops at
//! the first) and, at the end, orders them by file load order, line and column.

use std::collections::BTreeMap;

use super::At;
use super::source::Source;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};

/// The problems reported so far, in report order.
#[derive(Debug, Default)]
pub(super) struct Sink {
    items: Vec<Diagnostic>,
}

impl Sink {
    /// Records one problem at `at` (a location and how many characters to underline).
    pub(super) fn report(
        &mut self,
        code: Code,
        at: At,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        self.items.push(Diagnostic {
            code,
            message: message.into(),
            location: at.0,
            label: label.into(),
            help,
            width: at.1.max(1),
        });
    }

    /// Adds what another sink collected, after what this one holds.
    pub(super) fn append(&mut self, other: Sink) {
        self.items.extend(other.items);
    }

    /// Whether nothing has been reported.
    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many problems were reported so far: a mark for [`Sink::reported_since`].
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether a problem with one of `codes` was reported after `mark` (a later check skips what
    /// would only repeat it).
    pub(super) fn reported_since(&self, mark: usize, codes: &[Code]) -> bool {
        self.items
            .get(mark..)
            .unwrap_or_default()
            .iter()
            .any(|d| codes.contains(&d.code))
    }

    /// Every problem, sorted by file load order, then line and column (a stable sort, so problems
    /// at one place keep their report order), with the texts they point into.
    pub(super) fn into_diagnostics(self, source: Source) -> Diagnostics {
        let mut items = self.items;
        let order: BTreeMap<&str, usize> = source
            .files
            .iter()
            .enumerate()
            .map(|(index, file)| (file.as_str(), index))
            .collect();
        items.sort_by_key(|d| {
            (
                order
                    .get(d.location.file.as_str())
                    .copied()
                    .unwrap_or(usize::MAX),
                d.location.line,
                d.location.column,
            )
        });
        Diagnostics::new(items, source.texts)
    }
}
