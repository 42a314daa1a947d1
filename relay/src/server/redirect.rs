//! `--redirect-http ADDR`: a plain-HTTP listener (port 80, usually) that
//! answers every request with a permanent redirect to the same path on the
//! relay's HTTPS port, so that `http://game.example` leads to the game.

use axum::body::Body;
use axum::http::header::{HOST, LOCATION};
use axum::http::{HeaderValue, Request, Response, StatusCode};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Serves redirects to HTTPS on `https_port` until `shutdown`.
pub(crate) async fn serve(
    listener: TcpListener,
    https_port: u16,
    head_timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|s| *s) => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed (HTTP redirect)");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
            std::future::ready(Ok::<_, Infallible>(redirect(&req, https_port)))
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(head_timeout)
            .serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(head_timeout * 2, conn).await;
        });
    }
}

/// `308 Permanent Redirect` (the method is kept) to `https://HOST[:PORT]PATH`.
fn redirect<B>(req: &Request<B>, https_port: u16) -> Response<Body> {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .map(strip_port);
    let mut resp = Response::new(Body::empty());
    let Some(host) = host else {
        *resp.status_mut() = StatusCode::BAD_REQUEST;
        return resp;
    };
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    match HeaderValue::try_from(format!("https://{host}{port}{path}")) {
        Ok(location) => {
            *resp.status_mut() = StatusCode::PERMANENT_REDIRECT;
            resp.headers_mut().insert(LOCATION, location);
        }
        Err(_) => *resp.status_mut() = StatusCode::BAD_REQUEST,
    }
    resp
}

/// `example.com:80` → `example.com`; `[::1]:80` → `[::1]`.
fn strip_port(host: &str) -> &str {
    match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[..i],
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn location(host: &str, uri: &str, port: u16) -> String {
        let req = Request::builder()
            .uri(uri)
            .header(HOST, host)
            .body(())
            .unwrap();
        let resp = redirect(&req, port);
        assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT);
        resp.headers()[LOCATION].to_str().unwrap().to_owned()
    }

    #[test]
    fn redirects_to_the_same_path_on_https() {
        assert_eq!(
            location("game.example", "/a?b=1", 443),
            "https://game.example/a?b=1"
        );
        assert_eq!(
            location("game.example:80", "/", 8443),
            "https://game.example:8443/"
        );
        assert_eq!(location("[::1]:8080", "/ws", 443), "https://[::1]/ws");
        assert_eq!(location("[::1]", "/", 443), "https://[::1]/");
    }
}
