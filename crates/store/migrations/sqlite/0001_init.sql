-- tonghao schema v1. Every table carries community_id, so that a deployment
-- can shard by community; times are UTC milliseconds since the epoch.

CREATE TABLE communities (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_ms  INTEGER NOT NULL
);

-- One chat room on one platform.
CREATE TABLE groups (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    platform      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    name          TEXT,
    -- The UTC offset the group's export used (seconds east), for local hours.
    tz_offset_s   INTEGER NOT NULL DEFAULT 0,
    parent_id     INTEGER REFERENCES groups(id) ON DELETE SET NULL,
    UNIQUE (community_id, platform, external_id)
);

-- A person. display_name is the latest name seen anywhere.
CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    display_name  TEXT NOT NULL,
    name_ms       INTEGER NOT NULL,
    bot           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX members_community ON members(community_id);

-- A member's account on a platform. Provisional identities stand for people
-- known only by name (WeChat system lines); their external_id is
-- `~name:<group>:<name>` and a real id later attaches to the same member.
CREATE TABLE identities (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    platform      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    PRIMARY KEY (community_id, platform, external_id)
) WITHOUT ROWID;
CREATE INDEX identities_member ON identities(member_id);

-- Every name a member used, where, and since when.
CREATE TABLE member_names (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    first_ms      INTEGER NOT NULL,
    last_ms       INTEGER NOT NULL,
    PRIMARY KEY (member_id, group_id, name)
) WITHOUT ROWID;
CREATE INDEX member_names_lookup ON member_names(group_id, name);

CREATE TABLE messages (
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
    UNIQUE (group_id, key)
);
CREATE INDEX messages_group_time ON messages(group_id, at_ms);

-- Joins, leaves and role changes.
CREATE TABLE memberships (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('join', 'leave', 'role')),
    at_ms         INTEGER NOT NULL,
    by_member_id  INTEGER REFERENCES members(id) ON DELETE SET NULL,
    role          TEXT,
    key           TEXT NOT NULL,
    UNIQUE (group_id, kind, key)
);
CREATE INDEX memberships_member ON memberships(member_id);

-- Recalls, check-ins, orders and reactions.
CREATE TABLE activities (
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
    UNIQUE (group_id, kind, key)
);
CREATE INDEX activities_member ON activities(member_id);

-- One row per file (or folder export) imported, with what it added.
CREATE TABLE imports (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    source        TEXT NOT NULL,
    format        TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    stats         TEXT NOT NULL
);
