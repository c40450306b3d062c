//! Delivery of the outbox: notifications reach people through webhooks and
//! the group robots Chinese companies use (飞书, 钉钉, 企业微信).
//!
//! ```text
//! outbox rows (pending) ──fold: one message per recipient and window──▶ deliveries (pending)
//!        │                    (digests; a channel's rate limit holds rows back)
//!        ▼
//! deliveries ──claim (lease, attempt recorded)──▶ HTTP POST ──▶ sent | retry (backoff) | dead
//! ```
//!
//! One room per concern:
//!
//! - [`config`](NotifyConfig): the `[notify]` table of `sopflow.toml`, checked into [`Channels`];
//! - `message`: the Chinese text ([`Message`], [`Item`]) and digests;
//! - `format`: each robot's documented request and signature ([`request`], [`feishu_sign`],
//!   [`dingtalk_sign`]) and how to read its answer;
//! - `fold`: windows and rate limits (no alert storms);
//! - `store`: the SQL of deliveries and attempts, and the read API
//!   ([`Runtime::deliveries`](crate::Runtime::deliveries),
//!   [`Runtime::dead_letters`](crate::Runtime::dead_letters),
//!   [`Runtime::retry_dead_letter`](crate::Runtime::retry_dead_letter));
//! - `worker`: [`Delivery`], its passes and its task ([`DeliveryHandle`]).
//!
//! # Guarantees
//!
//! - **At least once, with an idempotency key.** A message is marked `sent`
//!   only after its channel answered success; every request carries
//!   `Idempotency-Key: sopflow-outbox-N` (N the smallest outbox row id in
//!   the message) and retries send the same words under the same key. After
//!   a committed `sent`, a message is never posted again.
//! - **Retries with backoff, then a dead letter.** A failed attempt (an HTTP
//!   error, a robot's nonzero `code`/`errcode`, a timeout) is tried again
//!   after an exponentially growing wait with jitter; after `max_attempts`
//!   the message is `dead`, keeps its last error, and is listed by
//!   [`Runtime::dead_letters`](crate::Runtime::dead_letters).
//! - **Never in the way.** The worker runs on its own task, makes no
//!   request inside a transaction and times requests out, so a slow or dead
//!   webhook never blocks commands or timers.
//! - **No alert storms.** Notifications for one recipient that arrive
//!   within `digest_window_secs` fold into one digest; each channel keeps
//!   its robot's rate limit (钉钉 and 企业微信 20 messages a minute, 飞书 100).
//! - **Time is injected.** [`Delivery::run_once`] takes `now`;
//!   [`Delivery::spawn`] takes a [`Clock`](sopflow::exec::Clock).
//!
//! # Configuration
//!
//! ```toml
//! [notify]
//! default = "pmo"              # recipients without a route
//! admin = "pmo"                # calendar notices (default: the route of PMO, then default)
//! digest_window_secs = 60      # fold what arrives within a minute
//! max_attempts = 8
//! backoff_initial_secs = 30
//! backoff_max_secs = 3600
//! timeout_secs = 10
//!
//! [notify.routes]
//! "研发部负责人" = "rd"
//! "研发部" = "rd"
//! PMO = "pmo"
//!
//! [notify.channels.rd]
//! kind = "dingtalk"
//! url_env = "SOPFLOW_DINGTALK_RD_URL"      # https://oapi.dingtalk.com/robot/send?access_token=…
//! secret_env = "SOPFLOW_DINGTALK_RD_SECRET" # SEC…
//!
//! [notify.channels.pmo]
//! kind = "feishu"
//! url = "https://open.feishu.cn/open-apis/bot/v2/hook/…"
//! secret_env = "SOPFLOW_FEISHU_PMO_SECRET"
//!
//! [notify.channels.ops]
//! kind = "webhook"
//! url = "https://ops.example.com/hooks/sopflow"
//! rate_limit = { messages = 120, per_secs = 60 }
//! ```
//!
//! A 企业微信 robot is `kind = "wecom"` with the `key` in its URL and no secret.

mod config;
mod fold;
mod format;
mod message;
mod store;
mod throttle;
mod worker;

pub use config::{
    Channel, ChannelConfig, ChannelKind, Channels, ConfigError, DeliverySettings, NotifyConfig,
    RateLimit, ADMIN_RECIPIENT,
};
pub use format::{check_answer, dingtalk_sign, feishu_sign, idempotency_key, request, Request};
pub use message::{render, span, Item, Message, DIGEST_LINES};
pub use store::{DeliveryFilter, DeliveryItem, DeliveryStatus, DeliveryView};
pub use throttle::{is_throttle, retry_after, MAX_RETRY_AFTER, THROTTLE_CEILING};
pub use worker::{backoff, Delivery, DeliveryError, DeliveryHandle, Pass};
