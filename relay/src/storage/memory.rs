//! In-memory storage, for tests and `--memory`.

use super::backend::Storage;
use super::error::StorageError;
use super::records::{Append, PlayerRoom, PlayerRoomUpdate};
use crate::core::{RoomMeta, Snapshot};
use coinop_protocol::{LogEntry, PersistentValue, PlayerId, RoomCode, Seq};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Keeps everything in process memory; nothing survives a restart.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    logs: HashMap<RoomCode, Vec<LogEntry>>,
    snapshots: HashMap<RoomCode, Snapshot>,
    secrets: HashMap<PlayerId, [u8; 32]>,
    metas: HashMap<RoomCode, RoomMeta>,
    player_rooms: HashMap<PlayerId, Vec<PlayerRoom>>,
    banned: HashMap<RoomCode, BTreeSet<PlayerId>>,
    /// When each room was last created, written or joined.
    touched: HashMap<RoomCode, u64>,
    persistent: HashMap<PlayerId, HashMap<String, PersistentValue>>,
    fail_appends: Arc<AtomicBool>,
}

impl MemoryStorage {
    /// Empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    /// A switch that, while set, makes every append fail (for testing the
    /// relay's STORAGE_UNAVAILABLE path).
    pub fn failure_switch(&self) -> Arc<AtomicBool> {
        self.fail_appends.clone()
    }
}

impl MemoryStorage {
    fn touch(&mut self, room: &RoomCode, at_ms: u64) {
        if self.metas.contains_key(room) {
            let t = self.touched.entry(room.clone()).or_default();
            *t = (*t).max(at_ms);
        }
    }
}

impl Storage for MemoryStorage {
    fn append(&mut self, batch: &[Append]) -> Result<(), StorageError> {
        if self.fail_appends.load(Ordering::SeqCst) {
            return Err(StorageError::Injected);
        }
        for append in batch {
            let log = self.logs.entry(append.room.clone()).or_default();
            log.extend(append.entries.iter().cloned());
        }
        Ok(())
    }

    fn read_tail(&mut self, room: &RoomCode, after: Seq) -> Result<Vec<LogEntry>, StorageError> {
        let log = self.logs.get(room).map(Vec::as_slice).unwrap_or_default();
        Ok(log.iter().filter(|e| e.seq > after).cloned().collect())
    }

    fn read_snapshot(&mut self, room: &RoomCode) -> Result<Option<Snapshot>, StorageError> {
        Ok(self.snapshots.get(room).cloned())
    }

    fn write_snapshot(&mut self, room: &RoomCode, snapshot: &Snapshot) -> Result<(), StorageError> {
        // Trimmed up to the snapshot replaced: see `Storage::write_snapshot`.
        let replaced = self.snapshots.insert(room.clone(), snapshot.clone());
        if let (Some(replaced), Some(log)) = (replaced, self.logs.get_mut(room)) {
            log.retain(|e| e.seq > replaced.upto);
        }
        Ok(())
    }

    fn secret_hash(&mut self, player: &PlayerId) -> Result<Option<[u8; 32]>, StorageError> {
        Ok(self.secrets.get(player).copied())
    }

    fn put_secret_hash(&mut self, player: &PlayerId, hash: [u8; 32]) -> Result<(), StorageError> {
        self.secrets.insert(player.clone(), hash);
        Ok(())
    }

    fn room_meta(&mut self, room: &RoomCode) -> Result<Option<RoomMeta>, StorageError> {
        Ok(self.metas.get(room).cloned())
    }

    fn put_room_meta(&mut self, meta: &RoomMeta) -> Result<(), StorageError> {
        self.metas.insert(meta.code.clone(), meta.clone());
        self.touch(&meta.code, meta.created_ms);
        Ok(())
    }

    fn list_rooms(&mut self) -> Result<Vec<RoomMeta>, StorageError> {
        let mut rooms: Vec<RoomMeta> = self.metas.values().cloned().collect();
        rooms.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(rooms)
    }

    fn record_player_rooms(&mut self, updates: &[PlayerRoomUpdate]) -> Result<(), StorageError> {
        for u in updates {
            self.touch(&u.room, u.at_ms);
            let rows = self.player_rooms.entry(u.player.clone()).or_default();
            match rows.iter_mut().find(|r| r.room == u.room) {
                Some(row) => {
                    row.host |= u.host;
                    row.last_joined_ms = row.last_joined_ms.max(u.at_ms);
                }
                None => rows.push(PlayerRoom {
                    room: u.room.clone(),
                    host: u.host,
                    last_joined_ms: u.at_ms,
                }),
            }
        }
        Ok(())
    }

    fn player_rooms(&mut self, player: &PlayerId) -> Result<Vec<PlayerRoom>, StorageError> {
        let mut rows = self.player_rooms.get(player).cloned().unwrap_or_default();
        rows.sort_by_key(|r| std::cmp::Reverse(r.last_joined_ms));
        Ok(rows)
    }

    fn banned(&mut self, room: &RoomCode) -> Result<Vec<PlayerId>, StorageError> {
        let banned = self.banned.get(room);
        Ok(banned
            .map(|b| b.iter().cloned().collect())
            .unwrap_or_default())
    }

    fn set_banned(&mut self, room: &RoomCode, p: &PlayerId, on: bool) -> Result<(), StorageError> {
        let set = self.banned.entry(room.clone()).or_default();
        if on {
            set.insert(p.clone());
        } else {
            set.remove(p);
        }
        Ok(())
    }

    fn touch_rooms(&mut self, rooms: &[RoomCode], at_ms: u64) -> Result<(), StorageError> {
        for room in rooms {
            self.touch(room, at_ms);
        }
        Ok(())
    }

    fn untouched_rooms(&mut self, before: u64, n: usize) -> Result<Vec<RoomCode>, StorageError> {
        let mut old: Vec<(u64, RoomCode)> = self
            .metas
            .keys()
            .map(|code| (self.touched.get(code).copied().unwrap_or(0), code.clone()))
            .filter(|(t, _)| *t < before)
            .collect();
        old.sort();
        Ok(old.into_iter().take(n).map(|(_, code)| code).collect())
    }

    fn delete_room(&mut self, room: &RoomCode) -> Result<bool, StorageError> {
        let existed = self.metas.remove(room).is_some();
        self.logs.remove(room);
        self.snapshots.remove(room);
        self.banned.remove(room);
        self.touched.remove(room);
        for rows in self.player_rooms.values_mut() {
            rows.retain(|r| &r.room != room);
        }
        self.player_rooms.retain(|_, rows| !rows.is_empty());
        Ok(existed)
    }

    fn persistent_get(
        &mut self,
        player: &PlayerId,
        key: &str,
    ) -> Result<Option<PersistentValue>, StorageError> {
        Ok(self
            .persistent
            .get(player)
            .and_then(|keys| keys.get(key))
            .cloned())
    }

    fn persistent_key_count(&mut self, player: &PlayerId) -> Result<usize, StorageError> {
        Ok(self.persistent.get(player).map_or(0, HashMap::len))
    }

    fn persistent_put(
        &mut self,
        player: &PlayerId,
        key: &str,
        value: Option<&PersistentValue>,
    ) -> Result<(), StorageError> {
        let keys = self.persistent.entry(player.clone()).or_default();
        match value {
            Some(v) => keys.insert(key.to_owned(), v.clone()),
            None => keys.remove(key),
        };
        Ok(())
    }
}
