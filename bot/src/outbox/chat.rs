//! `OutboxChat`: the `Chat` port over the outbox. Mutating calls are stored first; those whose
//! answer the flow needs (a message's `ts`, a new channel, an invite's refusal) then wait for
//! their row to be sent — woken by the local sender, or by polling when another replica sent
//! it. The others (update, topic, pin, files, response_url) wait only while Slack answers at
//! once, so a healthy Slack keeps the flow's order; under trouble they return once stored.
//! Announcements (`post_and_forget`) return once stored; a final refusal is told in the channel
//! they name. An update supersedes the older queued updates of its message (see `store::outbox`).
//! Reads go straight to Slack, unless a 429 has closed their method's gate.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use firebreak_commands::ids::{ChannelId, MessageTs, SlackUserId, TeamId};
use firebreak_commands::ports::{Chat, ChatError, ChatMessage, CreatedChannel};
use firebreak_commands::reply::Reply;
use serde_json::{Value, json};

use super::sender::Signals;
use super::{CREATE_LANE, NewCall, RESPOND, RESPONSE_URL_LANE, RowState, UPLOAD_TEXT, now_ms};
use crate::slack::chat::{self as slack_chat, SlackChat};
use crate::slack::render;
use crate::store::SqlStore;

/// How often a waiter looks at its row when no local wake-up comes.
const POLL: Duration = Duration::from_millis(250);
/// Failed reads of its row (one per `POLL`) a waiter shrugs off before it reports them.
const MAX_READ_FAILURES: u32 = 20;
/// The longest a fire-and-forget call waits for a healthy Slack, so that the flow's next step
/// (telling the person it is done) follows it; it stops waiting at its call's first failure.
const SETTLE_WAIT: Duration = Duration::from_secs(5);
/// The longest a read waits for its method's gate to open before it reports Slack unavailable.
const READ_GATE_WAIT_MS: i64 = 30_000;

/// Firebreak's hands in Slack, durable.
#[derive(Debug, Clone)]
pub struct OutboxChat {
    store: SqlStore,
    direct: SlackChat,
    signals: Arc<Signals>,
}

impl OutboxChat {
    pub(super) fn new(store: SqlStore, direct: SlackChat, signals: Arc<Signals>) -> Self {
        Self { store, direct, signals }
    }

    async fn enqueue(&self, call: NewCall) -> Result<i64, ChatError> {
        let id = self.store.enqueue(&call, now_ms()).await.map_err(|e| ChatError::Unavailable(format!("queueing a Slack call: {e}")))?;
        self.signals.wake.notify_one();
        Ok(id)
    }

    /// Queues `call` and waits until it was sent (Slack's answer) or given up (its error).
    async fn send_and_wait(&self, call: NewCall) -> Result<Value, ChatError> {
        let id = self.enqueue(call).await?;
        self.wait(id, None).await.map(|answer| answer.unwrap_or(Value::Null))
    }

    /// Queues `call`; when Slack answers at once, its refusal is reported, otherwise the call
    /// stays queued (it is stored: not lost) and `Ok` returns without waiting any longer.
    async fn send_soon(&self, call: NewCall) -> Result<(), ChatError> {
        let id = self.enqueue(call).await?;
        self.settle(id).await
    }

    /// Waits for queued call `id` as [`OutboxChat::send_soon`] does.
    async fn settle(&self, id: i64) -> Result<(), ChatError> {
        let deadline = tokio::time::Instant::now() + SETTLE_WAIT;
        self.wait(id, Some(deadline)).await.map(drop)
    }

    /// Waits for call `id` to be sent (`Some(answer)`) or given up (its error). With a
    /// `deadline`, `Ok(None)` once it passes or the call failed once and waits for a retry.
    async fn wait(&self, id: i64, deadline: Option<tokio::time::Instant>) -> Result<Option<Value>, ChatError> {
        let mut read_failures = 0;
        loop {
            let done = self.signals.done.notified();
            tokio::pin!(done);
            // Registered before reading, so a completion in between is not missed.
            done.as_mut().enable();
            let row = match self.store.outbox_call(id).await {
                Ok(row) => row,
                // The call is stored and will go out: a brief database hiccup only delays the answer.
                Err(_) if read_failures < MAX_READ_FAILURES => {
                    read_failures += 1;
                    tokio::time::sleep(POLL).await;
                    continue;
                }
                Err(error) => return Err(ChatError::Unavailable(format!("reading a queued call: {error}"))),
            };
            read_failures = 0;
            let Some(row) = row else { return Err(ChatError::Unavailable(format!("queued call {id} disappeared"))) };
            match row.state {
                RowState::Sent => return Ok(Some(row.result.unwrap_or(Value::Null))),
                RowState::Dead => {
                    let code = row.last_error.unwrap_or_else(|| "unknown_error".to_owned());
                    return Err(if code == "name_taken" { ChatError::NameTaken } else { ChatError::Refused(code) });
                }
                RowState::Pending => {
                    if let Some(deadline) = deadline
                        && (tokio::time::Instant::now() >= deadline || self.troubled(&row).await)
                    {
                        return Ok(None);
                    }
                    tokio::select! {
                        () = &mut done => {}
                        () = tokio::time::sleep(POLL) => {}
                    }
                }
            }
        }
    }

    /// Whether Slack is failing `row` (it failed once) or its method (a 429 closed the gate):
    /// then a fire-and-forget caller stops waiting.
    async fn troubled(&self, row: &super::Queued) -> bool {
        row.last_error.is_some() || self.store.gate_closed_until(&row.method, now_ms()).await.map_or(true, |gate| gate.is_some())
    }

    /// Waits while a 429 keeps `method` closed (briefly); reads are not queued, but must not
    /// add to a rate-limit storm.
    async fn through_gate(&self, method: &str) -> Result<(), ChatError> {
        let now = now_ms();
        let closed = self.store.gate_closed_until(method, now).await.map_err(|e| ChatError::Unavailable(format!("reading a rate-limit gate: {e}")))?;
        match closed {
            None => Ok(()),
            Some(until) if until - now <= READ_GATE_WAIT_MS => {
                tokio::time::sleep(Duration::from_millis((until - now) as u64)).await;
                Ok(())
            }
            Some(_) => Err(ChatError::Unavailable(format!("{method} is rate limited"))),
        }
    }
}

fn lane(channel: &ChannelId) -> String {
    channel.as_str().to_owned()
}

/// `chat.postMessage` of `reply` in `channel` (in `thread` when given), in the channel's lane
/// at the reply's urgency.
fn post_call(channel: &ChannelId, thread: Option<&MessageTs>, reply: &Reply) -> NewCall {
    NewCall::new(lane(channel), "chat.postMessage", slack_chat::post_args(channel, thread, reply)).with_urgency(reply.urgency)
}

#[async_trait]
impl Chat for OutboxChat {
    async fn create_channel(&self, name: &str) -> Result<CreatedChannel, ChatError> {
        let call = NewCall::new(CREATE_LANE, "conversations.create", json!({ "name": name, "is_private": false }));
        slack_chat::created_channel(&self.send_and_wait(call).await?, name)
    }

    async fn invite(&self, channel: &ChannelId, users: &[SlackUserId]) -> Result<(), ChatError> {
        let call = NewCall::new(lane(channel), "conversations.invite", slack_chat::invite_args(channel, users));
        self.send_and_wait(call).await.map(drop)
    }

    async fn set_topic(&self, channel: &ChannelId, topic: &str) -> Result<(), ChatError> {
        let args = json!({ "channel": channel.as_str(), "topic": topic });
        self.send_soon(NewCall::new(lane(channel), "conversations.setTopic", args)).await
    }

    async fn post(&self, channel: &ChannelId, reply: &Reply) -> Result<MessageTs, ChatError> {
        slack_chat::posted_ts(&self.send_and_wait(post_call(channel, None, reply)).await?)
    }

    async fn post_and_forget(&self, channel: &ChannelId, reply: &Reply, report_to: Option<&ChannelId>) -> Result<(), ChatError> {
        // Stored is enough: the sender delivers it at the lane's pace, in order, and nobody
        // waits for its `ts` (nor behind the other posts queued in that channel). A refusal
        // comes later, so it is told in `report_to` by the sender.
        let call = post_call(channel, None, reply).with_report_to(report_to.map(ChannelId::as_str));
        self.enqueue(call).await.map(drop)
    }

    async fn update(&self, channel: &ChannelId, ts: &MessageTs, reply: &Reply) -> Result<(), ChatError> {
        let call = NewCall::new(lane(channel), "chat.update", slack_chat::update_args(channel, ts, reply)).with_urgency(reply.urgency);
        let id = self.enqueue(call).await?;
        // Older updates of this message it superseded are done: their waiters may return.
        self.signals.done.notify_waiters();
        self.settle(id).await
    }

    async fn pin(&self, channel: &ChannelId, ts: &MessageTs) -> Result<(), ChatError> {
        let args = json!({ "channel": channel.as_str(), "timestamp": ts.as_str() });
        self.send_soon(NewCall::new(lane(channel), "pins.add", args)).await
    }

    async fn post_in_thread(&self, channel: &ChannelId, thread: &MessageTs, reply: &Reply) -> Result<MessageTs, ChatError> {
        slack_chat::posted_ts(&self.send_and_wait(post_call(channel, Some(thread), reply)).await?)
    }

    async fn upload_text(&self, channel: &ChannelId, thread: &MessageTs, filename: &str, content: &str) -> Result<(), ChatError> {
        let args = json!({ "channel": channel.as_str(), "thread_ts": thread.as_str(), "filename": filename, "content": content });
        self.send_soon(NewCall::new(lane(channel), UPLOAD_TEXT, args)).await
    }

    async fn share_text(&self, channel: &ChannelId, filename: &str, content: &str, comment: &str) -> Result<(), ChatError> {
        let args = json!({ "channel": channel.as_str(), "comment": comment, "filename": filename, "content": content });
        self.send_soon(NewCall::new(lane(channel), UPLOAD_TEXT, args)).await
    }

    async fn message(&self, channel: &ChannelId, ts: &MessageTs) -> Result<Option<ChatMessage>, ChatError> {
        self.through_gate("conversations.history").await?;
        self.direct.message(channel, ts).await
    }

    async fn permalink(&self, channel: &ChannelId, ts: &MessageTs) -> Result<String, ChatError> {
        self.through_gate("chat.getPermalink").await?;
        self.direct.permalink(channel, ts).await
    }

    async fn reacted_by(&self, channel: &ChannelId, ts: &MessageTs, emoji: &str) -> Result<Vec<SlackUserId>, ChatError> {
        self.through_gate("reactions.get").await?;
        self.direct.reacted_by(channel, ts, emoji).await
    }

    async fn identity(&self) -> Result<(TeamId, SlackUserId), ChatError> {
        self.through_gate("auth.test").await?;
        self.direct.identity().await
    }

    async fn usergroup_members(&self, group: &str) -> Result<Vec<SlackUserId>, ChatError> {
        self.through_gate("usergroups.users.list").await?;
        self.direct.usergroup_members(group).await
    }

    async fn respond(&self, response_url: &str, reply: &Reply) -> Result<(), ChatError> {
        // A malformed URL would never work: refused now, not queued.
        url::Url::parse(response_url).map_err(|_| ChatError::Refused("invalid_response_url".into()))?;
        let args = json!({ "url": response_url, "body": render::response_body(reply) });
        match self.enqueue(NewCall::new(RESPONSE_URL_LANE, RESPOND, args).with_urgency(reply.urgency)).await {
            Ok(id) => self.settle(id).await,
            // The database is out of reach, and what the person must hear is most often just
            // that: answer them directly, once (not durably), rather than not at all.
            Err(error) => {
                tracing::warn!(%error, "could not queue an answer to a response_url; sending it directly");
                self.direct.respond(response_url, reply).await
            }
        }
    }
}
