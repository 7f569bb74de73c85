//! The input layer (`Input`, `open_path`, `ZipBundle`): every format reads a
//! stream of decoded text, so these tests write real files (larger than the
//! layer's buffers, in every encoding it decodes) and read them the way an
//! import does, and check that the limits refuse hostile input with an error
//! naming the file and the place, without reading it all.

mod common;

use std::io::Write;
use std::path::Path;
use tonghao_model::Event;
use tonghao_sources::{
    Bundle, Input, Job, Limits, Outcome, Position, ReadOptions, SourceError, ZipBundle, detect, open_path, plan,
};

/// Detects and reads a file from disk through the streaming path.
fn read_file(path: &Path, limits: Limits) -> Result<(&'static str, &'static str, Vec<Event>), SourceError> {
    let mut input = open_path(path, limits)?;
    let source = detect(&input, None)?;
    let mut events = Vec::new();
    source.read(&mut input, &ReadOptions::default(), &mut events)?;
    Ok((source.name(), input.encoding(), events))
}

/// Where the input layer's first read ends (its probe): a character cut
/// there must be put together again.
const FIRST_READ: usize = 256 * 1024;

/// Pads `text` (with ASCII at `pad_at`, a place where spaces are harmless)
/// until the byte at [`FIRST_READ`] falls inside a multi-byte character.
fn split_first_read(text: &str, pad_at: usize) -> String {
    for pad in 0..64 {
        let mut t = text.to_string();
        t.insert_str(pad_at, &" ".repeat(pad));
        if !t.is_char_boundary(FIRST_READ) {
            return t;
        }
    }
    panic!("no padding splits a character at the first read's edge")
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    out
}

fn utf16be(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
}

fn gb18030(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

/// A QQ text export of `n` messages with Chinese text and an emoji (a
/// surrogate pair in UTF-16), several megabytes for large `n`.
fn qq_export(n: usize) -> (String, Vec<String>) {
    let mut text = String::from(
        "消息记录（此消息记录为文本格式，不支持重新导入）\n\n\
         ================================================================\n\
         消息分组:我的QQ群\n\
         ================================================================\n\
         消息对象:读书会1群\n\
         ================================================================\n\n",
    );
    let mut bodies = Vec::new();
    for i in 0..n {
        let body = format!("第{i}条：今晚讨论《小群效应》第{}章，大家准时参加 😀 {}", i % 12, "读书".repeat(i % 7));
        let (h, m, s) = (i / 3600 % 24, i / 60 % 60, i % 60);
        text.push_str(&format!("2024-03-01 {h:02}:{m:02}:{s:02} 小李{}(1{:04})\n{body}\n\n", i % 50, i % 50));
        bodies.push(body);
    }
    (text, bodies)
}

fn texts(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m.text.clone()),
            _ => None,
        })
        .collect()
}

/// A file of several megabytes, in UTF-8, GB18030, UTF-16LE with a BOM and
/// UTF-16BE without one, reads to exactly the messages written, with
/// characters cut by the layer's reads (the first one deliberately) put
/// back together.
#[test]
fn a_file_larger_than_the_buffers_streams_in_every_encoding() {
    let (text, bodies) = qq_export(40_000);
    // Cut a character at the first read's edge of the UTF-8 file; pad in the
    // preamble's blank line.
    let pad_at = text.find("\n\n").unwrap() + 1;
    let text = split_first_read(&text, pad_at);
    assert!(text.len() > 4 << 20, "{} bytes", text.len());
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, encoding) in [
        ("utf8.txt", text.clone().into_bytes(), "UTF-8"),
        ("gb.txt", gb18030(&text), "gb18030"),
        ("le.txt", utf16le_with_bom(&text), "UTF-16LE"),
        ("be.txt", utf16be(&text), "UTF-16BE"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let (format, found, events) = read_file(&path, Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((format, found), ("qq-txt", encoding), "{name}");
        assert_eq!(texts(&events), bodies, "{name}: every message, in order, intact");
    }
}

/// The same across JSON: a Telegram export of several megabytes whose
/// message texts straddle the reads.
#[test]
fn a_large_json_export_streams_across_reads() {
    let n = 30_000;
    let mut text =
        String::from("{\"name\": \"读书会\", \"type\": \"private_supergroup\", \"id\": 42,\n \"messages\": [\n");
    let mut bodies = Vec::new();
    for i in 0..n {
        let body = format!("消息{i}：大家好，今晚讨论第{}章 😀 \\\"引号\\\"", i % 12);
        if i > 0 {
            text.push_str(",\n");
        }
        text.push_str(&format!(
            "  {{\"id\": {i}, \"type\": \"message\", \"date\": \"2024-03-01T20:00:00\", \"date_unixtime\": \"{}\", \
             \"from\": \"小李\", \"from_id\": \"user{}\", \"text\": \"{body}\"}}",
            1_709_294_400 + i,
            i % 40
        ));
        bodies.push(body.replace("\\\"", "\""));
    }
    text.push_str("\n ]\n}\n");
    let text = split_first_read(&text, text.find("\n \"messages\"").unwrap());
    assert!(text.len() > 4 << 20);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("result.json");
    std::fs::write(&path, &text).unwrap();
    let (format, _, events) = read_file(&path, Limits::default()).unwrap();
    assert_eq!(format, "telegram");
    assert_eq!(texts(&events), bodies);
}

/// The Chinese fixtures saved as GB18030 and as UTF-16 read to the same
/// events as the UTF-8 originals, through the streaming path (the WeChat CSV
/// keeps its folder, which names the group).
#[test]
fn gb18030_and_utf16_files_give_the_same_events_as_utf8() {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        "cn-reading-club/wechat/读书会1群(12345678901@chatroom)/读书会1群.csv",
        "cn-reading-club/wechat/读书会1群.weflow.json",
        "cn-reading-club/wechat/读书会1群.chatlab.json",
        "cn-reading-club/qq/读书会1群.txt",
    ] {
        let original = common::fixture(rel);
        let (format, _, want) = read_file(&original, Limits::default()).unwrap();
        let text = std::fs::read_to_string(&original).unwrap();
        let text = text.trim_start_matches('\u{feff}');
        for (tag, bytes, encoding) in [
            ("gb", gb18030(text), "gb18030"),
            ("le", utf16le_with_bom(text), "UTF-16LE"),
            ("be", utf16be(text), "UTF-16BE"),
        ] {
            let path = dir.path().join(tag).join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
            let (f, found, events) = read_file(&path, Limits::default()).unwrap_or_else(|e| panic!("{rel} {tag}: {e}"));
            assert_eq!((f, found), (format, encoding), "{rel} {tag}");
            assert_eq!(events, want, "{rel} as {encoding}");
        }
    }
}

/// A line past the limit is refused with the file and the line, before it
/// is read whole: here a WhatsApp export whose fourth line is 17 MiB.
#[test]
fn a_line_longer_than_the_limit_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.txt");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "12/9/20, 23:55 - Ann: hello").unwrap();
    writeln!(f, "12/9/20, 23:56 - Bob: hi").unwrap();
    writeln!(f, "12/9/20, 23:57 - Ann: a long one follows").unwrap();
    f.write_all(&vec![b'x'; 17 << 20]).unwrap();
    writeln!(f).unwrap();
    drop(f);
    let err = read_file(&path, Limits::default()).unwrap_err();
    let SourceError::Parse { file, position, why } = &err else { panic!("{err:?}") };
    assert_eq!(file, &path.display().to_string());
    assert_eq!(*position, Position::Line(4));
    assert_eq!((why.key, common::text_arg(why, "limit")), ("source.line_too_long", "16 MiB"), "{why}");

    // The same limit, smaller, on a JSON format: one value past it.
    let limits = Limits { max_message_bytes: 1024, ..Limits::default() };
    let text = format!(
        "{{\"name\": \"g\", \"type\": \"private_group\", \"id\": 1, \"messages\": [\n{{\"id\": 1, \"type\": \"message\", \
         \"date\": \"2024-01-01T00:00:00\", \"from_id\": \"user1\", \"text\": \"{}\"}}]}}",
        "y".repeat(4000)
    );
    let json = dir.path().join("result.json");
    std::fs::write(&json, text).unwrap();
    let err = read_file(&json, limits).unwrap_err();
    let SourceError::Parse { position, why, .. } = &err else { panic!("{err:?}") };
    assert_eq!(*position, Position::LineColumn(2, 1), "{why}");
    assert_eq!((why.key, common::text_arg(why, "limit")), ("source.value_too_long", "1024 bytes"), "{why}");
}

/// A multi-line message past the message limit is refused where it starts.
#[test]
fn a_message_longer_than_the_limit_names_its_first_line() {
    let limits = Limits { max_message_bytes: 1000, ..Limits::default() };
    let mut text = String::from("[2020-01-01 10:00:00] <ann> hello\n[2020-01-01 10:00:01] <bob> a long paste:\n");
    for _ in 0..100 {
        text.push_str("0123456789 0123456789 0123456789\n");
    }
    let input = Input::with_limits("a_b.txt", Box::new(text.as_bytes()), None, limits).unwrap();
    let mut input = input;
    let source = detect(&input, None).unwrap();
    let err = source.read(&mut input, &ReadOptions::default(), &mut Vec::new()).unwrap_err();
    let SourceError::Parse { position, why, .. } = &err else { panic!("{err:?}") };
    assert_eq!(*position, Position::Line(2));
    assert_eq!(why.key, "source.message_too_long", "{why}");
}

/// Writes a zip with one deflated entry of `len` bytes of `a` (text, not
/// zeros: binary data is refused before any limit is reached).
fn zip_of_zeros(path: &Path, entry: &str, len: usize) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(entry, opts).unwrap();
    let block = vec![b'a'; 1 << 20];
    for _ in 0..len >> 20 {
        zip.write_all(&block).unwrap();
    }
    zip.finish().unwrap();
}

/// Rewrites every uncompressed-size field of a one-entry zip to `size`: a
/// bomb that lies about what it holds.
fn understate_size(path: &Path, size: u32) {
    let mut bytes = std::fs::read(path).unwrap();
    for (sig, at) in [([0x50, 0x4b, 0x03, 0x04], 22), ([0x50, 0x4b, 0x01, 0x02], 24)] {
        let pos = bytes.windows(4).position(|w| w == sig).unwrap();
        bytes[pos + at..pos + at + 4].copy_from_slice(&size.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

/// A zip entry that would expand past the limits is refused: from its
/// declared size before anything is expanded, or, when its headers lie, as
/// soon as the expansion passes what they allow, never after expanding it
/// all.
#[test]
fn a_zip_bomb_is_refused_early() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.zip");
    zip_of_zeros(&path, "chat.txt", 64 << 20);

    // Declared: 64 MiB from ~64 KB, far past 100× once past 8 MiB.
    let jobs = plan(&path, None).unwrap();
    let [Job::ZipEntry { archive, name }] = &jobs[..] else { panic!("one entry") };
    let err = match archive.open_text(name) {
        Err(e) => e,
        Ok(_) => panic!("opened a bomb"),
    };
    assert!(err.to_string().contains("bomb.zip!chat.txt"), "{err}");
    assert_eq!(err.why().map(|w| w.key), Some("source.zip_bomb"), "{err}");
    let err = jobs[0].run(None, &ReadOptions::default(), &mut Vec::new()).unwrap_err();
    assert!(matches!(err, SourceError::Parse { .. }), "{err:?}");

    // Lying headers (1 KiB declared): refused once the expansion passes the
    // limit, with the byte where it stopped, not at 64 MiB.
    understate_size(&path, 1024);
    let limits = Limits { zip_ratio_floor: 1 << 20, ..Limits::default() };
    let zip = ZipBundle::open(&path).unwrap().with_limits(limits);
    let err = match zip.open_text("chat.txt") {
        Err(e) => e,
        Ok(mut input) => input.read_to_string().unwrap_err(),
    };
    let SourceError::Parse { file, position: Position::Byte(at), why } = &err else { panic!("{err:?}") };
    assert!(file.ends_with("bomb.zip!chat.txt"), "{file}");
    assert_eq!(why.key, "source.zip_bomb", "{why}");
    // 100× the ~65 KB it is compressed to: about 6.5 MB of the 64 MiB.
    assert!(*at < 8 << 20, "stopped at byte {at}, long before 64 MiB");
}

/// An ordinary zipped export still reads through the streamed entries.
#[test]
fn a_zipped_export_reads_like_the_file() {
    let (_, want) = common::read_fixture("whatsapp/4A_11M.txt");
    let jobs = plan(&common::fixture("whatsapp/4A_11M.zip"), None).unwrap();
    let mut events = Vec::new();
    for job in &jobs {
        let outcome = job.run(None, &ReadOptions::default(), &mut events).unwrap();
        assert_eq!(outcome, Outcome::Read { format: "whatsapp", encoding: "UTF-8" });
    }
    assert_eq!(events, want);
}

/// JSON nested 100,000 deep costs no recursion: skipped outside the
/// messages (the stream counts brackets), ignored inside a message field
/// that is not read (serde_json skips iteratively), refused with a
/// position where a field is read. Never a stack overflow.
#[test]
fn deeply_nested_json_is_skipped_or_refused_without_recursion() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let outside = format!(
        "{{\"name\": \"g\", \"type\": \"private_group\", \"id\": 1, \"messages\": [{{\"id\": 1, \"type\": \
         \"message\", \"date\": \"2024-01-01T00:00:00\", \"from_id\": \"user1\", \"text\": \"hi\"}}], \"extra\": {deep}}}"
    );
    let file = common::text_file("result.json", &outside);
    let (format, events) = common::read_text(&file).unwrap();
    assert_eq!((format, events.len()), ("telegram", 1));

    let inside = |field: &str| {
        format!(
            "{{\"name\": \"g\", \"type\": \"private_group\", \"id\": 1, \"messages\": [{{\"id\": 1, \"type\": \
             \"message\", \"date\": \"2024-01-01T00:00:00\", \"{field}\": {deep}}}]}}"
        )
    };
    let (_, events) = common::read_text(&common::text_file("result.json", &inside("photo"))).unwrap();
    assert_eq!(events.len(), 1);
    let err = common::read_text(&common::text_file("result.json", &inside("text"))).unwrap_err();
    assert!(matches!(err, SourceError::Parse { position: Position::LineColumn(1, _), .. }), "{err:?}");
}

/// An archive cut short while it is read (a copy still arriving, a network
/// share gone) is refused as truncated, naming the entry.
#[test]
fn an_archive_cut_while_read_names_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("chat.txt", opts).unwrap();
    for i in 0..2000 {
        writeln!(zip, "12/9/20, 23:55 - Bob: message {i}").unwrap();
    }
    zip.finish().unwrap();
    let bundle = ZipBundle::open(&path).unwrap();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(1000).unwrap();
    let err = match bundle.open_text("chat.txt") {
        Err(e) => e,
        Ok(mut input) => input.read_to_string().unwrap_err(),
    };
    assert_eq!(err.why().map(|w| w.key), Some("source.zip_cut"), "{err:?}");
    assert!(err.to_string().starts_with(&format!("{}!chat.txt", path.display())), "{err}");
}
