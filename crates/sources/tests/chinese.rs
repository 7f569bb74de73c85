//! The four Chinese-platform readers (wechat-csv, weflow, chatlab, qq-txt)
//! against `../shared/data/formats/cn-reading-club/`: four exports of the same
//! 42-line chat. Every count below is checked against `expected.json` and
//! against a number computed independently of tonghao by the Python one-liner
//! in the comment beside it (run from `shared/data/formats/cn-reading-club`).

mod common;

use std::collections::{BTreeSet, HashMap};
use tonghao_model::{ContentType, Event, KeyCounter, Platform, Role};
use tonghao_sources::{Position, ReadOptions, SOURCES, Source, SourceError, TextFile, decode, read_path};

const CSV: &str = "cn-reading-club/wechat/读书会1群(12345678901@chatroom)/读书会1群.csv";
const WEFLOW: &str = "cn-reading-club/wechat/读书会1群.weflow.json";
const CHATLAB: &str = "cn-reading-club/wechat/读书会1群.chatlab.json";
const QQ: &str = "cn-reading-club/qq/读书会1群.txt";

fn source(name: &str) -> &'static dyn Source {
    *SOURCES.iter().find(|s| s.name() == name).expect("registered source")
}

fn file(rel: &str) -> TextFile {
    read_path(&common::fixture(rel)).expect("fixture decodes")
}

fn read_with(name: &str, f: &TextFile) -> Result<Vec<Event>, SourceError> {
    let mut events = Vec::new();
    source(name).read(&mut f.input(), &ReadOptions::default(), &mut events)?;
    Ok(events)
}

fn read(name: &str, rel: &str) -> Vec<Event> {
    let f = file(rel);
    let (detected, events) = common::read_text(&f).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(detected, name, "{rel} is detected as {name}");
    for e in &events {
        e.validate().unwrap_or_else(|err| panic!("{rel}: {err}: {e:?}"));
    }
    events
}

fn expected() -> serde_json::Value {
    let path = common::fixture("cn-reading-club/expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What the tests count in one file.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    messages: usize,
    speakers: usize,
    replies: usize,
    with_mentions: usize,
    joins: usize,
    leaves: usize,
    recalls: usize,
    images: usize,
    stickers: usize,
}

fn counts(events: &[Event]) -> Counts {
    let mut c = Counts::default();
    let mut speakers = BTreeSet::new();
    for e in events {
        match e {
            Event::Message(m) => {
                c.messages += 1;
                speakers.insert(m.header.member.clone().or(m.header.member_name.clone()));
                c.replies += m.reply_to.is_some() as usize;
                c.with_mentions += !m.mentions.is_empty() as usize;
                c.images += (m.content_type == ContentType::Image) as usize;
                c.stickers += (m.content_type == ContentType::Sticker) as usize;
            }
            Event::Join(_) => c.joins += 1,
            Event::Leave(_) => c.leaves += 1,
            Event::Recall(_) => c.recalls += 1,
            _ => {}
        }
    }
    c.speakers = speakers.len();
    c
}

/// The counts expected.json states (QQ differs where its note says: quotes
/// are `@name text` there, so they are mentions, not replies).
fn expected_counts(qq: bool) -> Counts {
    let x = expected();
    let n = |v: &serde_json::Value| v.as_u64().unwrap() as usize;
    let quotes = n(&x["quote_replies"]);
    Counts {
        messages: n(&x["member_messages"]),
        speakers: n(&x["distinct_speakers"]),
        replies: if qq { 0 } else { quotes },
        with_mentions: n(&x["messages_with_mentions"]) + if qq { quotes } else { 0 },
        joins: n(&x["system_events"]["join"]),
        leaves: n(&x["system_events"]["leave_or_kick"]),
        recalls: n(&x["system_events"]["recall"]),
        images: n(&x["images"]),
        stickers: n(&x["stickers"]),
    }
}

#[test]
fn wechat_csv_counts() {
    let events = read("wechat-csv", CSV);
    let c = counts(&events);
    assert_eq!(c, expected_counts(false));
    // python3 -c "import csv;r=list(csv.DictReader(open('wechat/读书会1群(12345678901@chatroom)/读书会1群.csv',encoding='utf-8-sig')));m=[x for x in r if x['Type'] not in('10000','10002')];print(len(m),len({x['Sender'] for x in m}),sum(x['Type']=='49' and x['SubType']=='57' for x in r),sum('@' in x['StrContent'] for x in m if x['Type']=='1'))"
    // → 37 8 6 3
    assert_eq!((c.messages, c.speakers, c.replies, c.with_mentions), (37, 8, 6, 3));
    // python3 -c "import csv;r=list(csv.DictReader(open('wechat/读书会1群(12345678901@chatroom)/读书会1群.csv',encoding='utf-8-sig')));s=[x['StrContent'] for x in r if x['Type']=='10000'];print(sum('加入了群聊' in x for x in s),sum('移出了群聊' in x for x in s),sum(x['Type']=='10002' for x in r),sum(x['Type']=='3' for x in r),sum(x['Type']=='47' for x in r))"
    // → 3 1 1 2 1
    assert_eq!((c.joins, c.leaves, c.recalls, c.images, c.stickers), (3, 1, 1, 2, 1));
    let h = events[0].header();
    assert_eq!(
        (h.platform, h.group.as_str(), h.group_name.as_deref()),
        (Platform::Wechat, "12345678901@chatroom", Some("读书会1群"))
    );
}

#[test]
fn weflow_counts() {
    let events = read("weflow", WEFLOW);
    let c = counts(&events);
    assert_eq!(c, expected_counts(false));
    // python3 -c "import json;m=json.load(open('wechat/读书会1群.weflow.json'))['messages'];u=[x for x in m if x['type']!='系统消息'];print(len(u),len({x['senderUsername'] for x in u}),sum('quotedContent' in x for x in m),sum('@' in x['content'] for x in u))"
    // → 37 8 6 3
    assert_eq!((c.messages, c.speakers, c.replies, c.with_mentions), (37, 8, 6, 3));
    // python3 -c "import json;m=json.load(open('wechat/读书会1群.weflow.json'))['messages'];s=[x['content'] for x in m if x['type']=='系统消息'];print(sum('加入了群聊' in x for x in s),sum('移出了群聊' in x for x in s),sum('撤回' in x for x in s),sum(x['type']=='图片消息' for x in m),sum(x['type']=='动画表情' for x in m))"
    // → 3 1 1 2 1
    assert_eq!((c.joins, c.leaves, c.recalls, c.images, c.stickers), (3, 1, 1, 2, 1));
    assert_eq!(events[0].header().group, "12345678901@chatroom");
}

#[test]
fn chatlab_counts_and_roles() {
    let events = read("chatlab", CHATLAB);
    let c = counts(&events);
    assert_eq!(c, expected_counts(false));
    // python3 -c "import json;m=json.load(open('wechat/读书会1群.chatlab.json'))['messages'];u=[x for x in m if x['type'] not in(80,81)];print(len(u),len({x['sender'] for x in u}),sum('replyToMessageId' in x for x in m),sum('@' in (x['content'] or '') for x in u))"
    // → 37 8 6 3
    assert_eq!((c.messages, c.speakers, c.replies, c.with_mentions), (37, 8, 6, 3));
    // python3 -c "import json;m=json.load(open('wechat/读书会1群.chatlab.json'))['messages'];print(sum(x['type']==80 and '加入了群聊' in x['content'] for x in m),sum(x['type']==80 and '移出了群聊' in x['content'] for x in m),sum(x['type']==81 for x in m),sum(x['type']==1 for x in m),sum(x['type']==5 for x in m))"
    // → 3 1 1 2 1
    assert_eq!((c.joins, c.leaves, c.recalls, c.images, c.stickers), (3, 1, 1, 2, 1));
    // python3 -c "import json;d=json.load(open('wechat/读书会1群.chatlab.json'));print([(m['platformId'],r['id']) for m in d['members'] for r in m.get('roles',[])])"
    // → [('wxid_li0001', 'owner')]
    let roles: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Role(r) => Some((r.header.member.as_deref(), r.role, r.header.at.timestamp())),
            _ => None,
        })
        .collect();
    assert_eq!(roles, vec![(Some("wxid_li0001"), Role::Owner, 1709500000)], "dated at chatlab.exportedAt");
    let ids: BTreeSet<_> = events.iter().filter_map(|e| e.header().id.clone()).collect();
    assert_eq!(ids.len(), 37, "every message keeps its platformMessageId");
}

#[test]
fn qq_txt_counts() {
    let events = read("qq-txt", QQ);
    let c = counts(&events);
    assert_eq!(c, expected_counts(true));
    // python3 -c "import re;t=open('qq/读书会1群.txt',encoding='utf-8-sig').read();P=r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d .*\((\d+)\)\n';h=re.findall(P,t,re.M);b=re.split(P,t,flags=re.M)[2::2];u=[(i,x.strip()) for i,x in zip(h,b) if i!='10000'];print(len(u),len({i for i,_ in u}),sum('@' in x for _,x in u),sum(x=='[图片]' for _,x in u),sum(x=='[表情]' for _,x in u))"
    // → 37 8 9 2 1
    assert_eq!((c.messages, c.speakers, c.with_mentions, c.images, c.stickers), (37, 8, 9, 2, 1));
    // python3 -c "import re;t=open('qq/读书会1群.txt',encoding='utf-8-sig').read();s=re.findall(r'系统消息\(10000\)\n(.*)',t);print(sum('加入了群聊' in x for x in s),sum('移出了群聊' in x for x in s),sum('撤回' in x for x in s))"
    // → 3 1 1
    assert_eq!((c.joins, c.leaves, c.recalls, c.replies), (3, 1, 1, 0));
    let h = events[0].header();
    assert_eq!((h.platform, h.group.as_str(), h.member.as_deref()), (Platform::Qq, "读书会1群", Some("10001")));
}

/// Every file spans expected.json's first and last line, and 打卡 lines stay
/// messages (check-ins are found later, from the text).
#[test]
fn times_and_checkins() {
    let x = expected();
    for (name, rel) in [("wechat-csv", CSV), ("weflow", WEFLOW), ("chatlab", CHATLAB), ("qq-txt", QQ)] {
        let events = read(name, rel);
        let times: Vec<_> =
            events.iter().filter(|e| !matches!(e, Event::Role(_))).map(|e| e.header().at.to_rfc3339()).collect();
        assert_eq!(times.first().map(|t| t.replace('T', " ")).as_deref(), x["first"].as_str(), "{rel}");
        assert_eq!(times.last().map(|t| t.replace('T', " ")).as_deref(), x["last"].as_str(), "{rel}");
        let checkins = events.iter().filter(|e| matches!(e, Event::Message(m) if m.text.starts_with("#打卡"))).count();
        // grep -c '#打卡 第' on each file → 5
        assert_eq!(checkins, x["checkins"].as_u64().unwrap() as usize, "{rel}");
        assert!(!events.iter().any(|e| matches!(e, Event::Checkin(_))), "{rel}: no check-in events");
    }
}

/// The natural keys `docs/events.md` defines for id-less events, in order.
fn natural_keys(events: &[Event]) -> Vec<Option<String>> {
    let mut keys = KeyCounter::default();
    events
        .iter()
        .map(|e| {
            let h = e.header();
            if let Some(id) = &h.id {
                return Some(id.clone());
            }
            let who = h.member.as_deref().or(h.member_name.as_deref()).unwrap_or("");
            let body = match e {
                Event::Message(m) => m.text.as_str(),
                _ => "",
            };
            Some(keys.key(h.at.timestamp(), &[e.kind(), &h.group, who, &h.at.to_rfc3339(), body]))
        })
        .collect()
}

/// (reply time, quoted message's time) for every reply whose target is in
/// the file; panics on a `reply_to` that points nowhere.
fn reply_links(events: &[Event]) -> Vec<(i64, i64)> {
    let keys = natural_keys(events);
    let mut by_key = HashMap::new();
    let mut links = Vec::new();
    for (e, key) in events.iter().zip(keys) {
        if let Event::Message(m) = e {
            if let Some(target) = &m.reply_to {
                let at =
                    by_key.get(target).unwrap_or_else(|| panic!("reply_to {target} resolves to no earlier message"));
                links.push((m.header.at.timestamp(), *at));
            }
            if let Some(k) = key {
                by_key.insert(k, m.header.at.timestamp());
            }
        }
    }
    links
}

/// Quotes resolve to the message they quote: in ChatLab by its ids, in the
/// CSV and WeFlow (which have no message ids) by the natural key the store
/// will derive for the quoted message.
#[test]
fn quotes_link_to_the_quoted_message() {
    let chatlab = reply_links(&read("chatlab", CHATLAB));
    // python3 -c "import json;m=json.load(open('wechat/读书会1群.chatlab.json'))['messages'];t={x['platformMessageId']:x['timestamp'] for x in m};print([(x['timestamp'],t[x['replyToMessageId']]) for x in m if 'replyToMessageId' in x][:2])"
    // → [(1709298160, 1709298000), (1709298291, 1709298185)]
    assert_eq!(chatlab[..2], [(1709298160, 1709298000), (1709298291, 1709298185)]);
    assert_eq!(chatlab.len(), 6);
    assert_eq!(reply_links(&read("wechat-csv", CSV)), chatlab);
    assert_eq!(reply_links(&read("weflow", WEFLOW)), chatlab);
}

fn membership(events: &[Event]) -> Vec<(String, i64, Option<String>, Option<String>)> {
    events
        .iter()
        .filter_map(|e| {
            let (kind, by) = match e {
                Event::Join(j) => ("join", j.by.as_ref()),
                Event::Leave(j) => ("leave", j.by.as_ref()),
                Event::Recall(_) => ("recall", None),
                _ => return None,
            };
            let h = e.header();
            assert!(h.member.is_none(), "system lines name people by display name only");
            Some((kind.to_string(), h.at.timestamp(), h.member_name.clone(), by.and_then(|b| b.name.clone())))
        })
        .collect()
}

/// The four files tell the same story: same group name, speakers, times,
/// texts, joins (with inviters), kick (with kicker) and recall.
#[test]
fn the_four_formats_agree() {
    let csv = read("wechat-csv", CSV);
    let weflow = read("weflow", WEFLOW);
    let chatlab = read("chatlab", CHATLAB);
    let qq = read("qq-txt", QQ);

    for events in [&csv, &weflow, &chatlab, &qq] {
        assert!(events.iter().all(|e| e.header().group_name.as_deref() == Some("读书会1群")));
    }
    // The three WeChat tools share the chatroom id; QQ's export has no id.
    for events in [&csv, &weflow, &chatlab] {
        assert!(events.iter().all(|e| e.header().group == "12345678901@chatroom"));
    }

    let m = membership(&csv);
    assert_eq!(m[0], ("join".into(), 1709297770, Some("小徐-成都-学生".into()), Some("小李-上海-产品经理".into())));
    assert_eq!(m[2], ("leave".into(), 1709298640, Some("优惠券小助手".into()), Some("小李-上海-产品经理".into())));
    assert_eq!(m[3], ("recall".into(), 1709299740, Some("老周-北京-程序员".into()), None));
    assert_eq!(membership(&weflow), m);
    assert_eq!(membership(&chatlab), m);
    assert_eq!(membership(&qq), m);

    // (time, speaker name, text) of every message. The QQ export writes the
    // reply's quote as a leading `@name `, and its sticker as [表情].
    let lines = |events: &[Event]| -> Vec<(i64, String, String)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) => {
                    Some((m.header.at.timestamp(), m.header.member_name.clone().unwrap_or_default(), m.text.clone()))
                }
                _ => None,
            })
            .collect()
    };
    let reference = lines(&csv);
    assert_eq!(lines(&weflow), reference);
    assert_eq!(lines(&chatlab), reference);
    let replies: BTreeSet<i64> = csv
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) if m.reply_to.is_some() => Some(m.header.at.timestamp()),
            _ => None,
        })
        .collect();
    let qq_lines: Vec<_> = lines(&qq)
        .into_iter()
        .map(|(at, who, text)| {
            let text = if replies.contains(&at) {
                text.split_once(' ').map(|(mention, rest)| {
                    assert!(mention.starts_with('@'), "a QQ quote starts with @name: {text}");
                    rest.to_string()
                })
            } else {
                None
            }
            .unwrap_or(text);
            (at, who, if text == "[表情]" { "[动画表情]".to_string() } else { text })
        })
        .collect();
    assert_eq!(qq_lines, reference);

    // Speakers: the same eight names; wxids in the WeChat files, QQ numbers in QQ's.
    let speakers = |events: &[Event]| -> BTreeSet<(Option<String>, Option<String>)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some((m.header.member.clone(), m.header.member_name.clone())),
                _ => None,
            })
            .collect()
    };
    let wx = speakers(&csv);
    assert_eq!(wx.len(), 8);
    assert_eq!(speakers(&weflow), wx);
    assert_eq!(speakers(&chatlab), wx);
    let names =
        |s: &BTreeSet<(Option<String>, Option<String>)>| s.iter().map(|(_, n)| n.clone()).collect::<BTreeSet<_>>();
    assert_eq!(names(&speakers(&qq)), names(&wx));
    assert!(speakers(&qq).iter().all(|(id, _)| id.as_deref().is_some_and(|i| i.bytes().all(|b| b.is_ascii_digit()))));

    // Mentions by name agree (QQ adds the six quotes).
    let mentions = |events: &[Event]| -> Vec<Vec<Option<String>>> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) if !m.mentions.is_empty() && m.reply_to.is_none() => {
                    Some(m.mentions.iter().map(|p| p.name.clone()).collect())
                }
                _ => None,
            })
            .collect()
    };
    let mentioned = mentions(&csv);
    assert_eq!(
        mentioned,
        vec![
            vec![Some("小徐-成都-学生".to_string())],
            vec![Some("陈老师-武汉-讲师".to_string())],
            vec![Some("阿花-杭州-设计师".to_string()), Some("陈老师-武汉-讲师".to_string())],
        ]
    );
    assert_eq!(mentions(&weflow), mentioned);
    assert_eq!(mentions(&chatlab), mentioned);
}

/// The CSV and WeFlow files have no message ids: messages carry none and the
/// store hashes them; the ChatLab file's ids are the platform's.
#[test]
fn ids_only_where_the_format_has_them() {
    for (name, rel) in [("wechat-csv", CSV), ("weflow", WEFLOW), ("qq-txt", QQ)] {
        assert!(read(name, rel).iter().all(|e| e.header().id.is_none()), "{rel}");
    }
}

fn assert_parse_error(result: Result<Vec<Event>, SourceError>, name: &str) {
    match result {
        Err(SourceError::Parse { file, position, why }) => {
            assert_eq!(file, name);
            assert!(!matches!(position, Position::Whole), "{name}: a precise position, got {position:?}: {why}");
        }
        other => panic!("{name}: expected a parse error, got {other:?}"),
    }
}

/// A cut-off copy of each file is an error with the file and a position,
/// never a shorter import.
#[test]
fn truncated_files_are_errors() {
    let csv = file(CSV);
    // Cut inside the quoted XML of the first quote (row 1007).
    let cut = csv.text.find("<refermsg>").unwrap();
    let name = csv.name.clone();
    let truncated = common::text_file(&name, &csv.text[..cut]);
    let err = read_with("wechat-csv", &truncated);
    assert!(matches!(&err, Err(SourceError::Parse { position: Position::Line(8), .. })), "{err:?}");
    assert_parse_error(err, &name);

    // Cut inside a quoted field of the last row: the csv crate alone would
    // accept it as a complete field.
    let last = csv.text.trim_end().rfind('\n').unwrap();
    let text = format!("{}\n1043,2,1,0,0,1709469400,2,\"半句话", &csv.text[..last]);
    let err = read_with("wechat-csv", &common::text_file(&name, &text));
    assert!(matches!(&err, Err(SourceError::Parse { position: Position::Line(43), .. })), "{err:?}");

    for (fmt, rel) in [("weflow", WEFLOW), ("chatlab", CHATLAB)] {
        let f = file(rel);
        let half = f.text.len() / 2;
        let half = (half..f.text.len()).find(|&i| f.text.is_char_boundary(i)).unwrap();
        assert_parse_error(read_with(fmt, &common::text_file(rel, &f.text[..half])), rel);
        // Even a cut right after a complete message is an error.
        let end = f.text.rfind('}').unwrap();
        let end = f.text[..end].rfind('}').unwrap() + 1;
        assert_parse_error(read_with(fmt, &common::text_file(rel, &f.text[..end])), rel);
    }

    let qq = file(QQ);
    let cut = qq.text.find("典型的二八定律").unwrap();
    assert_parse_error(read_with("qq-txt", &common::text_file(QQ, &qq.text[..cut])), QQ);
}

/// Malformed values are errors at the message's line.
#[test]
fn malformed_values_name_their_line() {
    let f = file(WEFLOW);
    let bad = f.text.replacen("\"createTime\": 1709297822", "\"createTime\": \"yesterday\"", 1);
    assert_ne!(bad, f.text);
    let err = read_with("weflow", &common::text_file(WEFLOW, &bad));
    // grep -n '"createTime": 1709297822' wechat/读书会1群.weflow.json → 44
    assert!(matches!(&err, Err(SourceError::Parse { position: Position::LineColumn(44, _), .. })), "{err:?}");

    let f = file(CSV);
    let bad = f.text.replacen("1003,2,1,0,0,1709297822", "1003,2,x,0,0,1709297822", 1);
    let err = read_with("wechat-csv", &common::text_file(&f.name, &bad));
    assert!(matches!(&err, Err(SourceError::Parse { position: Position::Line(4), .. })), "{err:?}");

    let f = file(QQ);
    let bad = f.text.replacen(
        "消息对象:读书会1群\n================================================================\n",
        "消息对象:读书会1群\n================================================================\n随便写点什么\n",
        1,
    );
    assert_ne!(bad, f.text);
    let err = read_with("qq-txt", &common::text_file(QQ, &bad));
    // The stray line is line 8 of the file.
    assert!(matches!(&err, Err(SourceError::Parse { position: Position::Line(8), .. })), "{err:?}");
}

fn reencoded(f: &TextFile, bytes: Vec<u8>, expect: &str) -> TextFile {
    let d = decode(&f.name, bytes).expect("decodes");
    assert_eq!(d.encoding, expect);
    TextFile { name: f.name.clone(), text: d.text, encoding: d.encoding }
}

/// Excel on Chinese Windows saves CSV as GBK; old QQ writes GB18030 or
/// UTF-16. Each reads exactly like the UTF-8 file.
#[test]
fn other_encodings_read_identically() {
    for (fmt, rel) in [("wechat-csv", CSV), ("qq-txt", QQ)] {
        let f = file(rel);
        let utf8 = read_with(fmt, &f).unwrap();
        let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&f.text);
        assert!(!unmappable);
        let g = reencoded(&f, gbk.into_owned(), "gb18030");
        assert_eq!(common::read_text(&g).unwrap().0, fmt, "the GBK copy is still detected");
        assert_eq!(read_with(fmt, &g).unwrap(), utf8, "{rel} as GB18030");
    }
    let f = file(QQ);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(f.text.replace('\n', "\r\n").encode_utf16().flat_map(u16::to_le_bytes));
    let u = reencoded(&f, utf16, "UTF-16LE");
    assert_eq!(common::read_text(&u).unwrap().0, "qq-txt");
    assert_eq!(read_with("qq-txt", &u).unwrap(), read_with("qq-txt", &f).unwrap(), "UTF-16LE with BOM and CRLF");
}

/// Each reader claims its own file and none of the others, nor the README
/// and expected.json beside them.
#[test]
fn sniff_rejects_the_others() {
    let files = [("wechat-csv", CSV), ("weflow", WEFLOW), ("chatlab", CHATLAB), ("qq-txt", QQ)];
    let readme = std::fs::read_to_string(common::data_dir().join("README.md")).unwrap();
    let expected = std::fs::read_to_string(common::fixture("cn-reading-club/expected.json")).unwrap();
    for (name, _) in files {
        let s = source(name);
        for (other, rel) in files {
            let f = file(rel);
            assert_eq!(s.sniff(f.base_name(), f.head(tonghao_sources::SNIFF_BYTES)), name == other, "{name} on {rel}");
        }
        assert!(!s.sniff("README.md", &readme), "{name} on README");
        assert!(!s.sniff("expected.json", &expected), "{name} on expected.json");
    }
}

/// ChatLab's JSONL layout reads exactly like its JSON layout.
#[test]
fn chatlab_jsonl_matches_json() {
    let f = file(CHATLAB);
    let doc: serde_json::Value = serde_json::from_str(&f.text).unwrap();
    let mut lines = vec!["# ChatLab JSONL written by the test".to_string()];
    lines.push(serde_json::json!({"_type": "header", "chatlab": doc["chatlab"], "meta": doc["meta"]}).to_string());
    for (kind, key) in [("member", "members"), ("message", "messages")] {
        for item in doc[key].as_array().unwrap() {
            let mut item = item.clone();
            item["_type"] = kind.into();
            lines.push(item.to_string());
        }
    }
    let jsonl = lines.join("\n") + "\n";
    let j = common::text_file("chat.jsonl", &jsonl);
    assert_eq!(common::read_text(&j).unwrap().0, "chatlab");
    assert_eq!(read_with("chatlab", &j).unwrap(), read_with("chatlab", &f).unwrap());

    let cut = jsonl.len() - 40;
    let cut = (cut..jsonl.len()).find(|&i| jsonl.is_char_boundary(i)).unwrap();
    let err = read_with("chatlab", &common::text_file("chat.jsonl", &jsonl[..cut]));
    assert!(
        matches!(&err, Err(SourceError::Parse { position: Position::LineColumn(l, _), .. }) if *l == lines.len()),
        "{err:?}"
    );

    let no_header = lines[2..].join("\n");
    assert_parse_error(read_with("chatlab", &common::text_file("chat.jsonl", &no_header)), "chat.jsonl");
}

/// Without the export folder the CSV's group is its file stem; WeChat's
/// template XML for joins gives wxids; "你" is the account of the file's own
/// sent rows.
#[test]
fn csv_edge_cases() {
    let header = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n";
    let template = r#"<sysmsg type="sysmsgtemplate"><sysmsgtemplate><content_template type="tmpl_type_profile"><plain><![CDATA[]]></plain><template><![CDATA["$adder$"通过扫描"$from$"分享的二维码加入群聊]]></template><link_list><link name="adder" type="link_profile"><memberlist><member><username><![CDATA[wxid_new]]></username><nickname><![CDATA[新人]]></nickname></member></memberlist></link><link name="from" type="link_profile"><memberlist><member><username><![CDATA[wxid_me]]></username><nickname><![CDATA[我自己]]></nickname></member></memberlist></link></link_list></content_template></sysmsgtemplate></sysmsg>"#;
    let text = format!(
        "{header}1,2,1,0,1,1709297701,2,大家好,2024-03-01 20:55:01,群,我自己,wxid_me\n\
         2,2,10000,0,0,1709297702,2,\"{}\",2024-03-01 20:55:02,群,,\n\
         3,2,10000,0,0,1709297703,2,\"你将\"\"新人\"\"移出了群聊\",2024-03-01 20:55:03,群,,\n\
         4,2,10000,0,0,1709297704,2,\"\"\"A\"\"修改群名为\"\"B\"\"\",2024-03-01 20:55:04,群,,\n\
         5,2,1,0,0,,2,\"两行\n文字\",2024-03-01 20:55:05,群,新人,wxid_new\n",
        template.replace('"', "\"\"")
    );
    let events = read_with("wechat-csv", &common::text_file("exports/读书会.csv", &text)).unwrap();
    assert_eq!(events.len(), 4, "the rename line is dropped: {events:#?}");
    assert_eq!(events[0].header().group, "读书会");
    let Event::Join(j) = &events[1] else { panic!("{:?}", events[1]) };
    assert_eq!(
        (j.header.member.as_deref(), j.by.as_ref().and_then(|b| b.id.as_deref())),
        (Some("wxid_new"), Some("wxid_me"))
    );
    let Event::Leave(l) = &events[2] else { panic!("{:?}", events[2]) };
    assert_eq!(
        (l.header.member_name.as_deref(), l.by.as_ref().and_then(|b| b.id.as_deref())),
        (Some("新人"), Some("wxid_me"))
    );
    let Event::Message(m) = &events[3] else { panic!() };
    assert_eq!((m.text.as_str(), m.header.at.to_rfc3339().as_str()), ("两行\n文字", "2024-03-01T20:55:05+08:00"));

    // --tz overrides the +08:00 default.
    let mut out = Vec::new();
    let opts = ReadOptions { tz: Some(tonghao_sources::Zone::hours(0)) };
    source("wechat-csv").read(&mut common::text_file("x.csv", &text).input(), &opts, &mut out).unwrap();
    assert_eq!(out[0].header().at.to_rfc3339(), "2024-03-01T12:55:01+00:00");
}

/// A QQ export of several chats switches group at each 消息对象, and a body
/// line that looks like a separator stays text.
#[test]
fn qq_multiple_chats() {
    let text = "消息记录（此消息记录为文本格式，不支持重新导入）\n\n\
        ================================================================\n消息分组:我的QQ群\n\
        ================================================================\n消息对象:一群\n\
        ================================================================\n\n\
        2024-03-01 9:05:01 甲(10001)\n第一行\n\n==========\n第三行\n\n\
        ================================================================\n消息分组:我的QQ群\n\
        ================================================================\n消息对象:二群\n\
        ================================================================\n\n\
        2024-03-02 10:00:00 乙<yi@example.com>\n[图片]\n\n";
    let events = read_with("qq-txt", &common::text_file("all.txt", text)).unwrap();
    assert_eq!(events.len(), 2);
    let Event::Message(a) = &events[0] else { panic!() };
    assert_eq!((a.header.group.as_str(), a.text.as_str()), ("一群", "第一行\n\n==========\n第三行"));
    let Event::Message(b) = &events[1] else { panic!() };
    assert_eq!(
        (b.header.group.as_str(), b.header.member.as_deref(), b.content_type),
        ("二群", Some("yi@example.com"), ContentType::Image)
    );
}

/// No input makes a reader panic: every prefix of every fixture (cut at
/// character boundaries, every 7th byte) reads or fails with a parse error.
#[test]
fn prefixes_never_panic() {
    for (fmt, rel) in [("wechat-csv", CSV), ("weflow", WEFLOW), ("chatlab", CHATLAB), ("qq-txt", QQ)] {
        let f = file(rel);
        for cut in (0..f.text.len()).step_by(7).filter(|&i| f.text.is_char_boundary(i)) {
            let t = common::text_file(&f.name, &f.text[..cut]);
            match read_with(fmt, &t) {
                Ok(_) | Err(SourceError::Parse { .. }) => {}
                Err(e) => panic!("{rel} cut at {cut}: {e}"),
            }
        }
    }
}

/// None of the four claims any other export in `shared/data/formats` (they
/// come early in the detection order, so a false claim would hide a format).
#[test]
fn sniff_rejects_every_other_fixture() {
    let root = common::data_dir().join("formats");
    let mut stack = vec![root.clone()];
    let mut checked = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("cn-reading-club") {
                    stack.push(path);
                }
                continue;
            }
            let Ok(f) = read_path(&path) else { continue };
            for name in ["wechat-csv", "weflow", "chatlab", "qq-txt"] {
                assert!(
                    !source(name).sniff(f.base_name(), f.head(tonghao_sources::SNIFF_BYTES)),
                    "{name} claims {path:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} files seen");
}

/// Out-of-range times are errors at their line, not panics or wrapped dates.
#[test]
fn hostile_numbers_are_errors() {
    let header = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n";
    for t in ["9223372036854775807", "-9223372036854775808", "1709297701000", "-1", "99999999999999999999", "1e9"] {
        let text = format!("{header}1,2,1,0,0,{t},2,hi,,群,甲,wxid_a\n");
        let r = read_with("wechat-csv", &common::text_file("x.csv", &text));
        assert!(matches!(&r, Err(SourceError::Parse { position: Position::Line(2), .. })), "{t}: {r:?}");
    }
    let json = r#"{"chatlab":{"version":"0.0.2","exportedAt":1},"meta":{"name":"g","platform":"qq","type":"group"},
        "messages":[{"sender":"1","accountName":"a","timestamp":9223372036854775807,"type":0,"content":"x"}]}"#;
    let r = read_with("chatlab", &common::text_file("x.json", json));
    assert!(matches!(&r, Err(SourceError::Parse { position: Position::Line(2), .. })), "{r:?}");
    let json = r#"{"session":{"wxid":"g@chatroom"},"messages":[{"createTime":-9223372036854775808,"type":"文本消息","content":"x","senderUsername":"a"}]}"#;
    let r = read_with("weflow", &common::text_file("x.json", json));
    assert!(matches!(&r, Err(SourceError::Parse { position: Position::Line(1), .. })), "{r:?}");
}

/// qq-chat-exporter V5 JSON (layout of its JsonExporter; no real export is
/// among the fixtures, so this sample is written here in that shape).
#[test]
fn qq_chat_exporter_json() {
    let json = r#"{
  "metadata": {"name": "QQChatExporter V5 / https://github.com/shuakami/qq-chat-exporter", "version": "5.5.1"},
  "chatInfo": {"name": "读书会2群", "type": "group", "selfUid": "u_wang", "selfUin": "10009", "selfName": "小王"},
  "statistics": {"totalMessages": 5},
  "messages": [
    {"id": "7001", "seq": "1", "timestamp": 1709297701000, "time": "2024-03-01 20:55:01",
     "sender": {"uid": "u_li", "uin": "10001", "name": "小李"}, "type": "type_1",
     "content": {"text": "@阿花 今晚讨论第一章", "html": "",
       "elements": [{"type": "text", "data": {"text": "@阿花 今晚讨论第一章"}}, {"type": "at", "data": {"uid": "u_hua", "name": "阿花"}}],
       "resources": [], "mentions": [{"uid": "u_hua", "name": "阿花", "type": "user"}]},
     "recalled": false, "system": false},
    {"id": "7002", "seq": "2", "timestamp": 1709297760500, "time": "2024-03-01 20:56:00",
     "sender": {"uid": "u_hua", "uin": "10002", "name": "阿花"}, "type": "type_3",
     "content": {"text": "[回复 小李: @阿花 今晚讨论第一章]\n收到", "html": "",
       "elements": [{"type": "text", "data": {"text": "[回复 小李: @阿花 今晚讨论第一章]\n收到"}},
                    {"type": "reply", "data": {"messageId": "0", "referencedMessageId": "7001", "senderName": "小李", "content": "@阿花 今晚讨论第一章"}}],
       "resources": [], "mentions": []},
     "recalled": false, "system": false},
    {"id": "7003", "seq": "3", "timestamp": 1709297800000, "time": "2024-03-01 20:56:40",
     "sender": {"uid": "u_hua", "uin": "10002", "name": "阿花"}, "type": "type_1",
     "content": {"text": "[图片: a.jpg]", "html": "",
       "elements": [{"type": "text", "data": {"text": "[图片: a.jpg]"}}, {"type": "image", "data": {"filename": "a.jpg", "size": 10}}],
       "resources": [], "mentions": []},
     "recalled": false, "system": false},
    {"id": "7004", "seq": "4", "timestamp": 1709297900000, "time": "2024-03-01 20:58:20",
     "sender": {"uid": "u_li", "uin": "10001", "name": "小李"}, "type": "type_1",
     "content": {"text": "打错了", "html": "", "elements": [{"type": "text", "data": {"text": "打错了"}}], "resources": [], "mentions": []},
     "recalled": true, "system": false},
    {"id": "7005", "seq": "5", "timestamp": 1709297950000, "time": "2024-03-01 20:59:10",
     "sender": {"uid": "1070511173", "uin": "0", "name": "0"}, "type": "system",
     "content": {"text": "[4]", "html": "", "elements": [], "resources": [], "mentions": []},
     "recalled": false, "system": true}
  ],
  "exportOptions": {"includedFields": ["id", "timestamp", "sender", "content"]}
}"#;
    let f = common::text_file("读书会2群.json", json);
    let (format, events) = common::read_text(&f).unwrap();
    assert_eq!(format, "chatlab", "read by the chatlab source");
    let c = counts(&events);
    assert_eq!((c.messages, c.replies, c.with_mentions, c.images, c.recalls, c.speakers), (4, 1, 1, 1, 1, 2));
    let Event::Message(reply) = &events[1] else { panic!() };
    assert_eq!((reply.text.as_str(), reply.reply_to.as_deref()), ("收到", Some("7001")));
    assert_eq!(reply.header.at.to_rfc3339(), "2024-03-01T20:56:00.500+08:00");
    let h = events[0].header();
    assert_eq!(
        (h.platform, h.group.as_str(), h.member.as_deref(), h.id.as_deref()),
        (Platform::Qq, "读书会2群", Some("10001"), Some("7001"))
    );
    let Event::Recall(r) = &events[4] else { panic!("{:?}", events[4]) };
    assert_eq!((r.header.member.as_deref(), r.target.as_deref()), (Some("10001"), Some("7004")));
    assert_parse_error(read_with("chatlab", &common::text_file("q.json", &json[..json.len() / 2])), "q.json");
}
