-- tonghao PostgreSQL schema 0005: the resource library, the management
-- mode and group owners, and the community's own draft templates; the same
-- logical schema as SQLite's migration 0012 (what each table means is
-- documented there). Numbered 0005: 0003 and 0004 are written on other
-- branches, and the runner applies every known migration a database has
-- not had, by number. A group's parent is `groups.parent_id` (0001).

CREATE TABLE resources (
    community_id  BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    id            BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('venue', 'content', 'host', 'guest')),
    name          TEXT NOT NULL,
    tags          TEXT NOT NULL DEFAULT '[]',
    member_id     BIGINT,
    note          TEXT,
    created_ms    BIGINT NOT NULL,
    PRIMARY KEY (community_id, id),
    FOREIGN KEY (community_id, member_id) REFERENCES members(community_id, id) ON DELETE CASCADE
);
CREATE INDEX resources_member ON resources(community_id, member_id);

CREATE TABLE management (
    community_id  BIGINT PRIMARY KEY REFERENCES communities(id) ON DELETE CASCADE,
    mode          TEXT NOT NULL CHECK (mode IN ('centralised', 'sub_groups', 'self_governing', 'unmanaged')),
    set_ms        BIGINT NOT NULL
);

CREATE TABLE group_owners (
    community_id  BIGINT NOT NULL,
    group_id      BIGINT NOT NULL,
    member_id     BIGINT NOT NULL,
    set_ms        BIGINT NOT NULL,
    PRIMARY KEY (community_id, group_id),
    FOREIGN KEY (community_id, group_id) REFERENCES groups(community_id, id) ON DELETE CASCADE,
    FOREIGN KEY (community_id, member_id) REFERENCES members(community_id, id) ON DELETE CASCADE
);
CREATE INDEX group_owners_member ON group_owners(community_id, member_id);

CREATE TABLE draft_templates (
    community_id  BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    lang          TEXT NOT NULL CHECK (lang IN ('zh', 'en')),
    text          TEXT NOT NULL,
    updated_ms    BIGINT NOT NULL,
    PRIMARY KEY (community_id, key, lang)
);

CREATE TRIGGER generation_template AFTER INSERT OR UPDATE OR DELETE ON draft_templates
    FOR EACH ROW EXECUTE FUNCTION bump_generation();
