//! The bot against an in-process relay, met by a second (Rust) player.

use coinop::{MemoryIdentityStore, Reliability, RoomBuilder, RpcTarget};
use coinop_relay::{Relay, RelayConfig};
use std::time::Duration;

#[tokio::test]
async fn the_bot_takes_a_seat_answers_rpc_and_questions() {
    let relay = Relay::start(RelayConfig::for_tests()).await.expect("relay");
    let url = relay.ws_url();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let bot = tokio::spawn({
        let url = url.clone();
        async move {
            native_bot::run(&url, "BOTS", async {
                let _ = stop_rx.await;
            })
            .await
        }
    });

    let (me, driver) = RoomBuilder::new(&url)
        .room("BOTS")
        .identity_store(MemoryIdentityStore::default())
        .build()
        .expect("room");
    tokio::spawn(driver);
    me.ready().await.expect("joined");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let bot_player = loop {
        if let Some(p) = me.players().into_iter().find(|p| p.profile.name == "bot") {
            break p;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot never took a seat"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(bot_player.is_bot, "the bot's seat is a bot seat");
    assert!(!me.player(&me.me()).expect("me").is_bot);
    let pong: String = me
        .call(
            RpcTarget::Player(bot_player.id.clone()),
            "bot.ping",
            &serde_json::Value::Null,
        )
        .await
        .expect("the bot answers");
    assert_eq!(pong, format!("pong to {}", me.me()));

    me.set_state("question", &"2+2?", Reliability::Reliable)
        .expect("ask");
    let expected = native_bot::answer(&serde_json::json!("2+2?"));
    loop {
        if me
            .get_player_state::<String>(&bot_player.id, "answer")
            .as_deref()
            == Some(expected.as_str())
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot never answered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        me.get_player_state::<bool>(&bot_player.id, "isBot"),
        Some(true)
    );

    stop_tx.send(()).expect("bot still running");
    let report = bot.await.expect("bot task").expect("bot ran");
    assert_eq!(report.answers, 1);
    assert_eq!(report.player, bot_player.id.to_string());
    relay.shutdown().await;
}
