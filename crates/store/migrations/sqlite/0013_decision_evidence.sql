-- tonghao schema v13: a decision keeps the evidence of the move it decided.
--
-- An outcome is judged against the move as it was when someone did it: a
-- split's proposed small groups (their members' ids), an introduction's two
-- members, an unanswered question, the ad posts. A proposal computed afresh
-- from later history would be a different one. JSON text:
-- {"members": [ids], "messages": [ids], "groups": [[ids], ...]}; `{}` for
-- decisions recorded before this migration (their outcome needs none:
-- welcome, re-engage, intervene).
ALTER TABLE move_decisions ADD COLUMN evidence TEXT NOT NULL DEFAULT '{}';
