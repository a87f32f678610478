//! The web interface: plain HTML, CSS and JavaScript compiled into the binary, served by
//! `jalin serve` next to the API.
//!
//! The app is one page (`src/web/index.html`) whose script renders its views from the URL
//! — `/partners`, `/provinces`, `/planner`, `/missions` (the mission builder), `/network`,
//! `/business` — so every result can be shared by its
//! address; the server answers each of those paths (and `/`) with the same page. The assets
//! (`/assets/app.js`, `/assets/style.css`, `/assets/icon.svg`) are `include_str!`-ed: no
//! build step, no CDN, no fonts to fetch. The script is kept as one file per view under
//! `web/js/` and joined into `app.js` at compile time. Everything the pages show comes from the JSON API.
//!
//! Caching: the page links each asset as `/assets/NAME?v=HASH`, the hash of all assets taken
//! at compile time, and an asset requested with the current hash is cached for a year
//! (`immutable`); the page itself is revalidated on every load (`no-cache` with an ETag), so
//! a new binary is picked up at once.
//!
//! The page carries a Content-Security-Policy allowing only same-origin scripts, styles and
//! requests, a second line of defence behind the script's rule of never putting API text
//! into HTML (it builds DOM nodes and sets `textContent`).

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const INDEX_HTML: &str = include_str!("web/index.html");
/// The script, `/assets/app.js`: the files of `web/js/`, joined in this order at compile time
/// (one script, no modules: later files use what earlier ones define; `main.js` starts it).
const APP_JS: &str = concat!(
    include_str!("web/js/text.js"),
    include_str!("web/js/core.js"),
    include_str!("web/js/partners.js"),
    include_str!("web/js/provinces.js"),
    include_str!("web/js/planner.js"),
    include_str!("web/js/missions.js"),
    include_str!("web/js/network.js"),
    include_str!("web/js/main.js"),
);
const STYLE_CSS: &str = include_str!("web/style.css");
const ICON_SVG: &str = include_str!("web/icon.svg");

/// The paths that answer with the app (each a view of it).
pub const PAGES: [&str; 7] = [
    "/",
    "/partners",
    "/provinces",
    "/planner",
    "/missions",
    "/network",
    "/business",
];

/// FNV-1a over the bytes of every asset and the page: changes whenever any of them does.
const fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

const VERSION: u64 = {
    let h = 0xcbf2_9ce4_8422_2325;
    let h = fnv1a(h, INDEX_HTML.as_bytes());
    let h = fnv1a(h, APP_JS.as_bytes());
    let h = fnv1a(h, STYLE_CSS.as_bytes());
    fnv1a(h, ICON_SVG.as_bytes())
};

/// The version tag the page puts on asset URLs.
fn version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| format!("{VERSION:016x}"))
}

/// The page with its asset URLs versioned.
fn index_html() -> &'static str {
    static PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PAGE.get_or_init(|| INDEX_HTML.replace("{{v}}", version()))
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The routes of the web interface: the app's pages and its assets.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut router = Router::new().route("/assets/{name}", get(asset));
    for page in PAGES {
        router = router.route(page, get(app));
    }
    router
}

/// The app, for any of its pages (the script reads the path and the query).
async fn app(headers: HeaderMap) -> Response {
    let etag = format!("\"{}\"", version());
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let common = [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::ETAG,
            HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\"")),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (
        common,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            ),
        ],
        index_html(),
    )
        .into_response()
}

/// An embedded asset by name, with its content type; cached for a year when asked for with
/// the current version, else for five minutes.
async fn asset(Path(name): Path<String>, RawQuery(query): RawQuery) -> Response {
    let (body, content_type) = match name.as_str() {
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "style.css" => (STYLE_CSS, "text/css; charset=utf-8"),
        "icon.svg" => (ICON_SVG, "image/svg+xml"),
        _ => {
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"error":{"code":"not_found","message":"no such asset","field":null}}"#,
            )
                .into_response();
        }
    };
    let current = query
        .as_deref()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("v=")))
        .is_some_and(|v| v == version());
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get(uri: &str) -> (StatusCode, HeaderMap, String) {
        let res = routes::<()>()
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn pages_serve_the_app_with_versioned_assets() {
        for page in PAGES {
            let (status, headers, body) = get(page).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
            assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
            assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
            assert!(body.contains(&format!("/assets/app.js?v={}", version())));
            assert!(!body.contains("{{v}}"));
        }
    }

    #[tokio::test]
    async fn assets_have_their_types_and_cache_headers() {
        let v = version();
        for (name, ty) in [
            ("app.js", "text/javascript; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("icon.svg", "image/svg+xml"),
        ] {
            let (status, headers, body) = get(&format!("/assets/{name}?v={v}")).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(headers[header::CONTENT_TYPE], ty);
            assert_eq!(
                headers[header::CACHE_CONTROL],
                "public, max-age=31536000, immutable"
            );
            assert!(!body.is_empty());
            let (_, headers, _) = get(&format!("/assets/{name}")).await;
            assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=300");
        }
        let (status, _, _) = get("/assets/nope.js").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_revalidated_page_is_not_modified() {
        let res = routes::<()>()
            .oneshot(
                Request::get("/partners")
                    .header(header::IF_NONE_MATCH, format!("\"{}\"", version()))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    }

    /// The script must never hand API text to the HTML parser.
    #[test]
    fn the_script_builds_dom_nodes_not_html() {
        for banned in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
        ] {
            assert!(!APP_JS.contains(banned), "app.js uses {banned}");
        }
    }
}
