//! Every message survives encode → decode, and no input makes a decoder panic.
#![allow(clippy::unwrap_used)] // test inputs are built to be valid

use coinop_protocol::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn id() -> impl Strategy<Value = PlayerId> {
    "[A-Za-z0-9_-]{1,64}".prop_map(|s| PlayerId::new(s).unwrap())
}

fn room() -> impl Strategy<Value = RoomCode> {
    "[A-Z]{4}|[a-z0-9_-]{1,64}".prop_map(|s| RoomCode::new(s).unwrap())
}

fn bytes() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..64).prop_map(Bytes::from)
}

fn profile() -> impl Strategy<Value = Profile> {
    (".{0,16}", ".{0,8}", ".{0,16}").prop_map(|(name, color, avatar)| Profile {
        name,
        color,
        avatar,
    })
}

fn target() -> impl Strategy<Value = StateTarget> {
    prop_oneof![Just(StateTarget::Room), id().prop_map(StateTarget::Player)]
}

fn rpc_target() -> impl Strategy<Value = RpcTarget> {
    prop_oneof![
        Just(RpcTarget::Host),
        Just(RpcTarget::All),
        Just(RpcTarget::Others),
        id().prop_map(RpcTarget::Player)
    ]
}

fn outcome() -> impl Strategy<Value = RpcOutcome> {
    prop_oneof![
        bytes().prop_map(RpcOutcome::Ok),
        ".{0,16}".prop_map(RpcOutcome::Err)
    ]
}

fn player_info() -> impl Strategy<Value = PlayerInfo> {
    (id(), profile(), any::<u64>(), any::<bool>(), role()).prop_map(
        |(id, profile, joined_at, bot, role)| PlayerInfo {
            id,
            profile,
            joined_at,
            bot,
            role,
        },
    )
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Player),
        Just(Role::StreamScreen),
        Just(Role::Spectator)
    ]
}

fn persistent_value() -> impl Strategy<Value = PersistentValue> {
    prop_oneof![
        bytes().prop_map(PersistentValue::One),
        vec(bytes(), 0..4).prop_map(PersistentValue::List),
    ]
}

fn reply_outcome() -> impl Strategy<Value = ReplyOutcome> {
    prop_oneof![
        proptest::option::of(persistent_value()).prop_map(ReplyOutcome::Value),
        Just(ReplyOutcome::Done),
        (any::<u16>(), ".{0,16}").prop_map(|(code, message)| ReplyOutcome::Refused {
            code: ErrorCode(code),
            message
        }),
    ]
}

fn unreliable() -> impl Strategy<Value = UnreliableValue> {
    (id(), target(), ".{0,16}", bytes()).prop_map(|(sender, target, key, value)| UnreliableValue {
        sender,
        target,
        key,
        value,
    })
}

fn client_message() -> impl Strategy<Value = ClientMessage> {
    let join = (
        any::<u16>(),
        prop_oneof![Just(RoomRequest::New), room().prop_map(RoomRequest::Code)],
        id(),
        vec(any::<u8>(), 16..=64),
        profile(),
        proptest::option::of((any::<u64>(), any::<u64>())),
        proptest::option::of(any::<u16>()),
        (
            proptest::option::of(any::<u32>()),
            any::<bool>(),
            proptest::option::of(id()),
            proptest::option::of(".{0,16}"),
            proptest::option::of(any::<u32>()),
            proptest::option::of(role()),
        ),
    )
        .prop_map(
            |(
                version,
                room,
                player,
                secret,
                profile,
                since,
                max_players,
                (grace_period_ms, only_existing, bot_of, game, wait, role),
            )| {
                let since = since.map(|(epoch, seq)| RoomCursor {
                    epoch,
                    seq: Seq(seq),
                });
                let join = Join::new(room, player, Secret::new(secret).unwrap())
                    .with_version(version)
                    .with_profile(profile)
                    .with_since(since)
                    .with_max_players(max_players)
                    .with_grace_period_ms(grace_period_ms)
                    .with_only_existing(only_existing)
                    .with_bot_of(bot_of)
                    .with_game(game)
                    .with_matchmaking(wait.map(|ms| Matchmaking {
                        wait_before_creating_ms: ms,
                    }))
                    .with_role(role);
                ClientMessage::Join(join)
            },
        );
    prop_oneof![
        join,
        (any::<u64>(), vec(bytes(), 0..4)).prop_map(|(client_ref, changes)| {
            ClientMessage::Publish {
                client_ref,
                changes,
            }
        }),
        (target(), ".{0,16}", bytes()).prop_map(|(target, key, value)| ClientMessage::Unreliable {
            target,
            key,
            value
        }),
        (
            any::<u64>(),
            rpc_target(),
            ".{0,16}",
            bytes(),
            any::<bool>()
        )
            .prop_map(
                |(call, target, name, payload, want_reply)| ClientMessage::Rpc {
                    call: CallId(call),
                    target,
                    name,
                    payload,
                    want_reply
                }
            ),
        (any::<u64>(), id(), outcome()).prop_map(|(call, to, outcome)| ClientMessage::RpcReply {
            call: CallId(call),
            to,
            outcome
        }),
        id().prop_map(|to| ClientMessage::TransferHost { to }),
        id().prop_map(|player| ClientMessage::Kick { player }),
        Just(ClientMessage::Leave),
        any::<u64>().prop_map(|client_time| ClientMessage::Ping { client_time }),
        id().prop_map(|player| ClientMessage::Unban { player }),
        Just(ClientMessage::DeleteRoom),
        (any::<u64>(), ".{0,16}")
            .prop_map(|(request, key)| ClientMessage::PersistentGet { request, key }),
        (any::<u64>(), ".{0,16}", proptest::option::of(bytes())).prop_map(
            |(request, key, value)| ClientMessage::PersistentSet {
                request,
                key,
                value
            }
        ),
        (any::<u64>(), ".{0,16}", bytes()).prop_map(|(request, key, value)| {
            ClientMessage::PersistentInsert {
                request,
                key,
                value,
            }
        }),
        (any::<u64>(), proptest::option::of(".{0,16}"))
            .prop_map(|(request, game)| ClientMessage::StartMatchmaking { request, game }),
    ]
}

fn relay_message() -> impl Strategy<Value = RelayMessage> {
    let welcome = (
        room(),
        any::<u64>(),
        any::<bool>(),
        vec(player_info(), 0..4),
        proptest::option::of(id()),
        any::<u64>(),
        any::<u16>(),
        vec(unreliable(), 0..4),
        any::<[u32; 6]>(),
    )
        .prop_map(
            |(room, epoch, reset, players, host, server_time, max_players, unreliable, l)| {
                RelayMessage::Welcome(Welcome {
                    version: PROTOCOL_VERSION,
                    room,
                    epoch,
                    reset,
                    players,
                    host,
                    server_time,
                    max_players,
                    unreliable,
                    limits: Limits {
                        max_frame_bytes: l[0],
                        max_change_bytes: l[1],
                        max_key_bytes: l[2],
                        max_profile_bytes: l[3],
                        max_unreliable_bytes: l[4],
                        max_rpc_bytes: l[5],
                    },
                })
            },
        );
    let entry = (any::<u64>(), id(), bytes()).prop_map(|(seq, sender, change)| LogEntry {
        seq: Seq(seq),
        sender,
        change,
    });
    prop_oneof![
        welcome,
        (any::<u64>(), any::<u64>()).prop_map(|(client_ref, seq)| RelayMessage::Ack {
            client_ref,
            seq: Seq(seq)
        }),
        vec(entry, 0..4).prop_map(|entries| RelayMessage::Changes { entries }),
        (any::<u64>(), bytes(), proptest::option::of(bytes())).prop_map(|(upto, doc, view)| {
            RelayMessage::Snapshot {
                upto: Seq(upto),
                doc,
                view,
            }
        }),
        any::<u64>().prop_map(|head| RelayMessage::Synced { head: Seq(head) }),
        unreliable().prop_map(RelayMessage::Unreliable),
        player_info().prop_map(RelayMessage::PlayerJoined),
        id().prop_map(|player| RelayMessage::PlayerLeft { player }),
        proptest::option::of(id()).prop_map(|host| RelayMessage::HostChanged { host }),
        (any::<u64>(), id(), ".{0,16}", bytes(), any::<bool>()).prop_map(
            |(call, from, name, payload, want_reply)| RelayMessage::Rpc {
                call: CallId(call),
                from,
                name,
                payload,
                want_reply
            }
        ),
        (any::<u64>(), id(), outcome()).prop_map(|(call, from, outcome)| RelayMessage::RpcReply {
            call: CallId(call),
            from,
            outcome
        }),
        (
            any::<u16>(),
            ".{0,32}",
            any::<bool>(),
            proptest::option::of(any::<u64>())
        )
            .prop_map(|(code, message, fatal, client_ref)| RelayMessage::Error {
                code: ErrorCode(code),
                message,
                fatal,
                client_ref
            }),
        (any::<u64>(), any::<u64>()).prop_map(|(client_time, server_time)| RelayMessage::Pong {
            client_time,
            server_time
        }),
        (any::<u64>(), any::<u64>(), bytes()).prop_map(|(total, offset, data)| {
            RelayMessage::Part {
                total,
                offset,
                data,
            }
        }),
        (any::<u64>(), reply_outcome())
            .prop_map(|(request, outcome)| RelayMessage::Reply { request, outcome }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn client_messages_round_trip(msg in client_message()) {
        let frame = msg.encode();
        prop_assert_eq!(ClientMessage::decode(&frame).unwrap(), msg.clone());
        if let ClientMessage::Join(join) = &msg {
            prop_assert_eq!(peek_version(&frame).unwrap(), join.version);
        } else {
            prop_assert!(peek_version(&frame).is_err());
        }
    }

    #[test]
    fn relay_messages_round_trip(msg in relay_message()) {
        let frame = msg.encode();
        prop_assert_eq!(RelayMessage::decode(&frame).unwrap(), msg);
    }

    #[test]
    fn garbage_never_panics(frame in vec(any::<u8>(), 0..256)) {
        let _ = ClientMessage::decode(&frame);
        let _ = RelayMessage::decode(&frame);
        let _ = peek_version(&frame);
    }

    #[test]
    fn trailing_bytes_are_refused(msg in client_message(), extra in vec(any::<u8>(), 1..8)) {
        let mut frame = msg.encode();
        frame.extend_from_slice(&extra);
        prop_assert!(ClientMessage::decode(&frame).is_err());
    }
}

#[test]
fn an_unknown_version_is_readable() {
    // A future join may have any layout after the version.
    let frame = [0u8, 0xE7, 0x07, 0xFF, 0xFF, 0xFF];
    assert_eq!(peek_version(&frame).unwrap(), 999);
    assert!(ClientMessage::decode(&frame).is_err());
}
