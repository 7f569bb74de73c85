-- tonghao schema v3: merging two members never scans every message.
--
-- When a person first known only by name (a WeChat join line, a QQ nickname)
-- turns out to be someone already known by id, the import moves the
-- name-only member's rows to the known member. Without these indexes each
-- such merge read every stored message and membership, so a history with
-- many name-only joins imported in quadratic time (issue 8: 4.0 of 9.9
-- million messages after 17 minutes). They also serve `member export` and
-- `member delete`, which look rows up by member. The inviter index is
-- partial: most joins have no inviter.
CREATE INDEX messages_member ON messages(member_id);
CREATE INDEX memberships_by ON memberships(by_member_id) WHERE by_member_id IS NOT NULL;
