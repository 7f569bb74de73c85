-- tonghao PostgreSQL schema 0008: the community's data generation is bumped
-- once per transaction, not once per row that bumps it.
--
-- An import session is one transaction with a savepoint per file. Bumping
-- the generation per imported file updated the community's row once a file:
-- thousands of versions of one row inside one transaction, which every later
-- foreign-key check against `communities` (imports, members, coverage,
-- memberships, names) and every later bump walked. A folder of 2,570 small
-- IRC files spent about a third of its import there (docs/postgres.md).
-- What the generation is for holds with one bump: a cached console page is
-- checked against the generation other sessions see, and they see none of
-- the transaction's changes, then all of them.
--
-- The mark is a transaction-local setting: it ends with the transaction, and
-- a savepoint rolled back takes it back together with its bump.
CREATE OR REPLACE FUNCTION bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cid BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        cid := OLD.community_id;
    ELSE
        cid := NEW.community_id;
    END IF;
    IF current_setting('tonghao.generation_bumped_' || cid, true) IS DISTINCT FROM 'yes' THEN
        UPDATE communities SET generation = generation + 1 WHERE id = cid;
        PERFORM set_config('tonghao.generation_bumped_' || cid, 'yes', true);
    END IF;
    RETURN NULL;
END $$;
