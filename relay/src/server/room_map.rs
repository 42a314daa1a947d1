//! Room codes → room tasks: the one map of loaded rooms, behind a lock
//! that only this file takes. The lock is taken only to look up, reserve,
//! install or remove a room, never on the message path nor while a room
//! loads.

use super::random::random_u64;
use super::room_cmd::RoomHandle;
use coinop_protocol::{RoomCode, RoomRequest};
use std::collections::{HashMap, HashSet};
use tokio::sync::{Mutex, watch};

/// Relay-made codes use uppercase letters without I and O, which read as
/// 1 and 0.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A map entry.
enum Slot {
    Ready(RoomHandle),
    /// Being loaded or created; the flag turns true when done.
    Loading(watch::Receiver<bool>),
}

#[derive(Default)]
struct Rooms {
    map: HashMap<RoomCode, Slot>,
    /// Rooms whose stored data cannot be read: refused until a restart.
    quarantined: HashSet<RoomCode>,
    /// The id of the last room task installed.
    next_id: u64,
}

/// What [`RoomMap::lookup`] found for a join.
pub(crate) enum Lookup {
    /// Loaded: send it the join.
    Ready(RoomCode, RoomHandle),
    /// Someone else is loading it: wait for the flag, then look again.
    Loading(watch::Receiver<bool>),
    /// Nobody has it: it is reserved for the caller, who loads or creates
    /// it and then settles the reservation.
    Vacant(Reservation),
    /// Its stored data could not be read.
    Quarantined(RoomCode),
    /// The relay holds this many rooms already.
    Full(usize),
    /// A new room was asked for and no free code was found.
    NoFreeCode,
}

/// A code marked as loading in the map; joins to it wait until it is
/// settled ([`RoomMap::install`], [`RoomMap::quarantine`] or
/// [`RoomMap::release`]).
pub(crate) struct Reservation {
    code: RoomCode,
    done: watch::Sender<bool>,
}

impl Reservation {
    /// The reserved room's code.
    pub(crate) fn code(&self) -> &RoomCode {
        &self.code
    }
}

/// Every loaded room, by code.
pub(crate) struct RoomMap {
    rooms: Mutex<Rooms>,
    max_rooms: usize,
}

impl RoomMap {
    /// An empty map that holds at most `max_rooms` rooms.
    pub(crate) fn new(max_rooms: usize) -> Self {
        Self {
            rooms: Mutex::default(),
            max_rooms,
        }
    }

    /// Finds the requested room (or a fresh code for a new one), reserving
    /// it when nobody has it.
    pub(crate) async fn lookup(&self, request: &RoomRequest) -> Lookup {
        let mut rooms = self.rooms.lock().await;
        let code = match request {
            RoomRequest::Code(code) => code.clone(),
            RoomRequest::New => match rooms.fresh_code() {
                Some(code) => code,
                None => return Lookup::NoFreeCode,
            },
        };
        match rooms.map.get(&code) {
            Some(Slot::Ready(handle)) => return Lookup::Ready(code, handle.clone()),
            Some(Slot::Loading(done)) => return Lookup::Loading(done.clone()),
            None => {}
        }
        if rooms.quarantined.contains(&code) {
            return Lookup::Quarantined(code);
        }
        if rooms.map.len() >= self.max_rooms {
            return Lookup::Full(self.max_rooms);
        }
        let (done, loading) = watch::channel(false);
        rooms.map.insert(code.clone(), Slot::Loading(loading));
        Lookup::Vacant(Reservation { code, done })
    }

    /// Puts the room's task in place of the reservation; `spawn` starts it
    /// with its incarnation id.
    pub(crate) async fn install(
        &self,
        reservation: Reservation,
        spawn: impl FnOnce(u64) -> RoomHandle,
    ) -> RoomHandle {
        let mut rooms = self.rooms.lock().await;
        rooms.next_id += 1;
        let handle = spawn(rooms.next_id);
        let code = reservation.code.clone();
        rooms.map.insert(code, Slot::Ready(handle.clone()));
        reservation.done.send_replace(true);
        handle
    }

    /// Drops the reservation and refuses the room from now on.
    pub(crate) async fn quarantine(&self, reservation: Reservation) {
        let mut rooms = self.rooms.lock().await;
        rooms.map.remove(&reservation.code);
        rooms.quarantined.insert(reservation.code.clone());
        reservation.done.send_replace(true);
    }

    /// Drops the reservation: the room was not opened.
    pub(crate) async fn release(&self, reservation: Reservation) {
        let mut rooms = self.rooms.lock().await;
        rooms.map.remove(&reservation.code);
        reservation.done.send_replace(true);
    }

    /// Whether the room is loaded or being loaded.
    pub(crate) async fn is_loaded(&self, code: &RoomCode) -> bool {
        self.rooms.lock().await.map.contains_key(code)
    }

    /// Removes the entry if it still names this incarnation.
    pub(crate) async fn forget(&self, code: &RoomCode, id: u64) {
        self.rooms.lock().await.remove_if(code, id);
    }

    /// Removes the room's entry (if it still names this incarnation) when
    /// `nothing_queued` holds, asked under the lock: a join that looks the
    /// room up afterwards loads it again. Whether it was removed.
    pub(crate) async fn unload_if(
        &self,
        code: &RoomCode,
        id: u64,
        nothing_queued: impl FnOnce() -> bool,
    ) -> bool {
        let mut rooms = self.rooms.lock().await;
        if !nothing_queued() {
            return false;
        }
        rooms.remove_if(code, id);
        true
    }

    /// The loaded room's handle, if it is loaded.
    pub(crate) async fn handle(&self, code: &RoomCode) -> Option<RoomHandle> {
        match self.rooms.lock().await.map.get(code) {
            Some(Slot::Ready(handle)) => Some(handle.clone()),
            _ => None,
        }
    }

    /// Every loaded room's code and handle, and how many rooms are loading.
    pub(crate) async fn census(&self) -> (Vec<(RoomCode, RoomHandle)>, usize) {
        let rooms = self.rooms.lock().await;
        let mut ready = Vec::new();
        let mut loading = 0;
        for (code, slot) in &rooms.map {
            match slot {
                Slot::Ready(handle) => ready.push((code.clone(), handle.clone())),
                Slot::Loading(_) => loading += 1,
            }
        }
        (ready, loading)
    }
}

impl Rooms {
    fn remove_if(&mut self, code: &RoomCode, id: u64) {
        if matches!(self.map.get(code), Some(Slot::Ready(h)) if h.id == id) {
            self.map.remove(code);
        }
    }

    /// A code that is neither loaded nor quarantined. Stored but unloaded
    /// rooms are caught when opening (the code is taken: pick another).
    fn fresh_code(&self) -> Option<RoomCode> {
        for _ in 0..64 {
            let mut r = random_u64();
            let mut code = String::with_capacity(4);
            for _ in 0..4 {
                let i = (r % CODE_ALPHABET.len() as u64) as usize;
                code.push(char::from(CODE_ALPHABET[i]));
                r /= CODE_ALPHABET.len() as u64;
            }
            let Ok(code) = RoomCode::new(code) else {
                continue;
            };
            if !self.map.contains_key(&code) && !self.quarantined.contains(&code) {
                return Some(code);
            }
        }
        None
    }
}
