//! `tonghao demo`: the first command a newcomer runs. It simulates the `demo`
//! scenario (12 groups of one reading community over six months, see
//! `crates/sim/scenarios/demo.toml`), imports it into a fresh store through
//! the same path as `tonghao import`, shows the groups and says what to try
//! next. No file of the user's is needed or touched: the store is a separate
//! `demo.db` unless `--db` names another, and an existing file there is only
//! replaced when it holds nothing but an earlier demo.

use crate::Cli;
use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tonghao_app::Lang;
use tonghao_app::ingest::{ImportRequest, import};
use tonghao_app::view::{short_time, stage_name, table};
use tonghao_model::Stage;
use tonghao_model::msg::Msg;
use tonghao_sim::{Format, Options, Scenario};
use tonghao_store::{Queries, SqliteStore};

/// Arguments of `tonghao demo`.
#[derive(clap::Args)]
pub struct Args {
    /// Random seed of the simulation.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Keep the simulated history and its ground truth in this folder
    /// (default: a temporary folder, removed afterwards).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Simulate another scenario (a built-in name or a .toml path).
    #[arg(long, default_value = "demo")]
    pub scenario: String,
    /// Write the history in this format before importing it: jsonl (richest:
    /// roles, orders, check-ins) or native (WeChat CSV, QQ text and Telegram
    /// JSON through their readers).
    #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "native"])]
    pub format: String,
    /// Start the web console on the demo store afterwards (`tonghao serve`).
    /// The default when the output is a terminal; --no-serve skips it.
    #[arg(long, conflicts_with = "no_serve")]
    pub serve: bool,
    /// Do not start the web console, even in a terminal.
    #[arg(long)]
    pub no_serve: bool,
    /// The console's port with --serve.
    #[arg(long, default_value_t = 8421)]
    pub port: u16,
}

/// Marks the folders the demo simulates into; a store whose every import came
/// from such a folder is a demo store and may be replaced.
const MARK: &str = "tonghao-demo-";

/// Removes the temporary folder however the demo ends.
struct TempDir(Option<PathBuf>);

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// Whether an existing store holds only earlier demo imports.
fn is_demo_store(path: &Path) -> bool {
    let Ok(store) = SqliteStore::open(path) else { return false };
    let Ok(imports) = store.imports() else { return false };
    imports.iter().all(|i| i.source.contains(MARK))
}

pub fn run(cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    let started = Instant::now();
    let db = cli.db.clone().unwrap_or_else(|| crate::default_db().with_file_name("demo.db"));
    // The demo makes a SQLite file of its own: a URL is not a path for it.
    if db.to_str().is_some_and(|d| d.contains("://")) {
        bail!("{}", lang.t("label.the_demo_needs_a_sqlite_file"));
    }
    if db.exists() {
        if !is_demo_store(&db) {
            bail!("{} {}", db.display(), lang.t("label.exists_and_is_not_a_demo_store_the_demo_will"));
        }
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", db.display()));
            if p.exists() {
                std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
            }
        }
    }
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }

    // 1. Simulate.
    let (out, _guard) = match &args.out {
        Some(dir) => (dir.clone(), TempDir(None)),
        None => {
            let nanos =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
            let dir = std::env::temp_dir().join(format!("{MARK}{}-{nanos}", std::process::id()));
            (dir.clone(), TempDir(Some(dir)))
        }
    };
    let scenario = Scenario::load(&args.scenario).map_err(|e| anyhow!("{e}"))?;
    let format = Format::parse(&args.format).unwrap_or(Format::Jsonl);
    let quiet = cli.quiet || cli.json;
    if !quiet {
        let msg = Msg::new("demo.simulating")
            .text("scenario", &scenario.name)
            .int("groups", scenario.groups)
            .int("days", scenario.days);
        eprintln!("{}", lang.msg(&msg));
    }
    let opts = Options { seed: args.seed, format, out: &out, threads: 0, progress: None, force: args.out.is_some() };
    let (summary, sim_secs) = crate::sim::simulate(&scenario, &opts, quiet)?;

    // 2. Import, exactly as `tonghao import` does: plan each path, one
    // transaction per job. Only the history files, never the truth files.
    let store = SqliteStore::open(&db).with_context(|| format!("opening {}", db.display()))?;
    let import_started = Instant::now();
    // The import log names the source; the marker tells a demo store apart.
    let relabel = |label: String| if label.contains(MARK) { label } else { format!("{MARK}{label}") };
    let req = ImportRequest {
        paths: summary.files.iter().map(|rel| out.join(rel)).collect(),
        relabel: Some(&relabel),
        ..Default::default()
    };
    let mut stored = 0u64;
    for file in import(&store, &cli.community, &req, &mut |_| {})? {
        if let Some(e) = file.error {
            bail!("{}: {e}", file.file);
        }
        stored += file.stats.messages;
    }
    let import_secs = import_started.elapsed().as_secs_f64();

    // 3. Show it.
    let groups = store.groups(&cli.community)?;
    let truth: serde_json::Value = std::fs::read(&summary.truth)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    let planted = planted(&truth);
    if cli.json {
        let out_json = serde_json::json!({
            "db": db.display().to_string(),
            "scenario": scenario.name,
            "seed": args.seed,
            "messages_simulated": summary.messages,
            "messages_stored": stored,
            "simulate_seconds": sim_secs,
            "import_seconds": import_secs,
            "groups": groups,
            "truth": planted.iter().map(|p| serde_json::json!({
                "group": p.name, "operated": p.operated, "stage_at_end": p.stage, "silent_since": p.silent,
            })).collect::<Vec<_>>(),
            "kept": args.out.as_ref().map(|p| p.display().to_string()),
        });
        println!("{}", serde_json::to_string_pretty(&out_json)?);
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            let name = g.name.clone().unwrap_or_default();
            let truth = planted.iter().find(|p| p.name == name);
            vec![
                g.platform.clone(),
                name,
                g.members.to_string(),
                g.messages.to_string(),
                short_time(g.first_message.as_deref()),
                short_time(g.last_message.as_deref()),
                truth.map(|p| p.describe(lang)).unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        lang.t("label.platform"),
        lang.t("label.group_name"),
        lang.t("label.members"),
        lang.t("label.messages"),
        lang.t("label.first_message"),
        lang.t("label.last_message"),
        lang.t("label.planted_truth_to_check_tonghao"),
    ];
    println!();
    print!("{}", table::render(&header, &rows, &[2, 3]));
    println!();
    let db_arg = shell_quote(&db.display().to_string());
    // How the user ran us (`target/release/tonghao` after `cargo run`), so
    // the suggested commands work as printed without installing anything.
    let bin = std::env::args().next().filter(|a| a.contains('/')).map(|a| shell_quote(&a)).unwrap_or("tonghao".into());
    let biggest = groups.iter().max_by_key(|g| g.messages).and_then(|g| g.name.clone()).unwrap_or_default();
    let has_report = <crate::Cli as clap::CommandFactory>::command().find_subcommand("report").is_some();
    let done = Msg::new("demo.done")
        .int("simulated", summary.messages)
        .num("sim_secs", sim_secs, 1)
        .int("stored", stored)
        .num("import_secs", import_secs, 1)
        .num("secs", started.elapsed().as_secs_f64(), 1)
        .text("db", db.display().to_string());
    println!("{}", lang.msg(&done));
    println!("{}", lang.t("demo.try_next"));
    // Commands line up; their comments are the catalogue's.
    let mut tries = vec![
        (format!("{bin} --db {db_arg} groups"), "demo.try_groups"),
        (format!("{bin} --db {db_arg} members --group {}", shell_quote(&biggest)), "demo.try_members"),
    ];
    if has_report {
        tries.push((format!("{bin} --db {db_arg} report"), "demo.try_report"));
        tries.push((format!("{bin} --db {db_arg} next --limit 10"), "demo.try_next_moves"));
        tries.push((format!("{bin} --db {db_arg} serve"), "demo.try_serve"));
    }
    tries.push((format!("{bin} sim --scenario demo --out {} --format native", lang.t("demo.dir")), "demo.try_sim"));
    // Display width, not chars: a group name in Chinese takes two columns a character.
    use unicode_width::UnicodeWidthStr;
    let width = tries.iter().map(|(c, _)| c.width()).max().unwrap_or(0);
    for (command, comment) in tries {
        println!("  {command}{}  # {}", " ".repeat(width - command.width()), lang.t(comment));
    }
    if let Some(dir) = &args.out {
        println!("{} {}", lang.t("label.simulated_history_and_ground_truth_kept_in"), dir.display());
    }
    use std::io::IsTerminal;
    if args.serve || (!args.no_serve && std::io::stdout().is_terminal()) {
        let mut serve = crate::serve::Args {
            port: args.port,
            listen: std::net::Ipv4Addr::LOCALHOST.into(),
            max_upload_mb: 512,
            secure_cookies: false,
        };
        // The usual port taken (another console running): any free one.
        if std::net::TcpListener::bind((serve.listen, serve.port)).is_err() {
            serve.port = 0;
        }
        return crate::serve::run(std::sync::Arc::new(store), lang, &serve);
    }
    Ok(0)
}

/// One group's planted truth, for the last column.
struct Planted {
    name: String,
    operated: bool,
    stage: Option<Stage>,
    silent: Option<String>,
}

impl Planted {
    fn describe(&self, lang: Lang) -> String {
        let stage = self.stage.map(|s| stage_name(s, lang)).unwrap_or_default();
        let op = if self.operated { lang.t("label.operated") } else { lang.t("label.unoperated") };
        match &self.silent {
            Some(d) => format!("{op}, {stage} ({} {d})", lang.t("label.silent_since")),
            None => format!("{op}, {stage}"),
        }
    }
}

fn planted(truth: &serde_json::Value) -> Vec<Planted> {
    let Some(groups) = truth["groups"].as_array() else { return Vec::new() };
    groups
        .iter()
        .map(|g| Planted {
            name: g["name"].as_str().unwrap_or_default().to_string(),
            operated: g["operated"].as_bool().unwrap_or(false),
            stage: g["weeks"]
                .as_array()
                .and_then(|w| w.last())
                .and_then(|w| serde_json::from_value(w["stage"].clone()).ok()),
            silent: g["silent_day"].as_str().map(str::to_string),
        })
        .collect()
}

/// Quotes a shell word when it needs it.
fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| !c.is_whitespace() && !"'\"$`\\!*?#&;|<>()[]{}~".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
