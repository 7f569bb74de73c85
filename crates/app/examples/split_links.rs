//! The links a split reads, one line each, for a diagnosis outside the
//! tests (`tools/split_diagnosis.py`):
//! `cargo run -p tonghao-app --example split_links -- DB [COMMUNITY]`.
//!
//! Loads the snapshot as `phases` does, infers the missing reply links over
//! the last 28 days and prints, for every message of that window,
//! `group<TAB>kind<TAB>author<TAB>target<TAB>confidence` (store ids;
//! confidence in percent): kind `P` for the message itself (target: its
//! author), `E` an explicit reply, `M` an @mention, `I` an inferred reply
//! with the reply model's confidence in it (100 for the others; a reply to
//! a member the message also @mentions is not repeated).

use tonghao_insight::links::infer_missing;
use tonghao_insight::report::settle_as_of;
use tonghao_model::snapshot::{LinkKind, NONE};
use tonghao_store::{Queries, SqliteStore};

fn main() {
    let mut args = std::env::args().skip(1);
    let db = args.next().expect("usage: split_links DB [COMMUNITY]");
    let community = args.next().unwrap_or_else(|| "default".into());
    let store = SqliteStore::open(std::path::Path::new(&db)).expect("the store opens");
    let mut snap = store.snapshot(&community, None, Some(35 * 86_400_000)).expect("the snapshot loads");
    settle_as_of(&mut snap);
    let start = snap.as_of_ms - 28 * 86_400_000;
    infer_missing(&mut snap, start);
    let m = &snap.messages;
    let id = |member: u32| snap.members[member as usize].store_id;
    for meta in &snap.groups {
        let name = meta.name.clone().unwrap_or_default();
        for i in meta.messages.clone().filter(|&i| m.at_ms[i] >= start && m.at_ms[i] <= snap.as_of_ms) {
            let a = id(m.member[i]);
            println!("{name}\tP\t{a}\t{a}\t100");
            // as the split's graph counts them: a member linked twice by
            // one message (a quote and an @mention) once
            let mentions = m.mentions(i);
            for &t in mentions {
                println!("{name}\tM\t{a}\t{}\t100", id(t));
            }
            let parent = m.reply_to[i];
            if parent != NONE && !mentions.contains(&m.member[parent as usize]) {
                let kind = match m.reply_kind[i] {
                    LinkKind::Explicit => "E",
                    LinkKind::Mention => "M",
                    LinkKind::Inferred => "I",
                };
                println!("{name}\t{kind}\t{a}\t{}\t{}", id(m.member[parent as usize]), m.reply_confidence[i]);
            }
        }
    }
}
