//! Receipts, the handset inbox (encodings, concatenation) and the HTTP API (inbox, MO, stats).

use rusmpp::tlvs::{MessageSubmissionRequestTlvValue, TlvValue};
use rusmpp::values::{InterfaceVersion, MessageState, MessageType};
use rusmpp::{CommandId, CommandStatus, Pdu};

use crate::support::*;

fn ucs2(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// A submit with registered_delivery=1 yields a deliver_sm receipt on the transceiver: MC
/// delivery receipt esm_class, the standard text, receipted_message_id and message_state TLVs.
/// Without registered_delivery no receipt is sent.
#[tokio::test]
async fn delivery_receipt_text_and_tlvs() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    let r = e
        .call(submit("821012345678", 0, b"no receipt please", false))
        .await;
    assert_eq!(r.status(), CommandStatus::EsmeRok);
    let r = e
        .call(submit("821012345678", 0, b"Hello receipt world, long text", true))
        .await;
    let id = message_id(&r);
    let d = e.recv_id(CommandId::DeliverSm).await;
    let Some(Pdu::DeliverSm(dr)) = d.pdu() else {
        panic!()
    };
    assert_eq!(
        dr.esm_class.message_type,
        MessageType::ShortMessageContainsMCDeliveryReceipt
    );
    let text = String::from_utf8(dr.short_message().as_ref().to_vec()).unwrap();
    assert!(
        text.starts_with(&format!("id:{id} sub:001 dlvrd:001 submit date:")),
        "{text}"
    );
    assert!(
        text.contains(" stat:DELIVRD err:000 text:Hello receipt world,"),
        "{text}"
    );
    let mut seen = (false, false);
    for tlv in dr.tlvs() {
        match tlv.value() {
            Some(TlvValue::ReceiptedMessageId(rid)) => seen.0 = rid.to_string() == id,
            Some(TlvValue::MessageState(s)) => seen.1 = *s == MessageState::Delivered,
            _ => {}
        }
    }
    assert_eq!(seen, (true, true));
    eventually(|| sim.stats().receipts_sent == 1).await;
}

/// A receipt that falls due while no receiver or transceiver of its system_id is bound is held
/// and sent on the next bind of one; a transmitter gets none.
#[tokio::test]
async fn a_receipt_waits_for_the_next_receiver_of_its_system_id() {
    let sim = start(fast_config()).await;
    let (mut tx, r) = Esme::bind(
        sim.smpp_addr(),
        Kind::Tx,
        "pxgate",
        "secret",
        InterfaceVersion::Smpp5_0,
    )
    .await;
    assert_eq!(r.status(), CommandStatus::EsmeRok);
    let id = message_id(&tx.call(submit("821012345678", 0, b"held", true)).await);
    eventually(|| sim.stats().receipts_held == 1).await;
    assert_eq!(sim.stats().receipts_dropped, 0);
    let (mut rx, r) = Esme::bind(
        sim.smpp_addr(),
        Kind::Rx,
        "pxgate",
        "secret",
        InterfaceVersion::Smpp5_0,
    )
    .await;
    assert_eq!(r.status(), CommandStatus::EsmeRok);
    let d = rx.recv_id(CommandId::DeliverSm).await;
    let Some(Pdu::DeliverSm(dr)) = d.pdu() else {
        panic!()
    };
    let text = String::from_utf8(dr.short_message().as_ref().to_vec()).unwrap();
    assert!(text.starts_with(&format!("id:{id} ")), "{text}");
    eventually(|| sim.stats().receipts_sent == 1 && sim.stats().receipts_held == 0).await;
}

/// GSM 7-bit extension characters and Korean UCS-2 come out of the inbox as sent, and
/// `+` in the number does not matter.
#[tokio::test]
async fn gsm7_extension_and_korean_ucs2() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    let gsm = pxsim::gsm0338::encode_unpacked("Price {5€} [a|b] ~\\^").unwrap();
    assert_eq!(
        e.call(submit("+821012345678", 0, &gsm, false)).await.status(),
        CommandStatus::EsmeRok
    );
    assert_eq!(
        e.call(submit("821012345678", 8, &ucs2("안녕하세요, 세계!"), false))
            .await
            .status(),
        CommandStatus::EsmeRok
    );
    assert_eq!(
        e.call(submit("821012345678", 3, &[0x63, 0x61, 0x66, 0xe9], false))
            .await
            .status(),
        CommandStatus::EsmeRok
    );
    assert_eq!(
        e.call(submit("821012345678", 4, &[0xca, 0xfe], false))
            .await
            .status(),
        CommandStatus::EsmeRok
    );
    let m = sim.inbox("+821012345678");
    let got: Vec<(&str, pxsim::content::Encoding)> =
        m.iter().map(|m| (m.text.as_str(), m.encoding)).collect();
    use pxsim::content::Encoding::*;
    assert_eq!(
        got,
        [
            ("Price {5€} [a|b] ~\\^", Gsm7),
            ("안녕하세요, 세계!", Ucs2),
            ("café", Latin1),
            ("cafe", Binary)
        ]
    );
}

/// A 500-character Korean text split into 8 UCS-2 parts is reassembled in three flavours:
/// 8-bit UDH (sent out of order), 16-bit UDH, and SAR TLVs; also message_payload in one PDU.
#[tokio::test]
async fn concatenated_korean_500_chars() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    let text: String = "가나다라마바사아자차카타파하".chars().cycle().take(500).collect();
    let bytes = ucs2(&text);
    let chunks: Vec<&[u8]> = bytes.chunks(134).collect();
    let total = chunks.len() as u8;
    assert_eq!(total, 8);
    let mut order: Vec<usize> = (0..chunks.len()).collect();
    order.reverse();
    for i in order {
        let mut sm = [vec![5, 0, 3, 42, total, i as u8 + 1], chunks[i].to_vec()].concat();
        let pdu = submit("821011111111", 8, &sm, false).with_udhi_indicator();
        sm.clear();
        assert_eq!(e.call(pdu).await.status(), CommandStatus::EsmeRok);
    }
    for (i, c) in chunks.iter().enumerate() {
        let sm = [vec![6, 8, 4, 0x12, 0x34, total, i as u8 + 1], c.to_vec()].concat();
        assert_eq!(
            e.call(submit("821011111111", 8, &sm, false).with_udhi_indicator())
                .await
                .status(),
            CommandStatus::EsmeRok
        );
    }
    for (i, c) in chunks.iter().enumerate() {
        let mut pdu = submit("821011111111", 8, c, false);
        pdu.push_tlv(MessageSubmissionRequestTlvValue::SarMsgRefNum(7));
        pdu.push_tlv(MessageSubmissionRequestTlvValue::SarTotalSegments(total));
        pdu.push_tlv(MessageSubmissionRequestTlvValue::SarSegmentSeqnum(i as u8 + 1));
        assert_eq!(e.call(pdu).await.status(), CommandStatus::EsmeRok);
    }
    let mut pdu = submit("821011111111", 8, &[], false);
    pdu.push_tlv(MessageSubmissionRequestTlvValue::MessagePayload(
        rusmpp::values::MessagePayload::new(rusmpp::types::AnyOctetString::from_slice(&bytes)),
    ));
    assert_eq!(e.call(pdu).await.status(), CommandStatus::EsmeRok);
    let msgs = sim.inbox("821011111111");
    assert_eq!(msgs.len(), 4);
    for m in &msgs {
        assert!(m.complete, "{m:?}");
        assert_eq!(m.text, text);
    }
    assert_eq!(msgs.iter().map(|m| m.parts).collect::<Vec<_>>(), [8, 8, 8, 1]);
    assert_eq!(msgs[0].message_ids.len(), 8);
}

/// POST /mo with no receiver bound is 409; bad bodies are 4xx naming the field.
#[tokio::test]
async fn mo_refusals_over_http() {
    let sim = start(fast_config()).await;
    let (status, body) = http(
        sim.http_addr(),
        "POST",
        "/mo",
        Some(r#"{"from":"821012345678","to":"1234","text":"hi"}"#),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("no receiver"), "{body}");
    let (status, body) = http(
        sim.http_addr(),
        "POST",
        "/mo",
        Some(r#"{"from":"8210","text":"hi"}"#),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("\"field\":\"to\""), "{body}");
    let (status, body) = http(
        sim.http_addr(),
        "POST",
        "/mo",
        Some(r#"{"from":"8210","to":"1234","text":""}"#),
    )
    .await;
    assert_eq!(
        (status, body.contains("\"field\":\"text\"")),
        (422, true),
        "{body}"
    );
}

/// POST /mo delivers a GSM 7-bit deliver_sm to a bound receiver; a long Korean text arrives
/// as concatenated UCS-2 parts with an 8-bit UDH and reassembles to the original.
#[tokio::test]
async fn mo_delivered_to_receiver() {
    let sim = start(fast_config()).await;
    let (mut rx, _) = Esme::bind(
        sim.smpp_addr(),
        Kind::Rx,
        "pxgate",
        "secret",
        InterfaceVersion::Smpp3_4,
    )
    .await;
    let (status, _) = http(
        sim.http_addr(),
        "POST",
        "/mo",
        Some(r#"{"from":"+821012345678","to":"1234","text":"Hello {MO}"}"#),
    )
    .await;
    assert_eq!(status, 202);
    let d = rx.recv_id(CommandId::DeliverSm).await;
    let Some(Pdu::DeliverSm(dm)) = d.pdu() else {
        panic!()
    };
    assert_eq!(dm.source_addr.to_string(), "821012345678");
    assert_eq!(
        dm.short_message().as_ref(),
        pxsim::gsm0338::encode_unpacked("Hello {MO}").unwrap().as_slice()
    );
    let long: String = "안녕".repeat(50);
    sim.inject_mo("821012345678", "1234", &long).await.unwrap();
    let mut joined = Vec::new();
    for i in 1..=2u8 {
        let d = rx.recv_id(CommandId::DeliverSm).await;
        let Some(Pdu::DeliverSm(dm)) = d.pdu() else {
            panic!()
        };
        let sm = dm.short_message().as_ref();
        assert_eq!((sm[0], sm[1], sm[4], sm[5]), (5, 0, 2, i));
        joined.extend_from_slice(&sm[6..]);
    }
    assert_eq!(pxsim::content::Encoding::Ucs2.decode(&joined), long);
}

/// GET /handsets, /handsets/{n}/messages (JSON) and /handsets/{n} (HTML) show the inbox;
/// /stats and /metrics count PDUs by type and status.
#[tokio::test]
async fn http_inbox_stats_and_metrics() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    e.call(submit("+821055555555", 8, &ucs2("<b>안녕</b>"), false))
        .await;
    let (s, body) = http(sim.http_addr(), "GET", "/handsets", None).await;
    assert_eq!(s, 200);
    assert!(
        body.contains(r#"{"msisdn":"821055555555","messages":1}"#),
        "{body}"
    );
    let (s, body) = http(sim.http_addr(), "GET", "/handsets/+821055555555/messages", None).await;
    assert_eq!(s, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let m = &v["messages"][0];
    assert_eq!(
        (
            m["text"].as_str(),
            m["encoding"].as_str(),
            m["complete"].as_bool()
        ),
        (Some("<b>안녕</b>"), Some("ucs2"), Some(true))
    );
    assert_eq!(m["from"], "ACME");
    let (s, html) = http(sim.http_addr(), "GET", "/handsets/821055555555", None).await;
    assert_eq!(s, 200);
    assert!(html.contains("&lt;b&gt;안녕&lt;/b&gt;"), "{html}");
    let (_, stats) = http(sim.http_addr(), "GET", "/stats", None).await;
    let v: serde_json::Value = serde_json::from_str(&stats).unwrap();
    assert_eq!(v["pdus_sent"]["submit_sm_resp"]["ESME_ROK"], 1);
    assert_eq!(v["binds_ok"], 1);
    assert_eq!(v["inbox_messages"], 1);
    let (_, metrics) = http(sim.http_addr(), "GET", "/metrics", None).await;
    assert!(
        metrics.contains("pxsim_pdus_received_total{command=\"submit_sm\"} 1"),
        "{metrics}"
    );
}
