//! Random input sequences: the core never panics, every frame decodes,
//! persists are consecutive and forwards reach each receiver in seq order.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::core::*;
use coinop_protocol::*;
use proptest::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone)]
enum Op {
    Join(u8),
    Publish(u8, Vec<u8>),
    Garbage(u8),
    Disconnect(u8),
    Tick(u16),
    PersistOk,
    PersistFail,
    CompactOk,
    CompactFail,
    Unreliable(u8, u8),
    Rpc(u8, u8),
    Transfer(u8, u8),
    Kick(u8, u8),
    Unban(u8, u8),
    Leave(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..5u8).prop_map(Op::Join),
        (0..8u8, prop::collection::vec(0..12u8, 0..4)).prop_map(|(c, v)| Op::Publish(c, v)),
        (0..8u8).prop_map(Op::Garbage),
        (0..8u8).prop_map(Op::Disconnect),
        (0..3000u16).prop_map(Op::Tick),
        Just(Op::PersistOk),
        Just(Op::PersistOk),
        Just(Op::PersistFail),
        Just(Op::CompactOk),
        Just(Op::CompactFail),
        (0..8u8, 0..4u8).prop_map(|(c, k)| Op::Unreliable(c, k)),
        (0..8u8, 0..6u8).prop_map(|(c, t)| Op::Rpc(c, t)),
        (0..8u8, 0..5u8).prop_map(|(c, p)| Op::Transfer(c, p)),
        (0..8u8, 0..5u8).prop_map(|(c, p)| Op::Kick(c, p)),
        (0..8u8, 0..5u8).prop_map(|(c, p)| Op::Unban(c, p)),
        (0..8u8).prop_map(Op::Leave),
    ]
}

/// Three documents' worth of changes, so publishes repeat and interleave.
fn change_pool() -> Vec<Bytes> {
    let mut pool = Vec::new();
    for d in 0..3 {
        let mut doc = Doc::new();
        for i in 0..4 {
            pool.push(doc.change(&format!("d{d}"), i));
        }
    }
    pool
}

struct Harness {
    room: RoomState,
    now: u64,
    next_conn: u64,
    /// Live connections (joined, not closed), by slot.
    live: Vec<ConnId>,
    persisting: Option<Seq>,
    compacting: Option<(Seq, Bytes)>,
    last_forward: HashMap<ConnId, Seq>,
    head: Seq,
}

impl Harness {
    fn conn(&self, slot: u8) -> Option<ConnId> {
        (!self.live.is_empty()).then(|| self.live[usize::from(slot) % self.live.len()])
    }

    fn input(&mut self, input: Input) {
        let effects = self.room.handle(input, self.now);
        for e in effects {
            match e {
                Effect::Send { conn, frame, .. } => {
                    let msg = RelayMessage::decode(&frame).expect("frames decode");
                    if let RelayMessage::Changes { entries } = msg {
                        for entry in entries {
                            let last = self.last_forward.entry(conn).or_default();
                            assert!(
                                entry.seq > *last,
                                "{conn} got seq {:?} after {last:?}",
                                entry.seq
                            );
                            *last = entry.seq;
                        }
                    }
                }
                Effect::Close { conn, .. } => self.live.retain(|c| *c != conn),
                Effect::Persist { entries } => {
                    assert!(self.persisting.is_none(), "two persists outstanding");
                    for (i, entry) in entries.iter().enumerate() {
                        assert_eq!(entry.seq.0, self.head.0 + 1 + i as u64, "consecutive seqs");
                    }
                    self.persisting = entries.last().map(|e| e.seq);
                }
                Effect::Compact { base, entries, .. } => {
                    let mut doc = match base {
                        Some(s) => automerge::Automerge::load(&s.doc).unwrap(),
                        None => automerge::Automerge::new(),
                    };
                    for e in &entries {
                        doc.load_incremental(&e.change).unwrap();
                    }
                    let upto = entries.last().unwrap().seq;
                    self.compacting = Some((upto, Bytes::from(doc.save())));
                }
                Effect::IndexPlayer { .. } | Effect::SetBanned { .. } | Effect::DeleteRoom => {}
                Effect::SendStored { .. } => panic!("the whole log is cached here"),
            }
        }
    }

    fn message(&mut self, slot: u8, msg: ClientMessage) {
        if let Some(conn) = self.conn(slot) {
            self.input(Input::Message { conn, msg });
        }
    }
}

const PLAYERS: [&str; 5] = ["p0", "p1", "p2", "p3", "p4"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_inputs_keep_the_invariants(ops in prop::collection::vec(op(), 1..80)) {
        let pool = change_pool();
        let mut h = Harness {
            room: RoomState::new(RoomMeta { owner: Some(pid(PLAYERS[0])), ..meta(3, 1_000) }, RoomLimits { compact_entries: 3, cached_log_bytes: u64::MAX, ..RoomLimits::default() }),
            now: T0,
            next_conn: 1,
            live: Vec::new(),
            persisting: None,
            compacting: None,
            last_forward: HashMap::new(),
            head: Seq(0),
        };
        for op in ops {
            match op {
                Op::Join(p) => {
                    let conn = ConnId(h.next_conn);
                    h.next_conn += 1;
                    h.live.push(conn);
                    // A new connection starts its forward order afresh.
                    h.input(Input::Join { conn, join: join(PLAYERS[usize::from(p)], None) });
                }
                Op::Publish(c, picks) => {
                    let changes = picks.iter().map(|i| pool[usize::from(*i)].clone()).collect();
                    h.message(c, publish(u64::from(c), changes));
                }
                Op::Garbage(c) => h.message(c, publish(9, vec![Bytes::from_static(b"\x85o")])),
                Op::Disconnect(c) => {
                    if let Some(conn) = h.conn(c) {
                        h.live.retain(|x| *x != conn);
                        h.input(Input::Disconnected { conn });
                    }
                }
                Op::Tick(ms) => {
                    h.now += u64::from(ms);
                    h.input(Input::Tick);
                }
                Op::PersistOk => {
                    if let Some(upto) = h.persisting.take() {
                        h.head = upto;
                        h.input(Input::Persisted { upto });
                        prop_assert_eq!(h.room.head(), upto);
                    }
                }
                Op::PersistFail => {
                    if h.persisting.take().is_some() {
                        h.input(Input::PersistFailed);
                    }
                }
                Op::CompactOk => {
                    if let Some((upto, doc)) = h.compacting.take() {
                        h.input(Input::Compacted(Snapshot {
                            upto,
                            doc,
                            clock: None,
                            view: None,
                        }));
                    }
                }
                Op::CompactFail => {
                    if h.compacting.take().is_some() {
                        h.input(Input::CompactionFailed);
                    }
                }
                Op::Unreliable(c, k) => h.message(c, ClientMessage::Unreliable {
                    target: if k % 2 == 0 { StateTarget::Room } else { StateTarget::Player(pid(PLAYERS[usize::from(k)])) },
                    key: format!("k{k}"),
                    value: Bytes::from_static(b"v"),
                }),
                Op::Rpc(c, t) => {
                    let target = match t {
                        0 => RpcTarget::Host,
                        1 => RpcTarget::All,
                        2 => RpcTarget::Others,
                        n => RpcTarget::Player(pid(PLAYERS[usize::from(n) % PLAYERS.len()])),
                    };
                    h.message(c, ClientMessage::Rpc { call: CallId(1), target, name: "f".into(), payload: Bytes::new(), want_reply: true });
                }
                Op::Transfer(c, p) => h.message(c, ClientMessage::TransferHost { to: pid(PLAYERS[usize::from(p)]) }),
                Op::Kick(c, p) => h.message(c, ClientMessage::Kick { player: pid(PLAYERS[usize::from(p)]) }),
                Op::Unban(c, p) => h.message(c, ClientMessage::Unban { player: pid(PLAYERS[usize::from(p)]) }),
                Op::Leave(c) => h.message(c, ClientMessage::Leave),
            }
            // Nobody banned is seated, and the owner is never banned.
            let players = h.room.players();
            prop_assert!(players.iter().all(|p| h.room.banned().all(|b| b != &p.id)));
            prop_assert!(h.room.banned().all(|b| b.as_str() != PLAYERS[0]));
            // The host is always seated, and there is one whenever anyone is.
            let players = h.room.players();
            prop_assert_eq!(h.room.host().is_some(), !players.is_empty());
            if let Some(host) = h.room.host() {
                prop_assert!(players.iter().any(|p| &p.id == host));
            }
            prop_assert!(players.len() <= 3);
        }
    }
}
