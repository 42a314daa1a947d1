//! The protocol version, in a file of its own so that the messages that
//! carry it do not import the crate root that re-exports them.

/// The protocol version this crate speaks. Sent in
/// [`Join::version`](crate::Join::version).
///
/// * 1: the first release.
/// * 2: clients tag their actors and write deterministic changes under
///   content-addressed actors ([`actor`](crate::actor)). The room
///   document's containers are made by other changes than in version 1, so
///   the two must not share a room.
/// * 3: [`RelayMessage::Snapshot`](crate::RelayMessage::Snapshot) may carry
///   a history-free view of the room's latest state.
/// * 4: joins carry room rules, "only if it exists", a bot owner, a game,
///   matchmaking and a role; the welcome carries the relay's limits; roster
///   entries say bot and role; relay messages longer than a frame come in
///   [`RelayMessage::Part`](crate::RelayMessage::Part)s; new messages for
///   bans, deletion, persistent data and matchmaking.
pub const PROTOCOL_VERSION: u16 = 4;
