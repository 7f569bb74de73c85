//! Operators' records that are not chat events: orders from a shop's CSV,
//! check-ins added by hand. The store keeps them beside the chat history
//! (same community, same privacy rules); the `ops` crate reads and computes.

use serde::{Deserialize, Serialize};

/// One order as read from an orders file, ready to store.
///
/// The buyer is named by platform identity, not by store id: an order may
/// arrive before the chat that shows its buyer, and links to them as soon
/// as that chat is imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRecord {
    /// Natural key (`h:` + 32 hex digits): the content of the row plus its
    /// ordinal among identical rows of the same file, so re-importing the
    /// file stores nothing twice while two identical purchases stay two.
    pub key: String,
    /// The buyer's platform.
    pub platform: String,
    /// The buyer's id on that platform.
    pub member: String,
    /// When it was bought (UTC milliseconds).
    pub at_ms: i64,
    /// The amount in fen (分, 1/100 yuan).
    pub amount_fen: i64,
    /// What was bought.
    pub product: String,
    /// The group it is credited to, as written (its id or name), if any.
    pub group: Option<String>,
}

/// An order as stored, linked to what the store knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOrder {
    /// The buyer's member id, or `None` while no imported chat knows them.
    pub member: Option<i64>,
    /// The buyer as the order names them (`platform:id`).
    pub buyer: String,
    /// The credited group's store id: the group the order names (if exactly
    /// one group has that id or name), or the group of an `order` event.
    pub group: Option<i64>,
    /// The group as written in the orders file, when it names one.
    pub group_ref: Option<String>,
    /// When (UTC milliseconds).
    pub at_ms: i64,
    /// Amount in fen.
    pub amount_fen: i64,
    /// What was bought.
    pub product: String,
}

/// What an orders import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderImportStats {
    /// Rows in the file.
    pub rows: u64,
    /// Orders stored now.
    pub added: u64,
    /// Orders already stored (the same row imported before).
    pub duplicates: u64,
    /// Orders of deleted members, skipped.
    pub suppressed: u64,
    /// Orders stored whose buyer no imported chat knows yet (kept unlinked).
    pub unlinked: u64,
    /// Distinct buyers among them.
    pub unlinked_buyers: u64,
}

/// What a day's check-in record says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarkKind {
    /// Checked in (打卡).
    Checkin,
    /// A make-up check-in for a missed day (补卡).
    Makeup,
    /// A declared leave day (请假): neither done nor missed.
    Leave,
}

impl MarkKind {
    /// The code name, as stored and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkKind::Checkin => "checkin",
            MarkKind::Makeup => "makeup",
            MarkKind::Leave => "leave",
        }
    }
}

impl std::str::FromStr for MarkKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "checkin" => Ok(MarkKind::Checkin),
            "makeup" => Ok(MarkKind::Makeup),
            "leave" => Ok(MarkKind::Leave),
            other => Err(format!("{other:?} is not checkin, makeup or leave")),
        }
    }
}

/// A check-in record that is not a recognised message: added by hand, or a
/// canonical `checkin` event of an import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinMark {
    /// The group's store id.
    pub group: i64,
    /// The member's store id.
    pub member: i64,
    /// The local day, `YYYY-MM-DD` (the group's UTC offset).
    pub day: String,
    /// Check-in, make-up or leave.
    pub kind: MarkKind,
    /// Added by hand (`true`) or an imported `checkin` event.
    pub by_hand: bool,
}

/// What kind of ritual an activity is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityKind {
    /// 话题讨论: a previewed, time-boxed topic discussion.
    Topic,
    /// 嘉宾分享: a guest share.
    Guest,
    /// 打卡: a check-in challenge.
    Checkin,
    /// 线下活动: an offline event.
    Offline,
    /// 试用 / 投票: a product trial or a vote.
    Trial,
    /// 作业: homework.
    Homework,
}

impl ActivityKind {
    /// Every kind.
    pub const ALL: [ActivityKind; 6] = [
        ActivityKind::Topic,
        ActivityKind::Guest,
        ActivityKind::Checkin,
        ActivityKind::Offline,
        ActivityKind::Trial,
        ActivityKind::Homework,
    ];

    /// The code name, as stored and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Topic => "topic",
            ActivityKind::Guest => "guest",
            ActivityKind::Checkin => "checkin",
            ActivityKind::Offline => "offline",
            ActivityKind::Trial => "trial",
            ActivityKind::Homework => "homework",
        }
    }
}

impl std::str::FromStr for ActivityKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActivityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not one of topic, guest, checkin, offline, trial, homework"))
    }
}

/// A planned activity (a ritual): one-off, or recurring by an RFC 5545
/// rule in a time zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Its id within the community.
    pub id: i64,
    /// The group's store id.
    pub group_id: i64,
    /// The group's name (or platform id); when adding, the group as the
    /// user named it (id or name).
    pub group: String,
    /// The group's id on its platform.
    pub group_external_id: String,
    /// What kind of ritual.
    pub kind: ActivityKind,
    /// Its title, e.g. "每周三话题讨论".
    pub title: String,
    /// The first occurrence's start (UTC milliseconds).
    pub start_ms: i64,
    /// The IANA time zone its recurrence keeps wall time in, e.g. `Asia/Shanghai`.
    pub tz: String,
    /// The RFC 5545 recurrence rule (`FREQ=WEEKLY;BYDAY=WE;COUNT=8`), if it recurs.
    pub rrule: Option<String>,
    /// How long each occurrence lasts, in seconds.
    pub duration_s: i64,
    /// When it was recorded (UTC milliseconds).
    pub created_ms: i64,
    /// Who runs it (a name, as the operators call them), if given.
    #[serde(default)]
    pub host: Option<String>,
}

/// What a task asks of a person of the team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// 发通知: announce or remind.
    Notify,
    /// 做监督: watch a challenge, a rule.
    Supervise,
    /// 主持: host an activity.
    Host,
    /// 跟进: follow up one member personally.
    FollowUp,
}

impl TaskKind {
    /// Every kind.
    pub const ALL: [TaskKind; 4] = [TaskKind::Notify, TaskKind::Supervise, TaskKind::Host, TaskKind::FollowUp];

    /// The code name, as stored and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Notify => "notify",
            TaskKind::Supervise => "supervise",
            TaskKind::Host => "host",
            TaskKind::FollowUp => "follow_up",
        }
    }
}

impl std::str::FromStr for TaskKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not one of notify, supervise, host, follow_up"))
    }
}

/// A task for a person of the team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Its id within the community.
    pub id: i64,
    /// What it asks.
    pub kind: TaskKind,
    /// What to do, in words.
    pub title: String,
    /// Who should do it (a name), if assigned.
    pub assignee: Option<String>,
    /// The group it is about: when adding, as the user named it (id or
    /// name); when read, its name (or platform id).
    pub group: Option<String>,
    /// The group's store id (when read).
    pub group_id: Option<i64>,
    /// The member it is about: when adding, a member id, `platform:id` or a
    /// name used in the group; when read, their latest name.
    pub member: Option<String>,
    /// The member's store id (when read).
    pub member_id: Option<i64>,
    /// The planned activity it comes from.
    pub activity_id: Option<i64>,
    /// When it is due, `YYYY-MM-DD`.
    pub due_day: Option<String>,
    /// When it was marked done (UTC milliseconds); `None` while open.
    pub done_ms: Option<i64>,
    /// What generated it (`activity:1:1710334800000:announce`,
    /// `checkin:3:7:2024-03-12`); `None` when added by hand.
    pub source: Option<String>,
    /// When it was recorded (UTC milliseconds).
    pub created_ms: i64,
}

/// Points given by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsEntry {
    /// Its id within the community.
    pub id: i64,
    /// The member: when adding, a member id, `platform:id` or a name used
    /// in the group; when read, their latest name.
    pub member: String,
    /// The member's store id (when read).
    pub member_id: i64,
    /// The group: when adding, its id or name; when read, its name.
    pub group: Option<String>,
    /// The group's store id (when read).
    pub group_id: Option<i64>,
    /// How many (negative to take back).
    pub amount: i64,
    /// Why.
    pub reason: String,
    /// When (UTC milliseconds).
    pub at_ms: i64,
}

/// One saved version of the community canvas.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanvasVersion {
    /// 1 for the first save, then 2, 3, …
    pub version: i64,
    /// When it was saved (UTC milliseconds).
    pub saved_ms: i64,
    /// Every field set so far: name → text.
    pub fields: std::collections::BTreeMap<String, String>,
}

/// What kind of resource the community can draw on (谢晶: "空间、内容、人等资源，标签化").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    /// 场地: a place for an offline event.
    Venue,
    /// 内容: an article, a course, a book list, a product to try.
    Content,
    /// 主持人: someone who can host a discussion.
    Host,
    /// 嘉宾: someone who can give a guest share.
    Guest,
}

impl ResourceKind {
    /// Every kind.
    pub const ALL: [ResourceKind; 4] =
        [ResourceKind::Venue, ResourceKind::Content, ResourceKind::Host, ResourceKind::Guest];

    /// The code name, as stored and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Venue => "venue",
            ResourceKind::Content => "content",
            ResourceKind::Host => "host",
            ResourceKind::Guest => "guest",
        }
    }

    /// Whether it is a person (and may name a member).
    pub fn is_person(self) -> bool {
        matches!(self, ResourceKind::Host | ResourceKind::Guest)
    }
}

impl std::str::FromStr for ResourceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ResourceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not one of venue, content, host, guest"))
    }
}

/// One entry of the community's resource library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// Its id within the community.
    pub id: i64,
    /// Venue, content, host or guest.
    pub kind: ResourceKind,
    /// What the team calls it: "星巴克(西湖店)", "老周".
    pub name: String,
    /// Its tags, lower case, sorted, each once.
    pub tags: Vec<String>,
    /// The member a host or guest is: when adding, a member id or
    /// `platform:id`; when read, their latest name.
    pub member: Option<String>,
    /// The member's store id (when read).
    pub member_id: Option<i64>,
    /// A free note (contact, capacity, link).
    pub note: Option<String>,
    /// When it was recorded (UTC milliseconds).
    pub created_ms: i64,
}

/// How a community is run (issue 12, part 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManagementMode {
    /// 集中: one team runs every group.
    Centralised,
    /// 分群: sub-groups, each with an owner of its own.
    SubGroups,
    /// 自治: the members run their groups themselves.
    SelfGoverning,
    /// 不管理: nobody runs them.
    Unmanaged,
}

impl ManagementMode {
    /// Every mode.
    pub const ALL: [ManagementMode; 4] = [
        ManagementMode::Centralised,
        ManagementMode::SubGroups,
        ManagementMode::SelfGoverning,
        ManagementMode::Unmanaged,
    ];

    /// The code name, as stored and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ManagementMode::Centralised => "centralised",
            ManagementMode::SubGroups => "sub_groups",
            ManagementMode::SelfGoverning => "self_governing",
            ManagementMode::Unmanaged => "unmanaged",
        }
    }

    /// The seeds' Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            ManagementMode::Centralised => "集中",
            ManagementMode::SubGroups => "分群",
            ManagementMode::SelfGoverning => "自治",
            ManagementMode::Unmanaged => "不管理",
        }
    }
}

impl std::str::FromStr for ManagementMode {
    type Err = String;
    /// The code name or the Chinese one.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ManagementMode::ALL.into_iter().find(|k| k.as_str() == s || k.zh() == s).ok_or_else(|| {
            format!(
                "{s:?} is not one of centralised (集中), sub_groups (分群), self_governing (自治), unmanaged (不管理)"
            )
        })
    }
}

/// A group's place in the community's hierarchy: its parent group and the
/// member who owns it (a sub-group's owner, under 分群).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPlace {
    /// The group's store id (when read).
    pub group_id: i64,
    /// The group: when setting, its id or name; when read, its name.
    pub group: String,
    /// The parent group's store id (when read).
    pub parent_id: Option<i64>,
    /// The parent group: when setting, its id or name; when read, its name.
    pub parent: Option<String>,
    /// The owner's store id (when read).
    pub owner_id: Option<i64>,
    /// The owner: when setting, a member id, `platform:id` or a name they
    /// used in the group; when read, their latest name.
    pub owner: Option<String>,
    /// When it was last set (UTC milliseconds).
    pub updated_ms: i64,
}

/// The community's management mode and group hierarchy, as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Management {
    /// The mode, if one was set.
    pub mode: Option<ManagementMode>,
    /// When the mode was set (UTC milliseconds).
    pub mode_set_ms: Option<i64>,
    /// Every group placed in the hierarchy, by group id.
    pub groups: Vec<GroupPlace>,
}

/// A community's own text for one drafted message (a catalogue key), in
/// one language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateOverride {
    /// The catalogue key it replaces, e.g. `activity_draft.announce`.
    pub key: String,
    /// `zh` or `en`.
    pub lang: String,
    /// The template, with the same `{placeholders}` as the catalogue's.
    pub text: String,
    /// When it was set (UTC milliseconds).
    pub updated_ms: i64,
}
