//! Accounts for the console: password hashing (argon2id), session tokens,
//! login with rate limiting, the first owner, and the audit log. The store
//! keeps only hashes: of passwords (argon2id PHC strings) and of session
//! and ingest tokens (SHA-256), so a copy of the database lets no one in.

use crate::{AppError, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use tonghao_model::msg::Msg;
use tonghao_store::{AuditEntry, Role, Store, StoreError, User};

/// How long a session lasts without logging in again.
pub const SESSION_MS: i64 = 7 * 86_400_000;
/// Failed logins allowed per account name within [`LOCKOUT_WINDOW_MS`].
pub const MAX_FAILURES: u32 = 5;
/// The window over which failed logins are counted.
pub const LOCKOUT_WINDOW_MS: i64 = 15 * 60_000;
/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 8;

/// Why a login was refused.
#[derive(Debug, PartialEq)]
pub enum LoginError {
    /// Wrong name or password (which one is not said).
    Invalid,
    /// Too many failures for this name lately; try again later.
    Throttled,
}

/// A logged-in session: the token for the cookie (shown once, stored only
/// as its hash) and the CSRF token state-changing requests must echo.
pub struct Session {
    /// The session token (cookie value).
    pub token: String,
    /// The CSRF token (sent back in the `X-CSRF-Token` header).
    pub csrf: String,
    /// Who logged in.
    pub user: User,
}

/// `n` random bytes from the operating system, as hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex(&bytes)
}

/// SHA-256 of a token, as hex: what the store keeps instead of the token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An argon2id hash of `password` (PHC string, with a random salt).
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(AppError::Input(Msg::new("error.password_short").int("min", MIN_PASSWORD)));
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random source");
    let salt = SaltString::encode_b64(&salt).map_err(AppError::detail)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(AppError::detail)?.to_string())
}

fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Checks a name and password and opens a session. After
/// [`MAX_FAILURES`] failures for a name within [`LOCKOUT_WINDOW_MS`],
/// every attempt for it is refused until the window has passed, even with
/// the right password (the count is in the store: shared by every server).
pub fn login(
    store: &dyn Store,
    name: &str,
    password: &str,
    now_ms: i64,
) -> Result<std::result::Result<Session, LoginError>> {
    let since = now_ms - LOCKOUT_WINDOW_MS;
    if store.login_failures(name, since)? >= MAX_FAILURES {
        return Ok(Err(LoginError::Throttled));
    }
    let found = store.user_with_hash(name)?;
    // An unknown name costs the same hashing work as a known one.
    let ok = match &found {
        Some((_, hash)) => verify(password, hash),
        None => {
            verify(password, DUMMY_HASH);
            false
        }
    };
    let Some((user, _)) = found.filter(|_| ok) else {
        store.login_failed(name, now_ms, since)?;
        return Ok(Err(LoginError::Invalid));
    };
    store.login_failures_clear(name)?;
    let token = random_hex(32);
    let csrf = random_hex(16);
    store.session_add(&token_hash(&token), user.id, &csrf, now_ms + SESSION_MS)?;
    Ok(Ok(Session { token, csrf, user }))
}

/// argon2id of a random password nobody knows, verified against for
/// unknown names so that a login's timing does not tell which names exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9s1Jb2iRJZ0Zy8b3bJzRkC7nqTNsE0S8xwqzVY3m9uA";

/// The user of a session token and its CSRF token, if the session is live.
pub fn session(store: &dyn Store, token: &str, now_ms: i64) -> Result<Option<(User, String)>> {
    Ok(store.session_user(&token_hash(token), now_ms)?)
}

/// Ends a session.
pub fn logout(store: &dyn Store, token: &str, now_ms: i64) -> Result<()> {
    Ok(store.session_remove(&token_hash(token), now_ms)?)
}

/// On first run (no users yet), creates the owner `admin` with `password`
/// (or a generated one) and returns the password that was set, to print
/// once; `None` when users exist.
pub fn ensure_owner(store: &dyn Store, password: Option<&str>) -> Result<Option<String>> {
    if !store.users()?.is_empty() {
        return Ok(None);
    }
    let password = password.map_or_else(|| random_hex(9), str::to_string);
    match store.user_add("admin", &hash_password(&password)?, Role::Owner) {
        Ok(_) => Ok(Some(password)),
        // Another server process created it first.
        Err(StoreError::Conflict(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Creates a user with a hashed password, assigned to `communities`.
pub fn add_user(store: &dyn Store, name: &str, password: &str, role: Role, communities: &[String]) -> Result<User> {
    if name.is_empty() || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AppError::Input(Msg::new("error.user_name").text("name", name)));
    }
    store.user_add(name, &hash_password(password)?, role)?;
    for c in communities {
        store.user_grant(name, c, true)?;
    }
    Ok(store.user_with_hash(name)?.map(|(u, _)| u).expect("the user just added"))
}

/// Records who did what in the audit log.
pub fn audit(store: &dyn Store, user: &str, community: Option<&str>, action: &str, target: &str) -> Result<()> {
    let entry = AuditEntry {
        at_ms: chrono::Utc::now().timestamp_millis(),
        user: user.to_string(),
        community: community.map(str::to_string),
        action: action.to_string(),
        target: target.to_string(),
    };
    Ok(store.audit(&entry)?)
}

/// A new ingest token for `community` (shown once; the store keeps its hash).
pub fn new_ingest_token(store: &dyn Store, community: &str) -> Result<String> {
    let token = format!("thi_{}", random_hex(24));
    store.ingest_token_set(community, &token_hash(&token))?;
    Ok(token)
}

/// Whether `token` is `community`'s ingest token.
pub fn ingest_token_valid(store: &dyn Store, community: &str, token: &str) -> Result<bool> {
    Ok(store.ingest_token_valid(community, &token_hash(token))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonghao_store::{Accounts, SqliteStore};

    #[test]
    fn dummy_hash_parses_so_unknown_names_cost_a_full_verification() {
        let h = PasswordHash::new(DUMMY_HASH).expect("a PHC string");
        assert_eq!(h.algorithm.as_str(), "argon2id");
        assert!(!verify("anything", DUMMY_HASH));
    }

    #[test]
    fn login_checks_the_password_and_throttles_after_five_failures() {
        let store = SqliteStore::open_in_memory().unwrap();
        add_user(&store, "hua", "correct horse", Role::Admin, &["读书会".into()]).unwrap();
        let t0 = 1_700_000_000_000;
        let s = login(&store, "hua", "correct horse", t0).unwrap().expect("right password");
        assert_eq!(s.user.communities, vec!["读书会".to_string()]);
        let (user, csrf) = session(&store, &s.token, t0 + 1).unwrap().expect("live session");
        assert_eq!((user.name.as_str(), csrf), ("hua", s.csrf.clone()));
        assert!(session(&store, &s.token, t0 + SESSION_MS + 1).unwrap().is_none(), "expired");
        for _ in 0..MAX_FAILURES {
            assert_eq!(login(&store, "hua", "wrong", t0).unwrap().err(), Some(LoginError::Invalid));
        }
        assert_eq!(login(&store, "hua", "correct horse", t0 + 1).unwrap().err(), Some(LoginError::Throttled));
        let later = t0 + LOCKOUT_WINDOW_MS + 1;
        assert!(login(&store, "hua", "correct horse", later).unwrap().is_ok(), "the window passed");
        assert_eq!(login(&store, "nobody", "correct horse", later).unwrap().err(), Some(LoginError::Invalid));
    }

    #[test]
    fn first_run_creates_one_owner_and_the_store_keeps_no_password() {
        let store = SqliteStore::open_in_memory().unwrap();
        let pw = ensure_owner(&store, None).unwrap().expect("first run");
        assert!(ensure_owner(&store, None).unwrap().is_none(), "only once");
        let (owner, hash) = store.user_with_hash("admin").unwrap().unwrap();
        assert_eq!(owner.role, Role::Owner);
        assert!(hash.starts_with("$argon2id$") && !hash.contains(&pw));
        assert!(login(&store, "admin", &pw, 1).unwrap().is_ok());
    }
}
