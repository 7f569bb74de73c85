//! Words for people, as data: a catalogue key and its arguments.
//!
//! The insight engine (and every other library) says what it found as a
//! [`Msg`]; only the application layer words it, in the reader's language,
//! from its one catalogue (`crates/app/src/catalogue.toml`). So a figure is
//! computed once and every face (text, HTML, JSON, the web console) words it
//! the same way, and a new language is a catalogue entry, not a code change.

use serde::Serialize;

/// A sentence to be worded: which one, with which values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Msg {
    /// The catalogue key, e.g. `signal.unanswered`.
    pub key: &'static str,
    /// Named values the catalogue's templates refer to as `{name}`.
    pub args: Vec<(&'static str, Arg)>,
}

/// One value in a [`Msg`], typed so that each language formats it its own way.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Arg {
    /// A count.
    Int(i64),
    /// A share from 0 to 1, shown as a whole percentage.
    Share(f64),
    /// A quantity shown with this many decimals.
    Num(f64, u8),
    /// Text taken as it is (a name).
    Text(String),
    /// A message of its own, worded in the same language (why a cell of a
    /// file is wrong, inside the sentence that names the file and cell).
    Words(Box<Msg>),
}

/// Without its catalogue: the key and its values (for logs and tests; a
/// face words a message through the application layer).
impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key)?;
        for (i, (name, value)) in self.args.iter().enumerate() {
            f.write_str(if i == 0 { " (" } else { ", " })?;
            match value {
                Arg::Int(v) => write!(f, "{name}={v}")?,
                Arg::Share(v) | Arg::Num(v, _) => write!(f, "{name}={v}")?,
                Arg::Text(v) => write!(f, "{name}={v:?}")?,
                Arg::Words(m) => write!(f, "{name}=[{m}]")?,
            }
        }
        if !self.args.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl Msg {
    /// A message without arguments.
    pub fn new(key: &'static str) -> Msg {
        Msg { key, args: Vec::new() }
    }

    /// Adds a count.
    pub fn int(mut self, name: &'static str, value: impl TryInto<i64>) -> Msg {
        self.args.push((name, Arg::Int(value.try_into().unwrap_or(i64::MAX))));
        self
    }

    /// Adds a share (0–1), shown as a percentage.
    pub fn share(mut self, name: &'static str, value: f64) -> Msg {
        self.args.push((name, Arg::Share(value)));
        self
    }

    /// Adds a quantity with `decimals` decimals.
    pub fn num(mut self, name: &'static str, value: f64, decimals: u8) -> Msg {
        self.args.push((name, Arg::Num(value, decimals)));
        self
    }

    /// Adds text.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Msg {
        self.args.push((name, Arg::Text(value.into())));
        self
    }

    /// Adds a message of its own, worded in the same language.
    pub fn words(mut self, name: &'static str, value: Msg) -> Msg {
        self.args.push((name, Arg::Words(Box::new(value))));
        self
    }

    /// The argument called `name`.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }
}
