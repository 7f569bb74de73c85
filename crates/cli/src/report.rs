//! `tonghao report`: group health, lifecycle and roles, as text, JSON or a
//! self-contained HTML page. The report is `tonghao_app::report`; its
//! renderings are `tonghao_app::view`.

use crate::Cli;
use anyhow::{Context, Result};
use tonghao_app::Lang;
use tonghao_app::report::{ReportRequest, build, parse_time};
use tonghao_app::view::{html, text};
use tonghao_store::Store;

/// Arguments of `tonghao report`.
#[derive(clap::Args)]
pub struct Args {
    /// Only this group (id or name; see `tonghao groups`).
    #[arg(long, short)]
    group: Option<String>,
    /// Compute as if today were this date (YYYY-MM-DD, midnight UTC, or an
    /// RFC 3339 time), using only what happened before it. Default: just after
    /// the latest message.
    #[arg(long)]
    as_of: Option<String>,
    /// Start of the metrics window (YYYY-MM-DD or RFC 3339). Default: 28 days before --as-of.
    #[arg(long)]
    since: Option<String>,
    /// Window length in days when --since is not given.
    #[arg(long, default_value_t = 28)]
    window: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// For sharing outside the team: every member's name and id becomes a
    /// stable code (P-3f9a2c1d07; a keyed hash whose secret stays in the
    /// store, so it cannot be reversed by guessing names), and drafted
    /// messages that name people and words quoted from messages are left out.
    #[arg(long)]
    pseudonymise: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Html,
    /// The per-group figures as CSV (UTF-8 with BOM).
    Csv,
    /// The per-group figures as an Excel workbook.
    Xlsx,
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    let time =
        |flag: &str, s: &Option<String>| s.as_deref().map(parse_time).transpose().with_context(|| format!("--{flag}"));
    let req = ReportRequest {
        group: args.group.clone(),
        as_of_ms: time("as-of", &args.as_of)?,
        since_ms: time("since", &args.since)?,
        window_days: args.window,
        pseudonymise: args.pseudonymise,
    };
    let report = build(store, &cli.community, &req)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print!("{}", text::report(&report, lang)),
        Format::Html => print!("{}", html::render(&report, lang)),
        Format::Csv => return crate::print_table(&tonghao_app::export::report(&report, lang), "csv", lang, "report"),
        Format::Xlsx => return crate::print_table(&tonghao_app::export::report(&report, lang), "xlsx", lang, "report"),
    }
    Ok(0)
}
