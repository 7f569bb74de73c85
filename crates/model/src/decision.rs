//! What the operators decided about a next move: the record that makes a
//! decision stick across re-imports, and against which later imports
//! measure whether the move worked.

use serde::{Deserialize, Serialize};

/// Done or dismissed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Someone did it.
    Done,
    /// Not worth doing.
    Dismissed,
}

impl Verdict {
    /// The code name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Done => "done",
            Verdict::Dismissed => "dismissed",
        }
    }
}

impl std::str::FromStr for Verdict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "done" => Ok(Verdict::Done),
            "dismissed" | "dismiss" => Ok(Verdict::Dismissed),
            other => Err(format!("{other:?} is neither done nor dismissed")),
        }
    }
}

/// One decision about one move.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The move's id (stable across runs: `welcome-…`).
    pub move_id: String,
    /// The move's kind (`welcome`, `re_engage`, …).
    pub kind: String,
    /// The store id of the group it is about.
    pub group: i64,
    /// The store id of the member it is about, if any.
    pub member: Option<i64>,
    /// What was decided.
    pub verdict: Verdict,
    /// When (UTC ms).
    pub at_ms: i64,
}
