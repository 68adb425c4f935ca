mod strict;

use super::*;
use crate::soap::{AMOUNT_CHARGING_NS, PXGATE_HEADER_NS, WSSE_NS};

const S11: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// Parse `text` as a body sent with the media type of the version its root is in.
fn parse_str(text: &str) -> Result<Envelope<'_>, EnvelopeError> {
    let media = if text.contains(crate::soap::SOAP12_NS) {
        SoapVersion::V12
    } else {
        SoapVersion::V11
    };
    parse(text.as_bytes(), media, &Limits::default())
}

/// A SOAP 1.1 envelope around `header` and `body` content.
fn envelope(header: &str, body: &str) -> String {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="{S11}" xmlns:loc="{AMOUNT_CHARGING_NS}"><soapenv:Header>{header}</soapenv:Header><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/soap/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn soapui_request_with_password_digest() {
    let body = fixture("amount_charging.chargeAmount.soapui.xml");
    let env = parse(&body, SoapVersion::V11, &Limits::default()).unwrap();
    assert_eq!(env.version, SoapVersion::V11);
    assert_eq!(env.operation, QName::new(AMOUNT_CHARGING_NS, "chargeAmount"));
    let payload = std::str::from_utf8(env.payload).unwrap();
    assert!(payload.starts_with("<loc:chargeAmount>"), "{payload}");
    assert!(payload.ends_with("</loc:chargeAmount>"), "{payload}");
    let token = env.security.unwrap();
    assert_eq!(token.username, "shop-app");
    assert_eq!(token.password, "tuOSpGlFlIXsozq4HFNeeGeFLEI=");
    assert_eq!(token.password_type, PasswordType::Digest);
    assert_eq!(token.nonce.as_deref().map(<[u8]>::len), Some(16));
    assert_eq!(token.created.as_deref(), Some("2024-05-01T10:00:00.000Z"));
    assert!(
        !format!("{token:?}").contains("tuOSp"),
        "Debug must not print the password"
    );
}

#[test]
fn password_text_with_entity_reference() {
    let body = fixture("amount_charging.refundAmount.soapui.xml");
    let token = parse(&body, SoapVersion::V11, &Limits::default())
        .unwrap()
        .security
        .unwrap();
    assert_eq!(token.password, "s3cret&pass");
    assert_eq!(token.password_type, PasswordType::Text);
    assert_eq!(token.nonce, None);
}

#[test]
fn soap12_with_must_understand_true_on_security() {
    let body = fixture("amount_charging.chargeAmount.soap12.xml");
    let env = parse(&body, SoapVersion::V12, &Limits::default()).unwrap();
    assert_eq!(env.version, SoapVersion::V12);
    assert_eq!(env.operation.local, "chargeAmount");
    let token = env.security.unwrap();
    assert_eq!(
        (token.password.as_str(), token.password_type),
        ("plain", PasswordType::Text)
    );
}

#[test]
fn empty_element_operation_and_bom() {
    let text = format!(
        "\u{feff}<?xml version=\"1.0\"?>{}",
        envelope("", "<loc:releaseReservation/>")
    );
    let env = parse_str(&text).unwrap();
    assert_eq!(env.payload, b"<loc:releaseReservation/>");
    assert_eq!(env.security, None);
}

#[test]
fn billion_laughs_is_refused_without_expansion() {
    let text = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><x>&lol3;</x></soapenv:Body></soapenv:Envelope>"#;
    assert_eq!(parse_str(text), Err(EnvelopeError::Dtd));
}

#[test]
fn xxe_is_refused() {
    let text = r#"<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><x>&xxe;</x></soapenv:Body></soapenv:Envelope>"#;
    assert_eq!(parse_str(text), Err(EnvelopeError::Dtd));
}

#[test]
fn undeclared_entity_is_refused() {
    let text = envelope("", "<loc:chargeAmount>&xxe;</loc:chargeAmount>");
    assert_eq!(
        parse_str(&text),
        Err(EnvelopeError::UnknownEntity { name: "xxe".into() })
    );
}

#[test]
fn deep_nesting_is_refused() {
    let depth = 10_000;
    let text = envelope("", &format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth)));
    assert_eq!(parse_str(&text), Err(EnvelopeError::TooDeep { limit: 32 }));
}

#[test]
fn a_million_elements_are_refused() {
    let text = envelope(
        "",
        &format!(
            "<loc:chargeAmount>{}</loc:chargeAmount>",
            "<a/>".repeat(1_000_000)
        ),
    );
    let limits = Limits {
        max_body_bytes: usize::MAX,
        ..Limits::default()
    };
    assert_eq!(
        parse(text.as_bytes(), SoapVersion::V11, &limits),
        Err(EnvelopeError::TooManyElements { limit: 10_000 })
    );
}

#[test]
fn oversized_body_is_refused() {
    let limits = Limits {
        max_body_bytes: 10,
        ..Limits::default()
    };
    let text = envelope("", "<loc:x/>");
    assert!(matches!(
        parse(text.as_bytes(), SoapVersion::V11, &limits),
        Err(EnvelopeError::TooLarge { limit: 10, .. })
    ));
}

#[test]
fn truncated_documents_are_malformed() {
    let text = envelope(
        "",
        "<loc:chargeAmount><loc:endUserIdentifier>tel:1</loc:endUserIdentifier></loc:chargeAmount>",
    );
    for cut in [1, 10, 60, text.len() / 2, text.len() - 1] {
        let result = parse_str(&text[..cut]);
        assert!(
            matches!(result, Err(EnvelopeError::Malformed { .. })),
            "cut at {cut}: {result:?}"
        );
    }
}

#[test]
fn mismatched_end_tag_and_bad_utf8_are_malformed() {
    let text = envelope("", "<loc:a></loc:b>");
    assert!(matches!(parse_str(&text), Err(EnvelopeError::Malformed { .. })));
    let mut bytes = envelope("", "<loc:a>x</loc:a>").into_bytes();
    bytes[150] = 0xff;
    assert!(matches!(
        parse(&bytes, SoapVersion::V11, &Limits::default()),
        Err(EnvelopeError::Malformed { position: 150, .. })
    ));
}

#[test]
fn undeclared_prefix_is_malformed() {
    let text = envelope("", "<nope:chargeAmount/>");
    assert!(matches!(parse_str(&text), Err(EnvelopeError::Malformed { .. })));
}

#[test]
fn processing_instruction_is_refused() {
    let text = envelope("", "<?php echo 1; ?><loc:a/>");
    assert!(matches!(parse_str(&text), Err(EnvelopeError::Malformed { .. })));
}

#[test]
fn wrong_envelope_namespace_is_version_mismatch() {
    let text = r#"<e:Envelope xmlns:e="http://example.com/soap"><e:Body><a/></e:Body></e:Envelope>"#;
    assert_eq!(
        parse_str(text),
        Err(EnvelopeError::VersionMismatch {
            found: "http://example.com/soap".into()
        })
    );
    let text = "<Envelope><Body><a/></Body></Envelope>";
    assert_eq!(
        parse_str(text),
        Err(EnvelopeError::VersionMismatch { found: String::new() })
    );
}

#[test]
fn other_root_is_not_an_envelope() {
    let text = format!(r#"<loc:chargeAmount xmlns:loc="{AMOUNT_CHARGING_NS}"/>"#);
    assert_eq!(
        parse_str(&text),
        Err(EnvelopeError::NotAnEnvelope {
            found: QName::new(AMOUNT_CHARGING_NS, "chargeAmount")
        })
    );
}

#[test]
fn missing_or_empty_body() {
    let no_body = format!(r#"<s:Envelope xmlns:s="{S11}"><s:Header/></s:Envelope>"#);
    assert_eq!(parse_str(&no_body), Err(EnvelopeError::NoBody));
    assert_eq!(
        parse_str(&format!(r#"<s:Envelope xmlns:s="{S11}"/>"#)),
        Err(EnvelopeError::NoBody)
    );
    let empty = format!(r#"<s:Envelope xmlns:s="{S11}"><s:Body/></s:Envelope>"#);
    assert_eq!(parse_str(&empty), Err(EnvelopeError::EmptyBody));
    assert_eq!(
        parse_str(&envelope("", "  <!-- nothing -->  ")),
        Err(EnvelopeError::EmptyBody)
    );
}

#[test]
fn trailing_content_is_refused_but_comments_are_fine() {
    let ok = format!("{}\n<!-- sent by test -->\n", envelope("", "<loc:a/>"));
    assert!(parse_str(&ok).is_ok());
    for tail in ["<second/>", "garbage", "<soapenv:Envelope/>"] {
        let text = format!("{}{tail}", envelope("", "<loc:a/>"));
        let result = parse_str(&text);
        assert!(
            matches!(
                result,
                Err(EnvelopeError::TrailingContent { .. }) | Err(EnvelopeError::Malformed { .. })
            ),
            "{tail}: {result:?}"
        );
    }
    let text = format!("{}<second/>", envelope("", "<loc:a/>"));
    assert!(matches!(
        parse_str(&text),
        Err(EnvelopeError::TrailingContent { .. })
    ));
}

#[test]
fn must_understand_unknown_header_is_refused() {
    let header = r#"<h:Trace xmlns:h="urn:x" soapenv:mustUnderstand="1"><h:id>1</h:id></h:Trace>"#;
    assert_eq!(
        parse_str(&envelope(header, "<loc:a/>")),
        Err(EnvelopeError::MustUnderstand {
            version: SoapVersion::V11,
            header: QName::new("urn:x", "Trace")
        })
    );
}

#[test]
fn optional_or_foreign_headers_are_tolerated() {
    let headers = [
        r#"<NotifySOAPHeader xmlns="http://www.huawei.com.cn/schema/common/v2_1"><spId>1</spId></NotifySOAPHeader>"#,
        r#"<h:Trace xmlns:h="urn:x" soapenv:mustUnderstand="0"/>"#,
        r#"<h:Trace xmlns:h="urn:x" mustUnderstand="1"/>"#,
        r#"<h:Trace xmlns:h="urn:x" soapenv:mustUnderstand="1" soapenv:actor="urn:someone-else"/>"#,
    ];
    for header in headers {
        assert!(parse_str(&envelope(header, "<loc:a/>")).is_ok(), "{header}");
    }
}

#[test]
fn the_client_correlator_block_is_read_and_understood() {
    let block = |attrs: &str, text: &str| {
        format!(r#"<px:clientCorrelator xmlns:px="{PXGATE_HEADER_NS}"{attrs}>{text}</px:clientCorrelator>"#)
    };
    let read = |header: &str| parse_str(&envelope(header, "<loc:a/>")).map(|e| e.client_correlator);
    let found = |value: &str, must_understand: bool| {
        Ok(Some(ClientCorrelator {
            value: value.to_owned(),
            must_understand,
        }))
    };
    assert_eq!(read(&block("", " abc-123\n")), found("abc-123", false));
    assert_eq!(read(&block("", "a&amp;b")), found("a&b", false));
    // Understood, so mustUnderstand is no fault here (the binding faults on an operation that
    // does not act on it).
    assert_eq!(
        read(&block(r#" soapenv:mustUnderstand="1""#, "k")),
        found("k", true)
    );
    assert_eq!(
        read(&block("", "")),
        found("", false),
        "empty is the service's to refuse"
    );
    let empty = format!(r#"<px:clientCorrelator xmlns:px="{PXGATE_HEADER_NS}"/>"#);
    assert_eq!(read(&empty), found("", false));
    assert_eq!(read(""), Ok(None));
    // Aimed at another actor: not ours, so not read.
    assert_eq!(
        read(&block(r#" soapenv:actor="urn:someone-else""#, "k")),
        Ok(None)
    );
    let twice = format!("{}{}", block("", "a"), block("", "b"));
    assert!(matches!(read(&twice), Err(EnvelopeError::Malformed { .. })));
    assert!(matches!(
        read(&block("", "<px:x/>")),
        Err(EnvelopeError::Malformed { .. })
    ));
    // The same name in another namespace is a foreign block like any other.
    let foreign = r#"<x:clientCorrelator xmlns:x="urn:x" soapenv:mustUnderstand="1">k</x:clientCorrelator>"#;
    assert!(matches!(read(foreign), Err(EnvelopeError::MustUnderstand { .. })));
}

fn security(token: &str) -> String {
    format!(
        r#"<wsse:Security xmlns:wsse="{WSSE_NS}"><wsse:UsernameToken>{token}</wsse:UsernameToken></wsse:Security>"#
    )
}

#[test]
fn unusable_username_tokens_are_invalid_security() {
    let cases = [
        "<wsse:Username>a</wsse:Username>",
        "<wsse:Password>p</wsse:Password>",
        r#"<wsse:Username>a</wsse:Username><wsse:Password Type="urn:x#PasswordHash">p</wsse:Password>"#,
        "<wsse:Username>a</wsse:Username><wsse:Password>p</wsse:Password><wsse:Nonce>!!!</wsse:Nonce>",
        "<wsse:Username>a<b/></wsse:Username><wsse:Password>p</wsse:Password>",
    ];
    for token in cases {
        let text = envelope(&security(token), "<loc:a/>");
        let result = parse_str(&text);
        assert!(
            matches!(result, Err(EnvelopeError::InvalidSecurity { .. })),
            "{token}: {result:?}"
        );
    }
}

#[test]
fn security_without_username_token_is_no_token() {
    let header = format!(
        r#"<wsse:Security xmlns:wsse="{WSSE_NS}"><wsse:BinarySecurityToken>AA==</wsse:BinarySecurityToken></wsse:Security>"#
    );
    assert_eq!(parse_str(&envelope(&header, "<loc:a/>")).unwrap().security, None);
}

/// A Huawei SDP RequestSOAPHeader (children prefixed or in no namespace) is read as a token whose
/// nonce is its timeStamp; one without spId, spPassword or timeStamp, or beside a WS-Security
/// token, is invalid security.
#[test]
fn huawei_request_headers_are_tokens() {
    const HW: &str = "http://www.huawei.com.cn/schema/common/v2_1";
    let header =
        |fields: &str| format!(r#"<tns:RequestSOAPHeader xmlns:tns="{HW}">{fields}</tns:RequestSOAPHeader>"#);
    let full = header(
        "<tns:spId>000201</tns:spId><tns:spPassword>ABC</tns:spPassword><tns:serviceId>35</tns:serviceId>\
         <tns:timeStamp>20100731064245</tns:timeStamp><tns:OA>8613300000010</tns:OA><tns:FA>8613300000010</tns:FA>",
    );
    let token = parse_str(&envelope(&full, "<loc:a/>")).unwrap().security.unwrap();
    assert_eq!(
        (
            token.username.as_str(),
            token.password.as_str(),
            token.password_type
        ),
        ("000201", "ABC", crate::soap::envelope::PasswordType::SpMd5)
    );
    assert_eq!(token.nonce.as_deref(), Some(&b"20100731064245"[..]));
    assert_eq!(token.created.as_deref(), Some("20100731064245"));
    let unqualified = header("<spId>7</spId><spPassword>x</spPassword><timeStamp>20100731064245</timeStamp>");
    assert_eq!(
        parse_str(&envelope(&unqualified, "<loc:a/>"))
            .unwrap()
            .security
            .unwrap()
            .username,
        "7"
    );
    let both = format!(
        "{full}{}",
        security("<wsse:Username>a</wsse:Username><wsse:Password>p</wsse:Password>")
    );
    for bad in [
        header("<tns:spPassword>x</tns:spPassword><tns:timeStamp>20100731064245</tns:timeStamp>"),
        header("<tns:spId>7</tns:spId><tns:timeStamp>20100731064245</tns:timeStamp>"),
        header("<tns:spId>7</tns:spId><tns:spPassword>x</tns:spPassword>"),
        format!(r#"<tns:RequestSOAPHeader xmlns:tns="{HW}"/>"#),
        both,
    ] {
        let text = envelope(&bad, "<loc:a/>");
        let result = parse_str(&text);
        assert!(
            matches!(result, Err(EnvelopeError::InvalidSecurity { .. })),
            "{bad}: {result:?}"
        );
    }
}
