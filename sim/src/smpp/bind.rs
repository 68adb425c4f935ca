//! bind_transmitter / bind_receiver / bind_transceiver: account check, outage refusal,
//! interface version negotiation and the transition OPEN → BOUND_*.

use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use rusmpp::pdus::{BindReceiverResp, BindTransceiverResp, BindTransmitterResp};
use rusmpp::types::COctetString;
use rusmpp::values::InterfaceVersion;
use rusmpp::{CommandStatus, Pdu};

use super::frame::Out;
use super::session::{Action, BindKind, Binding, Session, State};

const BIND_RECEIVER: u32 = 0x0000_0001;
const BIND_TRANSMITTER: u32 = 0x0000_0002;
const BIND_TRANSCEIVER: u32 = 0x0000_0009;

pub(crate) const fn is_bind(id: u32) -> bool {
    matches!(id, BIND_RECEIVER | BIND_TRANSMITTER | BIND_TRANSCEIVER)
}

/// An undecodable bind body: SMPP v5.0 §4.1.1 field limits tell which field is at fault —
/// system_id (≤ 16 octets incl. NUL) first, then password (≤ 9).
pub(crate) fn classify_bad_bind(pdu: &[u8]) -> CommandStatus {
    let body = pdu.get(12..).unwrap_or_default();
    let Some(sys_end) = body.iter().take(16).position(|b| *b == 0) else {
        return CommandStatus::EsmeRinvsysid;
    };
    let rest = &body[sys_end + 1..];
    if !rest.iter().take(9).any(|b| *b == 0) {
        return CommandStatus::EsmeRinvpaswd;
    }
    CommandStatus::EsmeRbindfail
}

struct Request<'a> {
    kind: BindKind,
    system_id: &'a str,
    password: &'a str,
    system_type: &'a str,
    version: u8,
}

fn request(pdu: &Pdu) -> Option<Request<'_>> {
    let (kind, system_id, password, system_type, version) = match pdu {
        Pdu::BindTransmitter(b) => (
            BindKind::Transmitter,
            &b.system_id,
            &b.password,
            &b.system_type,
            b.interface_version,
        ),
        Pdu::BindReceiver(b) => (
            BindKind::Receiver,
            &b.system_id,
            &b.password,
            &b.system_type,
            b.interface_version,
        ),
        Pdu::BindTransceiver(b) => (
            BindKind::Transceiver,
            &b.system_id,
            &b.password,
            &b.system_type,
            b.interface_version,
        ),
        _ => return None,
    };
    Some(Request {
        kind,
        system_id: system_id.as_str(),
        password: password.as_str(),
        system_type: system_type.as_str(),
        version: u8::from(version),
    })
}

impl Session {
    pub(super) fn bind(&mut self, id: u32, seq: u32, pdu: &Pdu) -> Action {
        let Some(req) = request(pdu) else {
            return Action::reply(Out::nack(CommandStatus::EsmeRinvcmdid, seq));
        };
        match self.check(&req) {
            Ok(()) => {
                let system_id: Arc<str> = Arc::from(req.system_id);
                self.link.set_version(req.version);
                let registration = req.kind.can_receive().then(|| {
                    self.shared
                        .registry
                        .register(Arc::clone(&system_id), Arc::clone(&self.link))
                });
                self.shared
                    .counters
                    .bound(req.kind.name(), req.version, req.system_type);
                self.shared.counters.sessions_bound.fetch_add(1, Relaxed);
                self.state = State::Bound(Binding {
                    kind: req.kind,
                    system_id,
                    _registration: registration,
                    shared: Arc::clone(&self.shared),
                });
                Action::reply(self.bind_resp(req.kind, seq, req.version))
            }
            Err(status) => {
                self.shared.counters.binds_failed.fetch_add(1, Relaxed);
                tracing::debug!(system_id = req.system_id, ?status, "bind refused");
                Action::reply(Out::error(id, status, seq))
            }
        }
    }

    fn check(&self, req: &Request<'_>) -> Result<(), CommandStatus> {
        if matches!(self.state, State::Bound(_)) {
            return Err(CommandStatus::EsmeRalybnd);
        }
        if self.shared.faults.outage_remaining().is_some() {
            return Err(CommandStatus::EsmeRbindfail);
        }
        let account = self
            .shared
            .config
            .accounts
            .iter()
            .find(|a| a.system_id == req.system_id)
            .ok_or(CommandStatus::EsmeRinvsysid)?;
        if account.password != req.password {
            return Err(CommandStatus::EsmeRinvpaswd);
        }
        Ok(())
    }

    /// SMPP v5.0 §4.1.1.2: sc_interface_version is only sent to peers that speak 3.4 or later;
    /// the answer mirrors the version the peer bound with.
    fn bind_resp(&self, kind: BindKind, seq: u32, version: u8) -> Out {
        let system_id = COctetString::from_str(&self.shared.config.system_id).unwrap_or_default();
        let sc_version = match version {
            0x50.. => Some(InterfaceVersion::Smpp5_0),
            0x34..=0x4F => Some(InterfaceVersion::Smpp3_4),
            _ => None,
        };
        let pdu: Pdu = match kind {
            BindKind::Transmitter => BindTransmitterResp::builder()
                .system_id(system_id)
                .sc_interface_version(sc_version)
                .build()
                .into(),
            BindKind::Receiver => BindReceiverResp::builder()
                .system_id(system_id)
                .sc_interface_version(sc_version)
                .build()
                .into(),
            BindKind::Transceiver => BindTransceiverResp::builder()
                .system_id(system_id)
                .sc_interface_version(sc_version)
                .build()
                .into(),
        };
        Out::cmd(CommandStatus::EsmeRok, seq, pdu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_overlong_fields() {
        let mut pdu = vec![0u8; 12];
        pdu.extend_from_slice(b"abcdefghijklmnopqrst\0pw\0");
        assert_eq!(classify_bad_bind(&pdu), CommandStatus::EsmeRinvsysid);
        let mut pdu = vec![0u8; 12];
        pdu.extend_from_slice(b"sys\0toolongpassword\0");
        assert_eq!(classify_bad_bind(&pdu), CommandStatus::EsmeRinvpaswd);
    }
}
