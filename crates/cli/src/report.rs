//! `tonghao report`: group health, lifecycle and roles, as text, JSON or a
//! self-contained HTML page.

use crate::{Cli, Lang, table};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;
use tonghao_insight::links::infer_missing;
use tonghao_insight::report::{GroupReport, group_report, settle_as_of};
use tonghao_insight::roles::Role;
use tonghao_store::Store;

/// Arguments of `tonghao report`.
#[derive(clap::Args)]
pub struct Args {
    /// Only this group (id or name; see `tonghao groups`).
    #[arg(long, short)]
    group: Option<String>,
    /// Compute as if today were this date (YYYY-MM-DD, midnight UTC, or an
    /// RFC 3339 time), using only what happened before it. Default: just after
    /// the latest message.
    #[arg(long)]
    as_of: Option<String>,
    /// Start of the metrics window (YYYY-MM-DD or RFC 3339). Default: 28 days before --as-of.
    #[arg(long)]
    since: Option<String>,
    /// Window length in days when --since is not given.
    #[arg(long, default_value_t = 28)]
    window: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
    Html,
}

/// The whole report, as `--format json` prints it.
#[derive(Serialize)]
pub struct Report {
    pub community: String,
    /// The moment described, RFC 3339 UTC.
    pub as_of: String,
    /// Reply links inferred where the export had none.
    pub inferred_links: usize,
    pub groups: Vec<GroupReport>,
}

/// A date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time, as UTC ms.
pub fn parse_time(s: &str) -> Result<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| format!("{s:?} is not a date like 2024-03-01"))?;
    Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_millis())
}

/// Builds the report for `args` from the store.
pub fn build(store: &dyn Store, community: &str, args: &Args) -> Result<Report> {
    let as_of = args.as_of.as_deref().map(parse_time).transpose()?;
    // Texts only for the window plus a week of context for reply inference
    // (with --since the window's length is only known after loading: all).
    let text_window = match args.since {
        Some(_) => i64::MAX,
        None => (args.window.max(1) as i64 + 7) * 86_400_000,
    };
    let mut snap = store.snapshot(community, as_of, Some(text_window))?;
    settle_as_of(&mut snap);
    let days = match &args.since {
        Some(s) => {
            let since = parse_time(s)?;
            if since >= snap.as_of_ms {
                bail!("--since {s} is not before the report time");
            }
            ((snap.as_of_ms - since) as f64 / 86_400_000.0).ceil() as u32
        }
        None => args.window.max(1),
    };
    let window_start = snap.as_of_ms - days as i64 * 86_400_000;
    let inferred_links = infer_missing(&mut snap, window_start);
    let selected: Vec<usize> = match &args.group {
        None => (0..snap.groups.len()).collect(),
        Some(g) => {
            let hits: Vec<usize> = (0..snap.groups.len())
                .filter(|&i| snap.groups[i].external_id == *g || snap.groups[i].name.as_deref() == Some(g))
                .collect();
            if hits.is_empty() {
                bail!("no group {g:?} in community {community:?}; `tonghao groups` lists them");
            }
            hits
        }
    };
    let groups = selected.into_iter().map(|g| group_report(&snap, g, days)).collect();
    Ok(Report { community: community.to_string(), as_of: utc(snap.as_of_ms), inferred_links, groups })
}

fn utc(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.to_rfc3339()).unwrap_or_default()
}

pub fn local_date(ms: i64, tz_s: i32) -> String {
    let tz = FixedOffset::east_opt(tz_s).unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub fn run(store: &dyn Store, cli: &Cli, lang: Lang, args: &Args) -> Result<i32> {
    let report = build(store, &cli.community, args)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print!("{}", text(&report, lang)),
        Format::Html => print!("{}", crate::html::render(&report, lang)),
    }
    Ok(0)
}

/// Eight-level bars for a series.
pub fn sparkline(values: &[u32]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| if max == 0 || v == 0 { ' ' } else { BARS[((v as u64 * 7).div_ceil(max as u64)) as usize] })
        .collect()
}

/// "4 周后沉寂概率 38%（最强因素：…）" for a group with a forecast.
pub fn forecast_line(g: &GroupReport, lang: Lang) -> Option<String> {
    let f = g.forecast.as_ref()?;
    let factors: Vec<String> = f
        .factors
        .iter()
        .map(|x| {
            let dir = if x.contribution >= 0.0 { lang.t("↑", "↑") } else { lang.t("↓", "↓") };
            format!("{}{dir}", lang.t(&x.zh, &x.en))
        })
        .collect();
    Some(match lang {
        Lang::Zh => {
            format!("{} 周后沉寂概率 {}（最强因素：{}）", f.horizon_weeks, pct(f.probability), factors.join("；"))
        }
        Lang::En => format!(
            "chance of silence in {} weeks: {} (strongest factors: {})",
            f.horizon_weeks,
            pct(f.probability),
            factors.join("; ")
        ),
    })
}

pub fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// A share, or "-" where nothing measures it.
pub fn pct_or_dash(x: Option<f64>) -> String {
    x.map(pct).unwrap_or_else(|| "-".into())
}

/// The unanswered share, or "-" for a group without threads.
pub fn unanswered(g: &GroupReport) -> String {
    pct_or_dash((g.responsiveness.threads > 0).then_some(g.responsiveness.unanswered_share))
}

/// The roles worth listing (core, connectors, drifting, newcomers), each
/// with up to `limit` people as "name (messages)" — drifting people as "name
/// (before→now, last date)" — and how many have the role in all.
pub fn role_lists(g: &GroupReport, lang: Lang, limit: usize) -> Vec<(Role, Vec<String>, usize)> {
    [Role::Core, Role::Connector, Role::Drifting, Role::Newcomer]
        .into_iter()
        .filter_map(|role| {
            let with_role = || g.members.iter().filter(move |m| m.roles.contains(&role));
            let people: Vec<String> = with_role()
                .take(limit)
                .map(|m| match role {
                    Role::Drifting => format!(
                        "{} ({}→{}, {} {})",
                        m.name,
                        m.messages_before,
                        m.messages_window,
                        lang.t("最后发言", "last"),
                        m.last_message_ms.map(|t| local_date(t, g.tz_offset_s)).unwrap_or_default()
                    ),
                    _ => format!("{} ({})", m.name, m.messages_window),
                })
                .collect();
            (!people.is_empty()).then(|| (role, people, with_role().count()))
        })
        .collect()
}

pub fn role_name(r: Role, lang: Lang) -> &'static str {
    match r {
        Role::Core => lang.t("核心", "core"),
        Role::Connector => lang.t("连接者", "connector"),
        Role::Newcomer => lang.t("新人", "newcomer"),
        Role::Lurker => lang.t("潜水", "lurker"),
        Role::Drifting => lang.t("流失中", "drifting"),
    }
}

fn text(report: &Report, lang: Lang) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}  {} {}",
        lang.t("社群", "community"),
        report.community,
        lang.t("截至", "as of"),
        report.as_of.get(..16).unwrap_or(&report.as_of).replace('T', " ")
    );
    let rows: Vec<Vec<String>> = report
        .groups
        .iter()
        .map(|g| {
            vec![
                g.name.clone(),
                lang.t(g.stage.zh(), g.stage.en()).to_string(),
                format!("{:.1}", g.activity.messages_per_day),
                format!("{}/{}", g.activity.active_window, g.activity.members),
                unanswered(g),
                sparkline(&g.weekly.iter().rev().take(12).rev().map(|w| w.messages).collect::<Vec<_>>()),
                g.weakest.first().map(|s| lang.t(&s.zh, &s.en).to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = match lang {
        Lang::Zh => ["群", "阶段", "消息/天", "活跃/成员", "无人回应", "近12周", "最弱信号"],
        Lang::En => ["group", "stage", "msgs/day", "active/members", "unanswered", "12 weeks", "weakest signal"],
    };
    out.push('\n');
    out.push_str(&table::render(&header, &rows, &[2, 3, 4]));
    for g in &report.groups {
        out.push('\n');
        group_text(&mut out, g, lang);
    }
    out
}

fn group_text(out: &mut String, g: &GroupReport, lang: Lang) {
    use std::fmt::Write;
    let a = &g.activity;
    let c = &g.concentration;
    let r = &g.responsiveness;
    let gm = &g.graph;
    let _ = writeln!(out, "== {} ({} {}) — {}", g.name, g.platform, g.external_id, lang.t(g.stage.zh(), g.stage.en()));
    let _ = writeln!(
        out,
        "  {}: {} {} ({:.1}/{}), {} {}/{} ({}), {} {}, Gini {:.2}, {} {}",
        lang.t(&format!("近{}天", g.window.days), &format!("last {} days", g.window.days)),
        a.messages,
        lang.t("条消息", "messages"),
        a.messages_per_day,
        lang.t("天", "day"),
        lang.t("活跃", "active"),
        a.active_window,
        a.members,
        pct(a.active_ratio),
        lang.t("前20%发言占比", "top-20% share"),
        pct(c.top20_share),
        c.gini,
        lang.t("潜水", "lurkers"),
        pct(c.lurker_share),
    );
    let median = r.median_first_response_s.map(|s| format!("{:.1} min", s / 60.0)).unwrap_or_else(|| "-".into());
    let _ = writeln!(
        out,
        "  {}: {} {}, {} {}, {} {}",
        lang.t("回应", "responsiveness"),
        r.threads,
        lang.t("个话题", "threads"),
        pct(r.unanswered_share),
        lang.t("无人回应", "unanswered"),
        lang.t("首次回应中位数", "median first response"),
        median
    );
    let hub = pct_or_dash(gm.hub.map(|_| gm.hub_dependence));
    let _ = writeln!(
        out,
        "  {}: {} {}, {} {:.3}, {} {:.2}, {} {}, {} {}, {} {}",
        lang.t("链接", "links"),
        gm.links,
        lang.t("对", "pairs"),
        lang.t("密度", "density"),
        gm.density,
        lang.t("聚集", "clustering"),
        gm.clustering,
        lang.t("结构", "structure"),
        match gm.structure.as_str() {
            "pyramid" => lang.t("金字塔", "pyramid"),
            "ring" => lang.t("环形", "ring"),
            _ => lang.t("松散", "scattered"),
        },
        lang.t("核心依赖", "hub dependence"),
        hub,
        lang.t("关键人数", "bus factor"),
        gm.bus_factor
    );
    let n = &g.newcomers;
    if n.newcomers > 0 {
        let _ = writeln!(
            out,
            "  {}: {} {}, {} {}, {} {}",
            lang.t("新人", "newcomers"),
            n.newcomers,
            lang.t("人首次入群", "joined for the first time"),
            lang.t("14天内开口", "spoke within 14 days"),
            pct_or_dash(n.spoke_within_14d),
            lang.t("30天后仍活跃", "active after 30 days"),
            pct_or_dash(n.active_after_30d)
        );
    }
    if let Some(line) = forecast_line(g, lang) {
        let _ = writeln!(
            out,
            "  {line}  [{}]",
            lang.t(
                "↑ 推高 ↓ 降低风险；回测见 docs/insight.md",
                "↑ raises ↓ lowers the risk; backtest in docs/insight.md"
            )
        );
    }
    let weekly: Vec<u32> = g.weekly.iter().rev().take(26).rev().map(|w| w.messages).collect();
    let _ = writeln!(out, "  {}: {}", lang.t("每周消息", "weekly messages"), sparkline(&weekly));
    if !g.weakest.is_empty() {
        let _ = writeln!(out, "  {}:", lang.t("最弱的三个信号", "weakest signals"));
        for s in &g.weakest {
            let _ = writeln!(out, "   - {}  [{}]", lang.t(&s.zh, &s.en), s.metric);
        }
    }
    for (role, people, total) in role_lists(g, lang, 8) {
        let more = if total > people.len() { format!(" … +{}", total - people.len()) } else { String::new() };
        let _ = writeln!(out, "  {}: {}{more}", role_name(role, lang), people.join(", "));
    }
}
