//! Runs a command after (or within) Slack's 3-second ack and turns its outcome into a reply.

use std::future::Future;
use std::time::Duration;

use firebreak_commands::reply::Reply;
use firebreak_commands::{CommandError, Context};

/// How long a command may run before the ack is sent without its answer. Slack allows 3 s;
/// the rest is margin for the network.
pub const ACK_BUDGET: Duration = Duration::from_millis(2000);

/// Maps a command's result to what the person sees, logging internal errors once with a
/// reference id they can quote. Counts the command by name and outcome.
pub fn outcome_reply(name: &'static str, result: Result<Option<Reply>, CommandError>) -> Option<Reply> {
    let outcome = match &result {
        Ok(_) => "ok",
        Err(CommandError::User(_)) => "refused",
        Err(CommandError::Internal(_) | CommandError::StoreUnreachable(_)) => "error",
    };
    metrics::counter!("firebreak_commands_total", "command" => name, "outcome" => outcome).increment(1);
    match result {
        Ok(reply) => reply,
        Err(CommandError::User(message)) => Some(Reply::ephemeral(format!(":warning: {message}"))),
        Err(CommandError::Internal(cause)) => {
            let reference = logged_reference(name, &cause);
            Some(Reply::ephemeral(format!(
                ":x: Something went wrong on Firebreak's side (reference `{reference}`). Nothing half-done was left behind; please try again."
            )))
        }
        // An outage the person can do nothing about but wait: say so plainly, so that they try
        // again later rather than report a bug (or believe it was done).
        Err(CommandError::StoreUnreachable(cause)) => {
            let reference = logged_reference(name, &cause);
            Some(Reply::ephemeral(format!(
                ":x: Firebreak cannot reach its database right now, so this was not recorded. Please try again in a moment (reference `{reference}`)."
            )))
        }
    }
}

/// Logs a failed command once under a fresh reference id, which the person is given to quote.
fn logged_reference(name: &'static str, cause: &str) -> String {
    let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    tracing::error!(command = name, error.reference = %reference, error.cause = %cause, "command failed");
    reference
}

/// What to put in the ack.
#[derive(Debug)]
pub enum Ack {
    /// The work finished in time: answer with this (or an empty ack).
    Now(Option<Reply>),
    /// The work goes on; its answer will arrive through `response_url`.
    Later,
}

/// Runs `work` in its own task. If it finishes within the ack budget its reply is returned for
/// the ack itself; otherwise `None` is returned at once and the reply goes to `response_url`
/// when the work is done.
pub async fn within_ack<F>(ctx: &Context, name: &'static str, response_url: Option<String>, work: F) -> Ack
where
    F: Future<Output = Result<Option<Reply>, CommandError>> + Send + 'static,
{
    let mut task = ctx.background.spawn(work);
    match tokio::time::timeout(ACK_BUDGET, &mut task).await {
        Ok(joined) => Ack::Now(outcome_reply(name, joined.unwrap_or_else(|e| Err(CommandError::Internal(e.to_string()))))),
        Err(_elapsed) => {
            let ctx = ctx.clone();
            ctx.background.clone().spawn(async move {
                let joined = task.await.unwrap_or_else(|e| Err(CommandError::Internal(e.to_string())));
                deliver_later(&ctx, name, response_url, joined).await;
            });
            Ack::Later
        }
    }
}

/// Runs `work` entirely after the ack and delivers its reply to `response_url`.
pub fn after_ack<F>(ctx: &Context, name: &'static str, response_url: Option<String>, work: F)
where
    F: Future<Output = Result<Option<Reply>, CommandError>> + Send + 'static,
{
    let ctx = ctx.clone();
    ctx.background.clone().spawn(async move {
        let result = work.await;
        deliver_later(&ctx, name, response_url, result).await;
    });
}

async fn deliver_later(ctx: &Context, name: &'static str, response_url: Option<String>, result: Result<Option<Reply>, CommandError>) {
    let (Some(reply), Some(url)) = (outcome_reply(name, result), response_url) else {
        return;
    };
    if let Err(error) = ctx.chat.respond(&url, &reply).await {
        tracing::warn!(command = name, %error, "could not deliver the reply through response_url");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(reply: Option<Reply>) -> String {
        reply.map(|r| r.text).unwrap_or_default()
    }

    #[test]
    fn a_database_out_of_reach_is_said_plainly_other_failures_generically() {
        let down = CommandError::from(firebreak_commands::ports::StoreError::Unreachable("reading: pool timed out".into()));
        let told = text(outcome_reply("note", Err(down)));
        assert!(told.contains("cannot reach its database") && told.contains("try again"), "{told}");
        let other = text(outcome_reply("note", Err(CommandError::Internal("a bug".into()))));
        assert!(other.contains("Something went wrong") && !other.contains("database"), "{other}");
    }
}
