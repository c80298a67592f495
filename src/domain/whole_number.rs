//! Whole numbers in JSON bodies as JSON itself defines them: `1500` and `1500.0` are the same number, and a client
//! that writes every number as a float (JavaScript's `JSON.stringify(1500.0)` does not, but many languages do) must
//! not be refused. A fraction (`1500.5`) or a number out of range is refused with a clear message.

use serde::Deserialize;
use serde::de::{Deserializer, Error};

/// `#[serde(deserialize_with = "crate::domain::whole_number::deserialize")]`.
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = match (number.as_i64(), number.as_f64()) {
        (Some(whole), _) => whole,
        (None, Some(float)) if float.fract() == 0.0 && float.abs() < 9.0e15 => float as i64,
        _ => return Err(D::Error::custom(format!("{number} is not a whole number"))),
    };
    T::try_from(whole).map_err(|_| D::Error::custom(format!("{number} is out of range")))
}

/// The same for an optional field (with `#[serde(default)]`): `null` or absent is `None`.
pub fn deserialize_option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    Ok(Option::<Whole<T>>::deserialize(deserializer)?.map(|Whole(value)| value))
}

/// A whole number as a type, for places where a field attribute cannot reach (values of a map).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Whole<T: TryFrom<i64>>(#[serde(deserialize_with = "deserialize")] pub T);

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug)]
    struct Input {
        #[serde(deserialize_with = "super::deserialize")]
        count: i32,
        #[serde(default, deserialize_with = "super::deserialize_option")]
        limit: Option<i64>,
    }

    #[test]
    fn integral_floats_are_whole_numbers_and_fractions_are_not() {
        let read = |json: &str| serde_json::from_str::<Input>(json);
        assert_eq!(read(r#"{"count": 1500}"#).unwrap().count, 1500);
        assert_eq!(read(r#"{"count": 1500.0, "limit": 3.0}"#).unwrap().limit, Some(3));
        assert_eq!(read(r#"{"count": -2, "limit": null}"#).unwrap().limit, None);
        assert!(read(r#"{"count": 1}"#).unwrap().limit.is_none());
        assert!(read(r#"{"count": 1500.5}"#).unwrap_err().to_string().contains("not a whole number"));
        assert!(read(r#"{"count": 1e300}"#).unwrap_err().to_string().contains("not a whole number"));
        assert!(read(r#"{"count": 3000000000}"#).unwrap_err().to_string().contains("out of range"));
        assert!(read(r#"{"count": "12"}"#).is_err());
    }
}
