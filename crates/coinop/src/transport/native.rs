//! Native transport: tokio-tungstenite, tokio timers, the system clock.

use super::{FrameSink, FrameStream, Transport};
use crate::error::Error;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// WebSockets over tokio.
pub(crate) struct NativeTransport;

impl Transport for NativeTransport {
    async fn connect(url: &str) -> Result<(FrameSink, FrameStream), Error> {
        // Nagle off: small frames (cursors, acks) must not wait for company.
        let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
            .await
            .map_err(|e| Error::Transport(e.to_string()))?;
        let (sink, stream) = ws.split();
        let sink = sink
            .sink_map_err(|e| Error::Transport(e.to_string()))
            .with(|frame: Vec<u8>| async move { Ok::<_, Error>(Message::Binary(frame.into())) });
        let stream = stream
            .take_while(|m| std::future::ready(!matches!(m, Ok(Message::Close(_)))))
            .filter_map(|m| async move {
                match m {
                    Ok(Message::Binary(b)) => Some(Ok(b.to_vec())),
                    Ok(_) => None,
                    Err(e) => Some(Err(Error::Transport(e.to_string()))),
                }
            });
        Ok((Box::pin(sink), Box::pin(stream)))
    }
}

/// Sleeps for `ms` milliseconds.
pub(crate) async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Nothing to wait for natively: the frames that arrived together are
/// already in the socket's buffer, where the driver reads them at once.
pub(crate) async fn let_io_arrive() {}

/// Wall-clock milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Runs `f` on tokio's blocking pool. `None` if it panicked.
pub(crate) fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> super::OffThread<T> {
    Box::pin(async move { tokio::task::spawn_blocking(f).await.ok() })
}
