//! Listings as tables people open: the terminal table, CSV for Excel on
//! Chinese Windows (UTF-8 with a byte-order mark) and real .xlsx workbooks,
//! with column names in the reader's language. One [`Table`] per listing,
//! so the CLI, the console's downloads and every format show the same
//! columns.
//!
//! A spreadsheet must never run a member's message as a formula: in CSV a
//! text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return gets a leading `'` (OWASP's advice; Excel hides it); in .xlsx
//! every text cell is written as a string cell, which no spreadsheet
//! evaluates, so the text stays as it was.

use crate::i18n::Lang;
use crate::report::{Report, local_date};
use crate::view::short_time;
use crate::{AppError, Result};
use tonghao_ops::checkins::GroupCheckins;
use tonghao_ops::moves::Move;
use tonghao_ops::orders::Conversion;
use tonghao_store::{GroupSummary, MemberSummary};

/// One cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Text, shown as it is.
    Text(String),
    /// A count or a figure (a number cell in .xlsx).
    Number(f64),
}

impl Cell {
    /// The cell as the terminal shows it.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
            Cell::Number(x) => format!("{x:.3}").trim_end_matches('0').trim_end_matches('.').to_string(),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Number(n as f64)
    }
}

/// A listing: column names (catalogue keys) and rows.
#[derive(Clone, Debug)]
pub struct Table {
    /// Catalogue keys of the column names.
    pub columns: Vec<&'static str>,
    /// Rows, as many cells as columns.
    pub rows: Vec<Vec<Cell>>,
    /// Columns aligned right in the terminal (numbers).
    pub right: Vec<usize>,
}

/// The formats a listing can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An aligned terminal table.
    Table,
    /// CSV, UTF-8 with BOM.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "table" | "text" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(format!("{s:?} is not a listing format: table, csv or xlsx")),
        }
    }
}

impl Table {
    /// The column names in `lang`.
    pub fn header(&self, lang: Lang) -> Vec<&'static str> {
        self.columns.iter().map(|k| lang.t(k)).collect()
    }

    /// The table in `format`, as bytes to write out.
    pub fn write(&self, format: Format, lang: Lang, sheet: &str) -> Result<Vec<u8>> {
        match format {
            Format::Table => {
                let rows: Vec<Vec<String>> = self.rows.iter().map(|r| r.iter().map(Cell::text).collect()).collect();
                Ok(crate::view::table::render(&self.header(lang), &rows, &self.right).into_bytes())
            }
            Format::Csv => Ok(self.csv(lang)),
            Format::Xlsx => self.xlsx(lang, sheet),
        }
    }

    /// CSV with a UTF-8 byte-order mark, formula-looking text defused.
    pub fn csv(&self, lang: Lang) -> Vec<u8> {
        let mut out = "\u{feff}".to_string();
        let line = |out: &mut String, cells: &mut dyn Iterator<Item = String>| {
            let cells: Vec<String> = cells.map(|c| csv_field(&c)).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        };
        line(&mut out, &mut self.header(lang).into_iter().map(defuse));
        for row in &self.rows {
            line(
                &mut out,
                &mut row.iter().map(|c| match c {
                    Cell::Text(s) => defuse(s),
                    number => number.text(),
                }),
            );
        }
        out.into_bytes()
    }

    /// An .xlsx workbook of one sheet: a bold header row, text as string
    /// cells (never formulas), numbers as numbers.
    pub fn xlsx(&self, lang: Lang, sheet: &str) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format as CellFormat, Workbook};
        let fail = |e: rust_xlsxwriter::XlsxError| AppError::detail(format!("cannot write the workbook: {e}"));
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        // Sheet names: at most 31 characters, none of []:*?/\.
        let name: String = sheet.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
        ws.set_name(if name.is_empty() { "tonghao" } else { &name }).map_err(fail)?;
        let bold = CellFormat::new().set_bold();
        for (c, h) in self.header(lang).iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold).map_err(fail)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 1, c as u16);
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                    Cell::Number(x) => ws.write_number(r, c, *x).map(|_| ()),
                }
                .map_err(fail)?;
            }
        }
        ws.set_freeze_panes(1, 0).map_err(fail)?;
        book.save_to_buffer().map_err(fail)
    }
}

/// A text cell that a spreadsheet would read as a formula, made inert.
fn defuse(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() }
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// `tonghao groups`: one row per group.
pub fn groups(groups: &[GroupSummary]) -> Table {
    Table {
        columns: vec![
            "label.platform",
            "label.group_name",
            "label.id",
            "label.members",
            "label.messages",
            "label.first_message",
            "label.last_message",
        ],
        rows: groups
            .iter()
            .map(|g| {
                vec![
                    g.platform.as_str().into(),
                    g.name.clone().unwrap_or_default().into(),
                    g.external_id.as_str().into(),
                    g.members.into(),
                    g.messages.into(),
                    short_time(g.first_message.as_deref()).into(),
                    short_time(g.last_message.as_deref()).into(),
                ]
            })
            .collect(),
        right: vec![3, 4],
    }
}

/// A member's role in the group as the reader's language words it, and
/// "bot" where the export flagged the account (a role the store does not
/// know is shown as stored).
fn role_word(role: Option<&str>, bot: bool, lang: Lang) -> String {
    let role = role.map(|r| match r {
        "owner" => lang.t("group_role.owner").to_string(),
        "deputy" => lang.t("group_role.deputy").to_string(),
        "admin" => lang.t("group_role.admin").to_string(),
        "kol" => lang.t("group_role.kol").to_string(),
        "member" => lang.t("group_role.member").to_string(),
        other => other.to_string(),
    });
    let bot = bot.then(|| lang.t("group_role.bot").to_string());
    role.into_iter().chain(bot).collect::<Vec<_>>().join(lang.t("label.name_separator"))
}

/// `tonghao members`: one row per member of a group.
pub fn members(members: &[MemberSummary], lang: Lang) -> Table {
    Table {
        columns: vec![
            "label.member",
            "label.ids",
            "label.messages",
            "label.first_said",
            "label.last_said",
            "label.joined",
            "label.left",
            "label.role",
        ],
        rows: members
            .iter()
            .map(|m| {
                vec![
                    m.name.as_str().into(),
                    m.ids.join(" ").into(),
                    m.messages.into(),
                    short_time(m.first_message.as_deref()).into(),
                    short_time(m.last_message.as_deref()).into(),
                    short_time(m.joined.as_deref()).into(),
                    short_time(m.left.as_deref()).into(),
                    role_word(m.role.as_deref(), m.bot, lang).into(),
                ]
            })
            .collect(),
        right: vec![2],
    }
}

/// `tonghao next`: one row per open move, worded in `lang`.
pub fn moves(moves: &[Move], lang: Lang) -> Table {
    Table {
        columns: vec!["label.move_id", "label.group_name", "label.move_by", "label.move_what", "label.move_draft"],
        rows: moves
            .iter()
            .map(|m| {
                let what = crate::view::move_text(m, lang);
                let draft = m.draft_for(lang.code());
                vec![
                    m.id.as_str().into(),
                    m.group_name.as_str().into(),
                    m.by.clone().unwrap_or_default().into(),
                    what.into(),
                    draft.into(),
                ]
            })
            .collect(),
        right: vec![],
    }
}

/// The report's per-group figures: one row per group, as of its own time.
/// Shares are fractions (0.25), so a spreadsheet can sort and sum them.
pub fn report(report: &Report, lang: Lang) -> Table {
    let share = |x: Option<f64>| x.map_or(Cell::Text(String::new()), Cell::Number);
    Table {
        columns: vec![
            "label.platform",
            "label.group_name",
            "label.id",
            "label.as_of",
            "label.stage",
            "label.members",
            "console.active_ratio_28d",
            "console.messages_28d",
            "label.messages_per_day",
            "label.top_20_share_of_messages",
            "label.threads_unanswered",
            "label.newcomers_speaking_in_14_days",
            "label.bus_factor_explained",
            "console.silence_risk",
            "label.weakest_signal",
        ],
        rows: report
            .groups
            .iter()
            .map(|g| {
                let r = &g.responsiveness;
                let weakest = g.weakest.first().map(|s| match lang {
                    Lang::Zh => s.zh.clone(),
                    Lang::En => s.en.clone(),
                });
                vec![
                    g.platform.as_str().into(),
                    g.name.as_str().into(),
                    g.external_id.as_str().into(),
                    local_date(g.as_of_ms, g.tz_offset_s).into(),
                    crate::view::stage_name(g.stage, lang).into(),
                    u64::from(g.activity.members).into(),
                    Cell::Number(g.activity.active_ratio),
                    g.activity.messages.into(),
                    Cell::Number((g.activity.messages_per_day * 10.0).round() / 10.0),
                    Cell::Number(g.concentration.top20_share),
                    share((r.threads > 0).then_some(r.unanswered_share)),
                    share(g.newcomers.spoke_within_14d),
                    u64::from(g.graph.bus_factor).into(),
                    share(g.forecast.as_ref().map(|f| f.probability)),
                    weakest.unwrap_or_default().into(),
                ]
            })
            .collect(),
        right: vec![5, 6, 7, 8, 9, 10, 11, 12, 13],
    }
}

/// `tonghao checkins`: one row per member of each group's challenge.
pub fn checkins(groups: &[GroupCheckins]) -> Table {
    let share = |x: Option<f64>| x.map_or(Cell::Text(String::new()), Cell::Number);
    let mut rows = Vec::new();
    for g in groups {
        for m in &g.members {
            rows.push(vec![
                g.group.as_str().into(),
                m.name.as_str().into(),
                u64::from(m.days).into(),
                u64::from(m.makeup).into(),
                u64::from(m.leave).into(),
                u64::from(m.misses).into(),
                share(m.completion),
                u64::from(m.current_streak).into(),
                u64::from(m.longest_streak).into(),
                g.yesterday.as_str().into(),
                Cell::Text(if m.missed_yesterday { "✗".into() } else { String::new() }),
            ]);
        }
    }
    Table {
        columns: vec![
            "label.group_name",
            "label.member",
            "console.checkin_days",
            "console.checkin_makeup",
            "console.checkin_leave",
            "console.checkin_misses",
            "console.checkin_completion",
            "console.streak_now",
            "console.streak_longest",
            "console.yesterday",
            "console.missed",
        ],
        rows,
        right: vec![2, 3, 4, 5, 6, 7, 8],
    }
}

/// `tonghao conversion`: one row per group, amounts in yuan.
pub fn conversion(c: &Conversion) -> Table {
    let share = |x: Option<f64>| x.map_or(Cell::Text(String::new()), Cell::Number);
    Table {
        columns: vec![
            "label.group_name",
            "console.buyers",
            "console.orders",
            "console.revenue_yuan",
            "console.repeat_buyers",
            "console.median_days_to_first_order",
            "console.first_order_within_90d",
        ],
        rows: c
            .groups
            .iter()
            .map(|g| {
                vec![
                    g.group.as_str().into(),
                    g.buyers.into(),
                    g.orders.into(),
                    Cell::Number(g.revenue_fen as f64 / 100.0),
                    g.repeat_buyers.into(),
                    share(g.median_days_to_first_order),
                    share(g.share_within_90_days),
                ]
            })
            .collect(),
        right: vec![1, 2, 3, 4, 5, 6],
    }
}
