//! The insight engine of tonghao (同好): what a community's history says.
//!
//! Design decision: this crate is pure computation. It never opens a file, a
//! database or a socket; callers (the CLI, the store) load data and hand it in
//! as plain slices, and get plain values back. That keeps every figure
//! reproducible from its inputs, lets the same code run on an import, a
//! report or a test fixture, and keeps its dependencies to the domain types.
//!
//! Models that need fitting (reply inference) ship their fitted weights as
//! constants in the source, next to the code that fits them, so that running
//! them needs no data files and costs linear time.
//!
//! - [`replies`]: which earlier message each message answers (explicit
//!   replies, @mentions, and an inferred link where the platform has neither).
//! - [`forecast`]: the probability that a group is silent four weeks later,
//!   with the features that drive it.
//! - [`split`]: a big group cut into small ones (Leiden with a hard size cap)
//!   that keep members who talk to each other together.
#![deny(missing_docs)]

pub mod replies;

pub mod automated;
pub mod forecast;
pub mod graph;
pub mod lifecycle;
pub mod links;
pub mod metrics;
pub mod par;
pub mod report;
pub mod rng;
pub mod roles;
pub mod split;
