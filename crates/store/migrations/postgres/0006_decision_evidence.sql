-- tonghao PostgreSQL schema 0006: a decision keeps the evidence of the move
-- it decided; the same logical schema as SQLite's migration 0013 (what the
-- column holds is documented there).
ALTER TABLE move_decisions ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}';
