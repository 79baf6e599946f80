//! The fake workspace's mutable state, shared by the HTTP handlers and the test's handle.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use super::faults::Faults;
use super::model::{Call, Channel};

/// The bot's own user id, as `auth.test` reports it.
pub(super) const BOT_USER: &str = "UBOT";
pub(super) const BOT_ID: &str = "B0001";
pub(super) const APP_ID: &str = "A0001";
pub(super) const TEAM_ID: &str = "T0001";
/// Creator of channels that the test set up, standing for a person in the workspace.
pub(super) const HUMAN_USER: &str = "UHUMAN";

pub(super) type Shared = Arc<Mutex<State>>;

/// Locks the state; a poisoned lock means a handler panicked, and the test is lost anyway.
pub(super) fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared
        .lock()
        .expect("fake Slack state lock poisoned: a fake Slack handler panicked earlier")
}

/// A channel plus what Slack knows about it that tests rarely look at.
#[derive(Debug)]
pub(super) struct ChannelRecord {
    pub(super) channel: Channel,
    pub(super) is_private: bool,
    pub(super) is_im: bool,
    pub(super) created: i64,
    pub(super) creator: String,
    pub(super) topic_set_by: String,
    pub(super) topic_set_at: i64,
}

impl ChannelRecord {
    /// Whether the bot can see the channel at all: private ones only when it is a member.
    pub(super) fn visible_to_bot(&self) -> bool {
        !self.is_private || self.channel.has_member(BOT_USER)
    }
}

/// A file announced by `files.getUploadURLExternal`.
#[derive(Debug)]
pub(super) struct FileRecord {
    pub(super) name: String,
    pub(super) length: usize,
    /// Bytes received on the upload URL, `None` until the upload happened.
    pub(super) uploaded: Option<usize>,
    /// What was uploaded, for tests to read back.
    pub(super) content: Vec<u8>,
}

#[derive(Debug)]
pub(super) struct State {
    pub(super) bot_token: String,
    /// `http://127.0.0.1:PORT`, the root of every URL the fake hands out.
    pub(super) base_url: String,
    pub(super) calls: Vec<Call>,
    pub(super) violations: Vec<String>,
    pub(super) channels: Vec<ChannelRecord>,
    pub(super) users: BTreeSet<String>,
    /// User group id (`S…`) → member ids.
    pub(super) usergroups: std::collections::BTreeMap<String, Vec<String>>,
    pub(super) strict_users: bool,
    pub(super) faults: Faults,
    /// When set, Web API calls are refused with 429/5xx (see `throttle`).
    pub(super) throttle: Option<super::throttle::Switch>,
    /// Bodies accepted per response_url id.
    pub(super) response_urls: BTreeMap<String, Vec<Value>>,
    pub(super) files: BTreeMap<String, FileRecord>,
    /// Set once a test turned Socket Mode on (`apps.connections.open`).
    pub(super) socket_mode: Option<super::apps::SocketModeLink>,
    last_ts_micros: i64,
    last_id: u64,
}

impl State {
    pub(super) fn new(bot_token: &str, base_url: String) -> State {
        State {
            bot_token: bot_token.to_owned(),
            base_url,
            calls: Vec::new(),
            violations: Vec::new(),
            channels: Vec::new(),
            users: BTreeSet::from([BOT_USER.to_owned(), HUMAN_USER.to_owned()]),
            usergroups: std::collections::BTreeMap::new(),
            strict_users: false,
            faults: Faults::default(),
            throttle: None,
            response_urls: BTreeMap::new(),
            files: BTreeMap::new(),
            socket_mode: None,
            last_ts_micros: 0,
            last_id: 0,
        }
    }

    pub(super) fn violation(&mut self, what: String) {
        self.violations.push(what);
    }

    /// A message timestamp: the current time, but strictly after the previous one, because
    /// Slack's `ts` identifies a message within its channel.
    pub(super) fn next_ts(&mut self) -> String {
        let now = jiff::Timestamp::now().as_microsecond();
        self.last_ts_micros = now.max(self.last_ts_micros + 1);
        format!(
            "{}.{:06}",
            self.last_ts_micros / 1_000_000,
            self.last_ts_micros % 1_000_000
        )
    }

    /// An id shaped like Slack's: `prefix`, `0`, then 9 uppercase letters or digits.
    pub(super) fn new_id(&mut self, prefix: char) -> String {
        self.last_id += 1;
        let mut digits = [b'0'; 9];
        let mut rest = self.last_id;
        for digit in digits.iter_mut().rev() {
            *digit = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(rest % 36) as usize];
            rest /= 36;
        }
        format!("{prefix}0{}", String::from_utf8_lossy(&digits))
    }

    pub(super) fn now_secs() -> i64 {
        jiff::Timestamp::now().as_second()
    }

    /// Whether Slack would know this user: listed ones, plus any `U…`/`W…` id unless strict.
    pub(super) fn user_known(&self, id: &str) -> bool {
        self.users.contains(id)
            || (!self.strict_users && (id.starts_with('U') || id.starts_with('W')))
    }

    /// Creates a channel and returns its id.
    pub(super) fn add_channel(&mut self, name: &str, creator: &str, is_private: bool) -> String {
        let id = self.new_id('C');
        let created = Self::now_secs();
        // Slack makes the creator the first member; a channel set up by a test has no bot.
        let members = if creator == BOT_USER {
            vec![BOT_USER.to_owned()]
        } else {
            Vec::new()
        };
        self.channels.push(ChannelRecord {
            channel: Channel {
                id: id.clone(),
                name: name.to_owned(),
                topic: String::new(),
                members,
                messages: Vec::new(),
                pins: Vec::new(),
            },
            is_private,
            is_im: false,
            created,
            creator: creator.to_owned(),
            topic_set_by: String::new(),
            topic_set_at: 0,
        });
        id
    }

    /// The index in `channels` of the DM between the bot and `user`, opened on first use as
    /// Slack does.
    pub(super) fn open_im(&mut self, user: &str) -> usize {
        let existing = self
            .channels
            .iter()
            .position(|record| record.is_im && record.channel.has_member(user));
        match existing {
            Some(index) => index,
            None => {
                let id = self.new_id('D');
                self.channels.push(ChannelRecord {
                    channel: Channel {
                        id,
                        name: String::new(),
                        topic: String::new(),
                        members: vec![BOT_USER.to_owned(), user.to_owned()],
                        messages: Vec::new(),
                        pins: Vec::new(),
                    },
                    is_private: true,
                    is_im: true,
                    created: Self::now_secs(),
                    creator: BOT_USER.to_owned(),
                    topic_set_by: String::new(),
                    topic_set_at: 0,
                });
                self.channels.len() - 1
            }
        }
    }

    pub(super) fn channel(&self, id: &str) -> Option<&ChannelRecord> {
        self.channels.iter().find(|record| record.channel.id == id)
    }

    /// The channel `id` as the bot may use it: unknown ids and private channels the bot is not
    /// in both answer `channel_not_found`, as in Slack.
    pub(super) fn visible_channel_mut(&mut self, id: &str) -> Option<&mut ChannelRecord> {
        self.channels
            .iter_mut()
            .find(|record| record.channel.id == id && record.visible_to_bot())
    }

    pub(super) fn channel_by_name(&self, name: &str) -> Option<&ChannelRecord> {
        self.channels
            .iter()
            .find(|record| !record.is_im && record.channel.name == name)
    }
}
