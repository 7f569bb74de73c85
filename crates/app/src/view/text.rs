//! The report as plain text for a terminal: a table of every group, then
//! each group's figures, signals and roles.

use super::{forecast_line, pct, pct_or_dash, role_lists, role_name, sparkline, table, unanswered};
use crate::i18n::Lang;
use crate::ingest::FileReport;
use crate::report::Report;
use tonghao_insight::report::GroupReport;
use tonghao_model::msg::Msg;

/// Renders the whole report.
pub fn report(report: &Report, lang: Lang) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}  {} {}",
        lang.t("label.community"),
        report.community,
        lang.t("label.as_of"),
        report.as_of.get(..16).unwrap_or(&report.as_of).replace('T', " ")
    );
    let rows: Vec<Vec<String>> = report
        .groups
        .iter()
        .map(|g| {
            vec![
                g.name.clone(),
                super::stage_name(g.stage, lang).to_string(),
                format!("{:.1}", g.activity.messages_per_day),
                format!("{}/{}", g.activity.active_window, g.activity.members),
                unanswered(g),
                sparkline(&g.weekly.iter().rev().take(12).rev().map(|w| w.messages).collect::<Vec<_>>()),
                g.weakest.first().map(|s| lang.msg(&s.msg)).unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        lang.t("label.group"),
        lang.t("label.stage"),
        lang.t("label.msgs_day"),
        lang.t("label.active_members"),
        lang.t("label.unanswered"),
        lang.t("label.12_weeks"),
        lang.t("label.weakest_signal"),
    ];
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
    let stage = Msg::new("report.stage_because")
        .text("stage", super::stage_name(g.stage, lang))
        .text("why", lang.msg(&g.stage_evidence.msg));
    let _ = writeln!(out, "== {} ({} {}) — {}", g.name, g.platform, g.external_id, lang.msg(&stage));
    let _ = writeln!(
        out,
        "  {}: {} {} ({:.1}/{}), {} {}/{} ({}), {} {}, Gini {:.2}, {} {}",
        lang.msg(&Msg::new("text.last_days").int("days", g.window.days)),
        a.messages,
        lang.t("label.messages_unit"),
        a.messages_per_day,
        lang.t("label.day"),
        lang.t("label.active"),
        a.active_window,
        a.members,
        pct(a.active_ratio),
        lang.t("label.top_20_share"),
        pct(c.top20_share),
        c.gini,
        lang.t("label.lurkers"),
        pct(c.lurker_share),
    );
    let median = r.median_first_response_s.map(|s| format!("{:.1} min", s / 60.0)).unwrap_or_else(|| "-".into());
    let _ = writeln!(
        out,
        "  {}: {} {}, {} {}, {} {}",
        lang.t("label.responsiveness"),
        r.threads,
        lang.t("label.threads"),
        pct(r.unanswered_share),
        lang.t("label.unanswered"),
        lang.t("label.median_first_response"),
        median
    );
    let hub = pct_or_dash(gm.hub.map(|_| gm.hub_dependence));
    let _ = writeln!(
        out,
        "  {}: {} {}, {} {:.3}, {} {:.2}, {} {}, {} {}, {} {}",
        lang.t("label.links"),
        gm.links,
        lang.t("label.pairs"),
        lang.t("label.density"),
        gm.density,
        lang.t("label.clustering"),
        gm.clustering,
        lang.t("label.structure"),
        match gm.structure.as_str() {
            "pyramid" => lang.t("label.pyramid"),
            "ring" => lang.t("label.ring"),
            _ => lang.t("label.scattered"),
        },
        lang.t("label.hub_dependence"),
        hub,
        lang.t("label.bus_factor"),
        gm.bus_factor
    );
    let n = &g.newcomers;
    if n.newcomers > 0 {
        let _ = writeln!(
            out,
            "  {}: {} {}, {} {}, {} {}",
            lang.t("label.newcomers"),
            n.newcomers,
            lang.t("label.joined_for_the_first_time"),
            lang.t("label.spoke_within_14_days"),
            pct_or_dash(n.spoke_within_14d),
            lang.t("label.active_after_30_days"),
            pct_or_dash(n.active_after_30d)
        );
    }
    if let Some(line) = forecast_line(g, lang) {
        let _ = writeln!(out, "  {line}  [{}]", lang.t("label.raises_lowers_the_risk_backtest_in_docs_insight"));
    }
    let weekly: Vec<u32> = g.weekly.iter().rev().take(26).rev().map(|w| w.messages).collect();
    let _ = writeln!(out, "  {}: {}", lang.t("label.weekly_messages"), sparkline(&weekly));
    if !g.weakest.is_empty() {
        let _ = writeln!(out, "  {}:", lang.t("label.weakest_signals"));
        for s in &g.weakest {
            let _ = writeln!(out, "   - {}  [{}]", lang.msg(&s.msg), s.metric);
        }
    }
    for (role, people, total) in role_lists(g, lang, 8) {
        let more = if total > people.len() { format!(" … +{}", total - people.len()) } else { String::new() };
        let _ = writeln!(out, "  {}: {}{more}", role_name(role, lang), people.join(", "));
    }
}

/// The table of an import's files, then what was skipped.
pub fn import_summary(reports: &[FileReport], lang: Lang) -> String {
    use std::fmt::Write;
    let rows: Vec<Vec<String>> = reports
        .iter()
        .filter(|r| r.skipped.is_none())
        .map(|r| {
            let s = &r.stats;
            let status = match &r.error {
                Some(_) => lang.t("label.failed").to_string(),
                None => s.format.clone().unwrap_or_default(),
            };
            vec![
                r.file.clone(),
                status,
                s.messages.to_string(),
                s.members.to_string(),
                s.joins.to_string(),
                s.leaves.to_string(),
                s.duplicates.to_string(),
            ]
        })
        .collect();
    let header = [
        lang.t("label.file"),
        lang.t("label.format"),
        lang.t("label.new_messages"),
        lang.t("label.new_members"),
        lang.t("label.joins"),
        lang.t("label.leaves"),
        lang.t("label.duplicates"),
    ];
    let mut out = table::render(&header, &rows, &[2, 3, 4, 5, 6]);
    let suppressed: u64 = reports.iter().map(|r| r.stats.suppressed).sum();
    if suppressed > 0 {
        let _ = writeln!(out, "{}", lang.msg(&Msg::new("import.suppressed").int("n", suppressed)));
    }
    let skipped = reports.iter().filter(|r| r.skipped.is_some()).count();
    if skipped > 0 {
        let _ = writeln!(out, "{}", lang.msg(&Msg::new("import.skipped_files").int("n", skipped)));
    }
    out
}
