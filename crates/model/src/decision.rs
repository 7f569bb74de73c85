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
    /// What the move was about when it was decided: later imports judge its
    /// outcome against this, not against a proposal computed afresh.
    #[serde(default)]
    pub evidence: DecidedEvidence,
}

/// The part of a move's evidence its outcome is judged against, kept with
/// the decision (store ids, as in the move's `evidence`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DecidedEvidence {
    /// The members it is about (an introduction's two members).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<i64>,
    /// The messages that showed it (an unanswered question; ad posts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<i64>,
    /// A split's proposed small groups, each as its members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Vec<i64>>,
}

impl DecidedEvidence {
    /// As stored: a JSON object (`{}` when empty).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// From the stored JSON; what cannot be read is empty evidence (a
    /// decision recorded before evidence was kept).
    pub fn from_json(s: &str) -> Self {
        serde_json::from_str(s).unwrap_or_default()
    }
}
