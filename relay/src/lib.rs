//! # coinop-relay
//!
//! The only server of coinop: it forwards and persists, never runs app code.
//!
//! ## Pieces
//!
//! * [`Relay`] runs it: bind, serve, [`Relay::shutdown`].
//! * [`RelayConfig`] holds every limit with its production default;
//!   [`RelayConfig::for_tests`] gives port 0, in-memory storage and short
//!   timeouts.
//! * [`core`] is the room logic without I/O: a [`core::RoomState`] takes
//!   [`core::Input`]s with the time and returns [`core::Effect`]s. The tokio
//!   side runs one such room per task; tests can drive it directly.
//! * [`storage`] holds the [`storage::Storage`] trait, its in-memory and
//!   SQLite implementations, and the group-commit thread.
//! * [`metrics`] holds the counters behind `GET /metrics`.
//! * [`cli`] is the whole `coinop-relay` binary ([`cli::run`]), so that
//!   other packages' tests can build the very same binary; [`command`] holds
//!   its subcommands (`backup`, `restore`) and [`log_format`] its logging
//!   (text, or JSON lines with `--log-format json`).
//!
//! ## The data directory
//!
//! One SQLite database, `coinop.db`, with a schema version
//! ([`storage::schema`]): a newer relay upgrades an older directory in
//! place and logs each step, an older relay refuses a newer one.
//! `coinop-relay backup --data-dir DIR --to FILE` copies it consistently
//! while the relay runs ([`storage::backup`]); `coinop-relay restore`
//! ([`storage::restore`]) puts a copy back into a directory no relay has
//! open (the lock file `coinop.lock` tells).
//!
//! ## Cluster mode
//!
//! With [`StorageConfig::Postgres`] (`--database-url`), several relays
//! (nodes) share one PostgreSQL database. A room is served by the node that
//! holds its lease ([`storage::Leases`]), and every write of the room is
//! fenced by the lease's epoch ([`storage::Fence`]): a node that lost the
//! lease stores, and so acks, nothing more. Other nodes forward the room's
//! clients to the owner over a node-to-node WebSocket. See the README's
//! "Running a cluster".
//! ## HTTPS, WSS and reverse proxies
//!
//! With [`RelayConfig::tls`] the one port speaks TLS ([`tls`]): a
//! certificate from PEM files (read again when they change and on
//! [`Relay::reload_tls`], SIGHUP for the binary) or from an ACME directory
//! (obtained with TLS-ALPN-01 on that port, cached, renewed).
//! [`RelayConfig::redirect_http`] adds a plain-HTTP listener that redirects
//! to HTTPS. With [`RelayConfig::trusted_proxies`], a request from a
//! trusted proxy is from the address its `Forwarded` / `X-Forwarded-For`
//! names (through trusted hops only): the per-address limit counts that
//! address, per request, and logs and the inspector use it.
//!
//! ## Endpoints (one port)
//!
//! HTTP/1.1 with keep-alive, served by hyper with axum routes and
//! tower-http layers; a request head must arrive within the handshake
//! timeout (which also closes an idle kept-alive connection) and fit in
//! [`RelayConfig::max_request_head_bytes`] (431 otherwise).
//!
//! * `GET /ws` (and `/ws/...`): the WebSocket of `coinop-protocol`.
//! * `GET /healthz`: `200 ok` (in cluster mode 503 while the database does
//!   not answer).
//! * `GET /metrics`: OpenMetrics text (`prometheus-client`).
//! * `GET /players/{id}/rooms` with `Authorization: Bearer <secret hex>`:
//!   the rooms that player joined or hosted, as JSON; 401 otherwise. CORS
//!   preflights are answered for allowed origins.
//! * `DELETE /players/{id}/rooms/{code}`, authorised the same way: deletes
//!   a room that player owns (204; 403 for another's room, 404 for none).
//!
//! ## Room lifecycle
//!
//! The player whose join creates a room owns it ([`core::RoomMeta::owner`]):
//! host whenever present, never kicked, the only one who may delete the
//! room. A kick is a ban stored with the room until the host unbans. A join
//! may ask for an existing room only; a code no room has then stores
//! nothing. Deleting removes the room's log, snapshot, settings, bans and
//! index rows in one transaction; rooms untouched (created, written,
//! joined) for [`RelayConfig::room_ttl`] are deleted by a periodic sweep.
//! * `GET /inspect` (a page) and `GET /api/rooms` (JSON): rooms, players
//!   online, stored size and message rates; loopback peers only, unless
//!   [`RelayConfig::admin_token`] is set and sent as a bearer token.
//! * Static files of [`RelayConfig::serve`] (`--serve PREFIX=DIR`), for a
//!   game or demo served by the relay itself: streamed, with ranges,
//!   `ETag` and `Last-Modified` revalidation (`Cache-Control: no-cache`).
//!
//! When [`RelayConfig::allowed_origins`] is set, a request to the relay's
//! own endpoints whose `Origin` is not listed gets 403; requests without
//! `Origin` (native clients) pass. Static files ignore the list.
//!
//! ## Guarantees
//!
//! * An `Ack` is sent only after the changes are committed (SQLite WAL with
//!   `synchronous=FULL`); appends from all rooms, new rooms and first-join
//!   secret bindings share one transaction per batch.
//! * A room's log is folded into an automerge snapshot off the hot path
//!   when it passes `--compact-entries` / `--compact-bytes`, and also once
//!   the room has stored nothing for 2 s (or is about to unload) with 50
//!   entries or more, so a late joiner gets a snapshot, not a long tail.
//! * A room's memory is bounded, not its history: the newest log entries
//!   (`--log-cache-bytes`) stay in memory, older ones are read back from
//!   storage; folded changes are known by the snapshot's actor clock.
//! * A change is stored once per (actor, seq): other content under a held
//!   actor's seq is refused (`INVALID_CHANGE`), so is a new change that
//!   continues another player's session actor once that player published
//!   under it (`FOREIGN_ACTOR`), and other content under a content-addressed
//!   actor than the change it names (see `coinop_protocol::actor`).
//! * Acks and forwards leave a room in sequence order; a forward is encoded
//!   once and the same bytes go to every receiver.
//! * Reliable frames are never dropped: a connection that cannot keep up is
//!   closed with `SLOW_CONSUMER`. Unreliable frames are coalesced per
//!   (sender, target, key) for slow receivers.
//! * One connection cannot crowd others out of storage: past its reliable
//!   rate it is read in 50 ms batches (a few commits per second, not one
//!   per change), and a join's secret check is served from memory once the
//!   player is known.
//! * A client address opening connections faster than
//!   `--connections-per-ip-per-sec` (burst `--connections-per-ip-burst`)
//!   gets HTTP 429 from the accept loop, before anything is read; loopback
//!   peers are exempt unless `--limit-loopback-connections`.
//! * The binary writes logs to stderr from its own thread; a stalled log
//!   reader costs log lines, never the runtime's workers.
//!
//! ```no_run
//! # async fn demo() -> Result<(), coinop_relay::RelayError> {
//! use coinop_relay::{Relay, RelayConfig};
//! let relay = Relay::start(RelayConfig::for_tests()).await?;
//! println!("clients connect to {}", relay.ws_url());
//! relay.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod cli;
pub mod command;
mod config;
pub mod core;
mod defaults;
mod error;
pub mod log_format;
pub mod metrics;
mod server;
pub mod storage;
pub mod tls;

pub use config::{ClusterConfig, RelayConfig, StorageConfig};
pub use error::RelayError;
/// A CIDR block, as [`RelayConfig::trusted_proxies`] takes them.
pub use ipnet::IpNet;
pub use server::Relay;
