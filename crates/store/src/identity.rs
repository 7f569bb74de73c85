//! Who is who: the identity rules every backend shares.
//!
//! A backend implements only [`IdentityRows`], a handful of row operations
//! (find a member by identity, create one, add an identity or a name, merge
//! two members, read the suppression list); the rules that decide which
//! member an event's person is live here once:
//!
//! - `(platform, external id)` is one member across all groups of a
//!   community.
//! - People known only by a name (a WeChat join line, a QQ nickname) get a
//!   name-only member with a provisional identity `~name:<group>:<name>`;
//!   within a group a name means whoever used it most recently.
//! - When a real id first appears under a name that a name-only member
//!   holds in that group, that member is this person: the id attaches to it,
//!   or, if the id already belongs to someone (seen in another group), the
//!   name-only member is merged into them.
//! - Deleted people stay deleted: an id on the suppression list is
//!   decisive; without an id, a name they used in that group is.
//!
//! The caches here make nearly every event cost no lookup at all. Name
//! caches live for one file, as they did when every file was its own
//! transaction, so that importing files one by one or in one session gives
//! the same members; the id cache (a plain fact of the store) lives for the
//! session, and is forgotten when a file is rolled back.

use std::collections::{HashMap, HashSet};
use tonghao_model::Platform;

/// A row operation's failure (a backend's error, boxed: it travels back
/// through the source feeding the import).
pub(crate) type RowError = Box<dyn std::error::Error + Send + Sync>;
/// A row operation's result.
pub(crate) type RowResult<T> = Result<T, RowError>;

/// Lookups keyed by ids and names from an export run several times per
/// event: a fast hasher, but a seeded one.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The row operations identity resolution needs, inside the import's
/// transaction, for one community. Member ids are the backend's row ids.
pub(crate) trait IdentityRows {
    /// The member holding `(platform, external_id)`.
    fn member_by_identity(&mut self, platform: Platform, external_id: &str) -> RowResult<Option<i64>>;
    /// The member holding the provisional identity `external_id`
    /// (`~name:...`), if no real id has claimed that member yet.
    fn name_only_member(&mut self, platform: Platform, external_id: &str) -> RowResult<Option<i64>>;
    /// Whoever used `name` in `group` most recently.
    fn member_by_name(&mut self, group: i64, name: &str) -> RowResult<Option<i64>>;
    /// A new member; returns its id.
    fn create_member(&mut self, display_name: &str, at_ms: i64, bot: bool) -> RowResult<i64>;
    /// Gives `member` the identity `(platform, external_id)`.
    fn add_identity(&mut self, platform: Platform, external_id: &str, member: i64) -> RowResult<()>;
    /// Records that `member` used `name` in `group` at `at_ms` (widening the
    /// name's first/last seen); the latest name becomes the display name.
    fn record_name(&mut self, member: i64, group: i64, name: &str, at_ms: i64) -> RowResult<()>;
    /// Moves every row of member `from` to `into` (messages, joins and
    /// leaves, links as inviter, activities, names, identities) and deletes
    /// `from`, at once or by the time the import commits (lookups through
    /// identities and names must find `into` at once). Must not scan all
    /// messages: called once per merge.
    fn merge_member(&mut self, from: i64, into: i64) -> RowResult<()>;
    /// The community's suppression list: (platform, external id), provisional
    /// `~name:` ids included.
    fn suppressed_identities(&mut self) -> RowResult<HashSet<(String, String)>>;
}

/// A person as an event names them, in one group.
#[derive(Clone, Copy)]
pub(crate) struct Person<'a> {
    /// The group's platform.
    pub platform: Platform,
    /// The group's external id (for provisional identities).
    pub group_ext: &'a str,
    /// The group's row id.
    pub group: i64,
    /// Their platform id, if the event gives one.
    pub id: Option<&'a str>,
    /// Their name, if the event gives one.
    pub name: Option<&'a str>,
    /// When (UTC ms): names are dated by it.
    pub at: i64,
    /// Marked as a bot (only used when creating the member).
    pub bot: bool,
}

/// The stand-in identity of someone known only by `name` in `group`.
pub(crate) fn provisional_id(group: &str, name: &str) -> String {
    format!("~name:{group}:{name}")
}

/// Identity resolution for one import session: the rules, and their caches.
pub(crate) struct Identities {
    /// platform → external id → member (nested so lookups by `&str`
    /// allocate nothing). For the whole session.
    identities: FastMap<Platform, FastMap<String, i64>>,
    /// (group row, name) → member, for events that name people only. Per file.
    by_name: FastMap<(i64, String), i64>,
    /// (member, group) → the name last recorded, to write names only on
    /// change. Per file.
    names: FastMap<(i64, i64), String>,
    /// Members created by the current file (a merge may take one back).
    created: HashSet<i64, foldhash::fast::RandomState>,
    /// Members the current file added, net of merges.
    members_added: u64,
    /// Deleted members' (platform, external id), provisional `~name:` ids
    /// included: their events are skipped, their mentions dropped.
    suppressed: HashSet<(String, String)>,
}

impl Identities {
    /// Resolution with the community's suppression list.
    pub(crate) fn new(suppressed: HashSet<(String, String)>) -> Self {
        Identities {
            identities: Default::default(),
            by_name: Default::default(),
            names: Default::default(),
            created: Default::default(),
            members_added: 0,
            suppressed,
        }
    }

    /// Starts a file: its name caches and counts begin empty.
    pub(crate) fn start_file(&mut self) {
        self.by_name.clear();
        self.names.clear();
        self.created.clear();
        self.members_added = 0;
    }

    /// After a file was rolled back: every cached id may name a row that no
    /// longer exists (and whose id the backend may hand out again).
    pub(crate) fn forget(&mut self) {
        self.identities.clear();
        self.start_file();
    }

    /// New members the current file added, net of merges.
    pub(crate) fn members_added(&self) -> u64 {
        self.members_added
    }

    /// Whether the person with `id` (else `name`) in group `group_ext` was
    /// deleted: an id is decisive; without one, a name they used in that group.
    pub(crate) fn is_suppressed(
        &self,
        platform: Platform,
        group_ext: &str,
        id: Option<&str>,
        name: Option<&str>,
    ) -> bool {
        if self.suppressed.is_empty() {
            return false;
        }
        let ext = match (id, name) {
            (Some(id), _) => id.to_string(),
            (None, Some(name)) => provisional_id(group_ext, name),
            (None, None) => return false,
        };
        self.suppressed.contains(&(platform.as_str().to_string(), ext))
    }

    /// The member behind `p`, created if new, merged if the rules say two
    /// members are one person, with the name recorded.
    pub(crate) fn person<R: IdentityRows>(&mut self, rows: &mut R, p: Person<'_>) -> RowResult<i64> {
        let member = match (p.id, p.name) {
            (Some(ext), name) => self.member_by_id(rows, p, ext, name)?,
            (None, Some(name)) => self.member_by_name(rows, p, name)?,
            (None, None) => return Err("a person with neither an id nor a name (events are validated first)".into()),
        };
        // Nearly every event: a member seen here before under the same name,
        // so there is nothing to merge or record.
        if p.name.is_some_and(|name| self.names.get(&(member, p.group)).is_some_and(|n| n == name)) {
            return Ok(member);
        }
        // First sight of a known id in this group under a name that a join
        // line already introduced: the name-only member is this person.
        if let (Some(_), Some(name)) = (p.id, p.name)
            && !self.names.contains_key(&(member, p.group))
            && let Some(from) = rows.name_only_member(p.platform, &provisional_id(p.group_ext, name))?
            && from != member
        {
            self.merge(rows, from, member)?;
        }
        if let Some(name) = p.name {
            self.record_name(rows, member, p.group, name, p.at)?;
        }
        Ok(member)
    }

    fn member_by_id<R: IdentityRows>(
        &mut self,
        rows: &mut R,
        p: Person<'_>,
        ext: &str,
        name: Option<&str>,
    ) -> RowResult<i64> {
        if let Some(&id) = self.identities.get(&p.platform).and_then(|m| m.get(ext)) {
            return Ok(id);
        }
        let id = match rows.member_by_identity(p.platform, ext)? {
            Some(id) => id,
            None => {
                // Someone first known by name (a join line) who now speaks with an id.
                let name_only = match name {
                    Some(n) => rows.name_only_member(p.platform, &provisional_id(p.group_ext, n))?,
                    None => None,
                };
                let id = match name_only {
                    Some(id) => id,
                    None => self.create(rows, name.unwrap_or(ext), p.at, p.bot)?,
                };
                rows.add_identity(p.platform, ext, id)?;
                id
            }
        };
        self.identities.entry(p.platform).or_default().insert(ext.to_string(), id);
        Ok(id)
    }

    fn member_by_name<R: IdentityRows>(&mut self, rows: &mut R, p: Person<'_>, name: &str) -> RowResult<i64> {
        let key = (p.group, name.to_string());
        if let Some(&id) = self.by_name.get(&key) {
            return Ok(id);
        }
        let id = match rows.member_by_name(p.group, name)? {
            Some(id) => id,
            None => {
                let id = self.create(rows, name, p.at, false)?;
                rows.add_identity(p.platform, &provisional_id(p.group_ext, name), id)?;
                id
            }
        };
        self.by_name.insert(key, id);
        Ok(id)
    }

    fn create<R: IdentityRows>(&mut self, rows: &mut R, name: &str, at: i64, bot: bool) -> RowResult<i64> {
        let id = rows.create_member(name, at, bot)?;
        self.members_added += 1;
        self.created.insert(id);
        Ok(id)
    }

    /// Merges the name-only member `from` into `into`, in the store and in
    /// the caches (the backend may give `from`'s id to a new member later).
    fn merge<R: IdentityRows>(&mut self, rows: &mut R, from: i64, into: i64) -> RowResult<()> {
        rows.merge_member(from, into)?;
        if self.created.remove(&from) {
            self.members_added -= 1;
        }
        for v in self.by_name.values_mut() {
            if *v == from {
                *v = into;
            }
        }
        self.names.retain(|(m, _), _| *m != from);
        Ok(())
    }

    fn record_name<R: IdentityRows>(
        &mut self,
        rows: &mut R,
        member: i64,
        group: i64,
        name: &str,
        at: i64,
    ) -> RowResult<()> {
        if self.names.get(&(member, group)).is_some_and(|n| n == name) {
            return Ok(());
        }
        rows.record_name(member, group, name, at)?;
        self.by_name.insert((group, name.to_string()), member);
        self.names.insert((member, group), name.to_string());
        Ok(())
    }
}
