-- tonghao PostgreSQL schema v3: content keys, and the import that brought
-- each row; the same logical schema as SQLite's migration 0010, which says
-- why. tonghao fills the content keys of stored rows right after this file,
-- in the same transaction.
ALTER TABLE messages ADD COLUMN content_key BIGINT, ADD COLUMN import_id BIGINT;
ALTER TABLE memberships ADD COLUMN content_key BIGINT, ADD COLUMN import_id BIGINT;
ALTER TABLE activities ADD COLUMN content_key BIGINT, ADD COLUMN import_id BIGINT;
ALTER TABLE groups ADD COLUMN tz_name TEXT;
CREATE UNIQUE INDEX messages_content ON messages(community_id, group_id, content_key);
CREATE UNIQUE INDEX memberships_content ON memberships(community_id, group_id, content_key);
CREATE UNIQUE INDEX activities_content ON activities(community_id, group_id, content_key);

-- Per import and group: the span the file covered and what it added and
-- met again (SQLite's migration 0010 says how `imports undo` uses it).
CREATE TABLE import_groups (
    community_id  BIGINT NOT NULL,
    import_id     BIGINT NOT NULL,
    group_id      BIGINT NOT NULL,
    first_ms      BIGINT NOT NULL,
    last_ms       BIGINT NOT NULL,
    added         BIGINT NOT NULL,
    duplicates    BIGINT NOT NULL,
    PRIMARY KEY (community_id, import_id, group_id),
    FOREIGN KEY (community_id, import_id) REFERENCES imports(community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (community_id, group_id) REFERENCES groups(community_id, id) ON DELETE CASCADE
);
CREATE INDEX import_groups_group ON import_groups(community_id, group_id);
