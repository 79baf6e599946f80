//! `/incident timeline`: the events so far, oldest first, in the configured time zone.

use crate::engine::{current_incident, CommandError, Context, Invocation};
use crate::reply::{Block, Reply, Visibility};
use crate::timeline::TimelineEvent;

/// Slack allows 50 blocks per message; keep room for the header and the "more" line.
const MAX_EVENT_LINES_PER_BLOCK: usize = 20;
const MAX_BLOCKS: usize = 45;
const MAX_SECTION_CHARS: usize = 2900;

pub(super) async fn execute(ctx: &Context, inv: &Invocation) -> Result<Option<Reply>, CommandError> {
    let incident = current_incident(ctx, inv).await?;
    let events = ctx.store.timeline(incident.id).await?;
    let lines: Vec<String> = events.iter().map(|event| line(ctx, event)).collect();
    let mut blocks = vec![Block::Header(format!("Timeline of #{}", incident.number))];
    for chunk in lines.chunks(MAX_EVENT_LINES_PER_BLOCK).take(MAX_BLOCKS) {
        let mut text = chunk.join("\n");
        if text.len() > MAX_SECTION_CHARS {
            let mut end = MAX_SECTION_CHARS;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push('…');
        }
        blocks.push(Block::Section { text: Some(text), fields: vec![] });
    }
    let shown = MAX_BLOCKS * MAX_EVENT_LINES_PER_BLOCK;
    if lines.len() > shown {
        blocks.push(Block::Context(vec![format!("{} more events not shown.", lines.len() - shown)]));
    }
    let text = format!("Timeline of #{} ({} events)", incident.number, events.len());
    Ok(Some(Reply::blocks(Visibility::Ephemeral, text, blocks)))
}

fn line(ctx: &Context, event: &TimelineEvent) -> String {
    let time = event.at.to_zoned(ctx.settings.time_zone.clone()).strftime("%H:%M");
    format!("`{time}` {} {}", event.actor.mention(), event.kind.describe_mrkdwn())
}
