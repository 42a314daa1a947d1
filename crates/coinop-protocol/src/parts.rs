//! Relay messages longer than a frame, cut into [`RelayMessage::Part`]s
//! and put back together.

use crate::relay_message::RelayMessage;
use bytes::{Bytes, BytesMut};

/// What a [`RelayMessage::Part`] adds to its data, at most: the tag and
/// three varints.
const PART_OVERHEAD: usize = 1 + 10 + 10 + 10;

/// `frame` (an encoded relay message) as frames of at most `max_frame`
/// bytes: itself when it fits, else its [`RelayMessage::Part`]s.
pub fn split_frame(frame: Bytes, max_frame: usize) -> Vec<Bytes> {
    if frame.len() <= max_frame {
        return vec![frame];
    }
    let step = max_frame.saturating_sub(PART_OVERHEAD).max(1);
    let total = frame.len() as u64;
    (0..frame.len())
        .step_by(step)
        .map(|start| {
            let part = RelayMessage::Part {
                total,
                offset: start as u64,
                data: frame.slice(start..frame.len().min(start + step)),
            };
            Bytes::from(part.encode())
        })
        .collect()
}

/// Collects the parts of one message at a time.
#[derive(Debug, Default)]
pub struct Reassembly {
    held: BytesMut,
    total: u64,
}

/// Why a part was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartError {
    /// The part does not continue the message being collected.
    #[error("a part at offset {offset} does not follow the {held} bytes held")]
    OutOfOrder {
        /// The part's offset.
        offset: u64,
        /// The bytes held.
        held: u64,
    },
    /// The message would be larger than the receiver accepts.
    #[error("a message of {total} bytes in parts exceeds the {max} accepted")]
    TooLarge {
        /// The announced length.
        total: u64,
        /// The receiver's cap.
        max: u64,
    },
}

impl Reassembly {
    /// Adds one part; returns the whole encoded message once complete.
    /// A message may announce at most `max_total` bytes.
    pub fn push(
        &mut self,
        total: u64,
        offset: u64,
        data: &[u8],
        max_total: u64,
    ) -> Result<Option<Bytes>, PartError> {
        if total > max_total {
            self.held.clear();
            return Err(PartError::TooLarge {
                total,
                max: max_total,
            });
        }
        if offset == 0 {
            self.held.clear();
            self.total = total;
        }
        let held = self.held.len() as u64;
        if offset != held || total != self.total || held + data.len() as u64 > total {
            self.held.clear();
            return Err(PartError::OutOfOrder { offset, held });
        }
        self.held.extend_from_slice(data);
        if self.held.len() as u64 == total {
            return Ok(Some(std::mem::take(&mut self.held).freeze()));
        }
        Ok(None)
    }

    /// Whether a message is half collected.
    pub fn is_collecting(&self) -> bool {
        !self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Seq;

    #[test]
    fn a_long_message_goes_in_parts_of_at_most_a_frame_and_comes_back() {
        let msg = RelayMessage::Snapshot {
            upto: Seq(9),
            doc: Bytes::from(vec![7u8; 10_000]),
            view: Some(Bytes::from(vec![3u8; 5_000])),
        };
        let frame = Bytes::from(msg.encode());
        let parts = split_frame(frame.clone(), 1_000);
        assert!(parts.len() >= 15);
        assert!(parts.iter().all(|p| p.len() <= 1_000));
        let mut r = Reassembly::default();
        let mut out = None;
        for p in &parts {
            let Ok(RelayMessage::Part {
                total,
                offset,
                data,
            }) = RelayMessage::decode(p)
            else {
                panic!("not a part");
            };
            assert!(out.is_none());
            out = r.push(total, offset, &data, 1 << 20).unwrap();
        }
        assert_eq!(RelayMessage::decode(&out.unwrap()).unwrap(), msg);
        assert!(!r.is_collecting());
        assert_eq!(split_frame(frame.clone(), frame.len()), vec![frame]);
    }

    #[test]
    fn parts_out_of_order_or_too_long_are_dropped() {
        let mut r = Reassembly::default();
        assert_eq!(r.push(10, 0, b"abcd", 100), Ok(None));
        assert!(r.push(10, 6, b"gh", 100).is_err(), "a gap");
        assert!(!r.is_collecting());
        assert!(r.push(10, 4, b"ef", 100).is_err(), "no start");
        assert!(r.push(1000, 0, b"ab", 100).is_err(), "over the cap");
        assert_eq!(
            r.push(3, 0, b"abc", 100),
            Ok(Some(Bytes::from_static(b"abc")))
        );
    }
}
