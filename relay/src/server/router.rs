//! The relay's HTTP routes (axum): the WebSocket endpoint, health, metrics,
//! the player room index (with CORS), the inspector, then static files.

use super::context::RelayContext;
use super::{inspector, player_rooms, public_rooms, static_files, upgrade};
use crate::metrics;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, ORIGIN};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get};
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

/// The longest a request may take to be answered (the head of the answer;
/// a file's body streams after it).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// Every route of the relay, with its state.
pub(crate) fn app(shared: Arc<RelayContext>) -> Router {
    // A game on another origin sends `Authorization`, which needs a
    // preflight. Origins reaching this layer passed the allow-list.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::DELETE, Method::OPTIONS])
        .allow_headers([AUTHORIZATION])
        .max_age(PREFLIGHT_MAX_AGE);
    let player_rooms = get(player_rooms::list)
        .layer(cors.clone())
        .layer(middleware::from_fn(preflight_no_content));
    let player_room = delete(player_rooms::delete)
        .layer(cors.clone())
        .layer(middleware::from_fn(preflight_no_content));
    let public_rooms = get(public_rooms::list)
        .layer(cors)
        .layer(middleware::from_fn(preflight_no_content));
    Router::new()
        .route("/ws", any(upgrade::upgrade))
        .route("/ws/", any(upgrade::upgrade))
        .route("/ws/{*rest}", any(upgrade::upgrade))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/players/{id}/rooms", player_rooms)
        .route("/players/{id}/rooms/{code}", player_room)
        .route("/games/{game}/rooms", public_rooms)
        .merge(inspector::routes(&shared))
        // The allow-list guards the relay's own endpoints. Static files are
        // public anyway, and browsers send `Origin` even on same-origin
        // module scripts: checking them would break a page whose origin is
        // not listed.
        .route_layer(middleware::from_fn_with_state(shared.clone(), check_origin))
        .fallback(static_files::serve)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(shared)
}

/// `ok`; in cluster mode only while the database answers (503 otherwise),
/// so a load balancer stops sending clients to a node cut off from it.
async fn healthz(State(shared): State<Arc<RelayContext>>) -> Response {
    match &shared.cluster {
        Some(cluster) if !cluster.reachable().await => {
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
        _ => "ok".into_response(),
    }
}

async fn metrics(State(shared): State<Arc<RelayContext>>) -> Response {
    let body = shared.metrics.render();
    ([(CONTENT_TYPE, metrics::CONTENT_TYPE)], body).into_response()
}

/// Browsers send `Origin`; native clients usually do not, and are allowed.
async fn check_origin(
    State(shared): State<Arc<RelayContext>>,
    req: Request,
    next: Next,
) -> Response {
    let allowed = &shared.config.allowed_origins;
    let refused = req.headers().get(ORIGIN).is_some_and(|origin| {
        !allowed.is_empty() && !allowed.iter().any(|a| a.as_bytes() == origin.as_bytes())
    });
    if refused {
        return (StatusCode::FORBIDDEN, "origin not allowed\n").into_response();
    }
    next.run(req).await
}

/// tower-http answers a preflight with an empty 200; 204 No Content says
/// the same thing plainly.
async fn preflight_no_content(req: Request, next: Next) -> Response {
    let preflight = req.method() == Method::OPTIONS;
    let mut resp = next.run(req).await;
    if preflight && resp.status() == StatusCode::OK {
        *resp.status_mut() = StatusCode::NO_CONTENT;
    }
    resp
}
