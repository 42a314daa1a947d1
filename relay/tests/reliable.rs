//! The reliable channel against the real relay: join, order, durability,
//! dedup, catch-up, compaction.
#![allow(clippy::unwrap_used)]

mod support;

use coinop_protocol::*;
use coinop_relay::{Relay, RelayConfig};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use support::*;

#[tokio::test]
async fn join_gets_welcome_and_synced() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let (_a, joined) = Client::join(&relay.ws_url(), join_msg("ROOM1", "alice")).await;
    assert_eq!(joined.welcome.room.as_str(), "ROOM1");
    assert_eq!(joined.welcome.players.len(), 1);
    assert_eq!(joined.welcome.host, Some(pid("alice")));
    assert_eq!(joined.welcome.version, PROTOCOL_VERSION);
    assert_eq!(joined.head, Seq(0));
    // A relay-made code: 4 letters without I or O.
    let mut j = join_msg("X", "bob");
    j.room = RoomRequest::New;
    let (_b, joined) = Client::join(&relay.ws_url(), j).await;
    let code = joined.welcome.room.as_str().to_owned();
    assert_eq!(code.len(), 4);
    assert!(
        code.bytes()
            .all(|b| b.is_ascii_uppercase() && b != b'I' && b != b'O'),
        "{code}"
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn seqs_are_ordered_across_several_clients() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let url = relay.ws_url();
    let mut clients = Vec::new();
    for p in ["a", "b", "c"] {
        clients.push(Client::join(&url, join_msg("ORDER", p)).await.0);
    }
    // Drain the PlayerJoined/HostChanged noise.
    let mut docs: Vec<Doc> = (0..3).map(|_| Doc::new()).collect();
    for round in 0..5u64 {
        for (i, c) in clients.iter_mut().enumerate() {
            let change = docs[i].change(&format!("k{i}"), round as i64);
            c.send(&ClientMessage::Publish {
                client_ref: round,
                changes: vec![change],
            })
            .await;
        }
    }
    // Every client sees seqs 1..=15 exactly once, in order, from acks and forwards.
    for c in clients.iter_mut() {
        let mut seen = Vec::new();
        while seen.len() < 15 {
            match c.recv().await {
                RelayMessage::Ack { seq, .. } => seen.push(seq.0),
                RelayMessage::Changes { entries } => seen.extend(entries.iter().map(|e| e.seq.0)),
                RelayMessage::PlayerJoined(_) | RelayMessage::HostChanged { .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(seen, (1..=15).collect::<Vec<_>>());
    }
    relay.shutdown().await;
}

#[tokio::test]
async fn ack_means_persisted_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let config = sqlite_config(dir.path());
    let (relay, _, mut a) = relay_with_player(config.clone(), "DURA", "alice").await;
    let mut doc = Doc::new();
    let seq = a
        .publish(1, vec![doc.change("x", 1), doc.change("y", 2)])
        .await;
    assert_eq!(seq, Seq(2));
    // Read the database directly while the relay still runs: the ack came
    // after the commit, so the rows are there.
    let mut store = coinop_relay::storage::SqliteStorage::open(dir.path()).unwrap();
    use coinop_relay::storage::Storage;
    let tail = store
        .read_tail(&RoomCode::new("DURA").unwrap(), Seq(0))
        .unwrap();
    assert_eq!(tail.iter().map(|e| e.seq.0).collect::<Vec<_>>(), [1, 2]);
    assert!(tail.iter().all(|e| e.sender == pid("alice")));
    drop(a);
    relay.shutdown().await;
    // A restarted relay serves the same log with the same epoch.
    let relay = Relay::start(config).await.unwrap();
    let (_b, joined) = Client::join(&relay.ws_url(), join_msg("DURA", "bob")).await;
    assert_eq!(joined.head, Seq(2));
    assert_eq!(joined.entries.len(), 2);
    relay.shutdown().await;
}

#[tokio::test]
async fn duplicate_publish_is_acked_again_not_appended() {
    let (relay, url, mut a) = relay_with_player(RelayConfig::for_tests(), "DUP", "alice").await;
    let mut doc = Doc::new();
    let c1 = doc.change("x", 1);
    let c2 = doc.change("x", 2);
    assert_eq!(a.publish(1, vec![c1.clone()]).await, Seq(1));
    assert_eq!(a.publish(2, vec![c1.clone()]).await, Seq(1));
    assert_eq!(a.publish(3, vec![c1, c2]).await, Seq(2));
    let (_b, joined) = Client::join(&url, join_msg("DUP", "bob")).await;
    assert_eq!(joined.head, Seq(2));
    assert_eq!(joined.entries.len(), 2);
    relay.shutdown().await;
}

#[tokio::test]
async fn rejoin_with_since_gets_exactly_what_it_lacks() {
    let relay = Relay::start(RelayConfig::for_tests()).await.unwrap();
    let url = relay.ws_url();
    let (mut a, first) = Client::join(&url, join_msg("SINCE", "alice")).await;
    let epoch = first.welcome.epoch;
    let mut doc = Doc::new();
    for i in 1..=5 {
        a.publish(i, vec![doc.change("k", i as i64)]).await;
    }
    let j = join_msg("SINCE", "bob").with_since(RoomCursor { epoch, seq: Seq(3) });
    let (_b, joined) = Client::join(&url, j).await;
    assert!(!joined.welcome.reset);
    assert_eq!(
        joined.entries.iter().map(|e| e.seq.0).collect::<Vec<_>>(),
        [4, 5]
    );
    // Wrong epoch: everything, and reset.
    let j = join_msg("SINCE", "carol").with_since(RoomCursor {
        epoch: epoch ^ 1,
        seq: Seq(3),
    });
    let (_c, joined) = Client::join(&url, j).await;
    assert!(joined.welcome.reset);
    assert_eq!(joined.entries.len(), 5);
    relay.shutdown().await;
}

/// Many rooms cross the compaction threshold together: at most two
/// compactions run at once (each parses a whole document), the rest wait
/// their turn, and every room is compacted in the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_two_compactions_run_at_once() {
    const ROOMS: u64 = 12;
    let config = RelayConfig {
        compact_entries: 300,
        ..RelayConfig::for_tests()
    };
    let relay = Relay::start(config).await.unwrap();
    let url = relay.ws_url();
    let writers: Vec<_> = (0..ROOMS)
        .map(|r| {
            let url = url.clone();
            tokio::spawn(async move {
                let (mut c, _) = Client::join(&url, join_msg(&format!("SLOT{r}"), "w")).await;
                let mut doc = Doc::new();
                // 300 changes in 3 publishes: the threshold is crossed by
                // the last one, in every room at about the same time.
                for p in 0..3u64 {
                    let changes = (0..100u64)
                        .map(|i| doc.change(&format!("k{}", i % 10), (p * 100 + i) as i64))
                        .collect();
                    c.publish(p + 1, changes).await;
                }
                c
            })
        })
        .collect();
    let mut clients = Vec::new();
    for w in writers {
        clients.push(w.await.unwrap());
    }
    let metrics = relay.metrics();
    // Done when every room has compacted and nothing runs any more: a room
    // gone quiet may compact once more after its first.
    let done = |m: &coinop_relay::metrics::Metrics| {
        m.compactions.load(Relaxed) >= ROOMS && m.compactions_running.load(Relaxed) == 0
    };
    for _ in 0..1_500 {
        if done(&metrics) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        done(&metrics),
        "{} compactions",
        metrics.compactions.load(Relaxed)
    );
    let peak = metrics.compactions_running_peak.load(Relaxed);
    assert!((1..=2).contains(&peak), "{peak} compactions ran at once");
    relay.shutdown().await;
}

#[tokio::test]
async fn late_joiner_after_compaction_gets_the_same_document() {
    let dir = tempfile::tempdir().unwrap();
    let config = RelayConfig {
        compact_entries: 10,
        ..sqlite_config(dir.path())
    };
    let (relay, url, mut a) = relay_with_player(config, "COMPACT", "alice").await;
    let mut doc = Doc::new();
    for i in 1..=25 {
        a.publish(i, vec![doc.change(&format!("k{}", i % 7), i as i64)])
            .await;
    }
    // Compaction runs in the background: poll the metric, bounded.
    let metrics = relay.metrics();
    for _ in 0..200 {
        if metrics
            .compactions
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        metrics
            .compactions
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
    );
    let (_b, joined) = Client::join(&url, join_msg("COMPACT", "bob")).await;
    let (upto, _) = joined
        .snapshot
        .clone()
        .expect("a snapshot after compaction");
    assert!(upto.0 >= 10);
    assert!(joined.entries.iter().all(|e| e.seq > upto));
    assert_eq!(joined.head, Seq(25));
    let mut rebuilt = doc_from(&joined);
    assert_eq!(rebuilt.get_heads(), doc.0.get_heads());
    assert_eq!(rebuilt.save(), doc.0.save());
    // A change folded into the snapshot is still recognised as a duplicate:
    // acked at or below the head, not appended as seq 26. (Not "at or below
    // bob's snapshot": the ack names the relay's snapshot now, and a second
    // compaction may have folded up to 20 since bob joined.)
    let first = doc.0.get_changes(&[]).first().unwrap().raw_bytes().to_vec();
    assert!(a.publish(100, vec![Bytes::from(first)]).await <= joined.head);
    relay.shutdown().await;
}

#[tokio::test]
async fn catch_up_larger_than_the_outbox_cap_is_delivered() {
    let config = RelayConfig {
        max_outbox_bytes: 64 * 1024,
        compact_entries: 4,
        ..RelayConfig::for_tests()
    };
    let (relay, url, mut a) = relay_with_player(config, "LARGE", "alice").await;
    for i in 1..=6 {
        a.publish(i, vec![big_change(40 * 1024, i)]).await;
    }
    let (_b, joined) = Client::join(&url, join_msg("LARGE", "bob")).await;
    let in_snapshot = joined.snapshot.as_ref().map_or(0, |(_, doc)| doc.len());
    let in_log: usize = joined.entries.iter().map(|e| e.change.len()).sum();
    assert!(in_snapshot + in_log > 200 * 1024);
    assert_eq!(joined.head, Seq(6));
    relay.shutdown().await;
}

#[tokio::test]
async fn catch_up_reads_what_memory_no_longer_holds() {
    let dir = tempfile::tempdir().unwrap();
    let config = RelayConfig {
        // Only the newest ~1 KiB of the log stays in memory.
        log_cache_bytes: 1024,
        ..sqlite_config(dir.path())
    };
    let relay = Relay::start(config).await.unwrap();
    let url = relay.ws_url();
    let (mut a, first) = Client::join(&url, join_msg("EVICT", "alice")).await;
    let epoch = first.welcome.epoch;
    let mut doc = Doc::new();
    for i in 1..=60 {
        a.publish(i, vec![doc.change("k", i as i64)]).await;
    }
    let seqs = |j: &Joined| j.entries.iter().map(|e| e.seq.0).collect::<Vec<_>>();
    // From nothing: every entry, in order, from disk and memory.
    let (_b, joined) = Client::join(&url, join_msg("EVICT", "bob")).await;
    assert_eq!(seqs(&joined), (1..=60).collect::<Vec<_>>());
    assert_eq!(joined.head, Seq(60));
    let replica = doc_from(&joined);
    assert_eq!(
        automerge::ReadDoc::get(&replica, automerge::ROOT, "k")
            .unwrap()
            .map(|(v, _)| v.to_string()),
        Some("60".to_owned())
    );
    // From a cursor: exactly what it lacks.
    let j = join_msg("EVICT", "carol").with_since(RoomCursor { epoch, seq: Seq(7) });
    let (_c, joined) = Client::join(&url, j).await;
    assert_eq!(seqs(&joined), (8..=60).collect::<Vec<_>>());
    relay.shutdown().await;
}
