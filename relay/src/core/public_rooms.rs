//! The index of public rooms per game and the matchmaking decisions made
//! on it, without I/O: one owner (the relay's matchmaker task) feeds it
//! requests, seat reports and time, and gets back where to seat whom.
//!
//! A request is placed in the fullest public room of its game that has an
//! open seat, counting seats promised to players still on their way
//! (reservations), so concurrent requests never overfill a room. With no
//! open room it waits until its deadline, then gets a new room; requests
//! still waiting fill that room first.

use coinop_protocol::{PlayerId, RoomCode};
use std::collections::HashMap;

/// How long a seat promised to a matchmade player is held for its join,
/// in ms: its connection reports the join's failure, so this only covers
/// a connection that vanished mid-join.
pub const RESERVATION_MS: u64 = 30_000;

/// Where a waiting request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The request's number.
    pub request: u64,
    /// The room to join (created by that join when new).
    pub code: RoomCode,
    /// The room's player cap (for a new room, the one to create it with).
    pub max_players: u16,
}

/// A public room as listed for custom lobbies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRoom {
    /// The room's code.
    pub code: RoomCode,
    /// Seated players (stream screens and spectators not counted).
    pub players: usize,
    /// The room's player cap.
    pub max_players: u16,
}

#[derive(Debug)]
struct Room {
    code: RoomCode,
    max_players: u16,
    seated: Vec<PlayerId>,
    /// Promised seats: player and until when.
    reserved: Vec<(PlayerId, u64)>,
    /// Creation order: ties between equally full rooms go to the older.
    order: u64,
}

impl Room {
    fn occupancy(&self) -> usize {
        let on_the_way = self
            .reserved
            .iter()
            .filter(|(p, _)| !self.seated.contains(p))
            .count();
        self.seated.len() + on_the_way
    }

    fn is_open(&self) -> bool {
        self.occupancy() < usize::from(self.max_players)
    }
}

#[derive(Debug)]
struct Waiting {
    request: u64,
    game: String,
    player: PlayerId,
    max_players: u16,
    deadline: u64,
}

/// Public rooms by game, and the requests waiting for a seat.
#[derive(Debug, Default)]
pub struct PublicRooms {
    games: HashMap<String, Vec<Room>>,
    waiting: Vec<Waiting>,
    next_order: u64,
}

impl PublicRooms {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// A player asks for a seat in a public room of `game`; a new room
    /// gets `max_players` seats. Waits for an open room until `deadline`.
    /// `fresh` makes a code for a new room. Returns every placement this
    /// made (this request's, if placed now).
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        &mut self,
        request: u64,
        game: String,
        player: PlayerId,
        max_players: u16,
        deadline: u64,
        now: u64,
        fresh: &mut dyn FnMut() -> RoomCode,
    ) -> Vec<Placement> {
        self.waiting.push(Waiting {
            request,
            game,
            player,
            max_players: max_players.max(1),
            deadline,
        });
        self.serve(now, fresh)
    }

    /// A public room's seated players changed (its room reports every
    /// change); rooms nobody sits in or is promised leave the index.
    pub fn seats(
        &mut self,
        game: &str,
        code: &RoomCode,
        seated: Vec<PlayerId>,
        max_players: u16,
        now: u64,
        fresh: &mut dyn FnMut() -> RoomCode,
    ) -> Vec<Placement> {
        let rooms = self.games.entry(game.to_owned()).or_default();
        match rooms.iter_mut().find(|r| &r.code == code) {
            Some(room) => {
                room.reserved.retain(|(p, _)| !seated.contains(p));
                room.seated = seated;
                room.max_players = max_players;
            }
            None => {
                let order = self.next_order;
                self.next_order += 1;
                rooms.push(Room {
                    code: code.clone(),
                    max_players,
                    seated,
                    reserved: Vec::new(),
                    order,
                });
            }
        }
        self.prune(game);
        self.serve(now, fresh)
    }

    /// The join a seat was promised for failed: free the seat.
    pub fn release(
        &mut self,
        game: &str,
        code: &RoomCode,
        player: &PlayerId,
        now: u64,
        fresh: &mut dyn FnMut() -> RoomCode,
    ) -> Vec<Placement> {
        if let Some(room) = self
            .games
            .get_mut(game)
            .and_then(|rooms| rooms.iter_mut().find(|r| &r.code == code))
        {
            room.reserved.retain(|(p, _)| p != player);
        }
        self.prune(game);
        self.serve(now, fresh)
    }

    /// Time passed: waiting requests past their deadline get new rooms,
    /// stale promises are dropped.
    pub fn tick(&mut self, now: u64, fresh: &mut dyn FnMut() -> RoomCode) -> Vec<Placement> {
        let games: Vec<String> = self.games.keys().cloned().collect();
        for game in games {
            if let Some(rooms) = self.games.get_mut(&game) {
                for room in rooms.iter_mut() {
                    room.reserved.retain(|(_, until)| *until > now);
                }
            }
            self.prune(&game);
        }
        self.serve(now, fresh)
    }

    /// When [`PublicRooms::tick`] has work next.
    pub fn next_deadline(&self) -> Option<u64> {
        let waits = self.waiting.iter().map(|w| w.deadline);
        let promises = self
            .games
            .values()
            .flatten()
            .flat_map(|r| r.reserved.iter().map(|(_, until)| *until));
        waits.chain(promises).min()
    }

    /// The public rooms of `game` someone sits in, fullest first.
    pub fn list(&self, game: &str) -> Vec<PublicRoom> {
        let mut out: Vec<PublicRoom> = self
            .games
            .get(game)
            .into_iter()
            .flatten()
            .filter(|r| !r.seated.is_empty())
            .map(|r| PublicRoom {
                code: r.code.clone(),
                players: r.seated.len(),
                max_players: r.max_players,
            })
            .collect();
        out.sort_by(|a, b| b.players.cmp(&a.players).then(a.code.cmp(&b.code)));
        out
    }

    /// Requests waiting for a seat.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    fn prune(&mut self, game: &str) {
        if let Some(rooms) = self.games.get_mut(game) {
            rooms.retain(|r| !r.seated.is_empty() || !r.reserved.is_empty());
            if rooms.is_empty() {
                self.games.remove(game);
            }
        }
    }

    /// Places every waiting request it can, oldest first.
    fn serve(&mut self, now: u64, fresh: &mut dyn FnMut() -> RoomCode) -> Vec<Placement> {
        let mut placed = Vec::new();
        let mut still = Vec::new();
        for w in std::mem::take(&mut self.waiting) {
            let rooms = self.games.entry(w.game.clone()).or_default();
            let best = rooms.iter_mut().filter(|r| r.is_open()).max_by(|a, b| {
                a.occupancy()
                    .cmp(&b.occupancy())
                    .then(b.order.cmp(&a.order))
            });
            let room = match best {
                Some(room) => room,
                None if w.deadline <= now => {
                    let order = self.next_order;
                    self.next_order += 1;
                    rooms.push(Room {
                        code: fresh(),
                        max_players: w.max_players,
                        seated: Vec::new(),
                        reserved: Vec::new(),
                        order,
                    });
                    let Some(room) = rooms.last_mut() else {
                        unreachable!("just pushed")
                    };
                    room
                }
                None => {
                    still.push(w);
                    continue;
                }
            };
            room.reserved.push((w.player, now + RESERVATION_MS));
            placed.push(Placement {
                request: w.request,
                code: room.code.clone(),
                max_players: room.max_players,
            });
        }
        self.waiting = still;
        placed
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn codes() -> impl FnMut() -> RoomCode {
        let mut n = 0;
        move || {
            n += 1;
            RoomCode::new(format!("r{n}")).unwrap()
        }
    }

    fn pid(i: usize) -> PlayerId {
        PlayerId::new(format!("p{i}")).unwrap()
    }

    #[test]
    fn fifty_requests_fill_thirteen_rooms_fullest_first() {
        let mut index = PublicRooms::new();
        let mut fresh = codes();
        let mut rooms: HashMap<RoomCode, usize> = HashMap::new();
        for i in 0..50 {
            let placed = index.request(i, "g".into(), pid(i as usize), 4, 0, 0, &mut fresh);
            assert_eq!(placed.len(), 1);
            *rooms.entry(placed[0].code.clone()).or_default() += 1;
        }
        assert_eq!(rooms.len(), 13);
        assert!(rooms.values().all(|n| *n <= 4));
        // Other games never share a room.
        let other = index.request(99, "h".into(), pid(99), 4, 0, 0, &mut fresh);
        assert!(!rooms.contains_key(&other[0].code));
    }

    #[test]
    fn a_waiting_request_takes_a_seat_that_opens_and_else_a_new_room_at_its_deadline() {
        let mut index = PublicRooms::new();
        let mut fresh = codes();
        let code = RoomCode::new("full").unwrap();
        index.seats("g", &code, vec![pid(1), pid(2)], 2, 0, &mut fresh);
        assert!(
            index
                .request(7, "g".into(), pid(3), 2, 5_000, 0, &mut fresh)
                .is_empty()
        );
        assert_eq!(index.next_deadline(), Some(5_000));
        // Someone leaves: the waiting player gets the seat at once.
        let placed = index.seats("g", &code, vec![pid(1)], 2, 100, &mut fresh);
        assert_eq!(placed[0].code, code);
        // Another waits in vain: a new room at its deadline, which the next
        // request joins rather than waiting.
        assert!(
            index
                .request(8, "g".into(), pid(4), 3, 200, 100, &mut fresh)
                .is_empty()
        );
        let placed = index.tick(200, &mut fresh);
        assert_eq!(placed[0].code.as_str(), "r1");
        assert_eq!(placed[0].max_players, 3);
        let next = index.request(9, "g".into(), pid(5), 3, 9_999, 300, &mut fresh);
        assert_eq!(next[0].code.as_str(), "r1");
        // A failed join frees its seat; unused promises expire.
        index.release("g", &next[0].code, &pid(5), 300, &mut fresh);
        index.tick(200 + RESERVATION_MS, &mut fresh);
        assert!(index.list("g").iter().all(|r| r.code.as_str() != "r1"));
        assert_eq!(index.list("g")[0].players, 1);
    }
}
