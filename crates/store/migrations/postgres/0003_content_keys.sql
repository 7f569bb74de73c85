-- tonghao PostgreSQL schema v3: content keys, and the import that brought
-- each row; the same logical schema as SQLite's migration 0010, which says
-- why. tonghao fills the content keys of stored rows right after this file,
-- in the same transaction.
ALTER TABLE messages ADD COLUMN content_key BIGINT, ADD COLUMN import_id BIGINT;
ALTER TABLE memberships ADD COLUMN content_key BIGINT, ADD COLUMN import_id BIGINT;
ALTER TABLE activities ADD COLUMN content_key BIGINT, ADD COLUMN import_id BIGINT;
CREATE UNIQUE INDEX messages_content ON messages(community_id, group_id, content_key);
CREATE UNIQUE INDEX memberships_content ON memberships(community_id, group_id, content_key);
CREATE UNIQUE INDEX activities_content ON activities(community_id, group_id, content_key);
