//! Filling in reply links the export did not record.
//!
//! Many exports (QQ text, WhatsApp, IRC, Gitter) carry no reply data, and
//! even where they do, about half of real replies name nobody. For a message
//! with neither an explicit reply nor an @mention, the reply model
//! ([`crate::replies`], measured in docs/insight.md) picks the earlier message
//! it answers, if any; the link is marked [`LinkKind::Inferred`] so every face
//! can say how it was found.

use crate::replies::{self, Source};
use tonghao_model::snapshot::{LinkKind, NONE, Snapshot};

/// Without texts, the fallback links a message to the one just before it
/// when that is by someone else and at most this old.
pub const FALLBACK_GAP_MS: i64 = 5 * 60 * 1000;

/// Links every message sent at or after `from_ms` that has no explicit
/// reply and no mention to the message it most likely answers (earlier
/// messages serve as context only: the metrics that read links look at a
/// window, and inference is most of a report's time). Uses the reply model
/// when the snapshot carries texts (kept: the console shows the unanswered
/// questions behind a figure); otherwise the "previous speaker within 5
/// minutes" rule. Returns how many links it added.
pub fn infer_missing(snap: &mut Snapshot, from_ms: i64) -> usize {
    let starts = vec![from_ms; snap.groups.len()];
    infer_missing_since(snap, &starts)
}

/// [`infer_missing`] from a time of each group's own, `starts[g]`: a
/// report reads each group over its own window (an export that ended years
/// ago beside a live one), and inferring the others' from the earliest of
/// them would read years of messages no figure looks at.
pub fn infer_missing_since(snap: &mut Snapshot, starts: &[i64]) -> usize {
    assert_eq!(starts.len(), snap.groups.len(), "a start per group");
    let with_text = !snap.messages.text.is_empty();
    // Groups are independent: infer on every core, then write the links.
    let per_group = crate::par::map(snap.groups.len(), 0, |g| {
        let all = snap.groups[g].messages.clone();
        let from_ms = starts[g];
        let first = all.start + snap.messages.at_ms[all.clone()].partition_point(|&t| t < from_ms);
        let context = first.saturating_sub(replies::WINDOW).max(all.start);
        let range = context..all.end;
        let links = if with_text { model_links(snap, range) } else { fallback_links(snap, range) };
        links.into_iter().filter(|&(i, ..)| i >= first).collect::<Vec<_>>()
    });
    let mut added = 0;
    let m = &mut snap.messages;
    for (i, parent, percent) in per_group.into_iter().flatten() {
        m.reply_to[i] = parent as u32;
        m.reply_kind[i] = LinkKind::Inferred;
        m.reply_confidence[i] = percent;
        added += 1;
    }
    added
}

fn unlinked(snap: &Snapshot, i: usize) -> bool {
    let m = &snap.messages;
    m.reply_to[i] == NONE && m.mention_start[i] == m.mention_start[i + 1]
}

/// How sure the fallback rule is of a link, in percent: no model to say,
/// so the weight the split gave every inferred link before the model said
/// how sure it was (docs/ops.md, "Split").
const FALLBACK_CONFIDENCE: u8 = 75;

/// Each link as (message, parent, confidence in percent).
fn fallback_links(snap: &Snapshot, range: std::ops::Range<usize>) -> Vec<(usize, usize, u8)> {
    let m = &snap.messages;
    range
        .clone()
        .skip(1)
        .filter(|&i| {
            unlinked(snap, i) && m.member[i - 1] != m.member[i] && m.at_ms[i] - m.at_ms[i - 1] <= FALLBACK_GAP_MS
        })
        .map(|i| (i, i - 1, FALLBACK_CONFIDENCE))
        .collect()
}

/// Each link as (message, parent, confidence in percent).
fn model_links(snap: &Snapshot, range: std::ops::Range<usize>) -> Vec<(usize, usize, u8)> {
    let m = &snap.messages;
    let start = range.start;
    let input: Vec<replies::Message> = range
        .clone()
        .map(|i| {
            let mut msg = replies::Message::chat(
                m.at_ms[i].div_euclid(1000),
                m.member[i],
                &snap.members[m.member[i] as usize].name,
                m.text.get(&(i as u32)).map_or("", |t| t),
            );
            let parent = m.reply_to[i] as usize;
            if m.reply_to[i] != NONE && parent >= start && parent < i {
                msg = msg.with_reply_to(parent - start);
            }
            msg.with_mentions(m.mentions(i))
        })
        .collect();
    let (links, sure) = replies::Model::shipped().infer_scored(&input);
    links
        .into_iter()
        .zip(sure)
        .enumerate()
        .filter(|&(k, (link, _))| link.source == Source::Inferred && link.parent != k && unlinked(snap, start + k))
        .map(|(k, (link, p))| (start + k, start + link.parent, (p * 100.0).round() as u8))
        .collect()
}
