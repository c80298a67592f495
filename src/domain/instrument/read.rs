//! The reader: JSON into a plain tree of `Node`s, then walked field by field into an [`Instrument`], so that a
//! wrong or unknown field is named by its path.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::model::{
    Choice, Condition, Instrument, InstrumentError, Item, ItemKind, Scale, ScaleOption, Section, Texts, error,
};

/// The default instrument as shipped; [`default_instrument`] loads it, and a unit test proves that it loads.
pub const DEFAULT_INSTRUMENT_JSON: &str = include_str!("../../../instruments/trygghetsmatning-2026.1.json");

/// The questionnaire every new survey uses, [`DEFAULT_INSTRUMENT_JSON`] loaded. The unit tests load it, so in a
/// tested build this never returns an error.
pub fn default_instrument() -> Result<Instrument, InstrumentError> {
    Instrument::load(DEFAULT_INSTRUMENT_JSON)
}

impl Instrument {
    /// Reads and validates an instrument; the error names the first problem's place.
    pub fn load(json: &str) -> Result<Self, InstrumentError> {
        let instrument = read_json(json)?;
        instrument.validate()?;
        Ok(instrument)
    }
}

/// Reads an instrument without checking it; JSON that does not parse is refused by line and column.
fn read_json(json: &str) -> Result<Instrument, InstrumentError> {
    let node: Node = serde_json::from_str(json).map_err(|error| syntax_error(&error))?;
    read_instrument(&node)
}

impl<'de> Deserialize<'de> for Instrument {
    /// Deserializing an instrument loads it: the result is validated like [`Instrument::load`]'s.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let node = Node::deserialize(deserializer)?;
        let instrument = read_instrument(&node).map_err(de::Error::custom)?;
        instrument.validate().map_err(de::Error::custom)?;
        Ok(instrument)
    }
}

fn syntax_error(json_error: &serde_json::Error) -> InstrumentError {
    let (line, column) = (json_error.line(), json_error.column());
    let message = json_error.to_string();
    let message = message.strip_suffix(&format!(" at line {line} column {column}")).unwrap_or(&message);
    let problem = if json_error.is_eof() { format!("the JSON ends too early ({message})") } else { message.to_owned() };
    InstrumentError { path: format!("line {line}, column {column}"), problem }
}

/// A JSON value as read: objects keep their keys in file order, and a key given twice is refused.
#[derive(Debug)]
enum Node {
    Null,
    Bool(bool),
    Integer(i128),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn describe(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "true or false",
            Self::Integer(_) => "a whole number",
            Self::Float(_) => "a number with a decimal point or exponent",
            Self::Str(_) => "a string",
            Self::List(_) => "a list",
            Self::Map(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Node, E> {
        Ok(Node::Integer(i128::from(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Integer(i128::from(value)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Node, E> {
        Ok(Node::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Node, E> {
        Ok(Node::Str(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Node, E> {
        Ok(Node::Str(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut seen = BTreeSet::new();
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("the key \"{key}\" appears twice in this object")));
            }
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// The fields of one JSON object and its path, for reading them one by one.
struct Fields<'a> {
    path: String,
    entries: &'a [(String, Node)],
}

impl<'a> Fields<'a> {
    fn of(node: &'a Node, path: String) -> Result<Self, InstrumentError> {
        match node {
            Node::Map(entries) => Ok(Self { path, entries }),
            other => Err(mistyped(&path, "an object { … }", other)),
        }
    }

    /// Refuses any field not in `allowed`; `what` names the object in the message ("a section").
    fn only(&self, allowed: &[&str], what: &str) -> Result<(), InstrumentError> {
        match self.entries.iter().find(|(key, _)| !allowed.contains(&key.as_str())) {
            Some((key, _)) => {
                Err(error(self.at(key), format!("unknown field; {what} has the fields {}", allowed.join(", "))))
            }
            None => Ok(()),
        }
    }

    fn at(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}.{key}", self.path) }
    }

    /// A field's value; `null` counts as absent.
    fn optional(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, node)| node)
            .filter(|node| !matches!(node, Node::Null))
    }

    fn required(&self, key: &str) -> Result<&'a Node, InstrumentError> {
        self.optional(key).ok_or_else(|| error(self.at(key), "this field is missing"))
    }

    fn string(&self, key: &str) -> Result<String, InstrumentError> {
        as_string(self.required(key)?, &self.at(key))
    }

    fn texts(&self, key: &str) -> Result<Texts, InstrumentError> {
        as_texts(self.required(key)?, &self.at(key))
    }

    fn optional_texts(&self, key: &str) -> Result<Option<Texts>, InstrumentError> {
        self.optional(key).map(|node| as_texts(node, &self.at(key))).transpose()
    }

    fn integer(&self, key: &str) -> Result<i64, InstrumentError> {
        as_integer(self.required(key)?, &self.at(key))
    }

    fn count(&self, key: &str) -> Result<usize, InstrumentError> {
        as_count(self.required(key)?, &self.at(key))
    }

    /// Reads each element of a list field with `read`, giving it the element's path.
    fn list<T>(
        &self,
        key: &str,
        read: impl Fn(&'a Node, String) -> Result<T, InstrumentError>,
    ) -> Result<Vec<T>, InstrumentError> {
        let path = self.at(key);
        match self.required(key)? {
            Node::List(items) => {
                items.iter().enumerate().map(|(index, node)| read(node, format!("{path}[{index}]"))).collect()
            }
            other => Err(mistyped(&path, "a list [ … ]", other)),
        }
    }
}

fn mistyped(path: &str, expected: &str, found: &Node) -> InstrumentError {
    error(path, format!("expected {expected}, found {}", found.describe()))
}

fn as_string(node: &Node, path: &str) -> Result<String, InstrumentError> {
    match node {
        Node::Str(text) => Ok(text.clone()),
        other => Err(mistyped(path, "a string \"…\"", other)),
    }
}

fn as_integer(node: &Node, path: &str) -> Result<i64, InstrumentError> {
    match node {
        Node::Integer(number) => i64::try_from(*number).map_err(|_| error(path, "the number is too large")),
        other => Err(mistyped(path, "a whole number", other)),
    }
}

fn as_count(node: &Node, path: &str) -> Result<usize, InstrumentError> {
    match node {
        Node::Integer(number) => usize::try_from(*number).map_err(|_| error(path, "expected a whole number from 0 up")),
        other => Err(mistyped(path, "a whole number", other)),
    }
}

fn as_texts(node: &Node, path: &str) -> Result<Texts, InstrumentError> {
    let Node::Map(entries) = node else {
        return Err(mistyped(path, "texts by language, e.g. { \"sv\": \"…\", \"en\": \"…\" }", node));
    };
    let texts = entries.iter().map(|(lang, text)| Ok((lang.clone(), as_string(text, &format!("{path}.{lang}"))?)));
    Ok(Texts(texts.collect::<Result<_, InstrumentError>>()?))
}

fn read_instrument(node: &Node) -> Result<Instrument, InstrumentError> {
    let fields = Fields::of(node, String::new())?;
    fields.only(&["key", "version", "languages", "title", "scales", "sections"], "an instrument")?;
    let key = fields.string("key")?;
    let version = fields.string("version")?;
    let languages = fields.list("languages", |node, path| as_string(node, &path))?;
    let title = fields.texts("title")?;
    let mut scales = BTreeMap::new();
    if let Some(node) = fields.optional("scales") {
        let named = Fields::of(node, fields.at("scales"))?;
        for (name, node) in named.entries {
            scales.insert(name.clone(), read_scale(node, named.at(name))?);
        }
    }
    let sections = fields.list("sections", read_section)?;
    Ok(Instrument { key, version, languages, title, scales, sections })
}

fn read_scale(node: &Node, path: String) -> Result<Scale, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["options", "dont_know"], "a scale")?;
    let options = fields.list("options", read_scale_option)?;
    let dont_know = fields.optional("dont_know").map(|node| read_choice(node, fields.at("dont_know"))).transpose()?;
    Ok(Scale { options, dont_know })
}

fn read_scale_option(node: &Node, path: String) -> Result<ScaleOption, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["code", "weight", "label"], "a scale option")?;
    let weight = match fields.optional("weight") {
        None => None,
        Some(Node::Integer(weight)) => Some(*weight as f64),
        Some(Node::Float(weight)) => Some(*weight),
        Some(other) => return Err(mistyped(&fields.at("weight"), "a number", other)),
    };
    Ok(ScaleOption { code: fields.string("code")?, weight, label: fields.texts("label")? })
}

fn read_choice(node: &Node, path: String) -> Result<Choice, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["code", "label"], "an option")?;
    Ok(Choice { code: fields.string("code")?, label: fields.texts("label")?, exclusive: false })
}

/// An option of a multiple-choice question, which may be `"exclusive": true`.
fn read_multiple_choice(node: &Node, path: String) -> Result<Choice, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["code", "label", "exclusive"], "an option")?;
    let exclusive = match fields.optional("exclusive") {
        None => false,
        Some(Node::Bool(exclusive)) => *exclusive,
        Some(other) => return Err(mistyped(&fields.at("exclusive"), "true or false", other)),
    };
    Ok(Choice { code: fields.string("code")?, label: fields.texts("label")?, exclusive })
}

fn read_section(node: &Node, path: String) -> Result<Section, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["id", "title", "intro", "area", "items"], "a section")?;
    Ok(Section {
        id: fields.string("id")?,
        title: fields.texts("title")?,
        intro: fields.optional_texts("intro")?,
        area: fields.optional("area").map(|node| as_string(node, &fields.at("area"))).transpose()?,
        items: fields.list("items", read_item)?,
    })
}

const ITEM_FIELDS: [&str; 7] = ["id", "type", "text", "help", "required", "show_if", "replaces"];

fn read_item(node: &Node, path: String) -> Result<Item, InstrumentError> {
    let fields = Fields::of(node, path)?;
    let type_name = fields.string("type")?;
    let own_fields: &[&str] = match type_name.as_str() {
        "scale" => &["scale"],
        "single" => &["options"],
        "multiple" => &["options", "max"],
        "yes_no" => &["yes", "no"],
        "number" => &["min", "max", "unit"],
        "text" => &["max_chars"],
        _ => {
            let problem = format!(
                "unknown item type \"{type_name}\"; the types are scale, single, multiple, yes_no, number, text"
            );
            return Err(error(fields.at("type"), problem));
        }
    };
    let allowed: Vec<&str> = ITEM_FIELDS.iter().chain(own_fields).copied().collect();
    fields.only(&allowed, &format!("a \"{type_name}\" item"))?;
    let kind = match type_name.as_str() {
        "scale" => ItemKind::Scale { scale: fields.string("scale")? },
        "single" => ItemKind::Single { options: fields.list("options", read_choice)? },
        "multiple" => ItemKind::Multiple {
            options: fields.list("options", read_multiple_choice)?,
            max: fields.optional("max").map(|node| as_count(node, &fields.at("max"))).transpose()?,
        },
        "yes_no" => ItemKind::YesNo { yes: fields.optional_texts("yes")?, no: fields.optional_texts("no")? },
        "number" => ItemKind::Number {
            min: fields.integer("min")?,
            max: fields.integer("max")?,
            unit: fields.optional_texts("unit")?,
        },
        _ => ItemKind::Text { max_chars: fields.count("max_chars")? },
    };
    let required = match fields.optional("required") {
        None => false,
        Some(Node::Bool(required)) => *required,
        Some(other) => return Err(mistyped(&fields.at("required"), "true or false", other)),
    };
    Ok(Item {
        id: fields.string("id")?,
        kind,
        text: fields.texts("text")?,
        help: fields.optional_texts("help")?,
        required,
        show_if: fields.optional("show_if").map(|node| read_condition(node, fields.at("show_if"))).transpose()?,
        replaces: fields.optional("replaces").map(|node| as_string(node, &fields.at("replaces"))).transpose()?,
    })
}

fn read_condition(node: &Node, path: String) -> Result<Condition, InstrumentError> {
    let fields = Fields::of(node, path)?;
    fields.only(&["item", "equals"], "a condition")?;
    Ok(Condition { item: fields.string("item")?, equals: fields.string("equals")? })
}
