//! The strict reading of an envelope: well-formedness quick-xml leaves to its caller (duplicate
//! attributes, a late XML declaration), the order of `Envelope`'s children, one operation per
//! `Body`, and the version the media type names.

use super::*;

#[test]
fn duplicate_attributes_are_malformed() {
    let raw = envelope("", r#"<loc:a x="1" x="2"/>"#);
    assert!(
        matches!(parse_str(&raw), Err(EnvelopeError::Malformed { ref reason, .. }) if reason.contains("duplicate")),
        "{:?}",
        parse_str(&raw)
    );
    // Two prefixes bound to one namespace name the same attribute (Namespaces in XML 1.0 §6.3).
    let expanded = envelope("", r#"<loc:a xmlns:p="urn:x" xmlns:q="urn:x" p:y="1" q:y="2"/>"#);
    assert!(matches!(
        parse_str(&expanded),
        Err(EnvelopeError::Malformed { .. })
    ));
    let in_header = envelope(r#"<h:T xmlns:h="urn:x" h:a="1" h:a="1"/>"#, "<loc:a/>");
    assert!(matches!(
        parse_str(&in_header),
        Err(EnvelopeError::Malformed { .. })
    ));
    let on_envelope =
        format!(r#"<s:Envelope xmlns:s="{S11}" xmlns:s="{S11}"><s:Body><a/></s:Body></s:Envelope>"#);
    assert!(matches!(
        parse_str(&on_envelope),
        Err(EnvelopeError::Malformed { .. })
    ));
    // The position points at the second attribute.
    let Err(EnvelopeError::Malformed { position, .. }) = parse_str(&raw) else {
        unreachable!()
    };
    let position = usize::try_from(position).unwrap();
    assert_eq!(&raw[position..position + 5], r#"x="2""#);
    let distinct = envelope(
        "",
        r#"<loc:a xmlns:p="urn:x" xmlns:q="urn:y" p:y="1" q:y="2" y="3"/>"#,
    );
    assert!(parse_str(&distinct).is_ok());
}

#[test]
fn an_xml_declaration_is_only_allowed_first() {
    let body = envelope("", "<loc:a/>");
    assert!(parse_str(&format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}")).is_ok());
    for text in [
        format!("<?xml version=\"1.0\"?><?xml version=\"1.0\"?>{body}"),
        format!("  <?xml version=\"1.0\"?>{body}"),
        format!("<!-- c --><?xml version=\"1.0\"?>{body}"),
        envelope("", "<?xml version=\"1.0\"?><loc:a/>"),
        envelope("<?xml version=\"1.0\"?>", "<loc:a/>"),
        format!("{body}<?xml version=\"1.0\"?>"),
    ] {
        let result = parse_str(&text);
        assert!(
            matches!(result, Err(EnvelopeError::Malformed { .. })),
            "{text}: {result:?}"
        );
    }
}

#[test]
fn header_must_be_the_first_child_of_envelope() {
    let header = security(
        r#"<wsse:UsernameToken><wsse:Username>u</wsse:Username><wsse:Password>p</wsse:Password></wsse:UsernameToken>"#,
    );
    let after_body = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{S11}" xmlns:loc="{AMOUNT_CHARGING_NS}"><soapenv:Body><loc:a/></soapenv:Body><soapenv:Header>{header}</soapenv:Header></soapenv:Envelope>"#
    );
    let empty_after_body = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{S11}" xmlns:loc="{AMOUNT_CHARGING_NS}"><soapenv:Body><loc:a/></soapenv:Body><soapenv:Header/></soapenv:Envelope>"#
    );
    let twice = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{S11}" xmlns:loc="{AMOUNT_CHARGING_NS}"><soapenv:Header/><soapenv:Header>{header}</soapenv:Header><soapenv:Body><loc:a/></soapenv:Body></soapenv:Envelope>"#
    );
    let before_body = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{S11}" xmlns:loc="{AMOUNT_CHARGING_NS}"><x:extra xmlns:x="urn:x"/><soapenv:Body><loc:a/></soapenv:Body></soapenv:Envelope>"#
    );
    for text in [after_body, empty_after_body, twice, before_body] {
        let result = parse_str(&text);
        assert!(
            matches!(result, Err(EnvelopeError::Misplaced { .. })),
            "{text}: {result:?}"
        );
    }
    let after = format!(
        r#"<soapenv:Envelope xmlns:soapenv="{S11}" xmlns:loc="{AMOUNT_CHARGING_NS}"><soapenv:Header/><soapenv:Body><loc:a/></soapenv:Body><x:extra xmlns:x="urn:x"/></soapenv:Envelope>"#
    );
    assert!(parse_str(&after).is_ok(), "SOAP 1.1 §4: elements may follow Body");
}

#[test]
fn a_second_operation_in_body_is_refused() {
    for body in [
        "<loc:chargeAmount><a/></loc:chargeAmount><loc:refundAmount/>",
        "<loc:chargeAmount/><loc:chargeAmount/>",
        "<loc:chargeAmount/><!-- c --> <x:y xmlns:x=\"urn:x\">1</x:y>",
    ] {
        let text = envelope("", body);
        let result = parse_str(&text);
        assert!(
            matches!(result, Err(EnvelopeError::ExtraBodyElement { .. })),
            "{body}: {result:?}"
        );
    }
    let text = envelope("", " <!-- c --> <loc:chargeAmount><a/></loc:chargeAmount>\n ");
    let one = parse_str(&text).unwrap();
    assert_eq!(one.payload, b"<loc:chargeAmount><a/></loc:chargeAmount>");
}

#[test]
fn the_envelope_must_be_in_the_version_of_the_media_type() {
    let v11 = envelope("", "<loc:a/>");
    let v12 = v11.replace(S11, crate::soap::SOAP12_NS);
    let limits = Limits::default();
    assert_eq!(
        parse(v11.as_bytes(), SoapVersion::V11, &limits).unwrap().version,
        SoapVersion::V11
    );
    assert_eq!(
        parse(v12.as_bytes(), SoapVersion::V12, &limits).unwrap().version,
        SoapVersion::V12
    );
    assert_eq!(
        parse(v12.as_bytes(), SoapVersion::V11, &limits),
        Err(EnvelopeError::WrongMediaType {
            envelope: SoapVersion::V12
        })
    );
    assert_eq!(
        parse(v11.as_bytes(), SoapVersion::V12, &limits),
        Err(EnvelopeError::WrongMediaType {
            envelope: SoapVersion::V11
        })
    );
}
