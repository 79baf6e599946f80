//! `/incident list`: the open incidents of the workspace.

use crate::engine::{CommandError, Context, Invocation};
use crate::mrkdwn::escape;
use crate::reply::{Block, Reply, Visibility};

/// Slack allows 50 blocks per message.
const MAX_LISTED: usize = 40;

pub(super) async fn execute(ctx: &Context, inv: &Invocation) -> Result<Option<Reply>, CommandError> {
    let incidents = ctx.store.open_incidents(&inv.team).await?;
    if incidents.is_empty() {
        return Ok(Some(Reply::ephemeral(":white_check_mark: No open incidents.")));
    }
    let mut blocks = vec![Block::Header(format!("{} open incidents", incidents.len()))];
    for incident in incidents.iter().take(MAX_LISTED) {
        let channel = incident.channel.as_ref().map_or_else(|| "_opening…_".to_owned(), |c| c.link());
        let lead = incident.lead.as_ref().map_or_else(|| "no lead".to_owned(), |l| format!("lead {}", l.mention()));
        blocks.push(Block::Section {
            text: Some(format!(
                "*#{} {}*\n{} · {} · {} · {}",
                incident.number, escape(&incident.title), incident.severity, incident.status, lead, channel
            )),
            fields: vec![],
        });
    }
    if incidents.len() > MAX_LISTED {
        blocks.push(Block::Context(vec![format!("{} more not shown.", incidents.len() - MAX_LISTED)]));
    }
    let text = format!("{} open incidents", incidents.len());
    Ok(Some(Reply::blocks(Visibility::Ephemeral, text, blocks)))
}
