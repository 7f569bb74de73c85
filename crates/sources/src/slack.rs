//! PLACEHOLDER: being written; replaced before landing.

use crate::{Bundle, BundleSource, ReadOptions, SourceError};
use tonghao_model::EventSink;

/// PLACEHOLDER.
pub struct Slack;

impl BundleSource for Slack {
    fn name(&self) -> &'static str {
        "slack"
    }
    fn description(&self) -> &'static str {
        "PLACEHOLDER"
    }
    fn sniff(&self, _bundle: &dyn Bundle) -> bool {
        false
    }
    fn read(&self, bundle: &dyn Bundle, _opts: &ReadOptions, _sink: &mut dyn EventSink) -> Result<(), SourceError> {
        Err(SourceError::Unrecognised { file: bundle.label().to_string(), message: "not yet".into() })
    }
}
