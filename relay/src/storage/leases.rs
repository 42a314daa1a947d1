//! Room leases in the database: one owner node per room at a time.
//!
//! A lease row names its owner node, the address other nodes forward that
//! room's clients to, an epoch and an expiry on the database's clock (so
//! nodes' clocks need not agree). Winning a lease that expired, or that
//! nobody holds, raises its epoch: the [`Fence`] then refuses every write
//! the previous owner still tries. Single statements and row locks; a
//! claim is one short transaction around its row's lock.

use super::error::StorageError;
use super::fence::Fence;
use super::pg_pool::PgPool;
use coinop_protocol::RoomCode;
use std::sync::Arc;
use std::time::Duration;

/// What claiming a room's lease found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This node holds the lease (recorded in the fence).
    Held {
        /// The lease's epoch, which fences the room's writes.
        epoch: u64,
        /// Another node held it until its lease ran out: a failover.
        failover: bool,
        /// The roster the previous owner handed over as it stopped (see
        /// [`Leases::hand_over`]), taken out of the table by this claim.
        handoff: Option<Vec<u8>>,
    },
    /// Another node holds a live lease: forward the room's clients there.
    Elsewhere {
        /// The owner's node id.
        node: String,
        /// The address it gave for other nodes (`--node-addr`).
        addr: String,
    },
}

/// One row of the lease table, for the inspector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    /// The room.
    pub room: RoomCode,
    /// The owner's address (empty once released).
    pub addr: String,
    /// The lease's epoch.
    pub epoch: u64,
    /// Whether it has not run out.
    pub live: bool,
}

/// How often a claim looks for the room's row before giving up (twice
/// suffices: a row another claim inserted meanwhile is there the second
/// time).
const CLAIM_ATTEMPTS: usize = 3;

/// The most lease rows the inspector lists.
const MAX_LISTED: i64 = 1000;

/// Gives the lease of room `$1` held by node `$2` at epoch `$3` back, with
/// the handoff `$4` (the tests run it in a transaction of their own).
pub(super) const HAND_OVER: &str =
    "UPDATE coinop_leases SET owner = '', expires_at = now(), handoff = $4
     WHERE room = $1 AND owner = $2 AND epoch = $3";

/// A node's access to the lease table.
#[derive(Clone)]
pub struct Leases {
    pool: PgPool,
    fence: Arc<Fence>,
    addr: String,
    lease_ms: i64,
}

impl std::fmt::Debug for Leases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leases")
            .field("node", &self.fence.node())
            .field("addr", &self.addr)
            .finish()
    }
}

impl Leases {
    /// Leases of `lease` length for the node of `fence`, reachable by other
    /// nodes at `addr`. Every call blocks: use them off the async runtime.
    pub fn new(pool: PgPool, fence: Arc<Fence>, addr: String, lease: Duration) -> Self {
        Self {
            pool,
            fence,
            addr,
            lease_ms: i64::try_from(lease.as_millis()).unwrap_or(i64::MAX),
        }
    }

    /// The fence these leases fill.
    pub fn fence(&self) -> &Arc<Fence> {
        &self.fence
    }

    /// The lease length.
    pub fn lease(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.lease_ms).unwrap_or(0))
    }

    /// Takes the room's lease if nobody holds a live one (or this node
    /// does), raising its epoch; else says who holds it.
    ///
    /// One transaction around the locked row: what it returns (the previous
    /// owner, the handoff) is exactly what the row held when this claim
    /// replaced it, even when another node's handoff or claim of the room
    /// commits meanwhile (a single upsert would decide on the newest row
    /// but report what its snapshot saw).
    pub fn claim(&self, room: &RoomCode) -> Result<Claim, StorageError> {
        let mut client = self.pool.get()?;
        let mut tx = client.transaction()?;
        let node = self.fence.node();
        // Lease rows are never deleted: when the insert finds a row that
        // was not there for the select, the next select locks it.
        let mut locked = None;
        for _ in 0..CLAIM_ATTEMPTS {
            locked = tx.query_opt(
                "SELECT owner, addr, handoff FROM coinop_leases WHERE room = $1 FOR UPDATE",
                &[&room.as_str()],
            )?;
            if locked.is_some() {
                break;
            }
            let first = tx.query_opt(
                "INSERT INTO coinop_leases (room, owner, addr, epoch, expires_at)
                 VALUES ($1, $2, $3, 1,
                   statement_timestamp() + $4::BIGINT * INTERVAL '1 millisecond')
                 ON CONFLICT (room) DO NOTHING RETURNING epoch",
                &[&room.as_str(), &node, &self.addr, &self.lease_ms],
            )?;
            if let Some(row) = first {
                tx.commit()?;
                let epoch = super::columns::from_sql(row.get(0));
                self.fence.hold(room.clone(), epoch);
                return Ok(Claim::Held {
                    epoch,
                    failover: false,
                    handoff: None,
                });
            }
        }
        let Some(prev) = locked else {
            return Err(StorageError::Busy);
        };
        let (before, before_addr, handoff): (String, String, Option<Vec<u8>>) =
            (prev.get(0), prev.get(1), prev.get(2));
        // The row is ours until the commit: the update sees what the select
        // returned. Its clock is the database's, read once the lock is had.
        let won = tx.query_opt(
            "UPDATE coinop_leases SET owner = $2, addr = $3, epoch = epoch + 1,
               expires_at = statement_timestamp() + $4::BIGINT * INTERVAL '1 millisecond',
               handoff = NULL
             WHERE room = $1
               AND (expires_at < statement_timestamp() OR owner = $2 OR owner = '')
             RETURNING epoch",
            &[&room.as_str(), &node, &self.addr, &self.lease_ms],
        )?;
        tx.commit()?;
        let Some(row) = won else {
            return Ok(Claim::Elsewhere {
                node: before,
                addr: before_addr,
            });
        };
        let epoch = super::columns::from_sql(row.get(0));
        let failover = !before.is_empty() && before != node;
        self.fence.hold(room.clone(), epoch);
        Ok(Claim::Held {
            epoch,
            failover,
            handoff,
        })
    }

    /// Extends every lease this node still owns; returns the rooms whose
    /// lease it lost (taken over, or not in the table), which it must stop
    /// serving. Their entries leave the fence.
    pub fn renew(&self) -> Result<Vec<RoomCode>, StorageError> {
        let rows = self.pool.get()?.query(
            "UPDATE coinop_leases SET expires_at = now() + $2::BIGINT * INTERVAL '1 millisecond'
             WHERE owner = $1 RETURNING room, epoch",
            &[&self.fence.node(), &self.lease_ms],
        )?;
        let renewed: std::collections::HashMap<String, i64> =
            rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let mut lost = Vec::new();
        for (room, epoch) in self.fence.held() {
            let still = renewed.get(room.as_str()).copied() == Some(super::columns::to_sql(epoch));
            if !still && self.fence.drop_lease(&room, epoch) {
                lost.push(room);
            }
        }
        Ok(lost)
    }

    /// Gives up the room's lease won at `epoch` (the room unloaded): another
    /// node may take it at once. A newer lease on the room (this node loaded
    /// it again meanwhile) is left alone.
    pub fn release(&self, room: &RoomCode, epoch: u64) -> Result<(), StorageError> {
        self.hand_over(room, epoch, None)
    }

    /// Gives up the room's lease won at `epoch`, leaving `handoff` (the
    /// room's roster, opaque here) for the next node that claims it. In the
    /// same statement as the release and fenced like it: only the lease's
    /// holder leaves one.
    pub fn hand_over(
        &self,
        room: &RoomCode,
        epoch: u64,
        handoff: Option<&[u8]>,
    ) -> Result<(), StorageError> {
        self.fence.drop_lease(room, epoch);
        self.pool.get()?.execute(
            HAND_OVER,
            &[
                &room.as_str(),
                &self.fence.node(),
                &super::columns::to_sql(epoch),
                &handoff,
            ],
        )?;
        Ok(())
    }

    /// The token the cluster's nodes share (made by the first node, with
    /// `fresh` when none is stored yet): a forwarded connection presents
    /// it, so only nodes can vouch for a client's address.
    pub fn cluster_token(&self, fresh: &str) -> Result<String, StorageError> {
        let mut client = self.pool.get()?;
        client.execute(
            "INSERT INTO coinop_cluster (id, token) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            &[&fresh],
        )?;
        Ok(client
            .query_one("SELECT token FROM coinop_cluster WHERE id = 1", &[])?
            .get(0))
    }

    /// Says this node is alive, and returns the addresses of every node
    /// seen alive within three lease times (this one included).
    pub fn announce(&self) -> Result<Vec<String>, StorageError> {
        let mut client = self.pool.get()?;
        client.execute(
            "INSERT INTO coinop_nodes (node, addr, seen_at) VALUES ($1, $2, now())
             ON CONFLICT (node) DO UPDATE SET addr = excluded.addr, seen_at = excluded.seen_at",
            &[&self.fence.node(), &self.addr],
        )?;
        // Nodes gone for long are forgotten, so the table stays small.
        client.execute(
            "DELETE FROM coinop_nodes WHERE seen_at < now() - $1::BIGINT * INTERVAL '100 millisecond'",
            &[&self.lease_ms],
        )?;
        let rows = client.query(
            "SELECT DISTINCT addr FROM coinop_nodes
             WHERE seen_at > now() - $1::BIGINT * INTERVAL '3 millisecond'",
            &[&self.lease_ms],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// The cluster's rooms by lease, live ones first (at most 1,000).
    pub fn list(&self) -> Result<Vec<LeaseRow>, StorageError> {
        let rows = self.pool.get()?.query(
            "SELECT room, addr, epoch, expires_at > now() AS live FROM coinop_leases
             ORDER BY live DESC, room LIMIT $1",
            &[&MAX_LISTED],
        )?;
        rows.iter()
            .map(|r| {
                Ok(LeaseRow {
                    room: super::columns::room_code(r.get(0))?,
                    addr: r.get(1),
                    epoch: super::columns::from_sql(r.get(2)),
                    live: r.get(3),
                })
            })
            .collect()
    }

    /// Whether the database answers.
    pub fn ping(&self) -> Result<(), StorageError> {
        self.pool.get()?.simple_query("SELECT 1")?;
        Ok(())
    }
}
