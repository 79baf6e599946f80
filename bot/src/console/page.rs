//! The console page, rendered on the server: the channel list, the open channel with its
//! messages, threads and files, and a composer. The view part is re-fetched as it changes.

use super::mrkdwn::{self, escape, Directory};
use super::workspace::{Author, Channel, Message, Workspace};
use super::{blocks, PEOPLE};

const STYLE: &str = include_str!("console.css");
const SCRIPT: &str = include_str!("console.js");

/// Names for mentions and channel links.
fn directory(channels: &[Channel]) -> Directory {
    let mut names = Directory::default();
    names.users.extend(PEOPLE.iter().map(|(id, name)| ((*id).to_owned(), (*name).to_owned())));
    names.users.insert(super::workspace::BOT_USER.to_owned(), "Firebreak".to_owned());
    names.channels.extend(channels.iter().map(|c| (c.id.clone(), c.name.clone())));
    names
}

fn person_name(id: &str) -> String {
    PEOPLE.iter().find(|(p, _)| *p == id).map_or_else(|| id.to_owned(), |(_, name)| (*name).to_owned())
}

/// `1700000000.000100` → `22:13:20` (UTC).
fn clock(ts: &str) -> String {
    let seconds = ts.split('.').next().and_then(|s| s.parse::<i64>().ok()).unwrap_or_default();
    jiff::Timestamp::from_second(seconds).map(|t| t.strftime("%H:%M:%S").to_string()).unwrap_or_default()
}

/// The element id of a message, as permalinks name it.
fn anchor(ts: &str) -> String {
    format!("m{}", ts.replace('.', "-"))
}

fn message(channel: &Channel, m: &Message, user: &str, names: &Directory, ws: &Workspace) -> String {
    if m.author == Author::System {
        return format!("<div class=\"msg system\" id=\"{}\">{}</div>", anchor(&m.ts), escape(&m.text));
    }
    let author = match &m.author {
        Author::User(id) => escape(&person_name(id)),
        _ => "Firebreak <span class=\"app\">APP</span>".to_owned(),
    };
    let mut flags = String::new();
    if channel.pins.contains(&m.ts) {
        flags.push_str("<span class=\"flag pinned\">📌 Pinned</span>");
    }
    if m.visible_to.is_some() {
        flags.push_str("<span class=\"flag only-you\">Only visible to you</span>");
    }
    let body = blocks::blocks(&m.blocks, names).unwrap_or_else(|| mrkdwn::to_html(&m.text, names));
    let classes = if m.visible_to.is_some() { "msg ephemeral" } else { "msg" };
    let mut html = format!(
        "<article class=\"{classes}\" id=\"{}\" data-ts=\"{}\"><div class=\"msg-head\"><span class=\"author\">{author}</span><time title=\"{} UTC\">{}</time>{flags}</div><div class=\"msg-body\">{body}</div>",
        anchor(&m.ts),
        escape(&m.ts),
        clock(&m.ts),
        clock(&m.ts),
    );
    if let Some(file) = m.file.as_deref().and_then(|id| ws.file(id)) {
        html.push_str(&format!(
            "<div class=\"file\"><a href=\"/console/files/{0}\" download>📄 {1}</a><details data-key=\"file-{0}\"><summary>Show</summary><pre>{2}</pre></details></div>",
            escape(&file.id),
            escape(&file.name),
            escape(&file.content)
        ));
    }
    let replies: Vec<&Message> = channel.replies(&m.ts).filter(|r| r.visible_to_user(user)).collect();
    if !replies.is_empty() {
        let count = if replies.len() == 1 { "1 reply".to_owned() } else { format!("{} replies", replies.len()) };
        let inner: String = replies.iter().map(|r| message(channel, r, user, names, ws)).collect();
        html.push_str(&format!("<details class=\"thread\" data-key=\"thread-{}\"><summary>{count}</summary>{inner}</details>", escape(&m.ts)));
    }
    html + "</article>"
}

fn sidebar(channels: &[Channel], current: &str, user: &str) -> String {
    let mut html = String::from("<nav class=\"sidebar\"><div class=\"workspace\">Firebreak console</div><div class=\"label\">Channels</div>");
    for c in channels {
        let mut class = String::from("side-channel");
        if c.id == current {
            class.push_str(" active");
        }
        if !c.members.iter().any(|m| m == user) {
            class.push_str(" not-member");
        }
        html.push_str(&format!("<a class=\"{class}\" data-channel=\"{0}\" href=\"/console?channel={0}\"># {1}</a>", escape(&c.id), escape(&c.name)));
    }
    html + "</nav>"
}

/// The part of the page that changes: sidebar and the open channel, as seen by `user`.
pub fn view(ws: &Workspace, current: &str, user: &str) -> String {
    let version = ws.version();
    let channels = ws.channels();
    let names = directory(&channels);
    let main = match channels.iter().find(|c| c.id == current) {
        Some(channel) => {
            let messages: String = channel
                .messages
                .iter()
                .filter(|m| m.thread_ts.is_none() && m.visible_to_user(user))
                .map(|m| message(channel, m, user, &names, ws))
                .collect();
            format!(
                "<header class=\"channel-head\"><h1># {}</h1><div class=\"topic\">{}</div><div class=\"meta\">{} members · {} pinned</div></header><section class=\"messages\" id=\"messages\">{messages}</section>",
                escape(&channel.name),
                mrkdwn::to_html(&channel.topic, &names),
                channel.members.len(),
                channel.pins.len(),
            )
        }
        None => "<section class=\"messages\" id=\"messages\"><p class=\"gone\">This channel does not exist. The console's workspace lives in memory: it starts empty each time Firebreak starts.</p></section>".to_owned(),
    };
    format!(
        "<div id=\"view\" data-version=\"{version}\" data-channel=\"{}\" data-as=\"{}\">{}<main class=\"channel\">{main}</main></div>",
        escape(current),
        escape(user),
        sidebar(&channels, current, user)
    )
}

/// The whole page: the view plus the composer, the person switch and the confirm dialog.
pub fn page(ws: &Workspace, current: &str, user: &str) -> String {
    let people: String = PEOPLE
        .iter()
        .map(|(id, name)| format!("<option value=\"{id}\"{}>{name} ({id})</option>", if *id == user { " selected" } else { "" }))
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Firebreak console</title><style>{STYLE}</style></head><body>{}\
         <form id=\"composer\" autocomplete=\"off\"><label>as <select id=\"persona\" name=\"as\">{people}</select></label>\
         <input id=\"text\" name=\"text\" maxlength=\"4000\" placeholder=\"/incident start sev2 demo-web returns 502 — or /incident help\" autofocus>\
         <button type=\"submit\">Send</button></form><div id=\"notice\" role=\"status\"></div>\
         <dialog id=\"confirm\"><h2></h2><div class=\"confirm-text\"></div><div class=\"confirm-buttons\"><button type=\"button\" class=\"deny\"></button><button type=\"button\" class=\"ok\"></button></div></dialog>\
         <script>{SCRIPT}</script></body></html>",
        view(ws, current, user)
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_view_shows_what_the_person_may_see_with_threads_pins_and_files() {
        let ws = Workspace::new(&["U0CONSOLE", "U0TEAMMATE"], &[]);
        let card = json!([{ "type": "header", "text": { "type": "plain_text", "text": "Card <1>" } }]);
        let ts = ws.post("C0GENERAL", Author::Bot, "card", card, None).unwrap_or_else(|e| panic!("{e}"));
        ws.pin("C0GENERAL", &ts).unwrap_or_else(|e| panic!("{e}"));
        ws.post("C0GENERAL", Author::Bot, "detail *one*", json!([]), Some(&ts)).unwrap_or_else(|e| panic!("{e}"));
        ws.post_ephemeral("C0GENERAL", "U0TEAMMATE", "whisper", json!([])).unwrap_or_else(|e| panic!("{e}"));
        ws.upload("C0GENERAL", None, "postmortem.md", "# <Postmortem>", "Draft").unwrap_or_else(|e| panic!("{e}"));
        ws.post("C0GENERAL", Author::User("U0CONSOLE".into()), "&lt;b&gt;hi&lt;/b&gt;", json!([]), None).unwrap_or_else(|e| panic!("{e}"));
        let shown = view(&ws, "C0GENERAL", "U0CONSOLE");
        assert!(shown.contains("<div class=\"bk-header\">Card &lt;1&gt;</div>"), "{shown}");
        assert!(shown.contains("📌 Pinned") && shown.contains("Firebreak pinned a message to this channel."), "{shown}");
        assert!(shown.contains("<summary>1 reply</summary>") && shown.contains("detail <b>one</b>"), "{shown}");
        assert!(!shown.contains("whisper"), "another person's ephemeral message is not shown: {shown}");
        assert!(shown.contains("📄 postmortem.md</a>") && shown.contains("<pre># &lt;Postmortem&gt;</pre>"), "{shown}");
        assert!(shown.contains("<span class=\"author\">you</span>") && shown.contains("&lt;b&gt;hi&lt;/b&gt;"), "{shown}");
        let teammate = view(&ws, "C0GENERAL", "U0TEAMMATE");
        assert!(teammate.contains("whisper") && teammate.contains("Only visible to you"), "{teammate}");
    }

    #[test]
    fn a_missing_channel_is_explained_and_the_page_has_the_composer() {
        let ws = Workspace::new(&["U0CONSOLE"], &[]);
        assert!(view(&ws, "C0GONE", "U0CONSOLE").contains("This channel does not exist"));
        let whole = page(&ws, "C0GENERAL", "U0TEAMMATE");
        assert!(whole.contains("<form id=\"composer\"") && whole.contains("<option value=\"U0TEAMMATE\" selected>"), "{whole}");
    }
}
