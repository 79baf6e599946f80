//! The outbox port's waiting rules, against a real (in-memory SQLite) store and no sender.

use std::time::Duration;

use firebreak_commands::ids::ChannelId;
use firebreak_commands::ports::Chat;
use firebreak_commands::reply::Reply;

use super::{RowState, Sender, SenderConfig};
use crate::config::Secret;
use crate::slack::web_api::SlackWebApi;
use crate::store::SqlStore;

/// Far longer than queueing takes on a loaded machine; only a wait for delivery exceeds it.
const GENEROUS: Duration = Duration::from_secs(30);

#[tokio::test]
async fn an_announcement_returns_once_queued_without_waiting_for_delivery() {
    let store = SqlStore::connect("sqlite::memory:").await.unwrap_or_else(|e| panic!("in-memory SQLite: {e}"));
    // No sender runs and Slack's URL is a closed port: nothing is ever delivered, so a post that
    // waited for delivery would never return.
    let api = SlackWebApi::new("http://127.0.0.1:9/api", &Secret::new("xoxb-test")).unwrap_or_else(|e| panic!("{e}"));
    let chat = Sender::new(store.clone(), api, SenderConfig::default()).chat();
    let broadcast = ChannelId::new("C0BROADCAST");

    let incident = ChannelId::new("C0INCIDENT");
    let queued = tokio::time::timeout(GENEROUS, chat.post_and_forget(&broadcast, &Reply::in_channel("SEV1 declared"), Some(&incident))).await;
    assert!(matches!(queued, Ok(Ok(()))), "the announcement waited for its delivery: {queued:?}");
    let head = store.lane_head("C0BROADCAST").await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("nothing queued"));
    assert_eq!((head.method.as_str(), head.state), ("chat.postMessage", RowState::Pending));
    assert_eq!(head.args["channel"], "C0BROADCAST");
    assert_eq!(head.report_to.as_deref(), Some("C0INCIDENT"), "where a refusal is told is stored with the call");

    // A post whose `ts` the flow needs still waits for delivery.
    let post = tokio::time::timeout(Duration::from_millis(300), chat.post(&broadcast, &Reply::in_channel("card"))).await;
    assert!(post.is_err(), "a post returned without being delivered: {post:?}");
}
