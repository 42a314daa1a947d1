//! The room lifecycle from the SDK, against the real relay: kicks that
//! last until the host unbans, joining only a room that exists, and the
//! owner deleting the room.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use coinop::{ErrorCode, Event, Identity};
use common::{base_url, builder, builder_as, eventually, join, relay};
use std::time::Duration;
use tokio::task::JoinHandle;

/// The error code the driver `task` ends with.
async fn end_code(task: JoinHandle<Result<(), coinop::Error>>) -> Option<ErrorCode> {
    let end = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the driver stops in time")
        .unwrap();
    end.unwrap_err().code()
}

/// Builds, spawns, and returns how the driver ends (a refused join).
async fn refused(b: coinop::RoomBuilder) -> Option<ErrorCode> {
    let (_room, driver) = b.build().unwrap();
    end_code(tokio::spawn(driver)).await
}

#[tokio::test]
async fn a_kicked_player_is_refused_until_the_host_unbans_them() {
    let relay = relay().await;
    let url = base_url(&relay);
    let (a, _ta) = join(builder(&url, "bans", "a")).await;
    let id = Identity::generate().unwrap();
    let (b, tb) = join(builder_as(&url, "bans", "b", id.clone())).await;
    a.kick(&b.me()).unwrap();
    assert_eq!(end_code(tb).await, Some(ErrorCode::KICKED));
    let again = builder_as(&url, "bans", "b", id.clone());
    assert_eq!(refused(again).await, Some(ErrorCode::KICKED));
    // Only the host may unban.
    let (c, _tc) = join(builder(&url, "bans", "c")).await;
    assert!(matches!(c.unban(&b.me()), Err(coinop::Error::NotHost)));
    a.unban(&b.me()).unwrap();
    // The unban travels on a's connection: b may be quicker, once or twice.
    let mut back = None;
    for _ in 0..50 {
        let (b, driver) = builder_as(&url, "bans", "b", id.clone()).build().unwrap();
        let task = tokio::spawn(driver);
        tokio::select! {
            ready = b.ready() => {
                ready.unwrap();
                back = Some(b);
                break;
            }
            end = task => assert_eq!(end.unwrap().unwrap_err().code(), Some(ErrorCode::KICKED)),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(back.is_some(), "b never got back in");
    eventually("a sees b back", || a.players().len() == 3).await;
    relay.shutdown().await;
}

#[tokio::test]
async fn only_existing_joins_refuse_unknown_codes() {
    let relay = relay().await;
    let url = base_url(&relay);
    let probe = builder(&url, "NOPE", "p").only_existing(true);
    assert_eq!(refused(probe).await, Some(ErrorCode::ROOM_NOT_FOUND));
    let (_a, _ta) = join(builder(&url, "THERE", "a")).await;
    let (_b, _tb) = join(builder(&url, "THERE", "b").only_existing(true)).await;
    relay.shutdown().await;
}

#[tokio::test]
async fn the_owner_deletes_the_room_and_everyone_stops() {
    let relay = relay().await;
    let url = base_url(&relay);
    let (a, ta) = join(builder(&url, "gone", "a")).await;
    let (b, tb) = join(builder(&url, "gone", "b")).await;
    let mut events = b.events();
    b.delete_room().unwrap();
    let mut answer = None;
    for _ in 0..500 {
        answer = events.drain().into_iter().find_map(|e| match e {
            Event::Error(e) => e.code(),
            _ => None,
        });
        if answer.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(answer, Some(ErrorCode::NOT_OWNER));
    a.delete_room().unwrap();
    assert_eq!(end_code(ta).await, Some(ErrorCode::ROOM_DELETED));
    assert_eq!(end_code(tb).await, Some(ErrorCode::ROOM_DELETED));
    let probe = builder(&url, "gone", "p").only_existing(true);
    assert_eq!(refused(probe).await, Some(ErrorCode::ROOM_NOT_FOUND));
    relay.shutdown().await;
}
