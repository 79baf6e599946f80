//! Channels: Slack's name rules, invitations and topics.

use serde_json::json;

use super::{call, create_channel, fake};
use crate::fake_slack::FakeSlack;

async fn create_error(fake: &FakeSlack, name: &str) -> anyhow::Result<Option<String>> {
    let answer = call(fake, "conversations.create", json!({ "name": name })).await?;
    Ok(answer.error().map(str::to_owned))
}

#[tokio::test]
async fn channel_names_follow_slacks_rules() -> anyhow::Result<()> {
    let fake = fake().await;
    let longest = "a".repeat(80);
    assert_eq!(create_error(&fake, &longest).await?, None);
    let too_long = "a".repeat(81);
    assert_eq!(
        create_error(&fake, &too_long).await?.as_deref(),
        Some("invalid_name_maxlength")
    );
    assert_eq!(
        create_error(&fake, "Bad Name!").await?.as_deref(),
        Some("invalid_name_specials")
    );
    assert_eq!(
        create_error(&fake, "Upper").await?.as_deref(),
        Some("invalid_name_specials")
    );
    assert_eq!(
        create_error(&fake, "").await?.as_deref(),
        Some("invalid_name_required")
    );
    assert_eq!(create_error(&fake, "inc_1-ok").await?, None);
    assert_eq!(
        create_error(&fake, "inc_1-ok").await?.as_deref(),
        Some("name_taken")
    );
    fake.add_channel("taken-by-a-person");
    assert_eq!(
        create_error(&fake, "taken-by-a-person").await?.as_deref(),
        Some("name_taken")
    );
    // Refusals for names are Slack's ordinary answers, not contract breaches.
    fake.assert_faithful();
    Ok(())
}

#[tokio::test]
async fn created_channels_look_like_slacks() -> anyhow::Result<()> {
    let fake = fake().await;
    let answer = call(
        &fake,
        "conversations.create",
        json!({ "name": "inc-7", "is_private": false }),
    )
    .await?;
    let channel = &answer.body["channel"];
    let id = channel["id"].as_str().unwrap_or_default();
    assert!(id.len() == 11 && id.starts_with("C0"), "id {id}");
    assert!(
        id.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert_eq!(channel["is_channel"], true);
    assert_eq!(channel["creator"], FakeSlack::BOT_USER);
    assert_eq!(channel["topic"]["value"], "");
    let stored = fake.channel_by_name("inc-7").map(|c| c.members);
    assert_eq!(stored, Some(vec![FakeSlack::BOT_USER.to_owned()]));
    Ok(())
}

#[tokio::test]
async fn invitations_add_members_once() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-8").await?;
    let invite = |users: &str| {
        call(
            &fake,
            "conversations.invite",
            json!({ "channel": channel, "users": users }),
        )
    };
    assert!(invite("U1,W2").await?.ok());
    assert_eq!(invite("U1").await?.error(), Some("already_in_channel"));
    // Partly new: the newcomers join.
    assert!(invite("U1,U3").await?.ok());
    let members = fake
        .channel(&channel)
        .map(|c| c.members)
        .unwrap_or_default();
    assert_eq!(members, ["UBOT", "U1", "W2", "U3"]);
    let missing = call(
        &fake,
        "conversations.invite",
        json!({ "channel": "C0NOPE", "users": "U1" }),
    )
    .await?;
    assert_eq!(missing.error(), Some("channel_not_found"));
    Ok(())
}

#[tokio::test]
async fn strict_users_and_foreign_channels_refuse_invites() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-9").await?;
    fake.strict_users(true);
    fake.add_user("U1");
    let answer = call(
        &fake,
        "conversations.invite",
        json!({ "channel": channel, "users": "U1,U2" }),
    )
    .await?;
    assert_eq!(answer.error(), Some("user_not_found"));
    let foreign = fake.add_channel("general");
    let answer = call(
        &fake,
        "conversations.invite",
        json!({ "channel": foreign, "users": "U1" }),
    )
    .await?;
    assert_eq!(answer.error(), Some("not_in_channel"));
    assert!(fake.add_member(&foreign, FakeSlack::BOT_USER));
    let answer = call(
        &fake,
        "conversations.invite",
        json!({ "channel": foreign, "users": "U1" }),
    )
    .await?;
    assert!(answer.ok(), "{answer:?}");
    Ok(())
}

#[tokio::test]
async fn topics_are_limited_to_250_characters() -> anyhow::Result<()> {
    let fake = fake().await;
    let channel = create_channel(&fake, "inc-10").await?;
    let set = |topic: String| {
        call(
            &fake,
            "conversations.setTopic",
            json!({ "channel": channel, "topic": topic }),
        )
    };
    assert_eq!(set("t".repeat(251)).await?.error(), Some("too_long"));
    let answer = set("SEV1 | investigating".to_owned()).await?;
    assert_eq!(
        answer.body["channel"]["topic"]["value"],
        "SEV1 | investigating"
    );
    assert_eq!(
        fake.channel(&channel).map(|c| c.topic).as_deref(),
        Some("SEV1 | investigating")
    );
    let missing = call(
        &fake,
        "conversations.setTopic",
        json!({ "channel": "C0NOPE", "topic": "x" }),
    )
    .await?;
    assert_eq!(missing.error(), Some("channel_not_found"));
    Ok(())
}
