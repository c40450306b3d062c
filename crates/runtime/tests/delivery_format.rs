//! What each channel receives, byte for byte (insta snapshots), the
//! signatures against vectors computed independently with Python's `hmac`,
//! and the `[notify]` example of the README parsed as TOML.

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::json;
use sopflow::exec::Event;
use sopflow_runtime::delivery::{
    dingtalk_sign, feishu_sign, render, request, ChannelKind, Item, Message, NotifyConfig,
    ADMIN_RECIPIENT,
};

fn t(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().unwrap()
}

fn beijing(_: &Item) -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap()
}

fn item(id: i64, recipient: &str, event: serde_json::Value) -> Item {
    let event: Event = serde_json::from_value(event).unwrap();
    let kind = event_type(&event);
    let step = match &event.kind {
        sopflow::exec::EventKind::WarningRaised { step, .. }
        | sopflow::exec::EventKind::DeadlineMissed { step, .. }
        | sopflow::exec::EventKind::Escalated { step, .. }
        | sopflow::exec::EventKind::CalendarDataMissing { step, .. } => step.clone(),
        _ => None,
    };
    let level = match &event.kind {
        sopflow::exec::EventKind::Escalated { level, .. } => Some(i64::from(*level)),
        _ => None,
    };
    let due = match &event.kind {
        sopflow::exec::EventKind::WarningRaised { due, .. }
        | sopflow::exec::EventKind::DeadlineMissed { due, .. } => Some(*due),
        sopflow::exec::EventKind::Escalated { overdue_by, .. } => {
            Some(event.at - chrono::TimeDelta::seconds(*overdue_by))
        }
        _ => None,
    };
    Item {
        outbox_id: id,
        instance: "NP-7".into(),
        process: "新产品上市".into(),
        version: 1,
        kind,
        step,
        level,
        recipient: recipient.into(),
        owners: vec!["研发部".into()],
        due,
        event,
    }
}

fn event_type(event: &Event) -> String {
    serde_json::to_value(event).unwrap()["type"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn warning() -> Item {
    item(
        41,
        "研发部",
        json!({"at": "2026-03-03T10:00:00Z", "type": "warning_raised",
               "step": "研发部:评估", "due": "2026-03-04T10:00:00Z"}),
    )
}

fn missed() -> Item {
    item(
        42,
        "研发部",
        json!({"at": "2026-03-04T10:00:00Z", "type": "deadline_missed",
               "step": "研发部:评估", "due": "2026-03-04T10:00:00Z"}),
    )
}

fn escalated(id: i64, recipient: &str, level: u32, overdue_by: i64) -> Item {
    item(
        id,
        recipient,
        json!({"at": "2026-03-04T12:30:00Z", "type": "escalated", "step": "研发部:评估",
               "level": level, "recipients": [recipient], "overdue_by": overdue_by}),
    )
}

fn now() -> DateTime<Utc> {
    t("2026-03-04T12:30:00Z")
}

fn single() -> Message {
    render("研发部", vec![warning()], &beijing, now())
}

fn digest() -> Message {
    render(
        "研发部负责人",
        vec![warning(), missed(), escalated(43, "研发部负责人", 2, 9000)],
        &beijing,
        now(),
    )
}

fn channel(
    kind: ChannelKind,
    url: &str,
    secret: Option<&str>,
) -> sopflow_runtime::delivery::Channel {
    let config: NotifyConfig = serde_json::from_value(json!({
        "default": "c",
        "channels": { "c": { "kind": kind.as_str(), "url": url, "secret": secret } }
    }))
    .unwrap();
    config
        .check_with(|_| None)
        .unwrap()
        .get("c")
        .unwrap()
        .clone()
}

#[test]
fn messages_say_what_a_person_needs() {
    insta::assert_snapshot!(single().text(), @r"
    【超时预警】新产品上市 NP-7 · 研发部:评估 将于 3月4日 18:00 到期
    负责:研发部
    通知:研发部(步骤负责方)
    ");
    insta::assert_snapshot!(render("研发部", vec![missed()], &beijing, now()).text(), @r"
    【已超时】新产品上市 NP-7 · 研发部:评估 已于 3月4日 18:00 到期,已超时 2小时30分钟
    负责:研发部
    通知:研发部(步骤负责方)
    ");
    insta::assert_snapshot!(
        render("PMO", vec![escalated(44, "PMO", 3, 95_400)], &beijing, now()).text(), @r"
    【升级】新产品上市 NP-7 · 研发部:评估 已超时 1天2小时,第 3 级升级
    负责:研发部
    期限:3月3日 18:00(已超时 1天2小时)
    通知:PMO(升级第 3 级)
    ");
    insta::assert_snapshot!(digest().text(), @r"
    【汇总】研发部负责人:3 项提醒(升级 1 · 已超时 1 · 超时预警 1)
    · 【升级】新产品上市 NP-7 · 研发部:评估 已超时 2小时30分钟,第 2 级升级
    · 【已超时】新产品上市 NP-7 · 研发部:评估 已于 3月4日 18:00 到期,已超时 2小时30分钟
    · 【超时预警】新产品上市 NP-7 · 研发部:评估 将于 3月4日 18:00 到期
    通知:研发部负责人(这些提醒在同一时段内到达,合并为一条)
    ");
}

#[test]
fn a_provisional_deadline_tells_the_administrator() {
    let notice = item(
        50,
        ADMIN_RECIPIENT,
        json!({"at": "2026-12-30T01:00:00Z", "type": "calendar_data_missing",
               "step": "研发部:评估", "calendar": "公司", "year": 2027}),
    );
    insta::assert_snapshot!(render(ADMIN_RECIPIENT, vec![notice], &beijing, now()).text(), @r"
    【日历缺数据】新产品上市 NP-7 · 研发部:评估 的期限是临时的:日历缺少 2027 年的节假日
    负责:研发部
    日历「公司」没有 2027 年的节假日数据,期限只按工作周和工作时间临时计算。
    请补充该年的节假日后修订期限(revise_deadlines)。
    通知:系统管理员(日历数据需要补充)
    ");
}

#[test]
fn a_long_digest_lists_fifteen_and_counts_the_rest() {
    let items: Vec<Item> = (0..40)
        .map(|i| escalated(100 + i, "PMO", 3, 3600 * (i + 1)))
        .collect();
    let message = render("PMO", items, &beijing, now());
    assert_eq!(message.title, "【汇总】PMO:40 项提醒(升级 40)");
    assert_eq!(message.lines.len(), 15 + 2);
    assert_eq!(message.lines[15], "……另有 25 项,详见 sopflow 的实例列表");
    assert_eq!(message.items.len(), 40);
}

#[test]
fn feishu_post_signed() {
    let channel = channel(
        ChannelKind::Feishu,
        "https://open.feishu.cn/open-apis/bot/v2/hook/H",
        Some("SECfeishu"),
    );
    let post = request(&channel, &digest(), now());
    assert_eq!(post.url, "https://open.feishu.cn/open-apis/bot/v2/hook/H");
    assert_eq!(
        post.headers,
        [("Idempotency-Key".to_owned(), "sopflow-outbox-41".to_owned())]
    );
    insta::assert_json_snapshot!("feishu_post", post.body);
}

#[test]
fn dingtalk_markdown_signed() {
    let channel = channel(
        ChannelKind::Dingtalk,
        "https://oapi.dingtalk.com/robot/send?access_token=T",
        Some("SECding"),
    );
    let post = request(&channel, &single(), now());
    assert_eq!(
        post.url,
        format!(
            "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp={}&sign={}",
            now().timestamp_millis(),
            dingtalk_sign("SECding", now().timestamp_millis())
        )
    );
    insta::assert_json_snapshot!("dingtalk_markdown", post.body);
}

#[test]
fn wecom_markdown() {
    let channel = channel(
        ChannelKind::Wecom,
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K",
        None,
    );
    let post = request(&channel, &digest(), now());
    assert_eq!(
        post.url,
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"
    );
    insta::assert_json_snapshot!("wecom_markdown", post.body);
}

#[test]
fn webhook_json() {
    let channel = channel(
        ChannelKind::Webhook,
        "https://ops.example.com/hooks/sopflow",
        None,
    );
    let post = request(&channel, &single(), now());
    insta::assert_json_snapshot!("webhook", post.body);
}

#[test]
fn a_wecom_message_stays_within_4096_bytes() {
    let channel = channel(
        ChannelKind::Wecom,
        "https://qyapi.weixin.qq.com/x?key=K",
        None,
    );
    let mut message = digest();
    message.lines = vec!["研发部:评估 ".repeat(40); 40];
    let post = request(&channel, &message, now());
    let content = post.body["markdown"]["content"].as_str().unwrap();
    assert!(content.len() <= 4096, "{}", content.len());
    assert!(content.ends_with('…'));
}

/// Vectors computed with Python, independently of this crate:
///
/// ```text
/// python3 -c 'import hmac,hashlib,base64
/// print(base64.b64encode(hmac.new(b"1772627400\nSECfeishu", b"", hashlib.sha256).digest()).decode())'
/// python3 -c 'import hmac,hashlib,base64,urllib.parse
/// s=b"SECding"; m=b"1772627400000\nSECding"
/// print(urllib.parse.quote_plus(base64.b64encode(hmac.new(s, m, hashlib.sha256).digest())))'
/// ```
#[test]
fn signatures_match_independent_vectors() {
    assert_eq!(now().timestamp(), 1_772_627_400);
    assert_eq!(
        feishu_sign("SECfeishu", 1_772_627_400),
        "1m1lnHZGgROZ6xFEg8NjTJkj/whSZskHdUfh7ysp/1A="
    );
    assert_eq!(
        dingtalk_sign("SECding", 1_772_627_400_000),
        "5aYeT5r2kCJIx%2Fu7EHnH6OVH8D66ke%2FQHtWjKB%2FSe5M%3D"
    );
}

/// The `[notify]` example of the README, as `sopflow.toml` holds it.
#[test]
fn the_readme_example_parses() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("```toml\n[notify]")
        .expect("README has a [notify] example");
    let body = &readme[start + "```toml\n".len()..];
    let toml_text = &body[..body.find("```").unwrap()];
    let file: toml::Value = toml::from_str(toml_text).unwrap();
    let config: NotifyConfig = file["notify"].clone().try_into().unwrap();
    let env = |name: &str| Some(format!("https://example.com/{name}"));
    let channels = config.check_with(env).unwrap();
    assert_eq!(
        channels.route("研发部负责人").unwrap().kind,
        ChannelKind::Dingtalk
    );
    assert_eq!(channels.route("PMO").unwrap().kind, ChannelKind::Feishu);
    assert_eq!(channels.route("市场部").unwrap().kind, ChannelKind::Wecom);
    assert_eq!(
        channels.route(ADMIN_RECIPIENT).unwrap().kind,
        ChannelKind::Feishu
    );
    assert_eq!(channels.settings.digest_window_secs, 120);
}

#[test]
fn configuration_errors_are_clear() {
    let check = |value: serde_json::Value| {
        serde_json::from_value::<NotifyConfig>(value)
            .unwrap()
            .check_with(|_| None)
            .unwrap_err()
            .to_string()
    };
    insta::assert_snapshot!(check(json!({"channels": {"rd": {"kind": "dingtalk"}}})),
        @"[notify.channels.rd] needs exactly one of `url` and `url_env`");
    insta::assert_snapshot!(check(json!({"channels": {"rd": {"kind": "dingtalk", "url_env": "NOPE"}}})),
        @"[notify.channels.rd] url_env: the environment variable `NOPE` is not set");
    insta::assert_snapshot!(check(json!({"channels": {"w": {"kind": "wecom", "url": "https://x", "secret": "s"}}})),
        @"[notify.channels.w] only feishu and dingtalk robots sign; remove the secret");
    insta::assert_snapshot!(check(json!({"routes": {"PMO": "pmo"}})),
        @r#"routes."PMO" names the channel `pmo`, which [notify.channels] does not define"#);
    insta::assert_snapshot!(check(json!({"channels": {"x": {"kind": "webhook", "url": "ftp://x"}}})),
        @"[notify.channels.x] the URL must start with http:// or https://");
    assert!(
        serde_json::from_value::<NotifyConfig>(json!({"channels": {"x": {"kind": "slack"}}}))
            .is_err()
    );
    assert!(serde_json::from_value::<NotifyConfig>(json!({"chanels": {}})).is_err());
}
