-- tonghao schema v4: the time span each group's imported files cover.
--
-- An export's first message is not a group's birth, and its last is not the
-- group's death: a report reads a group as of the end of what its files
-- cover, and knows its history starts where the export starts (issue 9).
-- Each import extends a group's span by the span of the whole file (all its
-- events, of every group in it). Stores imported before this version get
-- the span of the group's own events, the best that can be known now.
CREATE TABLE group_coverage (
    group_id      INTEGER PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    first_ms      INTEGER NOT NULL,
    last_ms       INTEGER NOT NULL
);
INSERT INTO group_coverage (group_id, community_id, first_ms, last_ms)
SELECT g.id, g.community_id, min(e.at_ms), max(e.at_ms)
FROM groups g
JOIN (SELECT group_id, at_ms FROM messages UNION ALL SELECT group_id, at_ms FROM memberships) e ON e.group_id = g.id
GROUP BY g.id;
