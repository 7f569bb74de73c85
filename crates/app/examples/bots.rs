//! How the bot rule of `tonghao_insight::automated` reads a store's whole
//! history, for docs/ops.md's figures:
//! `cargo run --release -p tonghao-app --example bots -- DB [COMMUNITY]`.
//!
//! Loads every text (not only the report's window), forgets the exports'
//! bot flags, and prints, for every member with enough messages to read
//! both shares, the shares and two verdicts: the rule's, and the export's
//! flag (`flagged`: Slack and Discord mark their bots, so those members are
//! the labelled cases the rule can be checked against). Sorted by the
//! smaller of the two shares over its threshold, the closest calls first
//! among those the rule finds.

use tonghao_insight::automated::{FAST_SHARE, TEMPLATED_SHARE, figures};
use tonghao_insight::report::settle_as_of;
use tonghao_store::{Queries, SqliteStore};

fn main() {
    let mut args = std::env::args().skip(1);
    let db = args.next().expect("usage: bots DB [COMMUNITY]");
    let community = args.next().unwrap_or_else(|| "default".into());
    let store = SqliteStore::open(std::path::Path::new(&db)).expect("the store opens");
    let mut snap = store.snapshot(&community, None, Some(i64::MAX)).expect("the snapshot loads");
    settle_as_of(&mut snap);
    let flagged: Vec<bool> = snap.members.iter().map(|m| m.bot).collect();
    for m in &mut snap.members {
        m.bot = false;
    }
    let mut rows = figures(&snap);
    let margin = |f: &tonghao_insight::automated::Found| (f.fast / FAST_SHARE).min(f.templated / TEMPLATED_SHARE);
    rows.sort_by(|a, b| margin(b).total_cmp(&margin(a)));
    println!("rule\tflagged\tmessages\tfast\ttemplated\tname");
    for f in &rows {
        let rule = f.fast >= FAST_SHARE && f.templated >= TEMPLATED_SHARE;
        println!(
            "{}\t{}\t{}\t{:.3}\t{:.3}\t{}",
            if rule { "bot" } else { "-" },
            if flagged[f.member as usize] { "flagged" } else { "-" },
            f.messages,
            f.fast,
            f.templated,
            snap.members[f.member as usize].name
        );
    }
    let found = rows.iter().filter(|f| f.fast >= FAST_SHARE && f.templated >= TEMPLATED_SHARE).count();
    let labelled = rows.iter().filter(|f| flagged[f.member as usize]).count();
    let both = rows
        .iter()
        .filter(|f| flagged[f.member as usize] && f.fast >= FAST_SHARE && f.templated >= TEMPLATED_SHARE)
        .count();
    eprintln!(
        "{} members read; the rule finds {found}; the exports flag {labelled} of them, {both} of which the rule finds",
        rows.len()
    );
}
