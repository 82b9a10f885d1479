//! The supervisor desk's filters as the URL carries them (department, bundle, colour, the
//! digest's day), so that a filtered desk can be bookmarked and the way back after a decision
//! keeps it; checked here once for the desk and for the extension decisions.

use chrono::NaiveDate;
use lianban_proto::v1 as pb;
use serde::Deserialize;
use tonic::Code;

use super::refusal::Refused;

/// The desk's filters, as the URL carries them (an empty value: no filter).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Filters {
    /// A department code.
    #[serde(default)]
    pub department: String,
    /// A bundle code.
    #[serde(default)]
    pub bundle: String,
    /// `yellow`, `red`, or empty for both.
    #[serde(default)]
    pub colour: String,
    /// The digest's day, `YYYY-MM-DD`; empty for today.
    #[serde(default)]
    pub day: String,
}

impl Filters {
    /// The colours asked for, as the contract names them.
    pub fn colours(&self) -> Result<Vec<i32>, Refused> {
        match self.colour.trim() {
            "" => Ok(vec![
                pb::WarningColour::Yellow as i32,
                pb::WarningColour::Red as i32,
            ]),
            "yellow" => Ok(vec![pb::WarningColour::Yellow as i32]),
            "red" => Ok(vec![pb::WarningColour::Red as i32]),
            _ => Err(invalid("colour", "colour is yellow, red or empty")),
        }
    }

    /// The day asked for, or `today`.
    pub fn day_or(&self, today: NaiveDate) -> Result<NaiveDate, Refused> {
        match self.day.trim() {
            "" => Ok(today),
            day => NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map_err(|_| invalid("day", "day is YYYY-MM-DD")),
        }
    }

    /// The filters as a URL query (without `?`), only those set.
    pub fn query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("department", &self.department),
            ("bundle", &self.bundle),
            ("colour", &self.colour),
            ("day", &self.day),
        ] {
            if !value.trim().is_empty() {
                query.append_pair(name, value.trim());
            }
        }
        query.finish()
    }
}

fn invalid(field: &str, message: &str) -> Refused {
    Refused {
        field: Some(field.to_owned()),
        ..Refused::new(Code::InvalidArgument, "INVALID_FIELD", message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_query_and_refuse_unknown_colours() {
        let filters = Filters {
            department: "scjg".into(),
            bundle: String::new(),
            colour: "red".into(),
            day: "2026-01-26".into(),
        };
        assert_eq!(filters.query(), "department=scjg&colour=red&day=2026-01-26");
        assert_eq!(
            filters.colours().unwrap(),
            vec![pb::WarningColour::Red as i32]
        );
        let wrong = Filters {
            colour: "green<".into(),
            ..Filters::default()
        };
        assert_eq!(
            wrong.colours().unwrap_err().field.as_deref(),
            Some("colour")
        );
        assert_eq!(Filters::default().colours().unwrap().len(), 2);
        let today = NaiveDate::from_ymd_opt(2026, 1, 26).unwrap();
        assert_eq!(Filters::default().day_or(today).unwrap(), today);
        assert!(
            Filters {
                day: "26/01/2026".into(),
                ..Filters::default()
            }
            .day_or(today)
            .is_err()
        );
    }
}
