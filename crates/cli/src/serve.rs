//! `tonghao serve` and `tonghao user`: the web console and its accounts.

use crate::Cli;
use anyhow::Result;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tonghao_app::Lang;
use tonghao_app::accounts::{self, random_hex};
use tonghao_app::export::{Format, Table};
use tonghao_model::msg::Msg;
use tonghao_store::{Role, Store};

/// Arguments of `tonghao serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Port to listen on (0: any free one).
    #[arg(long, default_value_t = 8421)]
    pub port: u16,
    /// Address to listen on. Only this machine by default: chat logs are
    /// personal data; put a TLS proxy in front before listening wider.
    #[arg(long, default_value = "127.0.0.1")]
    pub listen: IpAddr,
    /// The largest upload accepted, in MiB.
    #[arg(long, default_value_t = 512)]
    pub max_upload_mb: usize,
    /// Mark the session cookie Secure (when served behind HTTPS).
    #[arg(long)]
    pub secure_cookies: bool,
}

/// Starts the console; the first run creates the owner `admin`.
pub fn run(store: Arc<dyn Store>, lang: Lang, args: &Args) -> Result<i32> {
    let from_env = std::env::var("TONGHAO_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
    if let Some(password) = accounts::ensure_owner(&*store, from_env.as_deref())? {
        let msg = match from_env {
            Some(_) => Msg::new("serve.owner_from_env"),
            None => Msg::new("serve.owner_generated").text("password", password),
        };
        println!("{}", lang.msg(&msg));
    }
    let config = tonghao_server::Config {
        listen: SocketAddr::new(args.listen, args.port),
        max_upload: args.max_upload_mb << 20,
        secure_cookies: args.secure_cookies,
    };
    tonghao_server::serve(store, config, |addr| {
        println!("{}", lang.msg(&Msg::new("serve.listening").text("url", format!("http://{addr}/"))));
    })?;
    Ok(0)
}

/// `tonghao user ...`
#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// List the console's users.
    List,
    /// Add a user. The password comes from $TONGHAO_PASSWORD, or is
    /// generated and printed once.
    Add {
        /// Login name.
        name: String,
        /// owner, admin (operates their communities) or analyst (reads).
        #[arg(long, default_value = "analyst")]
        role: String,
        /// A community they may see (repeat for several).
        #[arg(long = "grant")]
        communities: Vec<String>,
    },
    /// Remove a user (and end their sessions).
    Remove {
        /// Login name.
        name: String,
    },
    /// Change a user's role.
    Role {
        /// Login name.
        name: String,
        /// owner, admin or analyst.
        role: String,
    },
    /// Set a new password ($TONGHAO_PASSWORD, or generated and printed once);
    /// ends the user's sessions.
    Password {
        /// Login name.
        name: String,
    },
    /// Let a user see a community.
    Grant {
        /// Login name.
        name: String,
        /// The community.
        community: String,
    },
    /// Take a community away from a user.
    Revoke {
        /// Login name.
        name: String,
        /// The community.
        community: String,
    },
}

fn new_password() -> (String, bool) {
    match std::env::var("TONGHAO_PASSWORD").ok().filter(|p| !p.is_empty()) {
        Some(p) => (p, false),
        None => (random_hex(9), true),
    }
}

fn role(s: &str) -> Result<Role> {
    s.parse().map_err(anyhow::Error::msg)
}

/// Runs a `tonghao user` command.
pub fn user(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &UserCommand) -> Result<i32> {
    let told = |name: &str, password: String, generated: bool| {
        if generated {
            println!(
                "{}",
                lang.msg(&Msg::new("serve.password_generated").text("name", name).text("password", password))
            );
        }
    };
    let audit = |target: &str| accounts::audit(store, "cli", None, "user", target);
    match cmd {
        UserCommand::List => {
            let users = store.users()?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                let table = Table {
                    columns: vec!["label.user", "label.role", "label.communities"],
                    rows: users
                        .iter()
                        .map(|u| {
                            let seen = if u.role == Role::Owner { "*".to_string() } else { u.communities.join(" ") };
                            vec![u.name.as_str().into(), u.role.as_str().into(), seen.into()]
                        })
                        .collect(),
                    right: vec![],
                };
                print!("{}", String::from_utf8(table.write(Format::Table, lang, "users")?)?);
            }
        }
        UserCommand::Add { name, role: r, communities } => {
            let (password, generated) = new_password();
            accounts::add_user(store, name, &password, role(r)?, communities)?;
            audit(&format!("add {name} {r}"))?;
            told(name, password, generated);
        }
        UserCommand::Remove { name } => {
            store.user_remove(name)?;
            audit(&format!("remove {name}"))?;
        }
        UserCommand::Role { name, role: r } => {
            store.user_set_role(name, role(r)?)?;
            audit(&format!("role {name} {r}"))?;
        }
        UserCommand::Password { name } => {
            let (password, generated) = new_password();
            store.user_set_password(name, &accounts::hash_password(&password)?)?;
            audit(&format!("password {name}"))?;
            told(name, password, generated);
        }
        UserCommand::Grant { name, community } | UserCommand::Revoke { name, community } => {
            let grant = matches!(cmd, UserCommand::Grant { .. });
            store.user_grant(name, community, grant)?;
            audit(&format!("{} {name} {community}", if grant { "grant" } else { "revoke" }))?;
        }
    }
    Ok(0)
}
