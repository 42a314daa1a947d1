//! `cargo run --release -p cursors`: the live cursors demo in one command.
//!
//! Builds what the page needs if it is missing or stale (the `coinop` npm
//! package in `bindings/js/dist`), then runs the relay in-process, serving
//! the page at `/` and the package at `/coinop/`. Every relay flag works
//! (`--addr`, `--memory`, ...; see `--help`).

mod prepare;

use clap::Parser;
use coinop_relay::cli::Cli;
use std::path::PathBuf;
use std::process::ExitCode;

/// Live cursors demo: builds the coinop package if needed, then serves the
/// page from an in-process relay.
#[derive(Debug, Parser)]
#[command(name = "cursors")]
struct Launcher {
    /// Do not build bindings/js; serve its dist/ as it is.
    #[arg(long)]
    no_build: bool,
    /// The relay's own flags.
    #[command(flatten)]
    relay: Cli,
}

/// Where this crate lives; the page and the repository are found from it.
fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Launcher::parse();
    let paths = prepare::Paths::from_crate_dir(&crate_dir());
    if !args.no_build {
        if let Err(e) = prepare::ensure_built(&paths) {
            eprintln!("cursors: {e}");
            return ExitCode::FAILURE;
        }
    } else if !paths.dist.join("index.js").exists() {
        eprintln!(
            "cursors: {} is not built (run without --no-build)",
            paths.dist.display()
        );
        return ExitCode::FAILURE;
    }
    let mounts = vec![
        ("/coinop/".to_owned(), paths.dist.clone()),
        ("/".to_owned(), crate_dir().join("web")),
    ];
    coinop_relay::cli::run_with(args.relay, mounts, |addr| {
        println!("open http://{addr} in two tabs");
    })
    .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn relay_flags_pass_through() {
        Launcher::command().debug_assert();
        let args = Launcher::try_parse_from(["cursors", "--no-build", "--memory"]).unwrap();
        assert!(args.no_build);
        let config = args.relay.into_config();
        assert_eq!(config.storage, coinop_relay::StorageConfig::Memory);
    }
}
