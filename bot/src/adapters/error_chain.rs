//! An error and its causes as one line, for messages about adapters' failures.

/// `error` and its sources as one line, each cause once (libraries often repeat their source):
/// "client error (Connect): tcp connect error: Connection refused".
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}
