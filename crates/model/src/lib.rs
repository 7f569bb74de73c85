//! The domain of tonghao and its one ingestion format, the canonical [`Event`].
//!
//! Every source turns its export format into a stream of [`Event`]s; the store
//! persists them; nothing downstream ever sees a platform's own layout. The
//! canonical event is also a public format: one JSON object per line
//! (`docs/events.md`), accepted by `tonghao import --format jsonl`.
//!
//! Design decisions:
//! - Members are named by their platform id where the platform has one; where a
//!   source only knows a display name (WeChat system lines say "A invited B"),
//!   the event carries `member_name` alone and the store resolves it to the
//!   member of that group who last used that name.
//! - Times carry their UTC offset as the export stated it (or as the source
//!   assumed it, e.g. +08:00 for WeChat and QQ); the store keeps UTC instants plus
//!   the group's offset.
//! - Natural keys make imports idempotent: the source's message id when it has
//!   one, otherwise a content hash (see [`fallback_key`]).
#![deny(missing_docs)]

pub mod decision;
mod event;
mod key;
pub mod msg;
pub mod records;
pub mod snapshot;

pub use event::*;
pub use key::{KeyCounter, content_key, fallback_key, key_body};
