//! The simulator's HTML pages: the handset index, a reply from a phone (MO to the bound ESME) and
//! the fault knobs as a form.

use rusmpp::{CommandId, CommandStatus, Pdu};

use crate::support::*;

/// The index lists handsets with their last message (escaped); a phone's reply form sends MO to
/// the bound transceiver; a refused reply names its problem.
#[tokio::test]
async fn a_handset_replies_from_its_page() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    let r = e.call(text_submit("821012345678", "<b>your code</b>")).await;
    assert_eq!(r.status(), CommandStatus::EsmeRok);
    eventually(|| sim.stats().inbox_messages >= 1).await;
    let (status, index) = http(sim.http_addr(), "GET", "/", None).await;
    assert_eq!(status, 200);
    assert!(
        index.contains(r#"<a href="/handsets/821012345678">+821012345678</a>"#),
        "{index}"
    );
    assert!(
        index.contains("&lt;b&gt;your code&lt;/b&gt;") && !index.contains("<b>your"),
        "{index}"
    );
    let (status, phone) = http(sim.http_addr(), "GET", "/handsets/821012345678", None).await;
    assert_eq!(status, 200);
    assert!(phone.contains(r#"href="/handsets/821012345678/reply""#));
    let (status, form) = http(sim.http_addr(), "GET", "/handsets/821012345678/reply", None).await;
    assert_eq!(status, 200);
    assert!(form.contains(r#"action="/handsets/821012345678/reply""#));

    let (status, _) = http_form(
        sim.http_addr(),
        "/handsets/821012345678/reply",
        "to=1588&text=ORDER+2+tea",
        None,
    )
    .await;
    assert_eq!(status, 303);
    let d = e.recv_id(CommandId::DeliverSm).await;
    let Some(Pdu::DeliverSm(mo)) = d.pdu() else {
        panic!()
    };
    assert_eq!(mo.source_addr.to_string(), "821012345678");
    assert_eq!(mo.destination_addr.to_string(), "1588");
    assert_eq!(
        String::from_utf8(mo.short_message().as_ref().to_vec()).unwrap(),
        "ORDER 2 tea"
    );

    let (status, refused) = http_form(
        sim.http_addr(),
        "/handsets/821012345678/reply",
        "to=&text=%3Cscript%3E",
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        refused.contains(r#"class="error""#) && refused.contains("&lt;script&gt;"),
        "{refused}"
    );
    let (status, _) = http_form(
        sim.http_addr(),
        "/handsets/821012345678/reply",
        "to=1588&text=x",
        Some("http://evil.example"),
    )
    .await;
    assert_eq!(status, 403);
}

/// The fault knobs set from the form are the ones `GET /faults` reports; bad values are refused.
#[tokio::test]
async fn faults_are_set_from_the_form() {
    let sim = start(fast_config()).await;
    let (status, _) = http_form(
        sim.http_addr(),
        "/faults/form",
        "throttle_per_sec=5&error_probability=0.25&response_delay_ms=",
        Some("http://sim"),
    )
    .await;
    assert_eq!(status, 303);
    let (_, faults) = http(sim.http_addr(), "GET", "/faults", None).await;
    let faults: serde_json::Value = serde_json::from_str(&faults).unwrap();
    assert_eq!(
        (
            faults["throttle_per_sec"].as_u64(),
            faults["error_probability"].as_f64()
        ),
        (Some(5), Some(0.25))
    );
    let (_, index) = http(sim.http_addr(), "GET", "/", None).await;
    assert!(
        index.contains(r#"name="throttle_per_sec" id="throttle_per_sec" value="5""#),
        "{index}"
    );
    for bad in ["error_probability=2", "throttle_per_sec=many"] {
        let (status, page) = http_form(sim.http_addr(), "/faults/form", bad, None).await;
        assert_eq!(status, 422, "{bad}");
        assert!(page.contains("class=\"error\""), "{page}");
    }
    let (_, faults) = http(sim.http_addr(), "GET", "/faults", None).await;
    assert!(faults.contains("\"throttle_per_sec\":5"), "unchanged: {faults}");
}
