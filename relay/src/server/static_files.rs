//! Static files next to the API (`--serve PREFIX=DIR`), so one relay can
//! host a game's page and the `coinop` package.
//!
//! This file picks the file; tower-http's `ServeFile` sends it, streamed
//! from disk, with `Content-Length`, ranges, `Last-Modified` /
//! `If-Modified-Since` and HEAD. An `ETag` from the file's size and
//! modification time (which, unlike `Last-Modified`, sees a rebuild within
//! the same second) and `If-None-Match` are added here.
//!
//! Safety: the URL path is percent-decoded once, then any `.`/`..` or
//! dot-file segment, backslash or NUL is refused; the resolved file is
//! canonicalized and must stay inside the canonical mount directory, so a
//! symlink pointing out of it is refused too. Files over
//! `max_static_file_bytes` are not served.

use super::context::RelayContext;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LOCATION, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use mime_guess::mime::{self, Mime};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// A file found for a request.
struct Found {
    path: PathBuf,
    content_type: Mime,
    etag: HeaderValue,
}

/// Why no file is served.
enum Miss {
    NotFound,
    /// A directory asked for without its trailing slash: relative links in
    /// its index.html would break, so redirect.
    AddSlash,
}

/// Answers a request no route took: from the mounts, or 404.
pub(crate) async fn serve(State(shared): State<Arc<RelayContext>>, req: Request) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
    }
    let path = req.uri().path().to_owned();
    let Some((prefix, dir)) = mount_for(&shared.config.serve, &path) else {
        return not_found();
    };
    let Some(rest) = path.strip_prefix(prefix.trim_end_matches('/')) else {
        return not_found();
    };
    let Some(segments) = safe_segments(rest.trim_start_matches('/')) else {
        return not_found();
    };
    let dir = dir.clone();
    let max = shared.config.max_static_file_bytes;
    let dir_request = path.ends_with('/');
    let found = tokio::task::spawn_blocking(move || find(&dir, &segments, dir_request, max))
        .await
        .unwrap_or(Err(Miss::NotFound));
    match found {
        Ok(found) => send(req, found).await,
        Err(Miss::NotFound) => not_found(),
        Err(Miss::AddSlash) => {
            let location = [(LOCATION, format!("{path}/"))];
            (StatusCode::MOVED_PERMANENTLY, location, "moved\n").into_response()
        }
    }
}

/// The mount with the longest prefix matching `path`. A prefix `/x/` also
/// matches `/x` (which then redirects to `/x/`).
fn mount_for<'a>(mounts: &'a [(String, PathBuf)], path: &str) -> Option<&'a (String, PathBuf)> {
    mounts
        .iter()
        .filter(|(prefix, _)| {
            let bare = prefix.trim_end_matches('/');
            prefix == "/"
                || path == bare
                || path
                    .strip_prefix(bare)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|(prefix, _)| prefix.trim_end_matches('/').len())
}

/// The decoded path segments, or `None` for anything that could leave the
/// directory or name a hidden file.
fn safe_segments(rest: &str) -> Option<Vec<String>> {
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .ok()?;
    let mut out = Vec::new();
    for seg in decoded.split('/') {
        if seg.is_empty() {
            continue;
        }
        if seg.starts_with('.') || seg.contains('\\') || seg.contains('\0') {
            return None;
        }
        out.push(seg.to_owned());
    }
    Some(out)
}

/// Finds the file (blocking).
fn find(dir: &Path, segments: &[String], dir_request: bool, max: u64) -> Result<Found, Miss> {
    let root = fs::canonicalize(dir).map_err(|_| Miss::NotFound)?;
    let mut file = root.clone();
    file.extend(segments);
    let mut file = fs::canonicalize(&file).map_err(|_| Miss::NotFound)?;
    if !file.starts_with(&root) {
        return Err(Miss::NotFound);
    }
    if file.is_dir() {
        if !dir_request {
            return Err(Miss::AddSlash);
        }
        file = fs::canonicalize(file.join("index.html")).map_err(|_| Miss::NotFound)?;
        if !file.starts_with(&root) {
            return Err(Miss::NotFound);
        }
    }
    let meta = fs::metadata(&file).map_err(|_| Miss::NotFound)?;
    if !meta.is_file() || meta.len() > max {
        return Err(Miss::NotFound);
    }
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let etag = format!("\"{:x}-{:x}\"", meta.len(), modified);
    Ok(Found {
        etag: HeaderValue::try_from(etag).map_err(|_| Miss::NotFound)?,
        content_type: content_type(&file),
        path: file,
    })
}

/// Answers with the file, or 304 when the client's copy is current.
async fn send(mut req: Request, found: Found) -> Response {
    // `no-cache`: browsers revalidate every time, so a rebuilt bundle is
    // picked up at once, and an unchanged one costs a 304.
    let headers = HeaderMap::from_iter([
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (ETAG, found.etag.clone()),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ]);
    if let Some(tags) = req.headers().get(IF_NONE_MATCH) {
        if tags
            .to_str()
            .is_ok_and(|tags| matches_tag(tags, &found.etag))
        {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        // A client that sent tags is answered by them alone (RFC 9110,
        // 13.2.2): a date must not turn a changed file into a 304.
        req.headers_mut().remove(IF_MODIFIED_SINCE);
    }
    let Ok(resp) = ServeFile::new_with_mime(&found.path, &found.content_type)
        .oneshot(req)
        .await;
    let mut resp = resp.map(Body::new);
    if resp.status().is_success() || resp.status() == StatusCode::NOT_MODIFIED {
        resp.headers_mut().extend(headers);
    }
    resp
}

/// Whether an `If-None-Match` list names this tag (weak comparison).
fn matches_tag(tags: &str, etag: &HeaderValue) -> bool {
    let etag = etag.as_bytes();
    tags.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t).as_bytes() == etag)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// The content type by file extension, from `mime_guess`, with text in
/// UTF-8 said explicitly (browsers otherwise guess the charset).
fn content_type(file: &Path) -> Mime {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    // Where mime_guess lags the web: JavaScript modules, source maps
    // (JSON), TypeScript sources (not MPEG transport streams).
    let guess = match ext.as_str() {
        "mjs" => mime::TEXT_JAVASCRIPT,
        "map" => mime::APPLICATION_JSON,
        "ts" => mime::TEXT_PLAIN,
        _ => mime_guess::from_ext(&ext).first_or_octet_stream(),
    };
    if guess.type_() != mime::TEXT || guess.get_param(mime::CHARSET).is_some() {
        return guess;
    }
    format!("{guess}; charset=utf-8").parse().unwrap_or(guess)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_refuse_traversal() {
        assert_eq!(
            safe_segments("a/b.js"),
            Some(vec!["a".into(), "b.js".into()])
        );
        assert_eq!(safe_segments("a%20b"), Some(vec!["a b".into()]));
        assert_eq!(safe_segments(""), Some(vec![]));
        for bad in [
            "../x",
            "a/../../x",
            "%2e%2e/x",
            "%2E%2e%2fx",
            "a%5c..",
            ".git",
            "%00",
            "%ff",
        ] {
            assert_eq!(safe_segments(bad), None, "{bad}");
        }
        // Not an escape: a literal name, looked up as such.
        assert_eq!(safe_segments("%zz"), Some(vec!["%zz".into()]));
    }

    #[test]
    fn content_types_for_the_web() {
        let ty = |name: &str| content_type(Path::new(name)).to_string();
        assert_eq!(ty("a.html"), "text/html; charset=utf-8");
        assert_eq!(ty("a.MJS"), "text/javascript; charset=utf-8");
        assert_eq!(ty("a.js"), "text/javascript; charset=utf-8");
        assert_eq!(ty("a.js.map"), "application/json");
        assert_eq!(ty("a_bg.wasm"), "application/wasm");
        assert_eq!(ty("a.d.ts"), "text/plain; charset=utf-8");
        assert_eq!(ty("a.png"), "image/png");
        assert_eq!(ty("noext"), "application/octet-stream");
    }

    #[test]
    fn if_none_match_lists() {
        let tag = HeaderValue::from_static("\"a-1\"");
        assert!(matches_tag("\"a-1\"", &tag));
        assert!(matches_tag("\"x\", W/\"a-1\"", &tag));
        assert!(matches_tag("*", &tag));
        assert!(!matches_tag("\"a-2\"", &tag));
    }

    #[test]
    fn longest_prefix_wins() {
        let mounts = vec![
            ("/".to_owned(), PathBuf::from("site")),
            ("/coinop/".to_owned(), PathBuf::from("dist")),
        ];
        let dir = |p: &str| mount_for(&mounts, p).map(|m| m.1.to_str().unwrap_or_default());
        assert_eq!(dir("/coinop/index.js"), Some("dist"));
        assert_eq!(dir("/coinop"), Some("dist"));
        assert_eq!(dir("/coinopx"), Some("site"));
        assert_eq!(dir("/index.html"), Some("site"));
        assert_eq!(mount_for(&mounts[1..], "/other"), None);
    }
}
