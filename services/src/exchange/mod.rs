//! The national data exchange (GB/T 39046-2020 政务服务平台基础数据规范): the records an uploader
//! sends to the provincial platform, built from the audit trail and read from a resumable cursor.
//!
//! `settings` is the `[exchange]` section; `format` the `ExchangeFormat` trait, the one seam
//! between Lianban's events and a platform's datasets; `national` (with `national_steps` and
//! `national_words`) the default format, the standard's datasets 表5–表9 and 表11; `cursor` the
//! position an uploader resumes from; `export` one page of records after a cursor.
//!
//! A province whose platform wants another shape (Zhejiang's `affairStatus`/`affairType` records,
//! Guangdong's per-stage SB/SL/SPCL/BJ records) gets ONE new file here implementing
//! `ExchangeFormat`, and one line in `format::format_named`; `[exchange] format` picks it. The
//! cursor, the store, the RPC and the CLI stay as they are.

mod cursor;
mod export;
mod format;
mod national;
mod national_steps;
mod national_words;
mod settings;

pub use cursor::Cursor;
pub use export::{ExportPage, export_page};
pub use format::{ExchangeFormat, ExportedEvent, Record, format_named};
pub use national::NationalFormat;
pub use settings::ExchangeConfig;
