//! PostgreSQL storage for cluster mode: every node of a cluster stores its
//! rooms in one database, and every write of a room's log, snapshot,
//! metadata or bans, and its deletion, is fenced by the node's lease on
//! that room ([`Fence`]).
//!
//! The SQL keeps to what CockroachDB and YugabyteDB also speak: no
//! advisory locks, no LISTEN/NOTIFY; row locks (`FOR SHARE`) and ordinary
//! transactions.

use super::backend::Storage;
use super::columns::{
    corrupt, from_sql, persistent_rows, persistent_value, player_id, room_code, to_sql,
};
use super::error::StorageError;
use super::fence::Fence;
use super::pg_pool::PgPool;
use super::records::{Append, Group, PlayerRoom, PlayerRoomUpdate};
use crate::core::{ActorClock, RoomMeta, Snapshot};
use coinop_protocol::{Bytes, LogEntry, PersistentValue, PlayerId, RoomCode, RoomRules, Seq};
use postgres::GenericClient;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Storage in a PostgreSQL database shared by the nodes of a cluster.
pub struct PostgresStorage {
    pool: PgPool,
    fence: Arc<Fence>,
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStorage")
            .field("node", &self.fence.node())
            .finish()
    }
}

impl PostgresStorage {
    /// Storage over `pool` (see [`super::connect_pg`]) for the node whose
    /// leases `fence` records.
    pub fn new(pool: PgPool, fence: Arc<Fence>) -> Self {
        Self { pool, fence }
    }

    fn client(&self) -> Result<r2d2_postgres::r2d2::PooledConnection<Manager>, StorageError> {
        Ok(self.pool.get()?)
    }
}

type Manager = r2d2_postgres::PostgresConnectionManager<postgres::NoTls>;

/// Fails with [`StorageError::Fenced`] unless this node holds the lease of
/// every room in `rooms` at the epoch it recorded. The lease rows stay
/// share-locked until the caller's transaction ends, so a takeover (which
/// updates the row) waits for this transaction, and a write that passed
/// the check commits before the new owner reads the room.
fn check_fence(
    tx: &mut impl GenericClient,
    fence: &Fence,
    rooms: BTreeSet<&RoomCode>,
) -> Result<(), StorageError> {
    if rooms.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = rooms.iter().map(|r| r.as_str()).collect();
    let rows = tx.query(
        "SELECT room, epoch FROM coinop_leases WHERE owner = $1 AND room = ANY($2) FOR SHARE",
        &[&fence.node(), &names],
    )?;
    let stored: HashMap<String, i64> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let lost: Vec<RoomCode> = rooms
        .into_iter()
        .filter(|room| {
            let mine = fence.epoch(room).map(to_sql);
            mine.is_none() || stored.get(room.as_str()).copied() != mine
        })
        .cloned()
        .collect();
    if lost.is_empty() {
        Ok(())
    } else {
        Err(StorageError::Fenced(lost))
    }
}

/// Upserts a room's metadata (inside the caller's transaction, fenced).
/// Its creation counts as a use; a rewrite never moves the last use back.
fn upsert_room_meta(tx: &mut impl GenericClient, meta: &RoomMeta) -> Result<(), StorageError> {
    tx.execute(
        "INSERT INTO coinop_rooms
           (code, epoch, max_players, grace_ms, created_ms, owner, touched_ms, rules)
         VALUES ($1, $2, $3, $4, $5, $6, $5, $7)
         ON CONFLICT (code) DO UPDATE SET epoch = excluded.epoch,
           max_players = excluded.max_players, grace_ms = excluded.grace_ms,
           created_ms = excluded.created_ms, owner = excluded.owner, rules = excluded.rules,
           touched_ms = GREATEST(coinop_rooms.touched_ms, excluded.touched_ms)",
        &[
            &meta.code.as_str(),
            &to_sql(meta.epoch),
            &i32::from(meta.max_players),
            &to_sql(meta.grace_ms),
            &to_sql(meta.created_ms),
            &meta.owner.as_ref().map(PlayerId::as_str),
            &meta.rules.to_bytes(),
        ],
    )?;
    Ok(())
}

/// Moves the rooms' last-use time forward to `at_ms` (inside the caller's
/// transaction). Not fenced: like a join's index row, a use noted by a
/// node that just lost the lease only delays the room's expiry.
fn touch_rooms(
    tx: &mut impl GenericClient,
    rooms: &[&RoomCode],
    at_ms: u64,
) -> Result<(), StorageError> {
    if rooms.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = rooms.iter().map(|r| r.as_str()).collect();
    // Compared as stored (bit-for-bit i64): times stay below i64::MAX.
    tx.execute(
        "UPDATE coinop_rooms SET touched_ms = GREATEST(touched_ms, $2) WHERE code = ANY($1)",
        &[&names, &to_sql(at_ms)],
    )?;
    Ok(())
}

/// Inserts log entries in one statement (inside the caller's transaction).
fn insert_entries(tx: &mut impl GenericClient, batch: &[Append]) -> Result<(), StorageError> {
    let entries = batch
        .iter()
        .flat_map(|a| a.entries.iter().map(move |e| (a, e)));
    let (mut rooms, mut seqs, mut senders, mut changes) = (vec![], vec![], vec![], vec![]);
    for (append, e) in entries {
        rooms.push(append.room.as_str());
        seqs.push(to_sql(e.seq.0));
        senders.push(e.sender.as_str());
        changes.push(&e.change[..]);
    }
    if rooms.is_empty() {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO coinop_log (room, seq, sender, change)
         SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[], $3::TEXT[], $4::BYTEA[])",
        &[&rooms, &seqs, &senders, &changes],
    )?;
    Ok(())
}

/// Binds first-use secrets; an id already bound keeps its hash.
fn insert_secrets(
    tx: &mut impl GenericClient,
    secrets: &[(PlayerId, [u8; 32])],
) -> Result<(), StorageError> {
    for (player, hash) in secrets {
        tx.execute(
            "INSERT INTO coinop_players (id, secret_hash) VALUES ($1, $2)
             ON CONFLICT (id) DO NOTHING",
            &[&player.as_str(), &&hash[..]],
        )?;
    }
    Ok(())
}

/// Upserts per-player room index rows (inside the caller's transaction).
fn upsert_player_rooms(
    tx: &mut impl GenericClient,
    updates: &[PlayerRoomUpdate],
) -> Result<(), StorageError> {
    for u in updates {
        tx.execute(
            "INSERT INTO coinop_player_rooms (player, room, host, last_joined_ms)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (player, room) DO UPDATE SET
               host = coinop_player_rooms.host OR excluded.host,
               last_joined_ms = GREATEST(coinop_player_rooms.last_joined_ms,
                                         excluded.last_joined_ms)",
            &[
                &u.player.as_str(),
                &u.room.as_str(),
                &u.host,
                &to_sql(u.at_ms),
            ],
        )?;
        touch_rooms(tx, &[&u.room], u.at_ms)?;
    }
    Ok(())
}

impl Storage for PostgresStorage {
    fn append(&mut self, batch: &[Append]) -> Result<(), StorageError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        check_fence(
            &mut tx,
            &self.fence,
            batch.iter().map(|a| &a.room).collect(),
        )?;
        insert_entries(&mut tx, batch)?;
        tx.commit()?;
        Ok(())
    }

    fn commit_group(&mut self, group: &Group) -> Result<(), StorageError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let rooms = group.appends.iter().map(|a| &a.room);
        let rooms = rooms.chain(group.rooms.iter().map(|m| &m.code)).collect();
        check_fence(&mut tx, &self.fence, rooms)?;
        for meta in &group.rooms {
            upsert_room_meta(&mut tx, meta)?;
        }
        insert_secrets(&mut tx, &group.secrets)?;
        insert_entries(&mut tx, &group.appends)?;
        let written: Vec<&RoomCode> = group.appends.iter().map(|a| &a.room).collect();
        touch_rooms(&mut tx, &written, group.at_ms)?;
        upsert_player_rooms(&mut tx, &group.index)?;
        tx.commit()?;
        Ok(())
    }

    fn read_tail(&mut self, room: &RoomCode, after: Seq) -> Result<Vec<LogEntry>, StorageError> {
        let rows = self.client()?.query(
            "SELECT seq, sender, change FROM coinop_log WHERE room = $1 AND seq > $2 ORDER BY seq",
            &[&room.as_str(), &to_sql(after.0)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(LogEntry {
                    seq: Seq(from_sql(r.get(0))),
                    sender: player_id(r.get(1))?,
                    change: Bytes::from(r.get::<_, Vec<u8>>(2)),
                })
            })
            .collect()
    }

    fn read_snapshot(&mut self, room: &RoomCode) -> Result<Option<Snapshot>, StorageError> {
        let row = self.client()?.query_opt(
            "SELECT upto, doc, clock, view FROM coinop_snapshots WHERE room = $1",
            &[&room.as_str()],
        )?;
        Ok(row.map(|r| {
            let clock: Option<Vec<u8>> = r.get(2);
            let view: Option<Vec<u8>> = r.get(3);
            Snapshot {
                upto: Seq(from_sql(r.get(0))),
                doc: Bytes::from(r.get::<_, Vec<u8>>(1)),
                // A damaged clock is recomputed from the document, like a missing one.
                clock: clock.and_then(|c| ActorClock::decode(&c)),
                view: view.map(Bytes::from),
            }
        }))
    }

    fn write_snapshot(&mut self, room: &RoomCode, snapshot: &Snapshot) -> Result<(), StorageError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        check_fence(&mut tx, &self.fence, BTreeSet::from([room]))?;
        let clock = snapshot.clock.as_ref().map(ActorClock::encode);
        // Trimmed up to the snapshot replaced: see `Storage::write_snapshot`.
        let replaced: Option<i64> = tx
            .query_opt(
                "SELECT upto FROM coinop_snapshots WHERE room = $1",
                &[&room.as_str()],
            )?
            .map(|row| row.get(0));
        tx.execute(
            "INSERT INTO coinop_snapshots (room, upto, doc, clock, view)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (room) DO UPDATE SET upto = excluded.upto, doc = excluded.doc,
               clock = excluded.clock, view = excluded.view",
            &[
                &room.as_str(),
                &to_sql(snapshot.upto.0),
                &&snapshot.doc[..],
                &clock,
                &snapshot.view.as_deref(),
            ],
        )?;
        if let Some(replaced) = replaced {
            tx.execute(
                "DELETE FROM coinop_log WHERE room = $1 AND seq <= $2",
                &[&room.as_str(), &replaced],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn secret_hash(&mut self, player: &PlayerId) -> Result<Option<[u8; 32]>, StorageError> {
        let row = self.client()?.query_opt(
            "SELECT secret_hash FROM coinop_players WHERE id = $1",
            &[&player.as_str()],
        )?;
        row.map(|r| {
            <[u8; 32]>::try_from(r.get::<_, Vec<u8>>(0)).map_err(|_| corrupt("secret hash length"))
        })
        .transpose()
    }

    fn put_secret_hash(&mut self, player: &PlayerId, hash: [u8; 32]) -> Result<(), StorageError> {
        self.client()?.execute(
            "INSERT INTO coinop_players (id, secret_hash) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash",
            &[&player.as_str(), &&hash[..]],
        )?;
        Ok(())
    }

    fn room_meta(&mut self, room: &RoomCode) -> Result<Option<RoomMeta>, StorageError> {
        let row = self.client()?.query_opt(
            "SELECT code, epoch, max_players, grace_ms, created_ms, owner, rules FROM coinop_rooms
             WHERE code = $1",
            &[&room.as_str()],
        )?;
        row.map(|r| meta_of(&r)).transpose()
    }

    fn put_room_meta(&mut self, meta: &RoomMeta) -> Result<(), StorageError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        check_fence(&mut tx, &self.fence, BTreeSet::from([&meta.code]))?;
        upsert_room_meta(&mut tx, meta)?;
        tx.commit()?;
        Ok(())
    }

    fn list_rooms(&mut self) -> Result<Vec<RoomMeta>, StorageError> {
        let rows = self.client()?.query(
            "SELECT code, epoch, max_players, grace_ms, created_ms, owner, rules FROM coinop_rooms
             ORDER BY code",
            &[],
        )?;
        rows.iter().map(meta_of).collect()
    }

    fn record_player_rooms(&mut self, updates: &[PlayerRoomUpdate]) -> Result<(), StorageError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        upsert_player_rooms(&mut tx, updates)?;
        tx.commit()?;
        Ok(())
    }

    fn player_rooms(&mut self, player: &PlayerId) -> Result<Vec<PlayerRoom>, StorageError> {
        let rows = self.client()?.query(
            "SELECT room, host, last_joined_ms FROM coinop_player_rooms WHERE player = $1
             ORDER BY last_joined_ms DESC",
            &[&player.as_str()],
        )?;
        rows.iter()
            .map(|r| {
                Ok(PlayerRoom {
                    room: room_code(r.get(0))?,
                    host: r.get(1),
                    last_joined_ms: from_sql(r.get(2)),
                })
            })
            .collect()
    }

    fn banned(&mut self, room: &RoomCode) -> Result<Vec<PlayerId>, StorageError> {
        let rows = self.client()?.query(
            "SELECT player FROM coinop_room_bans WHERE room = $1 ORDER BY player",
            &[&room.as_str()],
        )?;
        rows.iter().map(|r| player_id(r.get(0))).collect()
    }

    fn set_banned(&mut self, room: &RoomCode, p: &PlayerId, on: bool) -> Result<(), StorageError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        check_fence(&mut tx, &self.fence, BTreeSet::from([room]))?;
        let sql = if on {
            "INSERT INTO coinop_room_bans (room, player) VALUES ($1, $2)
             ON CONFLICT (room, player) DO NOTHING"
        } else {
            "DELETE FROM coinop_room_bans WHERE room = $1 AND player = $2"
        };
        tx.execute(sql, &[&room.as_str(), &p.as_str()])?;
        tx.commit()?;
        Ok(())
    }

    fn touch_rooms(&mut self, rooms: &[RoomCode], at_ms: u64) -> Result<(), StorageError> {
        let rooms: Vec<&RoomCode> = rooms.iter().collect();
        touch_rooms(&mut *self.client()?, &rooms, at_ms)
    }

    fn untouched_rooms(&mut self, before: u64, n: usize) -> Result<Vec<RoomCode>, StorageError> {
        // Times stay below i64::MAX: a later bound means every room.
        let before = i64::try_from(before).unwrap_or(i64::MAX);
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        let rows = self.client()?.query(
            "SELECT code FROM coinop_rooms WHERE touched_ms < $1
             ORDER BY touched_ms, code LIMIT $2",
            &[&before, &limit],
        )?;
        rows.iter().map(|r| room_code(r.get(0))).collect()
    }

    // Players' persistent data: not a room's, so not fenced.

    fn persistent_get(
        &mut self,
        player: &PlayerId,
        key: &str,
    ) -> Result<Option<PersistentValue>, StorageError> {
        let rows = self.client()?.query(
            "SELECT pos, value FROM coinop_persistent WHERE player = $1 AND key = $2 ORDER BY pos",
            &[&player.as_str(), &key],
        )?;
        Ok(persistent_value(
            rows.iter()
                .map(|r| (r.get::<_, i64>(0), r.get::<_, Vec<u8>>(1))),
        ))
    }

    fn persistent_key_count(&mut self, player: &PlayerId) -> Result<usize, StorageError> {
        let n: i64 = self
            .client()?
            .query_one(
                "SELECT count(DISTINCT key) FROM coinop_persistent WHERE player = $1",
                &[&player.as_str()],
            )?
            .get(0);
        usize::try_from(n).map_err(|_| corrupt("persistent key count"))
    }

    fn persistent_put(
        &mut self,
        player: &PlayerId,
        key: &str,
        value: Option<&PersistentValue>,
    ) -> Result<(), StorageError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        tx.execute(
            "DELETE FROM coinop_persistent WHERE player = $1 AND key = $2",
            &[&player.as_str(), &key],
        )?;
        let rows = persistent_rows(value);
        for (pos, v) in rows {
            tx.execute(
                "INSERT INTO coinop_persistent (player, key, pos, value) VALUES ($1, $2, $3, $4)",
                &[&player.as_str(), &key, &pos, &v],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn delete_room(&mut self, room: &RoomCode) -> Result<bool, StorageError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        check_fence(&mut tx, &self.fence, BTreeSet::from([room]))?;
        let code = room.as_str();
        let existed = tx.execute("DELETE FROM coinop_rooms WHERE code = $1", &[&code])? > 0;
        // The snapshot row holds the room's state view too.
        for sql in [
            "DELETE FROM coinop_log WHERE room = $1",
            "DELETE FROM coinop_snapshots WHERE room = $1",
            "DELETE FROM coinop_room_bans WHERE room = $1",
            "DELETE FROM coinop_player_rooms WHERE room = $1",
        ] {
            tx.execute(sql, &[&code])?;
        }
        tx.commit()?;
        Ok(existed)
    }
}

fn meta_of(r: &postgres::Row) -> Result<RoomMeta, StorageError> {
    Ok(RoomMeta {
        code: room_code(r.get(0))?,
        epoch: from_sql(r.get(1)),
        max_players: u16::try_from(r.get::<_, i32>(2)).map_err(|_| corrupt("max_players"))?,
        grace_ms: from_sql(r.get(3)),
        created_ms: from_sql(r.get(4)),
        owner: r.get::<_, Option<String>>(5).map(player_id).transpose()?,
        rules: match r.get::<_, Option<Vec<u8>>>(6) {
            Some(bytes) => RoomRules::from_bytes(&bytes).ok_or_else(|| corrupt("rules"))?,
            None => RoomRules::default(),
        },
    })
}
