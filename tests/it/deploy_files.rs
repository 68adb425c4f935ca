//! The deployment files speak of the gateway as it is: every metric the Prometheus alert rules
//! (`deploy/prometheus/alerts.yml`) use is one the gateway exports, and, where `promtool` is
//! installed, the rules file is valid.

use std::path::Path;

/// Every `pxgate_…` metric name in `text`, without the histogram suffixes.
fn metric_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .match_indices("pxgate_")
        .map(|(at, _)| {
            text[at..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect::<String>()
        })
        .map(|n| {
            ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| n.strip_suffix(s).map(str::to_owned))
                .unwrap_or(n)
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The gateway's source, every `.rs` file under `src/`.
fn source(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn the_alert_rules_use_only_metrics_the_gateway_exports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules_file = root.join("deploy/prometheus/alerts.yml");
    let rules = std::fs::read_to_string(&rules_file).unwrap();
    let mut code = String::new();
    source(&root.join("src"), &mut code);
    let names = metric_names(&rules);
    assert!(names.len() >= 5, "{names:?}");
    for name in &names {
        assert!(
            code.contains(&format!("\"{name}\"")),
            "{name} is in alerts.yml but not exported"
        );
    }
    if let Ok(out) = std::process::Command::new("promtool")
        .args(["check", "rules"])
        .arg(&rules_file)
        .output()
    {
        assert!(
            out.status.success(),
            "promtool: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
