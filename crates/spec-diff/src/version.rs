//! The version policy: what bump of the spec's `version` a set of changes needs.
//!
//! - A breaking change (see [`RuleDef::breaking`](crate::catalogue::RuleDef::breaking)) to the
//!   wire or to storage needs a **major** bump; while the spec is `0.x`, a minor bump
//!   (SemVer's rule that anything may change in `0.x` is narrowed to: the minor is the major).
//! - A breaking change to the API or to behaviour needs at least a **minor** bump (a patch bump
//!   while the spec is `0.x`). Behaviour is not named by issue #12's policy; we hold it to the API's
//!   level, because a stricter rule or a removed transition breaks callers as surely as a renamed
//!   type does.
//! - Anything else needs no bump. A version that goes backwards is always an error.

use crate::catalogue::Category;
use crate::diff::Change;

/// A parsed `MAJOR.MINOR.PATCH` (pre-release and build suffixes are ignored for ordering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SemVer {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
}

impl SemVer {
    /// Parses `1.2.3` (a `-pre` or `+build` suffix is allowed and ignored).
    pub fn parse(text: &str) -> Option<SemVer> {
        let core = text.trim().split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let version = SemVer {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(version)
    }
}

impl std::fmt::Display for SemVer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The bump a change set needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// No bump needed.
    None,
    /// A compatible-level bump: minor (patch while 0.x).
    Compatible,
    /// A breaking-level bump: major (minor while 0.x).
    Breaking,
}

impl Bump {
    /// Lower-case name for the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Compatible => "compatible",
            Bump::Breaking => "breaking",
        }
    }

    /// What this bump is for a spec at `old`, in words: `major`, `minor` or `patch`.
    pub fn spelled_for(self, old: SemVer) -> &'static str {
        match (self, old.major) {
            (Bump::None, _) => "none",
            (Bump::Breaking, 0) => "minor",
            (Bump::Breaking, _) => "major",
            (Bump::Compatible, 0) => "patch",
            (Bump::Compatible, _) => "minor",
        }
    }

    /// The smallest version from `old` that satisfies this bump.
    pub fn next(self, old: SemVer) -> SemVer {
        let minor = SemVer {
            major: old.major,
            minor: old.minor + 1,
            patch: 0,
        };
        let patch = SemVer {
            patch: old.patch + 1,
            ..old
        };
        let major = SemVer {
            major: old.major + 1,
            minor: 0,
            patch: 0,
        };
        match (self, old.major) {
            (Bump::None, _) => old,
            (Bump::Breaking, 0) => minor,
            (Bump::Breaking, _) => major,
            (Bump::Compatible, 0) => patch,
            (Bump::Compatible, _) => minor,
        }
    }
}

/// The bump the changes need.
pub fn required_bump(changes: &[Change]) -> Bump {
    changes
        .iter()
        .filter(|c| c.rule.breaking())
        .map(|c| {
            if c.rule
                .categories
                .iter()
                .any(|k| matches!(k, Category::Wire | Category::Storage))
            {
                Bump::Breaking
            } else {
                Bump::Compatible
            }
        })
        .max()
        .unwrap_or(Bump::None)
}

/// What bump `old → new` is, in the policy's terms (`None` also for a patch bump from 1.0 on).
pub fn actual_bump(old: SemVer, new: SemVer) -> Option<Bump> {
    if new < old {
        return None;
    }
    let breaking = if old.major == 0 {
        new.major > 0 || new.minor > old.minor
    } else {
        new.major > old.major
    };
    // not breaking, so the major is unchanged; from 1.0 on, a patch bump satisfies nothing
    let compatible = if old.major == 0 {
        new > old
    } else {
        new.minor > old.minor
    };
    Some(if breaking {
        Bump::Breaking
    } else if compatible {
        Bump::Compatible
    } else {
        Bump::None
    })
}

/// The verdict of the version policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionCheck {
    /// The version at the revision compared against.
    pub old: String,
    /// The working tree's version.
    pub new: String,
    /// What the changes need.
    pub required: Bump,
    /// What `old → new` is; `None` when a version is not SemVer or went backwards.
    pub actual: Option<Bump>,
    /// Whether the policy holds.
    pub ok: bool,
    /// One lower-case sentence saying why.
    pub message: String,
}

/// Checks the policy for `changes` between versions `old` and `new`.
pub fn check(old: &str, new: &str, changes: &[Change]) -> VersionCheck {
    let required = required_bump(changes);
    let (Some(o), Some(n)) = (SemVer::parse(old), SemVer::parse(new)) else {
        return VersionCheck {
            old: old.to_string(),
            new: new.to_string(),
            required,
            actual: None,
            ok: false,
            message: format!("version `{new}` (was `{old}`) is not MAJOR.MINOR.PATCH"),
        };
    };
    let actual = actual_bump(o, n);
    let ok = actual.is_some_and(|a| a >= required);
    let message = match actual {
        None => format!("version {n} is lower than {o}"),
        Some(_) if ok && required == Bump::None => {
            format!("no breaking change; version {n} (was {o})")
        }
        Some(_) if ok => format!(
            "breaking changes need a {} bump; {o} -> {n} has it",
            required.spelled_for(o)
        ),
        Some(_) => format!(
            "breaking changes need a {} bump: set `version: {}` (or higher) in spec/handshake.yaml (it is {n}, was {o})",
            required.spelled_for(o),
            required.next(o)
        ),
    };
    VersionCheck {
        old: old.to_string(),
        new: new.to_string(),
        required,
        actual,
        ok,
        message,
    }
}
