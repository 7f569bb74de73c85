-- tonghao schema 0012: the resource library, the management mode with its
-- group hierarchy, and the community's own draft templates (issue 12,
-- parts 2 and 8). Numbered 0012, not 0010: migrations 0010 and 0011 are
-- written on other branches; the runner applies every migration it knows
-- that a database has not had, by number (see `migrate` in sqlite/mod.rs).

-- Venues, content pieces, hosts and guests, tagged. A host or guest may be
-- a member (`member_id`): erasing that member erases the entry, as it
-- names them (tonghao member delete). `tags` is a JSON array of lower-case
-- strings, sorted.
CREATE TABLE resources (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    id            INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('venue', 'content', 'host', 'guest')),
    name          TEXT NOT NULL,
    tags          TEXT NOT NULL DEFAULT '[]',
    member_id     INTEGER REFERENCES members(id) ON DELETE CASCADE,
    note          TEXT,
    created_ms    INTEGER NOT NULL,
    PRIMARY KEY (community_id, id)
);
CREATE INDEX resources_member ON resources(member_id);

-- The community's management mode: 集中, 分群, 自治 or 不管理.
CREATE TABLE management (
    community_id  INTEGER PRIMARY KEY REFERENCES communities(id) ON DELETE CASCADE,
    mode          TEXT NOT NULL CHECK (mode IN ('centralised', 'sub_groups', 'self_governing', 'unmanaged')),
    set_ms        INTEGER NOT NULL
);

-- The hierarchy of groups: a group's parent is `groups.parent_id` (in the
-- schema since 0001, unused until now; deleting the parent clears it). A
-- group's owner is a member (under 分群, the sub-group's own owner):
-- deleting the group or the member deletes the row.
CREATE TABLE group_owners (
    community_id     INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    group_id         INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id        INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    set_ms           INTEGER NOT NULL,
    PRIMARY KEY (community_id, group_id)
);
CREATE INDEX group_owners_member ON group_owners(member_id);

-- A community's own text for a drafted message (announcement, reminder,
-- follow-up, encouragement, a move's draft), per catalogue key and
-- language; without a row the catalogue's text is used.
CREATE TABLE draft_templates (
    community_id  INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    lang          TEXT NOT NULL CHECK (lang IN ('zh', 'en')),
    text          TEXT NOT NULL,
    updated_ms    INTEGER NOT NULL,
    PRIMARY KEY (community_id, key, lang)
);

-- A template words the drafts of next moves, which the console caches per
-- data generation: setting or resetting one is a new generation.
CREATE TRIGGER generation_template AFTER INSERT ON draft_templates BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = NEW.community_id;
END;
CREATE TRIGGER generation_template_update AFTER UPDATE ON draft_templates BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = NEW.community_id;
END;
CREATE TRIGGER generation_template_delete AFTER DELETE ON draft_templates BEGIN
    UPDATE communities SET generation = generation + 1 WHERE id = OLD.community_id;
END;
