//! The example config parses, and the binary exits 64 naming the bad key.

use std::path::Path;

/// sim/smsc-sim.example.toml is valid and differs from the defaults only where it says so.
#[test]
fn example_config_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("smsc-sim.example.toml");
    let text = std::fs::read_to_string(path).unwrap();
    let cfg = pxsim::SimConfig::from_toml(&text).unwrap();
    assert!(cfg.accounts.iter().any(|a| a.system_id == "pxgate"));
    assert!(!cfg.receipts.rules.is_empty());
}

/// `smsc-sim --config bad.toml` exits with 64 and names the offending key.
#[test]
fn invalid_config_exits_64() {
    let dir = std::env::temp_dir().join(format!("pxsim-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(
        &file,
        "[faults]\nerror_probability = 3.0\n[[accounts]]\nsystem_id = \"x\"\npassword = \"waytoolongpw\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smsc-sim"))
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("faults.error_probability") && err.contains("accounts[0].password"),
        "{err}"
    );
    std::fs::write(&file, "smpp_listen = 5\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smsc-sim"))
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("smpp_listen"));
}
