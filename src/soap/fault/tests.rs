use super::*;
use crate::soap::envelope::{Limits, parse};

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

fn svc0002() -> Fault {
    Fault::invalid_part(&InvalidPart {
        part: "charge.amount".into(),
        reason: "bad".into(),
    })
}

#[test]
fn soap11_service_exception_golden() {
    assert_eq!(
        text(encode(SoapVersion::V11, &svc0002())),
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#,
            r#"<soapenv:Fault><faultcode>soapenv:Client</faultcode>"#,
            r#"<faultstring>Invalid input value for message part charge.amount</faultstring>"#,
            r#"<detail><ns1:ServiceException xmlns:ns1="http://www.csapi.org/schema/parlayx/common/v2_1">"#,
            r#"<messageId>SVC0002</messageId><text>Invalid input value for message part %1</text>"#,
            r#"<variables>charge.amount</variables></ns1:ServiceException></detail>"#,
            r#"</soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
        )
    );
}

#[test]
fn soap12_policy_exception_golden() {
    let fault = Fault::policy(
        "POL0001",
        "A policy error occurred. Error code is %1",
        vec!["MonthlyLimit<>".into()],
    );
    assert_eq!(
        text(encode(SoapVersion::V12, &fault)),
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>"#,
            r#"<env:Fault><env:Code><env:Value>env:Sender</env:Value></env:Code>"#,
            r#"<env:Reason><env:Text xml:lang="en">A policy error occurred. Error code is MonthlyLimit&lt;&gt;</env:Text></env:Reason>"#,
            r#"<env:Detail><ns1:PolicyException xmlns:ns1="http://www.csapi.org/schema/parlayx/common/v2_1">"#,
            r#"<messageId>POL0001</messageId><text>A policy error occurred. Error code is %1</text>"#,
            r#"<variables>MonthlyLimit&lt;&gt;</variables></ns1:PolicyException></env:Detail>"#,
            r#"</env:Fault></env:Body></env:Envelope>"#
        )
    );
}

#[test]
fn server_fault_and_substitution() {
    let fault = Fault::service(
        "SVC0270",
        "Charging operation failed, the charge was not applied",
        vec![],
        false,
    );
    let out = text(encode(SoapVersion::V11, &fault));
    assert!(out.contains("<faultcode>soapenv:Server</faultcode>"), "{out}");
    assert!(!out.contains("<variables>"), "{out}");
    let fault = Fault::service(
        "SVC9",
        "%1 and %2 and %10",
        (1..=10).map(|i| i.to_string()).collect(),
        true,
    );
    assert_eq!(fault.substituted(), "1 and 2 and 10");
    assert_eq!(http_status(&fault), 500);
}

#[test]
fn security_faults_golden() {
    assert_eq!(
        text(encode_security(
            SoapVersion::V11,
            SecurityFault::FailedAuthentication
        )),
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>"#,
            r#"<soapenv:Fault xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">"#,
            r#"<faultcode>wsse:FailedAuthentication</faultcode>"#,
            r#"<faultstring>The security token could not be authenticated or authorized</faultstring>"#,
            r#"</soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
        )
    );
    let out = text(encode_security(SoapVersion::V12, SecurityFault::InvalidSecurity));
    assert!(
        out.contains("<env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>wsse:InvalidSecurity</env:Value></env:Subcode></env:Code>"),
        "{out}"
    );
}

#[test]
fn version_mismatch_and_must_understand() {
    let out = text(encode_version_mismatch("r"));
    assert!(
        out.contains("<faultcode>soapenv:VersionMismatch</faultcode>"),
        "{out}"
    );
    let header = QName::new("urn:x", "Trace");
    let out = text(encode_must_understand(SoapVersion::V11, &header));
    assert!(out.contains("<faultcode>soapenv:MustUnderstand</faultcode><faultstring>Header block not understood: {urn:x}Trace</faultstring>"), "{out}");
    let out = text(encode_must_understand(SoapVersion::V12, &header));
    assert!(
        out.contains(r#"<env:Header><env:NotUnderstood qname="h:Trace" xmlns:h="urn:x"/></env:Header><env:Body><env:Fault><env:Code><env:Value>env:MustUnderstand</env:Value>"#),
        "{out}"
    );
}

#[test]
fn envelope_errors_map_to_faults() {
    let out = text(for_envelope_error(SoapVersion::V11, &EnvelopeError::Dtd));
    assert!(out.contains("<faultcode>soapenv:Client</faultcode>"), "{out}");
    assert!(out.contains("<messageId>SVC0001</messageId>"), "{out}");
    assert!(
        out.contains("<variables>XmlDoctypeNotAllowed</variables>"),
        "{out}"
    );
    let out = text(for_envelope_error(
        SoapVersion::V12,
        &EnvelopeError::VersionMismatch { found: String::new() },
    ));
    assert!(out.contains("soapenv:VersionMismatch"), "{out}");
    let err = EnvelopeError::InvalidSecurity {
        version: SoapVersion::V12,
        reason: "x",
    };
    assert!(text(for_envelope_error(SoapVersion::V11, &err)).contains("wsse:InvalidSecurity"));
}

#[test]
fn every_fault_is_a_well_formed_envelope() {
    let faults = [
        encode(SoapVersion::V11, &svc0002()),
        encode(SoapVersion::V12, &svc0002()),
        encode_security(SoapVersion::V11, SecurityFault::InvalidSecurity),
        encode_security(SoapVersion::V12, SecurityFault::FailedAuthentication),
        encode_version_mismatch("r"),
        encode_must_understand(SoapVersion::V12, &QName::new("urn:x", "H")),
    ];
    for bytes in faults {
        let media = if text(bytes.clone()).contains(crate::soap::SOAP12_NS) {
            SoapVersion::V12
        } else {
            SoapVersion::V11
        };
        let envelope = parse(&bytes, media, &Limits::default())
            .unwrap_or_else(|e| panic!("{e}: {}", text(bytes.clone())));
        assert_eq!(envelope.operation.local, "Fault");
    }
}

#[test]
fn structure_and_media_type_errors_map_to_faults() {
    let out = text(for_envelope_error(
        SoapVersion::V11,
        &EnvelopeError::WrongMediaType {
            envelope: SoapVersion::V12,
        },
    ));
    assert!(
        out.contains(
            "<faultcode>soapenv:VersionMismatch</faultcode><faultstring>SOAP 1.2 envelope sent as text/xml"
        ),
        "{out}"
    );
    assert!(out.contains(crate::soap::SOAP11_NS), "always SOAP 1.1: {out}");
    let misplaced = EnvelopeError::Misplaced {
        element: QName::new(crate::soap::SOAP11_NS, "Header"),
        position: 0,
    };
    let extra = EnvelopeError::ExtraBodyElement {
        found: QName::new("urn:x", "b"),
        position: 0,
    };
    for (error, code) in [
        (misplaced, "SoapElementMisplaced"),
        (extra, "SoapBodyExtraElement"),
    ] {
        let out = text(for_envelope_error(SoapVersion::V11, &error));
        assert!(out.contains("<faultcode>soapenv:Client</faultcode>"), "{out}");
        assert!(out.contains(&format!("<variables>{code}</variables>")), "{out}");
    }
}
