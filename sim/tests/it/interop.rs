//! Interop with a third-party ESME: python `smpplib` from PyPI, in a venv this test creates
//! (reused when present). Without `CI` set, a missing python/venv/pip skips loudly.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

fn venv_dir() -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    base.join("pxsim-interop-venv")
}

fn ensure_venv(dir: &Path) -> Result<PathBuf, String> {
    let python = dir.join("bin").join("python");
    let has_smpplib = |py: &Path| {
        Command::new(py)
            .args(["-c", "import smpplib"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.exists() && has_smpplib(&python) {
        return Ok(python);
    }
    let status = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(dir)
        .status()
        .map_err(|e| format!("python3: {e}"))?;
    if !status.success() {
        return Err(format!("python3 -m venv failed: {status}"));
    }
    let pip = dir.join("bin").join("pip");
    let status = Command::new(pip)
        .args(["install", "--quiet", "smpplib"])
        .status()
        .map_err(|e| format!("pip: {e}"))?;
    if !status.success() || !has_smpplib(&python) {
        return Err(format!("pip install smpplib failed: {status}"));
    }
    Ok(python)
}

/// smpplib binds, submits a GSM 7-bit and a UCS-2 Korean message with receipts requested,
/// receives both delivery receipts matching the submit_sm_resp ids, and the simulator's
/// inbox shows both texts decoded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpplib_third_party_client() {
    let python = match ensure_venv(&venv_dir()) {
        Ok(p) => p,
        Err(e) if std::env::var_os("CI").is_some() => panic!("interop venv: {e}"),
        Err(e) => {
            eprintln!("\n!!! SKIPPING smpplib interop test: {e} (set CI=1 to make this fail)\n");
            return;
        }
    };
    let sim = start(fast_config()).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/smpplib_client.py");
    let port = sim.smpp_addr().port().to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args(["127.0.0.1", &port])
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "smpplib script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let texts: Vec<String> = sim.inbox("+821077777777").into_iter().map(|m| m.text).collect();
    assert_eq!(texts, ["Hello from smpplib", "안녕하세요 smpplib"]);
    assert_eq!(sim.stats().receipts_sent, 2);
}
