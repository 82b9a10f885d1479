//! `export`: the national data exchange's records as JSON Lines, one record a line
//! (`{"dataset", "table", "cursor", "application_id", "record"}`, the shape of
//! `proto/exchange/gbt39046-2020.schema.json`), from a cursor until the server says it is caught
//! up. With `--cursor-file` the cursor is stored after each page has been written and flushed, so
//! an uploader killed at any moment reruns from where its output ends: a page is written again
//! only if it was cut off before its cursor was stored.

use std::io::Write;
use std::path::{Path, PathBuf};

use lianban_proto::v1 as pb;

use crate::connection::{CliResult, PAGE_SIZE, Transport, status_text};

type ExchangeClient = pb::exchange_service_client::ExchangeServiceClient<Transport>;

/// Where to start, where to write, how much.
pub struct Export {
    /// A cursor to start after; wins over the cursor file's.
    pub after: Option<String>,
    /// The file holding the cursor, updated after each page.
    pub cursor_file: Option<PathBuf>,
    /// The file the lines are appended to; standard output without one.
    pub out: Option<PathBuf>,
    /// The most records to write.
    pub max: Option<u64>,
}

/// Writes records after the cursor until caught up (or `max` are written).
pub async fn export(client: &mut ExchangeClient, export: Export) -> CliResult {
    let mut cursor = match (&export.after, &export.cursor_file) {
        (Some(after), _) => after.trim().to_owned(),
        (None, Some(file)) => stored_cursor(file)?,
        (None, None) => String::new(),
    };
    let mut out: Box<dyn Write> = match &export.out {
        Some(path) => Box::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut left = export.max.unwrap_or(u64::MAX);
    while left > 0 {
        let request = pb::ExportRecordsRequest {
            after_cursor: cursor.clone(),
            max_records: u32::try_from(left.min(u64::from(PAGE_SIZE))).unwrap_or(PAGE_SIZE),
        };
        let page = client
            .export_records(request)
            .await
            .map_err(status_text)?
            .into_inner();
        for record in &page.records {
            writeln!(out, "{}", line(record)?).map_err(|e| format!("cannot write: {e}"))?;
        }
        out.flush().map_err(|e| format!("cannot write: {e}"))?;
        left = left.saturating_sub(page.records.len() as u64);
        cursor = page.next_cursor;
        if let Some(file) = &export.cursor_file {
            store_cursor(file, &cursor)?;
        }
        if page.caught_up {
            break;
        }
    }
    Ok(())
}

/// One record as a line.
fn line(record: &pb::ExchangeRecord) -> Result<String, String> {
    let fields: serde_json::Value = serde_json::from_str(&record.json)
        .map_err(|e| format!("record at {} is not JSON: {e}", record.cursor))?;
    Ok(serde_json::json!({
        "dataset": record.dataset,
        "table": record.table,
        "cursor": record.cursor,
        "application_id": record.application_id,
        "record": fields,
    })
    .to_string())
}

/// The cursor a file holds; a missing file is the start.
fn stored_cursor(file: &Path) -> Result<String, String> {
    match std::fs::read_to_string(file) {
        Ok(text) => Ok(text.trim().to_owned()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(error) => Err(format!("cannot read {}: {error}", file.display())),
    }
}

/// Stores the cursor whole or not at all: written beside the file, then renamed over it.
fn store_cursor(file: &Path, cursor: &str) -> Result<(), String> {
    let mut partial = file.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, format!("{cursor}\n"))
        .and_then(|()| std::fs::rename(&partial, file))
        .map_err(|e| format!("cannot store the cursor in {}: {e}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_cursor_reads_back_and_a_missing_file_is_the_start() {
        let folder = std::env::temp_dir().join(format!("lianban-export-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let file = folder.join("cursor");
        let _ = std::fs::remove_file(&file);
        assert_eq!(stored_cursor(&file).unwrap(), "");
        store_cursor(&file, "1042.3").unwrap();
        assert_eq!(stored_cursor(&file).unwrap(), "1042.3");
        store_cursor(&file, "1043.0").unwrap();
        assert_eq!(stored_cursor(&file).unwrap(), "1043.0");
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn a_line_carries_the_record_and_where_it_came_from() {
        let record = pb::ExchangeRecord {
            dataset: "事项受理".into(),
            table: "表6".into(),
            json: r#"{"办件编号":"x01"}"#.into(),
            cursor: "7.1".into(),
            application_id: "a".into(),
        };
        let line: serde_json::Value = serde_json::from_str(&line(&record).unwrap()).unwrap();
        assert_eq!(line["record"]["办件编号"], "x01");
        assert_eq!(line["cursor"], "7.1");
        assert_eq!(line["table"], "表6");
    }
}
