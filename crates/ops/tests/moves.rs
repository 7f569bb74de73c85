//! Next moves on one hand-made group whose right answers are worked out in
//! the comments: every move's figures, members and messages are checked.

use tonghao_insight::metrics::DAY_MS;
use tonghao_insight::report::group_report;
use tonghao_model::msg::Arg;
use tonghao_model::snapshot::{
    GroupMeta, LinkKind, MemberMeta, MembershipKind, MembershipRow, Messages, NONE, Snapshot, text_flags,
};
use tonghao_model::{ContentType, Platform, Role};
use tonghao_ops::moves::{Kind, Move, next_moves};

const HOUR: i64 = 3_600_000;
/// 2024-03-04 00:00 UTC.
const T0: i64 = 1_709_510_400_000;
/// The report's moment: 70 days after T0.
const END: i64 = T0 + 70 * DAY_MS;

/// Members: 0 owner, 1 helper, 2 drifting, 3 newcomer, 4 asker, 5 spammer, 6–8 others.
const NAMES: [&str; 9] = ["群主", "热心人", "老成员", "新人", "提问者", "广告号", "甲", "乙", "丙"];

struct Builder {
    m: Messages,
}

impl Builder {
    /// A message by `who` at `t` (ms after T0), replying to message index `reply`.
    fn say(&mut self, who: u32, t: i64, reply: Option<usize>, text: &str) -> usize {
        let m = &mut self.m;
        m.store_id.push(m.len() as i64 + 100);
        m.group.push(0);
        m.member.push(who);
        m.at_ms.push(T0 + t);
        m.content.push(ContentType::Text);
        m.chars.push(text.chars().count() as u32);
        m.flags.push(text_flags(text, false));
        m.reply_to.push(reply.map_or(NONE, |r| r as u32));
        m.reply_kind.push(LinkKind::Explicit);
        m.reply_confidence.push(100);
        m.mention_start.push(m.mention_targets.len() as u32);
        m.text.insert(m.len() as u32 - 1, text.into());
        m.len() - 1
    }
}

fn group() -> Snapshot {
    let mut b = Builder { m: Messages::default() };
    b.m.mention_start.push(0);
    // Ten weeks of conversation: every day at 20:00 someone of 6–8 asks and
    // the helper (1) answers; members 6, 7, 8 take turns, so the helper
    // answers 3 different people every week.
    for day in 0..69 {
        let asker = 6 + (day % 3) as u32;
        let q = b.say(asker, day * DAY_MS + 20 * HOUR, None, "今天读到第几章了？大家有什么想法吗");
        b.say(1, day * DAY_MS + 20 * HOUR + 60_000, Some(q), "我读到第五章，作者对时间的看法很有意思");
        b.say(0, day * DAY_MS + 21 * HOUR, None, "明天晚上九点我们一起讨论第六章，欢迎大家准备问题");
        // The drifting member talked daily in days 14–41 (inside the 56 days
        // before the last 28), then stopped: 28 messages before, 0 after.
        if (14..42).contains(&day) {
            b.say(2, day * DAY_MS + 22 * HOUR, None, "我觉得这一章写得特别好，尤其是结尾那段");
        }
    }
    // Two days before the end, at 03:00 (a quiet hour), member 4 asks and nobody answers.
    let asked = b.say(4, 67 * DAY_MS + 3 * HOUR, None, "请问下一本书是什么？");
    // Member 5 posts two ads in the window.
    let ad1 = b.say(5, 60 * DAY_MS + 12 * HOUR, None, "加微信 abc123 领取优惠券，限时免费 http://x.example/");
    let ad2 = b.say(5, 61 * DAY_MS + 12 * HOUR, None, "加微信 abc123 领取优惠券，限时免费 http://x.example/");
    // Messages must be in time order within the group.
    let mut order: Vec<usize> = (0..b.m.len()).collect();
    order.sort_by_key(|&i| (b.m.at_ms[i], i));
    let m = reorder(&b.m, &order);
    let _ = (asked, ad1, ad2);
    let mut memberships: Vec<MembershipRow> = (0..9)
        .filter(|&k| k != 3)
        .map(|k| MembershipRow { group: 0, member: k, kind: MembershipKind::Join, at_ms: T0 - DAY_MS, by: NONE })
        .collect();
    memberships.push(MembershipRow {
        group: 0,
        member: 0,
        kind: MembershipKind::Role(Role::Owner),
        at_ms: T0 - DAY_MS,
        by: NONE,
    });
    // The newcomer joined five days before the end and never spoke.
    memberships.push(MembershipRow { group: 0, member: 3, kind: MembershipKind::Join, at_ms: END - 5 * DAY_MS, by: 0 });
    memberships.sort_by_key(|r| r.at_ms);
    let n = m.len();
    let k = memberships.len();
    Snapshot {
        community: "test".into(),
        as_of_ms: END,
        groups: vec![GroupMeta {
            store_id: 7,
            platform: Platform::Wechat,
            external_id: "g".into(),
            name: Some("读书会".into()),
            tz_offset_s: 0,
            zone: None,
            messages: 0..n,
            memberships: 0..k,
            covered: None,
        }],
        members: NAMES
            .iter()
            .enumerate()
            .map(|(i, n)| MemberMeta { store_id: 1000 + i as i64, name: n.to_string(), bot: false })
            .collect(),
        messages: m,
        memberships,
    }
}

/// The messages in `order`, with reply indices remapped.
fn reorder(m: &Messages, order: &[usize]) -> Messages {
    let mut at = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        at[old] = new;
    }
    let mut out = Messages::default();
    out.mention_start.push(0);
    for &i in order {
        out.store_id.push(m.store_id[i]);
        out.group.push(m.group[i]);
        out.member.push(m.member[i]);
        out.at_ms.push(m.at_ms[i]);
        out.content.push(m.content[i]);
        out.chars.push(m.chars[i]);
        out.flags.push(m.flags[i]);
        out.reply_to.push(if m.reply_to[i] == NONE { NONE } else { at[m.reply_to[i] as usize] as u32 });
        out.reply_kind.push(m.reply_kind[i]);
        out.reply_confidence.push(m.reply_confidence[i]);
        out.mention_start.push(0);
        if let Some(t) = m.text.get(&(i as u32)) {
            out.text.insert(out.len() as u32 - 1, t.clone());
        }
    }
    out
}

fn moves() -> (Snapshot, Vec<Move>) {
    let snap = group();
    let report = group_report(&snap, 0, 28);
    let moves = next_moves(&snap, &[report]);
    (snap, moves)
}

fn figure(m: &Move, key: &str) -> f64 {
    m.evidence.figures.iter().find(|(k, _)| *k == key).unwrap_or_else(|| panic!("{} has no {key}", m.id)).1
}

fn of(moves: &[Move], kind: Kind) -> Vec<&Move> {
    moves.iter().filter(|m| m.kind == kind).collect()
}

/// Makes `member` the owner of the snapshot's first group (since before
/// the history).
fn make_owner(snap: &mut Snapshot, member: u32) {
    snap.memberships.push(MembershipRow {
        group: 0,
        member,
        kind: MembershipKind::Role(Role::Owner),
        at_ms: T0 - DAY_MS,
        by: NONE,
    });
    snap.groups[0].memberships = 0..snap.memberships.len();
}

/// The one split move for the snapshot's first group (28-day window).
fn the_split(snap: &Snapshot) -> Move {
    let moves = next_moves(snap, &[group_report(snap, 0, 28)]);
    let splits = of(&moves, Kind::Split);
    assert_eq!(splits.len(), 1, "one split");
    splits[0].clone()
}

#[test]
fn welcome_the_silent_newcomer_by_the_owner() {
    let (_, moves) = moves();
    let w = of(&moves, Kind::Welcome);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].about.as_deref(), Some("新人"));
    assert_eq!(w[0].by.as_deref(), Some("群主"), "the owner's role event makes them the host");
    assert_eq!(figure(w[0], "days_since_join"), 5.0);
    assert_eq!(w[0].evidence.members, vec![1003]);
    assert!(w[0].draft.is_some());
}

#[test]
fn re_engage_the_member_who_stopped() {
    let (_, moves) = moves();
    let r = of(&moves, Kind::ReEngage);
    assert_eq!(r.iter().map(|m| m.about.as_deref().unwrap()).collect::<Vec<_>>(), vec!["老成员"]);
    // Days 14–41 fall in the 56 days before the last 28 (days 14–41 of 70): 28 messages, none since.
    assert_eq!(figure(r[0], "messages_before"), 28.0);
    assert_eq!(figure(r[0], "messages_last_28_days"), 0.0);
    // Last message on day 41 at 22:00; the end is day 70 at 00:00: 28 whole days.
    assert_eq!(figure(r[0], "days_since_last_message"), 28.0);
    // The evidence names their last three messages (store ids 100 + index, in time order).
    assert_eq!(r[0].evidence.messages.len(), 3);
}

#[test]
fn answer_the_unanswered_question_with_its_message() {
    let (snap, moves) = moves();
    let a = of(&moves, Kind::Answer);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].about.as_deref(), Some("提问者"));
    let i = snap.messages.store_id.iter().position(|&id| id == a[0].evidence.messages[0]).unwrap();
    assert_eq!(snap.messages.member[i], 4);
    // Asked on day 67 at 03:00; the end is day 70 at 00:00: 2 whole days.
    assert_eq!(figure(a[0], "days_unanswered"), 2.0);
    // The sentence quotes the question, so the operator sees what to answer.
    let question = &snap.messages.text[&(i as u32)];
    assert!(question.chars().count() <= 40, "short enough to quote whole: {question}");
    assert_eq!(a[0].msg.key, "move.answer_quoted");
    assert_eq!(a[0].msg.arg("question"), Some(&Arg::Text(question.to_string())));
}

#[test]
fn promote_the_helper_who_answers_three_people_every_week() {
    let (_, moves) = moves();
    let p = of(&moves, Kind::Promote);
    assert_eq!(p.iter().map(|m| m.about.as_deref().unwrap()).collect::<Vec<_>>(), vec!["热心人"]);
    assert_eq!(figure(p[0], "people_answered"), 3.0);
    assert_eq!(figure(p[0], "weeks_active_of_8"), 8.0);
}

#[test]
fn name_the_spammer_with_their_posts() {
    let (snap, moves) = moves();
    let s = of(&moves, Kind::Spam);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].about.as_deref(), Some("广告号"));
    assert_eq!(figure(s[0], "ad_posts"), 2.0);
    for id in &s[0].evidence.messages {
        let i = snap.messages.store_id.iter().position(|x| x == id).unwrap();
        assert_eq!(snap.messages.member[i], 5);
    }
}

#[test]
fn one_group_move_tied_to_its_stage_and_stable_ids() {
    let (_, first) = moves();
    let i = of(&first, Kind::Intervene);
    assert_eq!(i.len(), 1);
    assert!(i[0].why.is_some(), "the stage's rule is the reason");
    // The same history gives the same ids, in the same order.
    let (_, again) = moves();
    assert_eq!(first.iter().map(|m| &m.id).collect::<Vec<_>>(), again.iter().map(|m| &m.id).collect::<Vec<_>>());
    let mut ids: Vec<&String> = first.iter().map(|m| &m.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), first.len(), "ids are unique");
    // Highest priority first.
    assert!(first.windows(2).all(|w| w[0].priority >= w[1].priority));
}

/// A snapshot of one group (store id 7) from the messages `b` holds, with
/// `names.len()` members who all joined a day before T0, reported at END.
fn one_group(b: Builder, names: &[String]) -> Snapshot {
    let mut order: Vec<usize> = (0..b.m.len()).collect();
    order.sort_by_key(|&i| (b.m.at_ms[i], i));
    let m = reorder(&b.m, &order);
    let memberships: Vec<MembershipRow> = (0..names.len() as u32)
        .map(|k| MembershipRow { group: 0, member: k, kind: MembershipKind::Join, at_ms: T0 - DAY_MS, by: NONE })
        .collect();
    let (n, k) = (m.len(), memberships.len());
    Snapshot {
        community: "test".into(),
        as_of_ms: END,
        groups: vec![GroupMeta {
            store_id: 7,
            platform: Platform::Wechat,
            external_id: "g".into(),
            name: Some("大群".into()),
            tz_offset_s: 0,
            zone: None,
            messages: 0..n,
            memberships: 0..k,
            covered: None,
        }],
        members: names
            .iter()
            .enumerate()
            .map(|(i, n)| MemberMeta { store_id: 1000 + i as i64, name: n.clone(), bot: false })
            .collect(),
        messages: m,
        memberships,
    }
}

/// Three circles of 18 (members 18c … 18c + 17). In the last four weeks,
/// each member posts one message a day on days 50–67 (member k of a circle on
/// day 50 + k) and answers every earlier member of their circle: 153 replies
/// inside each circle, each pair once. Three replies bridge the circles:
/// the first of circle 1 answers the first of circle 0, the first of 2 the
/// first of 1, the first of 0 the first of 2.
fn three_circles() -> Snapshot {
    let mut b = Builder { m: Messages::default() };
    b.m.mention_start.push(0);
    let names: Vec<String> = (0..54).map(|i| format!("圈{}-{}", i / 18, i % 18)).collect();
    let mut first = vec![0usize; 54];
    for c in 0..3u32 {
        for k in 0..18u32 {
            let who = 18 * c + k;
            let t = (50 + k as i64) * DAY_MS + 20 * HOUR + c as i64 * 60_000;
            first[who as usize] = b.say(who, t, None, "今天跑了五公里，配速六分半");
        }
    }
    for c in 0..3u32 {
        for k in 0..18u32 {
            for j in 0..k {
                let (who, to) = (18 * c + k, 18 * c + j);
                let t = (50 + k as i64) * DAY_MS + 21 * HOUR + (c * 18 + j) as i64 * 60_000;
                b.say(who, t, Some(first[to as usize]), "加油，明天一起跑");
            }
        }
    }
    for (who, to) in [(18, 0), (36, 18), (0, 36)] {
        b.say(who, 68 * DAY_MS + 12 * HOUR, Some(first[to]), "你们那边也跑步吗");
    }
    one_group(b, &names)
}

#[test]
fn split_a_big_group_along_its_circles_with_hosts_and_figures() {
    let snap = three_circles();
    let report = group_report(&snap, 0, 28);
    let moves = next_moves(&snap, &[report]);
    let s = of(&moves, Kind::Split);
    assert_eq!(s.len(), 1, "one split for the group");
    let s = s[0];
    // 54 members posted in the window, over the goal of 40.
    assert_eq!(figure(s, "active_members"), 54.0);
    assert_eq!(figure(s, "size_goal"), 40.0);
    assert_eq!(figure(s, "groups"), 3.0);
    assert_eq!(figure(s, "largest_group"), 18.0);
    assert_eq!(figure(s, "smallest_group"), 18.0);
    // 3 × 153 ties inside, 3 between: kept 459 / 462.
    assert!((figure(s, "ties_kept") - 459.0 / 462.0).abs() < 1e-12);
    // m = 462; each circle holds 153 and has degree 2 × 153 + 2 = 308 of
    // 2m = 924, a third: Q = 459/462 − 3 × (1/3)².
    assert!((figure(s, "modularity") - (459.0 / 462.0 - 1.0 / 3.0)).abs() < 1e-12);
    // Each proposed group is one circle; its host is its last member, who
    // answered the 17 others (store ids 1000 + index).
    let mut groups: Vec<(Vec<i64>, Option<i64>)> =
        s.evidence.groups.iter().map(|g| (g.members.clone(), g.host)).collect();
    groups.sort();
    for (c, (members, host)) in groups.iter().enumerate() {
        let base = 1000 + 18 * c as i64;
        assert_eq!(members, &(base..base + 18).collect::<Vec<_>>());
        assert_eq!(*host, Some(base + 17));
    }
    assert_eq!(s.evidence.groups.iter().map(|g| g.ties_inside).collect::<Vec<_>>(), vec![153.0; 3]);
    // Everyone placed has ties: no place is a guess.
    assert_eq!(figure(s, "members_without_ties"), 0.0);
    assert!(s.evidence.groups.iter().all(|g| g.without_ties.is_empty()));
    assert_eq!(s.msg.key, "move.split");
    assert!(s.draft.is_some());
    // 14 members over the goal: 0.3 + 0.3 × 14 / 160.
    assert!((s.priority - (0.3 + 0.3 * 14.0 / 160.0)).abs() < 1e-12);
}

/// A member who posted in the window but answered nobody and was answered
/// by nobody has no tie: the split places them where there is room (the
/// smallest group, the lowest on a tie: circle 0's), and says so, in the
/// figures, in the group's `without_ties` and in the sentence.
#[test]
fn a_member_without_ties_is_placed_by_room_and_named_as_such() {
    let mut snap = three_circles();
    snap.members.push(MemberMeta { store_id: 1054, name: "独行侠".into(), bot: false });
    let m = &mut snap.messages;
    m.store_id.push(20_000);
    m.group.push(0);
    m.member.push(54);
    m.at_ms.push(T0 + 69 * DAY_MS + 9 * HOUR);
    m.content.push(ContentType::Text);
    m.chars.push(8);
    m.flags.push(0);
    m.reply_to.push(NONE);
    m.reply_kind.push(LinkKind::Explicit);
    m.reply_confidence.push(100);
    m.mention_start.push(*m.mention_start.last().unwrap());
    snap.groups[0].messages = 0..snap.messages.len();
    let s = &the_split(&snap);
    assert_eq!(figure(s, "active_members"), 55.0);
    assert_eq!(figure(s, "members_without_ties"), 1.0);
    // The loner changes no tie: the same three circles, the same figures.
    assert!((figure(s, "ties_kept") - 459.0 / 462.0).abs() < 1e-12);
    let placed: Vec<(Vec<i64>, Vec<i64>)> =
        s.evidence.groups.iter().map(|g| (g.members.clone(), g.without_ties.clone())).collect();
    let with_loner: Vec<_> = placed.iter().filter(|(m, _)| m.contains(&1054)).collect();
    assert_eq!(with_loner.len(), 1, "placed once: {placed:?}");
    assert_eq!(with_loner[0].1, vec![1054], "and named as placed by room");
    assert_eq!(with_loner[0].0.len(), 19);
    assert!(placed.iter().filter(|(m, _)| !m.contains(&1054)).all(|(_, w)| w.is_empty()));
    assert_eq!(s.msg.key, "move.split_untied");
    assert!(s.msg.args.iter().any(|(k, v)| *k == "untied" && *v == Arg::Int(1)), "{:?}", s.msg);
}

/// The owner answers every member: by duty, not by circle. Left out of the
/// split (they run every new group), they change no figure of it.
/// The three circles, and member 54 ("群主", no role yet), who answers the
/// first message of each of the 54 others.
fn three_circles_and_one_who_answers_everyone() -> Snapshot {
    let mut snap = three_circles();
    snap.members.push(MemberMeta { store_id: 1054, name: "群主".into(), bot: false });
    let m = &mut snap.messages;
    for i in 0..m.len() {
        if m.reply_to[i] == NONE && m.at_ms[i] < T0 + 68 * DAY_MS {
            m.store_id.push(10_000 + i as i64);
            m.group.push(0);
            m.member.push(54);
            m.at_ms.push(T0 + 69 * DAY_MS + i as i64);
            m.content.push(ContentType::Text);
            m.chars.push(2);
            m.flags.push(0);
            m.reply_to.push(i as u32);
            m.reply_kind.push(LinkKind::Explicit);
            m.reply_confidence.push(100);
            m.mention_start.push(0);
        }
    }
    let n = m.len();
    snap.groups[0].messages = 0..n;
    snap
}

#[test]
fn the_owner_who_answers_everyone_is_left_out_of_the_split() {
    let mut snap = three_circles_and_one_who_answers_everyone();
    make_owner(&mut snap, 54);
    let s = &the_split(&snap);
    assert_eq!(figure(s, "active_members"), 55.0);
    assert_eq!(figure(s, "groups"), 3.0);
    assert!((figure(s, "ties_kept") - 459.0 / 462.0).abs() < 1e-12);
    assert!(s.evidence.groups.iter().all(|g| !g.members.contains(&1054)));
    assert_eq!(s.by.as_deref(), Some("群主"));
}

#[test]
fn a_bot_that_answers_everyone_is_left_out_of_the_split_and_hosts_nothing() {
    let mut snap = three_circles_and_one_who_answers_everyone();
    snap.members[54].bot = true;
    let report = group_report(&snap, 0, 28);
    let moves = next_moves(&snap, &[report]);
    let s = of(&moves, Kind::Split)[0];
    // The same three groups as without it, over the 54 people.
    assert_eq!(figure(s, "groups"), 3.0);
    assert!((figure(s, "ties_kept") - 459.0 / 462.0).abs() < 1e-12);
    assert!(s.evidence.groups.iter().all(|g| !g.members.contains(&1054) && g.host != Some(1054)));
    assert_ne!(s.by.as_deref(), Some("群主"), "a bot is asked to do nothing");
}

#[test]
fn no_split_for_a_small_group() {
    let (_, moves) = moves();
    assert!(of(&moves, Kind::Split).is_empty());
}

/// Six members, English, in the window's last 25 days:
/// Ann (0) greets every day; Bob (1) and Cat (2) both write about marathon
/// tempo intervals; Cat and Eve (4) both mention baking; Dan (3) asks how to
/// keep a sourdough starter alive; Fay (5) asks about sourdough starter
/// feeding and Eve answers her with "keep … sourdough starter …". Only Eve
/// and Fay are tied (her reply).
fn six_members() -> Snapshot {
    let mut b = Builder { m: Messages::default() };
    b.m.mention_start.push(0);
    let names: Vec<String> = ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay"].iter().map(|s| s.to_string()).collect();
    for day in 0..69 {
        b.say(0, day * DAY_MS + 9 * HOUR, None, "hello everyone, welcome");
    }
    // The same five days' talk five times over (days 44–68): everyone has
    // the introduce move's five messages, and since every word's count grows
    // alike, the cosines are those of one round.
    for round in 0..5 {
        let d = 44 + 5 * round;
        b.say(1, d * DAY_MS + 20 * HOUR, None, "marathon tempo intervals");
        b.say(2, (d + 1) * DAY_MS + 20 * HOUR, None, "marathon tempo intervals");
        b.say(2, (d + 1) * DAY_MS + 21 * HOUR, None, "baking bread");
        b.say(3, (d + 2) * DAY_MS + 20 * HOUR, None, "how do you keep a sourdough starter alive?");
        let fay = b.say(5, (d + 3) * DAY_MS + 20 * HOUR, None, "any tips for sourdough starter feeding?");
        b.say(4, (d + 3) * DAY_MS + 21 * HOUR, Some(fay), "keep your sourdough starter warm, feed flour daily");
        b.say(4, (d + 4) * DAY_MS + 20 * HOUR, None, "love baking");
    }
    one_group(b, &names)
}

/// When the group's host is one of the two to introduce, nobody in
/// particular is asked to do it (the operators are): on the real Clojurians
/// rooms a host was asked to introduce someone to themself.
#[test]
fn a_host_is_not_asked_to_introduce_someone_to_themself() {
    let mut snap = six_members();
    make_owner(&mut snap, 4);
    let report = group_report(&snap, 0, 28);
    let moves = next_moves(&snap, &[report]);
    let introductions = of(&moves, Kind::Introduce);
    let pair = |ids: [i64; 2]| introductions.iter().find(|m| m.evidence.members == ids).unwrap();
    assert_eq!(pair([1003, 1004]).by, None, "Eve, the owner, is one of Dan and Eve");
    assert_eq!(pair([1001, 1002]).by.as_deref(), Some("Eve"), "she introduces Bob and Cat");
}

#[test]
fn introduce_who_answers_what_the_other_asks_and_who_share_words() {
    let snap = six_members();
    let report = group_report(&snap, 0, 28);
    let moves = next_moves(&snap, &[report]);
    let i = of(&moves, Kind::Introduce);
    // Six members use words; a word counts when 2 or 3 of them (half) use
    // it: marathon, tempo, intervals, baking, keep (df 2, idf ln 3) and
    // sourdough, starter (df 3, idf ln 2).
    let (l3, l2) = (3f64.ln(), 2f64.ln());
    assert_eq!(i.len(), 2, "{i:#?}");
    // Whoever is asked to make an introduction is not one of the two.
    for m in &i {
        let pair: Vec<String> = m
            .evidence
            .members
            .iter()
            .map(|id| snap.members.iter().find(|x| x.store_id == *id).unwrap().name.clone())
            .collect();
        assert!(m.by.as_ref().is_none_or(|by| !pair.contains(by)), "{:?} asked to introduce {pair:?}", m.by);
    }
    // Dan's question words (keep, sourdough, starter) are exactly Eve's
    // answer words: cosine 1. Their whole profiles differ by Eve's baking:
    // √((l3² + 2 l2²) / (2 l3² + 2 l2²)).
    let dan = i[0];
    assert_eq!((dan.about.as_deref(), dan.evidence.members.clone()), (Some("Dan"), vec![1003, 1004]));
    assert!((figure(dan, "answers_similarity") - 1.0).abs() < 1e-12);
    let shared = ((l3 * l3 + 2.0 * l2 * l2) / (2.0 * l3 * l3 + 2.0 * l2 * l2)).sqrt();
    assert!((figure(dan, "shared_words_similarity") - shared).abs() < 1e-12);
    assert_eq!(figure(dan, "words_shared"), 3.0);
    assert_eq!(figure(dan, "groups_in_common"), 0.0);
    assert!((dan.priority - 0.45).abs() < 1e-12);
    // The reason names the words, strongest first: keep (ln 3) before
    // sourdough and starter (ln 2, in order of first use).
    assert_eq!(dan.msg.key, "move.introduce_answers");
    let words = dan.msg.args.iter().find(|(k, _)| *k == "words").map(|(_, v)| v.clone());
    assert_eq!(words, Some(Arg::Text("keep, sourdough, starter".into())));
    assert!(dan.draft.is_some());
    // Evidence: Dan's questions and Eve's answers (not her baking messages).
    let texts: Vec<&str> = dan
        .evidence
        .messages
        .iter()
        .map(|id| {
            let k = snap.messages.store_id.iter().position(|x| x == id).unwrap();
            &*snap.messages.text[&(k as u32)]
        })
        .collect();
    let (q, a) = ("how do you keep a sourdough starter alive?", "keep your sourdough starter warm, feed flour daily");
    assert_eq!(texts, [q, a, q, a], "the first two of each");
    // Bob (3 words, each 1/√3) and Cat (4 words, each 1/2): √3 / 2.
    let bc = i[1];
    assert_eq!(bc.evidence.members, vec![1001, 1002]);
    assert!((figure(bc, "shared_words_similarity") - 3f64.sqrt() / 2.0).abs() < 1e-12);
    assert_eq!(figure(bc, "answers_similarity"), 0.0);
    assert!((bc.priority - (0.25 + 0.2 * 3f64.sqrt() / 2.0)).abs() < 1e-12);
    // Eve and Fay are tied; Dan and Fay share two words only: not proposed.
    assert!(!i.iter().any(|m| m.evidence.members.contains(&1005)));
}

/// The hand-made group with the helper (1) turned into a program: each
/// answer comes `delay_ms` after the question it answers, worded from one
/// template (`templated`) or differently every day. The owner's role event
/// goes, so the host is whoever answers most, unless that is a bot.
fn group_with_a_fast_helper(delay_ms: i64, templated: bool) -> Snapshot {
    let mut snap = group();
    snap.memberships.retain(|r| !matches!(r.kind, MembershipKind::Role(_)));
    snap.groups[0].memberships = 0..snap.memberships.len();
    let m = &mut snap.messages;
    let (a, b) = ("甲乙丙丁戊己庚辛壬癸", "子丑寅卯辰巳午未申酉戌亥");
    for i in 0..m.len() {
        if m.member[i] != 1 {
            continue;
        }
        let q = m.reply_to[i] as usize;
        m.at_ms[i] = m.at_ms[q] + delay_ms;
        let day = ((m.at_ms[q] - T0) / DAY_MS) as usize;
        let text = if templated {
            format!("@{} 收到，今日积分 +{day}", NAMES[m.member[q] as usize])
        } else {
            let (x, y) = (a.chars().nth(day % 10).unwrap(), b.chars().nth(day / 10 % 12).unwrap());
            format!("{x}{y}这一段我也想过")
        };
        m.text.insert(i as u32, text.into());
    }
    snap
}

#[test]
fn a_helper_who_answers_within_a_second_from_a_template_is_a_bot_and_asked_nothing() {
    use tonghao_insight::automated::{Found, mark};
    let mut snap = group_with_a_fast_helper(1_000, true);
    // 69 answers, each a second after a question by someone else and each
    // the same shape ("@… 收到，今日积分 +…"): both shares 1.
    let found = mark(&mut snap);
    assert_eq!(found, vec![Found { member: 1, messages: 69, fast: 1.0, templated: 1.0 }]);
    assert!(snap.members[1].bot);
    let report = group_report(&snap, 0, 28);
    let moves = next_moves(&snap, &[report]);
    assert!(
        moves.iter().all(|m| m.about.as_deref() != Some("热心人") && m.by.as_deref() != Some("热心人")),
        "a bot is asked to do nothing and no move is about it: {moves:?}"
    );
    assert!(of(&moves, Kind::Promote).is_empty(), "the helper was the only candidate");
    // Without the owner's role event the host would be the member who
    // answers most people: only the bot answers anyone, so nobody is named.
    assert_eq!(tonghao_ops::moves::host(&snap, &group_report(&snap, 0, 28)), None);
}

#[test]
fn a_fast_person_or_a_slow_template_is_not_a_bot() {
    use tonghao_insight::automated::find;
    // Within a second, but worded anew each day (69 shapes, none used 3 times).
    let snap = group_with_a_fast_helper(1_000, false);
    let f = tonghao_insight::automated::figures(&snap).into_iter().find(|f| f.member == 1).unwrap();
    assert_eq!((f.fast, f.templated), (1.0, 0.0));
    assert!(find(&snap).is_empty());
    // One template, but a minute and a second after each question (not a
    // whole minute: a group whose times are all whole minutes has no fast share).
    let snap = group_with_a_fast_helper(61_000, true);
    let f = tonghao_insight::automated::figures(&snap).into_iter().find(|f| f.member == 1).unwrap();
    assert_eq!((f.fast, f.templated), (0.0, 1.0));
    assert!(find(&snap).is_empty());
    let report = group_report(&snap, 0, 28);
    assert_eq!(tonghao_ops::moves::host(&snap, &report), Some(1), "a person who answers from a template hosts");
}

/// `a` and `b` (one group each, no mentions) as one snapshot of two
/// groups, `b`'s group with store id 8.
fn two_groups(a: Snapshot, b: Snapshot) -> Snapshot {
    let mut s = a;
    let (n, k) = (s.messages.len(), s.memberships.len());
    let (bm, bg) = (b.messages, b.groups[0].clone());
    for i in 0..bm.len() {
        let m = &mut s.messages;
        m.store_id.push(bm.store_id[i] + 10_000);
        m.group.push(1);
        m.member.push(bm.member[i]);
        m.at_ms.push(bm.at_ms[i]);
        m.content.push(bm.content[i]);
        m.chars.push(bm.chars[i]);
        m.flags.push(bm.flags[i]);
        m.reply_to.push(if bm.reply_to[i] == NONE { NONE } else { bm.reply_to[i] + n as u32 });
        m.reply_kind.push(bm.reply_kind[i]);
        m.reply_confidence.push(bm.reply_confidence[i]);
        m.mention_start.push(m.mention_targets.len() as u32);
        if let Some(t) = bm.text.get(&(i as u32)) {
            m.text.insert((n + i) as u32, t.clone());
        }
    }
    s.memberships.extend(b.memberships.into_iter().map(|r| MembershipRow { group: 1, ..r }));
    s.groups.push(GroupMeta { store_id: 8, messages: n..s.messages.len(), memberships: k..s.memberships.len(), ..bg });
    s
}

#[test]
fn a_newcomer_silent_in_two_groups_is_welcomed_once_where_they_joined_first() {
    // The same group twice; in the second the newcomer joined a day later
    // (4 days before the end instead of 5).
    let mut later = group();
    for r in later.memberships.iter_mut().filter(|r| r.member == 3) {
        r.at_ms += DAY_MS;
    }
    let snap = two_groups(group(), later);
    let reports = [group_report(&snap, 0, 28), group_report(&snap, 1, 28)];
    let moves = next_moves(&snap, &reports);
    let w = of(&moves, Kind::Welcome);
    assert_eq!(w.len(), 1, "one welcome for the newcomer: {w:?}");
    assert_eq!(w[0].group_store_id, 7, "in the group joined first");
    assert_eq!(figure(w[0], "days_since_join"), 5.0);
    assert_eq!(figure(w[0], "silent_in_other_groups"), 1.0);
    assert_eq!(w[0].msg.key, "move.welcome_many");
    assert_eq!(w[0].msg.args.iter().find(|(k, _)| *k == "others").map(|(_, v)| v.clone()), Some(Arg::Int(1)));
    // Every other move is there for both groups (two re-engagements, …).
    assert_eq!(of(&moves, Kind::ReEngage).len(), 2);
}
