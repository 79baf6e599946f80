//! Recording a channel event (a pin, an edit) again when it failed after Slack was acked: Slack
//! will not deliver it again, so nobody else would.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use firebreak_commands::capture::{capture, Captured, ChannelActivity};
use firebreak_commands::ids::{ChannelId, TeamId};
use firebreak_commands::{CommandError, Context};

/// Tries after the first, once acked: 1 + 2 + 4 + 8 s of pauses, long enough for a database
/// restart or a lock to clear, short enough to finish within a graceful stop.
const LATE_RETRIES: u32 = 4;
const FIRST_PAUSE: Duration = Duration::from_secs(1);

/// Records `activity`. A failure once `acked` is set (the ack budget passed and Slack got its
/// 200) is tried again with a doubling pause; before that, the failure is returned at once so
/// that Slack is answered 503 and redelivers.
pub(super) async fn record(ctx: &Context, team: &TeamId, channel: &ChannelId, activity: ChannelActivity, acked: &AtomicBool) -> Result<Captured, CommandError> {
    let (mut pause, mut retries) = (FIRST_PAUSE, 0);
    loop {
        match capture(ctx, team, channel, activity.clone()).await {
            Err(error) if acked.load(Ordering::Acquire) && retries < LATE_RETRIES => {
                retries += 1;
                tracing::warn!(%error, retry = retries, "event not recorded after its ack; trying again");
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            result => return result,
        }
    }
}
