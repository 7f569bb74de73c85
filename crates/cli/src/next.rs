//! `tonghao next`: the ranked to-do list — who should do what, why, with
//! the evidence and a drafted message. The moves are `tonghao_ops::moves`;
//! the report they come from is `tonghao_app::report`.

use crate::Cli;
use anyhow::{Context, Result};
use tonghao_app::Lang;
use tonghao_app::report::{ReportRequest, build};
use tonghao_app::view::text;
use tonghao_model::decision::Verdict;
use tonghao_model::msg::Msg;
use tonghao_store::Store;

/// Arguments of `tonghao next`.
#[derive(clap::Args)]
pub struct Args {
    /// Record a decision about one move instead of listing them.
    #[command(subcommand)]
    decide: Option<Decide>,
    /// Only this group (id or name; see `tonghao groups`).
    #[arg(long, short)]
    group: Option<String>,
    /// At most this many moves (0: all).
    #[arg(long, default_value_t = 0)]
    limit: usize,
    /// Write the list as a table to open in a spreadsheet: csv or xlsx.
    #[arg(long, value_parser = ["csv", "xlsx"])]
    format: Option<String>,
}

/// A decision about one move (its id is in the list).
#[derive(clap::Subcommand)]
enum Decide {
    /// Someone did it: it is not proposed again, and later imports show whether it worked.
    Done {
        /// The move's id, e.g. welcome-93e7fd4c717f.
        id: String,
        /// When it was done (YYYY-MM-DD, midnight UTC, or RFC 3339), if not
        /// now: outcomes count only what happened after it.
        #[arg(long)]
        at: Option<String>,
    },
    /// Not worth doing: it is not proposed again.
    Dismiss {
        /// The move's id.
        id: String,
        /// When it was decided, if not now (as for `done`).
        #[arg(long)]
        at: Option<String>,
    },
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    if let Some(decide) = &args.decide {
        let (id, verdict, at) = match decide {
            Decide::Done { id, at } => (id, Verdict::Done, at),
            Decide::Dismiss { id, at } => (id, Verdict::Dismissed, at),
        };
        let at_ms = match at {
            Some(at) => tonghao_app::report::parse_time(at).context("--at")?,
            None => chrono::Utc::now().timestamp_millis(),
        };
        let m = tonghao_app::report::decide(store, &cli.community, id, verdict, at_ms)?;
        if cli.json {
            println!("{}", serde_json::to_string_pretty(&m)?);
        } else {
            let verdict = lang.t(match verdict {
                Verdict::Done => "outcome.verdict_done",
                Verdict::Dismissed => "outcome.verdict_dismissed",
            });
            let line = Msg::new("outcome.decided").text("verdict", verdict).text("id", &m.id);
            println!("{}", lang.msg(&line));
        }
        return Ok(0);
    }
    let req = ReportRequest { group: args.group.clone(), ..Default::default() };
    let report = build(store, &cli.community, &req)?;
    let limit = if args.limit == 0 { usize::MAX } else { args.limit };
    if let Some(format) = &args.format {
        let moves: Vec<_> = report.moves.iter().take(limit).cloned().collect();
        return crate::print_table(&tonghao_app::export::moves(&moves, lang), format, lang, "moves");
    }
    if cli.json {
        let moves: Vec<_> = report.moves.iter().take(limit).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"moves": moves, "outcomes": report.outcomes}))?
        );
    } else {
        print!("{}", text::moves(&report.moves, &report.groups, lang, limit));
        print!("{}", text::outcomes(&report.outcomes, lang));
    }
    Ok(0)
}
