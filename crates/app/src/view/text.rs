//! The report as plain text for a terminal: a table of every group, then
//! each group's figures, signals and roles.

use super::{forecast_line, pct_or_dash, role_lists, role_name, table, unanswered};
use crate::i18n::Lang;
use crate::ingest::FileReport;
use crate::report::Report;
use tonghao_insight::report::GroupReport;
use tonghao_model::msg::Msg;
use tonghao_ops::moves::{KindOutcome, Move};

/// The bots found by their behaviour, each with its figures, after a
/// blank line and a heading; empty when there are none.
pub fn bots(bots: &[crate::report::Bot], lang: Lang) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if !bots.is_empty() {
        let _ = writeln!(out, "\n{}", lang.t("report.bots"));
        for b in bots {
            let bot = Msg::new("report.bot")
                .text("name", b.name.clone())
                .int("messages", b.messages as i64)
                .share("fast", b.fast)
                .share("templated", b.templated);
            let _ = writeln!(out, "  {}", lang.msg(&bot));
        }
    }
    out
}

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
        crate::report::local_time(report.as_of_ms, report.groups.iter().map(|g| g.tz_offset_s))
    );
    let labels = super::group_labels(&report.groups);
    let rows: Vec<Vec<String>> = report
        .groups
        .iter()
        .zip(labels)
        .map(|(g, label)| {
            vec![
                label,
                super::stage_name(g.stage, lang).to_string(),
                format!("{:.1}", g.activity.messages_per_day),
                format!("{}/{}", g.activity.active_members, g.activity.members),
                unanswered(g),
                super::sparkline_with_max(
                    &g.weekly.iter().rev().take(12).rev().map(|w| w.messages).collect::<Vec<_>>(),
                ),
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
    if !report.moves.is_empty() {
        out.push('\n');
        out.push_str(&moves(&report.moves, &report.groups, lang, 10));
    }
    out.push_str(&outcomes(&report.outcomes, lang));
    out.push_str(&bots(&report.bots, lang));
    for g in &report.groups {
        out.push('\n');
        group_text(&mut out, g, lang, report.as_of_ms);
    }
    out
}

fn group_text(out: &mut String, g: &GroupReport, lang: Lang, report_as_of_ms: i64) {
    use std::fmt::Write;
    let a = &g.activity;
    let c = &g.concentration;
    let r = &g.responsiveness;
    let gm = &g.graph;
    let label =
        |name: &str, value: String| lang.msg(&Msg::new("text.labelled").text("label", name).text("value", value));
    let stage = Msg::new("report.stage_because")
        .text("stage", super::stage_name(g.stage, lang))
        .text("why", lang.msg(&g.stage_evidence.msg));
    let _ = writeln!(out, "== {} ({} {}) — {}", g.name, g.platform, g.external_id, lang.msg(&stage));
    if g.as_of_ms != report_as_of_ms {
        // Read as of the end of its own export, not the report's latest moment.
        let at = crate::report::local_time(g.as_of_ms, [g.tz_offset_s]);
        let _ = writeln!(out, "  {}", lang.msg(&Msg::new("text.own_as_of").text("at", at)));
    }
    let activity = Msg::new("text.activity")
        .int("days", g.window.days)
        .int("messages", a.messages)
        .num("per_day", a.messages_per_day, 1)
        .int("active", a.active_members)
        .int("members", a.members)
        .share("ratio", a.active_ratio)
        .share("top20", c.top20_share)
        .num("gini", c.gini, 2)
        .share("lurkers", c.lurker_share);
    let _ = writeln!(out, "  {}", lang.msg(&activity));
    let responsiveness = Msg::new("text.responsiveness")
        .int("threads", r.threads)
        .text("unanswered", unanswered(g))
        .text("median", super::duration(r.median_first_response_s, 1, lang));
    let _ = writeln!(out, "  {}", lang.msg(&responsiveness));
    let structure = match gm.structure.as_str() {
        "pyramid" => lang.t("label.pyramid"),
        "ring" => lang.t("label.ring"),
        _ => lang.t("label.scattered"),
    };
    let links = Msg::new("text.links")
        .int("pairs", gm.links)
        .num("density", gm.density, 3)
        .num("clustering", gm.clustering, 2)
        .text("structure", structure)
        .text("hub", pct_or_dash(gm.hub.map(|_| gm.hub_dependence)))
        .int("bus", gm.bus_factor);
    let _ = writeln!(out, "  {}", lang.msg(&links));
    let n = &g.newcomers;
    if n.newcomers > 0 {
        let newcomers = Msg::new("text.newcomers")
            .int("n", n.newcomers)
            .text("spoke", pct_or_dash(n.spoke_within_14d))
            .text("active", pct_or_dash(n.active_after_30d));
        let _ = writeln!(out, "  {}", lang.msg(&newcomers));
    }
    let (card, advice) = super::scorecard(g, lang);
    let _ = writeln!(out, "  {}", label(lang.t("condition.heading"), card));
    if let Some(advice) = advice {
        let _ = writeln!(out, "    {advice}");
    }
    if let Some(line) = forecast_line(g, lang) {
        let _ = writeln!(out, "  {line}  [{}]", lang.t("label.raises_lowers_the_risk_backtest_in_docs_insight"));
    }
    let weekly: Vec<u32> = g.weekly.iter().rev().take(26).rev().map(|w| w.messages).collect();
    let label =
        |name: &str, value: String| lang.msg(&Msg::new("text.labelled").text("label", name).text("value", value));
    let _ = writeln!(out, "  {}", label(lang.t("label.weekly_messages"), super::sparkline_with_max(&weekly)));
    if !g.weakest.is_empty() {
        let _ = writeln!(out, "  {}", label(lang.t("label.weakest_signals"), String::new()).trim_end());
        for s in &g.weakest {
            let _ = writeln!(out, "   - {}  [{}]", lang.msg(&s.msg), super::metric_name(s.metric, lang));
        }
    }
    for (role, people, total) in role_lists(g, lang, 8) {
        let more = if total > people.len() { format!(" … +{}", total - people.len()) } else { String::new() };
        let people = people.join(lang.t("label.name_separator"));
        let _ = writeln!(out, "  {}", label(role_name(role, lang), format!("{people}{more}")));
    }
}

/// The first `limit` moves as a numbered list: what, for whom, the draft;
/// each group named as the summary tables name it among `groups`.
pub fn moves(moves: &[Move], groups: &[GroupReport], lang: Lang, limit: usize) -> String {
    use std::fmt::Write;
    let labels = super::labels_by_group(groups);
    let mut out = String::new();
    let _ = writeln!(out, "{}", lang.msg(&Msg::new("move.heading").int("n", moves.len())));
    let shown: Vec<&Move> = moves.iter().take(limit).collect();
    for (k, entry) in super::move_entries(&shown).iter().enumerate() {
        let m = shown[entry[0]];
        let by =
            m.by.as_ref().map(|n| format!(" — {}", lang.msg(&Msg::new("move.by").text("name", n)))).unwrap_or_default();
        let group = labels.get(&m.group).unwrap_or(&m.group_name);
        let draft = m.draft_for(lang.code());
        if entry.len() == 1 {
            let _ = writeln!(
                out,
                "{:>3}. [{group}] {}{by}  ({})",
                k + 1,
                super::move_text(m, lang),
                super::move_label(m, &shown, lang)
            );
            if !draft.is_empty() {
                let _ = writeln!(out, "     {}", lang.msg(&Msg::new("move.draft").text("text", draft)));
            }
            continue;
        }
        let heading = lang.msg(&Msg::new("move.welcome_batch").int("n", entry.len()));
        let _ = writeln!(out, "{:>3}. [{group}] {heading}{by}", k + 1);
        for &j in entry {
            let _ = writeln!(
                out,
                "       {}  ({})",
                super::move_text(shown[j], lang),
                super::move_label(shown[j], &shown, lang)
            );
        }
        if !draft.is_empty() {
            let name = m.about.as_deref().unwrap_or_default();
            let line = Msg::new("move.draft_each").text("name", name).text("text", draft);
            let _ = writeln!(out, "     {}", lang.msg(&line));
        }
    }
    out
}

/// How the moves marked done turned out: one line per kind.
pub fn outcomes(outcomes: &[KindOutcome], lang: Lang) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if outcomes.is_empty() {
        return out;
    }
    let _ = writeln!(out, "{}", lang.t("outcome.heading"));
    for o in outcomes {
        let kind = lang.t(outcome_key(o.kind));
        let line = Msg::new("outcome.line")
            .text("kind", kind)
            .int("done", o.done)
            .int("measured", o.measured)
            .int("worked", o.worked)
            .int("dismissed", o.dismissed);
        let mut text = lang.msg(&line);
        if let Some(rate) = o.hit_rate {
            text = format!("{text}; {}", lang.msg(&Msg::new("outcome.hit_rate").share("rate", rate)));
        }
        if o.not_measurable > 0 {
            text = format!("{text}; {}", lang.msg(&Msg::new("outcome.not_measurable").int("n", o.not_measurable)));
        }
        let _ = writeln!(out, "  {text}");
    }
    out
}

/// The catalogue key naming a kind of move and what "worked" means for it.
pub fn outcome_key(kind: &str) -> &'static str {
    match kind {
        "welcome" => "outcome.welcome",
        "re_engage" => "outcome.re_engage",
        "answer" => "outcome.answer",
        "promote" => "outcome.promote",
        "spam" => "outcome.spam",
        "split" => "outcome.split",
        "introduce" => "outcome.introduce",
        _ => "outcome.intervene",
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
                printable(&r.file),
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
    let skipped: Vec<&FileReport> = reports.iter().filter(|r| r.skipped.is_some()).collect();
    if !skipped.is_empty() {
        let _ = writeln!(out, "{}", lang.msg(&Msg::new("import.skipped_files").int("n", skipped.len())));
        for r in skipped {
            let why = r.why.as_ref().map(|m| lang.msg(m));
            let _ = writeln!(
                out,
                "  {}: {}",
                printable(&r.file),
                why.as_deref().or(r.skipped.as_deref()).unwrap_or_default()
            );
        }
    }
    out
}

/// A file name safe to print on a terminal: control characters (a name may
/// hold any byte but `/`) are shown escaped, never sent raw.
pub fn printable(name: &str) -> String {
    name.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// Fen as yuan with two decimals (`12345` → `123.45`).
pub fn yuan(fen: i64) -> String {
    format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, fen.abs() / 100, fen.abs() % 100)
}

/// What an orders import did, in one line.
pub fn order_import(file: &str, s: &tonghao_model::records::OrderImportStats, lang: Lang) -> String {
    let line = Msg::new("orders.imported")
        .text("file", printable(file))
        .int("added", s.added)
        .int("duplicates", s.duplicates)
        .int("suppressed", s.suppressed);
    let mut out = format!("{}\n", lang.msg(&line));
    if s.unlinked > 0 {
        let line = Msg::new("orders.unlinked").int("orders", s.unlinked).int("buyers", s.unlinked_buyers);
        out.push_str(&format!("{}\n", lang.msg(&line)));
    }
    out
}

/// The conversion table per group, then the community's totals.
pub fn conversion(c: &tonghao_ops::orders::Conversion, lang: Lang) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if c.orders == 0 {
        let _ = writeln!(out, "{}", lang.t("orders.none"));
        return out;
    }
    let rows: Vec<Vec<String>> = c
        .groups
        .iter()
        .map(|g| {
            vec![
                g.group.clone(),
                g.buyers.to_string(),
                g.orders.to_string(),
                yuan(g.revenue_fen),
                g.repeat_buyers.to_string(),
                // Half away from zero (48.25 → 48.3), as people round.
                g.median_days_to_first_order.map_or("-".into(), |d| format!("{:.1}", (d * 10.0).round() / 10.0)),
                pct_or_dash(g.share_within_90_days),
            ]
        })
        .collect();
    let header = [
        lang.t("label.group_name"),
        lang.t("label.buyers"),
        lang.t("label.orders"),
        lang.t("label.revenue_yuan"),
        lang.t("label.repeat_buyers"),
        lang.t("label.days_to_first_order"),
        lang.t("label.first_order_within_90_days"),
    ];
    out.push_str(&table::render(&header, &rows, &[1, 2, 3, 4, 5, 6]));
    let total = Msg::new("orders.total")
        .int("orders", c.orders)
        .text("revenue", yuan(c.revenue_fen))
        .int("buyers", c.buyers)
        .int("repeat", c.repeat_buyers);
    let _ = writeln!(out, "{}", lang.msg(&total));
    if c.unlinked_orders + c.uncredited_orders > 0 {
        let line =
            Msg::new("orders.not_credited").int("unlinked", c.unlinked_orders).int("uncredited", c.uncredited_orders);
        let _ = writeln!(out, "{}", lang.msg(&line));
    }
    out
}

/// Each group's check-in challenge: a summary line, a table per member, and
/// the supervision list.
pub fn checkins(
    groups: &[tonghao_ops::checkins::GroupCheckins],
    lang: Lang,
    templates: &crate::templates::Templates,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if groups.is_empty() {
        let _ = writeln!(out, "{}", lang.t("checkins.none"));
        return out;
    }
    for g in groups {
        let head = Msg::new("checkins.group")
            .text("group", g.group.clone())
            .text("start", g.start.clone())
            .text("yesterday", g.yesterday.clone())
            .int("members", g.members.len());
        let _ = writeln!(out, "{}", lang.msg(&head));
        if let Some(share) = g.bare_share {
            let bare = Msg::new("checkins.bare")
                .share("share", share)
                .int("bare", g.bare_messages)
                .int("messages", g.checkin_messages);
            let _ = writeln!(out, "{}", lang.msg(&bare));
        }
        let rows: Vec<Vec<String>> = g
            .members
            .iter()
            .map(|m| {
                vec![
                    m.name.clone(),
                    m.days.to_string(),
                    m.makeup.to_string(),
                    m.leave.to_string(),
                    m.misses.to_string(),
                    pct_or_dash(m.completion),
                    m.current_streak.to_string(),
                    m.longest_streak.to_string(),
                ]
            })
            .collect();
        let header = [
            lang.t("label.member"),
            lang.t("label.checkin_days"),
            lang.t("label.makeup_days"),
            lang.t("label.leave_days"),
            lang.t("label.missed_days"),
            lang.t("label.completion"),
            lang.t("label.current_streak"),
            lang.t("label.longest_streak"),
        ];
        out.push_str(&table::render(&header, &rows, &[1, 2, 3, 4, 5, 6, 7]));
        if g.missed_yesterday.is_empty() {
            let _ = writeln!(out, "{}", lang.t("checkins.nobody_missed"));
        }
        if !g.follow_up.is_empty() {
            let names = g.follow_up.join(lang.t("checkins.name_separator"));
            let _ = writeln!(out, "{}", lang.msg(&Msg::new("checkins.missed").text("names", names)));
            for m in g.members.iter().filter(|m| m.slipping) {
                let _ = writeln!(out, "  {}", templates.msg(lang, &encouragement(m)));
            }
        }
        let stopped = g.missed_yesterday.len() - g.follow_up.len();
        if stopped > 0 {
            let _ = writeln!(out, "{}", lang.msg(&Msg::new("checkins.stopped").int("n", stopped)));
        }
        out.push('\n');
    }
    out
}

/// The word a person could send a member who is slipping from a check-in
/// challenge (drafted, never sent by tonghao).
pub fn encouragement(m: &tonghao_ops::checkins::MemberCheckins) -> Msg {
    Msg::new("draft.checkin_encourage")
        .text("name", m.name.clone())
        .int("days", m.days + m.makeup)
        .int("longest", m.longest_streak)
}

/// Minutes as `1h30m`, `45m`, `2h`.
fn duration(seconds: i64) -> String {
    let (h, m) = (seconds / 3600, seconds % 3600 / 60);
    match (h, m) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

/// `2024-03-06T21:00:00+08:00` as `2024-03-06 21:00 +08:00`.
fn local(t: &str) -> String {
    if t.len() < 19 {
        return t.to_string();
    }
    format!("{} {} {}", &t[..10], &t[11..16], &t[19..])
}

/// The planned activities, one line each.
pub fn activities(list: &[crate::activities::Listed], lang: Lang) -> String {
    if list.is_empty() {
        return format!("{}\n", lang.t("activity.none"));
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|l| {
            let a = &l.activity;
            vec![
                a.id.to_string(),
                a.group.clone(),
                crate::activities::kind_name(a.kind, lang).to_string(),
                a.title.clone(),
                local(&l.first),
                a.tz.clone(),
                a.rrule.clone().unwrap_or_else(|| "-".into()),
                duration(a.duration_s),
                l.next.as_deref().map_or("-".into(), local),
            ]
        })
        .collect();
    let header = [
        "#",
        lang.t("label.group"),
        lang.t("label.kind"),
        lang.t("label.title"),
        lang.t("label.first_start"),
        lang.t("label.zone"),
        lang.t("label.schedule"),
        lang.t("label.duration"),
        lang.t("label.next_start"),
    ];
    table::render(&header, &rows, &[0])
}

/// The calendar's occurrences, one line each, in each activity's zone.
pub fn calendar(cal: &crate::activities::Calendar, lang: Lang) -> String {
    if cal.occurrences.is_empty() {
        return format!("{}\n", lang.t("activity.no_occurrences"));
    }
    let by_id: std::collections::HashMap<i64, &tonghao_model::records::Activity> =
        cal.activities.iter().map(|a| (a.id, a)).collect();
    let rows: Vec<Vec<String>> = cal
        .occurrences
        .iter()
        .filter_map(|o| {
            let a = by_id.get(&o.activity)?;
            Some(vec![
                local(&o.local_start),
                duration(a.duration_s),
                a.group.clone(),
                crate::activities::kind_name(a.kind, lang).to_string(),
                a.title.clone(),
                format!("#{}", a.id),
            ])
        })
        .collect();
    let header = [
        lang.t("label.starts"),
        lang.t("label.duration"),
        lang.t("label.group"),
        lang.t("label.kind"),
        lang.t("label.title"),
        "#",
    ];
    table::render(&header, &rows, &[])
}

/// The figures of an outcome as rows: during, its baseline, after, its baseline.
fn outcome_rows(o: &tonghao_ops::outcomes::Outcome, lang: Lang) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let share = |x: Option<f64>| x.map_or("-".into(), |x| format!("{:.0}%", x * 100.0));
    let mean = |x: f64, days: u32| if days == 0 { "-".to_string() } else { format!("{x:.1}") };
    let (d, bd, a, ba) = (&o.during, &o.baseline_during, &o.after, &o.baseline_after);
    type Count = fn(&tonghao_ops::outcomes::Figures) -> u32;
    type Mean = fn(&tonghao_ops::outcomes::Baseline) -> f64;
    let counts: [(&str, Count, Mean); 3] = [
        ("activity_outcome.messages", |f| f.messages, |b| b.messages),
        ("activity_outcome.speakers", |f| f.speakers, |b| b.speakers),
        ("activity_outcome.newcomers", |f| f.newcomers, |b| b.newcomers),
    ];
    let mut rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(key, count, base)| {
            let key: &str = key;
            vec![
                lang.t(key).to_string(),
                count(d).to_string(),
                mean(base(bd), bd.days),
                count(a).to_string(),
                mean(base(ba), ba.days),
            ]
        })
        .collect();
    rows.push(vec![
        lang.t("activity_outcome.answered_share").to_string(),
        share(d.answered_share),
        share(bd.answered_share),
        share(a.answered_share),
        share(ba.answered_share),
    ]);
    let header = vec![
        "",
        lang.t("activity_outcome.during"),
        lang.t("activity_outcome.baseline"),
        lang.t("activity_outcome.after"),
        lang.t("activity_outcome.baseline"),
    ];
    (header, rows)
}

/// The heading lines of an outcome: which occurrence, and how to read it.
fn outcome_head(o: &crate::activities::ActivityOutcome, lang: Lang) -> Vec<String> {
    let a = &o.activity;
    let oc = &o.outcome;
    let mut lines = vec![
        lang.msg(
            &Msg::new("activity_outcome.heading")
                .text("title", a.title.clone())
                .int("id", a.id)
                .int("n", oc.occurrence as i64)
                .text("start", local(&oc.local_start))
                .text("duration", duration(a.duration_s))
                .text("group", a.group.clone()),
        ),
    ];
    if !oc.measured {
        lines.push(lang.t("activity_outcome.not_measured").to_string());
    }
    lines.push(lang.msg(&Msg::new("activity_outcome.baseline_days").int("days", oc.baseline_during.days)));
    lines
}

fn speaker_list(o: &tonghao_ops::outcomes::Outcome, lang: Lang) -> Vec<String> {
    o.reward
        .iter()
        .map(|s| {
            lang.msg(
                &Msg::new("activity_outcome.speaker")
                    .text("name", s.name.clone())
                    .int("messages", s.messages)
                    .int("substantive", s.substantive)
                    .int("answered", s.answered),
            )
        })
        .collect()
}

/// An activity's outcome for a terminal.
pub fn activity_outcome(o: &crate::activities::ActivityOutcome, lang: Lang) -> String {
    use std::fmt::Write;
    let mut out = outcome_head(o, lang).join("\n") + "\n";
    let (header, rows) = outcome_rows(&o.outcome, lang);
    out.push_str(&table::render(&header, &rows, &[1, 2, 3, 4]));
    let speakers = speaker_list(&o.outcome, lang);
    let none = lang.t("activity_outcome.nobody");
    let list =
        if speakers.is_empty() { none.to_string() } else { speakers.join(lang.t("activity_outcome.list_separator")) };
    let _ = writeln!(out, "{}", lang.msg(&Msg::new("activity_outcome.reward_line").text("list", list)));
    if o.activity.kind == tonghao_model::records::ActivityKind::Topic {
        let _ =
            writeln!(out, "{}", lang.msg(&Msg::new("activity_outcome.digest_count").int("n", o.outcome.digest.len())));
    }
    out
}

/// An activity's outcome as Markdown: figures, speakers to reward and, for
/// a topic discussion, the digest's threads quoted in full.
pub fn activity_outcome_markdown(o: &crate::activities::ActivityOutcome, lang: Lang) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let head = outcome_head(o, lang);
    let _ = writeln!(out, "# {}\n", head[0]);
    for l in &head[1..] {
        let _ = writeln!(out, "{l}\n");
    }
    let (header, rows) = outcome_rows(&o.outcome, lang);
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
    let _ = writeln!(out, "\n## {}\n", lang.t("activity_outcome.reward"));
    let speakers = speaker_list(&o.outcome, lang);
    if speakers.is_empty() {
        let _ = writeln!(out, "{}", lang.t("activity_outcome.nobody"));
    }
    for s in speakers {
        let _ = writeln!(out, "- {s}");
    }
    if o.activity.kind == tonghao_model::records::ActivityKind::Topic {
        let _ = writeln!(out, "\n## {}\n", lang.t("activity_outcome.digest"));
        if o.outcome.digest.is_empty() {
            let _ = writeln!(out, "{}", lang.t("activity_outcome.nobody"));
        }
        let tz: chrono_tz::Tz = o.activity.tz.parse().unwrap_or(chrono_tz::Tz::UTC);
        for (n, t) in o.outcome.digest.iter().enumerate() {
            let _ = writeln!(
                out,
                "### {}\n",
                lang.msg(&Msg::new("activity_outcome.thread").int("n", n + 1).int("replies", t.replies))
            );
            for l in &t.messages {
                let when = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(l.at_ms)
                    .unwrap_or_default()
                    .with_timezone(&tz)
                    .format("%H:%M");
                let text = l.text.replace('\n', " ");
                let _ = writeln!(out, "{}- **{}** {when}: {text}", "  ".repeat(l.depth as usize), l.name);
            }
            out.push('\n');
        }
    }
    out
}

/// The drafts of one occurrence, each with when to send it.
pub fn activity_drafts(d: &crate::activities::Drafts, lang: Lang) -> String {
    use std::fmt::Write;
    let mut out = lang.msg(
        &Msg::new("activity_draft.heading")
            .text("title", d.activity.title.clone())
            .int("id", d.activity.id)
            .int("n", d.occurrence as i64)
            .text("start", local(&d.local_start)),
    ) + "\n";
    for x in &d.drafts {
        let label = lang.t(match x.kind {
            "announce" => "activity_draft.label_announce",
            "remind" => "activity_draft.label_remind",
            _ => "activity_draft.label_follow_up",
        });
        let _ = writeln!(out, "\n[{label}] {}\n{}", local(&x.send_at), x.text);
    }
    out
}

/// Tasks, one line each.
pub fn tasks(list: &[tonghao_model::records::Task], lang: Lang) -> String {
    if list.is_empty() {
        return format!("{}\n", lang.t("task.none"));
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|t| {
            let about = [t.group.clone(), t.member.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
            vec![
                t.id.to_string(),
                t.due_day.clone().unwrap_or_else(|| "-".into()),
                crate::tasks::kind_label(t.kind, lang).to_string(),
                t.assignee.clone().unwrap_or_else(|| "-".into()),
                lang.t(if t.done_ms.is_some() { "task.state_done" } else { "task.state_open" }).to_string(),
                t.title.clone(),
                if about.is_empty() { "-".into() } else { about },
            ]
        })
        .collect();
    let header = [
        "#",
        lang.t("task.due"),
        lang.t("label.kind"),
        lang.t("task.to"),
        lang.t("task.state"),
        lang.t("label.title"),
        lang.t("task.about"),
    ];
    table::render(&header, &rows, &[0])
}

/// The leaderboard, then (with `ledger`) every entry.
pub fn points(p: &crate::points::Points, ledger: bool, lang: Lang) -> String {
    use tonghao_ops::points::Rule;
    if p.ledger.is_empty() {
        return format!("{}\n", lang.t("points.none"));
    }
    let rules = [
        (Rule::Speaker, "points.rule_speaker"),
        (Rule::Streak, "points.rule_streak"),
        (Rule::Output, "points.rule_output"),
        (Rule::Manual, "points.rule_manual"),
    ];
    let rows: Vec<Vec<String>> = p
        .leaderboard
        .iter()
        .map(|s| {
            let mut row = vec![s.rank.to_string(), s.name.clone(), s.total.to_string()];
            row.extend(rules.iter().map(|(r, _)| s.by_rule.get(r).map_or("-".into(), |n| n.to_string())));
            row
        })
        .collect();
    let mut header = vec![lang.t("points.rank"), lang.t("label.member"), lang.t("points.total")];
    header.extend(rules.iter().map(|(_, k)| lang.t(k)));
    let mut out = table::render(&header, &rows, &[0, 2, 3, 4, 5, 6]);
    if ledger {
        out.push('\n');
        let rows: Vec<Vec<String>> = p
            .ledger
            .iter()
            .map(|e| {
                vec![
                    e.day.clone(),
                    e.name.clone(),
                    e.points.to_string(),
                    e.group.clone().unwrap_or_else(|| "-".into()),
                    e.reason.clone(),
                ]
            })
            .collect();
        let header = [
            lang.t("points.day"),
            lang.t("label.member"),
            lang.t("points.points"),
            lang.t("label.group"),
            lang.t("points.reason"),
        ];
        out.push_str(&table::render(&header, &rows, &[2]));
    }
    out
}

/// Conversion per activity occurrence: one table per activity.
pub fn conversion_by_activity(c: &crate::orders::ByActivity, lang: Lang) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{}", lang.msg(&Msg::new("conversion_activity.heading").int("days", c.window_days)));
    if c.activities.iter().all(|a| a.occurrences.is_empty()) {
        let _ = writeln!(out, "{}", lang.t("conversion_activity.none"));
        return out;
    }
    for a in c.activities.iter().filter(|a| !a.occurrences.is_empty()) {
        let heading = Msg::new("conversion_activity.activity")
            .text("title", a.activity.title.clone())
            .int("id", a.activity.id)
            .text("group", a.activity.group.clone());
        let _ = writeln!(out, "\n{}", lang.msg(&heading));
        let rows: Vec<Vec<String>> = a
            .occurrences
            .iter()
            .map(|o| {
                let open = if o.window_complete {
                    String::new()
                } else {
                    format!(" {}", lang.t("conversion_activity.open_window"))
                };
                vec![
                    format!("#{} {}{open}", o.occurrence, local(&o.local_start)),
                    o.speakers.members.to_string(),
                    o.speakers.buyers.to_string(),
                    yuan(o.speakers.revenue_fen),
                    o.others.members.to_string(),
                    o.others.buyers.to_string(),
                    yuan(o.others.revenue_fen),
                    o.lift.map_or("-".into(), |l| format!("{l:.1}")),
                ]
            })
            .collect();
        let header = [
            lang.t("conversion_activity.col_occurrence"),
            lang.t("conversion_activity.col_speakers"),
            lang.t("conversion_activity.col_speaker_buyers"),
            lang.t("conversion_activity.col_speaker_revenue"),
            lang.t("conversion_activity.col_others"),
            lang.t("conversion_activity.col_other_buyers"),
            lang.t("conversion_activity.col_other_revenue"),
            lang.t("conversion_activity.col_lift"),
        ];
        out.push_str(&table::render(&header, &rows, &[1, 2, 3, 4, 5, 6, 7]));
    }
    out
}
