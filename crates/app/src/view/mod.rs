//! Views: the report model as a person reads it. Plain text for the
//! terminal ([`text`]), one self-contained HTML page ([`html`]), tables that
//! line up with Chinese ([`table`]), and the small formatting helpers they
//! share, so every face words a figure the same way.

pub mod html;
pub mod table;
pub mod text;

use crate::i18n::Lang;
use crate::report::local_date;
use tonghao_insight::report::GroupReport;
use tonghao_insight::roles::Role;
use tonghao_model::Stage;
use tonghao_model::msg::Msg;

/// Eight-level bars for a series.
pub fn sparkline(values: &[u32]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| if max == 0 || v == 0 { ' ' } else { BARS[((v as u64 * 7).div_ceil(max as u64)) as usize] })
        .collect()
}

/// A sparkline followed by its largest value, so that two groups' lines
/// can be compared: each is scaled to its own maximum.
pub fn sparkline_with_max(values: &[u32]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    format!("{} {max}", sparkline(values))
}

/// Each group's name as the summary tables show it: with its platform where
/// two groups share a name (the same club on WeChat and on QQ), and with
/// its id on the platform too where they share that as well (two Slack
/// workspaces' #general), as the group's own section names it.
pub fn group_labels(groups: &[tonghao_insight::report::GroupReport]) -> Vec<String> {
    groups
        .iter()
        .map(|g| {
            let same_name = groups.iter().filter(|o| o.name == g.name);
            match (same_name.clone().count(), same_name.filter(|o| o.platform == g.platform).count()) {
                (1, _) => g.name.clone(),
                (_, 1) => format!("{} ({})", g.name, g.platform),
                _ => format!("{} ({} {})", g.name, g.platform, g.external_id),
            }
        })
        .collect()
}

/// [`group_labels`] by each group's index in the snapshot, for the lines
/// that name a group by its index (a move's `group`).
pub fn labels_by_group(groups: &[tonghao_insight::report::GroupReport]) -> std::collections::HashMap<u32, String> {
    groups.iter().map(|g| g.group).zip(group_labels(groups)).collect()
}

/// A duration as the language writes it, in the unit a reader would pick:
/// minutes (with `decimals`) under two hours, then hours, from two days on
/// days, one decimal each ("2.4 min", "10.1 h", "3.5 days"; "2.4 分钟",
/// "10.1 小时", "3.5 天"); "-" when nothing measured it.
pub fn duration(seconds: Option<f64>, decimals: u8, lang: Lang) -> String {
    let Some(s) = seconds else { return "-".into() };
    let (key, n, decimals) = match s / 60.0 {
        m if m < 120.0 => ("unit.minutes", m, decimals),
        m if m < 48.0 * 60.0 => ("unit.hours", m / 60.0, 1),
        m => ("unit.days", m / 1440.0, 1),
    };
    lang.msg(&Msg::new(key).num("n", n, decimals))
}

/// The name of the report field a signal is computed from, in the reader's language.
pub fn metric_name(metric: &str, lang: Lang) -> &'static str {
    lang.t(match metric {
        "stages" => "metric.stages",
        "last_message_ms" => "metric.last_message",
        "responsiveness.unanswered_share" => "metric.unanswered_share",
        "activity.active_ratio" => "metric.active_ratio",
        "concentration.top20_share" => "metric.top20_share",
        "graph.hub_dependence" => "metric.hub_dependence",
        "newcomers.spoke_within_14d" => "metric.spoke_within_14d",
        "output.substantive" => "metric.substantive",
        "output.ads" => "metric.ads",
        _ => "metric.weekly",
    })
}

/// "4 周后沉寂概率 38%（粗略提示，只依据：…）" for a group with a forecast.
pub fn forecast_line(g: &GroupReport, lang: Lang) -> Option<String> {
    let f = g.forecast.as_ref()?;
    let factors: Vec<String> = f
        .factors
        .iter()
        .map(|x| {
            let dir = if x.contribution >= 0.0 { "↑" } else { "↓" };
            format!("{}{dir}", lang.msg(&x.msg))
        })
        .collect();
    let sep = lang.t("label.list_separator");
    let msg = Msg::new("report.forecast")
        .int("weeks", f.horizon_weeks)
        .share("chance", f.probability)
        .text("factors", factors.join(sep));
    Some(lang.msg(&msg))
}

/// A share as a whole percentage.
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
    // Each person is listed once, under the first of these roles they hold
    // (the JSON keeps every role): a core member who is also a connector
    // and new is named as core.
    const ORDER: [Role; 4] = [Role::Core, Role::Connector, Role::Drifting, Role::Newcomer];
    let first_role = |m: &tonghao_insight::roles::MemberRoles| ORDER.into_iter().find(|r| m.roles.contains(r));
    ORDER
        .into_iter()
        .filter_map(|role| {
            let with_role = || g.members.iter().filter(move |m| first_role(m) == Some(role));
            let people: Vec<String> = with_role()
                .take(limit)
                .map(|m| match role {
                    Role::Drifting => format!(
                        "{} ({}→{}, {} {})",
                        m.name,
                        m.messages_before,
                        m.messages_window,
                        lang.t("label.last"),
                        m.last_message_ms.map(|t| local_date(t, g.tz_offset_s)).unwrap_or_default()
                    ),
                    _ => format!("{} ({})", m.name, m.messages_window),
                })
                .collect();
            (!people.is_empty()).then(|| (role, people, with_role().count()))
        })
        .collect()
}

/// A role's name.
pub fn role_name(r: Role, lang: Lang) -> &'static str {
    match r {
        Role::Core => lang.t("label.core"),
        Role::Connector => lang.t("label.connector"),
        Role::Newcomer => lang.t("label.newcomer"),
        Role::Lurker => lang.t("label.lurker"),
        Role::Drifting => lang.t("label.drifting"),
    }
}

/// "2024-03-01T20:55:01+08:00" → "2024-03-01 20:55" for tables.
pub fn short_time(t: Option<&str>) -> String {
    t.map(|t| t.get(..16).unwrap_or(t).replace('T', " ")).unwrap_or_default()
}

/// The five-conditions scorecard in one line ("同好 72 · 结构 40 · …"),
/// and what would raise the weakest measured condition.
pub fn scorecard(g: &GroupReport, lang: Lang) -> (String, Option<String>) {
    let name = |key: &str| {
        lang.t(match key {
            "shared_interest" => "condition.shared_interest",
            "structure" => "condition.structure",
            "output" => "condition.output",
            "operation" => "condition.operation",
            _ => "condition.replication",
        })
    };
    let line = g
        .conditions
        .iter()
        .map(|c| format!("{} {}", name(c.key), c.score.map_or("-".to_string(), |s| format!("{s:.0}"))))
        .collect::<Vec<_>>()
        .join(" · ");
    let weakest = g
        .conditions
        .iter()
        .filter_map(|c| c.score.map(|s| (c.key, s)))
        .filter(|&(_, s)| s < 70.0)
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let advice = weakest.map(|(key, score)| {
        let advice = lang.t(match key {
            "shared_interest" => "condition.raise_shared_interest",
            "structure" => "condition.raise_structure",
            "output" => "condition.raise_output",
            "replication" => "condition.raise_replication",
            _ => "condition.raise_operation",
        });
        lang.msg(&Msg::new("condition.raise").text("name", name(key)).num("score", score, 0).text("advice", advice))
    });
    (line, advice)
}

/// A lifecycle stage's name.
pub fn stage_name(stage: Stage, lang: Lang) -> &'static str {
    match stage {
        Stage::Emerging => lang.t("label.stage_emerging"),
        Stage::Growing => lang.t("label.stage_growing"),
        Stage::Active => lang.t("label.stage_active"),
        Stage::Declining => lang.t("label.stage_declining"),
        Stage::Silent => lang.t("label.stage_silent"),
    }
}

/// One entry of the to-do list as the text and HTML faces show it: the
/// indices (into the moves shown) of a single move, or of three or more
/// welcomes of one group by one person, listed under one heading with one
/// draft (a busy group's list was a screenful of the same sentence and the
/// same message with another name). The JSON and table exports keep one
/// move per newcomer.
pub fn move_entries(moves: &[&tonghao_ops::moves::Move]) -> Vec<Vec<usize>> {
    use tonghao_ops::moves::Kind;
    let mut listed = vec![false; moves.len()];
    let mut entries = Vec::new();
    for (i, m) in moves.iter().enumerate() {
        if listed[i] {
            continue;
        }
        let batch: Vec<usize> = (i..moves.len())
            .filter(|&j| m.kind == Kind::Welcome && moves[j].kind == Kind::Welcome)
            .filter(|&j| !listed[j] && moves[j].group == m.group && moves[j].by == m.by)
            .collect();
        let entry = if batch.len() >= WELCOME_BATCH { batch } else { vec![i] };
        for &j in &entry {
            listed[j] = true;
        }
        entries.push(entry);
    }
    entries
}

/// A move's sentence in the reader's language.
pub fn move_text(m: &tonghao_ops::moves::Move, lang: Lang) -> &str {
    if lang == Lang::Zh { &m.zh } else { &m.en }
}

/// Welcomes of one group by one person from which [`move_entries`] lists
/// them under one heading.
pub const WELCOME_BATCH: usize = 3;

/// A move's id as a list shows it, and the member's store id where another
/// move of the list is about a different member of the same name (WeChat
/// nicknames collide: the demo alone has three 俊杰; the real Clojurians
/// `beginners` two "ari"), so the operator knows whom to write to (the id
/// `tonghao members --json` shows and `tonghao member` takes).
pub fn move_label(m: &tonghao_ops::moves::Move, shown: &[&tonghao_ops::moves::Move], lang: Lang) -> String {
    let twin = m.about.is_some() && shown.iter().any(|o| o.about == m.about && o.subject != m.subject);
    match m.subject.filter(|_| twin) {
        Some(id) => format!("{}, {}", m.id, lang.msg(&Msg::new("move.member_id").text("id", id.to_string()))),
        None => m.id.clone(),
    }
}
