//! Small helpers shared by sources.

use crate::{Position, SourceError};
use tonghao_model::{Event, EventSink};

/// Pushes `event` into `sink`, turning a refusal into a [`SourceError`] that
/// names the file and position.
pub fn emit(sink: &mut dyn EventSink, event: Event, file: &str, position: Position) -> Result<(), SourceError> {
    sink.push(event).map_err(|source| SourceError::Sink { file: file.to_string(), position, source })
}

/// The 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}
