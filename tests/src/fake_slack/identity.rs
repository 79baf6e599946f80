//! Who the bot is (`auth.test`), who the workspace's users are (`users.info`), and who is in
//! which user group (`usergroups.users.list`).

use serde_json::{Value, json};

use super::methods::{Outcome, Rejection};
use super::request::Args;
use super::state::{BOT_ID, BOT_USER, State, TEAM_ID};

pub(super) fn auth_test() -> Value {
    json!({
        "url": "https://fake.slack.com/",
        "team": "Fake Workspace",
        "user": "firebreak",
        "team_id": TEAM_ID,
        "user_id": BOT_USER,
        "bot_id": BOT_ID,
        "is_enterprise_install": false,
    })
}

pub(super) fn users_info(state: &State, args: &Args) -> Outcome {
    let user = args
        .non_empty("user")
        .filter(|user| state.user_known(user))
        .ok_or(Rejection::slack("user_not_found"))?;
    let is_bot = user == BOT_USER;
    let name = if is_bot {
        "firebreak".to_owned()
    } else {
        user.to_lowercase()
    };
    Ok(json!({
        "user": {
            "id": user,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": name,
            "deleted": false,
            "is_bot": is_bot,
            "is_admin": false,
            "tz": "Etc/UTC",
            "tz_label": "Coordinated Universal Time",
            "tz_offset": 0,
            "profile": {
                "real_name": name,
                "display_name": name,
                "team": TEAM_ID,
            },
        }
    }))
}

pub(super) fn usergroup_users(state: &State, args: &Args) -> Outcome {
    let group = args.non_empty("usergroup").ok_or(Rejection::slack("invalid_arguments"))?;
    let members = state.usergroups.get(&group).ok_or(Rejection::slack("no_such_subteam"))?;
    Ok(json!({ "users": members }))
}
