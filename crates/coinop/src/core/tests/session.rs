//! RPC, the clock, the roster, timers and robustness.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[test]
fn rpc_times_out_in_injected_time_and_first_reply_wins() {
    let mut c = core("alice", 1);
    assert!(matches!(
        c.call(0, RpcTarget::Host, "f", Bytes::new(), None),
        Err(Error::Offline)
    ));
    join(&mut c, &["alice"]);
    let call = c
        .call(1000, RpcTarget::Host, "f", Bytes::new(), Some(500))
        .unwrap();
    c.tick(1499);
    assert!(c.take_completions().is_empty());
    assert_eq!(c.next_wakeup().map(|t| t <= 1500), Some(true));
    c.tick(1500);
    let done = c.take_completions();
    assert!(matches!(&done[..], [(id, Err(Error::RpcTimeout { .. }))] if *id == call));
    let call = c
        .call(2000, RpcTarget::All, "f", Bytes::new(), None)
        .unwrap();
    for v in [b"1", b"2"] {
        c.handle(
            2001,
            RelayMessage::RpcReply {
                call,
                from: pid("bob"),
                outcome: RpcOutcome::Ok(Bytes::from_static(v)),
            },
        );
    }
    let done = c.take_completions();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].1.as_ref().unwrap(), &Bytes::from_static(b"1"));
}

#[test]
fn clock_estimate_comes_from_pongs() {
    let mut c = core("alice", 1);
    join(&mut c, &["alice"]);
    assert_eq!(c.server_time(0), 50_000, "welcome time at first");
    frames(&mut c);
    c.tick(5_000);
    let ping = frames(&mut c)
        .into_iter()
        .find_map(|m| match m {
            ClientMessage::Ping { client_time } => Some(client_time),
            _ => None,
        })
        .expect("a ping after 5 s");
    c.handle(
        ping + 40,
        RelayMessage::Pong {
            client_time: ping,
            server_time: 1_000_020,
        },
    );
    assert_eq!(c.server_time(ping + 40), 1_000_040);
}

#[test]
fn roster_events_and_host() {
    let mut c = core("alice", 1);
    join(&mut c, &["bob", "alice"]);
    let ev = c.take_events();
    let joined = ev
        .iter()
        .filter(|e| matches!(e, Event::PlayerJoined(_)))
        .count();
    assert_eq!(joined, 2);
    assert!(!c.is_host());
    c.handle(0, RelayMessage::PlayerLeft { player: pid("bob") });
    c.handle(
        0,
        RelayMessage::HostChanged {
            host: Some(pid("alice")),
        },
    );
    assert!(c.is_host());
    assert_eq!(c.players().len(), 1);
    assert!(c.players()[0].is_me && c.players()[0].is_host);
    let ev = c.take_events();
    assert!(matches!(ev[0], Event::PlayerLeft(_)));
    assert!(matches!(ev[1], Event::HostChanged(Some(_))));
    // A rejoin after a drop reports only the difference.
    c.disconnected(0);
    c.connected(1);
    c.handle(1, welcome(&["alice", "carol"], false));
    let ev = c.take_events();
    let names: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Event::PlayerJoined(p) => Some(p.id.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec!["carol"]);
}

#[test]
fn garbage_frames_are_ignored() {
    let mut c = core("alice", 1);
    join(&mut c, &["alice"]);
    c.handle_frames(0, &[vec![0xff, 0xff, 0x01]]);
    c.handle(
        0,
        RelayMessage::Changes {
            entries: vec![LogEntry {
                seq: Seq(1),
                sender: pid("bob"),
                change: Bytes::from_static(b"not a change"),
            }],
        },
    );
    assert_eq!(c.status, Status::Connected);
}

#[test]
fn profile_is_written_after_catch_up_only_if_it_differs() {
    let mut c = core("alice", 1);
    join(&mut c, &["alice"]);
    assert_eq!(
        c.profile(&pid("alice")).unwrap().name,
        "alice",
        "from the roster"
    );
    assert!(crate::doc_layout::profile_map(&c.doc, &pid("alice")).is_none());
    c.handle(0, RelayMessage::Synced { head: Seq(0) });
    assert!(crate::doc_layout::profile_map(&c.doc, &pid("alice")).is_some());
    let heads = c.doc.get_heads();
    c.disconnected(0);
    c.connected(10_000);
    c.handle(10_000, welcome(&["alice"], false));
    c.handle(10_000, RelayMessage::Synced { head: Seq(0) });
    assert_eq!(
        c.doc.get_heads(),
        heads,
        "an unchanged profile is not rewritten"
    );
}

#[test]
fn a_default_profile_yields_to_the_stored_one_and_fills_in_for_a_new_player() {
    // First session: a chosen profile is written.
    let mut first = core("alice", 1);
    first.cfg.profile.name = "Ada".into();
    join(&mut first, &["alice"]);
    first.handle(0, RelayMessage::Synced { head: Seq(0) });
    assert_eq!(first.profile_in_doc(&pid("alice")).unwrap().name, "Ada");
    // A reload: same player, same document, only a random default profile.
    let mut again = core("alice", 2);
    again.doc = first.doc.clone();
    again.cfg.profile.name = "Player 42".into();
    again.cfg.profile_is_default = true;
    join(&mut again, &["alice"]);
    again.handle(0, RelayMessage::Synced { head: Seq(0) });
    assert_eq!(
        again.profile(&pid("alice")).unwrap().name,
        "Ada",
        "the stored profile wins"
    );
    // A new player with a default profile gets it written.
    let mut fresh = core("bob", 3);
    fresh.cfg.profile.name = "Player 7".into();
    fresh.cfg.profile_is_default = true;
    join(&mut fresh, &["bob"]);
    fresh.handle(0, RelayMessage::Synced { head: Seq(0) });
    assert_eq!(fresh.profile_in_doc(&pid("bob")).unwrap().name, "Player 7");
}

#[test]
fn timers_never_ask_for_a_wakeup_in_the_past() {
    let mut c = core("alice", 1);
    join(&mut c, &["alice"]);
    c.call(0, RpcTarget::Host, "f", Bytes::new(), Some(100_000))
        .unwrap();
    // A publish in flight with more changes waiting behind it.
    c.set_state(0, ROOM, "a", json!(1), Reliability::Reliable)
        .unwrap();
    c.commit_writes(0);
    for now in [0, 1, 7_000, 12_345] {
        c.set_state(now, ROOM, "b", json!(now), Reliability::Reliable)
            .unwrap();
        c.commit_writes(0);
        c.tick(now);
        let at = c.next_wakeup().expect("ping and rpc timers");
        assert!(at > now, "wakeup {at} is not after {now}");
    }
    c.disconnected(20_000);
    assert!(c.next_wakeup().expect("reconnect timer") >= 20_000);
}

#[test]
fn a_silent_connection_is_dropped_after_the_heartbeat_timeout() {
    use crate::core::link_state::HEARTBEAT_TIMEOUT_MS;
    // Frames keep a connection alive however long it lasts.
    let mut c = core("alice", 1);
    join(&mut c, &["alice"]);
    let pong = RelayMessage::Pong {
        client_time: 0,
        server_time: 1,
    }
    .encode();
    for now in (0..=3 * HEARTBEAT_TIMEOUT_MS).step_by(1_000) {
        c.handle_frames(now, std::slice::from_ref(&pong));
        c.tick(now);
    }
    assert!(!c.link_is_dead());
    assert!(c.is_up());
    // Pings go out, nothing comes back: the link goes down at the deadline.
    let mut c = core("alice", 1);
    join(&mut c, &["alice"]);
    for now in (0..=HEARTBEAT_TIMEOUT_MS).step_by(1_000) {
        c.tick(now);
    }
    assert!(c.is_up(), "not before the deadline");
    let at = c.next_wakeup().expect("the heartbeat deadline");
    assert!(at <= HEARTBEAT_TIMEOUT_MS + 1);
    c.tick(at);
    assert!(c.link_is_dead() && !c.is_up());
    assert_eq!(c.status, Status::Reconnecting);
    // The driver's report of the closed socket is absorbed, once.
    c.disconnected(at);
    assert!(!c.link_is_dead());
    assert!(c.next_wakeup().expect("reconnect timer") >= at);
}
