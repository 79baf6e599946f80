use serde_json::json;

use super::*;

fn workspace() -> Workspace {
    Workspace::new(&["U0CONSOLE"], &[("C0INCIDENTS".to_owned(), "incidents".to_owned())])
}

#[test]
fn starts_with_general_and_the_extra_channels_with_everyone_in_them() {
    let ws = workspace();
    let names: Vec<String> = ws.channels().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["general", "incidents"]);
    let general = ws.channel("C0GENERAL").unwrap_or_else(|| panic!("general"));
    assert_eq!(general.members, ["U0CONSOLE", BOT_USER]);
}

#[test]
fn channel_names_are_unique_like_slack() {
    let ws = workspace();
    let created = ws.create_channel("inc-1").unwrap_or_else(|e| panic!("{e}"));
    assert!(created.id.starts_with('C') && created.members == [BOT_USER]);
    assert_eq!(ws.create_channel("inc-1").err(), Some(ChatError::Refused("name_taken".into())));
    assert_eq!(ws.create_channel("general").err(), Some(ChatError::Refused("name_taken".into())));
}

#[test]
fn messages_get_increasing_unique_ts_and_threads_need_a_parent() {
    let ws = workspace();
    let first = ws.post("C0GENERAL", Author::Bot, "one", json!([]), None).unwrap_or_else(|e| panic!("{e}"));
    let second = ws.post("C0GENERAL", Author::Bot, "two", json!([]), None).unwrap_or_else(|e| panic!("{e}"));
    assert!(second.parse::<f64>().unwrap_or(0.0) > first.parse::<f64>().unwrap_or(f64::MAX), "{first} < {second}");
    let reply = ws.post("C0GENERAL", Author::Bot, "in thread", json!([]), Some(&first)).unwrap_or_else(|e| panic!("{e}"));
    let general = ws.channel("C0GENERAL").unwrap_or_else(|| panic!("general"));
    assert_eq!(general.replies(&first).map(|m| m.ts.clone()).collect::<Vec<_>>(), std::slice::from_ref(&reply));
    assert_eq!(ws.post("C0GENERAL", Author::Bot, "x", json!([]), Some("1.000001")).err(), Some(ChatError::Refused("thread_not_found".into())));
    // Slack threads are one level deep: a reply cannot start a thread.
    assert_eq!(ws.post("C0GENERAL", Author::Bot, "x", json!([]), Some(&reply)).err(), Some(ChatError::Refused("thread_not_found".into())));
    assert_eq!(ws.post("C0NOPE", Author::Bot, "x", json!([]), None).err(), Some(ChatError::Refused("channel_not_found".into())));
}

#[test]
fn updates_replace_in_place_and_bump_the_version() {
    let ws = workspace();
    let ts = ws.post("C0GENERAL", Author::Bot, "old", json!([{"type": "divider"}]), None).unwrap_or_else(|e| panic!("{e}"));
    let before = ws.version();
    ws.update("C0GENERAL", &ts, "new", json!([])).unwrap_or_else(|e| panic!("{e}"));
    assert!(ws.version() > before);
    let general = ws.channel("C0GENERAL").unwrap_or_else(|| panic!("general"));
    assert_eq!((general.messages.len(), general.messages[0].text.as_str(), general.messages[0].ts.as_str()), (1, "new", ts.as_str()));
    assert_eq!(ws.update("C0GENERAL", "9.000001", "x", json!([])).err(), Some(ChatError::Refused("message_not_found".into())));
}

#[test]
fn topics_and_pins_show_as_system_lines_and_pins_are_once() {
    let ws = workspace();
    ws.set_topic("C0GENERAL", "SEV2 · investigating").unwrap_or_else(|e| panic!("{e}"));
    let ts = ws.post("C0GENERAL", Author::Bot, "card", json!([]), None).unwrap_or_else(|e| panic!("{e}"));
    ws.pin("C0GENERAL", &ts).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ws.pin("C0GENERAL", &ts).err(), Some(ChatError::Refused("already_pinned".into())));
    let general = ws.channel("C0GENERAL").unwrap_or_else(|| panic!("general"));
    assert_eq!(general.topic, "SEV2 · investigating");
    assert_eq!(general.pins, [ts]);
    let system: Vec<&str> = general.messages.iter().filter(|m| m.author == Author::System).map(|m| m.text.as_str()).collect();
    assert_eq!(system, ["Firebreak set the channel topic: SEV2 · investigating", "Firebreak pinned a message to this channel."]);
}

#[test]
fn ephemeral_messages_are_seen_by_their_user_only() {
    let ws = workspace();
    ws.post_ephemeral("C0GENERAL", "U0CONSOLE", "only you", json!([])).unwrap_or_else(|e| panic!("{e}"));
    let general = ws.channel("C0GENERAL").unwrap_or_else(|| panic!("general"));
    assert!(general.messages[0].visible_to_user("U0CONSOLE"));
    assert!(!general.messages[0].visible_to_user("U0TEAMMATE"));
}

#[test]
fn files_are_kept_and_shared_as_messages() {
    let ws = workspace();
    let ts = ws.upload("C0GENERAL", None, "postmortem.md", "# Postmortem\n", "Draft").unwrap_or_else(|e| panic!("{e}"));
    let general = ws.channel("C0GENERAL").unwrap_or_else(|| panic!("general"));
    let file_id = general.message(&ts).and_then(|m| m.file.clone()).unwrap_or_else(|| panic!("file on the message"));
    let file = ws.file(&file_id).unwrap_or_else(|| panic!("file"));
    assert_eq!((file.name.as_str(), file.content.as_str()), ("postmortem.md", "# Postmortem\n"));
    assert!(ws.upload("C0GENERAL", Some("1.000001"), "x.txt", "x", "").is_err());
}
