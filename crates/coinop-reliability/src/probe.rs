//! A bystander: two players in their own room, measuring how fast the relay
//! acks and forwards their changes while something else goes on.

use crate::Latencies;
use coinop_harness::{Client, Doc, join_msg};
use coinop_protocol::RelayMessage;
use std::time::{Duration, Instant};

/// Two clients in a quiet room. [`LatencyProbe::measure`] publishes from
/// one and times publish→ack, and checks the other receives each change.
pub struct LatencyProbe {
    writer: Client,
    reader: Client,
    doc: Doc,
    next_ref: u64,
}

impl LatencyProbe {
    /// Joins `room` as two fresh players.
    pub async fn start(url: &str, room: &str) -> LatencyProbe {
        let (writer, _) = Client::join(url, join_msg(room, &format!("{room}-w"))).await;
        let (reader, _) = Client::join(url, join_msg(room, &format!("{room}-r"))).await;
        LatencyProbe {
            writer,
            reader,
            doc: Doc::new(),
            next_ref: 0,
        }
    }

    /// `n` publish→ack round trips, `gap` apart. Panics when a publish is
    /// refused, or when the other player misses a forward.
    pub async fn measure(&mut self, n: usize, gap: Duration) -> Latencies {
        let mut out = Latencies::default();
        for _ in 0..n {
            self.next_ref += 1;
            let change = self.doc.change("probe", self.next_ref as i64);
            let started = Instant::now();
            let acked = self.writer.try_publish(self.next_ref, vec![change]).await;
            out.push(started.elapsed());
            assert!(
                acked.is_ok(),
                "the bystander's publish was refused: {acked:?}"
            );
            // The reader also talks, so that idle timeouts spare it.
            let ping = coinop_protocol::ClientMessage::Ping { client_time: 0 };
            self.reader.send(&ping).await;
            let forwarded = self
                .reader
                .recv_until(|m| matches!(m, RelayMessage::Changes { .. }))
                .await;
            assert!(matches!(forwarded, RelayMessage::Changes { .. }));
            if !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
        }
        out
    }
}
