//! Attackers on their own thread and runtime, so that a busy attacker task
//! cannot delay the bystander's tasks in the test's scheduler: what the
//! bystander measures is then the relay, not the test.
//!
//! The thread also runs under Linux's `SCHED_IDLE` policy. A real attacker
//! is another machine: its CPU is not the relay's. On one 2-core box the
//! attacker, the relay and the bystander share the cores, and without this
//! the bystander's latency would mostly measure the attacker's own sending.
//! An idle-class thread still gets every cycle the relay and the bystander
//! leave free (the floods report how much they offered), but it never takes
//! a core from them. The relay's work on the flood (reading, decoding,
//! refusing, persisting) still counts in full.

use std::future::Future;
use thread_priority::{
    NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
    set_thread_priority_and_policy, thread_native_id,
};
use tokio::sync::oneshot;

/// Runs `make()` to completion on a new idle-class OS thread with its own
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
        lower_to_idle_class();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let _ = tx.send(rt.block_on(make()));
    });
    rx
}

/// Moves the calling thread to `SCHED_IDLE`. Lowering a thread's priority
/// needs no privilege; if the kernel refuses anyway, the attacker runs at
/// normal priority and the test says so.
fn lower_to_idle_class() {
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    if let Err(e) = set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle) {
        eprintln!("attacker thread stays at normal priority: {e:?}");
    }
}
