//! Which migrations a database still needs, for both backends.
//!
//! Migrations are numbered by their file (`0012_...sql`), and numbers may
//! have gaps: branches written at the same time take their numbers ahead of
//! merging (this one took 0012 while 0010 and 0011 were being written
//! elsewhere). So a database records the set of numbers it has had, not a
//! count, and every known migration it lacks runs, in number order, however
//! late it arrives. Databases older than that record (SQLite
//! `user_version`, PostgreSQL `tonghao_schema.version` up to 9 and 2) had
//! their migrations 1..=version, consecutively.

use std::collections::BTreeSet;

/// One migration: its file's number and its SQL.
pub(crate) struct Migration {
    /// The number in the file's name.
    pub number: i64,
    /// The statements.
    pub sql: &'static str,
}

/// The highest number known.
pub(crate) const fn latest(known: &[Migration]) -> i64 {
    let mut max = 0;
    let mut i = 0;
    while i < known.len() {
        if known[i].number > max {
            max = known[i].number;
        }
        i += 1;
    }
    max
}

/// What a database that predates the record of applied numbers has had.
pub(crate) fn legacy(version: i64) -> BTreeSet<i64> {
    (1..=version).collect()
}

/// The migrations of `known` that `applied` lacks, by number; `Err` with
/// the highest number applied when it has one this tonghao does not know
/// (a newer tonghao wrote the database).
pub(crate) fn pending<'a>(known: &'a [Migration], applied: &BTreeSet<i64>) -> Result<Vec<&'a Migration>, i64> {
    let numbers: BTreeSet<i64> = known.iter().map(|m| m.number).collect();
    if applied.iter().any(|n| !numbers.contains(n)) {
        return Err(applied.iter().copied().max().unwrap_or(0));
    }
    let mut out: Vec<&Migration> = known.iter().filter(|m| !applied.contains(&m.number)).collect();
    out.sort_by_key(|m| m.number);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[Migration] = &[
        Migration { number: 1, sql: "a" },
        Migration { number: 2, sql: "b" },
        Migration { number: 12, sql: "c" },
        Migration { number: 10, sql: "d" },
    ];

    fn numbers(v: &[&Migration]) -> Vec<i64> {
        v.iter().map(|m| m.number).collect()
    }

    #[test]
    fn a_gap_filled_later_still_runs() {
        // A database that had 1, 2 and 12 gets 10 once a tonghao knows it.
        let applied: BTreeSet<i64> = [1, 2, 12].into();
        assert_eq!(numbers(&pending(KNOWN, &applied).unwrap()), vec![10]);
        assert_eq!(numbers(&pending(KNOWN, &legacy(0)).unwrap()), vec![1, 2, 10, 12]);
        assert_eq!(numbers(&pending(KNOWN, &legacy(2)).unwrap()), vec![10, 12]);
        assert_eq!(latest(KNOWN), 12);
    }

    #[test]
    fn an_unknown_number_is_a_newer_database() {
        assert_eq!(pending(KNOWN, &[1, 2, 11].into()).err(), Some(11));
        assert_eq!(pending(KNOWN, &legacy(13)).err(), Some(13));
    }
}
