//! A plain-text table whose columns line up on a terminal, also with Japanese nicknames: cells
//! are padded by the columns they take (unicode-width), not by their characters.

use unicode_width::UnicodeWidthStr;

pub fn render<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.width());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(cell);
            out.extend(std::iter::repeat_n(' ', widths[i].saturating_sub(cell.width())));
        }
        out.trim_end().to_string()
    };
    let mut out = line(&mut header.iter().copied());
    for row in rows {
        out.push('\n');
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn japanese_cells_line_up_by_display_width() {
        let rows = [["本番環境".to_string(), "有効".to_string()], ["Staging".to_string(), "再接続が必要".to_string()]];
        let table = render(["NICKNAME", "STATUS"], &rows);
        let starts: Vec<usize> = table
            .lines()
            .map(|l| {
                let second = l.rfind("  ").unwrap() + 2;
                l[..second].width()
            })
            .collect();
        assert!(starts.windows(2).all(|w| w[0] == w[1]), "{table}");
        assert_eq!(starts[0], "NICKNAME".len() + 2);
    }
}
