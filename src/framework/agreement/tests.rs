use super::*;

fn doc(json: serde_json::Value) -> ServiceAgreement {
    serde_json::from_value(json).unwrap()
}

#[test]
fn credit_limits_compile_apart_from_spend_limits_and_name_their_fields() {
    let a = Agreement::compile(&doc(serde_json::json!({
        "allow": ["Credit"],
        "spend_limits": [{"currency": "KRW", "per_charge": 100}],
        "credit_limits": [{"currency": "KRW", "per_credit": 5000, "monthly": 90000}],
    })))
    .unwrap();
    let krw = Currency::from_code("KRW").unwrap();
    let credit = Caps {
        per_charge: Some(5000),
        daily: None,
        monthly: Some(90_000),
    };
    assert_eq!((a.caps(krw).per_charge, a.credit_caps(krw)), (Some(100), credit));
    assert_eq!(a.check(Operation::BalanceUpdate, Utc::now()), Ok(()));
    let errors = Agreement::compile(&doc(serde_json::json!({
        "allow": ["Credit"],
        "credit_limits": [{"currency": "KRW", "per_credit": 0.5}, {"currency": "KRW"}],
    })))
    .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        ["credit_limits[0].per_credit", "credit_limits[1].currency"]
    );
}

#[test]
fn grants_rates_and_caps_compile() {
    let a = Agreement::compile(&doc(serde_json::json!({
        "allow": ["Payment", "SendSms.sendSms"],
        "rates": [{"scope": "Payment", "per_second": 50}, {"scope": "AmountCharging.chargeAmount", "per_second": 5, "burst": 10}],
        "spend_limits": [{"currency": "KRW", "per_charge": 50000, "daily": "1000000"}],
    })))
    .unwrap();
    let now = Utc::now();
    assert_eq!(a.check(Operation::ChargeAmount, now), Ok(()));
    assert_eq!(a.check(Operation::SendSms, now), Ok(()));
    assert_eq!(a.check(Operation::GetReceivedSms, now), Err(Denial::NotAllowed));
    let (scope, rate) = a.rate_for(Operation::ChargeAmount).unwrap();
    assert_eq!(
        (scope, rate.per_second.get(), rate.burst.get()),
        (Scope::Operation(Operation::ChargeAmount), 5, 10)
    );
    assert_eq!(
        a.rate_for(Operation::RefundAmount).unwrap().0,
        Scope::parse("Payment").unwrap()
    );
    assert!(a.rate_for(Operation::SendSms).is_none());
    let krw = Currency::from_code("KRW").unwrap();
    assert_eq!(
        a.caps(krw),
        Caps {
            per_charge: Some(50_000),
            daily: Some(1_000_000),
            monthly: None
        }
    );
    assert_eq!(a.caps(Currency::from_code("USD").unwrap()), Caps::default());
}

#[test]
fn validity_is_a_half_open_interval() {
    let from = Utc::now();
    let until = from + chrono::TimeDelta::days(1);
    let a = Agreement::compile(&doc(
        serde_json::json!({"allow": ["*"], "valid_from": from, "valid_until": until}),
    ))
    .unwrap();
    assert_eq!(
        a.check(Operation::GetBalance, from - chrono::TimeDelta::seconds(1)),
        Err(Denial::NotYetValid)
    );
    assert_eq!(a.check(Operation::GetBalance, from), Ok(()));
    assert_eq!(a.check(Operation::GetBalance, until), Err(Denial::Expired));
}

#[test]
fn calls_come_from_the_listed_networks_or_anywhere() {
    let anywhere = Agreement::compile(&doc(serde_json::json!({"allow": ["*"]}))).unwrap();
    assert!(anywhere.allows_source("198.51.100.9".parse().unwrap()));
    let listed = Agreement::compile(&doc(serde_json::json!({
        "allow": ["*"],
        "source_networks": ["203.0.113.5/24", "2001:db8::1", " 192.0.2.1 "],
    })))
    .unwrap();
    for inside in ["203.0.113.200", "2001:db8::1", "192.0.2.1", "::ffff:203.0.113.9"] {
        assert!(listed.allows_source(inside.parse().unwrap()), "{inside}");
    }
    for outside in ["203.0.114.1", "2001:db8::2", "192.0.2.2", "127.0.0.1"] {
        assert!(!listed.allows_source(outside.parse().unwrap()), "{outside}");
    }
}

#[test]
fn callbacks_go_to_the_listed_hosts_and_ports_only() {
    let a = Agreement::compile(&doc(serde_json::json!({
        "allow": ["*"],
        "callback_hosts": ["App.Example", "hooks.example:8443", "dev.example:*", "[2001:db8::7]:9000"],
    })))
    .unwrap();
    let allows = |u: &str| a.allows_callback(&url::Url::parse(u).unwrap());
    for ok in [
        "https://app.example/notify",
        "http://APP.example:80/x",
        "https://hooks.example:8443/x",
        "http://dev.example:1234/x",
        "http://[2001:db8::7]:9000/x",
    ] {
        assert!(allows(ok), "{ok}");
    }
    for refused in [
        "https://app.example:8443/x",
        "https://hooks.example/x",
        "ftp://app.example/x",
        "https://user:pw@app.example/x",
        "https://app.example.evil/x",
        "http://[2001:db8::7]/x",
    ] {
        assert!(!allows(refused), "{refused}");
    }
    for bad in ["host:", "host:0", "host:99999", "[::1", "::1", "a/b", ""] {
        let result = Agreement::compile(&doc(serde_json::json!({"allow": ["*"], "callback_hosts": [bad]})));
        assert!(result.is_err(), "{bad:?}");
    }
}

#[test]
fn callbacks_reach_public_addresses_and_the_listed_internal_networks() {
    let public = Agreement::compile(&doc(serde_json::json!({"allow": ["*"]}))).unwrap();
    for internal in [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "::1",
        "::",
        "fd00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
    ] {
        assert!(!public.may_reach(internal.parse().unwrap()), "{internal}");
    }
    for outside in ["8.8.8.8", "203.0.114.1", "2a00:1450::1"] {
        assert!(public.may_reach(outside.parse().unwrap()), "{outside}");
    }
    let lab = Agreement::compile(&doc(serde_json::json!({
        "allow": ["*"], "callback_networks": ["127.0.0.0/8", "10.20.0.0/16"],
    })))
    .unwrap();
    assert!(lab.may_reach("127.0.0.1".parse().unwrap()));
    assert!(lab.may_reach("::ffff:10.20.3.4".parse().unwrap()));
    assert!(!lab.may_reach("10.21.0.1".parse().unwrap()));
    assert!(!lab.may_reach("169.254.169.254".parse().unwrap()));
}

#[test]
fn every_invalid_field_is_reported() {
    let errors = Agreement::compile(&doc(serde_json::json!({
        "allow": ["Paymnet"],
        "rates": [{"scope": "x", "per_second": 0}],
        "spend_limits": [{"currency": "KRW", "per_charge": 0.5}, {"currency": "ZZZ"}],
        "callback_hosts": ["http://x"],
        "max_sms_addresses": 0,
        "source_networks": ["10.0.0.0/8", "10.0.0.0/33", "somewhere"],
        "callback_networks": ["private"],
    })))
    .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "allow[0]",
            "rates[0].scope",
            "rates[0].per_second",
            "rates[0].burst",
            "spend_limits[0].per_charge",
            "spend_limits[1].currency",
            "max_sms_addresses",
            "source_networks[1]",
            "source_networks[2]",
            "callback_hosts[0]",
            "callback_networks[0]"
        ]
    );
}
