//! "Updates are delayed": told once per channel and throttling episode, through the channel's
//! own lane and ahead of its backlog, so people know why the channel went quiet.

use firebreak_commands::ids::ChannelId;
use firebreak_commands::ports::StoreError;
use firebreak_commands::reply::{Reply, Urgency};

use super::sender::Sender;
use super::{NewCall, Queued};
use crate::slack::chat::post_args;

/// What the channel is told.
pub const DELAYED_TEXT: &str =
    ":hourglass_flowing_sand: Slack is throttling Firebreak: updates in this channel are delayed. None are lost; they follow in order.";

/// Queues the notice in `head`'s lane if the lane is a channel whose oldest work has waited
/// longer than the configured delay and it was not told yet this episode. `true` when queued.
pub(super) async fn maybe_tell(sender: &Sender, head: &Queued, now_ms: i64) -> Result<bool, StoreError> {
    let is_channel = !head.lane.starts_with('@');
    if !is_channel || now_ms - head.created_at_ms < sender.config.notice_after_ms {
        return Ok(false);
    }
    if !sender.store.claim_delay_notice(&head.lane, now_ms).await? {
        return Ok(false);
    }
    let channel = ChannelId::new(head.lane.clone());
    let args = post_args(&channel, None, &Reply::in_channel(DELAYED_TEXT));
    let call = NewCall::new(head.lane.clone(), "chat.postMessage", args).with_urgency(Urgency::Urgent);
    sender.store.enqueue(&call, now_ms).await?;
    tracing::info!(outbox.lane = %head.lane, "told the channel that updates are delayed");
    Ok(true)
}
