//! Where the room's driver future runs: a thread of its own with a
//! single-threaded tokio runtime natively, the page's event loop in the
//! browser. Either way Bevy's schedule never blocks on the network.

use coinop::{Driver, Error};
use std::sync::{Arc, Mutex};

/// How the driver ended, once it has: `Ok` after a leave, `Err` when the
/// relay refused the room for good.
pub(crate) type Outcome = Arc<Mutex<Option<Result<(), Error>>>>;

/// Starts `driver`; its result lands in the returned slot.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn spawn(driver: Driver) -> Result<Outcome, Error> {
    let outcome: Outcome = Arc::default();
    let slot = outcome.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Transport(format!("cannot start the driver's runtime: {e}")))?;
    std::thread::Builder::new()
        .name("coinop-driver".into())
        .spawn(move || {
            let result = runtime.block_on(driver);
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        })
        .map_err(|e| Error::Transport(format!("cannot start the driver's thread: {e}")))?;
    Ok(outcome)
}

/// Starts `driver` on the browser's event loop.
#[cfg(target_arch = "wasm32")]
pub(crate) fn spawn(driver: Driver) -> Result<Outcome, Error> {
    let outcome: Outcome = Arc::default();
    let slot = outcome.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let result = driver.await;
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
    });
    Ok(outcome)
}
