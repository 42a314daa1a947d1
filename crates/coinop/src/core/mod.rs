//! The sans-IO room state machine.
//!
//! [`RoomCore`] owns the automerge document, the roster, the outbox, the
//! cursor, the unreliable values and the pending RPCs. Inputs are
//! "connected", "frame received", "disconnected", local commands and `now`
//! (milliseconds, injected); outputs are frames to send, events, RPC
//! completions and the next instant it wants to be woken. It does no I/O and
//! knows no runtime, so it runs natively, in Wasm and in deterministic tests.

mod authors;
mod backoff;
mod clock;
mod config;
mod doc_clock;
mod incoming;
mod incoming_rpc;
mod link_state;
mod outbox;
mod outputs;
mod own_change;
mod pending_calls;
mod pending_load;
mod pending_requests;
mod read_cache;
mod reads;
mod received_changes;
mod replica_io;
mod replica_saves;
mod requests;
mod rollback;
mod room_core;
mod roster;
mod shadows;
mod sizes;
mod snapshot_load;
mod unapplied;
mod unreliable_queue;
mod unsendable;
mod write_buffer;
mod writes;

// The simulation runs the relay's core, a native-only dev-dependency.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod sim;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod sim_tests;
#[cfg(test)]
mod tests;

pub(crate) use config::CoreConfig;
pub(crate) use pending_load::LoadedSnapshot;
pub(crate) use room_core::RoomCore;
