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
    let err = Config::load(Path::new("/nonexistent/pxgate.toml"), EnvOverrides::default()).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/pxgate.toml"));
}

/// A file with only the required keys, and the environment `vars`.
fn load_with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pxgate.toml");
    let key = crate::crypto::SecretBox::generate_key();
    let text = format!("[store]\nurl = \"sqlite://x.db\"\n[framework]\nsecret_key = \"{key}\"\n");
    std::fs::write(&path, text).unwrap();
    Config::load(&path, EnvOverrides::from_vars(vars.iter().copied()))
}

#[test]
fn every_unknown_key_and_wrong_type_is_reported_at_once() {
    let text = r#"
        [store]
        url = "sqlite://x.db"
        urll = 1
        max_connections = "many"
        [alerts]
        sendr = "1588"
        [nope]
        x = 1
    "#;
    let ConfigError::Syntax(errors) = Config::from_toml(text).unwrap_err() else {
        panic!("not Syntax")
    };
    let keys: Vec<&str> = errors.iter().map(|e| e.split(':').next().unwrap_or("")).collect();
    for key in ["store.urll", "store.max_connections", "alerts.sendr", "nope"] {
        assert!(keys.contains(&key), "{key} missing from {errors:#?}");
    }
    assert_eq!(errors.len(), 4, "{errors:#?}");
}

#[test]
fn environment_values_are_text_where_the_key_is_text_and_numbers_where_it_is_a_number() {
    let config = load_with(&[
        ("PXGATE_ALERTS__SENDER", "01588"),
        ("PXGATE_LOCALE__DEFAULT_COUNTRY_CODE", "82"),
        ("PXGATE_STORE__MAX_CONNECTIONS", "16"),
        ("PXGATE_ALERTS__ENABLED", "true"),
    ])
    .unwrap();
    assert_eq!(config.alerts.sender, "01588", "the leading zero is kept");
    assert_eq!(config.locale.default_country_code, "82");
    assert_eq!(config.store.max_connections, 16);
    assert!(config.alerts.enabled);
    let sender = load_with(&[("PXGATE_ALERTS__SENDER", "1588")]).unwrap();
    assert_eq!(sender.alerts.sender, "1588");
    let err = load_with(&[("PXGATE_STORE__MAX_CONNECTIONS", "many")]).unwrap_err();
    assert!(err.to_string().contains("store.max_connections"), "{err}");
}

#[test]
fn pxgate_variables_that_are_not_configuration_are_errors_naming_the_spelling_meant() {
    let err = load_with(&[
        ("PXGATE_STORE_URL", "sqlite://y.db"),
        ("PXGATE_STORE_MAX_CONNECTIONS", "4"),
        ("PXGATE_HTTP_TLS_CERT_PATH", "/etc/cert.pem"),
        ("PXGATE_NONSENSE", "1"),
        ("PXGATE_STORE__URLL", "x"),
        ("PXGATE_CONFIG", "/etc/pxgate.toml"),
        ("PXGATE_ADMIN_URL", "http://127.0.0.1:8080"),
        ("PXGATE_ADMIN_TOKEN", "t"),
        ("PXGATE_TEST_PG_URL", "postgres://x"),
        ("HOME", "/root"),
    ])
    .unwrap_err()
    .to_string();
    for said in [
        "PXGATE_STORE_URL: not a configuration variable",
        "did you mean PXGATE_STORE__URL?",
        "did you mean PXGATE_STORE__MAX_CONNECTIONS?",
        "did you mean PXGATE_HTTP__TLS__CERT_PATH?",
        "PXGATE_NONSENSE: not a configuration variable; settings are PXGATE_<SECTION>__<KEY>",
        "store.urll: unknown key (the keys here are url, max_connections, sqlite_synchronous)",
        "(from PXGATE_STORE__URLL)",
    ] {
        assert!(err.contains(said), "{said:?} missing from {err}");
    }
    for read_elsewhere in [
        "PXGATE_CONFIG:",
        "PXGATE_ADMIN_URL:",
        "PXGATE_ADMIN_TOKEN:",
        "PXGATE_TEST_PG_URL:",
    ] {
        assert!(!err.contains(read_elsewhere), "{read_elsewhere} {err}");
    }
    assert!(load_with(&[("PXGATE_ADMIN_TOKEN", "t"), ("PXGATE_CONFIG", "x")]).is_ok());
}
