//! Each metric on small hand-made histories whose right answers are worked
//! out by hand in the comments.

use tonghao_insight::graph::{Graph, metrics as graph_metrics};
use tonghao_insight::metrics::{self, DAY_MS, Window, gini};
use tonghao_insight::roles::{Role, roles};
use tonghao_model::msg::Arg;
use tonghao_model::snapshot::{
    GroupMeta, LinkKind, MemberMeta, MembershipKind, MembershipRow, Messages, NONE, Snapshot, text_flags,
};
use tonghao_model::{ContentType, Platform};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
/// 2024-03-04 00:00 UTC, a Monday.
const T0: i64 = 1_709_510_400_000;

/// One message: (member, time offset from T0, reply-to index, mentions, text).
type Msg<'a> = (u32, i64, Option<u32>, &'a [u32], &'a str);

/// A one-group snapshot of `members` people and these messages (in time order).
fn snapshot(members: usize, msgs: &[Msg], memberships: Vec<MembershipRow>, as_of: i64) -> Snapshot {
    let mut m = Messages::default();
    m.mention_start.push(0);
    for (i, &(who, t, reply, mentions, text)) in msgs.iter().enumerate() {
        m.store_id.push(i as i64 + 1);
        m.group.push(0);
        m.member.push(who);
        m.at_ms.push(T0 + t);
        m.content.push(ContentType::Text);
        m.chars.push(text.chars().count() as u32);
        m.flags.push(text_flags(text, false));
        m.reply_to.push(reply.unwrap_or(NONE));
        m.reply_kind.push(LinkKind::Explicit);
        m.reply_confidence.push(100);
        m.mention_targets.extend_from_slice(mentions);
        m.mention_start.push(m.mention_targets.len() as u32);
    }
    let n = m.len();
    let k = memberships.len();
    Snapshot {
        community: "test".into(),
        as_of_ms: as_of,
        groups: vec![GroupMeta {
            store_id: 1,
            platform: Platform::Wechat,
            external_id: "g".into(),
            name: Some("g".into()),
            tz_offset_s: 8 * 3600,
            zone: None,
            messages: 0..n,
            memberships: 0..k,
            covered: None,
        }],
        members: (0..members).map(|i| MemberMeta { store_id: i as i64, name: format!("m{i}"), bot: false }).collect(),
        messages: m,
        memberships,
    }
}

fn join(member: u32, at: i64) -> MembershipRow {
    MembershipRow { group: 0, member, kind: MembershipKind::Join, at_ms: T0 + at, by: NONE }
}

/// Ten members; member 0 sends 8 messages, member 1 sends 2, the other 8 are
/// silent members (they joined).
fn skewed() -> Snapshot {
    let mut msgs: Vec<Msg> = (0..8).map(|k| (0, k * HOUR, None, &[][..], "hello")).collect();
    msgs.push((1, 9 * HOUR, None, &[], "hi"));
    msgs.push((1, 10 * HOUR, None, &[], "hi"));
    let joins = (0..10).map(|k| join(k, -DAY_MS)).collect();
    snapshot(10, &msgs, joins, T0 + DAY_MS)
}

#[test]
fn activity_counts_senders_and_members() {
    let s = skewed();
    let a = metrics::activity(&s, 0, Window::new(s.as_of_ms, 28));
    // 10 messages over 28 days; 2 senders of 10 members.
    assert_eq!(a.messages, 10);
    assert!((a.messages_per_day - 10.0 / 28.0).abs() < 1e-12);
    assert_eq!((a.active_window, a.active_7d, a.members), (2, 2, 10));
    assert!((a.active_ratio - 0.2).abs() < 1e-12);
    // Last day = [T0, T0+1d): both sent then.
    assert_eq!(a.active_1d, 2);
}

#[test]
fn concentration_two_eight() {
    let s = skewed();
    let c = metrics::concentration(&s, 0, Window::new(s.as_of_ms, 28));
    // Top 20% of 2 senders = ceil(0.4) = 1 sender: 8 of 10 messages.
    assert!((c.top20_share - 0.8).abs() < 1e-12);
    // 8 silent of 10 members.
    assert!((c.lurker_share - 0.8).abs() < 1e-12);
    // Gini of [0×8, 2, 8]: ascending x = 0..0,2,8; Σ i·x = 9·2 + 10·8 = 98;
    // G = 2·98/(10·10) − 11/10 = 1.96 − 1.1 = 0.86.
    assert!((c.gini - 0.86).abs() < 1e-12);
}

#[test]
fn gini_edges() {
    assert_eq!(gini(&[]), 0.0);
    assert_eq!(gini(&[5, 5, 5]), 0.0);
    // One of two has everything: 2·2·1/(2·1) − 3/2 = 0.5.
    assert!((gini(&[0, 1]) - 0.5).abs() < 1e-12);
}

#[test]
fn responsiveness_threads_answers_and_delays() {
    // Thread A at 0 answered by a reply after 10 min; thread B at 2h (gap ≥ 30
    // min) answered by an @mention after 4 min; thread C at 5h never answered
    // (only its author continues, then someone else talks without linking).
    let msgs: Vec<Msg> = vec![
        (0, 0, None, &[], "有人在吗？"),
        (1, 10 * MIN, Some(0), &[], "在"),
        (2, 2 * HOUR, None, &[], "明天活动几点"),
        (0, 2 * HOUR + 4 * MIN, None, &[2], "@m2 八点"),
        (3, 5 * HOUR, None, &[], "分享一篇文章"),
        (3, 5 * HOUR + MIN, None, &[], "大家看看"),
        (1, 5 * HOUR + 2 * MIN, None, &[], "别的话题"),
    ];
    let s = snapshot(4, &msgs, vec![], T0 + DAY_MS);
    let r = metrics::responsiveness(&s, 0, Window::new(s.as_of_ms, 28));
    assert_eq!((r.threads, r.answered), (3, 2));
    assert!((r.unanswered_share - 1.0 / 3.0).abs() < 1e-12);
    // Delays 600 s and 240 s: median 420 s.
    assert_eq!(r.median_first_response_s, Some(420.0));
    assert_eq!(r.unanswered_examples, vec![5]);
}

#[test]
fn newcomer_funnel() {
    // Joins: m1 at day 0 speaks on day 3 and day 40, and rejoins on day 20
    // (a reconnect: not a second newcomer); m2 at day 0 never speaks; m3 at
    // day 50 speaks on day 51; m4 posted on day 1 and only then has a join
    // recorded (day 5): already there, not a newcomer. Snapshot at day 60.
    let msgs: Vec<Msg> = vec![
        (4, DAY_MS, None, &[], "I was here before the log"),
        (1, 3 * DAY_MS, None, &[], "hi"),
        (1, 40 * DAY_MS, None, &[], "back"),
        (3, 51 * DAY_MS, None, &[], "hi"),
    ];
    let joins = vec![join(1, 0), join(2, 0), join(4, 5 * DAY_MS), join(1, 20 * DAY_MS), join(3, 50 * DAY_MS)];
    let s = snapshot(5, &msgs, joins, T0 + 60 * DAY_MS);
    let n = metrics::newcomers(&s, 0, s.as_of_ms);
    assert_eq!((n.joins, n.newcomers), (5, 3));
    // All three joins are ≥ 14 days old? m3 joined 10 days ago: cohort m1, m2; m1 spoke.
    assert_eq!(n.spoke_within_14d, Some(0.5));
    // ≥ 30 days old: m1, m2; m1 posted on day 40 ≥ day 30.
    assert_eq!(n.active_after_30d, Some(0.5));
    assert_eq!(n.active_after_90d, None);
    // Join → first message: 3 days and 1 day; median 2 days.
    assert_eq!(n.median_join_to_first_s, Some(2.0 * 86_400.0));
}

#[test]
fn heatmap_uses_local_time() {
    // T0 is Monday 00:00 UTC = Monday 08:00 in +08:00; 14h later is 22:00 local.
    let msgs: Vec<Msg> = vec![(0, 0, None, &[], "a"), (0, 14 * HOUR, None, &[], "b"), (0, 17 * HOUR, None, &[], "c")];
    let s = snapshot(1, &msgs, vec![], T0 + DAY_MS);
    let h = metrics::heatmap(&s, 0, Window::new(s.as_of_ms, 28));
    assert_eq!(h[0][8], 1);
    assert_eq!(h[0][22], 1);
    // 17h after Monday 08:00 is Tuesday 01:00.
    assert_eq!(h[1][1], 1);
    assert_eq!(h.iter().flatten().sum::<u32>(), 3);
}

#[test]
fn weekly_series_counts_new_speakers() {
    // Week boundaries are counted back from the snapshot time (T0 + 14d):
    // week 0 = [T0, T0+7d), week 1 = [T0+7d, T0+14d).
    let msgs: Vec<Msg> = vec![
        (0, 0, None, &[], "a"),
        (1, DAY_MS, None, &[], "b"),
        (0, 8 * DAY_MS, None, &[], "c"),
        (2, 9 * DAY_MS, None, &[], "d"),
    ];
    let s = snapshot(3, &msgs, vec![], T0 + 14 * DAY_MS);
    let w = metrics::weekly(&s, 0, s.as_of_ms);
    assert_eq!(w.len(), 2);
    assert_eq!((w[0].messages, w[0].active, w[0].new_speakers), (2, 2, 2));
    assert_eq!((w[1].messages, w[1].active, w[1].new_speakers), (2, 2, 1));
}

#[test]
fn leaving_members_are_not_counted() {
    let mut rows = vec![join(0, 0), join(1, 0)];
    rows.push(MembershipRow { group: 0, member: 1, kind: MembershipKind::Leave, at_ms: T0 + HOUR, by: NONE });
    let msgs: Vec<Msg> = vec![(2, 2 * HOUR, None, &[], "posted without a join record")];
    let s = snapshot(3, &msgs, rows, T0 + DAY_MS);
    assert_eq!(metrics::current_members(&s, 0, s.as_of_ms), vec![0, 2]);
}

#[test]
fn graph_and_roles_on_a_small_group() {
    // m0 answers m1, m2, m3 (reply links); m1 answers m0. m4 spoke 6 times two
    // months ago and not since: drifting.
    let mut msgs: Vec<Msg> = (0..6).map(|k| (4, -60 * DAY_MS + k * HOUR, None, &[][..], "old times")).collect();
    let base = msgs.len() as u32;
    msgs.extend_from_slice(&[
        (1, 0, None, &[], "q1"),
        (0, MIN, Some(base), &[], "a1"),
        (2, 40 * MIN, None, &[], "q2"),
        (0, 41 * MIN, Some(base + 2), &[], "a2"),
        (3, 90 * MIN, None, &[], "q3"),
        (0, 91 * MIN, Some(base + 4), &[], "a3"),
        (1, 92 * MIN, Some(base + 5), &[], "thanks"),
    ]);
    let s = snapshot(5, &msgs, vec![], T0 + DAY_MS);
    let w = Window::new(s.as_of_ms, 28);
    let graph = Graph::build(&s, 0, w);
    let shape = graph_metrics(&graph);
    // Links: 0-1, 0-2, 0-3 (a star around m0); 4 directed edges, one mutual pair.
    assert_eq!(shape.links, 3);
    assert_eq!(shape.hub, Some(0));
    assert_eq!(shape.structure, "pyramid");
    assert!((shape.reciprocity - 0.5).abs() < 1e-12);
    let r = roles(&s, 0, w, &graph, &shape);
    let of = |m: u32| r.iter().find(|x| x.member == m).unwrap();
    // m0 sent 3 of 7, rank 1 of 4 senders (top 20% = 1 sender), answered 3 people.
    assert!(of(0).roles.contains(&Role::Core));
    assert!(of(0).roles.contains(&Role::Connector));
    assert!(of(4).roles.contains(&Role::Drifting));
    assert_eq!((of(4).messages_before, of(4).messages_window), (6, 0));
    assert!(!of(1).roles.contains(&Role::Core), "m1 answered only one person");
}

/// "The group hangs on one person" needs enough interaction to mean it: a
/// star of three reply pairs around member 0 is not evidence of structure;
/// a star of six is, and the signal quotes the pair count.
#[test]
fn hub_signal_needs_five_linked_pairs() {
    let star = |n: u32| {
        let mut msgs: Vec<Msg> = vec![(0, 0, None, &[], "有人知道怎么配置吗")];
        msgs.extend((1..=n).map(|k| (k, k as i64 * MIN, Some(0), &[][..], "我来回答")));
        snapshot(n as usize + 1, &msgs, vec![], T0 + DAY_MS)
    };
    let hub_signal = |s: &Snapshot| {
        tonghao_insight::report::group_report(s, 0, 28).weakest.into_iter().find(|x| x.key == "hub_dependence")
    };
    let small = star(3);
    assert_eq!(graph_metrics(&Graph::build(&small, 0, Window::new(small.as_of_ms, 28))).links, 3);
    assert!(hub_signal(&small).is_none(), "three pairs are too few to call a hub");
    let s = hub_signal(&star(6)).expect("six pairs all through member 0");
    assert_eq!(s.msg.arg("share"), Some(&Arg::Share(1.0)));
    assert_eq!(s.msg.arg("pairs"), Some(&Arg::Int(6)));
}

/// A room that fell from 40 messages a week to 6 without a month-on-month
/// drop in its last two months is declining, and says by how much: 24 in
/// the last 4 weeks against 160 in its busiest 4, i.e. 15%.
#[test]
fn a_slow_fade_is_declining_with_its_numbers() {
    let mut msgs: Vec<Msg> = Vec::new();
    for week in 0..20i64 {
        let count = if week < 4 { 40 } else { 6 };
        for k in 0..count {
            msgs.push(((k % 3) as u32, week * 7 * DAY_MS + k * HOUR, None, &[], "今天读到第几章了"));
        }
    }
    let s = snapshot(3, &msgs, vec![], T0 + 20 * 7 * DAY_MS);
    let r = tonghao_insight::report::group_report(&s, 0, 28);
    assert_eq!(r.stage, tonghao_insight::lifecycle::Stage::Declining);
    let faded = r.weakest.iter().find(|x| x.key == "faded").expect("the fade is among the weakest signals");
    assert_eq!(
        faded.msg,
        tonghao_model::msg::Msg::new("signal.faded")
            .share("share", 24.0 / 160.0)
            .num("peak", 160.0, 0)
            .int("recent", 24)
    );
    assert!((faded.score - (1.0 - 0.15 / 0.5)).abs() < 1e-12);
}

/// Issue 9: "active 8/7 (114%)". Two of three members post, then one of them
/// leaves: the window still has 2 senders, but only 1 of the 2 remaining
/// members is active, 50%, never more than everyone.
#[test]
fn a_member_who_left_is_not_counted_in_the_active_ratio() {
    let msgs: Vec<Msg> = vec![(0, 0, None, &[], "早上好"), (1, HOUR, None, &[], "早")];
    let mut memberships: Vec<MembershipRow> = (0..3).map(|k| join(k, -DAY_MS)).collect();
    memberships.push(MembershipRow {
        group: 0,
        member: 1,
        kind: MembershipKind::Leave,
        at_ms: T0 + 2 * HOUR,
        by: NONE,
    });
    let s = snapshot(3, &msgs, memberships, T0 + DAY_MS);
    let a = metrics::activity(&s, 0, Window::new(s.as_of_ms, 28));
    assert_eq!((a.active_window, a.active_members, a.members), (2, 1, 2));
    assert!((a.active_ratio - 0.5).abs() < 1e-12);
}

/// Issue 9: the owner counted as a newcomer, and everyone in a short export
/// called new. Member 0 founded the group (owner role) and 1 posts on the
/// first day of the known history: neither arrival is seen. Member 2 joins
/// ten days later and posts: a newcomer.
#[test]
fn newcomers_are_people_whose_arrival_is_seen() {
    let msgs: Vec<Msg> = vec![
        (0, 0, None, &[], "欢迎大家"),
        (1, HOUR, None, &[], "谢谢群主"),
        (2, 10 * DAY_MS + HOUR, None, &[], "大家好，我是新来的"),
        (0, 10 * DAY_MS + 2 * HOUR, None, &[2], "欢迎"),
    ];
    let memberships = vec![
        MembershipRow {
            group: 0,
            member: 0,
            kind: MembershipKind::Role(tonghao_model::Role::Owner),
            at_ms: T0,
            by: NONE,
        },
        join(2, 10 * DAY_MS),
    ];
    let s = snapshot(3, &msgs, memberships, T0 + 12 * DAY_MS);
    let w = Window::new(s.as_of_ms, 28);
    let g = Graph::build(&s, 0, w);
    let shape = graph_metrics(&g);
    let newcomers: Vec<u32> = roles(&s, 0, w, &g, &shape)
        .into_iter()
        .filter(|m| m.roles.contains(&Role::Newcomer))
        .map(|m| m.member)
        .collect();
    assert_eq!(newcomers, vec![2]);
}

/// The split's ties weigh a link by how sure it is: a quote or an @mention
/// 1, an inferred reply the reply model's confidence in it (here 62%); a
/// message that quotes and @mentions the same member counts once. The plain
/// graph counts every link 1.
#[test]
fn split_ties_weigh_inferred_replies_less() {
    let msgs: Vec<Msg> = vec![
        (0, 0, None, &[], "who runs on Sunday?"),
        (1, MIN, Some(0), &[0], "me"),               // quote of 0 and @0: one tie 1 → 0
        (2, 2 * MIN, Some(1), &[], "me too"),        // inferred below: 0.75 for 2 → 1
        (2, 3 * MIN, None, &[0, 1], "see you both"), // two @mentions: 1 each
    ];
    let mut s = snapshot(3, &msgs, vec![], T0 + DAY_MS);
    s.messages.reply_kind[2] = LinkKind::Inferred;
    s.messages.reply_confidence[2] = 62;
    let w = Window::new(s.as_of_ms, 28);
    let plain = Graph::build(&s, 0, w);
    let ties = tonghao_insight::split::ties(&s, 0, w, &plain.nodes);
    assert_eq!(ties.nodes, plain.nodes, "the same nodes in the same order");
    let weight = |g: &Graph, a: u32, b: u32| {
        let (u, v) = (g.nodes.iter().position(|&x| x == a).unwrap(), g.nodes.iter().position(|&x| x == b).unwrap());
        g.out[u].get(&v).copied().unwrap_or(0.0)
    };
    assert_eq!(weight(&ties, 1, 0), 1.0);
    assert_eq!(weight(&ties, 2, 1), 1.0 + 0.62);
    assert_eq!(weight(&ties, 2, 0), 1.0);
    assert_eq!(weight(&plain, 2, 1), 2.0);
}

/// The split places the window's members but reads their ties over the
/// last `TIE_DAYS`: an exchange two months ago between two members of the
/// window ties them; one with a member gone quiet since adds no node, and
/// an exchange older than `TIE_DAYS` counts for nothing.
#[test]
fn split_ties_reach_back_a_quarter_among_the_windows_members() {
    let day = DAY_MS;
    let msgs: Vec<Msg> = vec![
        (0, 0, None, &[], "old thread"),
        (1, MIN, None, &[0], "an exchange long ago"), // 100 days before the end: too old
        (0, 40 * day, None, &[], "spring run?"),
        (1, 40 * day + MIN, Some(2), &[], "yes"), // 60 days before: ties 1 → 0
        (3, 40 * day + 2 * MIN, None, &[0], "me too"), // 3 then goes quiet: no node
        (0, 95 * day, None, &[], "hello"),
        (1, 96 * day, None, &[], "hi"),
        (2, 96 * day + MIN, Some(6), &[], "hey"), // in the window: 2 → 1
    ];
    let s = snapshot(4, &msgs, vec![], T0 + 100 * day);
    let w = Window::new(s.as_of_ms, 28);
    let plain = Graph::build(&s, 0, w);
    let ties = tonghao_insight::split::ties(&s, 0, w, &plain.nodes);
    assert_eq!(ties.nodes, plain.nodes, "the window's members, in its order");
    assert!(!ties.nodes.contains(&3));
    let weight = |a: u32, b: u32| {
        let (u, v) =
            (ties.nodes.iter().position(|&x| x == a).unwrap(), ties.nodes.iter().position(|&x| x == b).unwrap());
        ties.out[u].get(&v).copied().unwrap_or(0.0)
    };
    assert_eq!(weight(1, 0), 1.0, "the exchange 60 days ago, not the one 100 days ago");
    assert_eq!(weight(2, 1), 1.0);
    assert_eq!(plain.out.iter().map(|o| o.len()).sum::<usize>(), 1, "the window alone has one tie");
    assert_eq!(tonghao_insight::split::TIE_DAYS, 91);
}

/// Drafts go out in the language the group writes: Chinese when a quarter
/// of its messages with letters have Chinese characters, but a Japanese
/// message (Chinese characters between kana) is not Chinese.
#[test]
fn the_draft_language_follows_what_the_group_writes() {
    let with_texts = |list: &[&str]| {
        let msgs: Vec<Msg> =
            list.iter().enumerate().map(|(k, &t)| (k as u32 % 2, k as i64 * HOUR, None, &[][..], t)).collect();
        let mut s = snapshot(2, &msgs, vec![], T0 + DAY_MS);
        for (k, &t) in list.iter().enumerate() {
            s.messages.text.insert(k as u32, t.into());
        }
        s
    };
    let w = Window::new(T0 + DAY_MS, 28);
    // 1 of 4 with Chinese characters: a Chinese group writing English terms.
    assert_eq!(metrics::language(&with_texts(&["今天读第五章", "ok", "see you", "PR merged"]), 0, w), Some("zh"));
    assert_eq!(metrics::language(&with_texts(&["ok", "see you", "PR merged", "thanks"]), 0, w), Some("en"));
    // Japanese: 1 of 5 (了解, no kana) reads as Chinese, under a quarter.
    let japanese = ["今日は第五章を読みました", "型クラスについて勉強します", "ありがとう", "そうですね", "了解"];
    assert_eq!(metrics::language(&with_texts(&japanese), 0, w), Some("en"));
    assert_eq!(metrics::language(&with_texts(&[]), 0, w), None);
}
