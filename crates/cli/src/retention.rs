//! `tonghao retention show|set|apply`: how long the community keeps
//! message texts. Older texts are erased; the rows and every figure stay.

use crate::Cli;
use anyhow::Result;
use tonghao_app::Lang;
use tonghao_app::retention;
use tonghao_model::msg::Msg;
use tonghao_store::Store;

/// What to do with the community's retention.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Show how many months of message texts the community keeps.
    Show,
    /// Keep message texts for N months only (or all of them, --keep-all).
    ///
    /// Older texts are erased after every import and by `tonghao retention
    /// apply`: the messages stay, marked expired, with their time, author,
    /// length and kind, so counts, activity, stages and reports do not
    /// change. Erased texts cannot be brought back except by importing the
    /// export again after removing the setting.
    Set {
        /// Months of texts to keep (at least 1).
        #[arg(long, conflicts_with = "keep_all", required_unless_present = "keep_all")]
        months: Option<u32>,
        /// Keep every text (remove the setting).
        #[arg(long)]
        keep_all: bool,
    },
    /// Erase, now, the texts the setting no longer keeps.
    Apply,
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    let community = cli.community.as_str();
    match cmd {
        Command::Show => {
            let months = store.retention(community)?;
            if cli.json {
                println!("{}", serde_json::json!({ "community": community, "months": months }));
            } else {
                let msg = match months {
                    Some(m) => Msg::new("retention.months").text("community", community).int("months", m),
                    None => Msg::new("retention.keep_all").text("community", community),
                };
                println!("{}", lang.msg(&msg));
            }
        }
        Command::Set { months, .. } => {
            retention::set(store, community, *months, "cli")?;
            let msg = match months {
                Some(m) => Msg::new("retention.set").int("months", *m),
                None => Msg::new("retention.cleared"),
            };
            println!("{}", lang.msg(&msg));
        }
        Command::Apply => {
            let applied = retention::apply(store, community, chrono::Utc::now().timestamp_millis(), "cli")?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&applied)?);
                return Ok(0);
            }
            let msg = match &applied {
                Some(a) => Msg::new("retention.applied")
                    .int("expired", a.expired)
                    .text("before", &a.before)
                    .int("months", a.months),
                None => Msg::new("retention.not_set").text("community", community),
            };
            println!("{}", lang.msg(&msg));
        }
    }
    Ok(0)
}
