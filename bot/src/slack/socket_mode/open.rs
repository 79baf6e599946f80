//! `apps.connections.open`: a fresh, single-use WebSocket URL for every connection, asked for
//! with the app-level token (never the bot token).

use anyhow::{bail, Context as _};
use serde_json::json;

use crate::config::Secret;
use crate::slack::web_api::SlackWebApi;

/// Asks Slack where to connect.
#[derive(Debug, Clone)]
pub(super) struct Opener {
    /// A Web API client bound to the app token; its errors carry Slack's codes, never the token.
    api: SlackWebApi,
}

impl Opener {
    pub(super) fn new(api_url: &str, app_token: &Secret) -> anyhow::Result<Self> {
        Ok(Self { api: SlackWebApi::new(api_url, app_token)? })
    }

    /// A `wss://` (or, against a local fake, `ws://`) URL to connect to once.
    pub(super) async fn open(&self) -> anyhow::Result<url::Url> {
        let answer = self.api.call("apps.connections.open", &json!({})).await.context("apps.connections.open")?;
        let text = answer.get("url").and_then(|u| u.as_str()).context("apps.connections.open answered without a url")?;
        let url = url::Url::parse(text).context("apps.connections.open answered an invalid url")?;
        if !matches!(url.scheme(), "wss" | "ws") {
            bail!("apps.connections.open answered a {} URL, not a WebSocket one", url.scheme());
        }
        Ok(url)
    }
}

/// Where a URL points, without its query: the ticket in it is a one-time credential.
pub(super) fn host_of(url: &url::Url) -> String {
    format!("{}:{}", url.host_str().unwrap_or("?"), url.port_or_known_default().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_of_leaves_the_ticket_out() {
        let url = url::Url::parse("wss://wss-primary.slack.com/link/?ticket=secret-ticket&app_id=A1").unwrap();
        assert_eq!(host_of(&url), "wss-primary.slack.com:443");
    }
}
