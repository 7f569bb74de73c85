//! The store's story, written once against `&dyn Store` and run on every
//! backend in `common::backends()` (SQLite on a real file, PostgreSQL on a
//! throwaway server): import,
//! re-import, overlap, a failing import, sessions of many files, people known
//! first by name then by id, and merges in a large history.

mod common;

use common::{feed, for_each_backend, import};

use tonghao_model::{Event, EventSink, Header, Membership, Message, PersonRef, Platform};
use tonghao_store::{FeedError, TableCounts};

fn at(s: &str) -> tonghao_model::Timestamp {
    chrono::DateTime::parse_from_rfc3339(s).expect("test time")
}

fn header(member: Option<&str>, name: &str, t: &str, id: Option<&str>) -> Header {
    Header {
        platform: Platform::Wechat,
        group: "g1@chatroom".into(),
        group_name: Some("读书会1群".into()),
        member: member.map(str::to_string),
        member_name: Some(name.into()),
        at: at(t),
        id: id.map(str::to_string),
    }
}

fn message(member: &str, name: &str, t: &str, id: Option<&str>, text: &str) -> Event {
    Event::Message(Message {
        header: header(Some(member), name, t, id),
        reply_to: None,
        mentions: vec![],
        content_type: Default::default(),
        text: text.into(),
        bot: false,
        edited_at: None,
    })
}

/// Importing the same events twice adds nothing the second time, and an
/// overlapping export adds only what is new, with and without source ids.
#[test]
fn reimport_and_overlap_are_idempotent() {
    for_each_backend(|store| {
        let first = vec![
            message("wxid_a", "小李", "2024-03-01T20:00:00+08:00", Some("1"), "大家好"),
            message("wxid_b", "小徐", "2024-03-01T20:01:00+08:00", Some("2"), "你好"),
            // No ids: keyed by content, and two identical lines in one second stay two.
            message("wxid_b", "小徐", "2024-03-01T20:02:00+08:00", None, "+1"),
            message("wxid_b", "小徐", "2024-03-01T20:02:00+08:00", None, "+1"),
        ];
        let stats = import(store, &first);
        assert_eq!((stats.messages, stats.members, stats.groups, stats.duplicates), (4, 2, 1, 0));
        let before = store.counts().unwrap();

        let again = import(store, &first);
        assert_eq!((again.messages, again.members, again.groups, again.duplicates), (0, 0, 0, 4));
        assert_eq!(store.counts().unwrap(), before);

        let mut overlap = first[2..].to_vec();
        overlap.push(message("wxid_c", "阿花", "2024-03-02T07:00:00+08:00", None, "#打卡 第1天"));
        let third = import(store, &overlap);
        assert_eq!((third.messages, third.members, third.duplicates), (1, 1, 2));
    });
}

/// A feed that fails half-way leaves every table exactly as it was.
#[test]
fn failed_import_writes_nothing() {
    for_each_backend(|store| {
        import(store, &[message("wxid_a", "小李", "2024-03-01T20:00:00+08:00", Some("1"), "hi")]);
        let before = store.counts().unwrap();
        let result = store.import("default", "broken", &mut |sink: &mut dyn EventSink| {
            sink.push(message("wxid_z", "新人", "2024-03-05T20:00:00+08:00", Some("9"), "new"))?;
            Err(FeedError::from("line 7: truncated"))
        });
        assert!(result.unwrap_err().to_string().contains("line 7"));
        assert_eq!(store.counts().unwrap(), before);
        // A failing feed in a brand-new community does not leave the community behind.
        let result = store.import("other", "broken", &mut |_sink: &mut dyn EventSink| Err(FeedError::from("bad")));
        assert!(result.is_err());
        assert_eq!(store.counts().unwrap().communities, before.communities);
    });
}

/// An event the store cannot accept (nobody named) fails the whole import.
#[test]
fn invalid_event_fails_the_import() {
    for_each_backend(|store| {
        let mut h = header(None, "", "2024-03-01T20:00:00+08:00", None);
        h.member_name = None;
        let bad = Event::Leave(Membership { header: h, by: None });
        let result = store.import("default", "bad", &mut |sink: &mut dyn EventSink| {
            sink.push(bad.clone())?;
            Ok(Some("test".into()))
        });
        assert!(result.is_err());
        assert_eq!(store.counts().unwrap(), TableCounts::default());
    });
}

/// WeChat system lines name people only; when the same name later speaks with
/// a wxid in that group, it is the same member. The inviter, named only, is
/// the member who used that name.
#[test]
fn names_then_ids_are_one_member() {
    for_each_backend(|store| {
        let events = vec![
            message("wxid_li", "小李", "2024-03-01T20:55:00+08:00", Some("1"), "欢迎"),
            Event::Join(Membership {
                header: header(None, "小徐", "2024-03-01T20:56:10+08:00", None),
                by: Some(PersonRef::name("小李")),
            }),
            message("wxid_xu", "小徐", "2024-03-01T20:58:30+08:00", Some("2"), "谢谢群主"),
        ];
        let stats = import(store, &events);
        assert_eq!((stats.members, stats.joins, stats.messages), (2, 1, 2));
        let members = store.members("default", "读书会1群").unwrap();
        assert_eq!(members.len(), 2);
        let xu = members.iter().find(|m| m.name == "小徐").expect("小徐 listed");
        assert_eq!(xu.ids, vec!["wechat:wxid_xu".to_string()]);
        assert_eq!(xu.messages, 1);
        assert!(xu.joined.as_deref().unwrap().starts_with("2024-03-01T20:56:10"));
        let li = members.iter().find(|m| m.name == "小李").unwrap();
        let export = store.member_export("default", "wechat:wxid_xu").unwrap();
        let join = export.memberships.iter().find(|m| m.kind == "join").expect("小徐's join");
        assert_eq!((join.as_.as_str(), join.other_member_id), ("member", Some(li.member_id)), "invited by 小李");
    });
}

/// A member keeps every name used; the display name is the latest.
#[test]
fn names_over_time() {
    for_each_backend(|store| {
        import(
            store,
            &[
                message("wxid_a", "小李", "2024-03-01T20:00:00+08:00", Some("1"), "a"),
                message("wxid_a", "小李-上海-产品经理", "2024-03-02T20:00:00+08:00", Some("2"), "b"),
            ],
        );
        // An older export imported later does not roll the display name back.
        import(store, &[message("wxid_a", "Li", "2024-02-01T20:00:00+08:00", Some("0"), "c")]);
        let members = store.members("default", "g1@chatroom").unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].name, "小李-上海-产品经理");
        assert_eq!(store.counts().unwrap().member_names, 3);
    });
}

/// Leaving removes a member from the current count; rejoining restores them.
#[test]
fn current_members_follow_joins_and_leaves() {
    for_each_backend(|store| {
        let join =
            |name: &str, t: &str| Event::Join(Membership { header: header(Some(name), name, t, None), by: None });
        let leave =
            |name: &str, t: &str| Event::Leave(Membership { header: header(Some(name), name, t, None), by: None });
        import(
            store,
            &[
                join("a", "2024-03-01T10:00:00+08:00"),
                join("b", "2024-03-01T10:00:00+08:00"),
                message("c", "c", "2024-03-01T11:00:00+08:00", Some("1"), "only posted"),
                leave("b", "2024-03-02T10:00:00+08:00"),
            ],
        );
        assert_eq!(store.groups("default").unwrap()[0].members, 2);
        import(store, &[join("b", "2024-03-03T10:00:00+08:00")]);
        assert_eq!(store.groups("default").unwrap()[0].members, 3);
    });
}

/// The snapshot resolves replies and mentions (by id and by name) to
/// indices, sorts by group then time, and drops everything after `as_of`.
#[test]
fn snapshot_resolves_links_and_respects_as_of() {
    use tonghao_model::snapshot::{NONE, flags};
    for_each_backend(|store| {
        let mut reply = message("wxid_b", "小徐", "2024-03-01T20:01:00+08:00", Some("2"), "请问这本书有电子版吗？");
        if let Event::Message(m) = &mut reply {
            m.reply_to = Some("1".into());
            m.mentions = vec![PersonRef::id("wxid_a")];
        }
        let mut by_name = message("wxid_c", "阿花", "2024-03-01T20:03:00+08:00", Some("3"), "@小徐 微信读书上有");
        if let Event::Message(m) = &mut by_name {
            m.mentions = vec![PersonRef::name("小徐")];
        }
        import(
            store,
            &[
                by_name,
                message("wxid_a", "小李", "2024-03-01T20:00:00+08:00", Some("1"), "大家好"),
                reply,
                message("wxid_a", "小李", "2024-03-09T20:00:00+08:00", Some("4"), "一周后"),
            ],
        );
        let snap = store.snapshot("default", None, None).unwrap();
        let m = &snap.messages;
        assert_eq!(m.len(), 4);
        assert!(m.at_ms.windows(2).all(|w| w[0] <= w[1]), "sorted by time");
        let name = |i: usize| snap.members[m.member[i] as usize].name.as_str();
        assert_eq!((name(0), name(1), name(2)), ("小李", "小徐", "阿花"));
        assert_eq!(m.reply_to[1], 0);
        assert_eq!(m.reply_to[0], NONE);
        assert_eq!(m.mentions(1), &[m.member[0]]);
        assert_eq!(m.mentions(2), &[m.member[1]], "mention by name resolves");
        assert!(m.has(1, flags::QUESTION));
        assert_eq!(snap.groups[0].messages, 0..4);

        let cut = chrono::DateTime::parse_from_rfc3339("2024-03-02T00:00:00+08:00").unwrap().timestamp_millis();
        let past = store.snapshot("default", Some(cut), None).unwrap();
        assert_eq!(past.messages.len(), 3);
        assert!(store.snapshot("nobody", None, None).is_err());
    });
}

/// Someone known by id in one group, introduced by name in another group's
/// join line, then speaking there with the same id, is one member (the
/// name-only member is merged into them).
#[test]
fn join_line_in_a_second_group_merges_into_the_known_member() {
    for_each_backend(|store| {
        let in_group = |g: &str, e: Event| {
            let mut e = e;
            match &mut e {
                Event::Message(m) => m.header.group = g.into(),
                Event::Join(j) => j.header.group = g.into(),
                _ => {}
            }
            e
        };
        let stats = import(
            store,
            &[
                in_group("a@chatroom", message("wxid_xu", "小徐", "2024-03-01T20:00:00+08:00", Some("1"), "在A群")),
                in_group(
                    "b@chatroom",
                    Event::Join(Membership {
                        header: header(None, "小徐", "2024-03-02T20:00:00+08:00", None),
                        by: None,
                    }),
                ),
                in_group("b@chatroom", message("wxid_xu", "小徐", "2024-03-02T20:01:00+08:00", Some("2"), "在B群")),
            ],
        );
        assert_eq!(stats.members, 1, "{stats:?}");
        let c = store.counts().unwrap();
        assert_eq!(c.members, 1);
        // The join and both messages are one member's.
        let export = store.member_export("default", "wechat:wxid_xu").unwrap();
        assert_eq!((export.messages.len(), export.memberships.len()), (2, 1));
        let in_b = store.members("default", "b@chatroom").unwrap();
        assert_eq!(in_b.len(), 1);
        assert_eq!((in_b[0].messages, in_b[0].joined.is_some()), (1, true));
    });
}

/// A session holds many files in one transaction, each file atomic: a file
/// that fails half-way leaves no row of its own (not even the group or the
/// member it created) and keeps the files before it; files after it import
/// as if it had never been tried; a file that reads as nothing leaves
/// nothing. A session dropped without commit keeps nothing at all.
#[test]
fn a_session_keeps_each_file_atomic() {
    for_each_backend(|store| {
        let in_group = |g: &str, mut e: Event| {
            if let Event::Message(m) = &mut e {
                m.header.group = g.into();
            }
            e
        };
        let first = vec![
            message("wxid_a", "小李", "2024-03-01T20:00:00+08:00", Some("1"), "a"),
            message("wxid_b", "小徐", "2024-03-01T20:01:00+08:00", Some("2"), "b"),
        ];
        let mut session = store.begin_import("default").unwrap();
        let one = session.file("one", &mut feed(&first)).unwrap();
        assert_eq!((one.messages, one.members, one.groups), (2, 2, 1));
        let bad = session.file("two", &mut |sink: &mut dyn EventSink| {
            sink.push(in_group("g2@chatroom", message("wxid_z", "新人", "2024-03-02T20:00:00+08:00", Some("9"), "z")))?;
            sink.push(message("wxid_a", "小李", "2024-03-02T20:01:00+08:00", Some("3"), "c"))?;
            Err(FeedError::from("two.csv line 3: truncated"))
        });
        assert!(bad.unwrap_err().to_string().contains("two.csv line 3"));
        let skipped = session.file("readme", &mut |_sink: &mut dyn EventSink| Ok(None)).unwrap();
        assert_eq!(skipped.format, None);
        // The member and group the bad file created are gone; their ids may
        // be handed out again, so nothing may still point at them.
        let third = vec![
            message("wxid_a", "小李", "2024-03-03T20:00:00+08:00", Some("4"), "d"),
            message("wxid_c", "阿花", "2024-03-03T20:01:00+08:00", Some("5"), "e"),
            in_group("g2@chatroom", message("wxid_z", "新人", "2024-03-03T20:02:00+08:00", Some("6"), "f")),
        ];
        let three = session.file("three", &mut feed(&third)).unwrap();
        assert_eq!((three.messages, three.members, three.groups), (3, 2, 1), "{three:?}");
        session.commit().unwrap();

        let c = store.counts().unwrap();
        assert_eq!((c.messages, c.members, c.groups, c.identities), (5, 4, 2, 4));
        for (who, n) in [("wechat:wxid_a", 2), ("wechat:wxid_b", 1), ("wechat:wxid_c", 1), ("wechat:wxid_z", 1)] {
            let e = store.member_export("default", who).unwrap();
            assert_eq!(e.messages.len(), n, "{who}");
        }
        let z = store.member_export("default", "wechat:wxid_z").unwrap();
        assert_eq!((z.messages[0].key.as_str(), z.messages[0].group.as_str()), ("6", "g2@chatroom"));
        let log: Vec<String> = store.imports().unwrap().into_iter().map(|r| r.source).collect();
        assert_eq!(log, ["one", "three"], "the import log lists the files kept");

        let before = store.counts().unwrap();
        {
            let mut dropped = store.begin_import("default").unwrap();
            let late = [message("wxid_d", "路人", "2024-03-04T20:00:00+08:00", Some("7"), "g")];
            dropped.file("four", &mut feed(&late)).unwrap();
        }
        assert_eq!(store.counts().unwrap(), before, "no commit, nothing kept");
        assert_eq!(store.imports().unwrap().len(), 2);
    });
}

/// Importing files one per session or all in one session stores the same
/// rows and reports the same per-file figures.
#[test]
fn one_session_or_many_store_the_same() {
    let files: Vec<Vec<Event>> = (0..6)
        .map(|f| {
            (0..40)
                .map(|i| {
                    let t = format!("2024-03-{:02}T20:{:02}:00+08:00", f + 1, i);
                    let who = format!("wxid_{}", (f * 7 + i) % 25);
                    // No ids: keys count in file order, within each file.
                    message(&who, &who.replace("wxid_", "名"), &t, None, "+1")
                })
                .collect()
        })
        .collect();
    for_each_backend(|store| {
        let apart: Vec<_> = files
            .iter()
            .map(|events| {
                let mut s = store.begin_import("apart").unwrap();
                let stats = s.file("f", &mut feed(events)).unwrap();
                s.commit().unwrap();
                stats
            })
            .collect();
        let mut s = store.begin_import("together").unwrap();
        let together: Vec<_> = files.iter().map(|events| s.file("f", &mut feed(events)).unwrap()).collect();
        s.commit().unwrap();
        assert_eq!(apart, together);
        let strip = |mut m: Vec<tonghao_store::MemberSummary>| {
            m.iter_mut().for_each(|m| m.member_id = 0);
            format!("{m:?}")
        };
        assert_eq!(
            strip(store.members("apart", "g1@chatroom").unwrap()),
            strip(store.members("together", "g1@chatroom").unwrap())
        );
    });
}

/// People introduced by name in a second group (join lines) who then speak
/// there with ids already known from a first group are merged into the known
/// members. Merging after 20,000 stored messages gives exactly the members,
/// counts and links of the same history imported the other way round, where
/// no merge happens at all (the ids attach to the name-only members).
#[test]
fn merges_after_many_messages_give_the_same_members() {
    let in_group = |g: &str, mut e: Event| {
        match &mut e {
            Event::Message(m) => m.header.group = g.into(),
            Event::Join(j) => j.header.group = g.into(),
            _ => {}
        }
        e
    };
    let name = |i: usize| format!("成员{i}");
    // Group A: 200 people with ids, 20,000 messages.
    let a: Vec<Event> = (0..20_000)
        .map(|i| {
            let who = i % 200;
            let t = chrono::DateTime::parse_from_rfc3339("2024-01-01T08:00:00+08:00").unwrap()
                + chrono::Duration::seconds(i as i64 * 37);
            in_group(
                "a@chatroom",
                message(&format!("wxid_{who}"), &name(who), &t.to_rfc3339(), Some(&format!("a{i}")), "早"),
            )
        })
        .collect();
    // Group B: 100 of them join by name (invited by name), then speak with
    // their ids; 5 more join by name only and never speak.
    let mut b = Vec::new();
    for who in 0..105 {
        let t = format!("2024-03-01T10:{:02}:{:02}+08:00", who / 60, who % 60);
        let mut h = header(None, &name(who), &t, None);
        h.group = "b@chatroom".into();
        b.push(Event::Join(Membership { header: h, by: Some(PersonRef::name("成员0")) }));
    }
    for who in 0..100 {
        let t = format!("2024-03-02T10:{:02}:{:02}+08:00", who / 60, who % 60);
        b.push(in_group(
            "b@chatroom",
            message(&format!("wxid_{who}"), &name(who), &t, Some(&format!("b{who}")), "谢谢邀请"),
        ));
    }
    for_each_backend(|store| {
        // "merged": A first (20,000 messages stored), then B merges 100 people.
        let mut s = store.begin_import("merged").unwrap();
        s.file("a", &mut feed(&a)).unwrap();
        let stats = s.file("b", &mut feed(&b)).unwrap();
        s.commit().unwrap();
        assert_eq!(stats.members, 5, "only the five who never spoke are new: {stats:?}");
        // "attached": B first (ids attach to the name-only members), then A.
        let mut s = store.begin_import("attached").unwrap();
        s.file("b", &mut feed(&b)).unwrap();
        s.file("a", &mut feed(&a)).unwrap();
        s.commit().unwrap();

        let strip = |mut m: Vec<tonghao_store::MemberSummary>| {
            m.iter_mut().for_each(|m| m.member_id = 0);
            format!("{m:?}")
        };
        for group in ["a@chatroom", "b@chatroom"] {
            let merged = store.members("merged", group).unwrap();
            let attached = store.members("attached", group).unwrap();
            assert_eq!(strip(merged.clone()), strip(attached), "{group}");
            if group == "b@chatroom" {
                assert_eq!(merged.len(), 105);
                let ids = merged.iter().filter(|m| !m.ids.is_empty()).count();
                assert_eq!(ids, 100, "the merged members carry their ids");
                assert!(merged.iter().all(|m| m.joined.is_some()));
            }
        }
        for community in ["merged", "attached"] {
            let snap = store.snapshot(community, None, None).unwrap();
            assert_eq!((snap.members.len(), snap.messages.len()), (205, 20_100), "{community}");
            // Every join in B was by 成员0, who is one member with an id.
            let e = store.member_export(community, "wechat:wxid_0").unwrap();
            let invited = e.memberships.iter().filter(|m| m.as_ == "by").count();
            assert_eq!(invited, 104, "{community}: 成员0 invited everyone else");
            assert_eq!(e.messages.len(), 101, "{community}");
        }
    });
}

/// Issue 9: activities keyed by their content alone were lost. Two people
/// checking in with the same words, one person checking in the same words
/// on two days, two people buying the same item and two recalls are each
/// their own record; importing them again adds nothing.
#[test]
fn same_words_from_different_people_or_days_are_different_records() {
    for_each_backend(|store| {
        let checkin = |member: &str, t: &str| {
            Event::Checkin(tonghao_model::Checkin {
                header: header(Some(member), member, t, None),
                challenge: Some("早起读书".into()),
                day: None,
                text: "#打卡 早起读书30分钟".into(),
            })
        };
        let order = |member: &str, t: &str| {
            Event::Order(tonghao_model::Order {
                header: header(Some(member), member, t, None),
                amount_minor: 9900,
                currency: "CNY".into(),
                item: Some("《小群效应》".into()),
            })
        };
        let recall = |member: &str, t: &str| {
            Event::Recall(tonghao_model::Recall { header: header(Some(member), member, t, None), target: None })
        };
        let events = vec![
            checkin("wxid_a", "2024-03-01T07:00:00+08:00"),
            checkin("wxid_b", "2024-03-01T07:05:00+08:00"),
            checkin("wxid_a", "2024-03-02T07:00:00+08:00"),
            order("wxid_a", "2024-03-05T12:00:00+08:00"),
            order("wxid_b", "2024-03-05T12:30:00+08:00"),
            recall("wxid_a", "2024-03-05T13:00:00+08:00"),
            recall("wxid_b", "2024-03-05T13:01:00+08:00"),
        ];
        let first = import(store, &events);
        assert_eq!((first.activities, first.duplicates), (7, 0));
        let again = import(store, &events);
        assert_eq!((again.activities, again.duplicates), (0, 7));
        assert_eq!(store.counts().unwrap().activities, 7);
    });
}

/// Issue 9: what span each group's files cover. A file whose events run
/// from March to May covers every group in it for all of that span, even a
/// group whose last message is in March: it was silent after, as far as the
/// export knows. A later file extends the span.
#[test]
fn coverage_is_the_span_of_the_whole_file_for_each_group_in_it() {
    for_each_backend(|store| {
        let in_group = |group: &str, t: &str, text: &str| {
            let mut e = message("wxid_a", "小李", t, None, text);
            if let Event::Message(m) = &mut e {
                m.header.group = group.into();
            }
            e
        };
        import(
            store,
            &[
                in_group("quiet@chatroom", "2024-03-01T10:00:00+08:00", "早"),
                in_group("busy@chatroom", "2024-03-01T11:00:00+08:00", "早"),
                in_group("busy@chatroom", "2024-05-01T11:00:00+08:00", "还在"),
            ],
        );
        let covered = |snap: &tonghao_model::snapshot::Snapshot, ext: &str| {
            snap.groups.iter().find(|g| g.external_id == ext).unwrap().covered.unwrap()
        };
        let t = |s: &str| at(s).timestamp_millis();
        let snap = store.snapshot("default", None, None).unwrap();
        assert_eq!(covered(&snap, "quiet@chatroom"), (t("2024-03-01T10:00:00+08:00"), t("2024-05-01T11:00:00+08:00")));
        import(store, &[in_group("quiet@chatroom", "2024-06-01T09:00:00+08:00", "回来了")]);
        let snap = store.snapshot("default", None, None).unwrap();
        assert_eq!(covered(&snap, "quiet@chatroom").1, t("2024-06-01T09:00:00+08:00"));
        assert_eq!(covered(&snap, "busy@chatroom").1, t("2024-05-01T11:00:00+08:00"), "not in the later file");
    });
}

/// Issue 9: a group can be deleted, with every row of it, in one
/// transaction (the activities planned and check-ins recorded there too);
/// the other group and the members stay.
#[test]
fn a_deleted_group_takes_its_rows_and_nothing_else() {
    for_each_backend(|store| {
        let in_group = |group: &str, t: &str| {
            let mut e = message("wxid_a", "小李", t, None, "早");
            if let Event::Message(m) = &mut e {
                m.header.group = group.into();
                m.header.group_name = Some(group.into());
            }
            e
        };
        import(
            store,
            &[
                in_group("gone@chatroom", "2024-03-01T10:00:00+08:00"),
                in_group("gone@chatroom", "2024-03-02T10:00:00+08:00"),
                in_group("kept@chatroom", "2024-03-01T11:00:00+08:00"),
            ],
        );
        // The operators' records in each group: an activity planned in each,
        // a check-in by hand in the one deleted.
        use tonghao_model::records::{Activity, ActivityKind, MarkKind};
        let plan = |group: &str| Activity {
            id: 0,
            group_id: 0,
            group: group.into(),
            group_external_id: String::new(),
            kind: ActivityKind::Topic,
            title: format!("topic night in {group}"),
            start_ms: 1_709_300_000_000,
            tz: "Asia/Shanghai".into(),
            rrule: Some("FREQ=WEEKLY".into()),
            duration_s: 3600,
            created_ms: 1,
            host: Some("老周".into()),
        };
        let gone = store.add_activity("default", &plan("gone@chatroom")).unwrap();
        let kept = store.add_activity("default", &plan("kept@chatroom")).unwrap();
        assert_eq!((gone.id, kept.id), (1, 2));
        assert_eq!((kept.group_external_id.as_str(), kept.host.as_deref()), ("kept@chatroom", Some("老周")));
        store.add_checkin_mark("default", "gone@chatroom", "小李", "2024-03-01", MarkKind::Checkin).unwrap();
        let stats = store.group_delete("default", "gone@chatroom").unwrap();
        assert_eq!((stats.messages, stats.memberships, stats.activities), (2, 0, 0));
        assert_eq!((stats.planned_activities, stats.checkin_marks), (1, 1));
        assert_eq!(store.activities("default").unwrap(), vec![kept]);
        assert!(store.checkin_marks("default").unwrap().is_empty());
        let c = store.counts().unwrap();
        assert_eq!((c.groups, c.messages, c.members), (1, 1, 1));
        assert!(matches!(store.group_delete("default", "gone@chatroom"), Err(tonghao_store::StoreError::NotFound(_))));
        let snap = store.snapshot("default", None, None).unwrap();
        assert_eq!(snap.groups.iter().map(|g| g.external_id.as_str()).collect::<Vec<_>>(), vec!["kept@chatroom"]);
    });
}

/// Texts are kept for the window before each group's own end when no as-of
/// is given: a group whose export ended in March keeps its last week's
/// texts beside a group that goes on to June (its report reads it as of
/// March, and reply inference needs those texts).
#[test]
fn texts_are_kept_for_each_groups_own_last_window() {
    for_each_backend(|store| {
        let in_group = |group: &str, t: &str, text: &str| {
            let mut e = message("wxid_a", "小李", t, None, text);
            if let Event::Message(m) = &mut e {
                m.header.group = group.into();
            }
            e
        };
        import(store, &[in_group("march@chatroom", "2024-03-01T10:00:00+08:00", "三月的最后一句")]);
        import(store, &[in_group("june@chatroom", "2024-06-01T10:00:00+08:00", "六月")]);
        let week = 7 * 86_400_000;
        let snap = store.snapshot("default", None, Some(week)).unwrap();
        let texts: Vec<&str> = snap.messages.text.values().map(|t| &**t).collect();
        assert_eq!(texts.len(), 2, "both groups' last messages keep their text: {texts:?}");
        // With an as-of, one moment for every group: March is long before it.
        let at =
            store.snapshot("default", Some(at("2024-06-02T00:00:00+08:00").timestamp_millis()), Some(week)).unwrap();
        assert_eq!(at.messages.text.values().map(|t| &**t).collect::<Vec<_>>(), vec!["六月"]);
    });
}
