//! The console's accounts: users and their roles, sessions, failed logins,
//! the audit log, ingest tokens and computed pages. Password hashing and
//! token generation are the application layer's; the store keeps hashes.

use serde::Serialize;

/// What a user may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the communities assigned to them.
    Analyst,
    /// Operates the communities assigned to them: imports, decides moves,
    /// deletes members' data.
    Admin,
    /// Everything, in every community, and manages users.
    Owner,
}

impl Role {
    /// The name stored and shown (`owner`, `admin`, `analyst`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Analyst => "analyst",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "analyst" => Ok(Role::Analyst),
            _ => Err(format!("{s:?} is not a role: owner, admin or analyst")),
        }
    }
}

/// A console user.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct User {
    /// Store id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// The communities assigned to them (an owner sees all, whatever this says).
    pub communities: Vec<String>,
}

impl User {
    /// Whether this user may see `community`.
    pub fn sees(&self, community: &str) -> bool {
        self.role == Role::Owner || self.communities.iter().any(|c| c == community)
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEntry {
    /// When, UTC ms.
    pub at_ms: i64,
    /// Who (a user name, or `ingest-token`, or `cli`).
    pub user: String,
    /// In which community, if one.
    pub community: Option<String>,
    /// What: `import`, `export`, `delete-member`, `delete-group`, `decide`, `user`…
    pub action: String,
    /// On what: a file name, a member or group reference, a move id.
    pub target: String,
}

/// Whether two hex digests are equal, compared without an early exit so
/// that timing says nothing about how much matched.
pub(crate) fn same_digest(stored: &str, given: &str) -> bool {
    stored.len() == given.len() && stored.bytes().zip(given.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}
