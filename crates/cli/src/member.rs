//! `tonghao member export|delete`: one person's data, for privacy requests.

use crate::{Cli, Lang};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use tonghao_store::{DeleteStats, Store};

/// What to do with one member's data.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Write everything stored about a member as JSON (a data access request).
    ///
    /// The export holds the member, their platform ids (name-only stand-ins
    /// marked `provisional`), every name they used per group, every message
    /// they sent, their joins/leaves/roles (and those they did to others,
    /// marked `"as": "by"`), their check-ins, orders, reactions and recalls,
    /// and the groups they are in. Nothing is sent anywhere.
    Export {
        /// The member: the member_id `tonghao members --json` shows, or
        /// platform:id (e.g. wechat:wxid_abc).
        member: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Delete a member and everything theirs from the store.
    ///
    /// Removes, in one transaction, their messages, joins/leaves/roles,
    /// activities, orders imported from files, check-ins recorded by hand,
    /// names, ids and the member itself. Other people's records that point
    /// at them are kept but unlinked: "invited by"/"removed by" becomes
    /// unknown, and they are taken out of other people's @-mention lists. LIMIT: other people's message TEXT is not rewritten, so their
    /// name may still appear inside what others wrote (an "@name", a quote);
    /// free text cannot be edited safely. Their ids and names are kept on a
    /// suppression list so that importing the same export again skips them
    /// (reported as "suppressed"). Without --yes, shows what would be deleted
    /// and asks; when input is not a terminal, --yes is required.
    Delete {
        /// The member: the member_id `tonghao members --json` shows, or
        /// platform:id (e.g. wechat:wxid_abc).
        member: String,
        /// Delete without asking.
        #[arg(long, short)]
        yes: bool,
    },
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    match cmd {
        Command::Export { member, out } => export(store, cli, lang, member, out.as_ref()),
        Command::Delete { member, yes } => delete(store, cli, lang, member, *yes),
    }
}

fn export(store: &dyn Store, cli: &Cli, lang: Lang, member: &str, out: Option<&PathBuf>) -> Result<i32> {
    let data = store.member_export(&cli.community, member)?;
    let json = serde_json::to_string_pretty(&data)?;
    match out {
        None => println!("{json}"),
        Some(path) => {
            std::fs::write(path, format!("{json}\n")).with_context(|| format!("writing {}", path.display()))?;
            if !cli.quiet {
                eprintln!(
                    "{} {} ({}: {}, {}: {}) → {}",
                    lang.t("label.exported"),
                    data.member.display_name,
                    lang.t("label.messages"),
                    data.messages.len(),
                    lang.t("label.joins_leaves_roles"),
                    data.memberships.len(),
                    path.display()
                );
            }
        }
    }
    Ok(0)
}

fn delete(store: &dyn Store, cli: &Cli, lang: Lang, member: &str, yes: bool) -> Result<i32> {
    if !yes {
        let preview = store.member_delete_preview(&cli.community, member)?;
        let name = store.member_export(&cli.community, member)?.member.display_name;
        eprintln!("{} {name} ({member}, member_id {}):", lang.t("label.this_deletes_member"), preview.member_id);
        eprint!("{}", summary(lang, &preview));
        eprintln!("{}", limits(lang));
        if !std::io::stdin().is_terminal() {
            bail!("{} {member}", lang.t("label.input_is_not_a_terminal_so_cannot_ask_to_delete"));
        }
        eprint!("{} ", lang.t("label.delete_this_cannot_be_undone_y_n"));
        std::io::stderr().flush().ok();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes" | "是") {
            eprintln!("{}", lang.t("label.cancelled_nothing_was_deleted"));
            return Ok(1);
        }
    }
    let stats = store.member_delete(&cli.community, member)?;
    // As the console records its deletions (issue 14: who deleted what).
    tonghao_app::accounts::audit(store, "cli", Some(&cli.community), "delete-member", member)?;
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        println!("{} {member} (member_id {}):", lang.t("label.deleted_member"), stats.member_id);
        print!("{}", summary(lang, &stats));
        if !cli.quiet {
            eprintln!("{}", limits(lang));
        }
    }
    Ok(0)
}

/// One line per table touched.
fn summary(lang: Lang, s: &DeleteStats) -> String {
    let rows = [
        (lang.t("label.messages"), s.messages),
        (lang.t("label.joins_leaves_roles_records"), s.memberships),
        (lang.t("label.check_ins_orders_reactions_recalls"), s.activities),
        (lang.t("label.orders_from_files"), s.orders),
        (lang.t("label.checkins_by_hand"), s.checkin_marks),
        (lang.t("label.tasks_about_them"), s.tasks),
        (lang.t("label.points_by_hand"), s.points),
        (lang.t("label.resources_that_are_them"), s.resources),
        (lang.t("label.groups_they_owned"), s.group_owners),
        (lang.t("label.names"), s.member_names),
        (lang.t("label.ids"), s.identities),
        (lang.t("label.member"), s.members),
        (lang.t("label.inviter_remover_links_in_others_records_set_to"), s.inviter_links_cleared),
        (lang.t("label.mentions_in_others_messages_removed"), s.mentions_removed),
        (lang.t("label.ids_names_added_to_the_suppression_list"), s.suppressed),
    ];
    rows.iter().map(|(label, n)| format!("  {n:>6}  {label}\n")).collect()
}

fn limits(lang: Lang) -> &'static str {
    lang.t("label.note_other_people_s_message_text_is_not")
}
