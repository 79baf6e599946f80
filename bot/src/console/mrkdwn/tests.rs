use super::*;

fn names() -> Directory {
    let mut names = Directory::default();
    names.users.insert("U0CONSOLE".into(), "you".into());
    names.channels.insert("C0CON00003".into(), "inc-20261123-1-api-down".into());
    names
}

fn html(text: &str) -> String {
    to_html(text, &names())
}

#[test]
fn people_text_can_never_become_markup() {
    // As in Slack, `<…>` is a control sequence; one that is not a link is shown as text.
    assert_eq!(html("<script>alert(1)</script>"), "scriptalert(1)/script");
    let shown = html("a \"quote\" & <img src=x onerror=alert(1)>");
    assert!(!shown.contains("<img"), "{shown}");
    assert!(shown.contains("&quot;quote&quot; &amp;"), "{shown}");
    // Slack's own escapes are shown as the characters they stand for, escaped for HTML once.
    assert_eq!(html("1 &lt; 2 &amp;&amp; 3 &gt; 2"), "1 &lt; 2 &amp;&amp; 3 &gt; 2");
    assert_eq!(escape("<'\">&"), "&lt;&#39;&quot;&gt;&amp;");
}

#[test]
fn mentions_channels_and_links() {
    assert_eq!(html("<@U0CONSOLE> leads"), "<span class=\"mention\" title=\"U0CONSOLE\">@you</span> leads");
    assert_eq!(html("<@U0OTHER>"), "<span class=\"mention\" title=\"U0OTHER\">@U0OTHER</span>");
    assert_eq!(
        html("see <#C0CON00003>"),
        "see <a class=\"channel\" data-channel=\"C0CON00003\" href=\"/console?channel=C0CON00003\">#inc-20261123-1-api-down</a>"
    );
    assert_eq!(html("<!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>"), "<time>2023-11-14 22:13 UTC</time>");
    assert_eq!(html("<!here> now"), "<span class=\"mention\">@here</span> now");
    assert_eq!(html("<https://x.test/a?b=1&amp;c=2|the docs>"), "<a href=\"https://x.test/a?b=1&amp;c=2\" target=\"_blank\" rel=\"noopener noreferrer\">the docs</a>");
    assert_eq!(html("<javascript:alert(1)|click>"), "click", "only http(s) and mailto links are links");
    let label = html("<#C1|\" onclick=\"x><b>bold</b>");
    assert!(label.starts_with("<a class=\"channel\" data-channel=\"C1\" href=\"/console?channel=C1\">#&quot; onclick=&quot;x</a>") && !label.contains("<b>"), "{label}");
    assert_eq!(html("a < b"), "a &lt; b");
}

#[test]
fn styles_code_quotes_and_emoji() {
    assert_eq!(html("*Status*\n:mag: Investigating"), "<b>Status</b><br>🔍 Investigating");
    assert_eq!(html("_italic_ and ~gone~ and *bold _both_*"), "<i>italic</i> and <s>gone</s> and <b>bold <i>both</i></b>");
    assert_eq!(html("nerf_web_api stays and 2*3*4 too"), "nerf_web_api stays and 2*3*4 too");
    assert_eq!(html("run `kubectl *get* pods` now"), "run <code>kubectl *get* pods</code> now");
    assert_eq!(html("```\nline &lt;1&gt;\n:x: *raw*\n```"), "<pre>line &lt;1&gt;\n:x: *raw*</pre>");
    assert_eq!(html("&gt; quoted *text*"), "<blockquote>quoted <b>text</b></blockquote>");
    assert_eq!(html(":white_check_mark: ok :not_an_emoji: 10:30:00"), "✅ ok :not_an_emoji: 10:30:00");
    assert_eq!(html("a `lone backtick"), "a `lone backtick");
}

#[test]
fn plain_text_is_escaped_with_optional_emoji() {
    assert_eq!(plain("<b>:x:</b>", true), "&lt;b&gt;❌&lt;/b&gt;");
    assert_eq!(plain(":x:", false), ":x:");
}
