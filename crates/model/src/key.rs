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
    fnv1a64_more(fnv1a64_parts(parts), tail)
}

const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// [`fnv1a64`] of `parts` with no tail: the state a tail continues from.
fn fnv1a64_parts(parts: &[&str]) -> u64 {
    let mut h = FNV64_OFFSET;
    for p in parts {
        h = fnv1a64_more(h, p.as_bytes());
        h = fnv1a64_more(h, &[0x1f]);
    }
    h
}

/// FNV-1a, 64-bit, continued from state `h` over `bytes`.
fn fnv1a64_more(mut h: u64, bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    for &b in bytes {
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
        // Numbers written into stack buffers, and one pass over the parts:
        // the ordinal counter's hash is the key's hash before the ordinal,
        // so the key continues from it (the same value as
        // `content_key(&parts, ordinal)`, at half the hashing: on a 10M
        // message import this was a few percent of the writing thread).
        let (mut m, mut c) = (Decimal::default(), Decimal::default());
        let parts: [&[u8]; 5] = [
            event.kind().as_bytes(),
            event.header().group.as_bytes(),
            m.format(member),
            c.format(clock_s),
            body.as_bytes(),
        ];
        let prefix = parts.iter().fold(FNV64_OFFSET, |h, p| fnv1a64_more(fnv1a64_more(h, p), &[0x1f]));
        let ordinal = self.ordinal_of(clock_s, prefix);
        fnv1a64_more(prefix, &ordinal.to_le_bytes()) as i64
    }

    /// How many events with the same `parts` came before this one within
    /// unix second `second`.
    fn ordinal(&mut self, second: i64, parts: &[&str]) -> u32 {
        self.ordinal_of(second, fnv1a64(parts, &[]))
    }

    /// [`Self::ordinal`] for parts whose [`fnv1a64`] is `hash`.
    fn ordinal_of(&mut self, second: i64, hash: u64) -> u32 {
        if second != self.second {
            self.second = second;
            self.seen.clear();
        }
        let n = self.seen.entry(hash).or_insert(0);
        *n += 1;
        *n - 1
    }
}

/// An `i64` written in decimal (the bytes `to_string` writes) into a
/// buffer on the stack.
#[derive(Default)]
struct Decimal([u8; 20]);

impl Decimal {
    fn format(&mut self, n: i64) -> &[u8] {
        let mut i = self.0.len();
        let mut v = n.unsigned_abs();
        loop {
            i -= 1;
            self.0[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if n < 0 {
            i -= 1;
            self.0[i] = b'-';
        }
        &self.0[i..]
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

    #[test]
    fn decimal_writes_what_to_string_writes() {
        for n in [0, 7, -7, 10, 1_700_000_000, -1_700_000_000, i64::MAX, i64::MIN] {
            assert_eq!(Decimal::default().format(n), n.to_string().as_bytes());
        }
    }

    #[test]
    fn content_key_is_the_documented_hash() {
        // What `KeyCounter::content_key` computes in one pass must stay
        // `content_key(parts, ordinal)`: stored rows are keyed by it.
        let e: Event = serde_json::from_str(
            r#"{"kind":"message","platform":"wechat","group":"g","member":"m","at":"2024-03-01T21:05:00+08:00","text":"+1"}"#,
        )
        .unwrap();
        let mut c = KeyCounter::default();
        let parts = ["message", "g", "-42", "1709327100", "+1"];
        assert_eq!(c.content_key(&e, -42, 1_709_327_100), content_key(&parts, 0));
        assert_eq!(c.content_key(&e, -42, 1_709_327_100), content_key(&parts, 1));
        assert_eq!(c.content_key(&e, 3, 1_709_327_100), content_key(&["message", "g", "3", "1709327100", "+1"], 0));
        // FNV-1a 64 of those parts, each followed by 0x1f, then 0u32 LE.
        assert_eq!(content_key(&["message", "g", "3", "1709327100", "+1"], 0), -294_437_224_760_858_987);
    }
}
