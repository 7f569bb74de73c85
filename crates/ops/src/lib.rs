//! Operations: what the people who run a community should do next, and
//! their records: planned activities and their calendar ([`activities`]),
//! check-in challenges ([`checkins`]), orders and conversion ([`orders`]),
//! the measured outcome of an activity's occurrence ([`outcomes`]), points
//! ([`points`]), the community canvas and the scorecard evidence of the
//! operators' records ([`canvas`]).
//!
//! [`moves::next_moves`] turns a group's report (insight) and its history
//! (the snapshot) into a ranked to-do list. Each [`moves::Move`] says who
//! should act, on whom, why — as a catalogue [`tonghao_model::msg::Msg`] with
//! its figures — and carries its evidence: the figures, the members and the
//! store ids of the messages behind it, so any move can be traced back to
//! what people wrote. Where a person should be written to, the move drafts
//! the message for a person to send: tonghao never posts by itself.
//!
//! Design decisions:
//! - Pure: no I/O. The application layer loads the snapshot, builds the
//!   reports and words the messages; the store keeps decisions.
//! - A move's id depends only on what it is about (kind, group, member or
//!   message, as the store knows them), so the same move keeps its id across
//!   re-imports and report runs and a decision about it sticks.
#![deny(missing_docs)]

pub mod activities;
pub mod canvas;
pub mod checkins;
pub mod introduce;
pub mod management;
pub mod moves;
pub mod orders;
pub mod outcomes;
pub mod points;
pub mod resources;
