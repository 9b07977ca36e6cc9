//! The exit status of a run: 0 when everything is valid, 1 when a record is invalid or has no
//! canonical form, 2 for a usage error or a file that cannot be read.

use crate::validate::FileReport;

/// Exit status of a run that found nothing wrong.
pub const VALID: u8 = 0;
/// Exit status when a record is invalid or cannot be hashed.
pub const INVALID: u8 = 1;
/// Exit status of a usage error or an unreadable file.
pub const USAGE: u8 = 2;

/// The exit status of `handshake validate` over these reports: an unreadable file outweighs an
/// invalid record, which outweighs any number of valid ones. No report at all is valid (the
/// argument parser never lets that happen: `validate` needs a FILE).
pub fn of_reports(reports: &[FileReport]) -> u8 {
    if reports.iter().any(|report| report.error.is_some()) {
        USAGE
    } else if reports.iter().all(|report| report.valid) {
        VALID
    } else {
        INVALID
    }
}
