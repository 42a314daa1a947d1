//! The bot host against the real relay: bots run by the host's client are
//! taken over by the next host's client by itself, with their seat, state
//! and profile, whether the host hands the role over or goes away.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use coinop::{BotHost, Event, PlayerId, Profile, Reliability, Room, RoomBuilder};
use common::{base_url, builder, eventually, join};
use std::time::Duration;
use tokio::task::JoinHandle;

/// A client with its bot host running: each bot it runs writes who runs it.
struct Client {
    room: Room,
    bots: BotHost,
    tasks: [JoinHandle<()>; 2],
}

async fn client(b: RoomBuilder, name: &'static str) -> Client {
    let (room, driver) = join(b).await;
    let (bots, bot_driver) = room.bot_host(move |bot: Room| async move {
        bot.set_my_state("runner", name, Reliability::Reliable)
            .unwrap();
    });
    let driver = tokio::spawn(async move {
        let _ = driver.await;
    });
    Client {
        room,
        bots,
        tasks: [driver, tokio::spawn(bot_driver)],
    }
}

fn robo() -> Profile {
    Profile {
        name: "robo".into(),
        color: "#808080".into(),
        avatar: String::new(),
    }
}

/// Whether `room` saw `who` leave among `events` so far.
fn saw_leave(events: &mut coinop::Events, who: &PlayerId) -> bool {
    events
        .drain()
        .iter()
        .any(|e| matches!(e, Event::PlayerLeft(p) if p == who))
}

fn runner(room: &Room, bot: &PlayerId) -> Option<String> {
    room.get_player_state(bot, "runner")
}

/// A relay and two clients "a" (the host) and "b" in `room`, each with a bot host.
async fn two_clients(room: &str) -> (coinop_relay::Relay, Client, Client) {
    let relay = common::relay().await;
    let url = base_url(&relay);
    let a = client(builder(&url, room, "a"), "a").await;
    let b = client(builder(&url, room, "b"), "b").await;
    (relay, a, b)
}

#[tokio::test]
async fn a_new_host_takes_the_bots_over_by_itself() {
    let (relay, a, b) = two_clients("handover").await;
    assert!(b.bots.add(robo()).await.is_err(), "only the host adds bots");

    let bot = a.bots.add(robo()).await.unwrap();
    let id = bot.me();
    bot.set_my_state("lives", &3, Reliability::Reliable)
        .unwrap();
    eventually("b sees the bot run by a", || {
        runner(&b.room, &id).as_deref() == Some("a")
            && b.room.get_player_state::<i32>(&id, "lives") == Some(3)
    })
    .await;
    assert_eq!(a.bots.running(), vec![id.clone()]);
    let mut seen = b.room.events();

    a.room.transfer_host(&b.room.me()).unwrap();
    eventually("b's client runs the bot", || {
        b.bots.running() == vec![id.clone()] && runner(&b.room, &id).as_deref() == Some("b")
    })
    .await;
    eventually("a's client no longer runs it", || {
        a.bots.running().is_empty()
    })
    .await;
    let moved = b.bots.bot(&id).unwrap();
    assert_eq!(moved.get_player_state::<i32>(&id, "lives"), Some(3));
    assert_eq!(moved.profile(&id).unwrap().name, "robo");
    assert!(!saw_leave(&mut seen, &id), "nobody sees the bot leave");
    assert!(a.room.player(&id).unwrap().is_bot);
    relay.shutdown().await;
}

#[tokio::test]
async fn when_the_host_goes_away_the_next_host_runs_its_bots() {
    let relay = common::relay().await;
    let url = base_url(&relay);
    let grace = Duration::from_millis(800);
    let a = client(builder(&url, "gone", "a").grace_period(grace), "a").await;
    let b = client(builder(&url, "gone", "b"), "b").await;
    let id = a.bots.add(robo()).await.unwrap().me();
    eventually("b sees the bot", || {
        runner(&b.room, &id).as_deref() == Some("a")
    })
    .await;
    let mut seen = b.room.events();

    // The host's process ends: its connections drop, no leave is sent.
    let a_id = a.room.me();
    for task in &a.tasks {
        task.abort();
    }
    drop(a);
    eventually("a's seat expires and b is host", || b.room.is_host()).await;
    assert!(saw_leave(&mut seen, &a_id));
    eventually("b's client runs the bot", || {
        b.bots.running() == vec![id.clone()] && runner(&b.room, &id).as_deref() == Some("b")
    })
    .await;
    // Longer than a grace period after the host changed: the seat is b's bot's.
    tokio::time::sleep(grace * 2).await;
    assert!(b.room.player(&id).is_some_and(|p| p.is_bot));
    assert!(!saw_leave(&mut seen, &id), "nobody saw the bot leave");
    relay.shutdown().await;
}

#[tokio::test]
async fn a_host_that_leaves_takes_its_bots_along() {
    let (relay, a, b) = two_clients("leave").await;
    let id = a.bots.add(robo()).await.unwrap().me();
    eventually("b sees the bot", || b.room.player(&id).is_some()).await;
    a.room.leave();
    eventually("the bot leaves with its host", || {
        b.room.player(&id).is_none()
    })
    .await;
    tokio::time::timeout(Duration::from_secs(5), async {
        for task in a.tasks {
            task.await.unwrap();
        }
    })
    .await
    .expect("a's drivers end");
    assert!(b.bots.running().is_empty());
    relay.shutdown().await;
}
