//! [`NotifyConfig`]: the `[notify]` table of `sopflow.toml`, which channels
//! exist and which recipient goes to which, and its checked form
//! ([`Channels`]) with secrets read from the environment.
//!
//! Invariants: a checked configuration names no channel it does not define,
//! every channel has a URL with an `http` or `https` scheme, and only the
//! kinds that sign (飞书, 钉钉) carry a secret. Secrets never appear in
//! `Debug` output or errors.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The `[notify]` table of `sopflow.toml`: channels, routes and delivery
/// settings. Every field has a default, so an empty table is valid (and
/// delivers nothing but dead letters: no recipient has a channel).
///
/// # Example
///
/// ```
/// use sopflow_runtime::delivery::NotifyConfig;
///
/// let config: NotifyConfig = serde_json::from_value(serde_json::json!({
///     "default": "pmo",
///     "routes": { "研发部负责人": "rd" },
///     "channels": {
///         "rd": { "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=T", "secret": "SEC1" },
///         "pmo": { "kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K" }
///     }
/// })).unwrap();
/// let channels = config.check_with(|_| None).unwrap();
/// assert_eq!(channels.route("研发部负责人").unwrap().name, "rd");
/// assert_eq!(channels.route("市场部").unwrap().name, "pmo"); // the default
///
/// // A route to a channel that is not defined is refused when checked.
/// let wrong: NotifyConfig = serde_json::from_value(serde_json::json!({
///     "routes": { "PMO": "nowhere" }
/// })).unwrap();
/// assert!(wrong.check_with(|_| None).is_err());
/// ```
///
/// The same in TOML, as `sopflow.toml` holds it, is in the README
/// ("Notifications").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// The channel for recipients without a route. Without it, their
    /// notifications become dead letters at once ("no channel").
    #[serde(default)]
    pub default: Option<String>,
    /// The channel for the administrator's notices (a deadline computed
    /// without the calendar's holiday data: `calendar_data_missing`).
    /// Defaults to the route of `PMO`, then to `default`.
    #[serde(default)]
    pub admin: Option<String>,
    /// Recipient (as the escalation ladder resolves it: `研发部负责人`,
    /// `PMO`, a department such as `研发部`) → channel name.
    #[serde(default)]
    pub routes: BTreeMap<String, String>,
    /// The channels by name.
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelConfig>,
    /// Notifications for one recipient that arrive within this many seconds
    /// of the first are folded into one message (a digest when several).
    /// 0 sends each at once. Default 60.
    #[serde(default = "defaults::digest_window_secs")]
    pub digest_window_secs: u64,
    /// After this many failed attempts a message is dead. Default 8.
    #[serde(default = "defaults::max_attempts")]
    pub max_attempts: u32,
    /// The wait after the first failure, doubled after each further one
    /// (with jitter). Default 30.
    #[serde(default = "defaults::backoff_initial_secs")]
    pub backoff_initial_secs: u64,
    /// The longest wait between attempts. Default 3600.
    #[serde(default = "defaults::backoff_max_secs")]
    pub backoff_max_secs: u64,
    /// How long one HTTP request may take. Default 10.
    #[serde(default = "defaults::timeout_secs")]
    pub timeout_secs: u64,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        let settings = DeliverySettings::default();
        NotifyConfig {
            default: None,
            admin: None,
            routes: BTreeMap::new(),
            channels: BTreeMap::new(),
            digest_window_secs: settings.digest_window_secs,
            max_attempts: settings.max_attempts,
            backoff_initial_secs: settings.backoff_initial_secs,
            backoff_max_secs: settings.backoff_max_secs,
            timeout_secs: settings.timeout_secs,
        }
    }
}

mod defaults {
    use super::DeliverySettings;
    pub(super) fn digest_window_secs() -> u64 {
        DeliverySettings::default().digest_window_secs
    }
    pub(super) fn max_attempts() -> u32 {
        DeliverySettings::default().max_attempts
    }
    pub(super) fn backoff_initial_secs() -> u64 {
        DeliverySettings::default().backoff_initial_secs
    }
    pub(super) fn backoff_max_secs() -> u64 {
        DeliverySettings::default().backoff_max_secs
    }
    pub(super) fn timeout_secs() -> u64 {
        DeliverySettings::default().timeout_secs
    }
}

/// How delivery retries, folds and times out: the settings keys of
/// [`NotifyConfig`], as checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySettings {
    /// See [`NotifyConfig::digest_window_secs`].
    pub digest_window_secs: u64,
    /// See [`NotifyConfig::max_attempts`].
    pub max_attempts: u32,
    /// See [`NotifyConfig::backoff_initial_secs`].
    pub backoff_initial_secs: u64,
    /// See [`NotifyConfig::backoff_max_secs`].
    pub backoff_max_secs: u64,
    /// See [`NotifyConfig::timeout_secs`].
    pub timeout_secs: u64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            digest_window_secs: 60,
            max_attempts: 8,
            backoff_initial_secs: 30,
            backoff_max_secs: 3600,
            timeout_secs: 10,
        }
    }
}

impl DeliverySettings {
    /// The HTTP timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.max(1))
    }
}

/// Which robot (or plain webhook) a channel posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// A generic JSON webhook: the notifications as data, with an
    /// `Idempotency-Key` header.
    Webhook,
    /// A 飞书 (Feishu/Lark) custom bot: `msg_type` `post`, signed when it has a secret.
    Feishu,
    /// A 钉钉 (DingTalk) custom robot: `msgtype` `markdown`, signed when it has a secret.
    Dingtalk,
    /// A 企业微信 (WeCom) group robot: `msgtype` `markdown`; the key is in the URL.
    Wecom,
}

impl ChannelKind {
    /// The robot's documented limit: messages per minute. 钉钉 and 企业微信
    /// robots accept 20 a minute (钉钉 then blocks the robot for 10 minutes);
    /// a 飞书 custom bot 100 a minute (and 5 a second). Webhooks: 60.
    pub fn default_rate_limit(self) -> RateLimit {
        let messages = match self {
            ChannelKind::Dingtalk | ChannelKind::Wecom => 20,
            ChannelKind::Feishu => 100,
            ChannelKind::Webhook => 60,
        };
        RateLimit {
            messages,
            per_secs: 60,
        }
    }

    /// Whether the robot signs requests with a secret.
    pub fn signs(self) -> bool {
        matches!(self, ChannelKind::Feishu | ChannelKind::Dingtalk)
    }

    /// The name used in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Feishu => "feishu",
            ChannelKind::Dingtalk => "dingtalk",
            ChannelKind::Wecom => "wecom",
        }
    }
}

/// At most `messages` requests to one channel in any `per_secs` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// How many requests.
    pub messages: u32,
    /// In how many seconds.
    pub per_secs: u64,
}

/// One channel in `[notify.channels.NAME]`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// `webhook`, `feishu`, `dingtalk` or `wecom`.
    pub kind: Option<ChannelKind>,
    /// The webhook URL (for 企业微信 it holds the robot's `key`).
    #[serde(default)]
    pub url: Option<String>,
    /// The environment variable that holds the URL, instead of `url`.
    #[serde(default)]
    pub url_env: Option<String>,
    /// The signing secret (飞书 and 钉钉: `SEC…`), if the robot signs.
    #[serde(default)]
    pub secret: Option<String>,
    /// The environment variable that holds the secret, instead of `secret`.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// Overrides the robot's documented rate limit.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

impl fmt::Debug for ChannelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelConfig")
            .field("kind", &self.kind)
            .field("url", &self.url.as_ref().map(|_| "…"))
            .field("url_env", &self.url_env)
            .field("secret", &self.secret.as_ref().map(|_| "…"))
            .field("secret_env", &self.secret_env)
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

/// Why a [`NotifyConfig`] cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A channel without `kind`.
    #[error("[notify.channels.{0}] has no `kind` (webhook, feishu, dingtalk or wecom)")]
    MissingKind(String),
    /// A channel with neither `url` nor `url_env`, or with both.
    #[error("[notify.channels.{0}] needs exactly one of `url` and `url_env`")]
    Url(String),
    /// `url_env` names a variable that is not set.
    #[error(
        "[notify.channels.{channel}] url_env: the environment variable `{variable}` is not set"
    )]
    UnsetVariable {
        /// The channel.
        channel: String,
        /// The variable.
        variable: String,
    },
    /// The URL is not `http://…` or `https://…`.
    #[error("[notify.channels.{0}] the URL must start with http:// or https://")]
    Scheme(String),
    /// A secret on a kind that does not sign, or both `secret` and `secret_env`.
    #[error("[notify.channels.{channel}] {reason}")]
    Secret {
        /// The channel.
        channel: String,
        /// What is wrong.
        reason: String,
    },
    /// A rate limit of zero.
    #[error("[notify.channels.{0}] rate_limit needs messages >= 1 and per_secs >= 1")]
    RateLimit(String),
    /// A route, `default` or `admin` names a channel that is not defined.
    #[error("{place} names the channel `{channel}`, which [notify.channels] does not define")]
    UnknownChannel {
        /// Where: `default`, `admin` or `routes."研发部负责人"`.
        place: String,
        /// The name.
        channel: String,
    },
    /// `max_attempts` is 0.
    #[error("max_attempts must be at least 1")]
    MaxAttempts,
}

/// A checked channel, ready to post to.
#[derive(Clone, PartialEq, Eq)]
pub struct Channel {
    /// Its name in the configuration.
    pub name: String,
    /// The robot.
    pub kind: ChannelKind,
    /// The URL (from `url` or `url_env`).
    pub url: String,
    /// The signing secret, if any.
    pub secret: Option<String>,
    /// The rate limit in force.
    pub rate_limit: RateLimit,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("secret", &self.secret.as_ref().map(|_| "…"))
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

/// A checked configuration: the channels, and which recipient goes where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channels {
    channels: BTreeMap<String, Channel>,
    routes: BTreeMap<String, String>,
    default: Option<String>,
    admin: Option<String>,
    /// The delivery settings.
    pub settings: DeliverySettings,
}

/// The recipient of administrator notices (`calendar_data_missing`) in the
/// outbox; it goes to the `admin` channel.
pub const ADMIN_RECIPIENT: &str = crate::outbox::ADMIN_RECIPIENT;

impl NotifyConfig {
    /// Checks the configuration, reading `url_env` and `secret_env` from
    /// the process environment.
    ///
    /// # Errors
    /// The first problem found, as a [`ConfigError`].
    pub fn check(&self) -> Result<Channels, ConfigError> {
        self.check_with(|name| std::env::var(name).ok())
    }

    /// Checks the configuration, reading variables through `env`.
    ///
    /// # Errors
    /// The first problem found, as a [`ConfigError`].
    pub fn check_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Channels, ConfigError> {
        if self.max_attempts == 0 {
            return Err(ConfigError::MaxAttempts);
        }
        let mut channels = BTreeMap::new();
        for (name, config) in &self.channels {
            let kind = config
                .kind
                .ok_or_else(|| ConfigError::MissingKind(name.clone()))?;
            let url = match (&config.url, &config.url_env) {
                (Some(url), None) => url.clone(),
                (None, Some(variable)) => {
                    env(variable).ok_or_else(|| ConfigError::UnsetVariable {
                        channel: name.clone(),
                        variable: variable.clone(),
                    })?
                }
                _ => return Err(ConfigError::Url(name.clone())),
            };
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Scheme(name.clone()));
            }
            let secret_error = |reason: &str| ConfigError::Secret {
                channel: name.clone(),
                reason: reason.to_owned(),
            };
            let secret = match (&config.secret, &config.secret_env) {
                (Some(secret), None) => Some(secret.clone()),
                (None, Some(variable)) => {
                    Some(env(variable).ok_or_else(|| ConfigError::UnsetVariable {
                        channel: name.clone(),
                        variable: variable.clone(),
                    })?)
                }
                (None, None) => None,
                (Some(_), Some(_)) => {
                    return Err(secret_error("give `secret` or `secret_env`, not both"))
                }
            };
            if secret.is_some() && !kind.signs() {
                return Err(secret_error(
                    "only feishu and dingtalk robots sign; remove the secret",
                ));
            }
            let rate_limit = config
                .rate_limit
                .unwrap_or_else(|| kind.default_rate_limit());
            if rate_limit.messages == 0 || rate_limit.per_secs == 0 {
                return Err(ConfigError::RateLimit(name.clone()));
            }
            channels.insert(
                name.clone(),
                Channel {
                    name: name.clone(),
                    kind,
                    url,
                    secret,
                    rate_limit,
                },
            );
        }
        let known = |place: String, channel: &String| {
            if channels.contains_key(channel) {
                Ok(())
            } else {
                Err(ConfigError::UnknownChannel {
                    place,
                    channel: channel.clone(),
                })
            }
        };
        if let Some(default) = &self.default {
            known("default".into(), default)?;
        }
        if let Some(admin) = &self.admin {
            known("admin".into(), admin)?;
        }
        for (recipient, channel) in &self.routes {
            known(format!("routes.\"{recipient}\""), channel)?;
        }
        Ok(Channels {
            channels,
            routes: self.routes.clone(),
            default: self.default.clone(),
            admin: self.admin.clone(),
            settings: DeliverySettings {
                digest_window_secs: self.digest_window_secs,
                max_attempts: self.max_attempts,
                backoff_initial_secs: self.backoff_initial_secs,
                backoff_max_secs: self.backoff_max_secs,
                timeout_secs: self.timeout_secs,
            },
        })
    }
}

impl Channels {
    /// The channel a recipient's notifications go to: its route, else the
    /// default; for [`ADMIN_RECIPIENT`], the `admin` channel, else the route
    /// of `PMO`, else the default. `None` when there is none.
    pub fn route(&self, recipient: &str) -> Option<&Channel> {
        let name = if recipient == ADMIN_RECIPIENT {
            self.admin
                .as_ref()
                .or_else(|| self.routes.get("PMO"))
                .or(self.default.as_ref())
        } else {
            self.routes.get(recipient).or(self.default.as_ref())
        };
        name.and_then(|name| self.channels.get(name))
    }

    /// A channel by name.
    pub fn get(&self, name: &str) -> Option<&Channel> {
        self.channels.get(name)
    }

    /// All channels, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Channel> {
        self.channels.values()
    }
}
