//! `tonghao groups delete` and `tonghao imports`: managing what is stored,
//! group by group and import by import.

use crate::Cli;
use anyhow::{Result, bail};
use std::io::IsTerminal;
use tonghao_app::Lang;
use tonghao_app::view::table;
use tonghao_model::msg::Msg;
use tonghao_store::Store;

/// What to do with the groups.
#[derive(clap::Subcommand)]
pub enum Action {
    /// Delete a group and every row of it (messages, joins/leaves/roles,
    /// check-ins/orders/recalls/reactions, names used there), in one
    /// transaction. Members stay: they may be in other groups. Importing its
    /// export again brings it back.
    Delete {
        /// The group's id or name (see `tonghao groups`).
        group: String,
        /// Delete without asking (required when input is not a terminal).
        #[arg(long, short)]
        yes: bool,
    },
}

/// What to do with an import.
#[derive(clap::Subcommand)]
pub enum ImportsAction {
    /// Take an import back, in one transaction: remove the messages and
    /// records it first brought, except those another import's file also
    /// held, and the groups left with nothing. Imports before this release
    /// did not record their rows and cannot be undone this way.
    Undo {
        /// The import's id (see `tonghao imports`).
        id: i64,
        /// Undo without asking (required when input is not a terminal).
        #[arg(long, short)]
        yes: bool,
    },
}

/// Asks `question` on the terminal unless `yes`; refuses with `needs_yes`
/// when there is no terminal to ask. False: the person said no.
fn confirmed(lang: Lang, yes: bool, question: &Msg, needs_yes: &Msg) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        bail!("{}", lang.msg(needs_yes));
    }
    eprint!("{} ", lang.msg(question));
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    let said_yes = matches!(answer.trim().to_lowercase().as_str(), "y" | "yes" | "是");
    if !said_yes {
        eprintln!("{}", lang.t("label.cancelled_nothing_was_deleted"));
    }
    Ok(said_yes)
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, action: &Action) -> Result<i32> {
    let Action::Delete { group, yes } = action;
    let ask = Msg::new("groups.confirm").text("group", group);
    if !confirmed(lang, *yes, &ask, &Msg::new("groups.needs_yes").text("group", group))? {
        return Ok(1);
    }
    let stats = store.group_delete(&cli.community, group)?;
    // As the console records its deletions (issue 14: who deleted what).
    tonghao_app::accounts::audit(store, "cli", Some(&cli.community), "delete-group", group)?;
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        let done = Msg::new("groups.deleted")
            .text("group", group)
            .int("messages", stats.messages)
            .int("memberships", stats.memberships)
            .int("activities", stats.activities)
            .int("planned", stats.planned_activities)
            .int("marks", stats.checkin_marks);
        println!("{}", lang.msg(&done));
    }
    Ok(0)
}

/// `tonghao imports`: the import log, oldest first.
pub fn imports(store: &dyn Store, cli: &Cli, lang: Lang) -> Result<i32> {
    let log: Vec<_> = store.imports()?.into_iter().filter(|i| i.community == cli.community).collect();
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&log)?);
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = log
        .iter()
        .map(|i| {
            vec![
                i.id.to_string(),
                tonghao_app::report::local_time(i.at_ms, [0]),
                tonghao_app::view::text::printable(&i.source),
                i.format.clone(),
                i.stats.messages.to_string(),
                i.stats.duplicates.to_string(),
            ]
        })
        .collect();
    let header = [
        lang.t("label.import_id"),
        lang.t("label.imported_at"),
        lang.t("label.file"),
        lang.t("label.format"),
        lang.t("label.new_messages"),
        lang.t("label.duplicates"),
    ];
    print!("{}", table::render(&header, &rows, &[0, 4, 5]));
    Ok(0)
}

/// `tonghao imports undo ID`.
pub fn undo(store: &dyn Store, cli: &Cli, lang: Lang, action: &ImportsAction) -> Result<i32> {
    let ImportsAction::Undo { id, yes } = action;
    let ask = Msg::new("imports.confirm").int("id", *id);
    if !confirmed(lang, *yes, &ask, &Msg::new("imports.needs_yes").int("id", *id))? {
        return Ok(1);
    }
    let stats = store.import_undo(&cli.community, *id)?;
    tonghao_app::accounts::audit(store, "cli", Some(&cli.community), "undo-import", &id.to_string())?;
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        let done = Msg::new("imports.undone")
            .int("id", *id)
            .int("messages", stats.messages)
            .int("memberships", stats.memberships)
            .int("activities", stats.activities)
            .int("groups", stats.groups)
            .int("kept", stats.kept);
        println!("{}", lang.msg(&done));
    }
    Ok(0)
}
