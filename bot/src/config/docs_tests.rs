//! The docs held to the code: every `toml` block of `docs/` loads through the real loader,
//! `docs/configuration.md` documents exactly the keys the configuration types accept (and
//! every variable the configuration reads), and `docs/operations.md` every metric emitted.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::checks::*;
use super::file::FileConfig;
use super::keys;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn doc(name: &str) -> String {
    std::fs::read_to_string(repo().join("docs").join(name)).unwrap_or_else(|e| panic!("docs/{name}: {e}"))
}

/// The ```toml blocks of `text`: (info after `toml`, body, line).
fn toml_blocks(text: &str) -> Vec<(String, String, usize)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String, usize)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut open {
            None => {
                if let Some(info) = line.strip_prefix("```toml") {
                    open = Some((info.trim().to_owned(), String::new(), n + 1));
                }
            }
            Some(_) if line.starts_with("```") => blocks.extend(open.take()),
            Some((_, body, _)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    assert!(open.is_none(), "an unclosed ```toml block");
    blocks
}

/// Loads a block as `firebreak.toml` at the repository root; `check` and `action` blocks are
/// fragments that go inside a runbook.
fn load(info: &str, body: &str) -> Result<(), String> {
    let text = match info {
        "" => body.to_owned(),
        "check" | "action" => format!("[[runbooks]]\nname = \"docs-example\"\n{body}"),
        other => return Err(format!("unknown block kind `toml {other}` (use toml, toml check or toml action)")),
    };
    let file: FileConfig = toml::from_str(&text).map_err(|e| e.to_string())?;
    file.settings(&repo().join("firebreak.toml")).map(drop).map_err(|e| e.to_string())
}

#[test]
fn every_toml_block_of_the_docs_loads() {
    let mut loaded = 0;
    for name in ["configuration.md", "runbooks.md", "operations.md"] {
        for (info, body, line) in toml_blocks(&doc(name)) {
            load(&info, &body).unwrap_or_else(|e| panic!("docs/{name}:{line}: {e}"));
            loaded += 1;
        }
    }
    assert!(loaded >= 8, "only {loaded} blocks");
    assert!(load("", "[slack]\nbroadcst_channel = \"C1\"\n").is_err(), "the loader refuses what it should");
}

/// Table rows between `<!-- marker -->` and `<!-- /marker -->`: their cells.
fn rows(text: &str, marker: &str) -> Vec<Vec<String>> {
    let (open, close) = (format!("<!-- {marker} -->"), format!("<!-- /{marker} -->"));
    let start = text.find(&open).unwrap_or_else(|| panic!("no {open}"));
    let end = text[start..].find(&close).map(|i| start + i).unwrap_or_else(|| panic!("no {close}"));
    text[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_owned()).collect())
        .collect()
}

/// The `code` spans of a cell.
fn spans(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// `severities.<sev>.oncall` → `severities.*.oncall`.
fn normalise(key: &str) -> String {
    key.split('.').map(|part| if part.starts_with('<') { "*" } else { part }).collect::<Vec<_>>().join(".")
}

#[test]
fn the_documented_keys_are_exactly_the_accepted_ones() {
    let documented: BTreeSet<String> = rows(&doc("configuration.md"), "keys").iter().map(|r| normalise(&spans(&r[0])[0])).collect();
    let accepted = keys::accepted::<FileConfig>().unwrap_or_else(|e| panic!("{e}"));
    let undocumented: Vec<&String> = accepted.difference(&documented).collect();
    let unknown: Vec<&String> = documented.difference(&accepted).collect();
    assert!(undocumented.is_empty() && unknown.is_empty(), "not documented: {undocumented:?}; documented but not accepted: {unknown:?}");
}

/// The keys of each check kind, from its struct.
fn check_keys(kind: &str) -> BTreeSet<String> {
    let keys = match kind {
        "http" => keys::accepted::<HttpCheck>(),
        "k8s_pods" => keys::accepted::<K8sPodsCheck>(),
        "k8s_deployment" => keys::accepted::<K8sDeploymentCheck>(),
        "k8s_events" => keys::accepted::<K8sEventsCheck>(),
        "k8s_logs" => keys::accepted::<K8sLogsCheck>(),
        "docker_containers" => keys::accepted::<DockerContainersCheck>(),
        "docker_logs" => keys::accepted::<DockerLogsCheck>(),
        "gpu" => keys::accepted::<GpuCheck>(),
        "postgres" => keys::accepted::<PostgresCheck>(),
        "redis" => keys::accepted::<RedisCheck>(),
        "tls_expiry" => keys::accepted::<TlsCheck>(),
        "disk" => keys::accepted::<DiskCheck>(),
        other => panic!("check kind `{other}` is new: add its struct here"),
    };
    keys.unwrap_or_else(|e| panic!("{e}")).into_iter().filter(|k| k != "name" && k != "timeout_seconds").collect()
}

/// `kind = "http"` → `http`.
fn kind_of(cell: &str) -> String {
    spans(cell)[0].trim_start_matches("kind = ").trim_matches('"').to_owned()
}

#[test]
fn every_check_kind_is_documented_with_all_its_keys() {
    let table = rows(&doc("configuration.md"), "check kinds");
    let documented: Vec<String> = table.iter().map(|r| kind_of(&r[0])).collect();
    let mut kinds = keys::variants::<CheckConfig>();
    assert_eq!(kinds.len(), 12, "the probe found the variants");
    kinds.sort_unstable();
    let mut sorted = documented.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, kinds);
    let every_key: BTreeSet<String> = kinds.iter().flat_map(|k| check_keys(k)).collect();
    for row in &table {
        let kind = kind_of(&row[0]);
        let named = spans(&row[1]);
        for key in check_keys(&kind) {
            assert!(named.iter().any(|n| *n == key || n.starts_with(&format!("{key}."))), "check kind {kind}: `{key}` is not documented in its row");
        }
        // Other spans are values (`default`, `SELECT 1`); a key of another kind is a mistake.
        for key in named.iter().filter(|n| every_key.contains(*n)) {
            assert!(check_keys(&kind).contains(key), "check kind {kind}: `{key}` is documented but not accepted");
        }
    }
}

#[test]
fn every_action_kind_is_documented() {
    let mut documented: Vec<String> = rows(&doc("configuration.md"), "action kinds").iter().map(|r| kind_of(&r[0])).collect();
    documented.sort_unstable();
    let mut kinds = firebreak_commands::remediation::spec::ActionTarget::KINDS.to_vec();
    kinds.sort_unstable();
    assert_eq!(documented, kinds);
}

/// Variables read by others than the configuration (the log filter, the Kubernetes and
/// Docker clients), documented alongside.
const READ_ELSEWHERE: [&str; 3] = ["RUST_LOG", "KUBECONFIG", "DOCKER_HOST"];

#[test]
fn every_variable_the_configuration_reads_is_documented() {
    let source = include_str!("mod.rs");
    let read: BTreeSet<String> = source.split("env(\"").skip(1).filter_map(|rest| rest.split_once('"').map(|(name, _)| name.to_owned())).collect();
    assert!(read.contains("SLACK_BOT_TOKEN") && read.len() >= 10, "{read:?}");
    let documented: BTreeSet<String> = rows(&doc("configuration.md"), "env").iter().map(|r| spans(&r[0])[0].clone()).collect();
    let undocumented: Vec<&String> = read.difference(&documented).collect();
    assert!(undocumented.is_empty(), "not documented in docs/configuration.md: {undocumented:?}");
    for name in documented.difference(&read) {
        assert!(READ_ELSEWHERE.contains(&name.as_str()), "`{name}` is documented but nothing reads it");
    }
}

/// Metric names passed to `metrics::counter!`/`gauge!`/`histogram!` under `dir`.
fn metric_names(dir: &Path, names: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let path = entry.path();
        if path.is_dir() {
            metric_names(&path, names);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for macro_name in ["counter!(", "gauge!(", "histogram!("] {
                for rest in text.split(macro_name).skip(1) {
                    let name = rest.trim_start().strip_prefix('"').and_then(|r| r.split_once('"')).map(|(n, _)| n);
                    // A metric name, not this scanner's own source.
                    if let Some(name) = name.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')) {
                        names.insert(name.to_owned());
                    }
                }
            }
        }
    }
}

#[test]
fn every_metric_is_documented_in_operations() {
    let mut emitted = BTreeSet::new();
    metric_names(&repo().join("bot/src"), &mut emitted);
    metric_names(&repo().join("commands/src"), &mut emitted);
    assert!(emitted.contains("firebreak_http_requests_total"), "{emitted:?}");
    let documented: BTreeSet<String> = rows(&doc("operations.md"), "metrics").iter().map(|r| spans(&r[0])[0].clone()).collect();
    let undocumented: Vec<&String> = emitted.difference(&documented).collect();
    let stale: Vec<&String> = documented.difference(&emitted).collect();
    assert!(undocumented.is_empty() && stale.is_empty(), "not in docs/operations.md: {undocumented:?}; documented but not emitted: {stale:?}");
}
