//! Helpers more than one format uses. A format file imports from here, never
//! from another format file.

pub(crate) mod cn;
pub(crate) mod content;
pub(crate) mod json;
pub(crate) mod records;

/// The trimmed text, or `None` when there is none: exports write "" and
/// "  " where they mean no value.
pub(crate) fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}
