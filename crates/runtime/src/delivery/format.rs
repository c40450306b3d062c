//! Channel formats: the HTTP request each robot documents for a
//! [`Message`], its signature, and how to read its answer.
//!
//! - 飞书 custom bot: `{"msg_type": "post", "content": {"post": {"zh_cn":
//!   {"title", "content": [[{"tag": "text", "text"}], …]}}}}`; when signed,
//!   `timestamp` (seconds, as a string) and `sign` = base64(HMAC-SHA256 with
//!   key `timestamp + "\n" + secret` over an empty message). Success is
//!   `{"code": 0}`.
//! - 钉钉 custom robot: `{"msgtype": "markdown", "markdown": {"title",
//!   "text"}}`; when signed, `&timestamp=MS&sign=S` on the URL with S =
//!   urlencode(base64(HMAC-SHA256 with key `secret` over `timestamp + "\n"
//!   + secret`)). Success is `{"errcode": 0}`.
//! - 企业微信 group robot: `{"msgtype": "markdown", "markdown": {"content"}}`
//!   (at most 4096 bytes), the key in the URL, no signature. Success is
//!   `{"errcode": 0}`.
//! - Generic webhook: the notifications as JSON (below); any 2xx is success.
//!
//! Every request carries an `Idempotency-Key` header: `sopflow-outbox-N`,
//! N the smallest outbox row id the message carries (a row belongs to one
//! message only, so the key names the message; a message of one row is
//! keyed by that row's id). Retries send the same key and the same words.
//! This module does no I/O and reads no clock.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::config::{Channel, ChannelKind};
use super::message::Message;

/// An HTTP POST to make: URL, headers and a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Where to post (for 钉钉, with the signature's query parameters).
    pub url: String,
    /// Headers besides `Content-Type: application/json`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Value,
}

/// The most a 企业微信 markdown message may hold, in bytes.
const WECOM_MAX_BYTES: usize = 4096;
/// What this crate sends to 钉钉 at most, in bytes (the robot takes 20000).
const DINGTALK_MAX_BYTES: usize = 18_000;
/// What this crate sends to 飞书 at most in text, in bytes (the body may be 20 KB).
const FEISHU_MAX_BYTES: usize = 18_000;

/// The idempotency key of a message: `sopflow-outbox-N`.
pub fn idempotency_key(message: &Message) -> String {
    let first = message
        .items
        .iter()
        .map(|item| item.outbox_id)
        .min()
        .unwrap_or_default();
    format!("sopflow-outbox-{first}")
}

/// The request that posts `message` to `channel`, signed at `now`.
pub fn request(channel: &Channel, message: &Message, now: DateTime<Utc>) -> Request {
    let key = idempotency_key(message);
    let headers = vec![("Idempotency-Key".to_owned(), key.clone())];
    let mut url = channel.url.clone();
    let body = match channel.kind {
        ChannelKind::Webhook => json!({
            "idempotency_key": key,
            "recipient": message.recipient,
            "title": message.title,
            "text": message.text(),
            "notifications": message.items,
        }),
        ChannelKind::Feishu => {
            let mut rows = vec![];
            let mut budget = FEISHU_MAX_BYTES.saturating_sub(message.title.len());
            for line in &message.lines {
                let line = fit(line, budget);
                budget = budget.saturating_sub(line.len());
                rows.push(json!([{ "tag": "text", "text": line }]));
            }
            let mut body = json!({
                "msg_type": "post",
                "content": { "post": { "zh_cn": {
                    "title": message.title,
                    "content": rows,
                }}},
            });
            if let Some(secret) = &channel.secret {
                let timestamp = now.timestamp();
                body["timestamp"] = json!(timestamp.to_string());
                body["sign"] = json!(feishu_sign(secret, timestamp));
            }
            body
        }
        ChannelKind::Dingtalk => {
            if let Some(secret) = &channel.secret {
                let timestamp = now.timestamp_millis();
                let separator = if url.contains('?') { '&' } else { '?' };
                url = format!(
                    "{url}{separator}timestamp={timestamp}&sign={}",
                    dingtalk_sign(secret, timestamp)
                );
            }
            let mut text = format!("#### {}", message.title);
            for line in &message.lines {
                text.push_str("\n\n");
                text.push_str(line);
            }
            json!({
                "msgtype": "markdown",
                "markdown": { "title": message.title, "text": fit(&text, DINGTALK_MAX_BYTES) },
            })
        }
        ChannelKind::Wecom => {
            let mut text = format!("**{}**", message.title);
            for line in &message.lines {
                text.push_str("\n> ");
                text.push_str(line);
            }
            json!({
                "msgtype": "markdown",
                "markdown": { "content": fit(&text, WECOM_MAX_BYTES) },
            })
        }
    };
    Request { url, headers, body }
}

/// `text` cut to at most `max` bytes at a character boundary, ending in `…`
/// when cut.
fn fit(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let ellipsis = "…";
    let mut end = max.saturating_sub(ellipsis.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ellipsis}", &text[..end])
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// The 飞书 signature for `timestamp` (Unix seconds): base64 of HMAC-SHA256
/// keyed by `timestamp + "\n" + secret` over an empty message.
///
/// ```
/// // Computed independently, as 飞书 documents the algorithm:
/// // python3 -c 'import hmac,hashlib,base64; k=b"1772627400\nSECfeishu"
/// //   print(base64.b64encode(hmac.new(k, b"", hashlib.sha256).digest()).decode())'
/// assert_eq!(
///     sopflow_runtime::delivery::feishu_sign("SECfeishu", 1_772_627_400),
///     "1m1lnHZGgROZ6xFEg8NjTJkj/whSZskHdUfh7ysp/1A="
/// );
/// ```
pub fn feishu_sign(secret: &str, timestamp: i64) -> String {
    let key = format!("{timestamp}\n{secret}");
    base64::engine::general_purpose::STANDARD.encode(hmac_sha256(key.as_bytes(), b""))
}

/// The 钉钉 signature for `timestamp` (Unix milliseconds), URL-encoded:
/// base64 of HMAC-SHA256 keyed by `secret` over `timestamp + "\n" + secret`.
///
/// ```
/// // python3 -c 'import hmac,hashlib,base64,urllib.parse;
/// //   print(urllib.parse.quote_plus(base64.b64encode(hmac.new(b"this is secret",
/// //   b"1577000000000\nthis is secret", hashlib.sha256).digest())))'
/// assert_eq!(
///     sopflow_runtime::delivery::dingtalk_sign("this is secret", 1577000000000),
///     "CzDRc7aXg4jxIWuAPgoMjyJ%2BzMUH7WEqwmgz3Z94Mrk%3D"
/// );
/// ```
pub fn dingtalk_sign(secret: &str, timestamp: i64) -> String {
    let message = format!("{timestamp}\n{secret}");
    let signature = base64::engine::general_purpose::STANDARD
        .encode(hmac_sha256(secret.as_bytes(), message.as_bytes()));
    url_encode(&signature)
}

/// Percent-encodes the characters base64 uses that a query value cannot
/// hold as they are (`+`, `/`, `=`), as `quote_plus` does.
fn url_encode(base64: &str) -> String {
    let mut out = String::with_capacity(base64.len() + 8);
    for c in base64.chars() {
        match c {
            '+' => out.push_str("%2B"),
            '/' => out.push_str("%2F"),
            '=' => out.push_str("%3D"),
            c => out.push(c),
        }
    }
    out
}

/// Whether the robot took the message: `Ok` for a 2xx answer that (for the
/// robots) reports code 0; otherwise why not, for `last_error`.
pub fn check_answer(kind: ChannelKind, status: u16, body: &str) -> Result<(), String> {
    let short = fit(body.trim(), 300);
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}: {short}"));
    }
    let field = match kind {
        ChannelKind::Webhook => return Ok(()),
        ChannelKind::Feishu => "code",
        ChannelKind::Dingtalk | ChannelKind::Wecom => "errcode",
    };
    let answer: Value = serde_json::from_str(body)
        .map_err(|_| format!("HTTP {status} but not the robot's JSON answer: {short}"))?;
    match answer.get(field).and_then(Value::as_i64) {
        Some(0) => Ok(()),
        // Older 飞书 answers carry `StatusCode` instead of `code`.
        None if kind == ChannelKind::Feishu
            && answer.get("StatusCode").and_then(Value::as_i64) == Some(0) =>
        {
            Ok(())
        }
        Some(code) => Err(format!(
            "{} refused it ({field} {code}): {short}",
            kind.as_str()
        )),
        None => Err(format!("HTTP {status} without `{field}`: {short}")),
    }
}

#[cfg(test)]
mod tests {
    use super::{check_answer, fit, url_encode, ChannelKind};

    #[test]
    fn fit_cuts_at_a_character_boundary() {
        assert_eq!(fit("研发部", 9), "研发部");
        assert_eq!(fit("研发部", 8), "研…");
        assert_eq!(fit("abcdef", 4), "a…");
    }

    #[test]
    fn url_encoding_of_base64() {
        assert_eq!(url_encode("a+b/c=="), "a%2Bb%2Fc%3D%3D");
    }

    #[test]
    fn answers() {
        assert!(check_answer(ChannelKind::Dingtalk, 200, r#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert_eq!(
            check_answer(ChannelKind::Dingtalk, 200, r#"{"errcode":410100,"errmsg":"send too fast"}"#),
            Err(r#"dingtalk refused it (errcode 410100): {"errcode":410100,"errmsg":"send too fast"}"#.to_owned())
        );
        assert!(check_answer(
            ChannelKind::Feishu,
            200,
            r#"{"code":0,"msg":"success","data":{}}"#
        )
        .is_ok());
        assert!(check_answer(
            ChannelKind::Feishu,
            200,
            r#"{"code":19021,"msg":"sign match fail"}"#
        )
        .is_err());
        assert!(check_answer(ChannelKind::Wecom, 500, "oops").is_err());
        assert!(check_answer(ChannelKind::Webhook, 204, "").is_ok());
        assert!(check_answer(ChannelKind::Wecom, 200, "<html>").is_err());
    }
}
