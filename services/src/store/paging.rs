//! How the store cuts work into bounded pieces: scans read a page at a time, pages are cut at
//! their size, and multi-row statements take a bounded number of rows, so that neither memory
//! nor a statement's bound parameters grow with the data.

/// Page size of internal scans.
pub(super) const SCAN_PAGE: u64 = 500;

/// Keeps the first `size` items and returns the last kept one when more followed.
pub(super) fn cut_page<T>(items: &mut Vec<T>, size: u64) -> Option<&T> {
    let size = size as usize;
    if items.len() > size {
        items.truncate(size);
        items.last()
    } else {
        None
    }
}

/// Rows per multi-row insert: far below every backend's limit on bound parameters (SQLite's is
/// 32,766 and PostgreSQL's 65,535; the widest table here has a dozen columns).
const ROWS_PER_INSERT: usize = 500;

/// `rows` in pieces of at most [`ROWS_PER_INSERT`].
pub(super) fn in_chunks<T>(rows: Vec<T>) -> Vec<Vec<T>> {
    let mut chunks = Vec::with_capacity(rows.len().div_ceil(ROWS_PER_INSERT));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        chunks.push(rows.by_ref().take(ROWS_PER_INSERT).collect());
    }
    chunks
}
