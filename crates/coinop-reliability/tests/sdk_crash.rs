//! The SDK against the relay binary when the relay dies or freezes: SIGKILL
//! during concurrent `set_state` calls, and SIGSTOP/SIGCONT. Nothing acked
//! is lost, nothing is stored twice, every replica converges.
#![allow(clippy::unwrap_used)]

mod support;

use coinop::Reliability;
use coinop_harness::{Client, RelayProcess, join_msg};
use coinop_reliability::{SdkClient, converged, replicas_of, serial, within};
use std::collections::HashSet;
use std::time::Duration;

const R: Reliability = Reliability::Reliable;

fn relay() -> RelayProcess {
    support::start_relay(&["--grace-period-ms", "5000"], &[])
}

fn base_url(relay: &RelayProcess) -> String {
    format!("ws://{}", relay.addr())
}

/// Joins every room raw and checks that no change is stored twice.
async fn assert_no_duplicates(relay: &RelayProcess, rooms: &[String]) -> usize {
    let mut total = 0;
    for room in rooms {
        let (_c, joined) = Client::join(&relay.ws_url(), join_msg(room, "auditor")).await;
        let mut seen = HashSet::new();
        for e in &joined.entries {
            let hash = automerge::Change::from_bytes(e.change.to_vec())
                .unwrap()
                .hash();
            assert!(
                seen.insert(hash),
                "{room}: seq {} stores a change twice",
                e.seq.0
            );
        }
        total += joined.entries.len();
    }
    total
}

/// Every key each writer wrote, as a fresh client of each room reads it.
async fn assert_all_written(url: &str, rooms: &[String], written: &[(usize, String, i64)]) {
    for (r, room) in rooms.iter().enumerate() {
        let fresh = SdkClient::join(url, room).await;
        for (_, key, v) in written.iter().filter(|(wr, _, _)| *wr == r) {
            assert_eq!(
                fresh.room.get_state::<i64>(key),
                Some(*v),
                "{room}/{key} lost"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_concurrent_writes_loses_nothing() {
    let _serial = serial().await;
    // A generous bound; the next test holds the SDK to the 2 s.
    kill_scenario(Duration::from_secs(12)).await;
}

/// The issue asks for convergence within 2 s of the relay accepting again:
/// the SDK's reconnect backoff is capped at 1.5 s (full jitter).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_replicas_converge_within_2s() {
    let _serial = serial().await;
    kill_scenario(Duration::from_secs(2)).await;
}

async fn kill_scenario(limit: Duration) {
    let scale = coinop_reliability::Scale::from_env();
    let (n_clients, n_calls, n_rooms) = scale.pick((40, 200, 8), (200, 1_000, 20));
    let mut relay = relay();
    let url = base_url(&relay);
    let rooms: Vec<String> = (0..n_rooms).map(|r| format!("KILL{r}")).collect();
    let mut clients = Vec::new();
    for i in 0..n_clients {
        clients.push((
            i % n_rooms,
            SdkClient::join(&url, &rooms[i % n_rooms]).await,
        ));
    }
    // Rounds of one write per client; the relay dies halfway through.
    let rounds = n_calls / n_clients;
    let mut written = Vec::new();
    for round in 0..rounds {
        if round == rounds / 2 {
            relay.kill();
        }
        for (i, (r, c)) in clients.iter().enumerate() {
            let key = format!("c{i}-{round}");
            c.room.set_state(&key, &(round as i64), R).unwrap();
            written.push((*r, key, round as i64));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    relay.restart().unwrap();
    let took = within(Duration::from_secs(30), || {
        (0..n_rooms).all(|r| {
            let replicas = replicas_of(&clients, r);
            converged(&replicas)
                && replicas[0].state_keys().len() >= written.iter().filter(|w| w.0 == r).count()
        })
    })
    .await;
    eprintln!(
        "SIGKILL: {n_clients} clients, {} calls, {n_rooms} rooms; converged {took:?} after the relay accepted again",
        written.len()
    );
    let took = took.expect("replicas converge");
    // Once saved, a second SIGKILL loses nothing either.
    relay.kill();
    relay.restart().unwrap();
    assert_all_written(&url, &rooms, &written).await;
    let stored = assert_no_duplicates(&relay, &rooms).await;
    assert!(
        stored >= written.len(),
        "{stored} entries for {} writes",
        written.len()
    );
    assert!(took < limit, "converged only after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigstop_then_sigcont_loses_and_duplicates_nothing() {
    let _serial = serial().await;
    let pause = coinop_reliability::Scale::from_env().pick(12, 20);
    let relay = relay();
    let url = base_url(&relay);
    let rooms = vec!["STOP0".to_owned(), "STOP1".to_owned()];
    let mut clients = Vec::new();
    for i in 0..6 {
        clients.push((i % 2, SdkClient::join(&url, &rooms[i % 2]).await));
    }
    let mut written = Vec::new();
    let mut write = |round: i64, clients: &[(usize, SdkClient)]| {
        for (i, (r, c)) in clients.iter().enumerate() {
            let key = format!("c{i}-{round}");
            c.room.set_state(&key, &round, R).unwrap();
            written.push((*r, key, round));
        }
    };
    write(0, &clients);
    within(Duration::from_secs(10), || {
        clients.iter().all(|(_, c)| c.room.is_saved())
    })
    .await
    .expect("saved before the pause");
    relay.pause();
    let mut noticed = false;
    for second in 0..pause {
        write(1 + second as i64, &clients);
        tokio::time::sleep(Duration::from_secs(1)).await;
        noticed |= clients
            .iter()
            .any(|(_, c)| c.room.status() != coinop::Status::Connected);
    }
    relay.resume();
    let took = within(Duration::from_secs(30), || {
        (0..2).all(|r| converged(&replicas_of(&clients, r)))
    })
    .await;
    eprintln!("SIGSTOP {pause} s: clients noticed: {noticed}; converged {took:?} after SIGCONT");
    took.expect("replicas converge after SIGCONT");
    assert_all_written(&url, &rooms, &written).await;
    assert_no_duplicates(&relay, &rooms).await;
}

/// Clients notice a frozen relay through missing pongs: the SDK pings every
/// 5 s and drops a connection silent for 12 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_notice_a_frozen_relay_through_heartbeats() {
    let _serial = serial().await;
    let relay = relay();
    let client = SdkClient::join(&base_url(&relay), "FROZEN").await;
    relay.pause();
    let noticed = within(Duration::from_secs(20), || {
        client.room.status() != coinop::Status::Connected
    })
    .await;
    relay.resume();
    eprintln!("frozen relay noticed after {noticed:?}");
    assert!(
        noticed.is_some(),
        "no client noticed the frozen relay within 20 s"
    );
}
