//! Splitting a plain weighted edge list (`tonghao split --edges FILE.tsv`):
//! read the file, run [`tonghao_insight::split`] and return the assignment
//! with its figures, so that tonghao's split can be compared with other tools
//! on the same graph.
//!
//! The file holds one tie a line: `src<TAB>dst<TAB>weight`. Names are any
//! text without a tab (member ids, numbers); the weight is a number ≥ 0 and
//! may be left out (then 1). Empty lines and lines starting with `#` are
//! skipped; a first line whose weight column reads `weight` is a header.
//! Ties are undirected and repeated ties add up. Any other line is an error
//! naming the file and the line, and nothing is split.

use crate::Lang;
use crate::view::table;
use serde::Serialize;
use serde::ser::SerializeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tonghao_insight::split::{Graph, Options, Quality, split};
use tonghao_model::msg::Msg;

/// A weighted edge list read from a file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EdgeList {
    /// Node names in order of first appearance; a node's id is its index.
    pub names: Vec<String>,
    /// Ties as (source id, target id, weight).
    pub edges: Vec<(u32, u32, f64)>,
}

/// What is wrong with an edge-list line.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// Not 2 or 3 tab-separated fields (the count found).
    Fields(usize),
    /// A node name is empty.
    EmptyName,
    /// The weight is not a finite number ≥ 0 (the text found).
    Weight(String),
    /// The line is not UTF-8.
    Encoding,
}

/// Why an edge list could not be read.
#[derive(Debug)]
pub enum EdgeListError {
    /// The file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// A line is malformed.
    Line {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong.
        problem: Problem,
    },
}

impl EdgeListError {
    /// The error as a catalogue message, for the reader's language.
    pub fn msg(&self) -> Msg {
        match self {
            EdgeListError::Read { path, error } => {
                Msg::new("split.read_failed").text("file", path.display().to_string()).text("error", error.to_string())
            }
            EdgeListError::Line { path, line, problem } => {
                let file = path.display().to_string();
                match problem {
                    Problem::Fields(n) => {
                        Msg::new("split.bad_fields").text("file", file).int("line", *line).int("n", *n)
                    }
                    Problem::EmptyName => Msg::new("split.empty_name").text("file", file).int("line", *line),
                    Problem::Weight(w) => {
                        Msg::new("split.bad_weight").text("file", file).int("line", *line).text("weight", w.clone())
                    }
                    Problem::Encoding => Msg::new("split.not_utf8").text("file", file).int("line", *line),
                }
            }
        }
    }
}

impl std::fmt::Display for EdgeListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Lang::En.msg(&self.msg()))
    }
}

impl std::error::Error for EdgeListError {}

/// Reads an edge list (format in the module documentation).
pub fn read_edges(path: &Path) -> Result<EdgeList, EdgeListError> {
    let bytes = std::fs::read(path).map_err(|error| EdgeListError::Read { path: path.to_path_buf(), error })?;
    parse_edges(&bytes, path)
}

/// Parses edge-list bytes; `path` only names the source in errors.
pub fn parse_edges(bytes: &[u8], path: &Path) -> Result<EdgeList, EdgeListError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = EdgeList::default();
    let mut index: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let error = |line: usize, problem: Problem| EdgeListError::Line { path: path.to_path_buf(), line, problem };
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(raw).map_err(|_| error(line, Problem::Encoding))?;
        if text.trim().is_empty() || text.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = text.split('\t').collect();
        if !(2..=3).contains(&fields.len()) {
            return Err(error(line, Problem::Fields(fields.len())));
        }
        let weight = match fields.get(2).map(|w| w.trim()) {
            None => 1.0,
            Some(w) if out.edges.is_empty() && index.is_empty() && w.eq_ignore_ascii_case("weight") => continue,
            Some(w) => match w.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => x,
                _ => return Err(error(line, Problem::Weight(w.to_string()))),
            },
        };
        let mut id = |name: &str| -> Result<u32, EdgeListError> {
            let name = name.trim();
            if name.is_empty() {
                return Err(error(line, Problem::EmptyName));
            }
            if let Some(&id) = index.get(name) {
                return Ok(id);
            }
            let id = out.names.len() as u32;
            out.names.push(name.to_string());
            index.insert(name.to_string(), id);
            Ok(id)
        };
        let (a, b) = (id(fields[0])?, id(fields[1])?);
        out.edges.push((a, b, weight));
    }
    Ok(out)
}

/// How to split an edge list.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitRequest {
    /// The hard maximum group size; `None`: uncapped.
    pub max_size: Option<usize>,
    /// Resolution γ of the quality.
    pub resolution: f64,
    /// What to optimise.
    pub quality: Quality,
    /// Seed of the random node orders.
    pub seed: u64,
    /// Guard against modularity's resolution limit (see
    /// [`tonghao_insight::split::Options::guard`]).
    pub guard: bool,
}

impl Default for SplitRequest {
    fn default() -> Self {
        let o = Options::default();
        SplitRequest { max_size: None, resolution: o.resolution, quality: o.quality, seed: o.seed, guard: o.guard }
    }
}

/// One proposed group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SplitGroup {
    /// Its number, from 1 (largest first).
    pub group: u32,
    /// Members.
    pub size: usize,
    /// The member with most weight inside the group; none when nobody in it
    /// has a tie to another member.
    pub host: Option<String>,
    /// Weight of the ties inside the group.
    pub inside_weight: f64,
    /// Member names, in file order.
    pub members: Vec<String>,
}

/// Node → group number, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment(pub Vec<(String, u32)>);

impl Serialize for Assignment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, group) in &self.0 {
            map.serialize_entry(name, group)?;
        }
        map.end()
    }
}

/// A split of an edge list, with its figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SplitReport {
    /// The edge list read.
    pub file: String,
    /// Nodes (members).
    pub members: usize,
    /// Distinct ties between two members.
    pub ties: usize,
    /// Total tie weight.
    pub total_weight: f64,
    /// The cap asked for (`null`: uncapped).
    pub cap: Option<usize>,
    /// What was optimised.
    pub quality: Quality,
    /// Its resolution.
    pub resolution: f64,
    /// The seed.
    pub seed: u64,
    /// Whether the resolution-limit guard ran.
    pub guard: bool,
    /// Number of groups.
    pub group_count: usize,
    /// Size of each group, largest first.
    pub sizes: Vec<usize>,
    /// The largest group's size.
    pub max_size: usize,
    /// Share of the total tie weight inside the groups.
    pub ties_kept: f64,
    /// Newman–Girvan weighted modularity (γ = 1) of the split.
    pub modularity: f64,
    /// Seconds spent splitting (after reading).
    pub seconds: f64,
    /// Seconds spent reading and parsing the file.
    pub read_seconds: f64,
    /// The groups.
    pub groups: Vec<SplitGroup>,
    /// Each member's group number.
    pub assignment: Assignment,
}

/// Reads `path` and splits it by `req`.
pub fn split_file(path: &Path, req: &SplitRequest) -> Result<SplitReport, EdgeListError> {
    let start = Instant::now();
    let list = read_edges(path)?;
    let read_seconds = start.elapsed().as_secs_f64();
    let mut report = split_edges(&list, req);
    report.file = path.display().to_string();
    report.read_seconds = read_seconds;
    Ok(report)
}

/// Splits an edge list already read.
pub fn split_edges(list: &EdgeList, req: &SplitRequest) -> SplitReport {
    let start = Instant::now();
    let graph = Graph::from_edges(list.names.len(), &list.edges);
    let opts = Options {
        quality: req.quality,
        resolution: req.resolution,
        max_size: req.max_size,
        seed: req.seed,
        guard: req.guard,
        ..Options::default()
    };
    let s = split(&graph, &opts);
    let seconds = start.elapsed().as_secs_f64();
    let name = |v: u32| list.names[v as usize].clone();
    let groups: Vec<SplitGroup> = s
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| SplitGroup {
            group: i as u32 + 1,
            size: g.members.len(),
            host: g.host.map(name),
            inside_weight: g.inside,
            members: g.members.iter().copied().map(name).collect(),
        })
        .collect();
    SplitReport {
        file: String::new(),
        members: graph.nodes(),
        ties: graph.ties(),
        total_weight: graph.total_weight(),
        cap: req.max_size,
        quality: req.quality,
        resolution: req.resolution,
        seed: req.seed,
        guard: req.guard,
        group_count: groups.len(),
        sizes: groups.iter().map(|g| g.size).collect(),
        max_size: s.max_size(),
        ties_kept: s.ties_kept,
        modularity: s.modularity,
        seconds,
        read_seconds: 0.0,
        assignment: Assignment(s.membership.iter().enumerate().map(|(v, &c)| (name(v as u32), c + 1)).collect()),
        groups,
    }
}

/// The split as text: a summary line, the figures, then one row per group.
pub fn render_text(r: &SplitReport, lang: Lang) -> String {
    let mut out = String::new();
    let summary = Msg::new("split.summary")
        .text("file", r.file.clone())
        .int("members", r.members)
        .int("ties", r.ties)
        .int("groups", r.group_count)
        .int("largest", r.max_size);
    out.push_str(&lang.msg(&summary));
    out.push_str(" · ");
    out.push_str(&match r.cap {
        Some(cap) => lang.msg(&Msg::new("split.cap").int("cap", cap)),
        None => lang.t("label.uncapped").to_string(),
    });
    out.push('\n');
    let figures = Msg::new("split.figures")
        .num("kept", r.ties_kept * 100.0, 1)
        .num("modularity", r.modularity, 4)
        .num("secs", r.seconds, 3);
    out.push_str(&lang.msg(&figures));
    out.push_str("\n\n");
    let rows: Vec<Vec<String>> = r
        .groups
        .iter()
        .map(|g| {
            let kept = if r.total_weight > 0.0 { g.inside_weight / r.total_weight * 100.0 } else { 0.0 };
            vec![
                g.group.to_string(),
                g.size.to_string(),
                g.host.clone().unwrap_or_else(|| "—".to_string()),
                format!("{kept:.1}%"),
                g.members.join(" "),
            ]
        })
        .collect();
    let header = [
        lang.t("label.group"),
        lang.t("label.size"),
        lang.t("label.host"),
        lang.t("label.ties_inside"),
        lang.t("label.members"),
    ];
    out.push_str(&table::render(&header, &rows, &[0, 1, 3]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EdgeList, EdgeListError> {
        parse_edges(text.as_bytes(), Path::new("g.tsv"))
    }

    #[test]
    fn names_weights_headers_comments_and_defaults() {
        let list = parse("src\tdst\tweight\n# a comment\nwxid_a\twxid_b\t2.5\r\n\nwxid_b\t小李\n").unwrap();
        assert_eq!(list.names, vec!["wxid_a", "wxid_b", "小李"]);
        assert_eq!(list.edges, vec![(0, 1, 2.5), (1, 2, 1.0)]);
    }

    #[test]
    fn errors_name_the_file_and_the_line() {
        let e = parse("a\tb\t1\na b 1\n").unwrap_err();
        assert_eq!(e.to_string(), "g.tsv line 2: expected src<TAB>dst<TAB>weight, found 1 field");
        let e = parse("a\tb\t1\nc\td\tmany\n").unwrap_err();
        assert_eq!(e.to_string(), "g.tsv line 2: the weight must be a number ≥ 0, found \"many\"");
        assert_eq!(Lang::Zh.msg(&e.msg()), "g.tsv 第 2 行：权重应为不小于 0 的数字，实际是“many”");
        let e = parse("a\tb\t-1\n").unwrap_err();
        assert!(e.to_string().starts_with("g.tsv line 1: the weight"));
        let e = parse("a\t\t1\n").unwrap_err();
        assert_eq!(e.to_string(), "g.tsv line 1: a member name is empty");
        let e = parse_edges(b"a\tb\t1\n\xff\tb\n", Path::new("g.tsv")).unwrap_err();
        assert_eq!(e.to_string(), "g.tsv line 2: the line is not UTF-8 text");
        // A header is only a header on the first line.
        let e = parse("a\tb\t1\nsrc\tdst\tweight\n").unwrap_err();
        assert!(matches!(e, EdgeListError::Line { line: 2, problem: Problem::Weight(_), .. }));
    }

    #[test]
    fn a_split_reports_groups_hosts_and_the_assignment() {
        let list = parse("a\tb\t2\nb\tc\t3\na\tc\t1\nd\te\t1\ne\tf\t1\nd\tf\t1\nc\td\t1\n").unwrap();
        let r = split_edges(&list, &SplitRequest { max_size: Some(40), ..SplitRequest::default() });
        assert_eq!((r.group_count, r.max_size, r.members, r.ties), (2, 3, 6, 7));
        assert_eq!(r.groups[0].members, vec!["a", "b", "c"]);
        assert_eq!(r.groups[0].host.as_deref(), Some("b"), "b: 5 inside, c: 4, a: 3");
        assert_eq!(r.groups[1].host.as_deref(), Some("d"), "2 inside each: the first in the file");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["assignment"], serde_json::json!({"a": 1, "b": 1, "c": 1, "d": 2, "e": 2, "f": 2}));
        assert!((r.ties_kept - 0.9).abs() < 1e-12);
        let text = render_text(&r, Lang::En);
        assert!(text.contains("6 members, 7 ties → 2 groups (largest 3)"), "{text}");
        assert!(text.contains("ties kept inside the groups 90.0%"), "{text}");
    }
}
