//! The SMPP links' metrics, named in one place (docs/ARCHITECTURE.md lists them): per link, whether
//! it is bound, its binds, the window in use, every submit_sm by its answer, and every deliver_sm
//! by what it carried. `link` is the session's number (0 … `[smpp] sessions` − 1).

/// The link is bound (1) or not (0), and a bind's outcome is counted.
pub(super) fn bound(link: u32, up: bool, counted: Option<&'static str>) {
    let label = link.to_string();
    metrics::gauge!("pxgate_smpp_link_up", "link" => label.clone()).set(f64::from(u8::from(up)));
    if let Some(outcome) = counted {
        metrics::counter!("pxgate_smpp_binds_total", "link" => label, "outcome" => outcome).increment(1);
    }
}

/// Submits outstanding on the link now.
pub(super) fn window_in_use(link: u32, in_use: usize) {
    #[allow(clippy::cast_precision_loss, reason = "a window is far below 2^52")]
    metrics::gauge!("pxgate_smpp_window_in_use", "link" => link.to_string()).set(in_use as f64);
}

/// A submit_sm's answer: the command_status of its response (`ESME_ROK`, `ESME_RTHROTTLED`, …),
/// or `no_response` when the link failed or the timeout passed first.
pub(super) fn submitted(link: u32, status: &str) {
    metrics::counter!("pxgate_smpp_submits_total", "link" => link.to_string(), "status" => status.to_owned())
        .increment(1);
}

/// A deliver_sm received: `receipt` or `mo`.
pub(super) fn delivered(link: u32, kind: &'static str) {
    metrics::counter!("pxgate_smpp_deliver_sm_total", "link" => link.to_string(), "kind" => kind)
        .increment(1);
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
