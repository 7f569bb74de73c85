//! The Telegram, DiscordChatExporter JSON and DiscordChatExporter CSV readers on
//! the real fixtures in `../shared/data/formats/{telegram,discord}` and on
//! small hand-written files for what the fixtures lack.
//!
//! Every expected count was computed independently of tonghao, with the `jq`
//! or `python3` command in the comment beside it (run from
//! `shared/data/formats`). For the CSV pages the mention rule is re-implemented
//! in `python3 csvcount.py` below, which is this (saved as
//! `/tmp/csvcount.py`):
//!
//! ```text
//! import csv, re, sys
//! for f in sys.argv[1:]:
//!     head = open(f, encoding='utf-8').readline()
//!     d = ';' if head.startswith('AuthorID;') else ','
//!     rows = list(csv.reader(open(f, encoding='utf-8', newline=''), delimiter=d))[1:]
//!     names = {re.sub(r'#\d{4}$', '', r[1].strip()) for r in rows} | {'Deleted User'}
//!     names = sorted((n for n in names if n), key=lambda n: (-len(n), n))
//!     def ments(t):
//!         out = []
//!         for m in re.finditer(r'(?:(?<=^)|(?<=[\s(\[{"\']))@', t):
//!             rest = t[m.end():]
//!             name = next((n for n in names if rest.startswith(n)
//!                          and not re.match(r'[\w]', rest[len(n):len(n)+1] or ' ')), None)
//!             if name is None:
//!                 name = re.split(r'\s', rest)[0].rstrip('.,:;!?)]}\'"')
//!             if name and name not in ('everyone', 'here') and not name.startswith('@') and name not in out:
//!                 out.append(name)
//!         return out
//!     print(f, 'rows', len(rows), 'authors', len({r[0] for r in rows}),
//!           'mention_rows', sum(1 for r in rows if ments(r[3])),
//!           'attach', sum(1 for r in rows if r[4].strip()),
//!           'empty', sum(1 for r in rows if not r[3].strip() and not r[4].strip()))
//! ```

mod common;

use common::{data_dir, fixture, read_fixture, read_text, tally, text_arg, text_file};
use std::collections::HashSet;
use std::io::Write;
use tonghao_model::{ContentType, Event, EventSink, Message, PersonRef, SinkError};
use tonghao_sources::{Position, ReadOptions, SNIFF_BYTES, SOURCES, Source, SourceError, TextFile, detect, read_path};

/// What the tests compare per file.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    messages: usize,
    /// Distinct message authors (by member id, else by name).
    authors: usize,
    replies: usize,
    /// Messages with at least one mention.
    mentions: usize,
    joins: usize,
    leaves: usize,
}

fn counts(events: &[Event]) -> Counts {
    let t = tally(events);
    assert_eq!(t.other, 0, "only messages, joins and leaves expected");
    let authors: HashSet<String> = messages(events)
        .map(|m| m.header.member.clone().or_else(|| m.header.member_name.clone()).unwrap_or_default())
        .collect();
    Counts {
        messages: t.messages,
        authors: authors.len(),
        replies: t.replies,
        mentions: t.mentions,
        joins: t.joins,
        leaves: t.leaves,
    }
}

fn messages(events: &[Event]) -> impl Iterator<Item = &Message> {
    events.iter().filter_map(|e| match e {
        Event::Message(m) => Some(m),
        _ => None,
    })
}

fn read_as(format: &str, file: &TextFile, opts: &ReadOptions) -> Result<Vec<Event>, SourceError> {
    let source = detect(&file.input(), Some(format))?;
    let mut events = Vec::new();
    source.read(&mut file.input(), opts, &mut events)?;
    Ok(events)
}

fn source(name: &str) -> &'static dyn Source {
    *SOURCES.iter().find(|s| s.name() == name).expect("registered")
}

// ---------------------------------------------------------------- Telegram

#[test]
fn telegram_dm_fixture() {
    let (format, events) = read_fixture("telegram/DM_2A_7M.json");
    assert_eq!(format, "telegram");
    let expected = Counts {
        // jq '[.messages[]|select(.type=="message")]|length' telegram/DM_2A_7M.json  → 6
        messages: 6,
        // jq '[.messages[]|select(.type=="message")|.from_id]|unique|length' telegram/DM_2A_7M.json  → 2
        authors: 2,
        // jq '[.messages[]|select(.type=="message" and .reply_to_message_id!=null)]|length' telegram/DM_2A_7M.json  → 0
        replies: 0,
        // jq '[.messages[]|select(.type=="message" and ([.text_entities[]?|select(.type=="mention" or .type=="mention_name")]|length>0))]|length' telegram/DM_2A_7M.json  → 0
        mentions: 0,
        // jq -c '[.messages[]|select(.type=="service")|.action]' telegram/DM_2A_7M.json  → ["joined_telegram","phone_call"]: neither is a join or leave
        joins: 0,
        leaves: 0,
    };
    assert_eq!(counts(&events), expected);

    let all: Vec<&Message> = messages(&events).collect();
    let first = all[0];
    assert_eq!(first.header.group, "700000000");
    assert_eq!(first.header.group_name.as_deref(), Some("Bob"));
    assert_eq!(first.header.id.as_deref(), Some("3644"));
    assert_eq!(first.header.member.as_deref(), Some("user700000000"));
    assert_eq!(first.header.member_name.as_deref(), Some("Bob"));
    // The text array [{"type":"link","text":"https://google.com"}," 👀"] flattened.
    assert_eq!(first.text, "https://google.com 👀");
    // "date": "2019-07-12T16:55:32" without date_unixtime: zoneless, read as UTC by default.
    assert_eq!(first.header.at.to_rfc3339(), "2019-07-12T16:55:32+00:00");
    // id 3662 has only "date_unixtime": "1652135033";
    // python3 -c "import datetime as d; print(d.datetime.fromtimestamp(1652135033, d.timezone.utc))" → 2022-05-09 22:23:53+00:00
    let m3662 = all.iter().find(|m| m.header.id.as_deref() == Some("3662")).unwrap();
    assert_eq!(m3662.header.at.to_rfc3339(), "2022-05-09T22:23:53+00:00");
    // jq '[.messages[]|select(.photo!=null)]|length' telegram/DM_2A_7M.json → 2
    assert_eq!(all.iter().filter(|m| m.content_type == ContentType::Image).count(), 2);

    // --tz applies to zoneless dates only.
    let file = read_path(&fixture("telegram/DM_2A_7M.json")).unwrap();
    let opts = ReadOptions { tz: Some(tonghao_sources::Zone::hours(8)) };
    let events = read_as("telegram", &file, &opts).unwrap();
    let all: Vec<&Message> = messages(&events).collect();
    assert_eq!(all[0].header.at.to_rfc3339(), "2019-07-12T16:55:32+08:00");
    let m3662 = all.iter().find(|m| m.header.id.as_deref() == Some("3662")).unwrap();
    assert_eq!(m3662.header.at.timestamp(), 1652135033);
}

#[test]
fn telegram_big_fixture() {
    let (format, events) = read_fixture("telegram/BIG_20A_5475M.json");
    assert_eq!(format, "telegram");
    let expected = Counts {
        // jq '[.messages[]|select(.type=="message")]|length' telegram/BIG_20A_5475M.json  → 5475
        messages: 5475,
        // jq '[.messages[]|select(.type=="message")|.from_id]|unique|length' telegram/BIG_20A_5475M.json  → 20
        authors: 20,
        // jq '[.messages[]|select(.type=="message" and .reply_to_message_id!=null)]|length' telegram/BIG_20A_5475M.json  → 0
        replies: 0,
        // jq '[.messages[]|select(.type=="message" and ([.text_entities[]?|select(.type=="mention" or .type=="mention_name")]|length>0))]|length' telegram/BIG_20A_5475M.json  → 0
        mentions: 0,
        // jq '[.messages[]|select(.type=="service")]|length' telegram/BIG_20A_5475M.json  → 0
        joins: 0,
        leaves: 0,
    };
    assert_eq!(counts(&events), expected);
    // jq -c '.messages[0] | {date, from_id}' → {"date":"2017-01-01T06:20:09.248Z","from_id":19}:
    // an old integer id is a user, and a date with `Z` keeps its offset.
    let first = messages(&events).next().unwrap();
    assert_eq!(first.header.member.as_deref(), Some("user19"));
    assert_eq!(first.header.at.to_rfc3339(), "2017-01-01T06:20:09.248+00:00");
    assert_eq!(first.header.group, "1111111111");
}

/// The "Export Telegram data" layout: account sections, then `chats.list` and
/// `left_chats.list`, each chat with its own messages. Also every mapping the
/// fixtures lack: joins, leaves, mentions, replies, edits, bots, media, the
/// offset stated by `date` beside `date_unixtime`.
const ACCOUNT_EXPORT: &str = r#"{
 "about": "Here is the data you requested.",
 "personal_information": {"user_id": 42, "first_name": "Me", "phone_number": "+0000", "bio": ""},
 "contacts": {"about": "contacts", "list": [{"first_name": "A", "date": "2020-01-01T00:00:00"}]},
 "chats": {
  "about": "This page lists all chats from this export.",
  "list": [
   {
    "name": "读书会",
    "type": "private_supergroup",
    "id": 1500000001,
    "messages": [
     {"id": 1, "type": "service", "date": "2023-01-01T17:00:00", "date_unixtime": "1672563600",
      "actor": "Alice", "actor_id": "user1", "action": "invite_members", "members": ["Bob", "Carol"],
      "text": "", "text_entities": []},
     {"id": 2, "type": "service", "date": "2023-01-01T17:01:00", "date_unixtime": "1672563660",
      "actor": "Dan", "actor_id": "user4", "action": "join_group_by_link", "inviter": "Group",
      "text": "", "text_entities": []},
     {"id": 3, "type": "message", "date": "2023-01-01T17:02:00", "date_unixtime": "1672563720",
      "from": "Bob", "from_id": "user2",
      "text": [{"type": "mention", "text": "@carol_c"}, " hi ", {"type": "mention_name", "text": "Dan", "user_id": 4}, "!"],
      "text_entities": [{"type": "mention", "text": "@carol_c"}, {"type": "plain", "text": " hi "},
                        {"type": "mention_name", "text": "Dan", "user_id": 4}, {"type": "plain", "text": "!"}]},
     {"id": 4, "type": "message", "date": "2023-01-01T17:03:00", "date_unixtime": "1672563780",
      "edited": "2023-01-01T17:04:00", "edited_unixtime": "1672563840",
      "from": "Carol", "from_id": "user3", "reply_to_message_id": 3, "text": "hello \"Bob\"", "text_entities": []},
     {"id": 5, "type": "message", "date": "2023-01-01T17:05:00", "date_unixtime": "1672563900",
      "from": "Dan", "from_id": "user4", "via_bot": "@gif", "media_type": "animation", "file": "(File not included.)",
      "text": "", "text_entities": []},
     {"id": 6, "type": "message", "date": "2023-01-01T17:06:00", "date_unixtime": "1672563960",
      "from": null, "from_id": "user9", "media_type": "sticker", "sticker_emoji": "👍", "file": "x.webp",
      "reply_to_message_id": 99, "reply_to_peer_id": "channel777", "text": ""},
     {"id": 7, "type": "service", "date": "2023-01-01T17:07:00", "date_unixtime": "1672564020",
      "actor": "Carol", "actor_id": "user3", "action": "remove_members", "members": ["Carol"]},
     {"id": 8, "type": "service", "date": "2023-01-01T17:08:00", "date_unixtime": "1672564080",
      "actor": "Alice", "actor_id": "user1", "action": "remove_members", "members": ["Bob", null]},
     {"id": 9, "type": "service", "date": "2023-01-01T17:09:00", "date_unixtime": "1672564140",
      "actor": "Alice", "actor_id": "user1", "action": "pin_message", "message_id": 3},
     {"id": 10, "type": "message", "date": "2023-01-01T17:10:00", "date_unixtime": "1672564200",
      "from": "Bob", "from_id": "user2", "reply_to_message_id": 4, "reply_to_peer_id": "channel1500000001",
      "poll": {"question": "?", "answers": []}, "text": ""}
    ]
   },
   {
    "name": "HelperBot",
    "type": "bot_chat",
    "id": 555,
    "messages": [
     {"id": 1, "type": "message", "date": "2023-02-01T09:00:00", "from": "Me", "from_id": "user42", "text": "/start"},
     {"id": 2, "type": "message", "date": "2023-02-01T09:00:01", "from": "HelperBot", "from_id": "user555",
      "photo": "(File not included.)", "text": "here"}
    ]
   }
  ]
 },
 "left_chats": {
  "about": "This page lists all supergroups and channels from this export that you've left.",
  "list": [
   {"name": "Old group", "type": "public_supergroup", "id": 1400000002, "messages": [
     {"id": 77, "type": "message", "date": "2021-06-01T12:00:00", "from": "Erin", "from_id": "user5", "text": "bye"}
   ]}
  ]
 }
}"#;

#[test]
fn telegram_full_account_export() {
    let file = text_file("result.json", ACCOUNT_EXPORT);
    let (format, events) = read_text(&file).unwrap();
    assert_eq!(format, "telegram");
    let groups: Vec<&str> = events.iter().map(|e| e.header().group.as_str()).collect();
    // 10 messages in the first chat give 2 + 1 joins, 5 messages, 1 + 2 leaves; 2 in the bot chat; 1 in the left chat.
    assert_eq!(groups.iter().filter(|g| **g == "1500000001").count(), 11);
    assert_eq!(groups.iter().filter(|g| **g == "555").count(), 2);
    assert_eq!(groups.iter().filter(|g| **g == "1400000002").count(), 1);
    let expected = Counts { messages: 8, authors: 7, replies: 2, mentions: 1, joins: 3, leaves: 3 };
    assert_eq!(counts(&events), expected);

    let Event::Join(bob) = &events[0] else { panic!("{:?}", events[0]) };
    assert_eq!(bob.header.member_name.as_deref(), Some("Bob"));
    assert_eq!(bob.header.member, None);
    assert_eq!(bob.by, Some(PersonRef { id: Some("user1".into()), name: Some("Alice".into()) }));
    // "date": "2023-01-01T17:00:00" beside "date_unixtime": "1672563600";
    // python3 -c "import datetime as d; print(d.datetime.fromtimestamp(1672563600, d.timezone.utc))" → 2023-01-01 09:00:00+00:00,
    // so the exporter was at +08:00.
    assert_eq!(bob.header.at.to_rfc3339(), "2023-01-01T17:00:00+08:00");
    assert_eq!(bob.header.group_name.as_deref(), Some("读书会"));
    let Event::Join(dan) = &events[2] else { panic!("{:?}", events[2]) };
    assert_eq!((dan.header.member.as_deref(), dan.by.as_ref()), (Some("user4"), None));

    let Event::Message(m3) = &events[3] else { panic!("{:?}", events[3]) };
    assert_eq!(m3.text, "@carol_c hi Dan!");
    assert_eq!(
        m3.mentions,
        vec![PersonRef::name("carol_c"), PersonRef { id: Some("user4".into()), name: Some("Dan".into()) }]
    );
    let Event::Message(m4) = &events[4] else { panic!("{:?}", events[4]) };
    assert_eq!(m4.reply_to.as_deref(), Some("3"));
    assert_eq!(m4.text, "hello \"Bob\"");
    assert_eq!(m4.edited_at.map(|t| t.to_rfc3339()).as_deref(), Some("2023-01-01T17:04:00+08:00"));
    let Event::Message(m5) = &events[5] else { panic!("{:?}", events[5]) };
    assert!(m5.bot);
    assert_eq!(m5.content_type, ContentType::Image);
    let Event::Message(m6) = &events[6] else { panic!("{:?}", events[6]) };
    assert_eq!(m6.content_type, ContentType::Sticker);
    assert_eq!(m6.reply_to, None, "a reply to another chat is not a reply here");
    assert_eq!(m6.header.member.as_deref(), Some("user9"));
    let Event::Leave(carol) = &events[7] else { panic!("{:?}", events[7]) };
    assert_eq!((carol.header.member.as_deref(), carol.by.as_ref()), (Some("user3"), None), "left by herself");
    let Event::Leave(bob_out) = &events[8] else { panic!("{:?}", events[8]) };
    assert_eq!(bob_out.header.member_name.as_deref(), Some("Bob"));
    assert_eq!(bob_out.by.as_ref().and_then(|b| b.id.as_deref()), Some("user1"));
    let Event::Leave(deleted) = &events[9] else { panic!("{:?}", events[9]) };
    assert_eq!(deleted.header.member_name.as_deref(), Some("Deleted Account"));
    let Event::Message(m10) = &events[10] else { panic!("{:?}", events[10]) };
    assert_eq!((m10.reply_to.as_deref(), m10.content_type), (Some("4"), ContentType::Poll));

    let Event::Message(start) = &events[11] else { panic!() };
    let Event::Message(reply) = &events[12] else { panic!() };
    assert!(!start.bot && reply.bot, "in a bot chat the chat id is the bot's user id");
    assert_eq!(reply.content_type, ContentType::Image);
    for e in &events {
        e.validate().unwrap();
    }
}

#[test]
fn telegram_chat_id_must_precede_messages() {
    let file = text_file("x.json", r#"{"name": "g", "type": "private_group", "messages": [], "id": 1}"#);
    let err = read_as("telegram", &file, &ReadOptions::default()).unwrap_err();
    let SourceError::Parse { file, position, why } = err else { panic!("{err}") };
    assert_eq!(file, "x.json");
    assert!(matches!(position, Position::LineColumn(1, c) if c > 40), "{position:?}");
    assert_eq!(why.key, "source.chat_id_after_messages", "{why}");
}

#[test]
fn telegram_bad_date_names_the_message() {
    let text = "{\"name\": \"g\", \"type\": \"private_group\", \"id\": 1, \"messages\": [\n{\"id\": 1, \"type\": \"message\", \"date\": \"yesterday\", \"from_id\": \"user1\", \"text\": \"x\"}\n]}";
    let err = read_as("telegram", &text_file("bad.json", text), &ReadOptions::default()).unwrap_err();
    let SourceError::Parse { position: Position::LineColumn(2, _), why, .. } = &err else { panic!("{err:?}") };
    assert_eq!((why.key, text_arg(why, "value")), ("source.telegram_date", "\"yesterday\""), "{why}");
}

/// A sink that refuses the n-th event.
struct Refuse(usize);

impl EventSink for Refuse {
    fn push(&mut self, _event: Event) -> Result<(), SinkError> {
        if self.0 == 0 {
            return Err("no thanks".into());
        }
        self.0 -= 1;
        Ok(())
    }
}

#[test]
fn sink_refusal_is_passed_up_with_a_position() {
    for (format, rel) in [
        ("telegram", "telegram/DM_2A_7M.json"),
        ("discord-json", "discord/GC_3A_5M.json"),
        ("discord-csv", "discord/komodo-csv/developer-lounge/dev-ops/1.csv"),
    ] {
        let file = read_path(&fixture(rel)).unwrap();
        let err = source(format).read(&mut file.input(), &ReadOptions::default(), &mut Refuse(1)).unwrap_err();
        let SourceError::Sink { file: name, position, source } = &err else { panic!("{format}: {err:?}") };
        assert_eq!(name, &file.name);
        assert_ne!(*position, Position::Whole, "{format}");
        assert_eq!(source.to_string(), "no thanks");
    }
}

// ------------------------------------------------------------ Discord JSON

#[test]
fn discord_json_fixtures() {
    // Each count: jq -c '.channel.id as $c | [.messages[]|select(.type=="Default" or .type=="Reply")] as $m |
    //   {messages: ($m|length), authors: ($m|map(.author.id)|unique|length),
    //    replies: ($m|map(select(.reference.messageId!=null and ((.reference.channelId//$c)==$c)))|length),
    //    mentions: ($m|map(select((.mentions|length)>0))|length),
    //    joins: ([.messages[]|select(.type=="GuildMemberJoin" or .type=="RecipientAdd")]|length),
    //    leaves: ([.messages[]|select(.type=="RecipientRemove")]|length)}' FILE
    let cases = [
        // DM_2A_2M: {"messages":2,"authors":2,"replies":0,"mentions":0,"joins":0,"leaves":0} (the Call is dropped)
        ("discord/DM_2A_2M.json", Counts { messages: 2, authors: 2, replies: 0, mentions: 0, joins: 0, leaves: 0 }),
        // GC_3A_5M: {"messages":3,"authors":3,"replies":1,"mentions":0,"joins":0,"leaves":0}
        ("discord/GC_3A_5M.json", Counts { messages: 3, authors: 3, replies: 1, mentions: 0, joins: 0, leaves: 0 }),
        // SV_5A_5M: {"messages":5,"authors":2,"replies":0,"mentions":0,"joins":0,"leaves":0}
        ("discord/SV_5A_5M.json", Counts { messages: 5, authors: 2, replies: 0, mentions: 0, joins: 0, leaves: 0 }),
        // example_guild: {"messages":1,"authors":1,"replies":0,"mentions":0,"joins":0,"leaves":0}
        (
            "discord/example_guild/Example guild - Text Channels - general [1012224565567721552].json",
            Counts { messages: 1, authors: 1, replies: 0, mentions: 0, joins: 0, leaves: 0 },
        ),
    ];
    for (rel, expected) in cases {
        let (format, events) = read_fixture(rel);
        assert_eq!(format, "discord-json", "{rel}");
        assert_eq!(counts(&events), expected, "{rel}");
        for e in &events {
            e.validate().unwrap();
        }
    }
}

#[test]
fn discord_json_details() {
    let (_, events) = read_fixture("discord/GC_3A_5M.json");
    let all: Vec<&Message> = messages(&events).collect();
    // DMs have guild id "0": the group name is the channel's.
    assert_eq!(all[0].header.group, "1064990764406419508");
    assert_eq!(all[0].header.group_name.as_deref(), Some("a group chat"));
    // Nickname over name: "name": "not a plant", "nickname": "theplant".
    assert_eq!(all[0].header.member_name.as_deref(), Some("theplant"));
    assert_eq!(all[2].reply_to.as_deref(), Some("1064990824305274930"));

    let (_, events) = read_fixture("discord/SV_5A_5M.json");
    let all: Vec<&Message> = messages(&events).collect();
    assert_eq!(all[0].header.group_name.as_deref(), Some("DefleMask / general-chiptune"));
    // The duplicated id is passed through; the store keeps the first copy.
    // jq '[.messages[].id]|unique|length' discord/SV_5A_5M.json → 4 of 5
    let ids: HashSet<_> = all.iter().map(|m| m.header.id.clone()).collect();
    assert_eq!(ids.len(), 4);
    // The deleted user keeps their own id.
    assert_eq!(all[0].header.member.as_deref(), Some("555555555555555555"));
    assert_eq!(all[0].header.member_name.as_deref(), Some("Deleted User"));
    assert_eq!(all[0].edited_at.map(|t| t.to_rfc3339()).as_deref(), Some("2018-05-20T16:09:56.439+00:00"));
    // No nickname: the name.
    assert_eq!(all[2].header.member_name.as_deref(), Some("mlomb"));
    // unknown.png attachment (and a sticker): an image.
    assert_eq!(all[3].content_type, ContentType::Image);

    let (_, events) = read_fixture("discord/DM_2A_2M.json");
    let all: Vec<&Message> = messages(&events).collect();
    assert!(!all[0].bot && all[1].bot, "isBot");
}

const DISCORD_SYSTEM: &str = r#"{
  "guild": {"id": "9", "name": "Club"},
  "channel": {"id": "100", "type": "GuildTextChat", "category": "Text", "name": "general"},
  "dateRange": {"after": null, "before": null},
  "messages": [
    {"id": "1", "type": "GuildMemberJoin", "timestamp": "2023-01-01T10:00:00+02:00", "content": "Joined the server.",
     "author": {"id": "11", "name": "ann", "nickname": "Ann", "isBot": false}, "mentions": []},
    {"id": "2", "type": "Default", "timestamp": "2023-01-01T10:01:00+02:00", "content": "hi @Ben",
     "author": {"id": "11", "name": "ann", "nickname": "Ann", "isBot": false},
     "mentions": [{"id": "12", "name": "ben", "nickname": "Ben", "isBot": false}]},
    {"id": "3", "type": "Reply", "timestamp": "2023-01-01T10:02:00+02:00", "content": "https://example.com/x",
     "author": {"id": "12", "name": "ben", "nickname": null, "isBot": false}, "mentions": [],
     "reference": {"messageId": "2", "channelId": "100", "guildId": "9"}},
    {"id": "4", "type": "Default", "timestamp": "2023-01-01T10:03:00+02:00", "content": "crosspost",
     "author": {"id": "13", "name": "feed", "isBot": true}, "attachments": [{"fileName": "voice-message.ogg"}],
     "reference": {"messageId": "77", "channelId": "555", "guildId": "8"}},
    {"id": "5", "type": "RecipientAdd", "timestamp": "2023-01-01T10:04:00+02:00", "content": "Added ben.",
     "author": {"id": "11", "name": "ann"}, "mentions": [{"id": "14", "name": "cid"}, {"id": "15", "name": "dee"}]},
    {"id": "6", "type": "RecipientRemove", "timestamp": "2023-01-01T10:05:00+02:00", "content": "Left.",
     "author": {"id": "14", "name": "cid"}, "mentions": [{"id": "14", "name": "cid"}]},
    {"id": "7", "type": "RecipientRemove", "timestamp": "2023-01-01T10:06:00+02:00", "content": "Removed dee.",
     "author": {"id": "11", "name": "ann"}, "mentions": [{"id": "15", "name": "dee"}]},
    {"id": "8", "type": "ChannelPinnedMessage", "timestamp": "2023-01-01T10:07:00+02:00", "content": "Pinned.",
     "author": {"id": "11", "name": "ann"}}
  ],
  "messageCount": 8
}"#;

#[test]
fn discord_json_joins_mentions_and_references() {
    let (format, events) = read_text(&text_file("c.json", DISCORD_SYSTEM)).unwrap();
    assert_eq!(format, "discord-json");
    assert_eq!(counts(&events), Counts { messages: 3, authors: 3, replies: 1, mentions: 1, joins: 3, leaves: 2 });
    let Event::Join(ann) = &events[0] else { panic!("{:?}", events[0]) };
    assert_eq!((ann.header.id.as_deref(), ann.header.member.as_deref()), (Some("1"), Some("11")));
    assert_eq!(ann.header.at.to_rfc3339(), "2023-01-01T10:00:00+02:00");
    assert_eq!(ann.header.group_name.as_deref(), Some("Club / general"));
    let Event::Message(m2) = &events[1] else { panic!() };
    assert_eq!(m2.mentions, vec![PersonRef { id: Some("12".into()), name: Some("Ben".into()) }]);
    let Event::Message(m3) = &events[2] else { panic!() };
    assert_eq!((m3.reply_to.as_deref(), m3.content_type), (Some("2"), ContentType::Link));
    assert_eq!(m3.header.member_name.as_deref(), Some("ben"));
    let Event::Message(m4) = &events[3] else { panic!() };
    assert_eq!((m4.reply_to.as_deref(), m4.content_type, m4.bot), (None, ContentType::Voice, true));
    let Event::Join(cid) = &events[4] else { panic!("{:?}", events[4]) };
    assert_eq!(cid.header.member.as_deref(), Some("14"));
    assert_eq!(cid.by.as_ref().and_then(|b| b.id.as_deref()), Some("11"));
    let Event::Leave(left) = &events[6] else { panic!("{:?}", events[6]) };
    assert_eq!((left.header.member.as_deref(), left.by.as_ref()), (Some("14"), None));
    let Event::Leave(removed) = &events[7] else { panic!("{:?}", events[7]) };
    assert_eq!(removed.header.member.as_deref(), Some("15"));
    assert_eq!(removed.by.as_ref().and_then(|b| b.id.as_deref()), Some("11"));
}

// ------------------------------------------------------------- Discord CSV

#[test]
fn discord_csv_fixtures() {
    // Each count: python3 /tmp/csvcount.py FILE (the script in the module docs), run in discord/komodo-csv:
    // rows → messages, authors → authors, mention_rows → mentions. The CSV has no replies, joins or leaves.
    let cases = [
        // ./after-2019-Dec-13-feeds-tip-bot/1.csv rows 32 authors 5 mention_rows 0 attach 0 empty 15
        ("after-2019-Dec-13-feeds-tip-bot/1.csv", 32, 5, 0),
        // ./antara-modules/cc-tetris/1.csv rows 100 authors 13 mention_rows 8 attach 1 empty 0
        ("antara-modules/cc-tetris/1.csv", 100, 13, 8),
        // ./antara-modules/cc-tetris/2.csv rows 99 authors 13 mention_rows 8 attach 5 empty 0
        ("antara-modules/cc-tetris/2.csv", 99, 13, 8),
        // ./developer-lounge/dev-ops/1.csv rows 100 authors 13 mention_rows 25 attach 0 empty 0
        ("developer-lounge/dev-ops/1.csv", 100, 13, 25),
        // ./developer-lounge/dev-ops/2.csv rows 87 authors 9 mention_rows 7 attach 0 empty 0
        ("developer-lounge/dev-ops/2.csv", 87, 9, 7),
        // ./developer-lounge/dev-privacy/1.csv rows 100 authors 16 mention_rows 12 attach 1 empty 0
        ("developer-lounge/dev-privacy/1.csv", 100, 16, 12),
        // ./developer-lounge/dev-privacy/2.csv rows 75 authors 6 mention_rows 6 attach 1 empty 0
        ("developer-lounge/dev-privacy/2.csv", 75, 6, 6),
    ];
    for (rel, messages, authors, mentions) in cases {
        let (format, events) = read_fixture(&format!("discord/komodo-csv/{rel}"));
        assert_eq!(format, "discord-csv", "{rel}");
        let expected = Counts { messages, authors, replies: 0, mentions, joins: 0, leaves: 0 };
        assert_eq!(counts(&events), expected, "{rel}");
        for e in &events {
            e.validate().unwrap();
        }
    }
}

#[test]
fn discord_csv_details() {
    let (_, one) = read_fixture("discord/komodo-csv/developer-lounge/dev-ops/1.csv");
    let (_, two) = read_fixture("discord/komodo-csv/developer-lounge/dev-ops/2.csv");
    // Pages of one channel land in one group named after category/channel.
    let groups: HashSet<&str> = one.iter().chain(&two).map(|e| e.header().group.as_str()).collect();
    assert_eq!(groups, HashSet::from(["developer-lounge/dev-ops"]));
    let first = messages(&one).next().unwrap();
    // "412323938782150658";"SHossain#0007";"18-Nov-18 11:41 AM";"@ns408";"";"";
    assert_eq!(first.header.member.as_deref(), Some("412323938782150658"));
    assert_eq!(first.header.member_name.as_deref(), Some("SHossain"));
    assert_eq!(first.header.at.to_rfc3339(), "2018-11-18T11:41:00+00:00");
    assert_eq!(first.mentions, vec![PersonRef::name("ns408")]);
    assert_eq!(first.header.group_name.as_deref(), Some("developer-lounge / dev-ops"));
    // "@Mylo inviting you here since @Deleted User mentioned ..." (third row)
    let third = messages(&one).nth(2).unwrap();
    assert_eq!(third.mentions, vec![PersonRef::name("Mylo"), PersonRef::name("Deleted User")]);
    // Multi-line content stays one message; one of them is a coin.conf spanning 16 lines.
    // python3 -c "import csv;r=list(csv.reader(open('discord/komodo-csv/developer-lounge/dev-ops/2.csv',newline=''),delimiter=';'));print(sum(1 for x in r if '\n' in x[3]))" → 4
    assert_eq!(messages(&two).filter(|m| m.text.contains('\n')).count(), 4);
    assert!(messages(&two).any(|m| m.text.starts_with("cat coin.conf\naddnode=144.76.94.38\n")));
    // Reactions are dropped: only messages come out (counts() also checks there is nothing else).
    assert!(one.iter().all(|e| matches!(e, Event::Message(_))));

    // The comma dialect; empty bot rows (embeds) are `other`.
    let (_, tip) = read_fixture("discord/komodo-csv/after-2019-Dec-13-feeds-tip-bot/1.csv");
    // python3 /tmp/csvcount.py …/1.csv → empty 15
    assert_eq!(messages(&tip).filter(|m| m.content_type == ContentType::Other).count(), 15);
    assert_eq!(messages(&tip).next().unwrap().header.at.to_rfc3339(), "2019-12-12T00:48:00+00:00");

    // cc-tetris/2.csv: 5 rows with attachments, all images.
    // python3 -c "import csv;r=list(csv.reader(open('discord/komodo-csv/antara-modules/cc-tetris/2.csv',newline=''),delimiter=';'))[1:];print([x[4].rsplit('.',1)[-1] for x in r if x[4]])" → ['png', 'png', 'png', 'png', 'jpg']
    let (_, tetris) = read_fixture("discord/komodo-csv/antara-modules/cc-tetris/2.csv");
    assert_eq!(messages(&tetris).filter(|m| m.content_type == ContentType::Image).count(), 5);
}

#[test]
fn discord_csv_exporter_names_and_newer_dates() {
    let text = "AuthorID,Author,Date,Content,Attachments,Reactions\n\
                \"11\",\"ann\",\"1/4/2019 5:52 PM\",\"hi @everyone\",\"\",\"👆 (9)\"\n\
                \"12\",\"ben#0420\",\"2019-01-04T17:53:10.1230000+01:00\",\"yo\",\"https://cdn.x/a/b.mp4?ex=1\",\"\"\n\
                \"12\",\"ben#0420\",\"2019-01-04 17:54\",\"@ann: \"\"quoted\"\"\",\"\",\"\"\n";
    let name = "exports/Club - Text - general [1012224565567721552] [part 2].csv";
    let (format, events) = read_text(&text_file(name, text)).unwrap();
    assert_eq!(format, "discord-csv");
    let all: Vec<&Message> = messages(&events).collect();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].header.group, "1012224565567721552", "the channel id from the exporter's file name");
    assert_eq!(all[0].header.group_name.as_deref(), Some("Club - Text - general"));
    assert_eq!(all[0].header.at.to_rfc3339(), "2019-01-04T17:52:00+00:00");
    assert!(all[0].mentions.is_empty(), "@everyone is not a person");
    assert_eq!(all[1].header.at.to_rfc3339(), "2019-01-04T17:53:10.123+01:00");
    assert_eq!((all[1].header.member_name.as_deref(), all[1].content_type), (Some("ben"), ContentType::Video));
    assert_eq!(all[2].text, "@ann: \"quoted\"");
    assert_eq!(all[2].mentions, vec![PersonRef::name("ann")]);
    let opts = ReadOptions { tz: Some(tonghao_sources::Zone::hours(-5)) };
    let events = read_as("discord-csv", &text_file(name, text), &opts).unwrap();
    assert_eq!(events[2].header().at.to_rfc3339(), "2019-01-04T17:54:00-05:00");

    // A date in no known pattern names its line.
    let bad = "AuthorID,Author,Date,Content,Attachments,Reactions\n\"1\",\"a\",\"x\",\"\",\"\",\"\"\n\"1\",\"a\",\"04.01.2019 17:52\",\"\",\"\",\"\"\n";
    let err = read_as("discord-csv", &text_file("1.csv", bad), &ReadOptions::default()).unwrap_err();
    let SourceError::Parse { position: Position::Line(2), why, .. } = &err else { panic!("{err:?}") };
    assert_eq!((why.key, text_arg(why, "value")), ("source.discord_date", "\"x\""), "{why}");
}

// ------------------------------------------------- Errors and detection

/// Writes the first `keep` of `rel`'s text (cut at a character boundary) to a
/// temporary file with the same base name, and imports it as a user would.
fn truncated(rel: &str, keep: f64) -> (tempfile::TempDir, TextFile) {
    let original = read_path(&fixture(rel)).unwrap();
    let mut cut = (original.text.len() as f64 * keep) as usize;
    while !original.text.is_char_boundary(cut) {
        cut -= 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(original.base_name());
    std::fs::File::create(&path).unwrap().write_all(&original.text.as_bytes()[..cut]).unwrap();
    let file = read_path(&path).unwrap();
    (dir, file)
}

#[test]
fn truncated_files_are_parse_errors_with_a_position() {
    for (rel, keep) in [
        ("telegram/DM_2A_7M.json", 0.5),
        ("telegram/BIG_20A_5475M.json", 0.999),
        ("discord/SV_5A_5M.json", 0.7),
        ("discord/example_guild/Example guild - Text Channels - general [1012224565567721552].json", 0.99),
        ("discord/komodo-csv/developer-lounge/dev-ops/2.csv", 0.5),
        ("discord/komodo-csv/after-2019-Dec-13-feeds-tip-bot/1.csv", 0.9),
    ] {
        let (_dir, file) = truncated(rel, keep);
        // Still recognised from its head, then refused.
        let err = read_text(&file).unwrap_err();
        let SourceError::Parse { file: name, position, why } = &err else { panic!("{rel}: {err:?}") };
        assert_eq!(name, &file.name, "{rel}");
        assert!(name.ends_with(file.base_name()));
        assert!(matches!(position, Position::Line(_) | Position::LineColumn(..)), "{rel}: {position:?}");
        assert!(why.key.starts_with("source."), "{rel}: {why}");
        if let Position::LineColumn(line, _) = position {
            assert!(*line >= file.text.lines().count(), "{rel}: the error is at the end, not at {line}");
        }
    }
}

#[test]
fn forcing_the_wrong_format_is_refused() {
    let discord = read_path(&fixture("discord/GC_3A_5M.json")).unwrap();
    let err = detect(&discord.input(), Some("telegram")).err().expect("refused");
    let SourceError::Unrecognised { file, why } = &err else { panic!("{err:?}") };
    assert_eq!(file, &discord.name);
    assert_eq!((why.key, text_arg(why, "like")), ("source.not_like_format_but", "discord-json"), "a hint: {why}");

    let telegram = read_path(&fixture("telegram/DM_2A_7M.json")).unwrap();
    assert!(detect(&telegram.input(), Some("discord-json")).is_err());
    assert!(detect(&telegram.input(), Some("discord-csv")).is_err());
    let csv = read_path(&fixture("discord/komodo-csv/developer-lounge/dev-ops/1.csv")).unwrap();
    assert!(detect(&csv.input(), Some("telegram")).is_err());
    assert!(detect(&csv.input(), Some("discord-json")).is_err());
}

/// Every file under `formats/`, and the data README.
fn every_fixture_file() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![data_dir().join("formats")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.push(data_dir().join("README.md"));
    files.sort();
    files
}

const OURS: [&str; 3] = ["telegram", "discord-json", "discord-csv"];

/// Every file under `formats/` that belongs to another format, and the data
/// README, is rejected by all three sniffers; our own fixtures are claimed by
/// exactly the right one.
#[test]
fn sniffers_claim_their_own_files_only() {
    let mut checked = 0;
    for path in every_fixture_file() {
        let rel = path.to_string_lossy().replace('\\', "/");
        let want = if rel.contains("/formats/telegram/") {
            Some("telegram")
        } else if rel.contains("/formats/discord/") && rel.ends_with(".json") {
            Some("discord-json")
        } else if rel.contains("/formats/discord/") && rel.ends_with(".csv") {
            Some("discord-csv")
        } else {
            None
        };
        // Binary files (the WhatsApp .zip) are not text; nothing to sniff.
        let Ok(file) = read_path(&path) else { continue };
        checked += 1;
        for name in OURS {
            let claimed = source(name).sniff(file.base_name(), file.head(SNIFF_BYTES));
            assert_eq!(claimed, want == Some(name), "{name} on {rel}");
        }
    }
    assert!(checked > 100, "walked the fixtures ({checked})");
}

/// Reading any fixture of any format, whole or cut in half, never panics.
#[test]
fn no_panic_on_foreign_fixtures() {
    for path in every_fixture_file() {
        let Ok(file) = read_path(&path) else { continue };
        let mut half = file.text.len() / 2;
        while !file.text.is_char_boundary(half) {
            half -= 1;
        }
        for text in [&file.text[..], &file.text[..half]] {
            let input = TextFile { name: file.name.clone(), text: text.to_string(), encoding: "UTF-8" };
            for name in OURS {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    source(name).read(&mut input.input(), &ReadOptions::default(), &mut Vec::new())
                }));
                assert!(result.is_ok(), "{name} panicked on {}", file.name);
            }
        }
    }
}

#[test]
fn no_panic_on_hostile_input() {
    let inputs = [
        "",
        "{",
        "[]",
        "{\"name\": 1, \"type\": \"personal_chat\", \"id\": 18446744073709551615, \"messages\": [{}]}",
        "{\"about\": \"\", \"chats\": {\"list\": [{\"id\": \"x\", \"messages\": [{\"type\": \"message\", \"date_unixtime\": \"99999999999999999\"}]}]}}",
        "{\"name\": \"g\", \"type\": \"personal_chat\", \"id\": 1, \"messages\": [{\"type\": \"message\", \"date\": \"2020-13-45T99:99:99\"}]}",
        "{\"name\": \"g\", \"type\": \"personal_chat\", \"id\": 1, \"messages\": [{\"type\": \"service\", \"date\": \"2020-01-01T00:00:00\", \"action\": \"invite_members\", \"members\": 5}]}",
        "{\"guild\": {}, \"channel\": {\"id\": \"1\"}, \"messages\": [{\"type\": 99, \"timestamp\": \"-262144-01-01T00:00:00Z\"}]}",
        "{\"guild\": {}, \"channel\": {\"id\": \"1\"}, \"messages\": [{\"timestamp\": \"2020-01-01T00:00:00\"}]}",
        "AuthorID;Author;Date;Content;Attachments;Reactions;\n\"1\";\"\";\"31-Feb-19 01:00 PM\";\"@\";\"\";\"\";\n",
        "AuthorID,Author,Date,Content,Attachments,Reactions\n\"\",\"\",\"\",\"\",\"\",\"\"\n",
    ];
    for text in inputs {
        for name in ["telegram", "discord-json", "discord-csv"] {
            let file = text_file("[1].csv", text);
            let mut events = Vec::new();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                source(name).read(&mut file.input(), &ReadOptions::default(), &mut events)
            }));
            assert!(result.is_ok(), "{name} panicked on {text:?}");
        }
    }
}
