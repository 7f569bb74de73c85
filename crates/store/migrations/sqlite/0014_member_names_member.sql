-- tonghao schema v14: member_names gets an index on member_id.
--
-- Since v10 its primary key begins with the community, so neither the
-- foreign key check on deleting a member (every merge of a name-only person
-- into a known one deletes a member row) nor a lookup of one member's names
-- could use it: each read the whole table, and importing a WeChat folder of
-- join lines got about ten times slower as the table grew (issue 8).
CREATE INDEX IF NOT EXISTS member_names_member ON member_names(member_id);
