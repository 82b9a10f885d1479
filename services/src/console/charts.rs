//! Horizontal bar charts drawn by the server as inline SVG: no script, no fonts to load, the same
//! on screen and on paper. Each chart names itself for screen readers (`role="img"`,
//! `aria-label`, `<title>`); the page puts the same numbers in a table beside it. A chart without
//! rows says so in words instead of drawing empty axes.

use maud::{Markup, html};

/// The drawing's width in SVG units (it scales down to its container).
pub const WIDTH: f64 = 720.0;
/// Room for the row labels on the left.
const LABEL: f64 = 200.0;
/// Room for the value after the longest bar.
const VALUE: f64 = 110.0;
/// The width a bar of the largest value takes.
pub const BAR_AREA: f64 = WIDTH - LABEL - VALUE;
const BAR: f64 = 16.0;
const ROW_GAP: f64 = 10.0;
const LEGEND: f64 = 26.0;

/// One series of bars (one colour), e.g. 关键路径.
#[derive(Debug, Clone, Copy)]
pub struct Series {
    /// Its name in the legend.
    pub name: &'static str,
    /// Its fill (3:1 against white at least, as non-text contrast asks).
    pub fill: &'static str,
}

/// One row: a label and a value per series, with the value as it is written.
#[derive(Debug, Clone)]
pub struct Row {
    /// The row's label (a department, a bundle).
    pub label: String,
    /// A value per series.
    pub values: Vec<f64>,
    /// Each value as written after its bar.
    pub texts: Vec<String>,
}

/// A horizontal bar chart.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Its title (the SVG's `<title>`).
    pub title: String,
    /// What it shows, for screen readers (`aria-label`).
    pub label: String,
    /// Its series.
    pub series: Vec<Series>,
    /// Its rows, top to bottom.
    pub rows: Vec<Row>,
    /// The value a full-width bar stands for (1.0 for shares); 0 for the largest value.
    pub max: f64,
}

/// The width of a bar for `value` on a scale whose full width stands for `max`: never negative,
/// never wider than the area, zero when the scale is empty or a value is not a number.
pub fn scale(value: f64, max: f64) -> f64 {
    if !(value.is_finite() && max.is_finite()) || max <= 0.0 || value <= 0.0 {
        return 0.0;
    }
    (value / max).min(1.0) * BAR_AREA
}

/// A share (0..1) as a percentage with one decimal.
pub fn percent(share: f64) -> String {
    if share.is_finite() {
        format!("{:.1}%", share * 100.0)
    } else {
        "—".to_owned()
    }
}

impl BarChart {
    /// The full width's value: the given maximum, or the largest value.
    fn top(&self) -> f64 {
        if self.max > 0.0 {
            return self.max;
        }
        self.rows
            .iter()
            .flat_map(|r| r.values.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    }

    /// Nothing to draw: no rows at all (a row of zeros is a figure, e.g. 0% on time, and is
    /// drawn as a bar of no width with its value written).
    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The chart, or a sentence when there is nothing to draw.
    pub fn render(&self) -> Markup {
        if self.is_empty() {
            return html! { p.empty-chart { (self.title) "：所选期间没有可绘制的数据。" } };
        }
        let top = self.top();
        let legend = if self.series.len() > 1 { LEGEND } else { 0.0 };
        let per_row = BAR * self.series.len() as f64 + ROW_GAP;
        let height = legend + per_row * self.rows.len() as f64 + ROW_GAP;
        html! {
            svg.chart role="img" aria-label=(self.label) xmlns="http://www.w3.org/2000/svg"
                viewBox=(format!("0 0 {WIDTH} {height}")) width=(WIDTH) height=(height) {
                title { (self.title) }
                @if legend > 0.0 { (self.legend()) }
                line x1=(LABEL) y1=(legend) x2=(LABEL) y2=(height) stroke="#4a4a4a" stroke-width="1" {}
                @for (index, row) in self.rows.iter().enumerate() {
                    @let y = legend + ROW_GAP / 2.0 + per_row * index as f64;
                    text x=(LABEL - 8.0) y=(y + BAR * self.series.len() as f64 / 2.0 + 5.0)
                        text-anchor="end" font-size="14" fill="#1a1a1a" { (row.label) }
                    @for (s, series) in self.series.iter().enumerate() {
                        @let value = row.values.get(s).copied().unwrap_or(0.0);
                        @let width = scale(value, top);
                        @let bar_y = y + BAR * s as f64;
                        rect x=(LABEL) y=(bar_y) width=(format!("{width:.1}")) height=(BAR - 2.0) fill=(series.fill) {}
                        text x=(LABEL + width + 4.0) y=(bar_y + BAR - 4.0) font-size="12" fill="#1a1a1a" {
                            (row.texts.get(s).map(String::as_str).unwrap_or(""))
                        }
                    }
                }
            }
        }
    }

    fn legend(&self) -> Markup {
        html! {
            @for (s, series) in self.series.iter().enumerate() {
                @let x = LABEL + 150.0 * s as f64;
                rect x=(x) y="6" width="14" height="14" fill=(series.fill) {}
                text x=(x + 20.0) y="18" font-size="13" fill="#1a1a1a" { (series.name) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: Series = Series {
        name: "按时率",
        fill: "#0b4f8a",
    };

    fn chart(rows: Vec<Row>, max: f64) -> BarChart {
        BarChart {
            title: "按时办结率".into(),
            label: "各部门按时办结率".into(),
            series: vec![ONE],
            rows,
            max,
        }
    }

    fn row(label: &str, value: f64) -> Row {
        Row {
            label: label.into(),
            values: vec![value],
            texts: vec![percent(value)],
        }
    }

    #[test]
    fn a_full_share_fills_the_area_and_nothing_overflows_it() {
        assert_eq!(scale(1.0, 1.0), BAR_AREA);
        assert_eq!(scale(0.5, 1.0), BAR_AREA / 2.0);
        assert_eq!(scale(3.0, 1.0), BAR_AREA);
        assert_eq!(scale(-1.0, 1.0), 0.0);
        assert_eq!(scale(1.0, 0.0), 0.0);
        assert_eq!(scale(f64::NAN, 1.0), 0.0);
        let svg = chart(vec![row("scjg", 1.0)], 1.0).render().into_string();
        assert!(svg.contains(&format!("width=\"{BAR_AREA:.1}\"")), "{svg}");
    }

    #[test]
    fn without_a_maximum_the_largest_value_fills_the_area() {
        let rows = vec![row("a", 2.0), row("b", 8.0)];
        let svg = chart(rows, 0.0).render().into_string();
        assert!(svg.contains(&format!("width=\"{BAR_AREA:.1}\"")));
        assert!(svg.contains(&format!("width=\"{:.1}\"", BAR_AREA / 4.0)));
    }

    #[test]
    fn nothing_to_draw_is_said_in_words() {
        let empty = chart(Vec::new(), 1.0).render().into_string();
        assert!(!empty.contains("<svg"));
        assert!(empty.contains("没有可绘制的数据"));
        let zeros = chart(vec![row("a", 0.0)], 1.0).render().into_string();
        assert!(
            zeros.contains("width=\"0.0\""),
            "a zero is a figure: {zeros}"
        );
        assert!(zeros.contains(">0.0%<"));
    }

    #[test]
    fn a_chart_names_itself_and_escapes_its_text() {
        let svg = chart(vec![row("<script>&", 0.25)], 1.0)
            .render()
            .into_string();
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-label=\"各部门按时办结率\""));
        assert!(svg.contains("<title>按时办结率</title>"));
        assert!(svg.contains("&lt;script&gt;&amp;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains(">25.0%<"));
    }

    #[test]
    fn two_series_get_a_legend() {
        let two = BarChart {
            series: vec![
                ONE,
                Series {
                    name: "串联合计",
                    fill: "#8a5a00",
                },
            ],
            ..chart(
                vec![Row {
                    label: "kaiban".into(),
                    values: vec![5.0, 12.0],
                    texts: vec!["5".into(), "12".into()],
                }],
                0.0,
            )
        };
        let svg = two.render().into_string();
        assert!(svg.contains(">串联合计<"));
        assert_eq!(svg.matches("<rect").count(), 4);
    }
}
