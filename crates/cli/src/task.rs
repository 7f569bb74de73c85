//! `tonghao task add|list|done|generate`: arguments and printing; the work
//! is `tonghao_app::tasks`.

use crate::Cli;
use anyhow::Result;
use tonghao_app::Lang;
use tonghao_app::tasks::{GenerateRequest, NewTask, add, done, generate, list};
use tonghao_app::view::text;
use tonghao_model::msg::Msg;
use tonghao_model::records::TaskKind;
use tonghao_store::Store;

/// `tonghao task ...`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Assign a person a task.
    Add {
        /// notify, supervise, host or follow_up.
        #[arg(long)]
        kind: TaskKind,
        /// What to do.
        #[arg(long)]
        title: String,
        /// Who should do it (a name).
        #[arg(long)]
        to: Option<String>,
        /// Due day, YYYY-MM-DD.
        #[arg(long)]
        due: Option<String>,
        /// The group it is about (id or name).
        #[arg(long, short)]
        group: Option<String>,
        /// The member it is about: member id, platform:id, or a name used in --group.
        #[arg(long)]
        member: Option<String>,
    },
    /// Open tasks by due day.
    List {
        /// Done ones too.
        #[arg(long)]
        all: bool,
        /// Only this person's.
        #[arg(long)]
        to: Option<String>,
    },
    /// Mark a task done (or open again with --undo).
    Done {
        /// The task's id (`tonghao task list`).
        id: i64,
        /// Open it again.
        #[arg(long)]
        undo: bool,
    },
    /// Add the tasks of the coming activities (announce, remind, follow up)
    /// and of the check-in supervision list; nothing twice.
    Generate {
        /// First day, YYYY-MM-DD (default today); also the check-ins' today.
        #[arg(long)]
        today: Option<String>,
        /// Days of activities from today (default 7).
        #[arg(long)]
        days: Option<u32>,
        /// Who gets the tasks of activities without a host, and the check-in follow-ups.
        #[arg(long)]
        to: Option<String>,
    },
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    let now = chrono::Utc::now().timestamp_millis();
    match cmd {
        Command::Add { kind, title, to, due, group, member } => {
            let new = NewTask {
                kind: *kind,
                title: title.clone(),
                to: to.clone(),
                due: due.clone(),
                group: group.clone(),
                member: member.clone(),
            };
            let t = add(store, &cli.community, &new, now)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                println!("{}", lang.msg(&Msg::new("task.added").int("id", t.id).text("title", t.title)));
            }
        }
        Command::List { all, to } => {
            let tasks = list(store, &cli.community, *all, to.as_deref())?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&tasks)?);
            } else {
                print!("{}", text::tasks(&tasks, lang));
            }
        }
        Command::Done { id, undo } => {
            let t = done(store, &cli.community, *id, *undo, now)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                let key = if *undo { "task.undone" } else { "task.done" };
                println!("{}", lang.msg(&Msg::new(key).int("id", t.id).text("title", t.title)));
            }
        }
        Command::Generate { today, days, to } => {
            let req = GenerateRequest { today: today.clone(), days: *days, to: to.clone() };
            let added = generate(store, &cli.community, &req, now, lang)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&added)?);
            } else {
                println!("{}", lang.msg(&Msg::new("task.generated").int("n", added.len())));
                if !added.is_empty() {
                    print!("{}", text::tasks(&added, lang));
                }
            }
        }
    }
    Ok(0)
}
