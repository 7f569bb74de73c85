//! Natural keys for events whose source gives no id.

use crate::Event;
use std::collections::HashMap;

/// A stable key for an event without a source id: a 128-bit hash of the parts
/// that identify it, written as 32 hex digits and prefixed with `h:` so it never
/// collides with a source id.
///
/// The parts are joined with a separator that cannot occur in them (0x1f), so
/// ("ab","c") and ("a","bc") differ. `ordinal` separates identical lines within
/// the same second (someone sending "+1" twice).
pub fn fallback_key(parts: &[&str], ordinal: u32) -> String {
    let mut buf = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum::<usize>() + 4);
    for p in parts {
        buf.extend_from_slice(p.as_bytes());
        buf.push(0x1f);
    }
    buf.extend_from_slice(&ordinal.to_le_bytes());
    format!("h:{:032x}", fnv1a128(&buf))
}

/// FNV-1a, 64-bit, over `parts` each followed by 0x1f, then `tail`: the
/// content key's hash and the ordinal counter's, with no buffer built.
fn fnv1a64(parts: &[&str], tail: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for p in parts {
        for &b in p.as_bytes().iter().chain(&[0x1f]) {
            h ^= b as u64;
            h = h.wrapping_mul(PRIME);
        }
    }
    for &b in tail {
        h ^= b as u64;
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// FNV-1a, 128-bit: tiny, stable across versions and platforms (unlike
/// `std::hash`), and good enough to tell chat lines apart.
fn fnv1a128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut h = OFFSET;
    for &b in bytes {
        h ^= b as u128;
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// Counts identical events within the same second, so that each gets its own
/// ordinal for [`fallback_key`]. Feed events in file order.
#[derive(Default)]
pub struct KeyCounter {
    second: i64,
    /// Hash of the parts → how many were seen in this second.
    seen: HashMap<u64, u32>,
}

impl KeyCounter {
    /// The natural key of `event` (`docs/events.md`): its `id` when the source
    /// gave one, otherwise the content hash of (kind, group, member id or
    /// name, time, body) with its ordinal. The store keys rows with this, and a
    /// source that must point at an id-less message (a WeChat quote) computes
    /// the same key by feeding the same events through its own counter.
    pub fn natural_key(&mut self, event: &Event) -> String {
        let h = event.header();
        if let Some(id) = &h.id {
            return id.clone();
        }
        let body = key_body(event);
        let at = h.at.to_rfc3339();
        let who = h.member.as_deref().or(h.member_name.as_deref()).unwrap_or("");
        self.key(h.at.timestamp(), &[event.kind(), &h.group, who, &at, &body])
    }

    /// The key for an event at unix second `second` made of `parts`.
    pub fn key(&mut self, second: i64, parts: &[&str]) -> String {
        let ordinal = self.ordinal(second, parts);
        fallback_key(parts, ordinal)
    }

    /// The content key of `event` (see [`content_key`]) by the person the
    /// store knows as `member`, whose group's wall clock read `clock_s`
    /// (seconds, as if UTC) when it happened. Feed events in file order
    /// through one counter per file.
    pub fn content_key(&mut self, event: &Event, member: i64, clock_s: i64) -> i64 {
        let body = key_body(event);
        let (member, clock) = (member.to_string(), clock_s.to_string());
        let parts = [event.kind(), event.header().group.as_str(), member.as_str(), clock.as_str(), &*body];
        let ordinal = self.ordinal(clock_s, &parts);
        content_key(&parts, ordinal)
    }

    /// How many events with the same `parts` came before this one within
    /// unix second `second`.
    fn ordinal(&mut self, second: i64, parts: &[&str]) -> u32 {
        if second != self.second {
            self.second = second;
            self.seen.clear();
        }
        let n = self.seen.entry(fnv1a64(parts, &[])).or_insert(0);
        *n += 1;
        *n - 1
    }
}

/// What an event says, for its keys: the text of a message or check-in,
/// the role given, amount and item of an order, target and emoji of a
/// reaction; nothing for a join, leave or recall.
pub fn key_body(event: &Event) -> std::borrow::Cow<'_, str> {
    match event {
        Event::Message(m) => m.text.as_str().into(),
        Event::Join(_) | Event::Leave(_) | Event::Recall(_) => "".into(),
        Event::Role(r) => r.role.as_str().into(),
        Event::Checkin(c) => c.text.as_str().into(),
        Event::Order(o) => format!("{}{}", o.amount_minor, o.item.as_deref().unwrap_or("")).into(),
        Event::Reaction(r) => format!("{}{}", r.target, r.emoji).into(),
    }
}

/// The key that recognises the same event exported by two tools, or read
/// twice with different `--tz`: a 64-bit hash of (kind, group, person,
/// wall-clock second, body) and the ordinal among identical ones. It leaves
/// out the source's id (one tool has it, another not); the person is the
/// store's member row (identity resolution makes one person of an id and
/// a name the way tools name them); and it reads time on the group's own
/// wall clock: what a zone-less export wrote, or the instant in the offset
/// the group was created with (so `--tz` never moves it). `parts` are
/// (kind, group, member row id, clock seconds, body), numbers in decimal.
pub fn content_key(parts: &[&str], ordinal: u32) -> i64 {
    fnv1a64(parts, &ordinal.to_le_bytes()) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_parts_and_ordinals() {
        assert_ne!(fallback_key(&["ab", "c"], 0), fallback_key(&["a", "bc"], 0));
        assert_ne!(fallback_key(&["a"], 0), fallback_key(&["a"], 1));
        assert_eq!(fallback_key(&["a", "b"], 3), fallback_key(&["a", "b"], 3));
        assert!(fallback_key(&["x"], 0).starts_with("h:"));
    }

    #[test]
    fn counter_numbers_repeats_within_a_second_only() {
        let mut c = KeyCounter::default();
        let a = c.key(10, &["g", "m", "+1"]);
        let b = c.key(10, &["g", "m", "+1"]);
        let d = c.key(11, &["g", "m", "+1"]);
        assert_ne!(a, b);
        assert_eq!(a, d, "a new second starts counting again");
    }
}
