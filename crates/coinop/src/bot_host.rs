//! A client's bot host: it runs the room's bot seats whenever this client
//! is host, and takes over the bots of the previous host by itself, as the
//! JS package's `enableBots` does.

use crate::builder::Driver;
use crate::error::Error;
use crate::event::Event;
use crate::room::Room;
use crate::shared::lock;
use crate::status::Status;
use coinop_protocol::{ErrorCode, PlayerId, Profile};
use futures_channel::mpsc;
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use futures_util::stream::FuturesUnordered;
use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::future::{Future, pending};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// What a bot does once it holds its seat, given the bot's own handle.
type Play = Arc<dyn Fn(Room) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// One running bot; it resolves with the seat and how its connection ended.
type BotTask = Pin<Box<dyn Future<Output = (PlayerId, Result<(), Error>)> + Send>>;

/// The bots this client runs, by seat.
type Running = Arc<Mutex<BTreeMap<PlayerId, Room>>>;

/// The future that runs a [`BotHost`]'s bots (their connections and their
/// play): spawn it next to the room's [`Driver`]. It ends when the room
/// stops (left, or refused for good); the bots it runs then leave too.
pub type BotDriver = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs the room's bots on this client while it is host: the ones it adds
/// ([`BotHost::add`]) and, when this client becomes host, every bot seat
/// the previous host ran (with the same seat, state and profile; nobody
/// sees the bot leave). A client that stops being host stops running its
/// bots: the new host's join replaces their connections. Made by
/// [`Room::bot_host`]; cheap to clone.
#[derive(Clone)]
pub struct BotHost {
    room: Room,
    start: mpsc::UnboundedSender<(Room, Driver)>,
    running: Running,
}

impl std::fmt::Debug for BotHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotHost")
            .field("running", &self.running())
            .finish_non_exhaustive()
    }
}

impl BotHost {
    /// A bot host for `room` whose bots run `play` once seated.
    pub(crate) fn new<F, Fut>(room: Room, play: F) -> (BotHost, BotDriver)
    where
        F: Fn(Room) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let play: Play = Arc::new(move |bot| Box::pin(play(bot)));
        let (start, started) = mpsc::unbounded();
        let running = Running::default();
        let host = BotHost {
            room: room.clone(),
            start,
            running: running.clone(),
        };
        (host, Box::pin(run(room, play, started, running)))
    }

    /// Host only ([`Error::NotHost`]): seats a new bot with `profile`, runs
    /// it (its `play` starts once seated) and resolves with its handle once
    /// it holds its seat. A full room refuses it (`ROOM_FULL`): a bot takes
    /// a seat. Needs the [`BotDriver`] running.
    pub async fn add(&self, profile: Profile) -> Result<Room, Error> {
        let (bot, driver) = self.room.add_bot()?.profile(profile).build()?;
        lock(&self.running).insert(bot.me(), bot.clone());
        if self.start.unbounded_send((bot.clone(), driver)).is_err() {
            lock(&self.running).remove(&bot.me());
            return Err(Error::Closed);
        }
        bot.ready().await?;
        Ok(bot)
    }

    /// The bot seats this client runs now.
    pub fn running(&self) -> Vec<PlayerId> {
        lock(&self.running).keys().cloned().collect()
    }

    /// The handle of bot seat `id`, when this client runs it.
    pub fn bot(&self, id: &PlayerId) -> Option<Room> {
        lock(&self.running).get(id).cloned()
    }
}

/// Runs one bot: its connection, and its play once seated. Resolves when
/// the connection ends (left, kicked, or replaced by a new host's join).
async fn run_bot(bot: Room, driver: Driver, play: Play) -> (PlayerId, Result<(), Error>) {
    let id = bot.me();
    let playing = async {
        if bot.ready().await.is_ok() {
            play(bot.clone()).await;
        }
        // Done playing: the bot keeps its seat until its connection ends.
        pending::<Infallible>().await
    };
    let result = match select(driver, Box::pin(playing)).await {
        Either::Left((result, _)) => result,
        Either::Right((never, _)) => match never {},
    };
    (id, result)
}

async fn run(
    room: Room,
    play: Play,
    started: mpsc::UnboundedReceiver<(Room, Driver)>,
    running: Running,
) {
    let mut events = room.events().fuse();
    let mut started = started.fuse();
    let mut bots: FuturesUnordered<BotTask> = FuturesUnordered::new();
    // Bot seats whose takeover the relay refused (a program that is its own
    // bot): not retried until the host changes again.
    let mut refused = BTreeSet::new();
    if room.status() != Status::Offline {
        adopt(&room, &play, &running, &refused, &mut bots);
        loop {
            futures_util::select! {
                event = events.next() => match event {
                    Some(Event::HostChanged(_)) => {
                        refused.clear();
                        adopt(&room, &play, &running, &refused, &mut bots);
                    }
                    Some(Event::Synced) => adopt(&room, &play, &running, &refused, &mut bots),
                    Some(Event::StatusChanged(Status::Offline)) | None => break,
                    Some(_) => {}
                },
                start = started.next() => {
                    if let Some((bot, driver)) = start {
                        bots.push(Box::pin(run_bot(bot, driver, play.clone())));
                    }
                }
                (id, result) = bots.select_next_some() => {
                    lock(&running).remove(&id);
                    let code = result.err().and_then(|e| e.code());
                    if matches!(code, Some(ErrorCode::WRONG_SECRET | ErrorCode::NOT_A_BOT_SEAT)) {
                        refused.insert(id);
                    }
                }
            }
        }
    }
    // The room stopped: its bots leave with it, as the JS package's do.
    let bots_left: Vec<Room> = std::mem::take(&mut *lock(&running)).into_values().collect();
    for bot in &bots_left {
        bot.leave();
    }
    while bots.next().await.is_some() {}
}

/// Runs every bot seat of the room that this client, if host, does not run yet.
fn adopt(
    room: &Room,
    play: &Play,
    running: &Running,
    refused: &BTreeSet<PlayerId>,
    bots: &mut FuturesUnordered<BotTask>,
) {
    if !room.is_host() {
        return;
    }
    for id in room.bots() {
        if refused.contains(&id) || lock(running).contains_key(&id) {
            continue;
        }
        match room.bot_builder(id.clone()).and_then(|b| b.build()) {
            Ok((bot, driver)) => {
                lock(running).insert(id, bot.clone());
                bots.push(Box::pin(run_bot(bot, driver, play.clone())));
            }
            Err(e) => tracing::warn!("could not take over bot {id}: {e}"),
        }
    }
}
