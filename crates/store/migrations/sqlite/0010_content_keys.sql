-- tonghao schema v10: content keys, and the import that brought each row (issue 9).
--
-- `key` is the source's id or a hash that includes the instant in UTC, so
-- the same chat exported by two tools (one with platform ids, one without)
-- or a zone-less export read again with another --tz was stored twice.
-- `content_key` is a 64-bit hash of (kind, group, the group's wall-clock
-- second, body) and an ordinal among identical ones (docs/events.md,
-- "Content keys"); an event is new only when neither key is stored.
-- tonghao fills the content keys of rows stored before this version right
-- after this file runs, in the same transaction, then the unique indexes
-- below hold for them too (NULLs never conflict).
--
-- `import_id` names the import that first brought the row, so that
-- `tonghao imports undo` can take it back; NULL for rows stored before.
--
-- The tables are rebuilt so that every primary and unique key includes the
-- community, as on PostgreSQL (the key a sharded store distributes by):
-- messages, memberships, activities, member_names and group_coverage.
CREATE TABLE messages_v10 (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    at_ms         INTEGER NOT NULL,
    -- Natural key: the source's message id, or a content hash (`h:...`).
    key           TEXT NOT NULL,
    reply_to      TEXT,
    content_type  TEXT NOT NULL,
    text          TEXT NOT NULL,
    -- JSON array of {"id"?, "name"?}, as the source gave them.
    mentions      TEXT,
    bot           INTEGER NOT NULL DEFAULT 0,
    edited_ms     INTEGER,
    content_key   INTEGER,
    import_id     INTEGER,
    UNIQUE (community_id, group_id, key)
);
INSERT INTO messages_v10 (id, community_id, group_id, member_id, at_ms, key, reply_to, content_type, text, mentions, bot, edited_ms)
SELECT id, community_id, group_id, member_id, at_ms, key, reply_to, content_type, text, mentions, bot, edited_ms FROM messages;
DROP TABLE messages;
ALTER TABLE messages_v10 RENAME TO messages;
CREATE INDEX messages_group_time ON messages(group_id, at_ms);
CREATE INDEX messages_member ON messages(member_id);

CREATE TABLE memberships_v10 (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('join', 'leave', 'role')),
    at_ms         INTEGER NOT NULL,
    by_member_id  INTEGER REFERENCES members(id) ON DELETE SET NULL,
    role          TEXT,
    key           TEXT NOT NULL,
    content_key   INTEGER,
    import_id     INTEGER,
    UNIQUE (community_id, group_id, kind, key)
);
INSERT INTO memberships_v10 (id, community_id, group_id, member_id, kind, at_ms, by_member_id, role, key)
SELECT id, community_id, group_id, member_id, kind, at_ms, by_member_id, role, key FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_v10 RENAME TO memberships;
CREATE INDEX memberships_member ON memberships(member_id);
CREATE INDEX memberships_by ON memberships(by_member_id) WHERE by_member_id IS NOT NULL;

CREATE TABLE activities_v10 (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('recall', 'checkin', 'order', 'reaction')),
    at_ms         INTEGER NOT NULL,
    key           TEXT NOT NULL,
    -- The message recalled or reacted to.
    target        TEXT,
    -- The rest of the event (challenge and day, amount and item, emoji), as JSON.
    data          TEXT NOT NULL,
    content_key   INTEGER,
    import_id     INTEGER,
    UNIQUE (community_id, group_id, kind, key)
);
INSERT INTO activities_v10 (id, community_id, group_id, member_id, kind, at_ms, key, target, data)
SELECT id, community_id, group_id, member_id, kind, at_ms, key, target, data FROM activities;
DROP TABLE activities;
ALTER TABLE activities_v10 RENAME TO activities;
CREATE INDEX activities_member ON activities(member_id);

CREATE TABLE member_names_v10 (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    first_ms      INTEGER NOT NULL,
    last_ms       INTEGER NOT NULL,
    PRIMARY KEY (community_id, member_id, group_id, name)
) WITHOUT ROWID;
INSERT INTO member_names_v10 SELECT community_id, member_id, group_id, name, first_ms, last_ms FROM member_names;
DROP TABLE member_names;
ALTER TABLE member_names_v10 RENAME TO member_names;
CREATE INDEX member_names_lookup ON member_names(group_id, name);

CREATE TABLE group_coverage_v10 (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    first_ms      INTEGER NOT NULL,
    last_ms       INTEGER NOT NULL,
    PRIMARY KEY (community_id, group_id)
);
INSERT INTO group_coverage_v10 SELECT community_id, group_id, first_ms, last_ms FROM group_coverage;
DROP TABLE group_coverage;
ALTER TABLE group_coverage_v10 RENAME TO group_coverage;
CREATE INDEX group_coverage_group ON group_coverage(group_id);
-- The IANA zone a group was imported in (`--tz Europe/Berlin`), so its
-- local hours and days follow daylight saving time; NULL: tz_offset_s.
ALTER TABLE groups ADD COLUMN tz_name TEXT;
CREATE UNIQUE INDEX messages_content ON messages(community_id, group_id, content_key);
CREATE UNIQUE INDEX memberships_content ON memberships(community_id, group_id, content_key);
CREATE UNIQUE INDEX activities_content ON activities(community_id, group_id, content_key);

-- Per import and group: the span the file covered (all its events, as
-- group_coverage counts it) and what it added and met again. `imports undo`
-- keeps a row another import also met (a duplicate in that group and span)
-- and gives it to that import; it removes the rest.
CREATE TABLE import_groups (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    import_id     INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    first_ms      INTEGER NOT NULL,
    last_ms       INTEGER NOT NULL,
    added         INTEGER NOT NULL,
    duplicates    INTEGER NOT NULL,
    PRIMARY KEY (community_id, import_id, group_id)
);
CREATE INDEX import_groups_group ON import_groups(group_id);
