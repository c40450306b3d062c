//! The 看板 page: static files embedded in the binary, served at `/`.
//!
//! The page is plain HTML, CSS and ES modules (no build step) that read the
//! same JSON API as every other client. Every file it needs — its script,
//! its styles, Chart.js — is compiled into the binary and served from
//! `/assets/…`, so the page works on an intranet without internet access.
//! Fonts come from the system (a CJK font stack, see `style.css`).
//!
//! Files are served with `Cache-Control: no-cache` and an `ETag` (a hash of
//! the content): a browser revalidates with a cheap `304 Not Modified` and
//! always sees the page of the binary it talks to.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::assets;

/// One embedded file of the page.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Its name under `/assets/` (the index is `index.html`, served at `/`).
    pub name: &'static str,
    /// Its `Content-Type`.
    pub mime: &'static str,
    /// Its content.
    pub body: &'static str,
}

/// Every file of the page, the index first.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        mime: "text/html; charset=utf-8",
        body: include_str!("../assets/index.html"),
    },
    Asset {
        name: "app.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../assets/app.js"),
    },
    Asset {
        name: "i18n.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../assets/i18n.js"),
    },
    Asset {
        name: "api.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../assets/api.js"),
    },
    Asset {
        name: "fmt.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../assets/fmt.js"),
    },
    Asset {
        name: "board.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../assets/board.js"),
    },
    Asset {
        name: "processes.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../assets/processes.js"),
    },
    Asset {
        name: "instance.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../assets/instance.js"),
    },
    Asset {
        name: "timeline.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../assets/timeline.js"),
    },
    Asset {
        name: "scorecard.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../assets/scorecard.js"),
    },
    Asset {
        name: "style.css",
        mime: "text/css; charset=utf-8",
        body: include_str!("../assets/style.css"),
    },
    Asset {
        name: "favicon.svg",
        mime: "image/svg+xml",
        body: include_str!("../assets/favicon.svg"),
    },
    Asset {
        name: "vendor/chart.umd.min.js",
        mime: "text/javascript; charset=utf-8",
        body: assets::CHART_JS,
    },
];

/// The embedded file with this name (as under `/assets/`), if any.
pub fn asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The page's routes (`/` and `/assets/…`), to merge into the service's router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/assets/{*name}", get(file))
}

async fn index(headers: HeaderMap) -> Response {
    serve(&ASSETS[0], &headers)
}

async fn file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match asset(&name) {
        Some(found) => serve(found, &headers),
        None => (
            StatusCode::NOT_FOUND,
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("没有这个文件 (no such file): /assets/{name}\n"),
        )
            .into_response(),
    }
}

fn serve(asset: &'static Asset, headers: &HeaderMap) -> Response {
    let tag = etag(asset.body);
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let tag =
        HeaderValue::from_str(&tag).expect("an ETag of hex digits and quotes is a valid header");
    let common = [
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (ETAG, tag),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [(CONTENT_TYPE, HeaderValue::from_static(asset.mime))],
        asset.body,
    )
        .into_response()
}

/// A strong ETag: the FNV-1a hash of the content, quoted.
fn etag(body: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("\"{hash:016x}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_the_index_names_is_embedded() {
        let index = ASSETS[0].body;
        for part in index.split("/assets/").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | '?' | '#'))
                .collect();
            assert!(asset(&name).is_some(), "index.html names /assets/{name}");
        }
    }

    #[test]
    fn modules_import_only_embedded_files() {
        for a in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            for line in a.body.lines().filter(|l| l.starts_with("import ")) {
                let target = line
                    .split(['"', '\''])
                    .nth(1)
                    .expect("an import names a file in quotes");
                let name = target.trim_start_matches("./");
                assert!(asset(name).is_some(), "{} imports {target}", a.name);
            }
        }
    }

    #[test]
    fn nothing_is_loaded_from_the_internet() {
        for a in ASSETS.iter().filter(|a| !a.name.starts_with("vendor/")) {
            // The one http:// an SVG must name is its XML namespace.
            let body = a.body.replace("http://www.w3.org/2000/svg", "");
            for needle in ["http://", "https://", "//cdn", "fonts.googleapis"] {
                assert!(!body.contains(needle), "{} mentions {needle}", a.name);
            }
        }
    }

    #[test]
    fn etags_differ_with_content() {
        assert_ne!(etag("a"), etag("b"));
        assert_eq!(etag("a"), etag("a"));
    }
}
