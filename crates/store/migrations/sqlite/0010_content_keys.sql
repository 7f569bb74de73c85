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
ALTER TABLE messages ADD COLUMN content_key INTEGER;
ALTER TABLE messages ADD COLUMN import_id INTEGER;
ALTER TABLE memberships ADD COLUMN content_key INTEGER;
ALTER TABLE memberships ADD COLUMN import_id INTEGER;
ALTER TABLE activities ADD COLUMN content_key INTEGER;
ALTER TABLE activities ADD COLUMN import_id INTEGER;
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
