-- tonghao schema v5: what the operators decided about next moves.
--
-- A move's id is stable across re-imports and report runs (crates/ops), so a
-- decision recorded here sticks: the move is not proposed again, and later
-- imports measure whether it worked (did the welcomed newcomer speak?).
-- Deleting a member or a group deletes the decisions about them.
CREATE TABLE move_decisions (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    move_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    group_id      INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id     INTEGER REFERENCES members(id) ON DELETE CASCADE,
    verdict       TEXT NOT NULL CHECK (verdict IN ('done', 'dismissed')),
    at_ms         INTEGER NOT NULL,
    PRIMARY KEY (community_id, move_id)
);
CREATE INDEX move_decisions_member ON move_decisions(member_id) WHERE member_id IS NOT NULL;

-- Facts about the store itself. `legacy_activity_keys`: the store held
-- activities before they were keyed by their natural key (2026-11-30), so
-- imports look for rows keyed by content alone to upgrade (crates/store,
-- `ingest.rs`); a store that never held such rows skips that lookup.
CREATE TABLE store_flags (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);
INSERT INTO store_flags (name, value) SELECT 'legacy_activity_keys', 1 WHERE EXISTS (SELECT 1 FROM activities);
