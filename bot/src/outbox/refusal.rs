//! Telling a channel that Slack refused, for good, a call queued for another one: an incident's
//! announcement in a broadcast channel Firebreak is not in would otherwise fail unseen.

use firebreak_commands::ids::ChannelId;
use firebreak_commands::mrkdwn::escape_cut;
use firebreak_commands::reply::Reply;
use serde_json::Value;

use super::{NewCall, Queued};
use crate::slack::chat::post_args;

/// The longest reason quoted (Slack's codes are short; an expiry says a sentence).
const MAX_REASON_CHARS: usize = 120;

/// The post that tells channel `to` that `call` was given up because of `why`.
pub(super) fn report(to: &str, call: &Queued, why: &str) -> NewCall {
    let to = ChannelId::new(to);
    let args = post_args(&to, None, &Reply::in_channel(text(call, why)));
    NewCall::new(to.as_str(), "chat.postMessage", args)
}

fn text(call: &Queued, why: &str) -> String {
    let target = call.args.get("channel").and_then(Value::as_str).unwrap_or(&call.lane);
    // Slack answers `channel_not_found` also for a private channel the bot is not in.
    let advice = match why {
        "not_in_channel" | "channel_not_found" => "Invite Firebreak to that channel (`/invite @Firebreak`) so that future incidents are announced there.",
        _ => "Check that Firebreak may post there so that future incidents are announced.",
    };
    // Slack's code and the channel id are outside text: escaped, so neither can turn into a
    // mention or a link.
    format!(
        ":warning: Slack refused the announcement in <#{}>: `{}`. {advice}",
        escape_cut(target, 40),
        escape_cut(why, MAX_REASON_CHARS).replace('`', "'")
    )
}

#[cfg(test)]
mod tests {
    use firebreak_commands::reply::Urgency;
    use serde_json::json;

    use super::super::RowState;
    use super::*;

    fn refused(channel: &str) -> Queued {
        Queued {
            id: 7,
            lane: channel.to_owned(),
            urgency: Urgency::Normal,
            method: "chat.postMessage".to_owned(),
            args: json!({ "channel": channel, "text": "SEV1 declared" }),
            state: RowState::Pending,
            attempts: 1,
            not_before_ms: 0,
            created_at_ms: 0,
            in_flight_since_ms: None,
            result: None,
            last_error: None,
            report_to: Some("C0INCIDENT".to_owned()),
        }
    }

    #[test]
    fn the_report_names_the_channel_and_the_code_and_says_what_to_do() {
        let report = report("C0INCIDENT", &refused("C0BROADCAST"), "not_in_channel");
        assert_eq!((report.lane.as_str(), report.method.as_str(), report.report_to), ("C0INCIDENT", "chat.postMessage", None));
        assert_eq!(report.args["channel"], "C0INCIDENT");
        let text = report.args["text"].as_str().unwrap_or_default();
        assert!(text.contains("<#C0BROADCAST>") && text.contains("`not_in_channel`") && text.contains("/invite @Firebreak"), "{text}");
    }

    #[test]
    fn outside_text_cannot_mention_anyone() {
        let report = report("C0INCIDENT", &refused("C0<!channel>"), "odd <!here> `code`");
        let text = report.args["text"].as_str().unwrap_or_default();
        assert!(!text.contains("<!channel>") && !text.contains("<!here>"), "{text}");
        assert!(text.contains("&lt;!here&gt;") && !text.contains("`code`"), "{text}");
        assert!(!text.contains("/invite"), "advice for a code that is not about membership: {text}");
    }
}
