-- tonghao PostgreSQL schema 0007: the event tables (messages, memberships,
-- activities) lose their foreign keys to groups and members.
--
-- Each row an import inserted ran one query per key to check its group and
-- its member (PostgreSQL checks foreign keys row by row, with an executor
-- start-up and a row lock each): about a third of the server's time on a
-- large import (docs/postgres.md, "Measured"). SQLite turns its foreign-key
-- checks off for an import's transaction; PostgreSQL cannot for one session
-- without superuser rights.
--
-- What the keys did is done by tonghao itself now:
-- - an import writes an event only for a group and a member it found or
--   created in the same transaction (the shared ingestion rules);
-- - deleting a group deletes its events first (postgres/mod.rs,
--   group_delete), where the cascade did it;
-- - deleting a member deletes their events and clears their place as
--   inviter (memberships.by_member_id) itself, as it already did;
-- - merging a member moves their events before the member row goes;
-- - undoing an import deletes a group only when no event names it.
-- crates/store/tests/postgres.rs checks that no event row names a missing
-- group or member after each of these, and crates/cli/tests/crash.rs after
-- an import killed at random moments.
--
-- The other foreign keys stay (member names, identities, coverage, the
-- operators' records): few rows each, written a file or a hand at a time.
ALTER TABLE messages DROP CONSTRAINT messages_community_id_group_id_fkey;
ALTER TABLE messages DROP CONSTRAINT messages_community_id_member_id_fkey;
ALTER TABLE memberships DROP CONSTRAINT memberships_community_id_group_id_fkey;
ALTER TABLE memberships DROP CONSTRAINT memberships_community_id_member_id_fkey;
ALTER TABLE memberships DROP CONSTRAINT memberships_community_id_by_member_id_fkey;
ALTER TABLE activities DROP CONSTRAINT activities_community_id_group_id_fkey;
ALTER TABLE activities DROP CONSTRAINT activities_community_id_member_id_fkey;
