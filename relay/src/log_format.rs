//! Where and how the binary logs: to stderr, from a thread of its own, as
//! text (the default) or as one JSON object per line (`--log-format json`)
//! for log collectors.

/// Log lines queued for the log-writing thread; more are dropped while it
/// is behind.
const LOG_QUEUE_LINES: usize = 4096;

/// The shape of log lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`,
    /// `message` and the event's fields at the top level.
    Json,
}

/// Sets up logging to stderr (the level from `RUST_LOG`, `info` by
/// default), unless the program set it up already. Keep the returned guard:
/// dropping it flushes what is queued.
///
/// A dedicated thread writes the lines: a log reader that stalls (a full
/// pipe) must not block the runtime's workers, and under a connection flood
/// the workers spend their time on connections, not on write(2). If the
/// reader stalls long enough to fill the queue, lines are dropped. The
/// queue's slots are allocated up front: the crate's default of 128,000
/// lines cost 4 MiB of resident memory, 4,096 cost 128 KiB.
pub fn init_logging(format: LogFormat) -> tracing_appender::non_blocking::WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(std::io::stderr());
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal, not for journald or a file.
    let builder = tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(writer)
        .with_env_filter(filter);
    // `try_init`: an embedding program may have set up logging already.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    guard
}
