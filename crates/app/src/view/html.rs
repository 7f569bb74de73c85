//! The report as one self-contained HTML file: inline CSS and SVG, no
//! scripts, no fonts or links to fetch, so it opens offline and can be sent.

use super::{forecast_line, pct, pct_or_dash, role_lists, role_name, unanswered};
use crate::i18n::Lang;
use crate::report::{Report, local_date};
use tonghao_insight::report::GroupReport;
use tonghao_model::msg::Msg;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const CSS: &str = r#"
body{font-family:"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.5rem;border-bottom:2px solid #eee;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eee}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.stage{display:inline-block;border-radius:1rem;padding:.05rem .6rem;font-size:.85rem;color:#fff}
.emerging{background:#5b8def}.growing{background:#2e9d5b}.active{background:#178a8a}.declining{background:#d98a1c}.silent{background:#888}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.6rem;margin:1rem 0}
.kpi{background:#f7f7f9;border-radius:.5rem;padding:.6rem}.kpi b{display:block;font-size:1.3rem}.kpi span{font-size:.8rem;color:#666}
.signal{background:#fff4e5;border-left:4px solid #d98a1c;padding:.4rem .7rem;margin:.3rem 0}
.metric{color:#888;font-size:.75rem;font-family:monospace}
.muted{color:#777;font-size:.85rem}
"#;

/// Renders the whole report.
pub fn render(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    out.push_str("<!doctype html>\n<html lang=\"");
    out.push_str(lang.tag());
    out.push_str(
        "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
    );
    out.push_str(&format!(
        "<title>{} · {}</title><style>{CSS}</style></head><body>",
        lang.t("label.community_health_report"),
        esc(&report.community)
    ));
    out.push_str(&format!(
        "<h1>{} · {}</h1><p class=\"muted\">{} {} · {} {}</p>",
        lang.t("label.community_health_report"),
        esc(&report.community),
        lang.t("label.as_of"),
        esc(&crate::report::local_time(report.as_of_ms, report.groups.iter().map(|g| g.tz_offset_s))),
        lang.t("label.inferred_reply_links"),
        report.inferred_links
    ));
    out.push_str("<table><tr>");
    for h in [
        lang.t("label.group"),
        lang.t("label.stage"),
        lang.t("label.msgs_day"),
        lang.t("label.active_members"),
        lang.t("label.unanswered"),
        lang.t("label.weakest_signal"),
    ] {
        out.push_str(&format!("<th>{h}</th>"));
    }
    out.push_str("</tr>");
    let labels = super::group_labels(&report.groups);
    for (i, g) in report.groups.iter().enumerate() {
        out.push_str(&format!(
            "<tr><td><a href=\"#g{i}\">{}</a></td><td>{}</td><td class=\"n\">{:.1}</td><td class=\"n\">{}/{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&labels[i]),
            stage_badge(g, lang),
            g.activity.messages_per_day,
            g.activity.active_members,
            g.activity.members,
            unanswered(g),
            g.weakest.first().map(|s| esc(&lang.msg(&s.msg))).unwrap_or_default()
        ));
    }
    out.push_str("</table>");
    if !report.moves.is_empty() {
        out.push_str(&format!(
            "<h2>{}</h2><ol>",
            esc(&lang.msg(&Msg::new("move.heading").int("n", report.moves.len())))
        ));
        let labels = super::labels_by_group(&report.groups);
        let shown: Vec<&tonghao_ops::moves::Move> = report.moves.iter().take(20).collect();
        for entry in super::move_entries(&shown) {
            let m = shown[entry[0]];
            let by =
                m.by.as_ref()
                    .map(|n| format!(" — {}", lang.msg(&Msg::new("move.by").text("name", n))))
                    .unwrap_or_default();
            let group = esc(labels.get(&m.group).unwrap_or(&m.group_name));
            let draft = m.draft_for(lang.code());
            if entry.len() == 1 {
                out.push_str(&format!(
                    "<li><b>{group}</b> {}{} <span class=\"metric\">{}</span>",
                    esc(super::move_text(m, lang)),
                    esc(&by),
                    esc(&super::move_label(m, &shown, lang))
                ));
                if !draft.is_empty() {
                    out.push_str(&format!(
                        "<div class=\"muted\">{}</div>",
                        esc(&lang.msg(&Msg::new("move.draft").text("text", draft)))
                    ));
                }
            } else {
                let heading = lang.msg(&Msg::new("move.welcome_batch").int("n", entry.len()));
                out.push_str(&format!("<li><b>{group}</b> {}{}<ul>", esc(&heading), esc(&by)));
                for &j in &entry {
                    out.push_str(&format!(
                        "<li>{} <span class=\"metric\">{}</span></li>",
                        esc(super::move_text(shown[j], lang)),
                        esc(&super::move_label(shown[j], &shown, lang))
                    ));
                }
                out.push_str("</ul>");
                if !draft.is_empty() {
                    let name = m.about.as_deref().unwrap_or_default();
                    let line = Msg::new("move.draft_each").text("name", name).text("text", draft);
                    out.push_str(&format!("<div class=\"muted\">{}</div>", esc(&lang.msg(&line))));
                }
            }
            out.push_str("</li>");
        }
        out.push_str("</ol>");
    }
    // Two lists the text report prints as a heading and its lines.
    for listed in [super::text::outcomes(&report.outcomes, lang), super::text::bots(&report.bots, lang)] {
        if let Some((heading, lines)) = listed.trim_start_matches('\n').split_once('\n') {
            out.push_str(&format!("<p>{}</p><ul>", esc(heading)));
            for line in lines.lines() {
                out.push_str(&format!("<li>{}</li>", esc(line.trim())));
            }
            out.push_str("</ul>");
        }
    }
    for (i, g) in report.groups.iter().enumerate() {
        group_section(&mut out, i, g, lang);
    }
    out.push_str(&format!(
        "<p class=\"muted\">{}</p></body></html>\n",
        lang.t("label.made_by_tonghao_every_figure_comes_from_the")
    ));
    out
}

fn stage_badge(g: &GroupReport, lang: Lang) -> String {
    format!("<span class=\"stage {}\">{}</span>", g.stage.as_str(), super::stage_name(g.stage, lang))
}

fn kpi(out: &mut String, value: String, label: &str) {
    out.push_str(&format!("<div class=\"kpi\"><b>{}</b><span>{}</span></div>", esc(&value), esc(label)));
}

fn group_section(out: &mut String, i: usize, g: &GroupReport, lang: Lang) {
    out.push_str(&format!(
        "<h2 id=\"g{i}\">{} {}</h2><p class=\"muted\">{} · {} · {}</p><div class=\"grid\">",
        esc(&g.name),
        stage_badge(g, lang),
        esc(&g.platform),
        esc(&g.external_id),
        esc(&lang.msg(&g.stage_evidence.msg))
    ));
    let a = &g.activity;
    kpi(out, format!("{:.1}", a.messages_per_day), lang.t("label.messages_per_day"));
    kpi(
        out,
        format!("{}/{}", a.active_members, a.members),
        &format!("{} ({} {})", lang.t("label.active_members"), g.window.days, lang.t("label.days")),
    );
    kpi(out, pct(g.concentration.top20_share), lang.t("label.top_20_share_of_messages"));
    kpi(out, unanswered(g), lang.t("label.threads_unanswered"));
    kpi(out, super::duration(g.responsiveness.median_first_response_s, 0, lang), lang.t("label.median_first_response"));
    kpi(out, format!("{:.2}", g.graph.density), lang.t("label.link_density"));
    kpi(out, g.graph.bus_factor.to_string(), lang.t("label.bus_factor_explained"));
    kpi(out, pct_or_dash(g.newcomers.spoke_within_14d), lang.t("label.newcomers_speaking_in_14_days"));
    out.push_str("</div>");
    let (card, advice) = super::scorecard(g, lang);
    out.push_str(&format!("<p><b>{}</b> {}</p>", esc(lang.t("condition.heading")), esc(&card)));
    if let Some(advice) = advice {
        out.push_str(&format!("<p class=\"signal\">{}</p>", esc(&advice)));
    }
    if let Some(line) = forecast_line(g, lang) {
        out.push_str(&format!(
            "<p class=\"signal\">{} <span class=\"metric\">{}</span></p>",
            esc(&line),
            esc(lang.t("label.raises_lowers_the_risk_backtested_on_few_real"))
        ));
    }
    if !g.weakest.is_empty() {
        out.push_str(&format!("<h3>{}</h3>", lang.t("label.weakest_signals_heading")));
        for s in &g.weakest {
            out.push_str(&format!(
                "<div class=\"signal\">{} <span class=\"metric\">{}</span></div>",
                esc(&lang.msg(&s.msg)),
                esc(super::metric_name(s.metric, lang))
            ));
        }
    }
    out.push_str(&format!("<h3>{}</h3>", lang.t("label.messages_per_week")));
    out.push_str(&bars(&g.weekly, g.tz_offset_s, lang));
    out.push_str(&format!("<h3>{}</h3>", lang.t("label.when_the_group_talks_local_time_mon_sun_hour")));
    out.push_str(&heatmap(&g.heatmap, lang));
    let lists = role_lists(g, lang, 20);
    if !lists.is_empty() {
        out.push_str(&format!("<h3>{}</h3><table>", lang.t("label.member_roles")));
        for (role, people, total) in lists {
            let more = if total > people.len() { format!(" … +{}", total - people.len()) } else { String::new() };
            let people: Vec<String> = people.iter().map(|p| esc(p)).collect();
            out.push_str(&format!("<tr><th>{}</th><td>{}{more}</td></tr>", role_name(role, lang), people.join("，")));
        }
        out.push_str("</table>");
    }
}

/// Weekly messages as an inline SVG bar chart: the value of the highest
/// bar on the axis, and the start dates of the first, middle and last weeks
/// under it (in the group's own offset).
fn bars(weeks: &[tonghao_insight::metrics::WeekPoint], tz_s: i32, lang: Lang) -> String {
    let max = weeks.iter().map(|w| w.messages).max().unwrap_or(0).max(1) as f64;
    let (w, h) = (1000.0, 120.0);
    let bw = w / weeks.len().max(1) as f64;
    let mut svg = format!("<svg viewBox=\"0 -14 {w} {}\" width=\"100%\" role=\"img\">", h + 44.0);
    for (i, week) in weeks.iter().enumerate() {
        let v = week.messages;
        let bh = v as f64 / max * h;
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#178a8a\"><title>{} {v}</title></rect>",
            i as f64 * bw,
            h - bh,
            (bw - 1.0).max(0.5),
            bh,
            local_date(week.start_ms, tz_s)
        ));
    }
    svg.push_str(&format!(
        "<text x=\"0\" y=\"-3\" font-size=\"11\" fill=\"#777\">{}</text>",
        esc(&lang.msg(&Msg::new("html.bars_max").int("max", max as u32)))
    ));
    let n = weeks.len();
    let marks: &[usize] = if n > 2 { &[0, n / 2, n - 1] } else { &[0] };
    for &i in marks.iter().filter(|&&i| i < n) {
        let anchor = if i == 0 {
            "start"
        } else if i == n - 1 {
            "end"
        } else {
            "middle"
        };
        let x = if i == n - 1 { w } else { i as f64 * bw };
        svg.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{}\" font-size=\"11\" fill=\"#777\" text-anchor=\"{anchor}\">{}</text>",
            h + 16.0,
            local_date(weeks[i].start_ms, tz_s)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A weekday × hour heat map as inline SVG, with its legend: the colour of
/// no messages and of the busiest hour, and how many that is.
fn heatmap(h: &[[u32; 24]; 7], lang: Lang) -> String {
    let max = h.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let days = ["html.mon", "html.tue", "html.wed", "html.thu", "html.fri", "html.sat", "html.sun"];
    let mut svg = String::from("<svg viewBox=\"0 0 530 196\" width=\"100%\" style=\"max-width:640px\" role=\"img\">");
    for (d, row) in h.iter().enumerate() {
        svg.push_str(&format!("<text x=\"0\" y=\"{}\" font-size=\"11\">{}</text>", 16 + d * 20, lang.t(days[d])));
        for (hour, &v) in row.iter().enumerate() {
            let alpha = v as f64 / max;
            svg.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"19\" height=\"18\" fill=\"rgba(23,138,138,{alpha:.2})\" stroke=\"#eee\"><title>{}:00 {v}</title></rect>",
                30 + hour * 20,
                4 + d * 20,
                hour
            ));
        }
    }
    for hour in (0..24).step_by(3) {
        svg.push_str(&format!("<text x=\"{}\" y=\"162\" font-size=\"10\" fill=\"#777\">{hour}</text>", 32 + hour * 20));
    }
    // Legend: five swatches from none to the busiest hour.
    svg.push_str("<text x=\"30\" y=\"188\" font-size=\"10\" fill=\"#777\">0</text>");
    for k in 0..5 {
        svg.push_str(&format!(
            "<rect x=\"{}\" y=\"176\" width=\"19\" height=\"14\" fill=\"rgba(23,138,138,{:.2})\" stroke=\"#eee\"/>",
            44 + k * 20,
            k as f64 / 4.0
        ));
    }
    svg.push_str(&format!(
        "<text x=\"150\" y=\"188\" font-size=\"10\" fill=\"#777\">{}</text>",
        esc(&lang.msg(&Msg::new("html.heatmap_max").int("max", max as u32)))
    ));
    svg.push_str("</svg>");
    svg
}
