//! "Did you mean" hints: the closest known name by edit distance.

/// Levenshtein distance over characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b_chars: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b_chars.len()).collect();
    let mut current = vec![0; b_chars.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        if let Some(first) = current.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b_chars.iter().enumerate() {
            let substitution = previous.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let deletion = previous.get(j + 1).copied().unwrap_or(0) + 1;
            let insertion = current.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = current.get_mut(j + 1) {
                *slot = substitution.min(deletion).min(insertion);
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}

/// The candidate closest to `wanted`, if it is close enough to be a plausible typo
/// (same letters ignoring case, or at most a third of the letters different).
pub(crate) fn closest<'a, I>(wanted: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let wanted_lower = wanted.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == wanted {
            continue;
        }
        let distance = if candidate.to_lowercase() == wanted_lower {
            0
        } else {
            edit_distance(wanted, candidate)
        };
        if distance <= limit && best.is_none_or(|(best_distance, _)| distance < best_distance) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `did you mean `x`?` for the closest candidate, if any.
pub(crate) fn did_you_mean<'a, I>(wanted: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(wanted, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

/// [`did_you_mean`] for the closest of `candidates`, or else all of them after `intro` (e.g.
/// "columns of `Job`"), so a help text always shows what would be right.
pub(crate) fn did_you_mean_or_list(wanted: &str, candidates: &[&str], intro: &str) -> String {
    did_you_mean(wanted, candidates.iter().copied())
        .unwrap_or_else(|| format!("{intro}: {}", quoted(candidates)))
}

/// [`did_you_mean`] followed by `allowed` (what the value may be), or `allowed` alone.
pub(crate) fn did_you_mean_then<'a, I>(wanted: &str, candidates: I, allowed: &str) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    match did_you_mean(wanted, candidates) {
        Some(hint) => format!("{hint} {allowed}"),
        None => allowed.to_string(),
    }
}

/// `` `a`, `b`, `c` ``: names as messages and help texts list them.
pub(crate) fn quoted<T: std::fmt::Display>(names: impl IntoIterator<Item = T>) -> String {
    names
        .into_iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_hints() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest("JobIdd", ["JobId", "AiJob"]), Some("JobId"));
        assert_eq!(closest("String", ["string", "uuid"]), Some("string"));
        assert_eq!(closest("zzz", ["JobId"]), None);
        assert_eq!(quoted(["a", "b"]), "`a`, `b`");
        assert_eq!(
            did_you_mean_or_list("zzz", &["JobId", "AiJob"], "types"),
            "types: `JobId`, `AiJob`"
        );
        assert_eq!(
            did_you_mean_or_list("JobIdd", &["JobId"], "types"),
            "did you mean `JobId`?"
        );
    }
}
