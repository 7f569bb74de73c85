-- tonghao schema v9: the team's side of the operators' records (issue 12).
--
-- The host of a planned activity: the person who runs it, as the operators
-- call them (a name, not a member row: a host may be someone whose chat is
-- not imported). The drafted announcement, reminder and follow-up name them.
ALTER TABLE planned_activities ADD COLUMN host TEXT;
