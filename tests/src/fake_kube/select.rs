//! Label and field selectors as the API server reads them (`app=x,tier!=db,canary,!legacy`).

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    Missing(String),
}

/// A parsed selector; empty selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

impl Selector {
    /// Parses equality-based selectors; set-based ones (`in (…)`) are refused like a bad request.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.contains('(') {
            return Err(format!("the fake does not support set-based selectors: {text}"));
        }
        let mut requirements = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let requirement = if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotEquals(k.trim().to_owned(), v.trim().to_owned())
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::Equals(k.trim().to_owned(), v.trim().to_owned())
            } else if let Some(k) = part.strip_prefix('!') {
                Requirement::Missing(k.trim().to_owned())
            } else {
                Requirement::Exists(part.to_owned())
            };
            requirements.push(requirement);
        }
        Ok(Self(requirements))
    }

    fn matches_with(&self, lookup: impl Fn(&str) -> Option<String>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => lookup(k).as_deref() == Some(v.as_str()),
            Requirement::NotEquals(k, v) => lookup(k).as_deref() != Some(v.as_str()),
            Requirement::Exists(k) => lookup(k).is_some(),
            Requirement::Missing(k) => lookup(k).is_none(),
        })
    }

    pub fn matches_labels(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        self.matches_with(|key| labels.and_then(|l| l.get(key)).cloned())
    }

    /// Field selectors address the object's JSON: `type`, `involvedObject.name`, `metadata.name`.
    pub fn matches_fields(&self, object: &Value) -> bool {
        self.matches_with(|path| {
            let found = path.split('.').try_fold(object, |v, key| v.get(key))?;
            Some(match found {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        })
    }
}
