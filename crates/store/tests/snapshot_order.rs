//! The snapshot does not depend on the order files were imported in: a
//! history imported later export first loads the same messages, in the same
//! (group, time, row id) order, with the same replies, mentions and texts, as
//! the store's own ordered query gives.

mod common;

use common::{file_store, import};
use std::collections::HashMap;
use tonghao_model::snapshot::{NONE, Snapshot};
use tonghao_model::{Event, Header, Message, PersonRef, Platform};
use tonghao_store::{Queries, SqliteStore};

fn ms(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t).expect("test time").timestamp_millis()
}

fn msg(group: &str, member: &str, t: &str, id: &str, reply_to: Option<&str>, text: &str) -> Event {
    Event::Message(Message {
        header: Header {
            platform: Platform::Telegram,
            group: group.into(),
            group_name: Some(format!("群{group}")),
            member: Some(member.into()),
            member_name: Some(format!("name-{member}")),
            at: chrono::DateTime::parse_from_rfc3339(t).expect("test time"),
            id: Some(id.into()),
        },
        reply_to: reply_to.map(str::to_string),
        mentions: vec![],
        content_type: Default::default(),
        text: text.into(),
        bot: false,
        edited_at: None,
    })
}

/// Two exports of two groups: the later one has replies into the earlier
/// one, a reply to a message that comes later in time, one to a message
/// that never arrives, and ties in time.
fn exports() -> (Vec<Event>, Vec<Event>) {
    let mut mention = msg("g1", "u3", "2024-03-01T10:05:00+00:00", "4", None, "@name-u1 请问下次读哪本？");
    if let Event::Message(m) = &mut mention {
        m.mentions = vec![PersonRef::name("name-u1"), PersonRef::id("u2")];
    }
    let earlier = vec![
        msg("g1", "u1", "2024-03-01T10:00:00+00:00", "1", None, "大家好"),
        msg("g1", "u2", "2024-03-01T10:01:00+00:00", "2", Some("1"), "你好 https://example.com"),
        msg("g1", "u3", "2024-03-01T10:01:00+00:00", "3", Some("1"), "同一秒的第二条"),
        mention,
        // Same key as in g1: a reply in g2 must find g2's message.
        msg("g2", "u1", "2024-03-01T11:00:00+00:00", "1", None, "二群的第一条"),
        msg("g2", "u2", "2024-03-01T11:02:00+00:00", "2", Some("1"), "#打卡 第1天"),
    ];
    let later = vec![
        msg("g1", "u2", "2024-03-02T09:00:00+00:00", "5", Some("2"), "回复昨天的消息"),
        msg("g1", "u1", "2024-03-02T09:00:00+00:00", "6", Some("99"), "回复一条不存在的消息"),
        // Replies to a message timed after it (clock skew): gone before its parent's time.
        msg("g1", "u3", "2024-03-03T09:00:00+00:00", "7", Some("8"), "早到的回复"),
        msg("g1", "u1", "2024-03-06T09:00:00+00:00", "8", None, "晚到的原消息"),
        msg("g2", "u3", "2024-03-02T12:00:00+00:00", "3", Some("2"), "二群的回复"),
    ];
    (earlier, later)
}

/// Message order and parent row ids as the store's ordered join gives them.
fn by_sql(store: &SqliteStore, as_of: i64) -> (Vec<i64>, Vec<Option<i64>>) {
    let conn = store.test_connection();
    let mut stmt = conn
        .prepare(
            "SELECT m.id, p.id FROM messages m
             LEFT JOIN messages p ON m.reply_to IS NOT NULL AND p.group_id = m.group_id AND p.key = m.reply_to
                                 AND p.at_ms <= ?1
             WHERE m.at_ms <= ?1 ORDER BY m.group_id, m.at_ms, m.id",
        )
        .unwrap();
    let rows: Vec<(i64, Option<i64>)> =
        stmt.query_map([as_of], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().collect::<Result<_, _>>().unwrap();
    rows.into_iter().unzip()
}

/// Everything the snapshot says about its messages, with row ids replaced by
/// (group, key) so that two stores can be compared.
#[allow(clippy::type_complexity)]
fn described(
    store: &SqliteStore,
    snap: &Snapshot,
) -> Vec<(String, String, String, i64, u32, u8, Option<String>, Vec<String>, Option<String>)> {
    let keys: HashMap<i64, String> = store
        .test_connection()
        .prepare("SELECT id, key FROM messages")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let m = &snap.messages;
    (0..m.len())
        .map(|i| {
            let member = |x: u32| snap.members[x as usize].name.clone();
            (
                snap.groups[m.group[i] as usize].external_id.clone(),
                keys[&m.store_id[i]].clone(),
                member(m.member[i]),
                m.at_ms[i],
                m.chars[i],
                m.flags[i],
                (m.reply_to[i] != NONE).then(|| keys[&m.store_id[m.reply_to[i] as usize]].clone()),
                m.mentions(i).iter().map(|&x| member(x)).collect(),
                m.text.get(&(i as u32)).map(|t| t.to_string()),
            )
        })
        .collect()
}

#[test]
fn snapshot_is_the_same_whatever_the_import_order() {
    let (earlier, later) = exports();
    let (_d1, in_order) = file_store();
    import(&in_order, &earlier);
    import(&in_order, &later);
    let (_d2, reversed) = file_store();
    import(&reversed, &later);
    import(&reversed, &earlier);

    let day = 24 * 3600 * 1000;
    for (as_of, window) in [(None, None), (None, Some(day)), (Some(ms("2024-03-04T00:00:00+00:00")), Some(2 * day))] {
        let a = in_order.snapshot("default", as_of, window).unwrap();
        let b = reversed.snapshot("default", as_of, window).unwrap();
        for (store, snap) in [(&in_order, &a), (&reversed, &b)] {
            let (ids, parents) = by_sql(store, as_of.unwrap_or(i64::MAX));
            assert_eq!(snap.messages.store_id, ids, "order of the ordered query");
            let resolved: Vec<Option<i64>> = snap
                .messages
                .reply_to
                .iter()
                .map(|&p| (p != NONE).then(|| snap.messages.store_id[p as usize]))
                .collect();
            assert_eq!(resolved, parents, "replies as the ordered join resolves them");
            let ranges: Vec<_> = snap.groups.iter().map(|g| g.messages.clone()).collect();
            assert_eq!(ranges.iter().map(|r| r.len()).sum::<usize>(), snap.messages.len());
        }
        assert_eq!(described(&in_order, &a), described(&reversed, &b));
        assert_eq!(a.groups.iter().map(|g| g.messages.clone()).collect::<Vec<_>>(), {
            b.groups.iter().map(|g| g.messages.clone()).collect::<Vec<_>>()
        });
    }
    // The reversed store's rows really are out of order (the sort ran), and
    // the links this history is about resolve.
    let b = reversed.snapshot("default", None, None).unwrap();
    assert!(b.messages.store_id.windows(2).any(|w| w[0] > w[1]));
    let d = described(&reversed, &b);
    let reply_of = |g: &str, k: &str| d.iter().find(|x| x.0 == g && x.1 == k).unwrap().6.clone();
    assert_eq!(reply_of("g1", "5"), Some("2".into()), "across files");
    assert_eq!(reply_of("g2", "2"), Some("1".into()), "within its own group");
    assert_eq!(reply_of("g1", "6"), None);
    assert_eq!(reply_of("g1", "7"), Some("8".into()));
    let cut = reversed.snapshot("default", Some(ms("2024-03-04T00:00:00+00:00")), None).unwrap();
    let d = described(&reversed, &cut);
    assert_eq!(d.iter().find(|x| x.1 == "7").unwrap().6, None, "its parent is after the cut");
    let mentions = &d.iter().find(|x| x.1 == "4").unwrap().7;
    assert_eq!(mentions, &["name-u1".to_string(), "name-u2".to_string()]);
}

/// Thousands of messages (more than one batch between the reading and the
/// building thread), mentions and replies spread over them, out of order.
#[test]
fn many_messages_out_of_order() {
    let mut earlier = Vec::new();
    let mut later = Vec::new();
    for i in 0..9000u32 {
        let group = if i % 3 == 0 { "g2" } else { "g1" };
        let t = format!("2024-03-{:02}T{:02}:{:02}:{:02}+00:00", 1 + i / 3600, (i / 60) % 24, i % 60, i % 7);
        let reply = (i % 5 == 0 && i > 10).then(|| (i - 7).to_string());
        let mut e = msg(group, &format!("u{}", i % 40), &t, &i.to_string(), reply.as_deref(), &format!("第{i}条"));
        if let Event::Message(m) = &mut e
            && i % 11 == 0
        {
            m.mentions = vec![PersonRef::id(format!("u{}", (i + 1) % 40))];
        }
        if i < 4500 { earlier.push(e) } else { later.push(e) }
    }
    let (_d1, in_order) = file_store();
    import(&in_order, &earlier);
    import(&in_order, &later);
    let (_d2, reversed) = file_store();
    import(&reversed, &later);
    import(&reversed, &earlier);
    let a = in_order.snapshot("default", None, Some(24 * 3600 * 1000)).unwrap();
    let b = reversed.snapshot("default", None, Some(24 * 3600 * 1000)).unwrap();
    assert_eq!(a.messages.len(), 9000);
    for (store, snap) in [(&in_order, &a), (&reversed, &b)] {
        let (ids, parents) = by_sql(store, i64::MAX);
        assert_eq!(snap.messages.store_id, ids);
        let resolved: Vec<Option<i64>> =
            snap.messages.reply_to.iter().map(|&p| (p != NONE).then(|| snap.messages.store_id[p as usize])).collect();
        assert_eq!(resolved, parents);
    }
    assert_eq!(described(&in_order, &a), described(&reversed, &b));
    assert!(a.messages.mention_targets.len() > 500);
}

/// A text that is not UTF-8 (written by something else than tonghao) is an
/// error, also when it comes after thousands of good rows.
#[test]
fn invalid_text_is_an_error() {
    let (_dir, store) = file_store();
    let events: Vec<Event> = (0..6000)
        .map(|i| {
            msg(
                "g1",
                "u1",
                &format!("2024-03-01T{:02}:{:02}:{:02}+00:00", 10 + i / 3600, i / 60 % 60, i % 60),
                &i.to_string(),
                None,
                "ok",
            )
        })
        .collect();
    import(&store, &events);
    store.test_connection().execute("UPDATE messages SET text = CAST(x'ff41' AS TEXT) WHERE key = '5000'", []).unwrap();
    let err = store.snapshot("default", None, None).unwrap_err().to_string();
    assert!(err.contains("utf-8") || err.contains("UTF-8"), "{err}");
}
