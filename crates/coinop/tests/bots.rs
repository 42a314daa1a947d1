//! Bot seats against the real relay: a bot run by the host's client is a
//! player of its own, flagged as a bot in every roster, never the host, and
//! moves to a new host.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use coinop::{Error, ErrorCode, Event, Identity, Profile, Reliability, Room, RoomBuilder};
use common::{base_url, builder, eventually, join, relay};
use std::time::Duration;

fn bot_profile(name: &str) -> Profile {
    Profile {
        name: name.into(),
        color: "#808080".into(),
        avatar: String::new(),
    }
}

/// The relay's refusal of a join that must fail.
async fn refusal(b: RoomBuilder) -> Error {
    let (room, driver) = b.build().unwrap();
    tokio::spawn(driver);
    tokio::time::timeout(Duration::from_secs(10), room.ready())
        .await
        .expect("refused in time")
        .unwrap_err()
}

/// The refusal of bot seat `id` joined with `with`'s secret, naming `owner`.
async fn forged_bot(url: &str, id: &str, with: &Identity, owner: &coinop::PlayerId) -> Error {
    let identity = Identity {
        player: coinop::PlayerId::new(id).unwrap(),
        secret: with.secret.clone(),
    };
    refusal(common::builder_as(url, "owner", "x", identity).bot_of(owner.clone())).await
}

fn sees_bot(room: &Room, bot: &Room, name: &str) -> bool {
    room.player(&bot.me())
        .is_some_and(|p| p.is_bot && p.profile.name == name && !p.is_host)
}

#[tokio::test]
async fn the_host_runs_a_bot_seat_that_everyone_sees_as_a_bot() {
    let relay = relay().await;
    let url = base_url(&relay);
    let (host, _th) = join(builder(&url, "bots", "host")).await;
    let (guest, _tg) = join(builder(&url, "bots", "guest")).await;
    assert!(matches!(guest.add_bot(), Err(Error::NotHost)));

    let (bot, _tb) = join(host.add_bot().unwrap().profile(bot_profile("robo"))).await;
    bot.set_my_state("score", &7, Reliability::Reliable)
        .unwrap();
    eventually("the guest sees the bot, its profile and its state", || {
        sees_bot(&guest, &bot, "robo")
            && guest.get_player_state::<i32>(&bot.me(), "score") == Some(7)
    })
    .await;
    assert_eq!(host.bots(), vec![bot.me()]);
    assert!(!guest.player(&host.me()).unwrap().is_bot);

    // The host cannot be handed to a bot.
    let mut events = host.events();
    host.transfer_host(&bot.me()).unwrap();
    eventually("the relay refuses", || {
        events
            .drain()
            .iter()
            .any(|e| matches!(e, Event::Error(e) if e.code() == Some(ErrorCode::BOT_CANNOT_HOST)))
    })
    .await;
    assert!(host.is_host());
    relay.shutdown().await;
}

#[tokio::test]
async fn only_the_connected_host_may_run_a_bot_and_seats_keep_their_kind() {
    let relay = relay().await;
    let url = base_url(&relay);
    let host = Identity::generate().unwrap();
    let guest = Identity::generate().unwrap();
    let (h, _th) = join(common::builder_as(&url, "owner", "host", host.clone())).await;
    let (g, _tg) = join(common::builder_as(&url, "owner", "guest", guest.clone())).await;
    // A guest's client claiming a bot: the guest is not the host.
    let forged = forged_bot(&url, "bot-forged", &guest, &guest.player).await;
    assert_eq!(
        forged.code(),
        Some(ErrorCode::BOT_OWNER_NOT_HOST),
        "{forged:?}"
    );
    // A bot claiming the host with another player's secret.
    let wrong = forged_bot(&url, "bot-wrong", &guest, &host.player).await;
    assert_eq!(wrong.code(), Some(ErrorCode::WRONG_SECRET), "{wrong:?}");

    // A bot's seat takes no ordinary player, and a player's seat no bot.
    let (bot, _tb) = join(h.add_bot().unwrap()).await;
    let as_player = Identity {
        player: bot.me(),
        secret: host.secret.clone(),
    };
    let err = refusal(common::builder_as(&url, "owner", "x", as_player)).await;
    assert_eq!(err.code(), Some(ErrorCode::NOT_A_BOT_SEAT), "{err:?}");
    let err = refusal(h.bot_builder(g.me()).unwrap()).await;
    assert_eq!(err.code(), Some(ErrorCode::NOT_A_BOT_SEAT), "{err:?}");
    assert!(g.player(&g.me()).is_some_and(|p| !p.is_bot));
    relay.shutdown().await;
}

#[tokio::test]
async fn a_bot_moves_to_the_new_host_with_its_state() {
    let relay = relay().await;
    let url = base_url(&relay);
    let (a, _ta) = join(builder(&url, "move", "a")).await;
    let (b, _tb) = join(builder(&url, "move", "b")).await;
    let (old, old_task) = join(a.add_bot().unwrap().profile(bot_profile("robo"))).await;
    old.set_my_state("lives", &3, Reliability::Reliable)
        .unwrap();
    eventually("b sees the bot's state", || {
        b.get_player_state::<i32>(&old.me(), "lives") == Some(3)
    })
    .await;

    a.transfer_host(&b.me()).unwrap();
    eventually("b hosts", || b.is_host()).await;
    assert_eq!(b.bots(), vec![old.me()]);
    let (new, _tn) = join(b.bot_builder(old.me()).unwrap()).await;
    assert_eq!(new.me(), old.me());
    assert_eq!(new.get_player_state::<i32>(&new.me(), "lives"), Some(3));
    let end = tokio::time::timeout(Duration::from_secs(5), old_task)
        .await
        .expect("the old host's handle stops")
        .unwrap();
    assert_eq!(end.unwrap_err().code(), Some(ErrorCode::REPLACED));
    assert!(matches!(a.bot_builder(old.me()), Err(Error::NotHost)));
    assert!(sees_bot(&a, &new, "robo"));
    relay.shutdown().await;
}
