//! `bevy-arena [--relay URL] [--room CODE] [--name NAME] [--bot]`: the game
//! in a terminal, or a bot that chases the coin (`--bot`, no terminal).
//! Without `--room` it creates a room and shows its code.
// Bevy system signatures read best without `'_`, as in Bevy's own docs.
#![allow(elided_lifetimes_in_paths)]

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

// The browser build starts from `web.rs`; this binary is native only.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use bevy::app::ScheduleRunnerPlugin;
    use bevy::prelude::*;
    use bevy_arena::terminal::TerminalPlugin;
    use bevy_arena::{ArenaPlugin, ArenaView, Me, Steering};
    use coinop_bevy::coinop::{Profile, RoomBuilder};
    use coinop_bevy::{CoinopPlugin, CoinopRoom, CoinopStatus};
    use std::process::ExitCode;
    use std::time::Duration;

    struct Args {
        relay: String,
        room: Option<String>,
        name: String,
        bot: bool,
    }

    fn args() -> Result<Args, String> {
        let mut a = Args {
            relay: "ws://127.0.0.1:8787".into(),
            room: None,
            name: std::env::var("USER").unwrap_or_else(|_| "player".into()),
            bot: false,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--relay" => a.relay = value()?,
                "--room" => a.room = Some(value()?),
                "--name" => a.name = value()?,
                "--bot" => a.bot = true,
                other => {
                    return Err(format!(
                        "unknown argument {other:?}; usage: bevy-arena [--relay URL] [--room CODE] [--name NAME] [--bot]"
                    ));
                }
            }
        }
        Ok(a)
    }

    pub fn main() -> ExitCode {
        let args = match args() {
            Ok(a) => a,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let mut builder = RoomBuilder::new(&args.relay).profile(Profile {
            name: if args.bot {
                format!("{} (bot)", args.name)
            } else {
                args.name.clone()
            },
            color: "#22aa88".into(),
            ..Profile::default()
        });
        if let Some(code) = &args.room {
            builder = builder.room(code);
        }
        let mut app = App::new();
        app.add_plugins(MinimalPlugins.set(ScheduleRunnerPlugin::run_loop(
            Duration::from_secs_f64(1.0 / 30.0),
        )))
        .add_plugins(CoinopPlugin::new(builder))
        .add_plugins(ArenaPlugin::default())
        .add_systems(Last, stop_on_fatal_error);
        if args.bot {
            app.add_systems(PreUpdate, chase_the_coin)
                .add_systems(PostUpdate, log_rounds);
        } else {
            app.add_plugins(TerminalPlugin);
        }
        let exit = app.run();
        if let Some(e) = app.world().resource::<CoinopStatus>().error.clone() {
            eprintln!("left the room: {e}");
            return ExitCode::FAILURE;
        }
        if exit.is_success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    fn stop_on_fatal_error(status: Res<CoinopStatus>, mut exit: MessageWriter<AppExit>) {
        if status.error.is_some() {
            exit.write(AppExit::error());
        }
    }

    fn chase_the_coin(room: Option<Res<CoinopRoom>>, me: Res<Me>, mut steering: ResMut<Steering>) {
        if let Some(room) = room {
            *steering = bevy_arena::steer_to_coin(&room, &me);
        }
    }

    fn log_rounds(room: Option<Res<CoinopRoom>>, me: Res<Me>, mut last: Local<u32>) {
        let Some(room) = room else { return };
        let view = ArenaView::read(&room, &me);
        let Some(round) = view.round else { return };
        if round.number != *last {
            *last = round.number;
            println!(
                "room {} round {} (last winner: {:?})",
                view.code, round.number, round.last_winner
            );
        }
    }
}
