//! Plain-text tables that line up with Chinese text (two columns per CJK
//! character).

use unicode_width::UnicodeWidthStr;

/// Renders `rows` under `header`, columns separated by two spaces. Columns
/// listed in `right` are right-aligned (numbers).
pub fn render(header: &[&str], rows: &[Vec<String>], right: &[usize]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let mut parts = Vec::new();
        for (i, cell) in cells.enumerate() {
            let pad = " ".repeat(widths[i] - cell.width());
            parts.push(if right.contains(&i) { format!("{pad}{cell}") } else { format!("{cell}{pad}") });
        }
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied(), &mut out);
    for row in rows {
        line(&mut row.iter().map(String::as_str), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn cjk_columns_line_up() {
        let t =
            super::render(&["name", "n"], &[vec!["读书会".into(), "5".into()], vec!["ab".into(), "10".into()]], &[1]);
        assert_eq!(t, "name     n\n读书会   5\nab      10\n");
    }
}
