//! `tonghao next`: the ranked to-do list — who should do what, why, with
//! the evidence and a drafted message. The moves are `tonghao_ops::moves`;
//! the report they come from is `tonghao_app::report`.

use crate::Cli;
use anyhow::Result;
use tonghao_app::Lang;
use tonghao_app::report::{ReportRequest, build};
use tonghao_app::view::text;
use tonghao_store::Store;

/// Arguments of `tonghao next`.
#[derive(clap::Args)]
pub struct Args {
    /// Only this group (id or name; see `tonghao groups`).
    #[arg(long, short)]
    group: Option<String>,
    /// At most this many moves (0: all).
    #[arg(long, default_value_t = 0)]
    limit: usize,
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    let req = ReportRequest { group: args.group.clone(), ..Default::default() };
    let report = build(store, &cli.community, &req)?;
    let limit = if args.limit == 0 { usize::MAX } else { args.limit };
    if cli.json {
        let moves: Vec<_> = report.moves.iter().take(limit).collect();
        println!("{}", serde_json::to_string_pretty(&moves)?);
    } else {
        print!("{}", text::moves(&report.moves, lang, limit));
    }
    Ok(0)
}
