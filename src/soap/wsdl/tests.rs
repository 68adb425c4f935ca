mod facts;

use std::path::PathBuf;

use super::*;

/// The ETSI reference documents, kept beside the repository (see `shared/reference/parlayx/v2_1`).
fn reference_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/parlayx/v2_1"
    ));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "reference WSDL/XSD folder {} is missing on CI",
        dir.display()
    );
    eprintln!(
        "\n!!! SKIPPING WSDL compatibility check: {} not found !!!\n",
        dir.display()
    );
    None
}

#[test]
fn facts_match_the_reference_documents() {
    let Some(dir) = reference_dir() else { return };
    let mut compared = 0;
    for name in names() {
        let Ok(reference) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        let expected = facts::facts(&facts::parse(&reference));
        let ours = facts::facts(&facts::parse(document(name).unwrap()));
        let missing: Vec<_> = expected.difference(&ours).collect();
        assert!(
            missing.is_empty(),
            "{name}: facts of the reference missing from ours:\n{missing:#?}"
        );
        eprintln!("{name}: {} reference facts found in ours", expected.len());
        compared += 1;
    }
    // common types, payment types, faults, and the two payment service WSDLs exist in the reference set.
    assert!(compared >= 5, "only {compared} reference documents compared");
}

#[test]
fn the_comparison_notices_a_difference() {
    let Some(dir) = reference_dir() else { return };
    let reference = std::fs::read_to_string(dir.join("parlayx_common_types_2_1.xsd")).unwrap();
    let ours = document("parlayx_common_types_2_1.xsd").unwrap().replace(
        r#"name="currency" type="xs:string" minOccurs="0""#,
        r#"name="currency" type="xs:string" minOccurs="1""#,
    );
    let expected = facts::facts(&facts::parse(&reference));
    assert!(!expected.is_subset(&facts::facts(&facts::parse(&ours))));
}

#[test]
fn every_port_type_operation_is_bound_and_every_message_exists() {
    for service in names().filter(|n| {
        n.ends_with("_service_2_1.wsdl")
            || n.ends_with("_service_2_2.wsdl")
            || n.ends_with("_service_2_3.wsdl")
    }) {
        let interface = service.replace("_service_", "_interface_");
        let bound = facts::facts(&facts::parse(document(service).unwrap()));
        let declared = facts::facts(&facts::parse(document(&interface).unwrap()));
        let ops =
            |set: &std::collections::BTreeSet<String>, marker: &str| -> std::collections::BTreeSet<String> {
                set.iter()
                    .filter_map(|f| {
                        f.split_once(marker)
                            .map(|(_, rest)| rest.split(' ').next().unwrap().to_owned())
                    })
                    .collect()
            };
        let bound_ops = ops(&bound, " operation ");
        assert_eq!(
            bound_ops,
            ops(&declared, " operation "),
            "{service} vs {interface}"
        );
        for op in &bound_ops {
            for io in ["Request", "Response"] {
                assert!(
                    declared
                        .iter()
                        .any(|f| f.starts_with("message ") && f.contains(&format!("_{op}{io} part "))),
                    "{interface}: {op}{io}"
                );
            }
        }
    }
}

#[test]
fn documents_are_listed_and_references_resolve_to_served_documents() {
    assert_eq!(names().count(), 24);
    assert!(document("nope.wsdl").is_none());
    for name in names() {
        let text = document(name).unwrap();
        assert!(!text.contains("\r\n"), "{name}: LF line endings");
        for value in text
            .split("ocation=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
        {
            if let Some(target) = value
                .strip_prefix("/wsdl/")
                .or_else(|| value.strip_prefix("/schemas/"))
            {
                assert!(document(target).is_some(), "{name}: {value} is not served");
            } else {
                assert!(
                    value.starts_with(DEFAULT_ORIGIN),
                    "{name}: unexpected location {value}"
                );
            }
        }
    }
}

#[test]
fn service_documents_by_endpoint_path() {
    for path in service_paths()
        .chain(sms_service_paths())
        .chain(account_service_paths())
    {
        let (name, text) = service_document(path).unwrap();
        assert!(
            text.contains(&format!("location=\"{DEFAULT_ORIGIN}{path}\"")),
            "{name}"
        );
    }
    assert!(service_document("/Nope").is_none());
}

#[test]
fn with_address_rewrites_origin_and_keeps_paths() {
    let text = document("parlayx_payment_amount_charging_service_2_1.wsdl").unwrap();
    let out = with_address(text, "https://gw.example:8443/");
    assert!(out.contains(
        r#"<soap:address location="https://gw.example:8443/AmountChargingService/services/AmountCharging"/>"#
    ));
    assert!(out.contains(
        r#"location="https://gw.example:8443/wsdl/parlayx_payment_amount_charging_interface_2_1.wsdl""#
    ));
    assert!(!out.contains("localhost"));
    let interface = with_address(
        document("parlayx_payment_volume_charging_interface_2_1.wsdl").unwrap(),
        "http://h",
    );
    assert!(interface.contains(r#"schemaLocation="http://h/schemas/parlayx_payment_types_2_1.xsd""#));
    assert!(
        interface.contains(r#"namespace="http://www.csapi.org/schema/parlayx/payment/v2_1""#),
        "namespaces untouched"
    );
    assert_eq!(
        with_address(r#"<a location="urn:x"/>"#, "http://h"),
        r#"<a location="urn:x"/>"#
    );
}
