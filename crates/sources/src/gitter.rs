//! PLACEHOLDER: being written; replaced before landing.

use crate::{ReadOptions, Source, SourceError, TextFile};
use tonghao_model::EventSink;

/// PLACEHOLDER.
pub struct Gitter;

impl Source for Gitter {
    fn name(&self) -> &'static str {
        "gitter"
    }
    fn description(&self) -> &'static str {
        "PLACEHOLDER"
    }
    fn sniff(&self, _base_name: &str, _head: &str) -> bool {
        false
    }
    fn read(&self, file: &TextFile, _opts: &ReadOptions, _sink: &mut dyn EventSink) -> Result<(), SourceError> {
        Err(SourceError::Unrecognised { file: file.name.clone(), message: "not yet".into() })
    }
}
