-- tonghao schema v6: the operators' own records (issue 12).
--
-- Orders come from a shop's CSV, not from the chat: `tonghao orders import`.
-- The buyer is kept as the file names them (platform and id), not as a
-- member id, so an order imported before the chat that shows its buyer
-- links to them once that chat is imported; `group_ref` is the group as
-- written (its id or name), resolved when read. Deleting a member deletes
-- the orders under any of their identities (crates/store privacy).
CREATE TABLE orders (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    -- Natural key: a hash of the row's content and its ordinal among
    -- identical rows of its file (crates/ops, `orders.rs`).
    key           TEXT NOT NULL,
    platform      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    amount_fen    INTEGER NOT NULL CHECK (amount_fen >= 0),
    product       TEXT NOT NULL,
    group_ref     TEXT,
    PRIMARY KEY (community_id, key)
);
CREATE INDEX orders_buyer ON orders(community_id, platform, external_id);

-- Check-ins (打卡) added by hand, and declared make-ups (补卡) and leave
-- days (请假): one row per member, group and local day. Check-ins found in
-- messages are recognised when read, not stored here (the pattern is the
-- reader's choice); `tonghao checkins` merges both into one record per
-- member per day. `day` is `YYYY-MM-DD` in the group's local time.
CREATE TABLE checkin_marks (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('checkin', 'makeup', 'leave')),
    at_ms         INTEGER NOT NULL,
    PRIMARY KEY (community_id, group_id, member_id, day)
);
CREATE INDEX checkin_marks_member ON checkin_marks(member_id);

-- Planned activities (rituals): topic discussions, guest shares, check-in
-- challenges, offline events, trials and votes, homework. `start_ms` is the
-- first occurrence (UTC); `tz` the IANA zone whose wall time a recurrence
-- keeps (a weekly 21:00 stays 21:00 across daylight saving); `rrule` the
-- RFC 5545 rule, NULL for a one-off. Deleting a group deletes its
-- activities. (`activities` above, from schema v1, holds recalls,
-- check-ins, orders and reactions of imported chats.)
CREATE TABLE planned_activities (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    id            INTEGER NOT NULL,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('topic', 'guest', 'checkin', 'offline', 'trial', 'homework')),
    title         TEXT NOT NULL,
    start_ms      INTEGER NOT NULL,
    tz            TEXT NOT NULL,
    rrule         TEXT,
    duration_s    INTEGER NOT NULL CHECK (duration_s > 0),
    created_ms    INTEGER NOT NULL,
    PRIMARY KEY (community_id, id)
);
CREATE INDEX planned_activities_group ON planned_activities(group_id);
