//! response_urls: recorded bodies, Slack's five-post limit, and URLs the fake never gave out.

use serde_json::json;

use super::{fake, send};

async fn respond(url: &str, body: serde_json::Value) -> anyhow::Result<super::Answer> {
    send(reqwest::Client::new().post(url).json(&body)).await
}

#[tokio::test]
async fn a_response_url_takes_five_posts_then_answers_used_url() -> anyhow::Result<()> {
    let fake = fake().await;
    let url = fake.new_response_url();
    for n in 0..5 {
        let answer = respond(&url, json!({ "text": format!("reply {n}") })).await?;
        assert!(answer.ok(), "post {n}: {answer:?}");
    }
    fake.assert_faithful();
    let sixth = respond(&url, json!({ "text": "one too many" })).await?;
    assert_eq!((sixth.status, sixth.error()), (404, Some("used_url")));
    let texts: Vec<_> = fake
        .responses(&url)
        .iter()
        .map(|body| body["text"].clone())
        .collect();
    assert_eq!(texts.len(), 5);
    assert_eq!(texts[4], "reply 4");
    assert!(fake.violations()[0].contains("more than 5"));
    Ok(())
}

#[tokio::test]
async fn unknown_response_urls_and_bad_blocks_are_violations() -> anyhow::Result<()> {
    let fake = fake().await;
    let url = fake.new_response_url();
    let unknown = format!("{}x", url);
    let answer = respond(&unknown, json!({ "text": "hi" })).await?;
    assert_eq!(answer.status, 404);
    let header =
        json!([{ "type": "header", "text": { "type": "plain_text", "text": "h".repeat(151) } }]);
    let answer = respond(&url, json!({ "blocks": header })).await?;
    assert_eq!(answer.error(), Some("invalid_blocks"));
    assert_eq!(fake.violations().len(), 2);
    assert!(fake.responses(&url).is_empty());
    Ok(())
}
