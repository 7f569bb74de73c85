-- tonghao schema v8: the team's notes about a member ("met at the May
-- meetup, prefers evening calls"), shown on the member's page in the
-- console. Personal data like the rest: in a member's export, deleted with
-- them.
CREATE TABLE member_notes (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    author        TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    text          TEXT NOT NULL
);
CREATE INDEX member_notes_member ON member_notes(member_id, at_ms);
