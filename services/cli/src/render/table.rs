//! Column layout for every table the CLI prints.

use unicode_width::UnicodeWidthStr;

/// Lays rows out in columns, measuring display width so that Chinese text lines up.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            text.push_str(cell);
            if index + 1 < cells.len() {
                text.push_str(&" ".repeat(width - cell.width() + 2));
            }
        }
        text.trim_end().to_owned() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_chinese_text_by_display_width() {
        let text = table(
            &["A", "B"],
            vec![
                vec!["开办企业".into(), "x".into()],
                vec!["ab".into(), "y".into()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1].find('x').map(|i| lines[1][..i].width()), Some(10));
        assert_eq!(lines[2].find('y').map(|i| lines[2][..i].width()), Some(10));
    }
}
