//! One exchange with Statuspage's API over hyper (the client the pager uses too), under a
//! timeout. It tells apart a request that never left (nothing can have been posted) from one
//! whose answer was lost (something may have been).

use crate::adapters::error_chain::chain;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request};

use crate::adapters::https_client::{https_client, HttpsClient};

/// Answers larger than this are cut (an incident is a few KiB; a list of 100 at most ~1 MiB).
const MAX_ANSWER: usize = 2 * 1024 * 1024;

/// What came of one request.
#[derive(Debug)]
pub enum Exchange {
    /// Statuspage answered: status, `Retry-After` seconds if given, body.
    Answered { status: u16, retry_after: Option<u64>, body: Vec<u8> },
    /// The request never reached Statuspage (no connection): nothing was done.
    NotSent(String),
    /// Sent, but no answer came back (timeout, connection dropped): it may have been done.
    Lost(String),
}

#[derive(Clone)]
pub struct Http {
    client: Result<HttpsClient, String>,
    timeout: Duration,
}

impl Http {
    pub fn new(timeout: Duration) -> Self {
        Self { client: https_client("Statuspage"), timeout }
    }

    /// Sends `method url` with the key as `Authorization: OAuth <key>` and an optional JSON body.
    pub async fn send(&self, method: Method, url: &str, key: &str, json: Option<Vec<u8>>) -> Exchange {
        let client = match &self.client {
            Ok(client) => client,
            Err(why) => return Exchange::NotSent(why.clone()),
        };
        let mut request = Request::builder()
            .method(method)
            .uri(url)
            .header(header::AUTHORIZATION, format!("OAuth {key}"))
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, concat!("firebreak/", env!("CARGO_PKG_VERSION")));
        if json.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let Ok(request) = request.body(Body::from(json.unwrap_or_default())) else {
            return Exchange::NotSent("the Statuspage API URL is not a valid URL".into());
        };
        let exchange = async {
            match client.request(request).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
                    match axum::body::to_bytes(Body::new(response.into_body()), MAX_ANSWER).await {
                        Ok(body) => Exchange::Answered { status, retry_after, body: body.to_vec() },
                        Err(error) => Exchange::Lost(format!("HTTP {status}, but its body could not be read: {error}")),
                    }
                }
                // No connection was made: the request cannot have arrived.
                Err(error) if error.is_connect() => Exchange::NotSent(chain(&error)),
                Err(error) => Exchange::Lost(chain(&error)),
            }
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| Exchange::Lost(format!("no answer within {} s", self.timeout.as_secs())))
    }
}
