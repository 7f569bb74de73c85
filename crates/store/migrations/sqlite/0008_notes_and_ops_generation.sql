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

-- The operators' records feed computed console pages too (check-ins,
-- conversion, the calendar): writing them bumps the community's data
-- generation, as imports and decisions do (0007).
CREATE TRIGGER generation_checkin_mark AFTER INSERT ON checkin_marks BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = NEW.community_id;
END;
CREATE TRIGGER generation_checkin_mark_update AFTER UPDATE ON checkin_marks BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = NEW.community_id;
END;
CREATE TRIGGER generation_order AFTER INSERT ON orders BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = NEW.community_id;
END;
CREATE TRIGGER generation_planned_activity AFTER INSERT ON planned_activities BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = NEW.community_id;
END;
