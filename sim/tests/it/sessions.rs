//! Binds, every PDU type, bind-state refusals, malformed frames and windowed submits.

use std::str::FromStr as _;

use rusmpp::pdus::{CancelSm, DataSm, QuerySm, ReplaceSm, SubmitMulti};
use rusmpp::tlvs::MessageSubmissionRequestTlvValue;
use rusmpp::types::{AnyOctetString, COctetString, OctetString};
use rusmpp::values::{DestAddress, InterfaceVersion, MessagePayload, MessageState, Npi, SmeAddress, Ton};
use rusmpp::{CommandId, CommandStatus, Pdu};

use crate::support::*;

/// Unknown system_id → ESME_RINVSYSID, wrong password → ESME_RINVPASWD, a second bind on a
/// bound session → ESME_RALYBND; a second account can bind.
#[tokio::test]
async fn bind_failures_and_second_account() {
    let mut cfg = fast_config();
    cfg.accounts.push(pxsim::config::Account {
        system_id: "other".into(),
        password: "pw2".into(),
    });
    let sim = start(cfg).await;
    let (_, r) = Esme::bind(
        sim.smpp_addr(),
        Kind::Tx,
        "nobody",
        "secret",
        InterfaceVersion::Smpp3_4,
    )
    .await;
    assert_eq!(r.status(), CommandStatus::EsmeRinvsysid);
    assert_eq!(r.id(), CommandId::BindTransmitterResp);
    let (_, r) = Esme::bind(
        sim.smpp_addr(),
        Kind::Rx,
        "pxgate",
        "wrong",
        InterfaceVersion::Smpp3_4,
    )
    .await;
    assert_eq!(r.status(), CommandStatus::EsmeRinvpaswd);
    let (mut e, r) = Esme::bind(
        sim.smpp_addr(),
        Kind::Trx,
        "other",
        "pw2",
        InterfaceVersion::Smpp3_4,
    )
    .await;
    assert_eq!(r.status(), CommandStatus::EsmeRok);
    let r = e
        .bind_on(Kind::Trx, "other", "pw2", InterfaceVersion::Smpp3_4)
        .await;
    assert_eq!(r.status(), CommandStatus::EsmeRalybnd);
    assert_eq!(sim.stats().binds_failed, 3);
}

/// The bind_resp mirrors the peer's interface version: 0x34 for 3.4, 0x50 for 5.0.
#[tokio::test]
async fn interface_version_is_mirrored() {
    let sim = start(fast_config()).await;
    for (v, want) in [
        (InterfaceVersion::Smpp3_4, InterfaceVersion::Smpp3_4),
        (InterfaceVersion::Smpp5_0, InterfaceVersion::Smpp5_0),
    ] {
        let (_, r) = Esme::bind(sim.smpp_addr(), Kind::Trx, "pxgate", "secret", v).await;
        let Some(Pdu::BindTransceiverResp(b)) = r.pdu() else {
            panic!("{r:?}")
        };
        assert_eq!(b.sc_interface_version(), Some(want));
        assert_eq!(b.system_id.to_string(), "pxsim");
    }
}

/// Before bind, submit_sm is refused with ESME_RINVBNDSTS; a receiver may not submit either;
/// enquire_link works unbound.
#[tokio::test]
async fn bind_state_refusals() {
    let sim = start(fast_config()).await;
    let mut e = Esme::connect(sim.smpp_addr()).await;
    let r = e.call(text_submit("821012345678", "hi")).await;
    assert_eq!(
        (r.id(), r.status()),
        (CommandId::SubmitSmResp, CommandStatus::EsmeRinvbndsts)
    );
    assert_eq!(e.call(Pdu::EnquireLink).await.id(), CommandId::EnquireLinkResp);
    let (mut rx, _) = Esme::bind(
        sim.smpp_addr(),
        Kind::Rx,
        "pxgate",
        "secret",
        InterfaceVersion::Smpp5_0,
    )
    .await;
    let r = rx.call(text_submit("821012345678", "hi")).await;
    assert_eq!(r.status(), CommandStatus::EsmeRinvbndsts);
}

/// submit_sm, query_sm, replace_sm, cancel_sm, enquire_link and unbind each get their
/// response with the right status; a non-numeric destination is ESME_RINVDSTADR.
#[tokio::test]
async fn every_pdu_type() {
    let mut cfg = fast_config();
    cfg.receipts.delay_ms = 60_000; // keep messages ENROUTE so cancel/replace apply
    let sim = start(cfg).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    let r = e.call(text_submit("+821012345678", "hello")).await;
    assert_eq!(r.status(), CommandStatus::EsmeRok);
    let id = message_id(&r);
    let r = e.call(text_submit("ACME", "x")).await;
    assert_eq!(r.status(), CommandStatus::EsmeRinvdstadr);
    manage_pdus(&mut e, &id).await;
}

/// data_sm (message_payload) and submit_multi (one bad destination listed in unsuccess_sme)
/// are accepted and reach the inbox.
#[tokio::test]
async fn data_sm_and_submit_multi() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    let ds = DataSm::builder()
        .source_addr(COctetString::from_str("ACME").unwrap())
        .destination_addr(COctetString::from_str("821099999999").unwrap())
        .push_tlv(MessageSubmissionRequestTlvValue::MessagePayload(
            MessagePayload::new(AnyOctetString::from_slice(b"via data sm")),
        ))
        .build();
    let r = e.call(ds).await;
    assert_eq!(
        (r.id(), r.status()),
        (CommandId::DataSmResp, CommandStatus::EsmeRok)
    );
    assert_eq!(sim.inbox("821099999999")[0].text, "via data sm");

    let sme = |d: &str| {
        DestAddress::SmeAddress(SmeAddress::new(
            Ton::International,
            Npi::Isdn,
            COctetString::from_str(d).unwrap(),
        ))
    };
    let multi = SubmitMulti::builder()
        .source_addr(COctetString::from_str("ACME").unwrap())
        .dest_address(vec![sme("491111"), sme("492222"), sme("bad")])
        .short_message(OctetString::from_str("multi").unwrap())
        .build();
    let r = e.call(multi).await;
    let Some(Pdu::SubmitMultiResp(m)) = r.pdu() else {
        panic!("{r:?}")
    };
    assert_eq!(m.unsuccess_sme().len(), 1);
    assert_eq!(sim.inbox("492222")[0].text, "multi");
}

/// query_sm, replace_sm, cancel_sm (then query shows DELETED, a second cancel fails),
/// query of an unknown id, enquire_link and unbind (then the MC closes).
#[allow(clippy::unwrap_used, reason = "test helper")]
async fn manage_pdus(e: &mut Esme, id: &str) {
    let q = QuerySm::builder()
        .message_id(COctetString::from_str(&id.to_uppercase()).unwrap())
        .build();
    let r = e.call(q.clone()).await;
    let Some(Pdu::QuerySmResp(q1)) = r.pdu() else {
        panic!("{r:?}")
    };
    assert_eq!(q1.message_state, MessageState::Enroute);

    let rep = ReplaceSm::builder()
        .message_id(COctetString::from_str(id).unwrap())
        .short_message(OctetString::from_str("new").unwrap())
        .build();
    assert_eq!(e.call(rep).await.id(), CommandId::ReplaceSmResp);
    let c = CancelSm::builder()
        .message_id(COctetString::from_str(id).unwrap())
        .build();
    assert_eq!(e.call(c.clone()).await.status(), CommandStatus::EsmeRok);
    let r = e.call(q).await;
    let Some(Pdu::QuerySmResp(q2)) = r.pdu() else {
        panic!("{r:?}")
    };
    assert_eq!(q2.message_state, MessageState::Deleted);
    assert_eq!(e.call(c).await.status(), CommandStatus::EsmeRcancelfail);
    let q = QuerySm::builder()
        .message_id(COctetString::from_str("ffffffffffff").unwrap())
        .build();
    assert_eq!(e.call(q).await.status(), CommandStatus::EsmeRqueryfail);

    assert_eq!(e.call(Pdu::EnquireLink).await.id(), CommandId::EnquireLinkResp);
    assert_eq!(e.call(Pdu::Unbind).await.id(), CommandId::UnbindResp);
    e.expect_closed().await;
}

/// Malformed input does not kill the session: a short frame gets generic_nack
/// ESME_RINVCMDLEN, an unknown command_id ESME_RINVCMDID with the same sequence number, an
/// unterminated body generic_nack — and a valid PDU afterwards is still answered.
#[tokio::test]
async fn malformed_frames_keep_the_session() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    e.raw(&[0, 0, 0, 8, 0, 0, 0, 0]).await;
    let r = e.recv().await;
    assert_eq!(
        (r.id(), r.status()),
        (CommandId::GenericNack, CommandStatus::EsmeRinvcmdlen)
    );
    e.raw(&[0, 0, 0, 16, 0, 0, 0x09, 0x99, 0, 0, 0, 0, 0, 0, 0, 77])
        .await;
    let r = e.recv().await;
    assert_eq!(
        (r.id(), r.status(), r.sequence_number()),
        (CommandId::GenericNack, CommandStatus::EsmeRinvcmdid, 77)
    );
    // submit_sm whose service_type is not NUL-terminated within the PDU.
    let mut bad = vec![0, 0, 0, 22, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 78];
    bad.extend_from_slice(b"XXXXXX");
    e.raw(&bad).await;
    let r = e.recv().await;
    assert_eq!((r.id(), r.sequence_number()), (CommandId::GenericNack, 78));
    // enquire_link with four bytes after its header: its length is wrong, not its command.
    e.raw(&[0, 0, 0, 20, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 79, 1, 2, 3, 4])
        .await;
    let r = e.recv().await;
    assert_eq!(
        (r.id(), r.status(), r.sequence_number()),
        (CommandId::GenericNack, CommandStatus::EsmeRinvcmdlen, 79)
    );
    let r = e.call(text_submit("821012345678", "still alive")).await;
    assert_eq!(r.status(), CommandStatus::EsmeRok);
    // An over-long system_id in a bind is a bind_resp ESME_RINVSYSID, not a dropped link.
    let mut e2 = Esme::connect(sim.smpp_addr()).await;
    let mut body = b"abcdefghijklmnopqrstuvwxyz\0pw\0\0\x50\0\0\0".to_vec();
    let mut pdu = ((16 + body.len()) as u32).to_be_bytes().to_vec();
    pdu.extend_from_slice(&[0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 5]);
    pdu.append(&mut body);
    e2.raw(&pdu).await;
    let r = e2.recv().await;
    assert_eq!(
        (r.id(), r.status()),
        (CommandId::BindTransceiverResp, CommandStatus::EsmeRinvsysid)
    );
    assert_eq!(e2.call(Pdu::EnquireLink).await.id(), CommandId::EnquireLinkResp);
}

/// A command_length no stream can be resynchronised after: generic_nack ESME_RINVCMDLEN with the
/// PDU's own sequence number, then the connection is closed.
#[tokio::test]
async fn an_absurd_length_is_answered_with_its_sequence_number_then_closed() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    e.raw(&[0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 80])
        .await;
    let r = e.recv().await;
    assert_eq!(
        (r.id(), r.status(), r.sequence_number()),
        (CommandId::GenericNack, CommandStatus::EsmeRinvcmdlen, 80)
    );
    e.expect_closed().await;
}

/// A window of 64 outstanding submit_sm is served: every one is answered, ids are unique.
#[tokio::test]
async fn windowed_submits() {
    let sim = start(fast_config()).await;
    let mut e = Esme::trx(sim.smpp_addr()).await;
    for i in 0..64 {
        e.send(text_submit("821000000001", &format!("m{i}"))).await;
    }
    let mut ids = std::collections::HashSet::new();
    let mut seqs = std::collections::HashSet::new();
    while seqs.len() < 64 {
        let r = e.recv_id(CommandId::SubmitSmResp).await;
        assert_eq!(r.status(), CommandStatus::EsmeRok);
        seqs.insert(r.sequence_number());
        ids.insert(message_id(&r));
    }
    assert_eq!(ids.len(), 64);
    assert_eq!(sim.stats().sent("submit_sm_resp", "ESME_ROK"), 64);
}
