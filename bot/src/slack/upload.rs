//! Text files in Slack through the external-upload flow (`files.upload` is retired):
//! `files.getUploadURLExternal` → POST the bytes → `files.completeUploadExternal`.

use firebreak_commands::ids::{ChannelId, MessageTs};
use firebreak_commands::ports::ChatError;
use slack_morphism::prelude::*;

use super::web_api::SlackWebApi;

/// Where an uploaded file is shared.
#[derive(Debug, Clone, Copy)]
pub enum Share<'a> {
    /// In the thread of a message.
    InThread(&'a MessageTs),
    /// In the channel itself, with a message.
    WithComment(&'a str),
}

impl SlackWebApi {
    /// Shares `content` as `filename` in `channel`, in a thread or with a comment.
    pub async fn upload_text(&self, channel: &ChannelId, share: Share<'_>, filename: &str, content: &str) -> Result<(), ChatError> {
        let session = self.session();
        let reserved = session
            .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(filename.to_owned(), content.len()))
            .await;
        let reserved = self.counted("files.getUploadURLExternal", reserved)?;
        let sent = session
            .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                reserved.upload_url,
                content.as_bytes().to_vec(),
                "text/plain".to_owned(),
            ))
            .await;
        self.counted("upload_url", sent)?;
        let complete = SlackApiFilesCompleteUploadExternalRequest::new(vec![SlackApiFilesComplete::new(reserved.file_id).with_title(filename.to_owned())])
            .with_channel_id(SlackChannelId::new(channel.as_str().to_owned()));
        let complete = match share {
            Share::InThread(thread) => complete.with_thread_ts(SlackTs::new(thread.as_str().to_owned())),
            Share::WithComment(comment) => complete.with_initial_comment(comment.to_owned()),
        };
        let completed = session.files_complete_upload_external(&complete).await;
        self.counted("files.completeUploadExternal", completed).map(drop)
    }
}
