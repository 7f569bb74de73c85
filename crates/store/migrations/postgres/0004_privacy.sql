-- Privacy (issue 14): retention and pseudonymised reports, as SQLite's
-- 0011_privacy.sql (which says what each column means).
ALTER TABLE messages ADD COLUMN expired_ms BIGINT;
ALTER TABLE messages ADD COLUMN kept_chars INTEGER;
ALTER TABLE messages ADD COLUMN kept_flags SMALLINT;
ALTER TABLE communities ADD COLUMN retention_months INTEGER;
ALTER TABLE communities ADD COLUMN pseudonym_key TEXT;
