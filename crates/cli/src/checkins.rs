//! `tonghao checkins` and `tonghao checkin add`: arguments and printing;
//! the work is `tonghao_app::checkins`.

use crate::Cli;
use anyhow::Result;
use tonghao_app::Lang;
use tonghao_app::checkins::{CheckinsRequest, add, report};
use tonghao_app::view::text;
use tonghao_model::msg::Msg;
use tonghao_model::records::MarkKind;
use tonghao_store::Store;

/// Arguments of `tonghao checkins`.
#[derive(clap::Args)]
pub struct Args {
    /// Only this group (id or name; see `tonghao groups`).
    #[arg(long, short)]
    group: Option<String>,
    /// The day to report for, YYYY-MM-DD: "yesterday" is the day before.
    /// Default: the day after each group's history ends.
    #[arg(long)]
    today: Option<String>,
    /// A regular expression recognising check-in messages, instead of the
    /// default (#打卡 anywhere, or 打卡/【打卡】/#checkin opening the message).
    #[arg(long)]
    pattern: Option<String>,
    /// Write one row per member as a table to open in a spreadsheet: csv or xlsx.
    #[arg(long, value_parser = ["csv", "xlsx"])]
    format: Option<String>,
}

/// `tonghao checkin ...`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Record a check-in (or a make-up or leave day) by hand.
    Add {
        /// The group (id or name).
        #[arg(long, short)]
        group: String,
        /// The member: member_id, platform:id, or a name they used in the group.
        #[arg(long, short)]
        member: String,
        /// The local day, YYYY-MM-DD.
        #[arg(long)]
        day: String,
        /// checkin, makeup (补卡) or leave (请假).
        #[arg(long, default_value = "checkin")]
        kind: MarkKind,
    },
}

pub fn list(store: &dyn Store, cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    let req = CheckinsRequest { group: args.group.clone(), today: args.today.clone(), pattern: args.pattern.clone() };
    let groups = report(store, &cli.community, &req)?;
    if let Some(format) = &args.format {
        return crate::print_table(&tonghao_app::export::checkins(&groups), format, lang, "checkins");
    }
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&groups)?);
    } else {
        let templates = tonghao_app::templates::Templates::load(store, &cli.community)?;
        print!("{}", text::checkins(&groups, lang, &templates));
    }
    Ok(0)
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    match cmd {
        Command::Add { group, member, day, kind } => {
            let mark = add(store, &cli.community, group, member, day, *kind)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&mark)?);
            } else {
                let kind = lang.t(match kind {
                    MarkKind::Checkin => "checkins.kind_checkin",
                    MarkKind::Makeup => "checkins.kind_makeup",
                    MarkKind::Leave => "checkins.kind_leave",
                });
                let line = Msg::new("checkins.added")
                    .text("member", member.clone())
                    .text("group", group.clone())
                    .text("day", mark.day.clone())
                    .text("kind", kind);
                println!("{}", lang.msg(&line));
            }
        }
    }
    Ok(0)
}
