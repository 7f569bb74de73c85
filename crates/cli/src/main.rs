//! `tonghao`: the command line face of tonghao (同好).
//!
//! Thin by design: it parses arguments, opens the store, calls the library
//! crates and prints. All logic lives in the crates it calls.

mod activity;
mod canvas;
mod checkins;
mod demo;
mod eval;
mod groups;
mod import;
mod member;
mod mode;
mod next;
mod orders;
mod points;
mod report;
mod resource;
mod retention;
mod serve;
mod sim;
mod split;
mod task;
mod template;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use tonghao_app::Lang;
use tonghao_app::export;
use tonghao_app::view::table;
use tonghao_store::{SqliteStore, Store};

/// 同好 tonghao: community operations from chat history.
#[derive(Parser)]
#[command(name = "tonghao", version, about, long_about = None)]
struct Cli {
    /// The database: a SQLite file path, or a PostgreSQL URL
    /// (postgres://user:password@host:port/db). Default: $TONGHAO_DB, else
    /// ~/.local/share/tonghao/tonghao.db.
    #[arg(long, global = true, env = "TONGHAO_DB")]
    db: Option<PathBuf>,
    /// The community the groups belong to.
    #[arg(long, global = true, default_value = "default", env = "TONGHAO_COMMUNITY")]
    community: String,
    /// Output as JSON (for scripts).
    #[arg(long, global = true)]
    json: bool,
    /// No progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Language of messages: zh (简体中文) or en. Default from $LANG.
    #[arg(long, global = true, env = "TONGHAO_LANG")]
    lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import chat exports: files, folders or .zip archives (format detected).
    Import(import::Args),
    /// List the groups in the store (or delete one: `tonghao groups delete GROUP`).
    Groups {
        #[command(subcommand)]
        action: Option<groups::Action>,
        /// Write the list as a table to open in a spreadsheet: csv or xlsx.
        #[arg(long, value_parser = ["csv", "xlsx"])]
        format: Option<String>,
    },
    /// List the imports: when, which file, what it added (or take one back:
    /// `tonghao imports undo ID`).
    Imports {
        #[command(subcommand)]
        action: Option<groups::ImportsAction>,
    },
    /// List the members of one group.
    Members {
        /// The group's id or name (see `tonghao groups`).
        #[arg(long, short)]
        group: String,
        /// Write the list as a table to open in a spreadsheet: csv or xlsx.
        #[arg(long, value_parser = ["csv", "xlsx"])]
        format: Option<String>,
    },
    /// Group health, lifecycle and member roles (text, JSON or HTML).
    Report(report::Args),
    /// What to do next, by whom, with the evidence and a drafted message.
    Next(next::Args),
    /// One person's data: export everything stored about them, or delete it.
    #[command(subcommand)]
    Member(member::Command),
    /// How long message texts are kept: `tonghao retention show|set --months N|apply`.
    #[command(subcommand)]
    Retention(retention::Command),
    /// Planned activities (rituals): `tonghao activity add|list`.
    #[command(subcommand)]
    Activity(activity::Command),
    /// Every occurrence of the planned activities, as text or an .ics file.
    Calendar(activity::Args),
    /// Check-in challenges per group: streaks, misses, who missed yesterday, bare-form share.
    Checkins(checkins::Args),
    /// Record a check-in, make-up or leave day by hand: `tonghao checkin add`.
    #[command(subcommand)]
    Checkin(checkins::Command),
    /// The community canvas: `tonghao canvas show|set FIELD VALUE|history`.
    #[command(subcommand)]
    Canvas(canvas::Command),
    /// Points: the leaderboard and ledger by rule and by hand; `tonghao points add`.
    Points(points::Args),
    /// Tasks for the team: `tonghao task add|list|done|generate`.
    #[command(subcommand)]
    Task(task::Command),
    /// Orders from a shop: `tonghao orders import FILE.csv`.
    #[command(subcommand)]
    Orders(orders::Command),
    /// Buyers, revenue, repeat buyers and time to first order, per group;
    /// with --by-activity, per activity occurrence.
    Conversion {
        /// Write the table to open in a spreadsheet: csv or xlsx.
        #[arg(long, value_parser = ["csv", "xlsx"], conflicts_with = "by_activity")]
        format: Option<String>,
        /// Per planned activity's occurrence: orders of its speakers and of
        /// the group's other members in the --days after it.
        #[arg(long)]
        by_activity: bool,
        /// The window after each occurrence, in days (with --by-activity).
        #[arg(long, default_value_t = tonghao_app::orders::ACTIVITY_WINDOW_DAYS, requires = "by_activity")]
        days: i64,
    },
    /// The resource library: venues, content, hosts and guests, tagged and
    /// matched to the planned activities.
    #[command(subcommand)]
    Resource(resource::Command),
    /// The management mode (集中, 分群, 自治, 不管理) and the groups' hierarchy.
    #[command(subcommand)]
    Mode(mode::Command),
    /// The community's own texts for drafted messages.
    #[command(subcommand)]
    Template(template::Command),
    /// List the export formats tonghao reads.
    Formats,
    /// Generate a simulated community history (for demos, tests, benchmarks).
    Sim(sim::Args),
    /// Simulate a realistic community, import it into a fresh store and show it.
    Demo(demo::Args),
    /// Propose small groups from a weighted edge list (Leiden with a hard size cap).
    Split(split::Args),
    /// The web console and its JSON API (http://127.0.0.1:8421/ by default).
    Serve(serve::Args),
    /// The console's users: list, add, remove, role, password, grant, revoke.
    #[command(subcommand)]
    User(serve::UserCommand),
    /// Measure tonghao's inferences against human annotations.
    #[command(subcommand)]
    Eval(eval::Command),
}

/// Writes a listing to stdout as a terminal table, CSV or .xlsx (a
/// workbook is binary: it goes to a file or a pipe, not to a terminal).
fn print_table(table: &export::Table, format: &str, lang: Lang, sheet: &str) -> Result<i32> {
    use std::io::{IsTerminal, Write};
    let format: export::Format = format.parse().map_err(anyhow::Error::msg)?;
    if format == export::Format::Xlsx && std::io::stdout().is_terminal() {
        anyhow::bail!("{}", lang.t("label.xlsx_needs_a_file"));
    }
    std::io::stdout().write_all(&table.write(format, lang, sheet)?)?;
    Ok(0)
}

/// The store `--db` (or `$TONGHAO_DB`) names: a `postgres://` URL is a
/// PostgreSQL store, anything else a SQLite file (`tonghao_store::open`).
pub(crate) fn open_store(cli: &Cli) -> Result<Arc<dyn Store>> {
    let db = cli.db.clone().unwrap_or_else(default_db);
    match db.to_str() {
        // The store's errors name the database (a URL without its password).
        Some(text) => Ok(tonghao_store::open(text)?),
        // Not UTF-8: not a URL, so a file path.
        None => Ok(Arc::new(SqliteStore::open(&db).with_context(|| format!("opening {}", db.display()))?)),
    }
}

/// Where the database lives when neither --db nor $TONGHAO_DB says.
fn default_db() -> PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("tonghao").join("tonghao.db")
}

fn main() {
    // `tonghao report | head` closes stdout early: that ends the output, it is
    // not a crash. (Rust ignores SIGPIPE, so `println!` panics instead.)
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload.downcast_ref::<String>().map(String::as_str).or(payload.downcast_ref::<&str>().copied());
        if msg.is_some_and(|m| m.contains("Broken pipe")) {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    let cli = Cli::parse();
    let lang = Lang::pick(cli.lang.as_deref());
    match run(&cli, lang) {
        Ok(code) => std::process::exit(code),
        Err(e) if not_found(&e) && store_is_empty(&cli) => {
            // The first thing a new user may try: a report before an import.
            eprintln!("{}: {}", lang.t("label.error"), lang.t("error.empty_store"));
            std::process::exit(1);
        }
        Err(e) => {
            // As `{e:#}` (each context, then the cause), with the words of
            // an application error from the catalogue, in the reader's
            // language; a store's or a source's own message as it is.
            let shown = e
                .chain()
                .map(|cause| match words(cause) {
                    Some(words) => lang.msg(&words),
                    None => cause.to_string(),
                })
                .collect::<Vec<_>>()
                .join(": ");
            eprintln!("{}: {shown}", lang.t("label.error"));
            std::process::exit(1);
        }
    }
}

/// An error's catalogue words, if it has them: an application error's, or
/// a store's refusal (a command that calls the store directly).
fn words(cause: &(dyn std::error::Error + 'static)) -> Option<tonghao_model::msg::Msg> {
    if let Some(e) = cause.downcast_ref::<tonghao_app::AppError>() {
        return e.words();
    }
    cause.downcast_ref::<tonghao_store::StoreError>().and_then(|e| e.words().cloned())
}

/// Whether `e` says that something named does not exist.
fn not_found(e: &anyhow::Error) -> bool {
    use tonghao_store::StoreError;
    matches!(e.downcast_ref::<StoreError>(), Some(StoreError::NotFound(_)))
        || matches!(
            e.downcast_ref::<tonghao_app::AppError>(),
            Some(tonghao_app::AppError::Store(StoreError::NotFound(_)))
        )
}

/// Whether the store holds no community at all (nothing imported yet).
fn store_is_empty(cli: &Cli) -> bool {
    open_store(cli).ok().and_then(|s| s.communities().ok()).is_some_and(|c| c.is_empty())
}

fn run(cli: &Cli, lang: Lang) -> Result<i32> {
    let open = || open_store(cli);
    match &cli.command {
        Command::Import(args) => import::run(&*open()?, cli, lang, args),
        Command::Groups { action: Some(action), .. } => groups::run(&*open()?, cli, lang, action),
        Command::Imports { action: None } => groups::imports(&*open()?, cli, lang),
        Command::Imports { action: Some(action) } => groups::undo(&*open()?, cli, lang, action),
        Command::Groups { action: None, format } => {
            let groups = open()?.groups(&cli.community)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&groups)?);
            } else if let Some(format) = format {
                return print_table(&export::groups(&groups), format, lang, "groups");
            } else if groups.is_empty() {
                println!("{}", lang.t("label.no_groups_yet_import_an_export_first_tonghao"));
            } else {
                print_table(&export::groups(&groups), "table", lang, "groups")?;
            }
            Ok(0)
        }
        Command::Members { group, format } => {
            let members = open()?.members(&cli.community, group)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&members)?);
            } else {
                print_table(&export::members(&members, lang), format.as_deref().unwrap_or("table"), lang, "members")?;
            }
            Ok(0)
        }
        Command::Report(args) => report::run(&*open()?, cli, lang, args),
        Command::Next(args) => next::run(&*open()?, cli, lang, args),
        Command::Member(cmd) => member::run(&*open()?, cli, lang, cmd),
        Command::Retention(cmd) => retention::run(&*open()?, cli, lang, cmd),
        Command::Activity(cmd) => activity::run(&*open()?, cli, lang, cmd),
        Command::Calendar(args) => activity::calendar_run(&*open()?, cli, lang, args),
        Command::Checkins(args) => checkins::list(&*open()?, cli, lang, args),
        Command::Checkin(cmd) => checkins::run(&*open()?, cli, lang, cmd),
        Command::Task(cmd) => task::run(&*open()?, cli, lang, cmd),
        Command::Canvas(cmd) => canvas::run(&*open()?, cli, lang, cmd),
        Command::Points(args) => points::run(&*open()?, cli, lang, args),
        Command::Orders(cmd) => orders::run(&*open()?, cli, lang, cmd),
        Command::Conversion { by_activity: true, days, .. } => orders::by_activity(&*open()?, cli, lang, *days),
        Command::Conversion { format, .. } => orders::conversion(&*open()?, cli, lang, format.as_deref()),
        Command::Resource(cmd) => resource::run(&*open()?, cli, lang, cmd),
        Command::Mode(cmd) => mode::run(&*open()?, cli, lang, cmd),
        Command::Template(cmd) => template::run(&*open()?, cli, lang, cmd),
        Command::Sim(args) => sim::run(cli, lang, args),
        Command::Demo(args) => demo::run(cli, lang, args),
        Command::Eval(cmd) => eval::run(cli, lang, cmd),
        Command::Split(args) => split::run(cli, lang, args),
        Command::Serve(args) => serve::run(open()?, lang, args),
        Command::User(cmd) => serve::user(&*open()?, cli, lang, cmd),
        Command::Formats => {
            let formats = tonghao_sources::formats();
            if cli.json {
                let list: Vec<_> =
                    formats.iter().map(|(n, d)| serde_json::json!({"name": n, "description": d})).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                let rows: Vec<Vec<String>> = formats.iter().map(|(n, d)| vec![n.to_string(), d.to_string()]).collect();
                print!("{}", table::render(&[lang.t("label.format"), lang.t("label.description")], &rows, &[]));
            }
            Ok(0)
        }
    }
}
