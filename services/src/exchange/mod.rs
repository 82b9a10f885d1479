//! The national data exchange (GB/T 39046-2020 政务服务平台基础数据规范): the records an uploader
//! sends to the provincial platform, built from the audit trail and read from a resumable cursor.
//!
//! `format` is the `ExchangeFormat` trait, the one seam between Lianban's events and a platform's
//! datasets; `national` (with `national_steps` and `national_words`) the default format, the
//! standard's datasets 表5–表9 and 表11; `formats` the formats by name; `cursor` the position an
//! uploader resumes from; `export` one page of records after a cursor. The `[exchange]` section is
//! `crate::exchange_settings`.
//!
//! A province whose platform wants another shape (Zhejiang's `affairStatus`/`affairType` records,
//! Guangdong's per-stage SB/SL/SPCL/BJ records) gets ONE new file here implementing
//! `ExchangeFormat`, one arm in `formats::format_named` and its name in
//! `exchange_settings::FORMATS`; `[exchange] format` picks it. The cursor, the store, the RPC and
//! the CLI stay as they are.

mod cursor;
mod export;
mod format;
mod formats;
mod national;
mod national_steps;
mod national_words;

pub use cursor::Cursor;
pub use export::{ExportPage, export_page};
pub use format::{ExchangeFormat, ExportedEvent, Record};
pub use formats::format_named;
pub use national::NationalFormat;
