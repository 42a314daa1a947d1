//! Attackers on their own thread and runtime, so that a busy attacker task
//! cannot delay the bystander's tasks in the test's scheduler: what the
//! bystander measures is then the relay, not the test.

use std::future::Future;
use tokio::sync::oneshot;

/// Runs `make()` to completion on a new OS thread with its own
/// single-threaded tokio runtime; the receiver yields its output (an error
/// if it panicked).
pub fn on_own_thread<F, Fut, T>(make: F) -> oneshot::Receiver<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let _ = tx.send(rt.block_on(make()));
    });
    rx
}
