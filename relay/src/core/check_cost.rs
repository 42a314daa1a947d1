//! What checking the write rules costs per change, beside what parsing
//! and applying the same change cost: `relay/examples/write_rules_cost.rs`
//! prints it (run it with `--release`).

use super::change_ops::ops_of;
use super::layout_index::LayoutIndex;
use super::write_rules::{Writer, check};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ROOT, ReadDoc};
use coinop_layout::{player_skeleton, skeleton};
use coinop_protocol::actor::{player_tag, session_actor};
use coinop_protocol::{PlayerId, RoomRules};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Mean time per change of each step, over the changes measured.
#[derive(Debug, Clone, Copy)]
pub struct CheckCost {
    /// Changes measured.
    pub changes: usize,
    /// Parsing the change (`Change::from_bytes`, which the relay did before).
    pub parse: Duration,
    /// Expanding its operations and checking them: the new work.
    pub check: Duration,
    /// Applying it to a document of the room (what every client does, and
    /// what compaction does again), one change at a time.
    pub apply: Duration,
}

/// Measures `changes` changes like a game's: a player setting `keys_per_change`
/// keys of its own state (and one room key), each change its own publish.
pub fn measure(changes: usize, keys_per_change: usize) -> CheckCost {
    let me = PlayerId::new("alice").unwrap_or_else(|_| unreachable!("a valid id"));
    let layout = [skeleton(), player_skeleton(&me)];
    let mut doc = AutoCommit::new().with_actor(ActorId::from(session_actor(&me, [1; 16])));
    for change in layout.into_iter().flatten() {
        let _ = doc.apply_changes([change]);
    }
    let state = doc.get(ROOT, "players").ok().flatten().map(|(_, p)| p);
    let my_state = state
        .and_then(|p| doc.get(&p, "alice").ok().flatten())
        .and_then(|(_, me)| doc.get(&me, "state").ok().flatten())
        .map(|(_, s)| s);
    let room_state = doc.get(ROOT, "state").ok().flatten().map(|(_, s)| s);
    let (Some(my_state), Some(room_state)) = (my_state, room_state) else {
        unreachable!("the skeletons make both maps");
    };
    let bytes: Vec<Vec<u8>> = (0..changes)
        .map(|i| {
            for k in 0..keys_per_change {
                let _ = doc.put(&my_state, format!("k{k}"), i as i64);
            }
            let _ = doc.put(&room_state, "turn", i as i64);
            doc.commit();
            doc.get_last_local_change()
                .map(|c| c.raw_bytes().to_vec())
                .unwrap_or_default()
        })
        .collect();
    let index = LayoutIndex::default();
    let rules = RoomRules::default();
    let writer = Writer {
        tag: player_tag(&me),
        is_host: false,
    };
    let mut index_with_me = index;
    if let Some(c) = player_skeleton(&me).ok().as_ref().and_then(ops_of) {
        let made = index_with_me.made_by(&c, &HashMap::new());
        index_with_me.accept(made);
    }

    let started = Instant::now();
    let parsed: Vec<automerge::Change> = bytes
        .iter()
        .filter_map(|b| automerge::Change::from_bytes(b.clone()).ok())
        .collect();
    let parse = started.elapsed();

    let started = Instant::now();
    let staged = HashMap::new();
    let mut refused = 0;
    for change in &parsed {
        let ok = ops_of(change).is_some_and(|ops| {
            check(change, &ops, &index_with_me, &staged, &rules, writer).is_ok()
        });
        refused += usize::from(!ok);
    }
    let check_time = started.elapsed();
    assert_eq!(refused, 0, "an honest change was refused");

    let mut receiver = automerge::Automerge::new();
    for change in [skeleton(), player_skeleton(&me)].into_iter().flatten() {
        let _ = receiver.apply_changes([change]);
    }
    let started = Instant::now();
    for change in parsed {
        let _ = receiver.apply_changes([change]);
    }
    let apply = started.elapsed();
    let n = u32::try_from(changes.max(1)).unwrap_or(u32::MAX);
    CheckCost {
        changes,
        parse: parse / n,
        check: check_time / n,
        apply: apply / n,
    }
}
