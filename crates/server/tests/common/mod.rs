//! Shared by the server's tests: a service on a fresh SQLite file, requests
//! through the router (no socket), and a small JSON-schema check against the
//! OpenAPI document.
#![allow(dead_code)]

#[path = "../../../runtime/tests/common/shared.rs"]
mod shared;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use sopflow_runtime::Runtime;
use sopflow_server::{router, Access, Config, ServerClock, Service};
use tower::ServiceExt;

// Each test binary uses a part of this module.
#[allow(unused_imports)]
pub use shared::{fresh_postgres, postgres_url, SMALL};

/// A process only 财务部 takes part in.
pub const FINANCE: &str = "process 报销 {}
财务部:审核 within 1d → 财务部:付款
";

pub const ADMIN: &str = "admin-secret-0123456789";
pub const RD: &str = "rd-secret-0123456789";
pub const FIN: &str = "fin-secret-0123456789";
pub const MKT: &str = "mkt-secret-0123456789";

pub const CONFIG: &str = r#"
[[tokens]]
name = "管理员"
token = "admin-secret-0123456789"
admin = true

[[tokens]]
name = "研发部负责人"
token = "rd-secret-0123456789"
actors = ["研发部"]

[[tokens]]
name = "财务部"
token = "fin-secret-0123456789"
actors = ["财务部"]

[[tokens]]
name = "市场部"
token = "mkt-secret-0123456789"
actors = ["市场部"]
"#;

/// The start of the virtual clock: Monday 2026-03-02 09:00 in Beijing.
pub const T0: &str = "2026-03-02T01:00:00Z";

pub struct App {
    pub router: axum::Router,
    _dir: tempfile::TempDir,
}

/// A server with the tokens of [`CONFIG`] (or none), on a virtual clock at
/// [`T0`], on a fresh SQLite file.
pub async fn app(with_tokens: bool) -> App {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    app_on(&url, with_tokens, dir).await
}

/// A server as [`app`] on a fresh Postgres database `sopflow_s_{name}`.
pub async fn app_postgres(name: &str, with_tokens: bool) -> Option<App> {
    let url = fresh_postgres(&format!("sopflow_s_{name}")).await?;
    let dir = tempfile::tempdir().expect("a temporary directory");
    Some(app_on(&url, with_tokens, dir).await)
}

async fn app_on(url: &str, with_tokens: bool, dir: tempfile::TempDir) -> App {
    let runtime = Runtime::connect(url).await.expect("a fresh database");
    let tokens = if with_tokens {
        Config::parse(CONFIG)
            .expect("the test config parses")
            .tokens(|_| None)
            .expect("the test tokens are valid")
    } else {
        Vec::new()
    };
    let clock = ServerClock::virtual_at(T0.parse().expect("an instant"));
    let service = Service::new(runtime, clock, Access::new(tokens));
    App {
        router: router(Arc::new(service)),
        _dir: dir,
    }
}

/// An answer: status and body (JSON when it parses, else a string).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
}

impl App {
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Body,
        content_type: &str,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = request
            .header("content-type", content_type)
            .body(body)
            .expect("a valid request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        Answer { status, body, text }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.send(Method::GET, path, token, Body::empty(), "application/json")
            .await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, json: Value) -> Answer {
        self.send(
            Method::POST,
            path,
            token,
            Body::from(json.to_string()),
            "application/json",
        )
        .await
    }

    pub async fn deploy(&self, token: Option<&str>, source: &str) -> Answer {
        self.send(
            Method::POST,
            "/api/v1/processes?name=t.sop",
            token,
            Body::from(source.to_owned()),
            "text/plain",
        )
        .await
    }
}

/// The OpenAPI document.
pub fn openapi() -> Value {
    serde_json::from_str(sopflow_server::OPENAPI).expect("the OpenAPI document is JSON")
}

/// Checks `value` against the documented schema of `method path` → `status`
/// (a subset of JSON Schema: type, required, properties, items, enum, allOf,
/// $ref, additionalProperties), panicking with the place that differs.
pub fn check_documented(method: &str, path: &str, status: u16, value: &Value) {
    let doc = openapi();
    let schema = &doc["paths"][path][method.to_lowercase()]["responses"][status.to_string()]
        ["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} → {status} is not documented with a JSON schema"
    );
    check(&doc, schema, value, &format!("{method} {path} {status}"));
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.rsplit('/').next().expect("a $ref has a name");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// The properties and required names of an object schema, through `allOf`;
/// `open` when it allows undocumented fields (`additionalProperties: true`).
fn object_shape(
    doc: &Value,
    schema: &Value,
    props: &mut serde_json::Map<String, Value>,
    required: &mut Vec<String>,
    open: &mut bool,
) {
    let schema = resolve(doc, schema);
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        object_shape(doc, part, props, required, open);
    }
    if let Some(p) = schema.get("properties").and_then(Value::as_object) {
        props.extend(p.clone());
    }
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        required.push(
            name.as_str()
                .expect("required names are strings")
                .to_owned(),
        );
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(true))
        || schema
            .get("additionalProperties")
            .is_some_and(Value::is_object)
        || (schema.get("type") == Some(&Value::String("object".into()))
            && schema.get("properties").is_none())
    {
        *open = true;
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check_type(doc, part, value, at);
    }
    check_type(doc, schema, value, at);
    if let Value::Object(object) = value {
        let (mut props, mut required, mut open) = (serde_json::Map::new(), Vec::new(), false);
        object_shape(doc, schema, &mut props, &mut required, &mut open);
        for name in &required {
            assert!(
                object.contains_key(name),
                "{at}: missing `{name}` in {value}"
            );
        }
        for (name, field) in object {
            match props.get(name) {
                Some(sub) => check(doc, sub, field, &format!("{at}.{name}")),
                None => assert!(open, "{at}: undocumented field `{name}` in {value}"),
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        for (i, element) in items.iter().enumerate() {
            check(doc, item, element, &format!("{at}[{i}]"));
        }
    }
}

fn check_type(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => panic!("{at}: bad type in schema"),
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        assert!(
            types.contains(&actual) || (actual == "integer" && types.contains(&"number")),
            "{at}: expected {types:?}, found {value}"
        );
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        assert!(
            allowed.contains(value),
            "{at}: {value} is not one of {allowed:?}"
        );
    }
}
