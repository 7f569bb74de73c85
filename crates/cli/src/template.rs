//! `tonghao template list|show|set|reset`: the community's own texts for
//! drafted messages; the work is `tonghao_app::templates`.

use crate::Cli;
use anyhow::Result;
use tonghao_app::Lang;
use tonghao_app::templates::{Listed, list, reset, set, show};
use tonghao_model::msg::Msg;
use tonghao_store::Store;

/// `tonghao template ...`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Every template drafts are written with, and which this community set.
    List,
    /// One template: tonghao's text, this community's, its placeholders.
    Show {
        /// Its key, e.g. activity_draft.announce.
        key: String,
    },
    /// Set this community's text for the language --lang names (zh or en).
    Set {
        /// Its key, e.g. activity_draft.announce.
        key: String,
        /// The text, with the same {placeholders} as tonghao's.
        text: String,
    },
    /// Go back to tonghao's text: for --lang if given, else both languages.
    Reset {
        /// Its key.
        key: String,
    },
}

fn print_one(t: &Listed, lang: Lang) {
    let placeholders = t.placeholders.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(" ");
    println!("{}  ({}: {placeholders})", t.key, lang.t("template.placeholders"));
    for (code, default, own) in [("zh", t.default_zh, &t.zh), ("en", t.default_en, &t.en)] {
        match own {
            Some(text) => println!("  {code} [{}] {text}", lang.t("template.own")),
            None => println!("  {code} [{}] {default}", lang.t("template.default")),
        }
    }
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    let now = chrono::Utc::now().timestamp_millis();
    let community = &cli.community;
    match cmd {
        Command::List => {
            let all = list(store, community)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for t in &all {
                    print_one(t, lang);
                }
            }
        }
        Command::Show { key } => {
            let t = show(store, community, key)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                print_one(&t, lang);
            }
        }
        Command::Set { key, text } => {
            // The global --lang names the template's language too: `tonghao
            // template set KEY --lang zh TEXT`.
            let Some(code) = &cli.lang else { anyhow::bail!("{}", lang.t("template.needs_lang")) };
            let t = set(store, community, key, code, text, now)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                println!("{}", lang.msg(&Msg::new("template.set").text("key", key.clone()).text("lang", code.clone())));
            }
        }
        Command::Reset { key } => {
            let had = reset(store, community, key, cli.lang.as_deref(), now)?;
            if cli.json {
                println!("{}", serde_json::json!({ "key": key, "reset": had }));
            } else {
                let msg = if had { "template.reset" } else { "template.reset_none" };
                println!("{}", lang.msg(&Msg::new(msg).text("key", key.clone())));
            }
        }
    }
    Ok(0)
}
