//! The keys the configuration types accept, read from serde itself: a recording
//! `Deserializer` walks a type and notes the `FIELDS` every struct passes to
//! `deserialize_struct`, so `docs/configuration.md` can be checked against the code.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// Every key `T` accepts, dotted from the top (`slack.pin_emoji`); a map's entries are `*`
/// (`severities.*.oncall`), an array's tables share their array's path.
pub fn accepted<'de, T: Deserialize<'de>>() -> Result<BTreeSet<String>, Probe> {
    let keys = Rc::new(RefCell::new(BTreeSet::new()));
    T::deserialize(Recorder { path: String::new(), keys: keys.clone() })?;
    let found = keys.borrow().clone();
    Ok(found)
}

/// The variants of an internally tagged enum (`#[serde(tag = "kind")]`), from serde's own
/// "unknown variant" error.
pub fn variants<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
    match T::deserialize(TagProbe) {
        Err(Probe::Variants(names)) => names.to_vec(),
        _ => Vec::new(),
    }
}

/// Why a walk stopped; `Variants` carries what a tag probe learnt.
#[derive(Debug)]
pub enum Probe {
    Custom(String),
    Variants(&'static [&'static str]),
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Custom(message) => f.write_str(message),
            Self::Variants(names) => write!(f, "variants {names:?}"),
        }
    }
}

impl std::error::Error for Probe {}

impl de::Error for Probe {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        Self::Custom(msg.to_string())
    }

    fn unknown_variant(_variant: &str, expected: &'static [&'static str]) -> Self {
        Self::Variants(expected)
    }
}

struct Recorder {
    path: String,
    keys: Rc<RefCell<BTreeSet<String>>>,
}

impl Recorder {
    fn child(&self, name: &str) -> Self {
        let path = if self.path.is_empty() { name.to_owned() } else { format!("{}.{name}", self.path) };
        Self { path, keys: self.keys.clone() }
    }
}

impl<'de> Deserializer<'de> for Recorder {
    type Error = Probe;

    fn deserialize_struct<V: Visitor<'de>>(self, _name: &'static str, fields: &'static [&'static str], visitor: V) -> Result<V::Value, Probe> {
        for field in fields {
            self.keys.borrow_mut().insert(self.child(field).path);
        }
        visitor.visit_map(Fields { parent: self, fields: fields.iter() })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_seq(One(Some(self)))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_map(Entry(Some(self.child("*"))))
    }

    // Leaves: any value of the right type will do.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_str("")
    }
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_bool(false)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_u8(1)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_u16(1)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_u32(1)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_u64(1)
    }
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_str("")
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_string(String::new())
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_str("")
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u128 f32 f64 char bytes byte_buf unit unit_struct newtype_struct tuple
        tuple_struct enum ignored_any
    }
}

/// A struct's fields, each once, each value walked under the field's path.
struct Fields {
    parent: Recorder,
    fields: std::slice::Iter<'static, &'static str>,
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Probe;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Probe> {
        match self.fields.clone().next() {
            Some(field) => seed.deserialize(de::value::BorrowedStrDeserializer::new(field)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Probe> {
        let field = self.fields.next().ok_or_else(|| Probe::Custom("value without a key".into()))?;
        seed.deserialize(self.parent.child(field))
    }
}

/// One element of an array.
struct One(Option<Recorder>);

impl<'de> SeqAccess<'de> for One {
    type Error = Probe;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Probe> {
        self.0.take().map(|recorder| seed.deserialize(recorder)).transpose()
    }
}

/// One entry of a map, keyed `*`.
struct Entry(Option<Recorder>);

impl<'de> MapAccess<'de> for Entry {
    type Error = Probe;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Probe> {
        if self.0.is_none() {
            return Ok(None);
        }
        seed.deserialize(de::value::BorrowedStrDeserializer::new("sev1")).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Probe> {
        let recorder = self.0.take().ok_or_else(|| Probe::Custom("value without a key".into()))?;
        seed.deserialize(recorder)
    }
}

/// Answers an internally tagged enum with a tag no variant has.
struct TagProbe;

impl<'de> Deserializer<'de> for TagProbe {
    type Error = Probe;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probe> {
        visitor.visit_map(de::value::MapDeserializer::new([("kind", "?")].into_iter()))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}
