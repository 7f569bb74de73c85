//! Helpers more than one format uses. A format file imports from here, never
//! from another format file.

pub(crate) mod cn;
pub(crate) mod content;
pub(crate) mod json;
pub(crate) mod records;
