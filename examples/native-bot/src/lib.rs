//! A bot player written in Rust that joins the same rooms as browser (JS)
//! players: proof that one room serves both.
//!
//! The bot takes a bot seat of its own ([`RoomBuilder::bot_of`] itself):
//! every client's roster flags it as a bot (`isBot()` in JS,
//! `Player::is_bot` in Rust) and it is never elected host. It has the
//! profile name `bot`, also marks itself with the player state
//! `isBot = true` (for clients older than bot seats), answers the RPC `bot.ping`,
//! and whenever the room state key `question` changes it writes its
//! `answer` into its own player state (reliable, so it is stored).
//!
//! ```no_run
//! # async fn demo() -> Result<(), coinop::Error> {
//! let stop = tokio::signal::ctrl_c();
//! let report = native_bot::run("ws://127.0.0.1:8787", "DEMO", async { let _ = stop.await; }).await?;
//! println!("answered {} questions", report.answers);
//! # Ok(()) }
//! ```

use coinop::{
    Event, Identity, MemoryIdentityStore, Profile, Reliability, RoomBuilder, StateTarget,
};
use futures_util::StreamExt;
use std::future::Future;

/// What the bot did before it stopped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// The bot's player id.
    pub player: String,
    /// Questions answered.
    pub answers: usize,
}

/// The bot's answer to a question: a deterministic, checkable reply.
pub fn answer(question: &serde_json::Value) -> String {
    match question.as_str() {
        Some(q) => format!("bot heard {:?} ({} chars)", q, q.chars().count()),
        None => format!("bot heard {question}"),
    }
}

/// Joins `room` on the relay at `relay_url` and plays until `stop`
/// resolves, then leaves.
pub async fn run(
    relay_url: &str,
    room: &str,
    stop: impl Future<Output = ()>,
) -> Result<Report, coinop::Error> {
    // A fresh player per run: a bot keeps no identity between runs.
    let identity = Identity::generate()?;
    let (room, driver) = RoomBuilder::new(relay_url)
        .room(room)
        .profile(Profile {
            name: "bot".into(),
            color: "#808080".into(),
            avatar: String::new(),
        })
        .bot_of(identity.player.clone())
        .identity_store(MemoryIdentityStore::with(identity))
        .build()?;
    let driver = tokio::spawn(driver);
    let mut events = room.events();
    room.ready().await?;
    room.register_rpc("bot.ping", |_: serde_json::Value, caller| {
        Ok(format!("pong to {caller}"))
    });
    room.set_my_state("isBot", &true, Reliability::Reliable)?;
    let mut report = Report {
        player: room.me().to_string(),
        answers: 0,
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            event = events.next() => match event {
                Some(Event::StateChanged { target: StateTarget::Room, key, value: Some(q), .. }) if key == "question" => {
                    room.set_my_state("answer", &answer(&q), Reliability::Reliable)?;
                    report.answers += 1;
                }
                Some(Event::Error(e)) if e.is_fatal() => return Err(e),
                Some(_) => {}
                None => break,
            },
        }
    }
    room.leave();
    let _ = driver.await;
    Ok(report)
}
