//! Where a sent message is: one `sms:DeliveryStatus` per address, from the states of its parts
//! (ES 202 391-4 §7.1.1), for getSmsDeliveryStatus and the delivery-receipt notifications.

use crate::store::sms::{PartState, PartStatus};

/// `sms:DeliveryStatus` (ES 202 391-4 §7.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Accepted by the network (the SMSC), not yet confirmed at the handset.
    DeliveredToNetwork,
    /// The network cannot say.
    DeliveryUncertain,
    /// Not delivered, and it will not be.
    DeliveryImpossible,
    /// Still queued in the gateway or on its way to the SMSC.
    MessageWaiting,
    /// At the handset; for concatenated SMS only when every part is (ES 202 391-4 §7.1.1).
    DeliveredToTerminal,
}

impl DeliveryStatus {
    /// The enumeration value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DeliveredToNetwork => "DeliveredToNetwork",
            Self::DeliveryUncertain => "DeliveryUncertain",
            Self::DeliveryImpossible => "DeliveryImpossible",
            Self::MessageWaiting => "MessageWaiting",
            Self::DeliveredToTerminal => "DeliveredToTerminal",
        }
    }

    /// One address's status from its parts: any failed part fails the message, every part
    /// delivered delivers it, any part still in the gateway keeps it waiting.
    pub(super) fn of(parts: &[PartStatus]) -> Self {
        let any = |s: PartStatus| parts.contains(&s);
        if any(PartStatus::Failed) {
            Self::DeliveryImpossible
        } else if parts.iter().all(|s| *s == PartStatus::Delivered) {
            Self::DeliveredToTerminal
        } else if any(PartStatus::Queued) || any(PartStatus::Sending) {
            Self::MessageWaiting
        } else if any(PartStatus::Uncertain) {
            Self::DeliveryUncertain
        } else {
            Self::DeliveredToNetwork
        }
    }
}

/// `sms:DeliveryInformation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryInformation {
    /// `tel:` URI of the address.
    pub address: String,
    /// Its status.
    pub status: DeliveryStatus,
}

pub(super) fn per_address(parts: &[PartState]) -> Vec<DeliveryInformation> {
    let mut order: Vec<&str> = Vec::new();
    for p in parts {
        if !order.contains(&p.address.as_str()) {
            order.push(&p.address);
        }
    }
    order
        .into_iter()
        .map(|address| {
            let states: Vec<PartStatus> = parts
                .iter()
                .filter(|p| p.address == address)
                .map(|p| p.status)
                .collect();
            DeliveryInformation {
                address: format!("tel:{address}"),
                status: DeliveryStatus::of(&states),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use PartStatus::*;

    #[test]
    fn an_address_is_delivered_only_when_every_part_is() {
        assert_eq!(
            DeliveryStatus::of(&[Delivered, Delivered]),
            DeliveryStatus::DeliveredToTerminal
        );
        assert_eq!(
            DeliveryStatus::of(&[Delivered, Submitted]),
            DeliveryStatus::DeliveredToNetwork
        );
        assert_eq!(
            DeliveryStatus::of(&[Delivered, Failed]),
            DeliveryStatus::DeliveryImpossible
        );
        assert_eq!(
            DeliveryStatus::of(&[Queued, Submitted]),
            DeliveryStatus::MessageWaiting
        );
        assert_eq!(
            DeliveryStatus::of(&[Uncertain, Delivered]),
            DeliveryStatus::DeliveryUncertain
        );
    }
}
