//! Stored times as the API gives them: RFC 3339 in UTC with its `Z` (`2026-12-05T08:17:51.046424Z`). The
//! database keeps times without a zone, always UTC; without the `Z` a client cannot know that, and the value is not
//! the `date-time` the API document promises.

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serializer;

/// `#[serde(serialize_with = "crate::domain::utc::serialize")]` for a `NaiveDateTime` that holds UTC.
pub fn serialize<S: Serializer>(time: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// The same for an optional time: `null` when absent.
pub fn serialize_option<S: Serializer>(time: &Option<NaiveDateTime>, serializer: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serialize(time, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[derive(serde::Serialize)]
    struct Stamped {
        #[serde(serialize_with = "super::serialize")]
        at: chrono::NaiveDateTime,
        #[serde(serialize_with = "super::serialize_option")]
        until: Option<chrono::NaiveDateTime>,
    }

    #[test]
    fn times_carry_their_utc_zone() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let stamped = Stamped {
            at: day.and_hms_micro_opt(8, 17, 51, 46_424).unwrap(),
            until: Some(day.and_hms_opt(9, 0, 0).unwrap()),
        };
        let json = serde_json::to_string(&stamped).unwrap();
        assert_eq!(json, r#"{"at":"2026-12-05T08:17:51.046424Z","until":"2026-12-05T09:00:00Z"}"#);
        let without = Stamped { until: None, ..stamped };
        assert!(serde_json::to_string(&without).unwrap().ends_with(r#""until":null}"#));
        let parsed = chrono::DateTime::parse_from_rfc3339("2026-12-05T08:17:51.046424Z").unwrap();
        assert_eq!(parsed.naive_utc(), without.at, "what is written reads back as the same instant");
    }
}
