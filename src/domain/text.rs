//! `Text`: a sentence for people, kept as the key of a page text (`locales/<language>.yml`) and the values it names,
//! so that each reader gets it in their own language. The domain and the use cases say what is wrong in `Text`; the
//! pages word it in the page's language, and the API's error bodies in Swedish, the service's default.

use serde::Serialize;
use serde::ser::SerializeMap;

/// A page text's key with the values of its `%{name}` places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub key: &'static str,
    pub values: Vec<(&'static str, Value)>,
}

/// A value in a text: words as they are, or a number that each language writes its own way ("10 000", "10,000").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Words(String),
    Number(i64),
}

impl Text {
    /// The text `key`, which names no values.
    pub const fn new(key: &'static str) -> Self {
        Self { key, values: Vec::new() }
    }

    /// The same text with `%{name}` standing for `value`.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.values.push((name, Value::Words(value.to_string())));
        self
    }

    /// The same text with `%{name}` standing for the number `value`, written the reader's way.
    #[must_use]
    pub fn with_number(mut self, name: &'static str, value: impl TryInto<i64>) -> Self {
        self.values.push((name, Value::Number(value.try_into().unwrap_or(i64::MAX))));
        self
    }

    /// The words of the value named `name`, if the text has such a value.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.iter().find_map(|(own, value)| match value {
            Value::Words(words) if *own == name => Some(words.as_str()),
            _ => None,
        })
    }
}

/// For templates: `{"key": "…", "values": {"name": "…" or a number}}`, which their `say` function words in the page's language.
impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Values<'a>(&'a [(&'static str, Value)]);
        impl Serialize for Values<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (name, value) in self.0 {
                    match value {
                        Value::Words(words) => map.serialize_entry(name, words)?,
                        Value::Number(number) => map.serialize_entry(name, number)?,
                    }
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("key", self.key)?;
        map.serialize_entry("values", &Values(&self.values))?;
        map.end()
    }
}

#[cfg(test)]
impl Text {
    /// The text in Swedish, for tests that read what a person would.
    pub fn swedish(&self) -> String {
        crate::i18n::say("sv", self)
    }
}
