-- tonghao schema v9: the team's side of the operators' records (issue 12).
--
-- The host of a planned activity: the person who runs it, as the operators
-- call them (a name, not a member row: a host may be someone whose chat is
-- not imported). The drafted announcement, reminder and follow-up name them.
ALTER TABLE planned_activities ADD COLUMN host TEXT;

-- Tasks for the team: notify, supervise, host, follow up one member. The
-- assignee is a person of the team by name (like a host). A task may be
-- about a group, a member and an activity; deleting the member or the
-- group deletes the tasks about them. `source` keys a generated task (the
-- activity's occurrence and step, or the check-in missed) so generating
-- again adds nothing twice; NULL for tasks added by hand. `due_day` is
-- `YYYY-MM-DD`; `done_ms` is when it was marked done, NULL while open.
CREATE TABLE tasks (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    id            INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('notify', 'supervise', 'host', 'follow_up')),
    title         TEXT NOT NULL,
    assignee      TEXT,
    group_id      INTEGER REFERENCES groups(id) ON DELETE CASCADE,
    member_id     INTEGER REFERENCES members(id) ON DELETE CASCADE,
    activity_id   INTEGER,
    due_day       TEXT,
    done_ms       INTEGER,
    source        TEXT,
    created_ms    INTEGER NOT NULL,
    PRIMARY KEY (community_id, id),
    UNIQUE (community_id, source)
);
CREATE INDEX tasks_member ON tasks(member_id);
CREATE INDEX tasks_group ON tasks(group_id);

-- Points given by hand (`tonghao points add`). Points by rule (good
-- speakers, check-in streaks, output) are computed from the records when
-- read (crates/ops, `points.rs`), not stored: a new import or a changed
-- rule applies to the whole history. Deleting the member deletes their
-- points; deleting the group, the points given in it.
CREATE TABLE points (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    id            INTEGER NOT NULL,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    group_id      INTEGER REFERENCES groups(id) ON DELETE CASCADE,
    amount        INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    PRIMARY KEY (community_id, id)
);
CREATE INDEX points_member ON points(member_id);
CREATE INDEX points_group ON points(group_id);

-- The community canvas: pain point, vision, goal, shared interest, target
-- members, structure, roles, rules (群规), output plan, replication plan.
-- Every save is a new version holding every field (a JSON object of field
-- name to text), so the history shows what changed when; the latest
-- version is the canvas.
CREATE TABLE canvas_versions (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    fields        TEXT NOT NULL,
    saved_ms      INTEGER NOT NULL,
    PRIMARY KEY (community_id, version)
);
