//! `tonghao points [--group G] [--ledger]` and `tonghao points add`:
//! arguments and printing; the work is `tonghao_app::points`.

use crate::Cli;
use anyhow::Result;
use tonghao_app::Lang;
use tonghao_app::view::text;
use tonghao_model::msg::Msg;
use tonghao_store::Store;

/// Arguments of `tonghao points`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    cmd: Option<Command>,
    /// Only points earned in this group (id or name).
    #[arg(long, short)]
    group: Option<String>,
    /// Every entry of the ledger too, not only the leaderboard.
    #[arg(long)]
    ledger: bool,
}

/// `tonghao points add`.
#[derive(clap::Subcommand)]
enum Command {
    /// Give a member points by hand (negative to take back).
    Add {
        /// The member: member id, platform:id, or a name used in --group.
        #[arg(long)]
        member: String,
        /// How many.
        #[arg(long, allow_negative_numbers = true)]
        points: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The group they earned them in (id or name).
        #[arg(long, short)]
        group: Option<String>,
    },
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    match &args.cmd {
        Some(Command::Add { member, points, reason, group }) => {
            let now = chrono::Utc::now().timestamp_millis();
            let e = tonghao_app::points::add(store, &cli.community, member, *points, reason, group.as_deref(), now)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&e)?);
            } else {
                let line =
                    Msg::new("points.added").text("name", e.member).int("points", e.amount).text("reason", e.reason);
                println!("{}", lang.msg(&line));
            }
        }
        None => {
            let p = tonghao_app::points::points(store, &cli.community, args.group.as_deref(), lang)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                print!("{}", text::points(&p, args.ledger, lang));
            }
        }
    }
    Ok(0)
}
