-- tonghao schema v2: deleted members stay deleted.
--
-- `tonghao member delete` removes a person and everything that is theirs, and
-- records each of their platform identities here, so that importing the same
-- (or a later) export again skips their events instead of silently bringing
-- them back. Name-only identities (`~name:<group>:<name>`) are recorded too,
-- for every name they used in a group: sources that name people only (WeChat
-- system lines) are then skipped as well. This table is the one thing kept
-- about a deleted person: their ids and names, and when they were deleted.
CREATE TABLE suppressed_identities (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    platform      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    suppressed_ms INTEGER NOT NULL,
    PRIMARY KEY (community_id, platform, external_id)
) WITHOUT ROWID;
