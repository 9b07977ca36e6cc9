//! Case conversion shared by the generators: the spec spells names once, targets derive the rest.
//!
//! The spec language only admits `snake_case` (`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`) and `PascalCase`
//! (`^[A-Z][A-Za-z0-9]*$`) names, so these conversions are total and lossless on valid input.

/// `insert_block` → `InsertBlock`; `v2_plan` → `V2Plan`. Used for Rust enum variants.
pub fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `insertBlock` style: `insert_block` → `insertBlock`.
pub fn camel_case(snake: &str) -> String {
    let pascal = pascal_case(snake);
    let mut chars = pascal.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// `EntityRef` → `entity_ref`; `AiJobV2` → `ai_job_v2`. A digit run stays with the word before it.
pub fn snake_case(pascal: &str) -> String {
    let mut out = String::with_capacity(pascal.len() + 4);
    for (index, ch) in pascal.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if index > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// `EntityRef` → `ENTITY_REF`: names of Rust `static`s and `const`s derived from a type name.
pub fn screaming_snake_case(pascal: &str) -> String {
    snake_case(pascal).to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip_spec_names() {
        assert_eq!(pascal_case("insert_block"), "InsertBlock");
        assert_eq!(pascal_case("v2_plan"), "V2Plan");
        assert_eq!(pascal_case("queued"), "Queued");
        assert_eq!(camel_case("entity_ref_id"), "entityRefId");
        assert_eq!(snake_case("EntityRef"), "entity_ref");
        assert_eq!(snake_case("AiJobV2"), "ai_job_v2");
        assert_eq!(snake_case("Job"), "job");
        assert_eq!(screaming_snake_case("SemVer"), "SEM_VER");
        assert_eq!(
            snake_case(&pascal_case("completed_with_issues")),
            "completed_with_issues"
        );
    }
}
