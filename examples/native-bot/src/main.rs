//! `native-bot [RELAY_URL] [ROOM]`: a bot player in a coinop room, until Ctrl-C.
//! Defaults: `ws://127.0.0.1:8787` and room `DEMO`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| "ws://127.0.0.1:8787".into());
    let room = args.next().unwrap_or_else(|| "DEMO".into());
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    println!("bot joining room {room} at {url}");
    match native_bot::run(&url, &room, stop).await {
        Ok(report) => {
            println!(
                "bot {} left after {} answers",
                report.player, report.answers
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bot stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
