//! Every column of every message row is stored as the event gave it, also
//! when columns change or turn NULL from one message to the next (the
//! insert binds a parameter only when it changes).

mod common;

use common::{file_store, import};
use tonghao_model::{ContentType, Event, Header, Message, PersonRef, Platform};

type Row = (String, i64, String, Option<String>, String, String, Option<String>, bool, Option<i64>);

#[test]
fn columns_change_and_turn_null_between_messages() {
    let kinds = [ContentType::Text, ContentType::Image, ContentType::Text, ContentType::Link];
    let mut events = Vec::new();
    let mut expected: Vec<Row> = Vec::new();
    for i in 0..24i64 {
        let group = if i % 5 < 2 { "a" } else { "b" };
        let at = chrono::DateTime::parse_from_rfc3339("2024-03-01T10:00:00+08:00").unwrap()
            + chrono::Duration::seconds(i * 61);
        let reply_to = (i % 3 == 1).then(|| (i - 1).to_string());
        let mentions = if i % 4 == 2 { vec![PersonRef::id("u1")] } else { vec![] };
        let edited = (i % 7 == 3).then(|| at + chrono::Duration::seconds(5));
        let m = Message {
            header: Header {
                platform: Platform::Telegram,
                group: group.into(),
                group_name: None,
                member: Some(format!("u{}", i % 3)),
                member_name: Some(format!("name{}", i % 3)),
                at,
                id: Some(i.to_string()),
            },
            reply_to: reply_to.clone(),
            mentions,
            content_type: kinds[i as usize % 4],
            text: format!("message {i}"),
            bot: i % 6 == 5,
            edited_at: edited,
        };
        expected.push((
            group.into(),
            at.timestamp_millis(),
            i.to_string(),
            reply_to,
            kinds[i as usize % 4].as_str().into(),
            format!("message {i}"),
            (i % 4 == 2).then(|| r#"[{"id":"u1"}]"#.to_string()),
            i % 6 == 5,
            edited.map(|t| t.timestamp_millis()),
        ));
        events.push(Event::Message(m));
    }
    let (_dir, store) = file_store();
    let stats = import(&store, &events);
    assert_eq!((stats.messages, stats.replies), (24, 8));
    let rows: Vec<Row> = store
        .test_connection()
        .prepare(
            "SELECT g.external_id, m.at_ms, m.key, m.reply_to, m.content_type, m.text, m.mentions, m.bot, m.edited_ms
             FROM messages m JOIN groups g ON g.id = m.group_id ORDER BY m.id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows, expected);
    let communities: Vec<i64> = store
        .test_connection()
        .prepare("SELECT DISTINCT community_id FROM messages")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(communities.len(), 1);
    // Again: every row a duplicate, none changed.
    let again = import(&store, &events);
    assert_eq!((again.messages, again.duplicates), (0, 24));
}
