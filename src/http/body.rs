//! JSON request bodies. Every body the API takes is an object, as its document says.
//!
//! serde's derived `Deserialize` also reads a struct from an array of its fields in order, so `web::Json` would take
//! `[null]` as `{"compare": null}`. [`JsonObject`] reads the body as a JSON object first and only then as the
//! endpoint's type, so an array, a string or a number is refused with the same `422` as any other unreadable body.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{AppError, Text};

/// A JSON request body that must be an object, read as `T`. Size limit and content type as for `web::Json`.
#[derive(Debug)]
pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for JsonObject<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let object = web::Json::<Map<String, Value>>::from_request(request, payload);
        Box::pin(async move {
            let web::Json(object) = object.await?;
            Ok(JsonObject(read(object).map_err(JsonPayloadError::Deserialize).map_err(json_error)?))
        })
    }
}

/// Reads `T` from a JSON object (never from an array of its fields).
fn read<T: DeserializeOwned>(object: Map<String, Value>) -> Result<T, serde_json::Error> {
    T::deserialize(Value::Object(object))
}

/// An optional body: none (or `null`) gives `T::default()`; anything else must be an object that reads as `T`.
pub fn optional<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, AppError> {
    let unreadable = |error: &dyn std::fmt::Display| {
        AppError::invalid("body", Text::new("problem.request.body").with("detail", error))
    };
    let text = std::str::from_utf8(body).map_err(|error| unreadable(&error))?;
    match text.trim() {
        "" | "null" => Ok(T::default()),
        json => serde_json::from_str::<Map<String, Value>>(json).and_then(read).map_err(|error| unreadable(&error)),
    }
}

/// A JSON body that cannot be read: too large (`413`) or not what the endpoint takes (`422`).
pub fn json_error(error: JsonPayloadError) -> AppError {
    match error {
        JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            AppError::TooLarge { limit }
        }
        error => AppError::invalid("body", Text::new("problem.request.body").with("detail", error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Input {
        compare: Option<String>,
    }

    #[test]
    fn an_optional_body_is_none_null_or_an_object() {
        assert_eq!(optional::<Input>(b"").unwrap(), Input::default());
        assert_eq!(optional::<Input>(b" null ").unwrap(), Input::default());
        assert_eq!(optional::<Input>(br#"{"compare": "x"}"#).unwrap(), Input { compare: Some("x".into()) });
        for refused in [&b"[null]"[..], b"[\"x\"]", b"\"x\"", b"1", b"{\"other\": 1}", b"\xff"] {
            assert!(optional::<Input>(refused).is_err(), "{:?}", String::from_utf8_lossy(refused));
        }
    }

    #[test]
    fn an_array_of_the_fields_is_not_the_struct() {
        let array: Result<Input, _> = serde_json::from_str("[null]");
        assert!(array.is_ok(), "serde reads a struct from an array, which is why JsonObject exists");
        let object: Map<String, Value> = serde_json::from_str(r#"{"compare": null}"#).unwrap();
        assert_eq!(read::<Input>(object).unwrap(), Input::default());
    }
}
