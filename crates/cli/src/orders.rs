//! `tonghao orders import FILE.csv` and `tonghao conversion`: arguments and
//! printing; the work is `tonghao_app::orders`.

use crate::Cli;
use anyhow::Result;
use chrono::FixedOffset;
use std::path::PathBuf;
use tonghao_app::Lang;
use tonghao_app::ingest::parse_offset;
use tonghao_app::view::text;
use tonghao_model::Platform;
use tonghao_store::Store;

/// What to do with orders.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Import a CSV of orders (columns member,time,amount,product[,group]).
    /// Importing the same file again stores nothing twice; a bad cell fails
    /// the whole file with its line and column.
    Import {
        /// The CSV file (UTF-8, header line first).
        file: PathBuf,
        /// The platform of members written as a bare id (without `platform:`).
        #[arg(long)]
        platform: Option<Platform>,
        /// UTC offset for times written without one, e.g. +08:00.
        #[arg(long, value_parser = parse_offset)]
        tz: Option<FixedOffset>,
    },
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, cmd: &Command) -> Result<i32> {
    match cmd {
        Command::Import { file, platform, tz } => {
            let stats = tonghao_app::orders::import(store, &cli.community, file, *platform, *tz)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", text::order_import(&file.display().to_string(), &stats, lang));
            }
        }
    }
    Ok(0)
}

pub fn conversion(store: &dyn Store, cli: &Cli, lang: Lang, format: Option<&str>) -> Result<i32> {
    let c = tonghao_app::orders::conversion(store, &cli.community)?;
    if let Some(format) = format {
        return crate::print_table(&tonghao_app::export::conversion(&c), format, lang, "conversion");
    }
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        print!("{}", text::conversion(&c, lang));
    }
    Ok(0)
}

pub fn by_activity(store: &dyn Store, cli: &Cli, lang: Lang, days: i64) -> Result<i32> {
    let c = tonghao_app::orders::by_activity(store, &cli.community, days)?;
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        print!("{}", text::conversion_by_activity(&c, lang));
    }
    Ok(0)
}
