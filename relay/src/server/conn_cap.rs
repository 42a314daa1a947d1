//! The relay-wide cap on open connections (HTTP and WebSocket alike),
//! checked in the accept loop before anything is read: past it, every
//! connection costs the relay an accept and a short write, nothing more.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The answer to a connection over the cap.
pub(crate) const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 28\r\nConnection: close\r\n\r\nTOO_MANY_CONNECTIONS (1010)\n";

/// How many connections are open, and the most allowed (0: no cap).
#[derive(Debug, Default)]
pub(crate) struct ConnCap {
    open: AtomicUsize,
    max: usize,
}

/// One open connection's place under the cap, given back when dropped.
/// Shared by the HTTP connection and the WebSocket it upgrades to.
#[derive(Debug)]
pub(crate) struct ConnSlot(Arc<ConnCap>);

impl ConnCap {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            open: AtomicUsize::new(0),
            max,
        })
    }

    /// A slot for a new connection; `None` at the cap.
    pub(crate) fn open(self: &Arc<Self>) -> Option<Arc<ConnSlot>> {
        let taken = self.open.fetch_add(1, Ordering::Relaxed);
        if self.max != 0 && taken >= self.max {
            self.open.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        Some(Arc::new(ConnSlot(self.clone())))
    }
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_given_back() {
        let cap = ConnCap::new(2);
        let a = cap.open();
        let b = cap.open();
        assert!(a.is_some() && b.is_some());
        assert!(cap.open().is_none());
        drop(a);
        assert!(cap.open().is_some());
        let off = ConnCap::new(0);
        let many: Vec<_> = (0..100).filter_map(|_| off.open()).collect();
        assert_eq!(many.len(), 100);
        assert!(REFUSAL.ends_with(b"\r\n\r\nTOO_MANY_CONNECTIONS (1010)\n"));
    }
}
