use serde_json::{json, Value};

use super::*;

fn names() -> Directory {
    let mut names = Directory::default();
    names.users.insert("U100".into(), "alice".into());
    names
}

fn html(blocks: Value) -> String {
    super::blocks(&blocks, &names()).unwrap_or_default()
}

#[test]
fn the_incident_card_as_slack_gets_it() {
    // The golden file is the Block Kit the renderer sends to Slack for the incident card.
    let card: Value = serde_json::from_str(include_str!("../../../tests/golden/incident_card.json")).unwrap_or(Value::Null);
    let shown = html(card);
    assert!(shown.starts_with("<div class=\"bk-header\">🚨 #7 API returns 502</div>"), "{shown}");
    assert!(shown.contains("<div class=\"bk-text\"><b>API returns 502</b></div>"), "{shown}");
    assert!(shown.contains("<div class=\"bk-field\"><b>Status</b><br>🔍 Investigating</div>"), "{shown}");
    assert!(shown.contains("<div class=\"bk-field\"><b>Started</b><br><time>2026-11-23 03:12 UTC</time></div>"), "{shown}");
    assert!(shown.contains("<div class=\"bk-context\"><span>Declared by <span class=\"mention\" title=\"U100\">@alice</span>"), "{shown}");
    assert!(shown.contains("<button type=\"button\" class=\"bk-button bk-primary\" data-action-id=\"incident_diag\" data-value=\"1\">Run diagnostics</button>"), "{shown}");
    assert!(shown.contains("data-action-id=\"incident_resolve\""), "{shown}");
    assert!(shown.contains("<template class=\"bk-confirm\""), "the resolve button asks first: {shown}");
}

#[test]
fn each_block_type() {
    assert_eq!(html(json!([{ "type": "header", "text": { "type": "plain_text", "text": "<Down> :fire:", "emoji": true } }])), "<div class=\"bk-header\">&lt;Down&gt; 🔥</div>");
    assert_eq!(html(json!([{ "type": "divider" }])), "<hr class=\"bk-divider\">");
    assert_eq!(
        html(json!([{ "type": "section", "fields": [{ "type": "mrkdwn", "text": "*A*\n1" }, { "type": "plain_text", "text": "*B*" }] }])),
        "<div class=\"bk-section\"><div class=\"bk-fields\"><div class=\"bk-field\"><b>A</b><br>1</div><div class=\"bk-field\">*B*</div></div></div>"
    );
    assert_eq!(
        html(json!([{ "type": "context", "elements": [{ "type": "mrkdwn", "text": "_small_" }, { "type": "plain_text", "text": "grey" }] }])),
        "<div class=\"bk-context\"><span><i>small</i></span><span>grey</span></div>"
    );
    assert_eq!(html(json!([{ "type": "video" }])), "<div class=\"bk-unknown\">[block `video` is not shown in the console]</div>");
    assert_eq!(super::blocks(&json!([]), &names()), None);
}

#[test]
fn buttons_keep_style_value_and_confirm_and_escape_everything() {
    let shown = html(json!([{ "type": "actions", "elements": [
        { "type": "button", "action_id": "remediation_deny", "value": "1:2", "style": "danger", "text": { "type": "plain_text", "text": "Deny" } },
        { "type": "button", "action_id": "x\"><script>", "value": "<v>", "text": { "type": "plain_text", "text": "<b>Plain</b>" },
          "confirm": { "title": { "type": "plain_text", "text": "Run \"this\"?" }, "text": { "type": "mrkdwn", "text": "`kubectl rollout restart` will run <now>" },
                       "confirm": { "type": "plain_text", "text": "Approve and run" }, "deny": { "type": "plain_text", "text": "Cancel" }, "style": "danger" } },
    ] }]));
    assert!(shown.contains("class=\"bk-button bk-danger\" data-action-id=\"remediation_deny\" data-value=\"1:2\">Deny</button>"), "{shown}");
    assert!(shown.contains("data-action-id=\"x&quot;&gt;&lt;script&gt;\" data-value=\"&lt;v&gt;\">&lt;b&gt;Plain&lt;/b&gt;</button>"), "{shown}");
    assert!(
        shown.contains("<template class=\"bk-confirm\" data-title=\"Run &quot;this&quot;?\" data-confirm=\"Approve and run\" data-deny=\"Cancel\" data-style=\"danger\"><code>kubectl rollout restart</code> will run now</template>"),
        "{shown}"
    );
    assert!(!shown.contains("<script>"), "{shown}");
}
