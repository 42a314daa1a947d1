//! One scenario at a time: the tests measure latency and memory on a small
//! machine, so two floods in parallel would spoil each other's numbers.

use tokio::sync::{Mutex, MutexGuard};

static SERIAL: Mutex<()> = Mutex::const_new(());

/// Holds the process-wide scenario lock until dropped. (An async lock: it
/// is held across awaits, and a test that panicked releases it.)
pub async fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().await
}
