//! SMPP framing that survives hostile input: frame on command_length first, decode the body
//! second (rusmpp's own codec reads past the PDU on malformed bodies, see
//! reference/crates.md §1.4). Also the outbound encoder. No session logic.

use bytes::{Buf, BufMut, BytesMut};
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::{Command, CommandId, CommandStatus, Pdu};
use tokio_util::codec::{Decoder, Encoder};

/// SMPP v5.0 §3.2: the 16-octet header.
pub(crate) const HEADER_LEN: usize = 16;

/// One framed input unit.
#[derive(Debug)]
pub(crate) enum Frame {
    /// A PDU of at least 16 octets, command_length stripped (starts at command_id).
    Pdu(BytesMut),
    /// command_length was 4..16: skipped, so the stream stays in sync.
    TooShort,
}

/// Framing failures after which the byte stream cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FrameError {
    /// command_length below 4 or above the configured maximum; the sequence_number when the
    /// header's 16 bytes arrived (the generic_nack answers it).
    #[error("invalid command_length {len}")]
    BadLength { len: u32, seq: Option<u32> },
    /// Socket error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Splits the byte stream on command_length.
#[derive(Debug)]
pub(crate) struct Framer {
    max_len: usize,
}

impl Framer {
    pub(crate) const fn new(max_len: usize) -> Self {
        Self { max_len }
    }
}

impl Decoder for Framer {
    type Item = Frame;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        let Some(len_bytes) = src.get(..4) else {
            return Ok(None);
        };
        let len = u32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        let ulen = len as usize;
        if ulen < 4 || ulen > self.max_len {
            let seq = src
                .get(12..16)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            return Err(FrameError::BadLength { len, seq });
        }
        if src.len() < ulen {
            src.reserve(ulen - src.len());
            return Ok(None);
        }
        let mut frame = src.split_to(ulen);
        if ulen < HEADER_LEN {
            return Ok(Some(Frame::TooShort));
        }
        frame.advance(4);
        Ok(Some(Frame::Pdu(frame)))
    }
}

/// Whether a request frame of `id` (command_length stripped, `len` bytes) carries bytes after its
/// header although its command has no body: enquire_link and unbind (SMPP v3.4 §4.11, §4.2).
pub(crate) fn has_body_where_none_belongs(id: u32, len: usize) -> bool {
    const UNBIND: u32 = 0x0000_0006;
    const ENQUIRE_LINK: u32 = 0x0000_0015;
    matches!(id, UNBIND | ENQUIRE_LINK) && len > HEADER_LEN - 4
}

/// command_id, command_status and sequence_number of a frame (command_length stripped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) id: u32,
    pub(crate) status: u32,
    pub(crate) seq: u32,
}

impl Header {
    pub(crate) fn parse(frame: &[u8]) -> Self {
        let word = |i: usize| {
            frame
                .get(i..i + 4)
                .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        Self {
            id: word(0),
            status: word(4),
            seq: word(8),
        }
    }
}

/// Decode a framed PDU body; the frame bounds the decoder, so errors never desync the stream.
pub(crate) fn decode(mut frame: BytesMut) -> Result<Command, rusmpp::decode::DecodeError> {
    use rusmpp::decode::DecodeWithLength as _;
    let len = frame.len();
    Command::decode(&mut frame, len).map(|(cmd, _)| cmd)
}

/// Something for a session's writer.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one Out per PDU on the hot path: boxing would add an allocation to every response"
)]
pub(crate) enum Out {
    /// A full PDU.
    Cmd(Command),
    /// A header-only PDU: SMPP v3.4 §4: error responses carry no body.
    Header {
        id: u32,
        status: CommandStatus,
        seq: u32,
    },
    /// Flush what is queued, then close the connection.
    Close,
}

impl Out {
    pub(crate) fn cmd(status: CommandStatus, seq: u32, pdu: impl Into<Pdu>) -> Self {
        Self::Cmd(Command::new(status, seq, pdu))
    }

    /// A header-only response to request `id`.
    pub(crate) fn error(id: u32, status: CommandStatus, seq: u32) -> Self {
        Self::Header {
            id: id | 0x8000_0000,
            status,
            seq,
        }
    }

    /// SMPP v5.0 §4.3.1: generic_nack.
    pub(crate) fn nack(status: CommandStatus, seq: u32) -> Self {
        Self::Header {
            id: u32::from(CommandId::GenericNack),
            status,
            seq,
        }
    }

    /// (command_id, command_status) for counters.
    pub(crate) fn ids(&self) -> Option<(u32, u32)> {
        match self {
            Self::Cmd(c) => Some((u32::from(c.id()), u32::from(c.status()))),
            Self::Header { id, status, .. } => Some((*id, u32::from(*status))),
            Self::Close => None,
        }
    }
}

/// Encodes [`Out`] items; rusmpp's encoder is safe, only its decoder is not.
#[derive(Debug, Default)]
pub(crate) struct OutCodec(CommandCodec);

impl Encoder<Out> for OutCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: Out, dst: &mut BytesMut) -> std::io::Result<()> {
        match item {
            Out::Cmd(cmd) => self
                .0
                .encode(&cmd, dst)
                .map_err(|e| std::io::Error::other(e.to_string())),
            Out::Header { id, status, seq } => {
                dst.reserve(HEADER_LEN);
                dst.put_u32(HEADER_LEN as u32);
                dst.put_u32(id);
                dst.put_u32(u32::from(status));
                dst.put_u32(seq);
                Ok(())
            }
            Out::Close => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_short_and_valid_pdus_and_rejects_absurd_lengths() {
        let mut f = Framer::new(1024);
        let mut buf = BytesMut::from(&[0, 0, 0, 8, 1, 2, 3, 4][..]);
        buf.extend_from_slice(&[0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 9]);
        assert!(matches!(f.decode(&mut buf), Ok(Some(Frame::TooShort))));
        let Ok(Some(Frame::Pdu(p))) = f.decode(&mut buf) else {
            panic!("pdu expected")
        };
        assert_eq!(
            Header::parse(&p),
            Header {
                id: 0x15,
                status: 0,
                seq: 9
            }
        );
        assert!(matches!(decode(p).map(|c| c.id()), Ok(CommandId::EnquireLink)));
        let mut bad = BytesMut::from(&[0xff, 0, 0, 0][..]);
        assert!(f.decode(&mut bad).is_err());
    }
}
