//! `tonghao resource add|list|tag|remove|match`: arguments and printing;
//! the work is `tonghao_app::resources`.

use crate::Cli;
use anyhow::Result;
use tonghao_app::Lang;
use tonghao_app::resources::Coverage;
use tonghao_app::resources::{NewResource, add, list, matches, remove, tag};
use tonghao_app::view::table;
use tonghao_model::msg::Msg;
use tonghao_model::records::{Resource, ResourceKind};
use tonghao_store::Store;

/// `tonghao resource ...`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Add a venue, content piece, host or guest to the library.
    Add {
        /// venue, content, host or guest.
        #[arg(long)]
        kind: ResourceKind,
        /// What the team calls it.
        #[arg(long)]
        name: String,
        /// Tags, comma-separated (repeatable).
        #[arg(long)]
        tags: Vec<String>,
        /// The member a host or guest is: member_id or platform:id.
        #[arg(long)]
        member: Option<String>,
        /// A note: contact, capacity, link.
        #[arg(long)]
        note: Option<String>,
    },
    /// The library (only resources with every tag of --tag, if given).
    List {
        /// A tag (or several, comma-separated).
        #[arg(long)]
        tag: Option<String>,
    },
    /// Add or remove tags.
    Tag {
        /// The resource's id.
        id: i64,
        /// Tags to add, comma-separated.
        #[arg(long)]
        add: Vec<String>,
        /// Tags to remove, comma-separated.
        #[arg(long)]
        remove: Vec<String>,
    },
    /// Remove a resource.
    Remove {
        /// The resource's id.
        id: i64,
    },
    /// Each planned activity: the kind of resource it needs, the resources
    /// that fit it, and whether it lacks one.
    Match,
}

pub fn kind_name(kind: ResourceKind, lang: Lang) -> &'static str {
    lang.t(match kind {
        ResourceKind::Venue => "resource.kind_venue",
        ResourceKind::Content => "resource.kind_content",
        ResourceKind::Host => "resource.kind_host",
        ResourceKind::Guest => "resource.kind_guest",
    })
}

fn print(cli: &Cli, r: &Resource, line: String) -> Result<()> {
    if cli.json {
        println!("{}", serde_json::to_string_pretty(r)?);
    } else {
        println!("{line}");
    }
    Ok(())
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    let community = &cli.community;
    match cmd {
        Command::Add { kind, name, tags, member, note } => {
            let new = NewResource {
                kind: *kind,
                name: name.clone(),
                tags: tags.clone(),
                member: member.clone(),
                note: note.clone(),
            };
            let r = add(store, community, &new)?;
            let line = Msg::new("resource.added")
                .int("id", r.id)
                .text("name", r.name.clone())
                .text("kind", kind_name(r.kind, lang));
            print(cli, &r, lang.msg(&line))?;
        }
        Command::List { tag } => {
            let all = list(store, community, tag.as_deref())?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else if all.is_empty() && tag.is_none() {
                println!("{}", lang.t("resource.empty"));
            } else {
                let rows: Vec<Vec<String>> = all
                    .iter()
                    .map(|r| {
                        vec![
                            r.id.to_string(),
                            kind_name(r.kind, lang).to_string(),
                            r.name.clone(),
                            r.tags.join(", "),
                            r.member.clone().unwrap_or_default(),
                            r.note.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                let header = [
                    "#",
                    lang.t("label.kind"),
                    lang.t("resource.col_name"),
                    lang.t("resource.col_tags"),
                    lang.t("resource.col_member"),
                    lang.t("resource.col_note"),
                ];
                print!("{}", table::render(&header, &rows, &[0]));
            }
        }
        Command::Tag { id, add, remove } => {
            let r = tag(store, community, *id, add, remove)?;
            let line = Msg::new("resource.tagged")
                .int("id", r.id)
                .text("name", r.name.clone())
                .text("tags", r.tags.join(", "));
            print(cli, &r, lang.msg(&line))?;
        }
        Command::Remove { id } => {
            let r = remove(store, community, *id)?;
            let line = Msg::new("resource.removed").int("id", r.id).text("name", r.name.clone());
            print(cli, &r, lang.msg(&line))?;
        }
        Command::Match => {
            let all = matches(store, community)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&all)?);
                return Ok(0);
            }
            if all.is_empty() {
                println!("{}", lang.t("resource.no_activities"));
            }
            for m in &all {
                let coverage = lang.t(match m.coverage {
                    Coverage::Matched => "resource.coverage_matched",
                    Coverage::KindOnly => "resource.coverage_kind_only",
                    Coverage::Missing => "resource.coverage_missing",
                    Coverage::NoneNeeded => "resource.coverage_none_needed",
                });
                let needs = m.needs.map_or_else(|| lang.t("resource.nothing"), |k| kind_name(k, lang));
                let line = Msg::new("resource.match_line")
                    .int("id", m.activity)
                    .text("title", m.title.clone())
                    .text("kind", tonghao_app::activities::kind_name(m.kind, lang))
                    .text("group", m.group.clone())
                    .text("needs", needs)
                    .text("coverage", coverage);
                println!("{}", lang.msg(&line));
                for f in &m.fits {
                    let why = if f.named_host {
                        lang.t("resource.fit_host").to_string()
                    } else if !f.shared_tags.is_empty() {
                        lang.msg(&Msg::new("resource.fit_tags").text("tags", f.shared_tags.join(", ")))
                    } else {
                        String::new()
                    };
                    println!(
                        "{}",
                        lang.msg(
                            &Msg::new("resource.fit")
                                .int("id", f.resource)
                                .text("name", f.name.clone())
                                .text("why", why)
                        )
                    );
                }
            }
        }
    }
    Ok(0)
}
