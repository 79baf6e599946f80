//! User group membership (`usergroups.users.list`), for approver groups.

use firebreak_commands::ids::SlackUserId;
use firebreak_commands::ports::ChatError;
use slack_morphism::prelude::*;

use super::web_api::SlackWebApi;

impl SlackWebApi {
    /// The members of user group `group` (`S…`).
    pub async fn usergroup_members(&self, group: &str) -> Result<Vec<SlackUserId>, ChatError> {
        let request = SlackApiUserGroupsUsersListRequest::new(SlackUserGroupId::new(group.to_owned()));
        let answer = self.session().usergroups_users_list(&request).await;
        let answer = self.counted("usergroups.users.list", answer)?;
        Ok(answer.users.iter().filter_map(|u| SlackUserId::parse(u.as_ref())).collect())
    }
}
