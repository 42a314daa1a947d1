//! A user-space TCP proxy that injects network faults.

use crate::faults::Faults;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

struct Shared {
    faults: watch::Sender<Faults>,
    /// Bumped by `cut_all`; every connection started under an older
    /// generation closes.
    generation: watch::Sender<u64>,
    rng: Mutex<StdRng>,
}

/// A TCP proxy on 127.0.0.1 in front of `upstream`; stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a transparent proxy; `seed` drives the jitter.
    pub async fn start(upstream: SocketAddr, seed: u64) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            faults: watch::channel(Faults::default()).0,
            generation: watch::channel(0).0,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        });
        let acceptor = tokio::spawn(accept_loop(listener, upstream, shared.clone()));
        Ok(FaultProxy {
            addr,
            shared,
            acceptor,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the impairments; applies to bytes read from now on.
    pub fn set(&self, faults: Faults) {
        self.shared.faults.send_replace(faults);
    }

    /// The impairments in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults.borrow().clone()
    }

    /// Closes every open connection (both sides see a reset or EOF).
    pub fn cut_all(&self) {
        self.shared.generation.send_modify(|g| *g += 1);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.acceptor.abort();
        self.cut_all();
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    while let Ok((client, _)) = listener.accept().await {
        if shared.faults.borrow().refuse {
            drop(client);
            continue;
        }
        let shared = shared.clone();
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let generation = *shared.generation.borrow();
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            let mut up = tokio::spawn(pump(cr, sw, shared.clone()));
            let mut down = tokio::spawn(pump(sr, cw, shared.clone()));
            let mut gen_rx = shared.generation.subscribe();
            let cut = async {
                while gen_rx.changed().await.is_ok() {
                    if *gen_rx.borrow() != generation {
                        return;
                    }
                }
                std::future::pending::<()>().await;
            };
            tokio::select! {
                _ = cut => {}
                _ = &mut up => {}
                _ = &mut down => {}
            }
            // Ending both pumps drops both halves of both sockets: closed.
            up.abort();
            down.abort();
        });
    }
}

async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, shared: Arc<Shared>) {
    let mut faults_rx = shared.faults.subscribe();
    let mut buf = vec![0u8; 16 * 1024];
    // Bytes keep their order: each read is released no earlier than the
    // previous one.
    let mut release_floor = Instant::now();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let read_at = Instant::now();
        loop {
            let stalled = faults_rx.borrow_and_update().stalled;
            if !stalled {
                break;
            }
            if faults_rx.changed().await.is_err() {
                return;
            }
        }
        let faults = faults_rx.borrow().clone();
        let jitter = if faults.jitter.is_zero() {
            Duration::ZERO
        } else {
            let micros = faults.jitter.as_micros() as u64;
            let mut rng = shared.rng.lock().unwrap_or_else(|e| e.into_inner());
            Duration::from_micros(rng.random_range(0..=micros))
        };
        let release = (read_at + faults.latency + jitter).max(release_floor);
        tokio::time::sleep_until(release).await;
        release_floor = release;
        let chunk = faults.chunk_bytes.unwrap_or(n).max(1);
        for piece in buf[..n].chunks(chunk) {
            if let Some(rate) = faults.bandwidth {
                let secs = piece.len() as f64 / rate.max(1) as f64;
                tokio::time::sleep(Duration::from_secs_f64(secs)).await;
            }
            if to.write_all(piece).await.is_err() || to.flush().await.is_err() {
                return;
            }
        }
    }
    let _ = to.shutdown().await;
}
