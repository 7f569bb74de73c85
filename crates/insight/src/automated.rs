//! Automated accounts that no export flagged.
//!
//! Slack and Discord mark their bots; Gitter, Matrix, IRC, WeChat and QQ
//! exports do not, and a bot that answers commands ("thanks @x" → "x gets a
//! brownie point") looks like the group's most helpful member: on the real
//! freeCodeCamp rooms it was proposed as the host of 116 moves (the person
//! who should write a personal message, run a split) and as an admin
//! candidate. The seeds are blunt about it: people want one-to-one contact
//! with a person, not a robot assistant. So a member is taken as a bot when
//! an export says so, or when both of these hold over the messages whose
//! texts the snapshot carries (the report's window and the week before it):
//!
//! - **fast**: at least [`FAST_SHARE`] of their messages came within
//!   [`FAST_MS`] of another member's message in the same group (a person
//!   needs longer to read and type; groups whose export has only minutes,
//!   where every gap is 0 or 60 s, are left out of this count);
//! - **templated**: at least [`TEMPLATED_SHARE`] of their messages have a
//!   shape (the text with ASCII letters lower-cased, links, @mentions and
//!   numbers blanked)
//!   they used at least [`TEMPLATE_REPEATS`] times;
//!
//! counted over at least [`MIN_MESSAGES`] text messages that are not
//! check-ins (a check-in is templated by design). Either signal alone also
//! fits people: a busy member who often answers at once, a spammer or
//! someone who says "hello" every morning (docs/ops.md has the figures on
//! the real exports). A bot found this way is marked as if its export had
//! flagged it, for every face: it is asked to do nothing, no move is about
//! it, a split leaves it out, and its messages carry [`flags::BOT`].

use tonghao_model::ContentType;
use tonghao_model::snapshot::{Snapshot, flags};

/// A reply this soon after another member's message is "fast".
pub const FAST_MS: i64 = 2_000;
/// The share of fast messages a bot has at least.
pub const FAST_SHARE: f64 = 0.4;
/// The share of templated messages a bot has at least.
pub const TEMPLATED_SHARE: f64 = 0.5;
/// A shape used this many times is a template.
pub const TEMPLATE_REPEATS: usize = 3;
/// How many messages back the other member's message is looked for.
const LOOK_BACK: usize = 50;
/// Text messages needed before either share is read.
pub const MIN_MESSAGES: usize = 20;

/// A member taken as a bot by behaviour, with the figures that decided it.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// Index into [`Snapshot::members`].
    pub member: u32,
    /// Text messages counted (loaded texts, not check-ins, not empty).
    pub messages: usize,
    /// Share of them within [`FAST_MS`] of another member's message, over
    /// those in groups with second-resolution times.
    pub fast: f64,
    /// Share of them whose shape they used [`TEMPLATE_REPEATS`] times or more.
    pub templated: f64,
}

/// Finds the bots among the members of `snap` that no export flagged, marks
/// them (`bot`, and [`flags::BOT`] on all their messages) and returns them
/// with their figures, in member order.
pub fn mark(snap: &mut Snapshot) -> Vec<Found> {
    let found = find(snap);
    if found.is_empty() {
        return found;
    }
    let mut is_bot = vec![false; snap.members.len()];
    for f in &found {
        is_bot[f.member as usize] = true;
        snap.members[f.member as usize].bot = true;
    }
    let m = &mut snap.messages;
    for i in 0..m.member.len() {
        if is_bot[m.member[i] as usize] {
            m.flags[i] |= flags::BOT;
        }
    }
    found
}

/// [`mark`] without marking.
pub fn find(snap: &Snapshot) -> Vec<Found> {
    figures(snap).into_iter().filter(|f| f.fast >= FAST_SHARE && f.templated >= TEMPLATED_SHARE).collect()
}

/// Both shares for every member not flagged by an export who has enough
/// messages to read them ([`MIN_MESSAGES`] with texts, as many with
/// second-resolution times), in member order: what [`find`] reads.
pub fn figures(snap: &Snapshot) -> Vec<Found> {
    let m = &snap.messages;
    if m.text.is_empty() {
        return Vec::new();
    }
    // Per member: (shape hash, fast or None where times are only minutes).
    let mut seen: Vec<Vec<(u64, Option<bool>)>> = vec![Vec::new(); snap.members.len()];
    let seconds: Vec<bool> =
        snap.groups.iter().map(|g| m.at_ms[g.messages.clone()].iter().any(|t| t % 60_000 != 0)).collect();
    // Only the messages with texts (the window), not the whole history, in
    // message order (the columns are read near each other), in chunks on
    // every core.
    let mut texts: Vec<(u32, &str)> = m.text.iter().map(|(&i, t)| (i, &**t)).collect();
    texts.sort_unstable_by_key(|&(i, _)| i);
    const CHUNK: usize = 1 << 16;
    let per_chunk = crate::par::map(texts.len().div_ceil(CHUNK), 0, |c| {
        let mut out: Vec<(u32, u64, Option<bool>)> = Vec::new();
        for &(i, text) in &texts[c * CHUNK..((c + 1) * CHUNK).min(texts.len())] {
            let i = i as usize;
            let who = m.member[i];
            if snap.members[who as usize].bot || m.content[i] != ContentType::Text || m.has(i, flags::CHECKIN) {
                continue;
            }
            let Some(shape) = shape(text) else { continue };
            let g = m.group[i] as usize;
            let fast = seconds[g].then(|| {
                // The latest earlier message in the group by someone else,
                // looked for among the few before (a run of one's own
                // messages longer than that answers no one).
                let start = snap.groups[g].messages.start.max(i.saturating_sub(LOOK_BACK));
                (start..i).rev().find(|&j| m.member[j] != who).is_some_and(|j| m.at_ms[i] - m.at_ms[j] <= FAST_MS)
            });
            out.push((who, shape, fast));
        }
        out
    });
    for (who, shape, fast) in per_chunk.into_iter().flatten() {
        seen[who as usize].push((shape, fast));
    }
    let mut out = Vec::new();
    for (member, list) in seen.iter_mut().enumerate() {
        if list.len() < MIN_MESSAGES {
            continue;
        }
        let timed: Vec<bool> = list.iter().filter_map(|&(_, f)| f).collect();
        if timed.len() < MIN_MESSAGES {
            continue;
        }
        let fast = timed.iter().filter(|&&f| f).count() as f64 / timed.len() as f64;
        list.sort_unstable_by_key(|&(s, _)| s);
        let templated = list
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|run| run.len() >= TEMPLATE_REPEATS)
            .map(|run| run.len())
            .sum::<usize>() as f64
            / list.len() as f64;
        out.push(Found { member: member as u32, messages: list.len(), fast, templated });
    }
    out
}

/// A hash of `text`'s shape: ASCII letters lower-cased, each link,
/// @mention and run of digits blanked to one marker, runs of ASCII white
/// space to one space, trimmed; `None` for a text with nothing left. Bytes,
/// not characters: it runs on every text of a report's window.
fn shape(text: &str) -> Option<u64> {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |b: u8| {
        h ^= b as u64;
        h = h.wrapping_mul(PRIME);
    };
    let b = text.as_bytes();
    let (mut k, mut any, mut space) = (0, false, false);
    while k < b.len() {
        let c = b[k];
        if c.is_ascii_whitespace() {
            space = any;
            k += 1;
            continue;
        }
        if space {
            feed(b' ');
            space = false;
        }
        any = true;
        let link = c == b'h' && (b[k..].starts_with(b"http://") || b[k..].starts_with(b"https://"));
        if c == b'@' || link {
            // To the next white space.
            while k < b.len() && !b[k].is_ascii_whitespace() {
                k += 1;
            }
            feed(if link { b'U' } else { b'@' });
        } else if c.is_ascii_digit() {
            while k < b.len() && b[k].is_ascii_digit() {
                k += 1;
            }
            feed(b'0');
        } else {
            feed(c.to_ascii_lowercase());
            k += 1;
        }
    }
    any.then_some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_blank_mentions_links_and_numbers() {
        assert_eq!(shape("> :star: 12 | @alice | [x](https://a.b/1)"), shape("> :STAR: 7 | @bob | [x](https://c.d/2)"));
        assert_eq!(shape("gives  a  point to @x"), shape("gives a point to @y "));
        assert_ne!(shape("hello"), shape("hello there"));
        assert_eq!(shape("   "), None);
        assert_eq!(shape("第3天"), shape("第12天"));
    }
}
