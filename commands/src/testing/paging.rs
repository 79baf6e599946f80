//! `RecordingPaging`: a pager port that records each page and answers as scripted.

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::escalation::{Page, PagerWebhook};
use crate::ports::{PageSent, Paging, PagingError};

use super::lock;

/// Records every page; answers with the scripted outcomes in order, then "accepted".
#[derive(Debug, Default)]
pub struct RecordingPaging {
    pub pages: Mutex<Vec<(PagerWebhook, Page)>>,
    pub outcomes: Mutex<VecDeque<Result<PageSent, PagingError>>>,
}

impl RecordingPaging {
    /// The next page fails with `error`.
    pub fn fail_next(&self, error: PagingError) {
        lock(&self.outcomes).push_back(Err(error));
    }

    pub fn pages(&self) -> Vec<(PagerWebhook, Page)> {
        lock(&self.pages).clone()
    }
}

#[async_trait]
impl Paging for RecordingPaging {
    async fn page(&self, webhook: &PagerWebhook, page: &Page) -> Result<PageSent, PagingError> {
        lock(&self.pages).push((webhook.clone(), page.clone()));
        lock(&self.outcomes).pop_front().unwrap_or(Ok(PageSent { status: 202, attempts: 1 }))
    }
}
