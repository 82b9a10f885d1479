//! The bounds every request is held to before a handler reads it, checked once for all of them
//! against the contract's own descriptors: every string field's length and characters, the number
//! of entries in a list or map, distinct entries where a list names things, and timestamps inside
//! the range `google.protobuf.Timestamp` allows.
//!
//! The limits depend on what a field holds, told by its name, so that a new field is bounded the
//! day it is added: identifiers and codes, keys and page tokens, names, references and free text
//! (see [`Class`]). A refusal names the field's path (`materials[2].document_ref`,
//! `form[申请人]`) and never echoes more than a short, escaped prefix of what was sent.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use prost::Message;
use prost::bytes::Buf;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FileDescriptorSet};

use crate::error::Error;

/// Most characters in an identifier or a code (ids, department, bundle, matter and material
/// codes, clerks, dates).
pub const MAX_IDENTIFIER_CHARS: usize = 64;
/// Most characters in an idempotency key.
pub const MAX_KEY_CHARS: usize = 128;
/// Most characters in a person's or a place's name.
pub const MAX_NAME_CHARS: usize = 200;
/// Most characters in a reference to a document or a consignment, or in a page token.
pub const MAX_REFERENCE_CHARS: usize = 512;
/// Most characters in free text (reasons, notes, opinions, minutes, form values).
pub const MAX_TEXT_CHARS: usize = 2000;
/// Most entries in one list or map of a request.
pub const MAX_ENTRIES: usize = 500;
/// Most characters of a sent value that a refusal repeats.
pub const ECHO_CHARS: usize = 32;

/// What a string field holds, which decides its limit and the characters it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Ids, codes, clerks and dates: short, on one line.
    Identifier,
    /// Idempotency keys.
    Key,
    /// Names of people, companies and places: on one line.
    Name,
    /// References to documents and consignments, and page tokens: on one line.
    Reference,
    /// Free text: may hold line breaks and tabs.
    Text,
}

impl Class {
    /// The class of a string field, from its name.
    pub fn of(field: &str) -> Class {
        const IDENTIFIERS: &[&str] = &[
            "by",
            "to_clerk",
            "handed_by",
            "front_desk_clerk",
            "facilitator",
            "id_number",
            "phone",
            "day",
            "from",
            "to",
            "code",
            "id",
            // A post's A clerk and its B clerks.
            "a",
            "b",
        ];
        const NAMES: &[&str] = &["name", "investor", "recipient", "place"];
        if field == "idempotency_key" {
            Class::Key
        } else if IDENTIFIERS.contains(&field)
            || ["_id", "_ids", "_code", "_codes"]
                .iter()
                .any(|end| field.ends_with(end))
        {
            Class::Identifier
        } else if NAMES.contains(&field) {
            Class::Name
        } else if field.ends_with("_ref") || field.ends_with("_reference") || field == "page_token"
        {
            Class::Reference
        } else {
            Class::Text
        }
    }

    /// The most characters a field of this class may hold.
    pub fn max_chars(self) -> usize {
        match self {
            Class::Identifier => MAX_IDENTIFIER_CHARS,
            Class::Key => MAX_KEY_CHARS,
            Class::Name => MAX_NAME_CHARS,
            Class::Reference => MAX_REFERENCE_CHARS,
            Class::Text => MAX_TEXT_CHARS,
        }
    }

    /// Whether `c` may appear in a field of this class: no control character anywhere (line
    /// breaks and tabs only in free text), and no character that reorders or hides text.
    fn allows(self, c: char) -> bool {
        if matches!(c, '\n' | '\r' | '\t') {
            return self == Class::Text;
        }
        !c.is_control() && !is_invisible_format(c)
    }
}

/// Bidirectional overrides and isolates, zero-width characters and the byte-order mark: they
/// make a value read differently from what it is.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// A short, escaped prefix of a sent value, safe to repeat in a refusal.
pub fn echo(value: &str) -> String {
    let mut shown: String = value
        .chars()
        .take(ECHO_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().nth(ECHO_CHARS).is_some() {
        shown.push('…');
    }
    format!("\"{shown}\"")
}

/// Checks a request against the bounds of its type.
pub fn check<M: Message + prost::Name>(request: &M) -> Result<(), Error> {
    let bytes = request.encode_to_vec();
    SCHEMA.walk(&M::full_name(), &bytes, "")
}

/// A field as the walk needs it.
#[derive(Debug)]
struct Field {
    name: String,
    repeated: bool,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Text(Class),
    Timestamp,
    /// A nested message, by full name; `map` when it is the entry of a map field.
    Message {
        name: String,
        map: bool,
    },
    Other,
}

/// Every message of the contract, by full name (`lianban.v1.SubmitApplicationRequest`).
struct Schema {
    messages: HashMap<String, HashMap<u32, Field>>,
}

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let set = FileDescriptorSet::decode(lianban_proto::FILE_DESCRIPTOR_SET)
        .expect("the contract's descriptor set is built with the crate");
    let mut schema = Schema {
        messages: HashMap::new(),
    };
    for file in &set.file {
        for message in &file.message_type {
            schema.add(file.package(), message);
        }
    }
    schema
});

impl Schema {
    fn add(&mut self, scope: &str, message: &DescriptorProto) {
        let full_name = format!("{scope}.{}", message.name());
        for nested in &message.nested_type {
            self.add(&full_name, nested);
        }
        let maps: HashSet<String> = message
            .nested_type
            .iter()
            .filter(|nested| nested.options.as_ref().is_some_and(|o| o.map_entry()))
            .map(|nested| format!(".{full_name}.{}", nested.name()))
            .collect();
        let fields = message
            .field
            .iter()
            .map(|field| {
                let kind = match field.r#type() {
                    Type::String => Kind::Text(Class::of(field.name())),
                    Type::Message if field.type_name() == ".google.protobuf.Timestamp" => {
                        Kind::Timestamp
                    }
                    Type::Message => Kind::Message {
                        name: field.type_name().trim_start_matches('.').to_owned(),
                        map: maps.contains(field.type_name()),
                    },
                    _ => Kind::Other,
                };
                let described = Field {
                    name: field.name().to_owned(),
                    repeated: field.label() == Label::Repeated,
                    kind,
                };
                (field.number() as u32, described)
            })
            .collect();
        self.messages.insert(full_name, fields);
    }

    /// Walks the encoded message `bytes` of type `name`, whose fields sit under `path`.
    fn walk(&self, name: &str, mut bytes: &[u8], path: &str) -> Result<(), Error> {
        let Some(fields) = self.messages.get(name) else {
            return Ok(());
        };
        let mut seen: HashMap<u32, Seen> = HashMap::new();
        while bytes.has_remaining() {
            let key = decode_varint(&mut bytes)?;
            let (number, wire_type) = ((key >> 3) as u32, key & 7);
            let value = match wire_type {
                0 => {
                    decode_varint(&mut bytes)?;
                    continue;
                }
                1 | 5 => {
                    let width = if wire_type == 1 { 8 } else { 4 };
                    skip(&mut bytes, width)?;
                    continue;
                }
                2 => {
                    let len =
                        usize::try_from(decode_varint(&mut bytes)?).map_err(|_| malformed())?;
                    let value = bytes.get(..len).ok_or_else(malformed)?;
                    bytes.advance(len);
                    value
                }
                _ => return Err(malformed()),
            };
            let Some(field) = fields.get(&number) else {
                continue;
            };
            let entry = seen.entry(number).or_default();
            let here = entry.next_path(path, field);
            if entry.count > MAX_ENTRIES {
                return Err(Error::invalid(
                    join(path, &field.name),
                    format!("at most {MAX_ENTRIES} entries"),
                ));
            }
            match &field.kind {
                Kind::Text(class) => {
                    let text = std::str::from_utf8(value).map_err(|_| malformed())?;
                    check_text(&here, *class, text)?;
                    if field.repeated {
                        entry.distinct(&here, text)?;
                    }
                }
                Kind::Timestamp => check_timestamp(&here, value)?,
                Kind::Message { name, map: true } => {
                    self.walk_map_entry(name, value, path, field, entry)?
                }
                Kind::Message { name, map: false } => self.walk(name, value, &here)?,
                Kind::Other => {}
            }
        }
        Ok(())
    }

    /// A map entry: the key is checked as an identifier and must be new; the value as its kind.
    fn walk_map_entry(
        &self,
        name: &str,
        entry_bytes: &[u8],
        path: &str,
        field: &Field,
        seen: &mut Seen,
    ) -> Result<(), Error> {
        let entry = Entry::decode(entry_bytes).map_err(|_| malformed())?;
        let map_path = join(path, &field.name);
        check_text(&map_path, Class::Identifier, &entry.key).map_err(|_| {
            Error::invalid(
                &map_path,
                format!(
                    "key {} is not a name of at most {MAX_IDENTIFIER_CHARS} characters on one line",
                    echo(&entry.key)
                ),
            )
        })?;
        let here = format!("{map_path}[{}]", entry.key);
        seen.distinct(&here, &entry.key)?;
        let value_kind = self
            .messages
            .get(name)
            .and_then(|fields| fields.get(&2))
            .map(|value| &value.kind);
        match (value_kind, entry.value) {
            (Some(Kind::Text(_)), Some(text)) => check_text(&here, Class::Text, &text),
            _ => Ok(()),
        }
    }
}

/// A map entry with string key and (when a string) value.
#[derive(Clone, PartialEq, prost::Message)]
struct Entry {
    #[prost(string, tag = "1")]
    key: String,
    #[prost(string, optional, tag = "2")]
    value: Option<String>,
}

/// What the walk saw of one field of one message: how many entries, and which values.
#[derive(Default)]
struct Seen {
    count: usize,
    values: HashMap<String, usize>,
}

impl Seen {
    /// Counts one more entry and names its path (`field` or `field[index]`).
    fn next_path(&mut self, path: &str, field: &Field) -> String {
        self.count += 1;
        let name = join(path, &field.name);
        if field.repeated && !matches!(field.kind, Kind::Message { map: true, .. }) {
            format!("{name}[{}]", self.count - 1)
        } else {
            name
        }
    }

    /// Refuses a value the list already holds.
    fn distinct(&mut self, here: &str, value: &str) -> Result<(), Error> {
        let index = self.count - 1;
        if let Some(first) = self.values.insert(value.trim().to_owned(), index) {
            return Err(Error::invalid(
                here,
                format!("repeats entry {first}: {}", echo(value)),
            ));
        }
        Ok(())
    }
}

fn check_text(path: &str, class: Class, text: &str) -> Result<(), Error> {
    let max = class.max_chars();
    if text.chars().nth(max).is_some() {
        return Err(Error::invalid(
            path,
            format!("longer than {max} characters"),
        ));
    }
    if let Some(position) = text.chars().position(|c| !class.allows(c)) {
        return Err(Error::invalid(
            path,
            format!("holds a control or invisible character at position {position}"),
        ));
    }
    Ok(())
}

/// The range `google.protobuf.Timestamp` allows: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z,
/// nanoseconds from 0 to 999,999,999.
fn check_timestamp(path: &str, bytes: &[u8]) -> Result<(), Error> {
    const MIN_SECONDS: i64 = -62_135_596_800;
    const MAX_SECONDS: i64 = 253_402_300_799;
    let at = prost_types::Timestamp::decode(bytes).map_err(|_| malformed())?;
    if !(MIN_SECONDS..=MAX_SECONDS).contains(&at.seconds) || !(0..1_000_000_000).contains(&at.nanos)
    {
        return Err(Error::invalid(
            path,
            "outside the range of google.protobuf.Timestamp (years 1 to 9999, nanos 0 to 999999999)",
        ));
    }
    Ok(())
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn decode_varint(bytes: &mut &[u8]) -> Result<u64, Error> {
    prost::encoding::decode_varint(bytes).map_err(|_| malformed())
}

fn skip(bytes: &mut &[u8], width: usize) -> Result<(), Error> {
    if bytes.remaining() < width {
        return Err(malformed());
    }
    bytes.advance(width);
    Ok(())
}

/// The walk reads what prost itself encoded, so a malformed encoding is the server's fault.
fn malformed() -> Error {
    Error::Server("a decoded request did not encode again".to_owned())
}

#[cfg(test)]
mod tests {
    use lianban_proto::v1 as pb;

    use super::*;

    fn field_of(result: Result<(), Error>) -> String {
        match result {
            Err(Error::InvalidArgument { field, .. }) => field,
            other => panic!("expected a refused field, got {other:?}"),
        }
    }

    #[test]
    fn classes_follow_field_names() {
        assert_eq!(Class::of("branch_id"), Class::Identifier);
        assert_eq!(Class::of("invited_department_codes"), Class::Identifier);
        assert_eq!(Class::of("idempotency_key"), Class::Key);
        assert_eq!(Class::of("page_token"), Class::Reference);
        assert_eq!(Class::of("recipient"), Class::Name);
        assert_eq!(Class::of("document_ref"), Class::Reference);
        assert_eq!(Class::of("reason"), Class::Text);
    }

    #[test]
    fn a_sane_request_passes() {
        let request = pb::RequestSupplementRequest {
            branch_id: uuid::Uuid::nil().to_string(),
            department_code: "SCJGJ".into(),
            reason: "营业执照复印件不清晰\n请重新提交".into(),
            material_codes: vec!["M1".into(), "M2".into()],
            ..Default::default()
        };
        check(&request).unwrap();
    }

    #[test]
    fn overlong_and_control_characters_are_named() {
        let long = pb::ClaimTaskRequest {
            branch_id: "x".repeat(MAX_IDENTIFIER_CHARS + 1),
            ..Default::default()
        };
        assert_eq!(field_of(check(&long)), "branch_id");
        let escape = pb::ClaimTaskRequest {
            clerk_id: "clerk\u{1b}[2J".into(),
            ..Default::default()
        };
        assert_eq!(field_of(check(&escape)), "clerk_id");
        let newline_in_text = pb::ReleaseTaskRequest {
            reason: "first line\nsecond line".into(),
            ..Default::default()
        };
        check(&newline_in_text).unwrap();
        let bidi = pb::ReleaseTaskRequest {
            reason: "abc\u{202E}cba".into(),
            ..Default::default()
        };
        assert_eq!(field_of(check(&bidi)), "reason");
    }

    #[test]
    fn repeated_entries_are_distinct_and_counted() {
        let twice = pb::RequestSupplementRequest {
            material_codes: vec!["M1".into(), "M2".into(), "M1".into()],
            ..Default::default()
        };
        assert_eq!(field_of(check(&twice)), "material_codes[2]");
        let many = pb::RequestSupplementRequest {
            material_codes: (0..=MAX_ENTRIES).map(|i| format!("M{i}")).collect(),
            ..Default::default()
        };
        assert_eq!(field_of(check(&many)), "material_codes");
    }

    #[test]
    fn nested_fields_and_map_entries_have_paths() {
        let request = pb::SubmitApplicationRequest {
            form: [("申请人".to_owned(), "x".repeat(MAX_TEXT_CHARS + 1))].into(),
            ..Default::default()
        };
        assert_eq!(field_of(check(&request)), "form[申请人]");
        let request = pb::SubmitApplicationRequest {
            form: [("bad\nkey".to_owned(), "v".to_owned())].into(),
            ..Default::default()
        };
        assert_eq!(field_of(check(&request)), "form");
    }

    #[test]
    fn timestamps_stay_in_range() {
        let request = pb::SetTimeRequest {
            time: Some(prost_types::Timestamp {
                seconds: i64::MAX,
                nanos: 0,
            }),
        };
        assert_eq!(field_of(check(&request)), "time");
        let request = pb::SetTimeRequest {
            time: Some(prost_types::Timestamp {
                seconds: 0,
                nanos: -1,
            }),
        };
        assert_eq!(field_of(check(&request)), "time");
    }

    #[test]
    fn echoes_are_short_and_escaped() {
        assert_eq!(echo("a\u{1b}b"), "\"a\\u{1b}b\"");
        let long = echo(&"y".repeat(1000));
        assert!(long.chars().count() <= ECHO_CHARS + 3, "{long}");
    }
}
