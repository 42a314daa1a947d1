//! The browser replica: the room document and its unacknowledged changes,
//! kept in IndexedDB by the JS package (`bindings/js/src/replica_store.ts`),
//! one record per player and room.
//!
//! IndexedDB is asynchronous and the SDK's [`ReplicaStore`] is not, so the
//! work is split at the bytes: JS reads the stored record before the room
//! starts (joining waits for the network anyway) and hands it in; each save
//! is encoded here and queued to a task on the JS event loop, which hands
//! the newest bytes to JS and waits for that write before the next one. A
//! burst of saves thus costs one IndexedDB write, the writes never overtake
//! each other, and the core never waits for the disk. A write that fails is
//! reported to the core through [`ReplicaStore::failing`] until one
//! succeeds, so the room reports it, tries again with backoff and does not
//! call itself saved meanwhile.

use crate::console;
use coinop::{Error, Replica, ReplicaStore, RoomCode};
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use js_sys::{Function, Promise, Reflect, Uint8Array};
use std::sync::{Arc, Mutex};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};

/// The version of the stored bytes: this byte, then the postcard-encoded
/// [`Replica`]. A record of another version is ignored (the room is then
/// rebuilt from the relay), never misread.
pub const FORMAT: u8 = 1;

/// A replica as stored: the format byte, then the replica.
pub fn encode(replica: &Replica) -> Vec<u8> {
    let mut bytes = vec![FORMAT];
    bytes.extend(replica.encode());
    bytes
}

/// Reads bytes made by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Replica, String> {
    match bytes.split_first() {
        Some((&FORMAT, rest)) => Replica::decode(rest).map_err(|e| e.to_string()),
        Some((other, _)) => Err(format!("format {other}, this version reads {FORMAT}")),
        None => Err("empty record".into()),
    }
}

/// The SDK's view of the browser replica: the record JS loaded, and a
/// queue of saves for the writer task.
pub struct BrowserReplicaStore {
    loaded: Mutex<Option<Replica>>,
    saves: UnboundedSender<(RoomCode, Vec<u8>)>,
    /// Why the writer's last write failed, until one succeeds.
    failure: Arc<Mutex<Option<String>>>,
    /// Wakes the room when a write fails.
    wake: Arc<Mutex<Option<Wake>>>,
}

/// What the room gave [`ReplicaStore::on_write_failure`].
type Wake = Box<dyn Fn() + Send + Sync>;

impl BrowserReplicaStore {
    fn failure(&self) -> Option<Error> {
        let failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        failure
            .as_ref()
            .map(|why| Error::Storage(Arc::new(std::io::Error::other(why.clone()))))
    }
}

impl ReplicaStore for BrowserReplicaStore {
    fn load(&self, _room: &RoomCode) -> Result<Option<Replica>, Error> {
        // JS loaded the record of the room this client joins, once.
        Ok(self.loaded.lock().unwrap_or_else(|e| e.into_inner()).take())
    }

    fn save(&self, room: &RoomCode, replica: &Replica) -> Result<(), Error> {
        // Only fails once the writer task is gone, with the page.
        let _ = self.saves.unbounded_send((room.clone(), encode(replica)));
        // Queued, and tried; but not saved while writes fail.
        self.failure().map_or(Ok(()), Err)
    }

    fn failing(&self) -> Option<Error> {
        self.failure()
    }

    fn on_write_failure(&self, wake: Wake) {
        *self.wake.lock().unwrap_or_else(|e| e.into_inner()) = Some(wake);
    }
}

/// The store for `player`, from the JS object `{ initial?: Uint8Array,
/// save(player, room, bytes): Promise }`; `None` when JS passed none.
pub fn from_js(player: String, js: &JsValue) -> Result<Option<BrowserReplicaStore>, JsValue> {
    if js.is_undefined() || js.is_null() {
        return Ok(None);
    }
    let save: Function = Reflect::get(js, &"save".into())?
        .dyn_into()
        .map_err(|_| crate::error::js_error("INVALID_OPTIONS", "replica.save is not a function"))?;
    let initial = Reflect::get(js, &"initial".into())?;
    let loaded = initial.dyn_into::<Uint8Array>().ok().and_then(|bytes| {
        decode(&bytes.to_vec())
            .inspect_err(|e| console::warn(&format!("coinop: stored replica ignored ({e})")))
            .ok()
    });
    let (saves, queue) = unbounded();
    let failure = Arc::new(Mutex::new(None));
    let wake = Arc::new(Mutex::new(None));
    spawn_local(write_in_order(
        player,
        save,
        queue,
        failure.clone(),
        wake.clone(),
    ));
    Ok(Some(BrowserReplicaStore {
        loaded: Mutex::new(loaded),
        saves,
        failure,
        wake,
    }))
}

/// Hands each newest replica to JS and waits for its write; keeps why the
/// last write failed in `failure` until one succeeds, and wakes the room
/// when one fails.
async fn write_in_order(
    player: String,
    save: Function,
    mut queue: UnboundedReceiver<(RoomCode, Vec<u8>)>,
    failure: Arc<Mutex<Option<String>>>,
    wake: Arc<Mutex<Option<Wake>>>,
) {
    while let Some(mut latest) = queue.next().await {
        // One client holds one room, so only the newest save matters.
        while let Ok(newer) = queue.try_recv() {
            latest = newer;
        }
        let (room, bytes) = latest;
        let written = save.call3(
            &JsValue::NULL,
            &player.as_str().into(),
            &room.as_str().into(),
            &Uint8Array::from(bytes.as_slice()),
        );
        let done = match written.map(|p| p.dyn_into::<Promise>()) {
            Ok(Ok(promise)) => JsFuture::from(promise).await.map(drop),
            Ok(Err(_)) => Ok(()),
            Err(e) => Err(e),
        };
        let why = done.err().map(|e| {
            let why = e
                .dyn_ref::<js_sys::Error>()
                .map_or_else(|| format!("{e:?}"), |e| String::from(e.message()));
            console::warn(&format!(
                "coinop: could not store the replica of {room}: {why}"
            ));
            why
        });
        let failed = why.is_some();
        *failure.lock().unwrap_or_else(|e| e.into_inner()) = why;
        if failed && let Some(wake) = &*wake.lock().unwrap_or_else(|e| e.into_inner()) {
            wake();
        }
    }
}
