//! Static files next to the API (`--serve PREFIX=DIR`), so one relay can
//! host a game's page and the `coinop` package.
//!
//! Safety: the URL path is percent-decoded once, then any `.`/`..` or
//! dot-file segment, backslash or NUL is refused; the resolved file is
//! canonicalized and must stay inside the canonical mount directory, so a
//! symlink pointing out of it is refused too. Files are read on the
//! blocking pool and bounded by `max_static_file_bytes`.

use super::context::RelayContext;
use super::http::{Request, Response};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// A file found for a request.
struct Found {
    body: Vec<u8>,
    content_type: &'static str,
    etag: String,
}

/// Why no file is served.
enum Miss {
    NotFound,
    /// A directory asked for without its trailing slash: relative links in
    /// its index.html would break, so redirect.
    AddSlash,
}

/// Answers a GET or HEAD from the mounts, or `None` when no mount matches.
pub(crate) async fn serve(shared: &RelayContext, req: &Request, path: &str) -> Option<Response> {
    let (prefix, dir) = mount_for(&shared.config.serve, path)?;
    let rest = match path.strip_prefix(prefix.trim_end_matches('/')) {
        Some(rest) => rest.trim_start_matches('/').to_owned(),
        None => return Some(not_found()),
    };
    let Some(segments) = safe_segments(&rest) else {
        return Some(not_found());
    };
    let dir = dir.clone();
    let max = shared.config.max_static_file_bytes;
    let dir_request = path.ends_with('/');
    let found = tokio::task::spawn_blocking(move || read(&dir, &segments, dir_request, max))
        .await
        .unwrap_or(Err(Miss::NotFound));
    let mut resp = match found {
        Ok(found) => respond(req, found),
        Err(Miss::NotFound) => not_found(),
        Err(Miss::AddSlash) => {
            let mut resp = Response::text(301, "moved\n");
            resp.headers.push(("Location", format!("{path}/")));
            resp
        }
    };
    resp.head_only = req.method == "HEAD";
    Some(resp)
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
    let decoded = percent_decode(rest)?;
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

/// Decodes `%XX` escapes; `None` for a bad escape or non-UTF-8 result.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Finds and reads the file (blocking).
fn read(dir: &Path, segments: &[String], dir_request: bool, max: u64) -> Result<Found, Miss> {
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
    let body = fs::read(&file).map_err(|_| Miss::NotFound)?;
    Ok(Found {
        etag: format!("\"{:x}-{:x}\"", body.len(), modified),
        content_type: content_type(&file),
        body,
    })
}

fn respond(req: &Request, found: Found) -> Response {
    // `no-cache`: browsers revalidate every time, so a rebuilt bundle is
    // picked up at once, and an unchanged one costs a 304.
    let headers = vec![
        ("Cache-Control", "no-cache".to_owned()),
        ("ETag", found.etag.clone()),
        ("X-Content-Type-Options", "nosniff".to_owned()),
    ];
    let fresh = req
        .header("If-None-Match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == found.etag));
    Response {
        status: if fresh { 304 } else { 200 },
        content_type: found.content_type,
        body: if fresh { Vec::new() } else { found.body },
        headers,
        head_only: false,
    }
}

fn not_found() -> Response {
    Response::text(404, "not found\n")
}

/// The content type by file extension.
fn content_type(file: &Path) -> &'static str {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
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
            "%zz",
        ] {
            assert_eq!(safe_segments(bad), None, "{bad}");
        }
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
