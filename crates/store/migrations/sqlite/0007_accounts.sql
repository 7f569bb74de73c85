-- tonghao schema v7: the console's accounts, sessions and shared caches.
--
-- They live in the store, not in a server's memory, so several `tonghao
-- serve` processes can share one database. Users are global (an owner sees
-- every community); `user_communities` says which communities an admin or
-- an analyst may see. Everything else is keyed by community first.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    -- argon2id, PHC string: the password itself is never stored.
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'analyst')),
    created_ms     INTEGER NOT NULL
);

CREATE TABLE user_communities (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (community_id, user_id)
) WITHOUT ROWID;
CREATE INDEX user_communities_user ON user_communities(user_id);

-- A login. The cookie holds a random token; only its SHA-256 is stored, so
-- a copy of the database does not let anyone in.
CREATE TABLE sessions (
    token_sha256  TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf          TEXT NOT NULL,
    expires_ms    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed logins, per account name, for rate limiting across processes.
CREATE TABLE login_failures (
    name   TEXT NOT NULL,
    at_ms  INTEGER NOT NULL
);
CREATE INDEX login_failures_name ON login_failures(name, at_ms);

-- Who imported, exported or deleted what, and when.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    user_name  TEXT NOT NULL,
    community  TEXT,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL
);

-- A token per community for pushing canonical JSONL (`POST .../ingest`);
-- only its SHA-256 is kept.
CREATE TABLE ingest_tokens (
    community_id  INTEGER PRIMARY KEY REFERENCES communities(id) ON DELETE CASCADE,
    token_sha256  TEXT NOT NULL
);

-- Computed console pages (JSON), valid for one generation of the
-- community's data: reports are computed once per change, not per request.
CREATE TABLE report_pages (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    page          TEXT NOT NULL,
    generation    INTEGER NOT NULL,
    body          TEXT NOT NULL,
    PRIMARY KEY (community_id, page)
) WITHOUT ROWID;

-- The community's data generation: bumped by triggers whenever what a
-- report reads changes (a file imported, a group or member deleted, a move
-- decided), so cached pages know they are stale. Per file, group, member or
-- decision, never per message: an import pays nothing per row for it.
ALTER TABLE communities ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER generation_import AFTER INSERT ON imports BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = NEW.community_id;
END;
CREATE TRIGGER generation_group_delete AFTER DELETE ON groups BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = OLD.community_id;
END;
CREATE TRIGGER generation_member_delete AFTER DELETE ON members BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = OLD.community_id;
END;
CREATE TRIGGER generation_decision_insert AFTER INSERT ON move_decisions BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = NEW.community_id;
END;
CREATE TRIGGER generation_decision_update AFTER UPDATE ON move_decisions BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = NEW.community_id;
END;
