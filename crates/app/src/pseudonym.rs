//! Pseudonyms for reports shared outside the team (`tonghao report
//! --pseudonymise`): every member's name and id become a stable code that
//! cannot be reversed by guessing names or ids, because it is a keyed hash
//! (HMAC-SHA-256) of the member's store id under a secret kept in the store,
//! one per community, made on first use and never shown. The same member
//! gets the same code in every report of the same store.

use crate::Result;
use crate::report::Report;
use sha2::{Digest, Sha256};
use tonghao_model::msg::Arg;
use tonghao_model::snapshot::Snapshot;
use tonghao_store::Store;

/// The community's pseudonym key, ready to code members with.
pub struct Pseudonyms {
    key: Vec<u8>,
}

impl Pseudonyms {
    /// The key of `community`, made (32 random bytes) and stored on first use.
    pub fn for_community(store: &dyn Store, community: &str) -> Result<Self> {
        let stored = store.pseudonym_key(community, &crate::accounts::random_hex(32))?;
        Ok(Pseudonyms { key: stored.into_bytes() })
    }

    fn mac(&self, what: &str, id: i64) -> [u8; 32] {
        hmac_sha256(&self.key, format!("{what}:{id}").as_bytes())
    }

    /// The member's name in a shared report: `P-` and 10 hex digits (40 bits:
    /// among 100,000 members, two share a code with a chance of about 0.5%).
    pub fn name(&self, member_store_id: i64) -> String {
        let mac = self.mac("member", member_store_id);
        format!("P-{}", mac[..5].iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    /// The member's id in a shared report: 47 bits of the keyed hash, so
    /// not a row id anyone can count up to.
    pub fn id(&self, member_store_id: i64) -> i64 {
        let mac = self.mac("member-id", member_store_id);
        (u64::from_be_bytes(mac[..8].try_into().expect("8 bytes")) >> 17) as i64
    }

    /// A member's index in the report's snapshot, coded the same way (31 bits).
    pub fn index(&self, member_store_id: i64) -> u32 {
        (self.id(member_store_id) & 0x7fff_ffff) as u32
    }

    /// Every member's name in `snap` becomes their code. Run after reply
    /// inference (which reads names in texts) so every figure is the same.
    pub fn snapshot(&self, snap: &mut Snapshot) {
        for m in &mut snap.members {
            m.name = self.name(m.store_id);
        }
    }

    /// What the report still says of people after [`Pseudonyms::snapshot`]:
    /// member ids become codes, drafted messages that name someone are left
    /// out, and words quoted from messages (the "introduce" moves) become
    /// "…". `snap` is the snapshot the report was computed from.
    pub fn report(&self, report: &mut Report, snap: &Snapshot, templates: &crate::templates::Templates) {
        let codes: std::collections::HashSet<String> = snap.members.iter().map(|m| m.name.clone()).collect();
        for g in &mut report.groups {
            for m in &mut g.members {
                if let Some(meta) = snap.members.get(m.member as usize) {
                    m.member = self.index(meta.store_id);
                }
            }
        }
        for mv in &mut report.moves {
            let names_someone = |msg: &tonghao_model::msg::Msg| {
                msg.args.iter().any(|(_, a)| matches!(a, Arg::Text(t) if codes.contains(t)))
            };
            if mv.draft.as_ref().is_some_and(names_someone) {
                mv.draft = None;
            }
            for (name, arg) in &mut mv.msg.args {
                if *name == "words" {
                    *arg = Arg::Text("…".into());
                }
            }
            mv.subject = mv.subject.map(|s| self.id(s));
            for m in &mut mv.evidence.members {
                *m = self.id(*m);
            }
            for pg in &mut mv.evidence.groups {
                for m in &mut pg.members {
                    *m = self.id(*m);
                }
                pg.host = pg.host.map(|h| self.id(h));
            }
            // A move's id hashes its subject's row id, which can be guessed.
            let mac = hmac_sha256(&self.key, mv.id.as_bytes());
            let kind = mv.id.split('-').next().unwrap_or("move").to_string();
            mv.id = format!("{kind}-{}", mac[..6].iter().map(|b| format!("{b:02x}")).collect::<String>());
            crate::report::localize_move(mv, templates);
        }
    }
}

/// HMAC-SHA-256 (RFC 2104) over the SHA-256 the crate already uses.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    /// RFC 4231, test cases 2 and 6 (a key longer than the block).
    #[test]
    fn hmac_matches_rfc_4231() {
        let hex = |b: [u8; 32]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(super::hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(super::hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
