//! An estimate of the relay's clock from ping round trips.

/// How many recent samples are kept; the lowest-RTT one is trusted most,
/// because queueing delay only ever adds to a round trip, asymmetrically.
const SAMPLES: usize = 8;

/// The relay clock estimate: `server ≈ local + offset`.
#[derive(Debug, Default)]
pub(crate) struct ClockEstimate {
    /// `(rtt, offset)` pairs, newest last.
    samples: Vec<(u64, i64)>,
    /// A rough offset from the welcome, used until the first pong.
    rough: Option<i64>,
}

impl ClockEstimate {
    /// A welcome carried the relay time; its latency is unknown.
    pub(crate) fn rough(&mut self, local_now: u64, server_time: u64) {
        self.rough = Some(server_time as i64 - local_now as i64);
    }

    /// A pong answered a ping sent at `sent` and arrived at `now`.
    pub(crate) fn sample(&mut self, sent: u64, now: u64, server_time: u64) {
        if now < sent {
            return; // local clock went backwards; the sample means nothing
        }
        let rtt = now - sent;
        let offset = server_time as i64 - (sent + rtt / 2) as i64;
        self.samples.push((rtt, offset));
        if self.samples.len() > SAMPLES {
            self.samples.remove(0);
        }
    }

    /// The best current offset, if any sample or welcome was seen.
    pub(crate) fn offset(&self) -> Option<i64> {
        self.samples
            .iter()
            .min_by_key(|(rtt, _)| *rtt)
            .map(|(_, o)| *o)
            .or(self.rough)
    }

    /// The estimated relay time at local time `now`.
    pub(crate) fn server_time(&self, now: u64) -> u64 {
        (now as i64 + self.offset().unwrap_or(0)).max(0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_rtt_sample_wins() {
        let mut c = ClockEstimate::default();
        assert_eq!(c.server_time(1000), 1000, "no estimate: local time");
        c.rough(1000, 5000);
        assert_eq!(c.server_time(1100), 5100);
        // Relay is exactly +10_000 ms ahead. A slow, asymmetric sample
        // (reply delayed 300 ms) is off by 150; the fast one is exact.
        c.sample(2000, 2400, 12_100);
        c.sample(3000, 3020, 13_010);
        assert_eq!(c.offset(), Some(10_000));
        assert_eq!(c.server_time(4000), 14_000);
        c.sample(10, 5, 0);
        assert_eq!(c.offset(), Some(10_000), "backwards samples are ignored");
    }
}
