//! The 看板 page: static files embedded in the binary, served at `/`.
//!
//! The page reads the same JSON API as every other client; this module only
//! serves files. (Placeholder until the page lands: `/` answers with a short
//! HTML note.)

use axum::response::Html;
use axum::routing::get;
use axum::Router;

/// The page's routes (`/` and its assets), to merge into the service's router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/", get(index))
}

async fn index() -> Html<&'static str> {
    Html("<!doctype html><meta charset=utf-8><title>sopflow</title><p>sopflow 看板</p>")
}
