//! The SMPP links' metrics, named in one place (docs/ARCHITECTURE.md lists them): per link, whether
//! it is bound, its binds, the window in use, every submit_sm by its answer, and every deliver_sm
//! by what it carried, the requests left unanswered and the sessions closed for it. `link` is the
//! link's name (`[smpp] name` or its `[[smpp.links]]` table's), `session` the session's number in
//! it (0 … `sessions` − 1).

use super::session::Role;

/// The session is bound (1) or not (0), and a bind's outcome is counted. `role`: transceiver,
/// transmitter or receiver.
pub(super) fn bound(link: &str, session: u32, role: Role, up: bool, counted: Option<&'static str>) {
    let labels = [
        ("link", link.to_owned()),
        ("session", session.to_string()),
        ("role", role.name().to_owned()),
    ];
    metrics::gauge!("pxgate_smpp_link_up", &labels).set(f64::from(u8::from(up)));
    if up {
        // The session's trouble counters exist from its first bind, at 0, so rate() and
        // increase() see their first event.
        response_timeouts(link, session).increment(0);
        unresponsive_sessions(link, session).increment(0);
    }
    if let Some(outcome) = counted {
        let labels = [
            labels[0].clone(),
            labels[1].clone(),
            labels[2].clone(),
            ("outcome", outcome.to_owned()),
        ];
        metrics::counter!("pxgate_smpp_binds_total", &labels).increment(1);
    }
}

/// Submits outstanding on the link now, over its sessions.
pub(super) fn window_in_use(link: &str, in_use: usize) {
    #[allow(clippy::cast_precision_loss, reason = "a window is far below 2^52")]
    metrics::gauge!("pxgate_smpp_window_in_use", "link" => link.to_owned()).set(in_use as f64);
}

/// A submit_sm's answer: the command_status of its response (`ESME_ROK`, `ESME_RTHROTTLED`, …),
/// or `no_response` when the link failed or the timeout passed first.
pub(super) fn submitted(link: &str, status: &str) {
    metrics::counter!("pxgate_smpp_submits_total", "link" => link.to_owned(), "status" => status.to_owned())
        .increment(1);
}

/// A deliver_sm received: `receipt` or `mo`.
pub(super) fn delivered(link: &str, kind: &'static str) {
    metrics::counter!("pxgate_smpp_deliver_sm_total", "link" => link.to_owned(), "kind" => kind).increment(1);
}

/// A request went unanswered for the response timeout.
pub(super) fn response_timeout(link: &str, session: u32) {
    response_timeouts(link, session).increment(1);
}

/// A session was closed because its probe went unanswered.
pub(super) fn unresponsive(link: &str, session: u32) {
    unresponsive_sessions(link, session).increment(1);
}

fn response_timeouts(link: &str, session: u32) -> metrics::Counter {
    metrics::counter!("pxgate_smpp_response_timeouts_total", "link" => link.to_owned(), "session" => session.to_string())
}

fn unresponsive_sessions(link: &str, session: u32) -> metrics::Counter {
    metrics::counter!("pxgate_smpp_unresponsive_sessions_total", "link" => link.to_owned(), "session" => session.to_string())
}

/// `EsmeRthrottled` as `ESME_RTHROTTLED`: the names SMPP's tables use.
pub(super) fn status_name(status: rusmpp::CommandStatus) -> String {
    let name = format!("{status:?}");
    match name.strip_prefix("Esme") {
        Some(rest) if !rest.contains('(') => format!("ESME_{}", rest.to_uppercase()),
        _ => format!("0x{:08X}", u32::from(status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_named_as_smpp_names_them() {
        assert_eq!(status_name(rusmpp::CommandStatus::EsmeRok), "ESME_ROK");
        assert_eq!(
            status_name(rusmpp::CommandStatus::EsmeRthrottled),
            "ESME_RTHROTTLED"
        );
    }
}
