//! The formatted table every table shortcode produces.

use serde::Serialize;

/// A table ready for the template: every cell already formatted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    /// The caption; numbering puts "Tabel N: " in front of it.
    pub caption: String,
    /// The column headings.
    pub headers: Vec<String>,
    /// Columns (by index) that hold numbers and are right-aligned.
    pub numeric: Vec<usize>,
    /// The body rows.
    pub rows: Vec<Vec<String>>,
    /// Rows in the table footer (totals).
    pub footer: Vec<Vec<String>>,
    /// A note under the table (source, unit).
    pub note: Option<String>,
    /// Group headings between the rows (Tabel 1's payment routes), in
    /// row order.
    pub groups: Vec<RowGroup>,
}

/// A heading row across the whole table, placed before row `before`.
#[derive(Debug, Clone, Serialize)]
pub struct RowGroup {
    /// The index of the row it comes before.
    pub before: usize,
    /// Its text.
    pub label: String,
}
