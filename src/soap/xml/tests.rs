use rust_decimal::Decimal;

use super::*;
use crate::soap::payment_xml::{ChargeAmount, ChargeVolume, ChargingInformation};

fn charge_amount(inner: &str) -> Result<ChargeAmount, InvalidPart> {
    decode(format!("<loc:chargeAmount>{inner}</loc:chargeAmount>").as_bytes())
}

const CHARGE: &str = "<loc:charge><description>d</description><amount>1</amount></loc:charge>";

#[test]
fn missing_element_names_the_part() {
    let err = charge_amount(&format!("{CHARGE}<loc:referenceCode>r</loc:referenceCode>")).unwrap_err();
    assert_eq!(err.part, "endUserIdentifier");
    let err = charge_amount(
        "<loc:endUserIdentifier>tel:1</loc:endUserIdentifier><loc:referenceCode>r</loc:referenceCode>",
    )
    .unwrap_err();
    assert_eq!(err.part, "charge");
}

#[test]
fn bad_decimal_names_the_nested_part() {
    for bad in ["1,5x", "1e5", "abc", "1.2.3", "--1"] {
        let inner = format!(
            "<loc:endUserIdentifier>tel:1</loc:endUserIdentifier><loc:charge><description>d</description><amount>{bad}</amount></loc:charge><loc:referenceCode>r</loc:referenceCode>"
        );
        let err = charge_amount(&inner).unwrap_err();
        assert_eq!(err.part, "charge.amount", "{bad}: {err:?}");
    }
}

#[test]
fn bad_long_names_the_part() {
    let err: InvalidPart = decode::<ChargeVolume>(
        b"<chargeVolume><endUserIdentifier>tel:1</endUserIdentifier><volume>lots</volume><referenceCode>r</referenceCode></chargeVolume>",
    )
    .unwrap_err();
    assert_eq!(err.part, "volume");
}

#[test]
fn empty_optional_elements_are_none() {
    let info: ChargingInformation =
        decode(b"<charge><description/><currency/><amount>  </amount><code></code></charge>").unwrap();
    assert_eq!(
        info,
        ChargingInformation {
            description: String::new(),
            currency: None,
            amount: None,
            code: None
        }
    );
}

#[test]
fn decimals_keep_their_scale() {
    let info: ChargingInformation =
        decode(b"<c><description>x</description><amount>+0012.500</amount></c>").unwrap();
    assert_eq!(info.amount, Some(Decimal::new(12500, 3)));
    assert_eq!(info.amount.unwrap().to_string(), "12.500");
    let info: ChargingInformation =
        decode(b"<c><description>x</description><amount>-3</amount></c>").unwrap();
    assert_eq!(info.amount, Some(Decimal::new(-3, 0)));
}

#[test]
fn unknown_children_are_ignored() {
    let request = charge_amount(&format!(
        "<loc:endUserIdentifier>tel:1</loc:endUserIdentifier>{CHARGE}<loc:referenceCode>r</loc:referenceCode><loc:vendorExtra>1</loc:vendorExtra>"
    ))
    .unwrap();
    assert_eq!(request.reference_code, "r");
}

#[test]
fn escape_covers_markup_characters() {
    let mut out = String::new();
    escape_into(&mut out, r#"a<b>&"c'"#);
    assert_eq!(out, "a&lt;b&gt;&amp;&quot;c&apos;");
    out.clear();
    escape_into(&mut out, "tel:+8210");
    assert_eq!(out, "tel:+8210");
}

#[test]
fn response_writer_golden() {
    let mut w = ResponseWriter::new(SoapVersion::V11, "urn:local", "opResponse");
    w.qualified_text("result", "a&b");
    w.start_qualified("info")
        .unqualified_text("name", "<n>")
        .end_qualified("info");
    assert_eq!(
        String::from_utf8(w.finish()).unwrap(),
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">"#,
            r#"<soapenv:Body><ns:opResponse xmlns:ns="urn:local"><ns:result>a&amp;b</ns:result>"#,
            r#"<ns:info><name>&lt;n&gt;</name></ns:info></ns:opResponse></soapenv:Body></soapenv:Envelope>"#
        )
    );
}

#[test]
fn characters_xml_cannot_carry_become_replacement_characters() {
    let mut out = String::new();
    escape_into(&mut out, "ORDER 2 \u{1}tea\u{c}\t\n\r\u{FFFE}한글 <b>");
    assert_eq!(out, "ORDER 2 \u{FFFD}tea\u{FFFD}\t\n\r\u{FFFD}한글 &lt;b&gt;");
    let mut w = ResponseWriter::new(SoapVersion::V11, "urn:local", "opResponse");
    w.qualified_text("message", "a\u{0}b");
    let xml = String::from_utf8(w.finish()).unwrap();
    assert!(xml.contains("<ns:message>a\u{FFFD}b</ns:message>"), "{xml}");
    assert!(!xml.contains('\u{0}'), "{xml}");
}
