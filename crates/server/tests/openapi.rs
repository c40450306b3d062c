//! The OpenAPI document and the router agree: every route (the API's and
//! the page's under `/api/v1`) is documented, every documented operation
//! is routed.

mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::Method;
use common::{app, openapi};

#[test]
fn every_route_is_documented_and_every_documented_operation_is_routed() {
    let doc = openapi();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, operations)| {
            operations
                .as_object()
                .expect("operations")
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = sopflow_server::ROUTES
        .iter()
        .chain(sopflow_server::PAGE_ROUTES)
        .map(|&(m, p)| (m.to_owned(), p.to_owned()))
        .collect();
    assert_eq!(documented, routed);
}

#[tokio::test]
async fn every_listed_route_answers_and_others_are_json_404() {
    let app = app(false).await;
    for &(method, path) in sopflow_server::ROUTES
        .iter()
        .chain(sopflow_server::PAGE_ROUTES)
    {
        let path = path
            .replace("{id}", "nobody")
            .replace("{name}", "nothing")
            .replace("{version}", "1");
        let method = Method::from_bytes(method.as_bytes()).expect("a method");
        let answer = app
            .send(
                method.clone(),
                &path,
                None,
                Body::from("{}"),
                "application/json",
            )
            .await;
        // Handlers answer (possibly with their own 404 for an unknown id),
        // never the router's "no route" or 405.
        assert_ne!(answer.status.as_u16(), 405, "{method} {path}");
        assert!(
            !answer.text.contains("no route"),
            "{method} {path}: {}",
            answer.text
        );
    }
    let answer = app.get("/api/v1/nothing", None).await;
    assert_eq!(answer.status.as_u16(), 404);
    assert_eq!(answer.body["error"], "not_found");
}
