//! A secret from the environment that never prints.

use std::fmt;
use std::sync::Arc;

/// Wraps a token or signing secret so `Debug`/`Display` (and therefore logs) show nothing.
/// Shared, not copied: the app state holding the API tokens is cloned for every request.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Arc::from(value.into()))
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_format() {
        let secret = Secret::new("xoxb-very-secret");
        assert!(!format!("{secret:?} {secret}").contains("very-secret"));
        assert_eq!(secret.expose(), "xoxb-very-secret");
    }
}
