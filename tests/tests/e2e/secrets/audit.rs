//! The secrets audit: the real `firebreak serve` binary at TRACE, a whole scripted incident
//! with a recognisable fake secret in every credential, and not one of them in any log line,
//! Slack message, thread reply, `response_url` answer, uploaded file or HTTP response body.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use firebreak::store::SqlStore;
use firebreak_commands::ports::RemediationStore;
use firebreak_commands::remediation::request::{RequestId, RequestState};
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_kube::{deployment, FakeKube};
use firebreak_tests::fake_slack::FakeSlack;
use firebreak_tests::fake_socket_mode::FakeSocketMode;
use firebreak_tests::fake_statuspage::FakeStatuspage;
use firebreak_tests::redis_server::shared_redis_url;
use firebreak_tests::signing;
use firebreak_tests::spawn::{Answer, TestApp};
use firebreak_tests::spawn_console::firebreak_binary;
use sqlx::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One fake secret per credential; each is searched for verbatim everywhere.
struct Secrets {
    bot_token: &'static str,
    signing_secret: &'static str,
    app_token: &'static str,
    alertmanager_token: &'static str,
    api_token: &'static str,
    kube_token: &'static str,
    postgres_password: &'static str,
    redis_password: &'static str,
    statuspage_key: &'static str,
}

const SECRETS: Secrets = Secrets {
    bot_token: "xoxb-AUDITbot-7f3a9c51",
    signing_secret: "AUDITsigning5e1b77c2",
    app_token: "xapp-1-A0001-AUDITapp-4c2d9e",
    alertmanager_token: "AUDITalertmanager9d8e41",
    api_token: "AUDITapitoken3b6f02",
    kube_token: "AUDITkubetoken8c1d55",
    postgres_password: "AUDITpgpass2a4c77",
    redis_password: "AUDITredispass6e1f30",
    statuspage_key: "AUDITstatuspage4d7e19",
};

impl Secrets {
    fn all(&self) -> [(&'static str, &'static str); 9] {
        [
            ("SLACK_BOT_TOKEN", self.bot_token),
            ("SLACK_SIGNING_SECRET", self.signing_secret),
            ("SLACK_APP_TOKEN", self.app_token),
            ("ALERTMANAGER_TOKEN", self.alertmanager_token),
            ("FIREBREAK_API_TOKEN", self.api_token),
            ("the kubeconfig token", self.kube_token),
            ("the Postgres password", self.postgres_password),
            ("the Redis password", self.redis_password),
            ("STATUSPAGE_API_KEY", self.statuspage_key),
        ]
    }
}

const CONFIG: &str = r#"
[[runbooks]]
name = "web"
description = "web is down"
services = ["web"]

[[runbooks.checks]]
name = "web database"
kind = "postgres"
url_env = "WEB_DATABASE_URL"

[[runbooks.checks]]
name = "web redis"
kind = "redis"
url_env = "WEB_REDIS_URL"

[[runbooks.checks]]
name = "web pods"
kind = "k8s_pods"
namespace = "default"
selector = "app=web"

[[runbooks.actions]]
name = "restart-web"
kind = "k8s_rollout_restart"
namespace = "default"
deployment = "web"
approvers = ["U0BOB"]

[[runbooks.actions]]
name = "statuspage"
kind = "statuspage_incident"
page_id = "auditpage001"
token_env = "STATUSPAGE_API_KEY"
incident_name = "Web degraded"
approvers = ["U0BOB"]
"#;

/// A Postgres role and database of the test's own, the role's password being the fake secret.
async fn postgres_with_password() -> Option<String> {
    let plain = Backend::Postgres.fresh_database_url().await?;
    let (base, database) = plain.rsplit_once('/').unwrap_or_else(|| panic!("database URL without a name"));
    let role = format!("audit_{}", &database[database.len() - 12..]);
    let mut admin = sqlx::postgres::PgConnection::connect(&format!("{base}/postgres")).await.unwrap_or_else(|e| panic!("{e}"));
    // Names are a fixed prefix and a UUID's tail; the password is the constant above.
    for statement in [
        format!("CREATE ROLE {role} LOGIN PASSWORD '{}'", SECRETS.postgres_password),
        format!("ALTER DATABASE {database} OWNER TO {role}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut admin).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let host = base.rsplit_once('@').map_or(base, |(_, host)| host).trim_start_matches("postgres://");
    Some(format!("postgres://{role}:{}@{host}/{database}", SECRETS.postgres_password))
}

/// A Redis ACL user on the test script's Redis whose password is the fake secret.
async fn redis_with_password() -> Option<String> {
    let url = shared_redis_url()?;
    let address = url.trim_start_matches("redis://").trim_end_matches('/');
    let user = format!("audit-{}", uuid::Uuid::new_v4().simple());
    let args = ["ACL", "SETUSER", &user, "on", &format!(">{}", SECRETS.redis_password), "~*", "&*", "+@all"];
    let mut command = format!("*{}\r\n", args.len());
    for arg in args {
        command.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap_or_else(|e| panic!("Redis at {address}: {e}"));
    stream.write_all(command.as_bytes()).await.unwrap_or_else(|e| panic!("{e}"));
    let mut reply = [0u8; 64];
    let n = stream.read(&mut reply).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(reply[..n].starts_with(b"+OK"), "ACL SETUSER: {}", String::from_utf8_lossy(&reply[..n]));
    Some(format!("redis://{user}:{}@{address}", SECRETS.redis_password))
}

/// `firebreak serve` at TRACE with every credential set; killed on drop.
struct Bot {
    app: TestApp,
    child: Child,
    dir: PathBuf,
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Bot {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("firebreak.log")).unwrap_or_default()
    }
}

async fn launch(slack: &FakeSlack, kube: &FakeKube, statuspage: &FakeStatuspage, database_url: &str, redis_url: &str) -> Bot {
    let dir = std::env::temp_dir().join(format!("firebreak-audit-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("firebreak.toml"), CONFIG).unwrap_or_else(|e| panic!("{e}"));
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: audit\n    namespace: default\ncurrent-context: fake\nusers:\n- name: audit\n  user:\n    token: {}\n",
        kube.url(),
        SECRETS.kube_token
    );
    std::fs::write(dir.join("kubeconfig"), kubeconfig).unwrap_or_else(|e| panic!("{e}"));
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"));
    let log = std::fs::File::create(dir.join("firebreak.log")).unwrap_or_else(|e| panic!("{e}"));
    let child = Command::new(firebreak_binary())
        .arg("serve")
        .current_dir(&dir)
        .env("SLACK_BOT_TOKEN", SECRETS.bot_token)
        .env("SLACK_SIGNING_SECRET", SECRETS.signing_secret)
        .env("SLACK_APP_TOKEN", SECRETS.app_token)
        .env("SLACK_API_URL", slack.api_url())
        .env("ALERTMANAGER_TOKEN", SECRETS.alertmanager_token)
        .env("FIREBREAK_API_TOKEN", SECRETS.api_token)
        .env("DATABASE_URL", database_url)
        .env("REDIS_URL", redis_url)
        .env("WEB_DATABASE_URL", database_url)
        .env("WEB_REDIS_URL", redis_url)
        .env("FIREBREAK_CONFIG", dir.join("firebreak.toml"))
        .env("FIREBREAK_LISTEN", format!("127.0.0.1:{port}"))
        .env("KUBECONFIG", dir.join("kubeconfig"))
        .env("STATUSPAGE_API_URL", statuspage.url())
        .env("STATUSPAGE_API_KEY", SECRETS.statuspage_key)
        .env("HOME", &dir)
        .env("RUST_LOG", "trace")
        .stdout(log.try_clone().unwrap_or_else(|e| panic!("{e}")))
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start firebreak: {e}"));
    let store = SqlStore::connect(database_url).await.unwrap_or_else(|e| panic!("second store handle: {e}"));
    let app = TestApp {
        base_url: format!("http://127.0.0.1:{port}"),
        slack: slack.clone(),
        store: Arc::new(store),
        http: reqwest::Client::new(),
        database_url: database_url.to_owned(),
    };
    let mut bot = Bot { app, child, dir };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = bot.child.try_wait() {
            panic!("firebreak serve exited ({status}):\n{}", bot.log());
        }
        let live = bot.app.http.get(format!("{}/health/live", bot.app.base_url)).send().await;
        if live.is_ok_and(|r| r.status().is_success()) {
            return bot;
        }
        assert!(Instant::now() < deadline, "firebreak serve did not come up:\n{}", bot.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
        bot.child.try_wait().ok();
    }
}

/// Drives the bot as Slack and Alertmanager would, keeping every HTTP answer for the audit.
struct Driver<'a> {
    app: &'a TestApp,
    answers: Vec<Answer>,
    response_urls: Vec<String>,
}

impl Driver<'_> {
    async fn signed(&mut self, path: &str, body: &str) {
        let answer = self.app.post_signed_with(path, "application/x-www-form-urlencoded", body, SECRETS.signing_secret, &signing::now()).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        self.answers.push(answer);
    }

    async fn slash(&mut self, user: &str, channel: &str, text: &str) -> String {
        let response_url = self.app.slack.new_response_url();
        let body = self.app.slash_form(user, channel, text, &response_url);
        self.signed("/slack/commands", &body).await;
        self.response_urls.push(response_url.clone());
        response_url
    }

    async fn click(&mut self, user: &str, channel: &str, action: &str, value: &str) {
        let response_url = self.app.slack.new_response_url();
        let payload = self.app.click_payload(user, channel, action, value, &response_url);
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap_or_default();
        self.signed("/slack/interactions", &body).await;
        self.response_urls.push(response_url);
    }

    async fn get(&mut self, path: &str, token: &str) -> u16 {
        let answer = self.app.send(self.app.http.get(format!("{}{path}", self.app.base_url)).bearer_auth(token)).await;
        let status = answer.status;
        self.answers.push(answer);
        status
    }

    async fn alert(&mut self, token: &str, body: &str) -> u16 {
        let request = self.app.http.post(format!("{}/hooks/alertmanager", self.app.base_url)).header("content-type", "application/json");
        let answer = self.app.send(request.bearer_auth(token).body(body.to_owned())).await;
        let status = answer.status;
        self.answers.push(answer);
        status
    }
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn channel_says(slack: &FakeSlack, channel: &str, text: &str) -> bool {
    slack.channel(channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains(text)))
}

/// Postgres and Redis with passwords, Socket Mode, Kubernetes with a token: needs the test
/// script's services (fails under `CI=true` without them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_incident_shows_no_credential_anywhere() {
    let Some(database_url) = postgres_with_password().await else { return };
    let Some(redis_url) = redis_with_password().await else { return };
    let slack = FakeSlack::start(SECRETS.bot_token).await;
    let socket = FakeSocketMode::start(&slack, SECRETS.app_token);
    let kube = FakeKube::start().await;
    kube.add_deployment(deployment("web", 2).build());
    let statuspage = FakeStatuspage::start(SECRETS.statuspage_key, &["auditpage001"]).await;
    let bot = launch(&slack, &kube, &statuspage, &database_url, &redis_url).await;
    socket.wait_connections(1).await;
    let mut drive = Driver { app: &bot.app, answers: Vec::new(), response_urls: Vec::new() };

    // Declare, diagnose (checks that connect with the passwords), request, approve, run.
    let declared = drive.slash("U0ALICE", "CGENERAL", "start sev1 web is down").await;
    wait_until("the incident channel", async || !slack.responses(&declared).is_empty()).await;
    let incident = bot.app.open_incidents().await.remove(0);
    let channel = incident.channel.clone().unwrap_or_else(|| panic!("no channel")).as_str().to_owned();
    drive.slash("U0ALICE", &channel, "diag web").await;
    wait_until("the diagnostics report", async || channel_says(&slack, &channel, "web redis")).await;
    drive.slash("U0ALICE", &channel, "fix restart-web").await;
    wait_until("the approval card", async || channel_says(&slack, &channel, "Approval needed")).await;
    drive.click("U0BOB", &channel, "fix_approve", &format!("{}:1", incident.id)).await;
    wait_until("the remediation to finish", async || {
        let request = bot.app.store.request(RequestId(1)).await.ok().flatten();
        request.is_some_and(|r| matches!(r.state, RequestState::Succeeded | RequestState::Failed))
    })
    .await;
    // The status-page update: the key is sent to Statuspage and nowhere else.
    drive.slash("U0ALICE", &channel, "fix statuspage").await;
    wait_until("the second approval card", async || slack.channel(&channel).is_some_and(|c| c.messages.iter().filter(|m| m.text.contains("Approval needed")).count() == 2)).await;
    drive.click("U0BOB", &channel, "fix_approve", &format!("{}:2", incident.id)).await;
    wait_until("the status-page post", async || channel_says(&slack, &channel, "Posted on the status page")).await;
    let creates = statuspage.creates();
    assert!(creates.len() == 1 && creates[0].authorization.as_deref() == Some(&format!("OAuth {}", SECRETS.statuspage_key)), "{creates:?}");

    // An alert (and a refused one), escalation, resolution, the postmortem, the read API.
    let fixture = include_str!("../../../fixtures/alertmanager/nerf-service-down-firing.json");
    assert_eq!(drive.alert(SECRETS.alertmanager_token, fixture).await, 200);
    assert_eq!(drive.alert("not-the-token", fixture).await, 401);
    for text in ["note rotating credentials", "escalate database looks slow", "status mitigated", "resolve restarted web", "postmortem"] {
        drive.slash("U0ALICE", &channel, text).await;
    }
    wait_until("the postmortem file", async || !slack.calls_to("files.completeUploadExternal").is_empty()).await;
    assert_eq!(drive.get(&format!("/incidents/{}/postmortem.md", incident.id), SECRETS.api_token).await, 200);
    assert_eq!(drive.get(&format!("/incidents/{}/timeline.json", incident.id), SECRETS.api_token).await, 200);
    assert_eq!(drive.get(&format!("/incidents/{}/timeline.json", incident.id), "not-the-token").await, 401);
    // A request signed with the wrong secret is refused (and its refusal logged).
    let forged = bot.app.slash_form("U0ALICE", &channel, "list", &slack.new_response_url());
    let refused = bot.app.post_signed_with("/slack/commands", "application/x-www-form-urlencoded", &forged, "wrong-secret", &signing::now()).await;
    assert_eq!(refused.status, 401);
    drive.answers.push(refused);

    // Everything the world saw.
    let log = bot.log();
    assert!(log.contains("TRACE") && log.contains("refused a Slack request"), "the binary's log was not captured at TRACE:\n{log}");
    let timeline = bot.app.store_timeline(incident.id).await;
    for kind in ["diagnostics_ran", "remediation_approved", "remediation_finished", "resolved"] {
        assert!(timeline.iter().any(|k| k == kind), "the script did not reach {kind}: {timeline:?}");
    }
    let mut seen: Vec<(String, String)> = vec![("the log".into(), log)];
    for call in slack.calls() {
        seen.push((format!("Slack {}", call.method), format!("{} {}", call.args, call.response)));
        if let Some(file) = call.response["file_id"].as_str() {
            seen.push((format!("uploaded file {file}"), slack.file_text(file).unwrap_or_default()));
        }
    }
    for channel in slack.channels() {
        for message in channel.messages {
            seen.push((format!("a message in {}", channel.id), format!("{message:?}")));
        }
    }
    for url in &drive.response_urls {
        seen.push(("a response_url answer".into(), format!("{:?}", slack.responses(url))));
    }
    for answer in &drive.answers {
        seen.push((format!("an HTTP {} answer", answer.status), answer.body.clone()));
    }
    for (credential, secret) in SECRETS.all() {
        for (place, text) in &seen {
            assert!(!text.contains(secret), "{credential} appears in {place}");
        }
    }
}
