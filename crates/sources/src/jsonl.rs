//! tonghao's own canonical format: one [`Event`] as JSON per line
//! (`docs/events.md`). It is what `tonghao sim` writes and what the HTTP
//! ingestion endpoint accepts.

use crate::{Input, Position, ReadOptions, Source, SourceError, emit};
use tonghao_model::msg::Msg;
use tonghao_model::{Event, EventSink};

/// The canonical JSON Lines format.
pub struct Jsonl;

impl Source for Jsonl {
    fn name(&self) -> &'static str {
        "jsonl"
    }

    fn description(&self) -> &'static str {
        "tonghao canonical events, one JSON object per line (docs/events.md)"
    }

    fn sniff(&self, _base_name: &str, head: &str) -> bool {
        // The first line is a whole object with a `kind` and a `platform`.
        let Some(first) = head.lines().find(|l| !l.trim().is_empty()) else { return false };
        let first = first.trim();
        first.starts_with('{')
            && first.ends_with('}')
            && first.contains("\"kind\"")
            && first.contains("\"platform\"")
            && serde_json::from_str::<serde_json::Value>(first).is_ok()
    }

    fn read(&self, input: &mut Input<'_>, _opts: &ReadOptions, sink: &mut dyn EventSink) -> Result<(), SourceError> {
        let name = input.name().to_string();
        let mut lines = input.lines();
        while let Some((n, line)) = lines.next_line()? {
            let position = Position::Line(n);
            if line.trim().is_empty() {
                continue;
            }
            let event: Event = serde_json::from_str(line).map_err(|e| {
                SourceError::parse(
                    &name,
                    Position::LineColumn(n, e.column()),
                    Msg::new("source.not_canonical").text("detail", e.to_string()),
                )
            })?;
            event.validate().map_err(|e| SourceError::parse(&name, position, e.0))?;
            emit(sink, event, &name, position)?;
        }
        Ok(())
    }
}
