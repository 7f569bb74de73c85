//! `tonghao activity add|list` and `tonghao calendar`: arguments and
//! printing; the work is `tonghao_app::activities`.

use crate::Cli;
use anyhow::Result;
use tonghao_app::Lang;
use tonghao_app::activities::{CalendarRequest, NewActivity, add, calendar, drafts, list, outcome, to_ics};
use tonghao_app::view::text;
use tonghao_model::msg::Msg;
use tonghao_model::records::ActivityKind;
use tonghao_store::Store;

/// `tonghao activity ...`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Plan an activity: one-off, or recurring by an RFC 5545 rule.
    Add {
        /// The group (id or name).
        #[arg(long, short)]
        group: String,
        /// topic, guest, checkin, offline, trial or homework.
        #[arg(long)]
        kind: ActivityKind,
        /// Its title.
        #[arg(long)]
        title: String,
        /// First start: RFC 3339 (2024-03-06T21:00:00+08:00), or
        /// "2024-03-06 21:00" in --tz.
        #[arg(long)]
        start: String,
        /// RFC 5545 recurrence, e.g. FREQ=WEEKLY;BYDAY=WE;COUNT=8.
        #[arg(long)]
        rrule: Option<String>,
        /// How long: 30m, 1h, 1h30m (default 1h).
        #[arg(long)]
        duration: Option<String>,
        /// IANA time zone whose wall time a recurrence keeps (default Asia/Shanghai).
        #[arg(long)]
        tz: Option<String>,
        /// Who runs it (named in the drafted announcement and reminder).
        #[arg(long)]
        host: Option<String>,
    },
    /// List the planned activities with their next occurrence.
    List,
    /// The measured outcome of one occurrence, from the imported history.
    Outcome {
        /// The activity's id (`tonghao activity list`).
        id: i64,
        /// Which occurrence (1: the first). Default: the latest one the
        /// imported history reaches.
        #[arg(long)]
        occurrence: Option<usize>,
        /// Markdown, with the digest's threads written out.
        #[arg(long)]
        markdown: bool,
    },
    /// Drafted announcement, reminder and follow-up of one occurrence, for a
    /// person to send.
    Drafts {
        /// The activity's id (`tonghao activity list`).
        id: i64,
        /// Which occurrence (1: the first). Default: the next one.
        #[arg(long)]
        occurrence: Option<usize>,
    },
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    match cmd {
        Command::Add { group, kind, title, start, rrule, duration, tz, host } => {
            let new = NewActivity {
                group: group.clone(),
                kind: *kind,
                title: title.clone(),
                start: start.clone(),
                rrule: rrule.clone(),
                duration: duration.clone(),
                tz: tz.clone(),
                host: host.clone(),
            };
            let a = add(store, &cli.community, &new)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&a)?);
            } else {
                let first = list(store, &cli.community)?
                    .into_iter()
                    .find(|l| l.activity.id == a.id)
                    .map(|l| l.first)
                    .unwrap_or_default();
                let line = Msg::new("activity.added")
                    .int("id", a.id)
                    .text("title", a.title.clone())
                    .text("group", a.group.clone())
                    .text("first", first);
                println!("{}", lang.msg(&line));
            }
        }
        Command::List => {
            let listed = list(store, &cli.community)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&listed)?);
            } else {
                print!("{}", text::activities(&listed, lang));
            }
        }
        Command::Outcome { id, occurrence, markdown } => {
            let o = outcome(store, &cli.community, *id, *occurrence)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&o)?);
            } else if *markdown {
                print!("{}", text::activity_outcome_markdown(&o, lang));
            } else {
                print!("{}", text::activity_outcome(&o, lang));
            }
        }
        Command::Drafts { id, occurrence } => {
            let now = chrono::Utc::now().timestamp_millis();
            let d = drafts(store, &cli.community, *id, *occurrence, now, lang)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&d)?);
            } else {
                print!("{}", text::activity_drafts(&d, lang));
            }
        }
    }
    Ok(0)
}

/// The calendar's output format.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// A table, one line per occurrence.
    Text,
    /// An iCalendar file (RFC 5545) to import into a calendar app.
    Ics,
}

/// Arguments of `tonghao calendar`.
#[derive(clap::Args)]
pub struct Args {
    /// text or ics.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Only this group's activities (id or name).
    #[arg(long, short)]
    group: Option<String>,
    /// First day, YYYY-MM-DD (UTC). Default: the earliest activity's start.
    #[arg(long)]
    from: Option<String>,
    /// The day after the last, YYYY-MM-DD (UTC). Default: a year from today.
    #[arg(long)]
    until: Option<String>,
}

pub fn calendar_run(store: &dyn Store, cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    let req = CalendarRequest { group: args.group.clone(), from: args.from.clone(), until: args.until.clone() };
    let cal = calendar(store, &cli.community, &req)?;
    match args.format {
        Format::Ics => print!("{}", to_ics(&cli.community, &cal, lang)),
        Format::Text if cli.json => println!("{}", serde_json::to_string_pretty(&cal)?),
        Format::Text => print!("{}", text::calendar(&cal, lang)),
    }
    Ok(0)
}
