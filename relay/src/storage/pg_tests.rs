//! The storage suites and the lease rules against a real PostgreSQL server
//! that the test starts itself (a missing PostgreSQL fails the test).
#![allow(clippy::unwrap_used)]

use super::leases::HAND_OVER;
use super::lifecycle_tests::{pid, room, suite as lifecycle_suite};
use super::pg_schema::{PG_SCHEMA_VERSION, migrate_pg, pg_schema_version};
use super::tests::{
    batch_is_all_or_nothing, bound_secret_is_never_rebound, code, entry,
    failed_group_creates_no_room, hold, suite,
};
use super::*;
use coinop_harness::Postgres;
use coinop_protocol::{RoomCode, Seq};
use std::sync::Arc;
use std::time::Duration;

const LEASE: Duration = Duration::from_millis(300);

/// A node on the database at `url`: its storage and its leases.
fn node(url: &str, name: &str) -> (PostgresStorage, Leases) {
    let pool = connect_pg(url).unwrap();
    let fence = Arc::new(Fence::new(name));
    let leases = Leases::new(pool.clone(), fence.clone(), format!("{name}:1"), LEASE);
    (PostgresStorage::new(pool, fence), leases)
}

/// Storage on a fresh database whose node holds the leases of `rooms`.
fn leased(pg: &Postgres, db: &str, rooms: &[&str]) -> PostgresStorage {
    let (storage, leases) = node(&pg.create_database(db).unwrap(), db);
    for room in rooms {
        assert!(matches!(
            leases.claim(&code(room)).unwrap(),
            Claim::Held { .. }
        ));
    }
    storage
}

#[test]
fn postgres_storage_passes_the_suite_and_fences_lost_leases() {
    let pg = Postgres::start().expect("PostgreSQL is needed for cluster mode's tests");

    let mut s = leased(&pg, "suite", &["AAAA", "BBBB"]);
    suite(&mut s);
    // A second node on the same database sees what the first stored.
    let (mut other, _) = node(&pg.url_of("suite"), "other");
    assert_eq!(
        other.read_tail(&code("AAAA"), Seq(0)).unwrap(),
        vec![entry(3, 3)]
    );

    batch_is_all_or_nothing(&mut leased(&pg, "batch", &["AAAA", "BBBB"]));
    let rooms = ["AAAA", "R001", "R002"];
    failed_group_creates_no_room(&mut leased(&pg, "group", &rooms));
    bound_secret_is_never_rebound(&mut leased(&pg, "secret", &[]));
    lifecycle(&pg);

    fencing(&pg.create_database("fence").unwrap());
    claim_during_handoff(&pg.create_database("handoff_race").unwrap());
    claim_during_first_claim(&pg.create_database("insert_race").unwrap());
    fenced_rooms_fail_alone(&pg.create_database("group_fence").unwrap());
    schema(&pg.create_database("schema").unwrap());
    upgrade_to_lifecycle(&pg.create_database("upgrade").unwrap());
}

/// The room lifecycle suite; owners and bans are shared by the nodes, and
/// a node without the room's lease changes none of its settings, bans or
/// rows.
fn lifecycle(pg: &Postgres) {
    let mut s = leased(pg, "lifecycle", &["OLD", "WRIT", "JOIN"]);
    lifecycle_suite(&mut s);
    s.set_banned(&code("JOIN"), &pid("mallory"), true).unwrap();
    let (mut other, _) = node(&pg.url_of("lifecycle"), "other");
    assert_eq!(other.banned(&code("JOIN")).unwrap(), [pid("mallory")]);
    assert_eq!(
        other.room_meta(&code("JOIN")).unwrap().unwrap().owner,
        Some(pid("owner"))
    );
    let fenced = |r: Result<_, StorageError>| matches!(r, Err(StorageError::Fenced(_)));
    assert!(fenced(other.set_banned(
        &code("JOIN"),
        &pid("mallory"),
        false
    )));
    assert!(fenced(other.set_banned(&code("JOIN"), &pid("eve"), true)));
    assert!(fenced(other.delete_room(&code("JOIN")).map(|_| ())));
    assert!(fenced(other.put_room_meta(&room("JOIN", 1))));
    assert_eq!(s.banned(&code("JOIN")).unwrap(), [pid("mallory")]);
    assert!(s.room_meta(&code("JOIN")).unwrap().is_some());
    assert!(s.delete_room(&code("JOIN")).unwrap());
}

/// A version-1 database gets owners (unknown), bans and last-use times
/// (creation or latest join) in place.
fn upgrade_to_lifecycle(url: &str) {
    let pool = connect_pg(url).unwrap();
    pool.get()
        .unwrap()
        .batch_execute(
            "DROP INDEX coinop_rooms_touched; DROP INDEX coinop_player_rooms_room;
             DROP TABLE coinop_room_bans;
             ALTER TABLE coinop_rooms DROP COLUMN owner, DROP COLUMN touched_ms;
             INSERT INTO coinop_rooms (code, epoch, max_players, grace_ms, created_ms)
               VALUES ('AAAA', 1, 4, 0, 100), ('BBBB', 1, 4, 0, 200);
             INSERT INTO coinop_player_rooms VALUES ('bob', 'AAAA', false, 400);
             UPDATE coinop_schema SET version = 1;",
        )
        .unwrap();
    drop(pool);
    let (mut s, leases) = node(url, "upgraded");
    let mut client = connect_pg(url).unwrap().get().unwrap();
    assert_eq!(pg_schema_version(&mut client).unwrap(), PG_SCHEMA_VERSION);
    assert_eq!(s.room_meta(&code("AAAA")).unwrap().unwrap().owner, None);
    assert_eq!(s.untouched_rooms(300, 10).unwrap(), [code("BBBB")]);
    assert_eq!(
        s.untouched_rooms(401, 10).unwrap(),
        [code("BBBB"), code("AAAA")]
    );
    leases.claim(&code("AAAA")).unwrap();
    s.set_banned(&code("AAAA"), &pid("mallory"), true).unwrap();
    assert_eq!(s.banned(&code("AAAA")).unwrap(), [pid("mallory")]);
}

/// A node that lost a room's lease stores nothing more for it; the node
/// that took it over does.
fn fencing(url: &str) {
    let (mut a, a_leases) = node(url, "a");
    let (mut b, b_leases) = node(url, "b");
    let room = code("ROOM");
    let append = |seq, byte| {
        [Append {
            room: room.clone(),
            entries: vec![entry(seq, byte)],
        }]
    };
    // No lease, no write.
    assert!(matches!(a.append(&append(1, 1)), Err(StorageError::Fenced(r)) if r == [room.clone()]));
    assert_eq!(
        a_leases.claim(&room).unwrap(),
        Claim::Held {
            epoch: 1,
            failover: false,
            handoff: None,
        }
    );
    a.append(&append(1, 1)).unwrap();
    // A live lease is not taken; the claimer learns where to forward.
    let elsewhere = Claim::Elsewhere {
        node: "a".into(),
        addr: "a:1".into(),
    };
    assert_eq!(b_leases.claim(&room).unwrap(), elsewhere);
    assert!(b.append(&append(2, 2)).is_err());
    // Renewed, it outlives its first term.
    std::thread::sleep(LEASE / 2);
    assert!(a_leases.renew().unwrap().is_empty());
    std::thread::sleep(LEASE / 2 + Duration::from_millis(50));
    assert_eq!(b_leases.claim(&room).unwrap(), elsewhere);
    // Not renewed (a paused node), it expires and is taken over.
    std::thread::sleep(LEASE + Duration::from_millis(50));
    assert_eq!(
        b_leases.claim(&room).unwrap(),
        Claim::Held {
            epoch: 2,
            failover: true,
            handoff: None,
        }
    );
    let fenced = a.append(&append(2, 9));
    assert!(matches!(fenced, Err(StorageError::Fenced(_))), "{fenced:?}");
    let snapshot = crate::core::Snapshot {
        upto: Seq(1),
        doc: coinop_protocol::Bytes::from_static(b"doc"),
        clock: None,
        view: None,
    };
    assert!(a.write_snapshot(&room, &snapshot).is_err());
    b.append(&append(2, 2)).unwrap();
    assert_eq!(a_leases.renew().unwrap(), std::slice::from_ref(&room));
    assert_eq!(a_leases.fence().epoch(&room), None);
    assert_eq!(
        a.read_tail(&room, Seq(0)).unwrap(),
        vec![entry(1, 1), entry(2, 2)]
    );
    // A released lease is free at once.
    b_leases.release(&room, 1).unwrap();
    assert_eq!(
        b_leases.fence().epoch(&room),
        Some(2),
        "an older epoch's release"
    );
    b_leases.release(&room, 2).unwrap();
    assert_eq!(
        a_leases.claim(&room).unwrap(),
        Claim::Held {
            epoch: 3,
            failover: false,
            handoff: None,
        }
    );
    // A handoff rides with a release by the lease's holder only, and the
    // next claim takes it out.
    b_leases.hand_over(&room, 3, Some(b"stale")).unwrap();
    a_leases.hand_over(&room, 3, Some(b"seats")).unwrap();
    assert_eq!(
        b_leases.claim(&room).unwrap(),
        Claim::Held {
            epoch: 4,
            failover: false,
            handoff: Some(b"seats".to_vec()),
        }
    );
    b_leases.release(&room, 4).unwrap();
    assert!(matches!(
        a_leases.claim(&room).unwrap(),
        Claim::Held { handoff: None, .. }
    ));
    a_leases.ping().unwrap();
}

/// Waits until a session of the database at `client` waits for a lock
/// (a claim blocked on the row another transaction holds).
fn until_a_claim_waits(client: &mut postgres::Client) {
    for _ in 0..500 {
        let waiting: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the claim never waited for the row's lock");
}

/// A claim that runs while the owner's handoff is not yet committed (a
/// draining node; clients already reconnect elsewhere) waits for it and
/// then takes over the room as handed over: the seats the handoff left,
/// taken out of the table, and no failover.
fn claim_during_handoff(url: &str) {
    let (_, a_leases) = node(url, "a");
    let (_, b_leases) = node(url, "b");
    let room = code("ROOM");
    assert!(matches!(
        a_leases.claim(&room).unwrap(),
        Claim::Held { epoch: 1, .. }
    ));
    let pool = connect_pg(url).unwrap();
    let mut a = pool.get().unwrap();
    let mut handoff = a.transaction().unwrap();
    let seats: Option<&[u8]> = Some(b"seats");
    let handed = handoff.execute(HAND_OVER, &[&"ROOM", &"a", &1_i64, &seats]);
    assert_eq!(handed.unwrap(), 1);
    let claim = std::thread::spawn(move || b_leases.claim(&code("ROOM")));
    until_a_claim_waits(&mut pool.get().unwrap());
    std::thread::sleep(Duration::from_millis(100));
    handoff.commit().unwrap();
    assert_eq!(
        claim.join().unwrap().unwrap(),
        Claim::Held {
            epoch: 2,
            failover: false,
            handoff: Some(b"seats".to_vec()),
        }
    );
    let row = pool
        .get()
        .unwrap()
        .query_one(
            "SELECT owner, epoch, handoff FROM coinop_leases WHERE room = 'ROOM'",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "b");
    assert_eq!(row.get::<_, i64>(1), 2);
    assert_eq!(
        row.get::<_, Option<Vec<u8>>>(2),
        None,
        "the seats are handed over once"
    );
}

/// A claim of a room nobody has claimed yet, while another node's first
/// claim of it is not yet committed, waits for it: forwarded to that node
/// if it commits, the room's first lease if it does not.
fn claim_during_first_claim(url: &str) {
    let (_, b_leases) = node(url, "b");
    let pool = connect_pg(url).unwrap();
    for (room, commit) in [("GONE", false), ("KEPT", true)] {
        let mut a = pool.get().unwrap();
        let mut first = a.transaction().unwrap();
        first
            .execute(
                "INSERT INTO coinop_leases (room, owner, addr, epoch, expires_at)
                 VALUES ($1, 'a', 'a:1', 1, now() + INTERVAL '1 hour')",
                &[&room],
            )
            .unwrap();
        let leases = b_leases.clone();
        let claim = std::thread::spawn(move || leases.claim(&code(room)));
        until_a_claim_waits(&mut pool.get().unwrap());
        if commit {
            first.commit().unwrap();
        } else {
            first.rollback().unwrap();
        }
        let expected = if commit {
            Claim::Elsewhere {
                node: "a".into(),
                addr: "a:1".into(),
            }
        } else {
            Claim::Held {
                epoch: 1,
                failover: false,
                handoff: None,
            }
        };
        assert_eq!(claim.join().unwrap().unwrap(), expected, "{room}");
    }
}

/// In one group commit, the appends of a room whose lease is lost fail
/// and the other rooms' are stored.
fn fenced_rooms_fail_alone(url: &str) {
    let (storage, leases) = node(url, "n");
    let (mine, theirs) = (code("MINE"), code("THEIRS"));
    leases.claim(&mine).unwrap();
    let metrics = Arc::new(crate::metrics::Metrics::default());
    let handle = StorageHandle::spawn(Box::new(storage), metrics.clone()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let release = hold(&handle);
        let append = |room: &RoomCode| {
            let (handle, room) = (handle.clone(), room.clone());
            tokio::spawn(async move {
                let entries = vec![entry(1, 1)];
                handle.append(Append { room, entries }).await
            })
        };
        let (ours, other) = (append(&mine), append(&theirs));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let before = metrics.storage_commit.count();
        release.send(()).unwrap();
        ours.await.unwrap().unwrap();
        let refused = other.await.unwrap();
        assert!(
            matches!(refused, Err(StorageError::Fenced(_))),
            "{refused:?}"
        );
        assert_eq!(metrics.storage_commit.count() - before, 1, "one group");
        let tail = handle.call(move |s| s.read_tail(&mine, Seq(0))).await;
        assert_eq!(tail.unwrap(), vec![entry(1, 1)]);
        handle.stop().await;
    });
}

/// The relay creates the schema, a second start changes nothing, and a
/// newer schema is refused.
fn schema(url: &str) {
    let pool = connect_pg(url).unwrap();
    let mut client = pool.get().unwrap();
    assert_eq!(pg_schema_version(&mut client).unwrap(), PG_SCHEMA_VERSION);
    migrate_pg(&mut client).unwrap();
    assert_eq!(pg_schema_version(&mut client).unwrap(), PG_SCHEMA_VERSION);
    client
        .execute("UPDATE coinop_schema SET version = version + 1", &[])
        .unwrap();
    let err = connect_pg(url).unwrap_err();
    assert!(matches!(err, StorageError::SchemaTooNew { .. }), "{err}");
}
