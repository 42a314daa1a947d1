//! The subcommands of `coinop-relay` that work on a data directory instead
//! of running the relay: `backup` and `restore`.

use crate::storage::{BackupSummary, StorageError, backup, restore};
use std::path::PathBuf;
use std::process::ExitCode;

/// The data directory, as the relay's own `--data-dir` names it.
#[derive(Debug, clap::Args)]
pub struct DataDir {
    /// Data directory of the embedded database (coinop.db).
    #[arg(
        long = "data-dir",
        env = "COINOP_DATA_DIR",
        default_value = "./coinop-data"
    )]
    pub path: PathBuf,
}

/// A subcommand.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Copy the data directory's database to FILE: a consistent copy,
    /// taken while a relay runs and writes (every change acked before the
    /// backup started is in it).
    Backup {
        /// The data directory to copy.
        #[command(flatten)]
        data_dir: DataDir,
        /// The backup file to write (replaced if it exists).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Put a backup back as a data directory's database. Stop the relay
    /// first: a directory a relay has open is refused.
    Restore {
        /// The backup file.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// The data directory to restore into (created if missing).
        #[command(flatten)]
        data_dir: DataDir,
        /// Replace the database of a directory that is not empty.
        #[arg(long)]
        force: bool,
    },
}

impl Command {
    /// Runs the subcommand; logs what it did or why it failed.
    pub fn run(self) -> ExitCode {
        let (what, result) = match self {
            Command::Backup { data_dir, to } => ("backup", backup(&data_dir.path, &to)),
            Command::Restore {
                from,
                data_dir,
                force,
            } => ("restore", restore(&from, &data_dir.path, force)),
        };
        report(what, result)
    }
}

fn report(what: &str, result: Result<BackupSummary, StorageError>) -> ExitCode {
    match result {
        Ok(s) => {
            tracing::info!(
                file = %s.path.display(),
                rooms = s.rooms,
                bytes = s.bytes,
                schema_version = s.schema_version,
                "{what} written"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = %e, "{what} failed");
            ExitCode::FAILURE
        }
    }
}
