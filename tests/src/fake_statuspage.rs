//! A fake Atlassian Statuspage REST API (`/v1/pages/{page_id}/incidents…`) for the tests,
//! answering as Statuspage does: `Authorization: OAuth <key>` or 401
//! `{"error":"Could not authenticate"}`, 404 for a page it does not host, 422 with a list of
//! errors for an incident without a name or with an unknown status, 201 and the incident
//! (id, name, status, impact, shortlink, created_at, incident_updates…) on create, the incident
//! by id, the page's incidents (newest first, `q` filtering by name), and PATCH. The body may
//! be JSON (`{"incident":{…}}`) or the form the runbook's curl sends (`incident[name]=…`).
//! Every request is recorded; faults can be queued for the next creates.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

const STATUSES: [&str; 4] = ["investigating", "identified", "monitoring", "resolved"];

/// A request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

/// What the next create does instead of succeeding.
#[derive(Debug, Clone, Copy)]
pub enum CreateFault {
    /// Answers `status` (429 with `Retry-After`, 503…) and creates nothing.
    Refuse { status: u16, retry_after: Option<u64> },
    /// Creates the incident, then answers `status` (a 502 from a proxy): the client never
    /// learns that it was created.
    CreateThenFail { status: u16 },
}

#[derive(Debug, Default)]
struct Inner {
    key: String,
    pages: Vec<String>,
    /// `(page, incident)`, oldest first.
    incidents: Vec<(String, Value)>,
    requests: Vec<Recorded>,
    faults: VecDeque<CreateFault>,
    next: u64,
}

#[derive(Debug, Clone)]
pub struct FakeStatuspage {
    inner: Arc<Mutex<Inner>>,
    url: String,
}

impl FakeStatuspage {
    /// Serves `pages` on a free port, accepting `key` only.
    pub async fn start(key: &str, pages: &[&str]) -> Self {
        let inner = Arc::new(Mutex::new(Inner { key: key.to_owned(), pages: pages.iter().map(|p| (*p).to_owned()).collect(), ..Inner::default() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let app = axum::Router::new().fallback(handle).with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { inner, url: format!("http://127.0.0.1:{port}") }
    }

    /// The API's base URL (`STATUSPAGE_API_URL`).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn fail_next_create(&self, fault: CreateFault) {
        self.lock().faults.push_back(fault);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The POSTs that reached the incidents collection, refused or not.
    pub fn creates(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.method == "POST").collect()
    }

    /// The incidents on `page`, oldest first.
    pub fn incidents(&self, page: &str) -> Vec<Value> {
        self.lock().incidents.iter().filter(|(p, _)| p == page).map(|(_, i)| i.clone()).collect()
    }
}

fn answer(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body.to_string()).into_response()
}

fn unprocessable(errors: &[String]) -> Response {
    answer(422, json!({ "error": errors }))
}

/// The `incident` fields of a JSON or form body, or the 400 answer's error.
fn fields(content_type: &str, body: &[u8]) -> Result<serde_json::Map<String, Value>, &'static str> {
    if content_type.starts_with("application/json") {
        let value: Value = serde_json::from_slice(body).map_err(|_| "Invalid JSON")?;
        return Ok(value.get("incident").and_then(Value::as_object).cloned().unwrap_or_default());
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| "Invalid form")?;
    Ok(pairs
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix("incident[").and_then(|k| k.strip_suffix(']')).map(|k| (k.to_owned(), Value::String(v))))
        .collect())
}

fn text(fields: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    fields.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Twelve lowercase letters and digits, as Statuspage's ids.
fn id(prefix: char, n: u64) -> String {
    format!("{prefix}{:011x}", n.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 20)
}

fn update(incident: &str, status: &str, body: &str, n: u64, at: &str) -> Value {
    json!({
        "id": id('u', n), "incident_id": incident, "status": status, "body": body,
        "created_at": at, "updated_at": at, "display_at": at, "affected_components": null,
        "deliver_notifications": true, "tweet_id": null, "twitter_updated_at": null, "custom_tweet": null,
    })
}

async fn handle(State(inner): State<Arc<Mutex<Inner>>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let header_text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut state = inner.lock().unwrap_or_else(|e| e.into_inner());
    let recorded = Recorded {
        method: method.to_string(),
        path: uri.path_and_query().map(ToString::to_string).unwrap_or_default(),
        authorization: header_text(header::AUTHORIZATION),
        content_type: header_text(header::CONTENT_TYPE),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    state.requests.push(recorded.clone());
    if recorded.authorization.as_deref() != Some(&format!("OAuth {}", state.key)) {
        return answer(401, json!({ "error": "Could not authenticate" }));
    }
    let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    let (page, rest) = match segments.as_slice() {
        ["v1", "pages", page, "incidents", rest @ ..] => ((*page).to_owned(), rest.iter().map(|s| s.trim_end_matches(".json").to_owned()).collect::<Vec<_>>()),
        _ => return answer(404, json!({ "error": "Not found" })),
    };
    if !state.pages.contains(&page) {
        return answer(404, json!({ "error": "Page not found" }));
    }
    match (method, rest.as_slice()) {
        (Method::POST, []) => create(&mut state, &page, recorded.content_type.as_deref().unwrap_or_default(), &body),
        (Method::GET, []) => {
            let query: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
            let q = query.iter().find(|(k, _)| k == "q").map(|(_, v)| v.to_lowercase()).unwrap_or_default();
            let found: Vec<Value> = state
                .incidents
                .iter()
                .rev()
                .filter(|(p, i)| *p == page && i["name"].as_str().is_some_and(|n| n.to_lowercase().contains(&q)))
                .map(|(_, i)| i.clone())
                .collect();
            answer(200, Value::Array(found))
        }
        (Method::GET, [which]) if which == "unresolved" => {
            let found: Vec<Value> = state.incidents.iter().rev().filter(|(p, i)| *p == page && i["status"] != "resolved").map(|(_, i)| i.clone()).collect();
            answer(200, Value::Array(found))
        }
        (Method::GET, [incident]) => match state.incidents.iter().find(|(p, i)| *p == page && i["id"] == incident.as_str()) {
            Some((_, found)) => answer(200, found.clone()),
            None => answer(404, json!({ "error": "Incident not found" })),
        },
        (Method::PATCH | Method::PUT, [incident]) => {
            let fields = match fields(recorded.content_type.as_deref().unwrap_or_default(), &body) {
                Ok(fields) => fields,
                Err(error) => return answer(400, json!({ "error": error })),
            };
            let status = text(&fields, "status");
            if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
                return unprocessable(&["Status is not included in the list".into()]);
            }
            state.next += 1;
            let n = state.next;
            let at = now();
            let Some((_, found)) = state.incidents.iter_mut().find(|(p, i)| *p == page && i["id"] == incident.as_str()) else {
                return answer(404, json!({ "error": "Incident not found" }));
            };
            if let Some(name) = text(&fields, "name") {
                found["name"] = name.into();
            }
            if let Some(status) = status {
                found["status"] = status.clone().into();
                if status == "resolved" {
                    found["resolved_at"] = at.clone().into();
                }
                let body = text(&fields, "body").unwrap_or_default();
                let update = update(incident, &status, &body, n, &at);
                if let Some(updates) = found["incident_updates"].as_array_mut() {
                    updates.insert(0, update);
                }
            }
            found["updated_at"] = at.into();
            answer(200, found.clone())
        }
        _ => answer(405, json!({ "error": "Method not allowed" })),
    }
}

fn create(state: &mut Inner, page: &str, content_type: &str, body: &[u8]) -> Response {
    let fault = state.faults.pop_front();
    if let Some(CreateFault::Refuse { status, retry_after }) = fault {
        let mut response = answer(status, json!({ "error": "Try again later" }));
        if let Some(seconds) = retry_after
            && let Ok(value) = header::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let fields = match fields(content_type, body) {
        Ok(fields) => fields,
        Err(error) => return answer(400, json!({ "error": error })),
    };
    let name = text(&fields, "name").unwrap_or_default();
    let status = text(&fields, "status").unwrap_or_else(|| "investigating".into());
    let mut errors = Vec::new();
    if name.trim().is_empty() {
        errors.push("Name can't be blank".to_owned());
    }
    if !STATUSES.contains(&status.as_str()) {
        errors.push("Status is not included in the list".to_owned());
    }
    if !errors.is_empty() {
        return unprocessable(&errors);
    }
    state.next += 1;
    let n = state.next;
    let (incident_id, at) = (id('p', n), now());
    let body = text(&fields, "body").unwrap_or_default();
    let incident = json!({
        "id": incident_id, "page_id": page, "name": name, "status": status,
        "impact": "none", "impact_override": text(&fields, "impact_override"),
        "shortlink": format!("https://stspg.io/{}", &id('s', n)[..6]),
        "created_at": at, "updated_at": at, "started_at": at, "monitoring_at": null,
        "resolved_at": if status == "resolved" { Value::String(at.clone()) } else { Value::Null },
        "scheduled_for": null, "scheduled_until": null, "postmortem_body": null, "components": [],
        "incident_updates": [update(&incident_id, &status, &body, n, &at)],
    });
    state.incidents.push((page.to_owned(), incident.clone()));
    match fault {
        Some(CreateFault::CreateThenFail { status }) => answer(status, json!({ "error": "Bad gateway" })),
        _ => answer(201, incident),
    }
}
