//! The deployment files speak of the gateway as it is: every metric the Prometheus alert rules
//! (`deploy/prometheus/alerts.yml`) and the Grafana dashboard (`deploy/grafana/pxgate.json`) use is
//! one the gateway exports (the dashboard's are read off a running gateway's `/metrics` after it
//! sent messages over two SMSC links), and, where `promtool` is installed (always in CI), the rules
//! and every dashboard query are valid PromQL.

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
    promtool_check_rules(&rules_file);
}

/// Every query of the dashboard, panel by panel: (panel title, expr).
fn dashboard_queries(dashboard: &serde_json::Value) -> Vec<(String, String)> {
    let mut queries = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        let title = panel["title"].as_str().unwrap_or_default().to_owned();
        if panel["type"] == "row" {
            continue;
        }
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "panel {title:?} has no query");
        assert!(
            panel["gridPos"]["w"].as_u64().is_some(),
            "panel {title:?} has no place"
        );
        for target in targets {
            queries.push((title.clone(), target["expr"].as_str().unwrap().to_owned()));
        }
    }
    queries
}

/// The dashboard is a Grafana dashboard whose every series is on a running gateway's `/metrics`
/// once it has answered calls and sent SMS over two links (the link panels have data), and whose
/// queries `promtool` accepts where it is installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dashboard_shows_what_a_running_gateway_exports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = root.join("deploy/grafana/pxgate.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(dashboard["uid"], "pxgate");
    let queries = dashboard_queries(&dashboard);
    assert!(queries.len() >= 20, "{} queries", queries.len());

    let db = crate::harness::TestDb::sqlite().await;
    let sim = |_| async {
        let smpp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        crate::sms_harness::start_sim(smpp).await
    };
    let (a, b) = (sim(0).await, sim(1).await);
    let b_addr = b.smpp_addr();
    let gw = crate::sms_harness::SmsGateway::start_with(db.store.clone(), a.smpp_addr(), move |c| {
        c.links = vec![figment::value::Dict::from([
            ("name".to_owned(), "second".into()),
            ("address".to_owned(), b_addr.to_string().into()),
        ])];
        c.routes = vec![pxgate::smpp::config::RouteConfig {
            links: vec!["smsc".to_owned(), "second".to_owned()],
            weights: vec![1, 1],
            ..Default::default()
        }];
    })
    .await;
    let app = gw.register("dashboard").await;
    for i in 0..6 {
        let id = gw
            .send(&app, &[&format!("tel:+8210330{i:05}")], "dashboard")
            .await;
        gw.wait_status(&app, &id, "DeliveredToTerminal").await;
    }
    let page = gw
        .http
        .get(format!("{}/metrics", gw.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let exported: Vec<&str> = page
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .collect();
    let mut code = String::new();
    source(&root.join("src"), &mut code);
    // What a gateway that answered calls and sent SMS must show; the rest (MO, callbacks, overdue
    // receipts: counted when they happen) must at least be exported.
    let always = [
        "pxgate_smpp_",
        "pxgate_calls_",
        "pxgate_http_",
        "pxgate_sms_outbox_",
        "process_",
    ];
    for (title, expr) in &queries {
        for name in metric_names(expr)
            .iter()
            .map(String::as_str)
            .chain(process_names(expr))
        {
            let found = exported.iter().any(|e| {
                *e == name
                    || e.strip_prefix(name)
                        .is_some_and(|s| ["_bucket", "_sum", "_count"].contains(&s))
            });
            if always.iter().any(|p| name.starts_with(p)) {
                assert!(found, "panel {title:?}: {name} is not on /metrics");
            } else {
                assert!(
                    found || code.contains(&format!("\"{name}\"")),
                    "panel {title:?}: {name} is not exported"
                );
            }
        }
    }
    for link in ["smsc", "second"] {
        assert!(
            page.contains(&format!(
                "pxgate_smpp_submits_total{{link=\"{link}\",status=\"ESME_ROK\"}}"
            )),
            "link {link}"
        );
    }

    // promtool has no query checker of its own: the queries are checked as recording rules.
    let rules: String = queries
        .iter()
        .enumerate()
        .map(|(i, (_, expr))| {
            let expr = expr.replace("$instance", ".*");
            format!(
                "      - record: dashboard:q{i}\n        expr: {}\n",
                serde_json::Value::String(expr)
            )
        })
        .collect();
    let path = std::env::temp_dir().join(format!("pxgate-dashboard-{}.yml", std::process::id()));
    std::fs::write(
        &path,
        format!("groups:\n  - name: dashboard\n    rules:\n{rules}"),
    )
    .unwrap();
    promtool_check_rules(&path);
    let _ = std::fs::remove_file(path);
}

/// The `process_…` series a query reads.
fn process_names(expr: &str) -> Vec<&str> {
    expr.match_indices("process_")
        .map(|(at, _)| {
            let end = expr[at..]
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .map_or(expr.len(), |n| at + n);
            &expr[at..end]
        })
        .collect()
}

/// `promtool check rules` on `file`, where promtool is installed; in CI (`CI` set) it must be.
fn promtool_check_rules(file: &Path) {
    let Ok(out) = std::process::Command::new("promtool")
        .args(["check", "rules"])
        .arg(file)
        .output()
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "promtool is missing (.ci/run installs Debian's prometheus package)"
        );
        return;
    };
    assert!(
        out.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
