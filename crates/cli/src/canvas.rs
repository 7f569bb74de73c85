//! `tonghao canvas show|set|history`: arguments and printing; the work is
//! `tonghao_app::canvas`.

use crate::Cli;
use anyhow::Result;
use std::fmt::Write;
use tonghao_app::Lang;
use tonghao_app::canvas::{history, set, show};
use tonghao_model::msg::Msg;
use tonghao_store::Store;

/// `tonghao canvas ...`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// The latest canvas and how the history keeps to it.
    Show,
    /// Set one field (saved as a new version; an empty value clears it).
    Set {
        /// pain_point, vision, goal, interest, target_members, structure,
        /// roles, rules, output_plan or replication_plan.
        field: String,
        /// Its text (rules: one per line, or separated by ；).
        value: String,
    },
    /// Every saved version and what it changed.
    History,
}

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

fn field_name(field: &str, lang: Lang) -> &'static str {
    lang.t(match field {
        "pain_point" => "canvas.field_pain_point",
        "vision" => "canvas.field_vision",
        "goal" => "canvas.field_goal",
        "interest" => "canvas.field_interest",
        "target_members" => "canvas.field_target_members",
        "structure" => "canvas.field_structure",
        "roles" => "canvas.field_roles",
        "rules" => "canvas.field_rules",
        "output_plan" => "canvas.field_output_plan",
        _ => "canvas.field_replication_plan",
    })
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    match cmd {
        Command::Set { field, value } => {
            let c = set(store, &cli.community, field, value, chrono::Utc::now().timestamp_millis())?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&c)?);
            } else {
                println!(
                    "{}",
                    lang.msg(&Msg::new("canvas.saved").int("version", c.version).text("field", field.clone()))
                );
            }
        }
        Command::Show => {
            let s = show(store, &cli.community)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(0);
            }
            if s.canvas.version == 0 {
                println!("{}", lang.t("canvas.empty"));
                return Ok(0);
            }
            let mut out = lang
                .msg(&Msg::new("canvas.version").int("version", s.canvas.version).text("at", when(s.canvas.saved_ms)))
                + "\n";
            for (f, v) in &s.fields {
                let v = v.clone().unwrap_or_else(|| lang.t("canvas.unset").to_string());
                let _ = writeln!(out, "{} ({f}): {}", field_name(f, lang), v.replace('\n', " / "));
            }
            if !s.checks.is_empty() {
                let _ = writeln!(out, "\n{}:", lang.t("canvas.checks"));
            }
            for c in &s.checks {
                let key = match c.kind {
                    "no_ads" => "canvas.check_no_ads",
                    "size" => "canvas.check_size",
                    "replication" => "canvas.check_replication",
                    _ => "canvas.check_structure",
                };
                let line = Msg::new(key)
                    .text("rule", c.rule.clone())
                    .text("group", c.group.clone().unwrap_or_default())
                    .int("found", c.found)
                    .int("target", c.target.unwrap_or_default());
                let verdict = lang.t(if c.ok { "canvas.ok" } else { "canvas.not_ok" });
                let _ = writeln!(out, "  [{verdict}] {}", lang.msg(&line));
            }
            print!("{out}");
        }
        Command::History => {
            let versions = history(store, &cli.community)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&versions)?);
                return Ok(0);
            }
            for v in &versions {
                let at = when(v.version.saved_ms);
                println!(
                    "{}  {}: {}",
                    lang.msg(&Msg::new("canvas.version").int("version", v.version.version).text("at", at)),
                    lang.t("canvas.changed"),
                    v.changed.join(", ")
                );
            }
        }
    }
    Ok(0)
}
