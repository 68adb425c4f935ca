use super::*;

#[test]
fn the_example_config_refuses_its_placeholders_and_validates_once_they_are_replaced() {
    let text = include_str!("../../pxgate.example.toml");
    let err = Config::from_toml(text).unwrap_err().to_string();
    assert!(
        err.contains("admin.operators[0].token_sha256: still the example's placeholder"),
        "{err}"
    );
    assert!(
        err.contains("framework.secret_key: still the example's placeholder"),
        "{err}"
    );
    let key = crate::crypto::SecretBox::generate_key();
    let replaced: String = text
        .lines()
        .map(|line| match line.split_once(" = \"REPLACE-ME") {
            Some(("token_sha256", _)) => format!("token_sha256 = \"{}\"", "ab".repeat(32)),
            Some(("secret_key", _)) => format!("secret_key = \"{key}\""),
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let config = Config::from_toml(&replaced).expect("example config is valid once filled in");
    assert_eq!(config.locale.time_zone, "Asia/Seoul");
    assert!(!config.admin.operators.is_empty());
}

#[test]
fn unknown_keys_are_errors_naming_the_key() {
    let err = Config::from_toml("[store]\nurl = \"sqlite://x.db\"\nurll = 1\n").unwrap_err();
    assert!(err.to_string().contains("urll"), "{err}");
}

#[test]
fn every_invalid_value_is_reported_at_once() {
    let text = r#"
        [http]
        body_limit_bytes = 0
        [store]
        url = "mysql://x"
        [locale]
        time_zone = "Mars/Olympus"
        default_country_code = "0x"
        default_currency = "XYZ"
        [[admin.operators]]
        name = "ops"
        token_sha256 = "abc"
        [framework]
        secret_key = "c2hvcnQ="
        default_burst = 0
    "#;
    let ConfigError::Invalid(errors) = Config::from_toml(text).unwrap_err() else {
        panic!("not Invalid")
    };
    let keys: Vec<&str> = errors.iter().map(|e| e.split(':').next().unwrap_or("")).collect();
    assert_eq!(
        keys,
        [
            "http.body_limit_bytes",
            "store.url",
            "locale.time_zone",
            "locale.default_country_code",
            "locale.default_currency",
            "admin.operators[0].token_sha256",
            "framework.secret_key",
            "framework.default_burst"
        ]
    );
}

#[test]
fn a_missing_file_is_reported_with_its_path() {
    let err = Config::load(
        Path::new("/nonexistent/pxgate.toml"),
        Env::prefixed("PXGATE_TEST_NONE_"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/pxgate.toml"));
}
