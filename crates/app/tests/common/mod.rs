//! What the application crate's tests share.

use std::path::PathBuf;

/// `../shared/data` beside the project; fails loudly when missing.
pub fn data() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(dir.join("README.md").is_file(), "test data missing: expected the shared exports at {}", dir.display());
    dir
}
