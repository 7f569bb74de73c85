//! From canonical events to rows: the ingestion rules every backend shares.
//!
//! A backend implements [`EventRows`] (find or create a group, insert a
//! message, a membership or an activity unless its natural key is stored,
//! plus the [`IdentityRows`] of identity resolution); [`FileSink`] decides
//! what each event becomes: its natural key, whether its person was deleted,
//! its group and members, and what it adds to the [`ImportStats`].
//!
//! Whether a row was new may be known only later: a backend may queue rows
//! and send them in batches ([`Insert::Queued`], [`EventRows::flush`]); the
//! sink counts them when the batch answers, and always before the file ends.
//! Nothing the rules read during a file depends on those rows: members,
//! names and groups are resolved through their own row operations and the
//! caches, reply links are resolved when a snapshot is read, and a backend
//! that queues sends its queue before anything that touches stored rows of
//! those tables (a merge, an activity's key upgrade).

use crate::error::StoreError;
use crate::identity::{FastMap, Identities, IdentityRows, Person, RowError, RowResult};
use crate::types::ImportStats;
use std::collections::HashSet;
use tonghao_model::{Event, EventSink, Header, KeyCounter, PersonRef, Platform, SinkError};

/// One row of `messages`.
pub(crate) struct MessageRow<'a> {
    pub group: i64,
    pub member: i64,
    pub at: i64,
    pub key: &'a str,
    pub content_key: i64,
    pub import: i64,
    pub reply_to: Option<&'a str>,
    pub content: &'static str,
    pub text: &'a str,
    pub mentions: Option<&'a str>,
    pub bot: bool,
    pub edited: Option<i64>,
}

/// One row of `memberships` (a join, leave or role change).
pub(crate) struct MembershipRow<'a> {
    pub group: i64,
    pub member: i64,
    pub kind: &'static str,
    pub at: i64,
    pub by: Option<i64>,
    pub role: Option<&'a str>,
    pub key: &'a str,
    pub content_key: i64,
    pub import: i64,
}

/// One row of `activities` (a recall, check-in, order or reaction).
pub(crate) struct ActivityRow<'a> {
    pub group: i64,
    pub member: i64,
    pub kind: &'static str,
    pub at: i64,
    pub key: &'a str,
    pub content_key: i64,
    pub import: i64,
    pub target: Option<&'a str>,
    pub data: String,
}

/// What became of an inserted row.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Insert {
    /// Stored now.
    Added,
    /// A row with the same natural key or content key is stored (nothing
    /// changed).
    Duplicate,
    /// Queued: [`EventRows::flush`] tells which of the two it was.
    Queued,
}

impl From<bool> for Insert {
    fn from(added: bool) -> Self {
        if added { Insert::Added } else { Insert::Duplicate }
    }
}

/// The row operations an import needs, inside its transaction, for one
/// community. The inserts say whether the row was new (a duplicate: a row
/// with the same natural key or content key is stored, nothing changed), at
/// once or, for a backend that sends rows in batches, after a later
/// [`EventRows::flush`]. SQLite answers at once (a function call per row);
/// PostgreSQL queues rows and sends them in batches (a round trip per row
/// was most of its import time).
pub(crate) trait EventRows: IdentityRows {
    /// The group `(platform, external_id)`: its row id, stored name and
    /// the UTC offset it was created with (seconds east).
    fn find_group(&mut self, platform: Platform, external_id: &str) -> RowResult<Option<(i64, Option<String>, i32)>>;
    /// A new group; returns its id.
    fn create_group(
        &mut self,
        platform: Platform,
        external_id: &str,
        name: Option<&str>,
        tz_offset_s: i32,
        tz_name: Option<&str>,
    ) -> RowResult<i64>;
    /// Renames group `group`.
    fn rename_group(&mut self, group: i64, name: &str) -> RowResult<()>;
    /// Inserts a message unless its (group, key) or (group, content key) is
    /// stored.
    fn insert_message(&mut self, row: MessageRow<'_>) -> RowResult<Insert>;
    /// Inserts a membership unless its (group, kind, key) or (group,
    /// content key) is stored.
    fn insert_membership(&mut self, row: MembershipRow<'_>) -> RowResult<Insert>;
    /// Inserts an activity unless its (group, kind, key) or (group, content
    /// key) is stored.
    fn insert_activity(&mut self, row: ActivityRow<'_>) -> RowResult<Insert>;
    /// Whether enough rows are queued that the sink should flush now.
    fn queue_full(&self) -> bool {
        false
    }
    /// Stores every queued row, and appends to `added` whether each row
    /// answered [`Insert::Queued`] since the last flush was new, in the
    /// order they were given (rows the backend had to send earlier, e.g.
    /// before a merge, included). A row that repeats an earlier queued one
    /// is a duplicate, as it would have been one at once.
    fn flush(&mut self, _added: &mut Vec<bool>) -> RowResult<()> {
        Ok(())
    }
    /// Records what import `import` did in a group: extends the span the
    /// group's imported files cover to include `first_ms..=last_ms`, and
    /// notes that span, the rows the file added and those it met again.
    fn record_import_group(&mut self, import: i64, tally: &GroupTally, first_ms: i64, last_ms: i64) -> RowResult<()>;
    /// Gives the activity stored under `legacy_key` by the same member at the
    /// same moment the key `row.key` instead; returns whether one was there.
    /// Stores written before activities were keyed as docs/events.md says
    /// keyed them by their content alone (see [`legacy_activity_key`]).
    fn upgrade_activity_key(&mut self, row: &ActivityRow<'_>, legacy_key: &str) -> RowResult<bool>;
}

/// How releases before 2026-11-30 keyed an activity: by its content alone
/// (empty for a recall, the text of a check-in, amount and item of an order,
/// target and emoji of a reaction), so that two people checking in with the
/// same words, or buying the same item, stored once (issue 9). Kept only to
/// recognise those rows on re-import.
fn legacy_activity_key(event: &Event) -> Option<String> {
    match event {
        Event::Recall(_) => Some(String::new()),
        Event::Checkin(c) => Some(c.text.clone()),
        Event::Order(o) => Some(format!("{}{}", o.amount_minor, o.item.as_deref().unwrap_or(""))),
        Event::Reaction(r) => Some(format!("{}{}", r.target, r.emoji)),
        _ => None,
    }
}

/// The content key of a stored row: what [`KeyCounter::content_key`] gave
/// the event, from the row's columns (a backend's migration fills the keys
/// of rows stored before content keys with it).
pub(crate) fn stored_content_key(kind: &str, group: &str, member: i64, clock_s: i64, body: &str, ordinal: u32) -> i64 {
    tonghao_model::content_key(&[kind, group, &member.to_string(), &clock_s.to_string(), body], ordinal)
}

/// What one file did in one group.
pub(crate) struct GroupTally {
    pub group: i64,
    pub added: i64,
    pub duplicates: i64,
}

/// What an event counts as in [`ImportStats`] once its row is known to be
/// new (else it is a duplicate).
#[derive(Clone, Copy)]
enum Count {
    Message { reply: bool },
    Join,
    Leave,
    Role,
    Activity,
}

/// A queued row's count, and the index in `touched` of its group.
#[derive(Clone, Copy)]
struct Queued {
    count: Count,
    tally: u32,
}

struct GroupState {
    id: i64,
    name: Option<String>,
    /// The offset the group was created with: its wall clock for content keys.
    tz_offset_s: i32,
}

/// What an import session keeps from one file to the next.
pub(crate) struct SessionState {
    /// platform → external id → group.
    groups: FastMap<Platform, FastMap<String, GroupState>>,
    identities: Identities,
    dropper: Dropper,
    /// The store may hold activities keyed by content alone (written before
    /// natural keys): look for them to upgrade. False for every new store.
    pub(crate) legacy_activity_keys: bool,
}

impl SessionState {
    /// A session's state, with the community's suppression list.
    pub(crate) fn new(suppressed: HashSet<(String, String)>) -> Self {
        SessionState {
            groups: Default::default(),
            identities: Identities::new(suppressed),
            dropper: Dropper::new(),
            legacy_activity_keys: false,
        }
    }

    /// After a file was rolled back: cached ids may name rows that are gone.
    pub(crate) fn forget(&mut self) {
        self.groups.clear();
        self.identities.forget();
    }
}

/// Receives one file's events and writes them through `rows`, resolving
/// groups and members through the session's caches so that each message
/// costs one INSERT.
pub(crate) struct FileSink<'s, R: EventRows> {
    rows: R,
    state: &'s mut SessionState,
    stats: ImportStats,
    /// Natural keys of id-less events count within one file, in file order.
    keys: KeyCounter,
    /// Content keys of every event, likewise.
    content_keys: KeyCounter,
    /// The source writes times without a zone ([`EventSink::local_times`]).
    local_times: bool,
    /// The IANA zone they are read in ([`EventSink::zone`]).
    zone: Option<String>,
    /// The `imports` row of this file: every row it adds names it.
    import: i64,
    /// Stored events, freed in batches on another thread.
    spent: Vec<Event>,
    /// The span of the file's events (UTC ms), and the groups it touched:
    /// each of them is covered for the whole span.
    span: Option<(i64, i64)>,
    touched: Vec<GroupTally>,
    /// The index in `touched` of the current event's group, once known.
    current: Option<usize>,
    /// Rows the backend queued, in order, until its next flush.
    queued: Vec<Queued>,
    /// What a flush answers (kept to reuse its allocation).
    outcomes: Vec<bool>,
}

impl<'s, R: EventRows> FileSink<'s, R> {
    /// A sink for one file, recorded as import `import`.
    pub(crate) fn new(rows: R, state: &'s mut SessionState, import: i64) -> Self {
        state.identities.start_file();
        FileSink {
            rows,
            state,
            stats: ImportStats::default(),
            keys: KeyCounter::default(),
            content_keys: KeyCounter::default(),
            local_times: false,
            zone: None,
            import,
            spent: Vec::with_capacity(SPENT_BATCH),
            span: None,
            touched: Vec::new(),
            current: None,
            queued: Vec::new(),
            outcomes: Vec::new(),
        }
    }

    /// What the file added (the format is the caller's to fill in), and the
    /// row operations back (a backend may have noted work for its commit).
    pub(crate) fn finish(mut self) -> RowResult<(ImportStats, R)> {
        let spent = std::mem::take(&mut self.spent);
        self.state.dropper.drop_later(spent);
        // The counts of queued rows are known only now.
        self.flush()?;
        self.stats.members = self.state.identities.members_added();
        if let Some((first, last)) = self.span {
            for t in &self.touched {
                self.rows.record_import_group(self.import, t, first, last)?;
            }
        }
        Ok((self.stats, self.rows))
    }

    /// Counts an event whose row was found new or a duplicate, in the
    /// file's figures and in its group's tally.
    fn count(&mut self, count: Count, tally: usize, added: bool) {
        let t = &mut self.touched[tally];
        if !added {
            self.stats.duplicates += 1;
            t.duplicates += 1;
            return;
        }
        t.added += 1;
        match count {
            Count::Message { reply } => {
                self.stats.messages += 1;
                self.stats.replies += reply as u64;
            }
            Count::Join => self.stats.joins += 1,
            Count::Leave => self.stats.leaves += 1,
            Count::Role => self.stats.roles += 1,
            Count::Activity => self.stats.activities += 1,
        }
    }

    /// Counts the current event by what its insert answered: at once, or
    /// when the backend flushes its queue.
    fn outcome(&mut self, count: Count, inserted: Insert) {
        let tally = self.current.expect("the event's group is known before its row is inserted");
        match inserted {
            Insert::Added => self.count(count, tally, true),
            Insert::Duplicate => self.count(count, tally, false),
            Insert::Queued => self.queued.push(Queued { count, tally: tally as u32 }),
        }
    }

    /// Has the backend store its queued rows, and counts them.
    fn flush(&mut self) -> RowResult<()> {
        if self.queued.is_empty() {
            return Ok(());
        }
        let mut outcomes = std::mem::take(&mut self.outcomes);
        outcomes.clear();
        self.rows.flush(&mut outcomes)?;
        if outcomes.len() != self.queued.len() {
            return Err(format!(
                "the store answered for {} queued rows, not {} (a bug in its batches)",
                outcomes.len(),
                self.queued.len()
            )
            .into());
        }
        let queued = std::mem::take(&mut self.queued);
        for (q, &added) in queued.iter().zip(&outcomes) {
            self.count(q.count, q.tally as usize, added);
        }
        self.queued = queued;
        self.queued.clear();
        self.outcomes = outcomes;
        Ok(())
    }

    /// The group's row id and the offset it was created with.
    fn group(&mut self, h: &Header) -> RowResult<(i64, i32)> {
        if let Some(g) = self.state.groups.get_mut(&h.platform).and_then(|m| m.get_mut(h.group.as_str())) {
            if let Some(name) = &h.group_name
                && g.name.as_ref() != Some(name)
            {
                self.rows.rename_group(g.id, name)?;
                g.name = Some(name.clone());
            }
            return Ok((g.id, g.tz_offset_s));
        }
        let (id, mut name, tz_offset_s) = match self.rows.find_group(h.platform, &h.group)? {
            Some(found) => found,
            None => {
                let offset = h.at.offset().local_minus_utc();
                let id = self.rows.create_group(
                    h.platform,
                    &h.group,
                    h.group_name.as_deref(),
                    offset,
                    self.zone.as_deref(),
                )?;
                self.stats.groups += 1;
                (id, h.group_name.clone(), offset)
            }
        };
        if let Some(new) = &h.group_name
            && name.as_ref() != Some(new)
        {
            self.rows.rename_group(id, new)?;
            name = Some(new.clone());
        }
        self.state.groups.entry(h.platform).or_default().insert(h.group.clone(), GroupState { id, name, tz_offset_s });
        Ok((id, tz_offset_s))
    }

    fn person(&mut self, group: i64, h: &Header, id: Option<&str>, name: Option<&str>, bot: bool) -> RowResult<i64> {
        let p = Person { platform: h.platform, group_ext: &h.group, group, id, name, at: h.at.timestamp_millis(), bot };
        self.state.identities.person(&mut self.rows, p)
    }

    fn actor(&mut self, group: i64, h: &Header, bot: bool) -> RowResult<i64> {
        self.person(group, h, h.member.as_deref(), h.member_name.as_deref(), bot)
    }

    fn suppressed(&self, h: &Header, id: Option<&str>, name: Option<&str>) -> bool {
        self.state.identities.is_suppressed(h.platform, &h.group, id, name)
    }

    /// The member who invited, removed or promoted, unless unnamed or deleted.
    fn by(&mut self, group: i64, h: &Header, by: &Option<PersonRef>) -> RowResult<Option<i64>> {
        match by {
            Some(p)
                if (p.id.is_some() || p.name.is_some()) && !self.suppressed(h, p.id.as_deref(), p.name.as_deref()) =>
            {
                Ok(Some(self.person(group, h, p.id.as_deref(), p.name.as_deref(), false)?))
            }
            _ => Ok(None),
        }
    }

    fn store(&mut self, event: &Event) -> RowResult<()> {
        // Every event without a source id advances the key counter, in file
        // order; one with an id is keyed by it (what `natural_key` returns,
        // without copying it).
        let key: std::borrow::Cow<'_, str> = match &event.header().id {
            Some(id) => id.as_str().into(),
            None => self.keys.natural_key(event).into(),
        };
        let h = event.header();
        if self.suppressed(h, h.member.as_deref(), h.member_name.as_deref()) {
            self.stats.suppressed += 1;
            return Ok(());
        }
        let (group, tz_offset_s) = self.group(h)?;
        let at = h.at.timestamp_millis();
        // The group's wall clock: as the file wrote it, or the instant in
        // the group's own offset (docs/events.md, "Content keys").
        let clock = if self.local_times {
            h.at.naive_local().and_utc().timestamp()
        } else {
            h.at.timestamp() + i64::from(tz_offset_s)
        };
        let bot = matches!(event, Event::Message(m) if m.bot);
        let member = self.actor(group, h, bot)?;
        let content_key = self.content_keys.content_key(event, member, clock);
        let import = self.import;
        self.span = Some(self.span.map_or((at, at), |(a, b)| (a.min(at), b.max(at))));
        let current = match self.current {
            Some(i) if self.touched[i].group == group => i,
            _ => match self.touched.iter().position(|t| t.group == group) {
                Some(i) => i,
                None => {
                    self.touched.push(GroupTally { group, added: 0, duplicates: 0 });
                    self.touched.len() - 1
                }
            },
        };
        self.current = Some(current);
        match event {
            Event::Message(m) => {
                let kept: Vec<&PersonRef> =
                    m.mentions.iter().filter(|p| !self.suppressed(h, p.id.as_deref(), p.name.as_deref())).collect();
                let mentions = (!kept.is_empty()).then(|| serde_json::to_string(&kept).expect("mentions serialise"));
                let inserted = self.rows.insert_message(MessageRow {
                    group,
                    member,
                    at,
                    key: &key,
                    content_key,
                    import,
                    reply_to: m.reply_to.as_deref(),
                    content: m.content_type.as_str(),
                    text: &m.text,
                    mentions: mentions.as_deref(),
                    bot: m.bot,
                    edited: m.edited_at.map(|t| t.timestamp_millis()),
                })?;
                self.outcome(Count::Message { reply: m.reply_to.is_some() }, inserted);
            }
            Event::Join(j) | Event::Leave(j) => {
                let kind = event.kind();
                let by = self.by(group, h, &j.by)?;
                let inserted = self.rows.insert_membership(MembershipRow {
                    group,
                    member,
                    kind,
                    at,
                    by,
                    role: None,
                    key: &key,
                    content_key,
                    import,
                })?;
                self.outcome(if kind == "join" { Count::Join } else { Count::Leave }, inserted);
            }
            Event::Role(r) => {
                let by = self.by(group, h, &r.by)?;
                let row = MembershipRow {
                    group,
                    member,
                    kind: "role",
                    at,
                    by,
                    role: Some(r.role.as_str()),
                    key: &key,
                    content_key,
                    import,
                };
                let inserted = self.rows.insert_membership(row)?;
                self.outcome(Count::Role, inserted);
            }
            Event::Recall(r) => {
                let data = serde_json::json!({});
                self.activity(group, h, "recall", r.target.as_deref(), data, (member, &key, content_key), event)?;
            }
            Event::Checkin(c) => {
                let data = serde_json::json!({ "challenge": c.challenge, "day": c.day, "text": c.text });
                self.activity(group, h, "checkin", None, data, (member, &key, content_key), event)?;
            }
            Event::Order(o) => {
                let data =
                    serde_json::json!({ "amount_minor": o.amount_minor, "currency": o.currency, "item": o.item });
                self.activity(group, h, "order", None, data, (member, &key, content_key), event)?;
            }
            Event::Reaction(r) => {
                let data = serde_json::json!({ "emoji": r.emoji });
                self.activity(group, h, "reaction", Some(&r.target), data, (member, &key, content_key), event)?;
            }
        }
        Ok(())
    }

    /// Stores an activity under its natural key (the source's id, or the
    /// content hash of group, member, time, kind and content in file order:
    /// docs/events.md), unless it is stored already, under that key or
    /// under the content-only key an older release gave it.
    #[allow(clippy::too_many_arguments)]
    fn activity(
        &mut self,
        group: i64,
        h: &Header,
        kind: &'static str,
        target: Option<&str>,
        data: serde_json::Value,
        (member, key, content_key): (i64, &str, i64),
        event: &Event,
    ) -> RowResult<()> {
        let row = ActivityRow {
            group,
            member,
            kind,
            at: h.at.timestamp_millis(),
            key,
            content_key,
            import: self.import,
            target,
            data: data.to_string(),
        };
        let upgraded = match legacy_activity_key(event) {
            Some(legacy) if self.state.legacy_activity_keys && legacy != key => {
                self.rows.upgrade_activity_key(&row, &legacy)?
            }
            _ => false,
        };
        let inserted = if upgraded { Insert::Duplicate } else { self.rows.insert_activity(row)? };
        self.outcome(Count::Activity, inserted);
        Ok(())
    }
}

impl<R: EventRows> EventSink for FileSink<'_, R> {
    fn local_times(&mut self) {
        self.local_times = true;
    }

    fn zone(&mut self, iana_name: &str) {
        self.zone = Some(iana_name.to_string());
    }

    fn push(&mut self, event: Event) -> Result<(), SinkError> {
        event.validate()?;
        self.stats.events += 1;
        self.current = None;
        self.store(&event)?;
        if !self.queued.is_empty() && self.rows.queue_full() {
            self.flush()?;
        }
        self.spent.push(event);
        if self.spent.len() == SPENT_BATCH {
            let full = std::mem::replace(&mut self.spent, Vec::with_capacity(SPENT_BATCH));
            self.state.dropper.drop_later(full);
        }
        Ok(())
    }
}

/// A failure that came back through the feed: the store's own error as it
/// was (a sink error that the source passed on unchanged), else the feed's.
pub(crate) fn unbox(e: RowError) -> StoreError {
    match e.downcast::<StoreError>() {
        Ok(e) => *e,
        Err(e) => StoreError::Feed(e),
    }
}

/// Events handed to the [`Dropper`] at a time.
const SPENT_BATCH: usize = 1024;

/// Frees stored events on a helper thread. The import's writing thread is
/// its bottleneck, and freeing the half-dozen strings of each event (made on
/// the reading thread) was about 7% of its instructions. One per session:
/// a folder of thousands of small files does not start a thread per file.
struct Dropper {
    tx: Option<std::sync::mpsc::SyncSender<Vec<Event>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Dropper {
    fn new() -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Event>>(4);
        let spawned =
            std::thread::Builder::new().name("tonghao-free".into()).spawn(move || rx.into_iter().for_each(drop));
        match spawned {
            Ok(thread) => Dropper { tx: Some(tx), thread: Some(thread) },
            // No thread: events are freed where they are.
            Err(_) => Dropper { tx: None, thread: None },
        }
    }

    fn drop_later(&self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(events); // a gone helper returns them, dropped here
        }
    }
}

impl Drop for Dropper {
    fn drop(&mut self) {
        self.tx = None; // ends the helper's loop
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
