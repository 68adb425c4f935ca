//! Concatenation of long messages: the User Data Header's concatenation information elements
//! (3GPP TS 23.040 §9.2.3.24.1 8-bit reference, IEI 0x00; §9.2.3.24.8 16-bit reference,
//! IEI 0x08) and the SMPP SAR TLVs that carry the same facts outside the body (SMPP v5.0
//! §4.8.4.50–52: `sar_msg_ref_num`, `sar_total_segments`, `sar_segment_seqnum`).
//!
//! Owns: [`Concat`], parsing a UDH off user data, building the concatenation UDH.
//! Must not know: alphabets, PDUs or TLV types (SAR values come in as plain numbers).

/// SMPP v5.0 §4.7.12: `esm_class` bit 6, UDH indicator (the body starts with a UDH).
pub const ESM_UDHI: u8 = 0x40;

/// TS 23.040 §9.2.3.24: IEI of the concatenation element with an 8-bit reference.
const IEI_CONCAT_8: u8 = 0x00;
/// TS 23.040 §9.2.3.24: IEI of the concatenation element with a 16-bit reference.
const IEI_CONCAT_16: u8 = 0x08;

/// One part's place in a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Concat {
    /// Reference shared by all parts (8-bit references widened).
    pub reference: u16,
    /// Number of parts, ≥ 1.
    pub total: u8,
    /// This part, 1-based, ≤ `total`.
    pub seq: u8,
}

impl Concat {
    /// A concatenation element as TS 23.040 §9.2.3.24.1 lets a receiver use it: one whose
    /// maximum number is 0, or whose sequence number is 0 or above the maximum, is ignored.
    pub fn new(reference: u16, total: u8, seq: u8) -> Option<Self> {
        (total >= 1 && seq >= 1 && seq <= total).then_some(Self {
            reference,
            total,
            seq,
        })
    }

    /// The three SAR TLV values (SMPP v5.0 §4.8.4.50–52), read off the PDU by the caller; a
    /// message carries concatenation this way only when all three are present and valid.
    pub fn from_sar(reference: Option<u16>, total: Option<u8>, seq: Option<u8>) -> Option<Self> {
        Self::new(reference?, total?, seq?)
    }
}

/// Split a User Data Header off `sm` (the caller checks [`ESM_UDHI`]) and find a concatenation
/// element; the last one wins (TS 23.040 §9.2.3.24: a repeated element, the last occurrence).
/// Returns it, if any, and the user data after the header. A header longer than `sm` is
/// malformed: the bytes are kept whole as user data, nothing is lost.
pub fn split_udh(sm: &[u8]) -> (Option<Concat>, &[u8]) {
    let Some((&udhl, rest)) = sm.split_first() else {
        return (None, sm);
    };
    let udhl = usize::from(udhl);
    if rest.len() < udhl {
        return (None, sm);
    }
    let (mut ies, body) = rest.split_at(udhl);
    let mut concat = None;
    while let [iei, len, tail @ ..] = ies {
        let len = usize::from(*len);
        if tail.len() < len {
            break;
        }
        let data = &tail[..len];
        concat = match (*iei, data) {
            (IEI_CONCAT_8, [r, t, s]) => Concat::new(u16::from(*r), *t, *s).or(concat),
            (IEI_CONCAT_16, [r1, r2, t, s]) => Concat::new(u16::from_be_bytes([*r1, *r2]), *t, *s).or(concat),
            _ => concat,
        };
        ies = &tail[len..];
    }
    (concat, body)
}

/// TS 23.040 §9.2.3.24.1: the 6-octet UDH for part `seq` of `total` with an 8-bit reference.
pub const fn udh8(reference: u8, total: u8, seq: u8) -> [u8; 6] {
    [0x05, IEI_CONCAT_8, 0x03, reference, total, seq]
}

/// TS 23.040 §9.2.3.24.8: the 7-octet UDH for part `seq` of `total` with a 16-bit reference.
pub const fn udh16(reference: u16, total: u8, seq: u8) -> [u8; 7] {
    let [hi, lo] = reference.to_be_bytes();
    [0x06, IEI_CONCAT_16, 0x04, hi, lo, total, seq]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concat(reference: u16, total: u8, seq: u8) -> Option<Concat> {
        Some(Concat {
            reference,
            total,
            seq,
        })
    }

    #[test]
    fn udh_8_and_16_bit() {
        assert_eq!(
            split_udh(&[5, 0, 3, 42, 3, 2, b'h', b'i']),
            (concat(42, 3, 2), &b"hi"[..])
        );
        assert_eq!(
            split_udh(&[6, 8, 4, 0x01, 0x02, 2, 1, b'x']),
            (concat(0x0102, 2, 1), &b"x"[..])
        );
    }

    #[test]
    fn built_headers_parse_back() {
        let sm = [udh8(7, 3, 3).as_slice(), b"z"].concat();
        assert_eq!(split_udh(&sm), (concat(7, 3, 3), &b"z"[..]));
        let sm = [udh16(0xBEEF, 4, 1).as_slice(), b"z"].concat();
        assert_eq!(split_udh(&sm), (concat(0xBEEF, 4, 1), &b"z"[..]));
    }

    #[test]
    fn other_elements_are_skipped_and_the_last_concatenation_wins() {
        // A port-addressing element (IEI 0x05), then two concatenation elements.
        let sm = [11, 5, 4, 0x0B, 0x84, 0x23, 0xF0, 0, 3, 9, 2, 1, b'!'];
        assert_eq!(split_udh(&sm), (concat(9, 2, 1), &b"!"[..]));
        let sm = [
            17, 5, 4, 0x0B, 0x84, 0x23, 0xF0, 0, 3, 9, 2, 1, 8, 4, 0, 10, 2, 2, b'!',
        ];
        assert_eq!(split_udh(&sm), (concat(10, 2, 2), &b"!"[..]));
    }

    #[test]
    fn invalid_numbers_are_ignored() {
        assert_eq!(split_udh(&[5, 0, 3, 1, 0, 1]).0, None, "maximum 0");
        assert_eq!(split_udh(&[5, 0, 3, 1, 2, 0]).0, None, "sequence 0");
        assert_eq!(split_udh(&[5, 0, 3, 1, 2, 3]).0, None, "sequence above maximum");
        assert_eq!(split_udh(&[9, 0]), (None, &[9, 0][..]), "malformed: kept whole");
        assert_eq!(split_udh(&[]), (None, &[][..]));
    }

    #[test]
    fn sar_needs_all_three_values() {
        assert_eq!(Concat::from_sar(Some(300), Some(2), Some(2)), concat(300, 2, 2));
        assert_eq!(Concat::from_sar(Some(300), None, Some(1)), None);
        assert_eq!(Concat::from_sar(Some(300), Some(2), Some(3)), None);
    }
}
