//! Slack's Web API contract, read once from the OpenAPI (Swagger 2.0) fixture.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use serde_json::Value;

use super::request::Args;

const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/slack/slack_web_openapi_v2.json"
);

/// Methods Slack added after the 2020 spec: (method, arguments, required arguments), as
/// documented on Slack's method pages.
const NEWER_METHODS: &[(&str, &[&str], &[&str])] = &[
    (
        "files.getUploadURLExternal",
        &["filename", "length", "alt_txt", "snippet_type"],
        &["filename", "length"],
    ),
    (
        "files.completeUploadExternal",
        &[
            "files",
            "channel_id",
            "channels",
            "initial_comment",
            "thread_ts",
            "blocks",
        ],
        &["files"],
    ),
    ("apps.connections.open", &[], &[]),
];

/// Arguments Slack documents today that the 2020 spec predates. Kept to the minimum so the
/// fake still catches misspelt arguments.
const NEWER_ARGUMENTS: &[(&str, &[&str])] = &[
    ("chat.postMessage", &["metadata"]),
    ("chat.update", &["metadata"]),
    ("conversations.history", &["include_all_metadata"]),
    ("conversations.replies", &["include_all_metadata"]),
];

/// What one method accepts.
#[derive(Debug, Default)]
pub(super) struct Contract {
    params: BTreeSet<String>,
    required: BTreeSet<String>,
}

impl Contract {
    /// Contract problems of a call: undeclared argument names and missing required ones.
    /// `token` is auth, not an argument, and is checked elsewhere.
    pub(super) fn problems(&self, args: &Args) -> Vec<String> {
        let unknown = args
            .names()
            .filter(|name| *name != "token" && !self.params.contains(*name))
            .map(|name| format!("unknown argument `{name}`"));
        let missing = self
            .required
            .iter()
            .filter(|name| !args.has(name))
            .map(|name| format!("missing required argument `{name}`"));
        unknown.chain(missing).collect()
    }
}

/// The contract of `method`, or `None` when Slack has no such method.
pub(super) fn contract(method: &str) -> Option<&'static Contract> {
    contracts().get(method)
}

/// Every method's contract; panics with the reason if the fixture cannot be read, since the
/// fake is worthless without it.
pub(super) fn contracts() -> &'static HashMap<String, Contract> {
    static CONTRACTS: OnceLock<HashMap<String, Contract>> = OnceLock::new();
    CONTRACTS.get_or_init(|| {
        let mut contracts =
            load().unwrap_or_else(|why| panic!("fake Slack cannot load {SPEC_PATH}: {why}"));
        add_newer(&mut contracts);
        contracts
    })
}

fn load() -> Result<HashMap<String, Contract>, String> {
    let text = std::fs::read_to_string(SPEC_PATH).map_err(|err| err.to_string())?;
    let spec: Value = serde_json::from_str(&text).map_err(|err| err.to_string())?;
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("no `paths` object")?;
    let mut contracts = HashMap::new();
    for (path, operations) in paths {
        let mut contract = Contract::default();
        // Slack accepts GET and POST alike, so a method's arguments are those of both.
        for verb in ["get", "post"] {
            let parameters = operations
                .get(verb)
                .and_then(|operation| operation.get("parameters"))
                .and_then(Value::as_array);
            for parameter in parameters.into_iter().flatten() {
                add_parameter(&mut contract, parameter);
            }
        }
        contracts.insert(path.trim_start_matches('/').to_owned(), contract);
    }
    Ok(contracts)
}

fn add_parameter(contract: &mut Contract, parameter: &Value) {
    let Some(name) = parameter.get("name").and_then(Value::as_str) else {
        return;
    };
    if name == "token" {
        return;
    }
    contract.params.insert(name.to_owned());
    let location = parameter.get("in").and_then(Value::as_str);
    let required = parameter.get("required").and_then(Value::as_bool) == Some(true);
    if required && matches!(location, Some("formData" | "query")) {
        contract.required.insert(name.to_owned());
    }
}

fn add_newer(contracts: &mut HashMap<String, Contract>) {
    for (method, params, required) in NEWER_METHODS {
        let contract = contracts.entry((*method).to_owned()).or_default();
        contract
            .params
            .extend(params.iter().map(|name| (*name).to_owned()));
        contract
            .required
            .extend(required.iter().map(|name| (*name).to_owned()));
    }
    for (method, params) in NEWER_ARGUMENTS {
        if let Some(contract) = contracts.get_mut(*method) {
            contract
                .params
                .extend(params.iter().map(|name| (*name).to_owned()));
        }
    }
}
