//! `tonghao mode show|set|group`: the management mode and the group
//! hierarchy; the work is `tonghao_app::management`.

use crate::Cli;
use anyhow::Result;
use tonghao_app::Lang;
use tonghao_app::management::Node;
use tonghao_app::management::{set_group, set_mode, show};
use tonghao_model::msg::Msg;
use tonghao_model::records::ManagementMode;
use tonghao_store::Store;

/// `tonghao mode ...`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// The mode, the groups' hierarchy and how the history keeps to them.
    Show,
    /// Set the mode: centralised (集中), sub_groups (分群), self_governing
    /// (自治) or unmanaged (不管理).
    Set {
        /// The mode.
        mode: ManagementMode,
    },
    /// Place a group: its parent group and its owner.
    Group {
        /// The group (id or name).
        group: String,
        /// Its parent group (id or name); omit to make it a top group.
        #[arg(long)]
        parent: Option<String>,
        /// Its owner: member_id, platform:id, or a name they used in the
        /// group; omit for none.
        #[arg(long)]
        owner: Option<String>,
    },
}

pub fn mode_name(mode: ManagementMode, lang: Lang) -> &'static str {
    lang.t(match mode {
        ManagementMode::Centralised => "mode.centralised",
        ManagementMode::SubGroups => "mode.sub_groups",
        ManagementMode::SelfGoverning => "mode.self_governing",
        ManagementMode::Unmanaged => "mode.unmanaged",
    })
}

fn print_tree(nodes: &[Node], depth: usize, lang: Lang) {
    for n in nodes {
        let owner =
            n.owner.as_ref().map(|o| format!("  ({})", lang.msg(&Msg::new("mode.owner").text("owner", o.clone()))));
        println!("{}{}{}", "  ".repeat(depth + 1), n.group, owner.unwrap_or_default());
        print_tree(&n.children, depth + 1, lang);
    }
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    let now = chrono::Utc::now().timestamp_millis();
    match cmd {
        Command::Set { mode } => {
            set_mode(store, &cli.community, *mode, now)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&show(store, &cli.community)?)?);
            } else {
                println!("{}", lang.msg(&Msg::new("mode.set").text("mode", mode_name(*mode, lang))));
            }
        }
        Command::Group { group, parent, owner } => {
            let p = set_group(store, &cli.community, group, parent.as_deref(), owner.as_deref(), now)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                let none = lang.t("mode.none");
                let line = Msg::new("mode.placed")
                    .text("group", p.group.clone())
                    .text("parent", p.parent.clone().unwrap_or_else(|| none.into()))
                    .text("owner", p.owner.clone().unwrap_or_else(|| none.into()));
                println!("{}", lang.msg(&line));
            }
        }
        Command::Show => {
            let s = show(store, &cli.community)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(0);
            }
            match s.management.mode {
                Some(m) => println!("{}", lang.msg(&Msg::new("mode.shown").text("mode", mode_name(m, lang)))),
                None => println!("{}", lang.t("mode.unset")),
            }
            if !s.tree.is_empty() {
                println!("{}:", lang.t("mode.hierarchy"));
                print_tree(&s.tree, 0, lang);
            }
            if !s.checks.is_empty() {
                println!("{}:", lang.t("mode.checks"));
            }
            for c in &s.checks {
                let key = match (c.kind, c.days_since_owner_posted) {
                    ("no_sub_groups", _) => "mode.check_no_sub_groups",
                    ("no_owner", _) => "mode.check_no_owner",
                    ("owner_silent", None) => "mode.check_owner_never",
                    ("owner_silent", Some(_)) => "mode.check_owner_silent",
                    ("owner_active", _) => "mode.check_owner_active",
                    _ => "mode.check_owned_while_centralised",
                };
                let line = Msg::new(key)
                    .text("group", c.group.clone().unwrap_or_default())
                    .text("owner", c.owner.clone().unwrap_or_default())
                    .int("days", c.days_since_owner_posted.unwrap_or_default());
                let verdict = lang.t(if c.ok { "canvas.ok" } else { "canvas.not_ok" });
                println!("  [{verdict}] {}", lang.msg(&line));
            }
        }
    }
    Ok(0)
}
