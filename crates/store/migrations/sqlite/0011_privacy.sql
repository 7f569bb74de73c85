-- Privacy (issue 14): retention and pseudonymised reports.
--
-- Retention drops the text of old messages but keeps the row, so counts,
-- activity and stages stay as they were. An expired message has
-- `expired_ms` set (when its text was dropped; its text is then '') and
-- keeps what the snapshot reads from a text: its length in characters and
-- its text flags (check-in, question, link, ad, substantive; the bot flag is
-- the row's own `bot`), computed before the text went.
ALTER TABLE messages ADD COLUMN expired_ms INTEGER;
ALTER TABLE messages ADD COLUMN kept_chars INTEGER;
ALTER TABLE messages ADD COLUMN kept_flags INTEGER;

-- Per community: drop message texts older than this many months (NULL: keep
-- them), and the secret that keys pseudonyms in shared reports (hex; made on
-- first use, never shown).
ALTER TABLE communities ADD COLUMN retention_months INTEGER;
ALTER TABLE communities ADD COLUMN pseudonym_key TEXT;
