//! The layering rule of `docs/ARCHITECTURE.md`, kept by a test: each top-level module of the
//! crate may name only modules of lower tiers, so the module graph has no cycle and nothing
//! reaches back up. It reads `src/**.rs`, collects the `crate::…` paths of every file (comments
//! and `#[cfg(test)]` modules left out) per top-level module, and fails on any edge outside the
//! order below, naming the file.

use std::collections::BTreeMap;
use std::path::Path;

/// The tiers, lowest first. A module may use the modules of any lower tier, never one of its own
/// tier or above. Leaves use nothing of the crate.
const TIERS: &[&[&str]] = &[
    // Leaves: validated values, HTTP and crypto primitives, TLS files, logs and metrics, the
    // fraud rules' verdicts.
    &["domain", "http", "crypto", "tls", "telemetry", "fraud"],
    // Everything durable, behind one trait.
    &["store"],
    // The SMS outbox's group-commit writer.
    &["outbox"],
    // Who may call what; the SMPP client.
    &["framework", "smpp"],
    // Notifications to applications' endpoints; subscriber notices over MQTT.
    &["callbacks", "push"],
    // The business rules.
    &["scf"],
    // The pipeline the bindings share; alerts decided from the ledger.
    &["gateway", "alerts"],
    // The wires: application bindings, the operator API and its command line.
    &["soap", "rest", "oauth", "compat", "admin", "cli"],
    // The operator console: HTML pages over the admin API's handlers (called in-process).
    &["console"],
    // Configuration, made of the sections its owners define.
    &["config"],
    // The composition root; the fuzz targets' entry points (`--cfg fuzzing` only), which reach
    // the bindings' readers.
    &["app", "fuzzing"],
    // `pxgate demo`: seeds data and runs the app.
    &["demo"],
];

fn tier(module: &str) -> Option<usize> {
    TIERS.iter().position(|t| t.contains(&module))
}

/// The source without comments and without a trailing `#[cfg(test)]` module.
fn code(source: &str) -> String {
    let body = match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => &source[..at],
        None => source,
    };
    body.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules `source` names through `crate::`.
fn named_modules(source: &str) -> Vec<String> {
    let code = code(source);
    let mut found = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::b, c, d::{e, f}};`: the first segment of each top-level item.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        rest = &group[i..];
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphabetic() || c == '_') => {
                        let name: String = group[i..]
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        found.push(name);
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.push(name);
        }
    }
    found.retain(|m| m != "self" && !m.is_empty());
    found
}

/// Every edge that breaks the tiers, as `file: from → to`.
fn violations(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut bad = Vec::new();
    for (path, source) in files {
        let top = path.split('/').next().unwrap_or_default().trim_end_matches(".rs");
        if top == "lib" || top == "main" {
            continue;
        }
        let Some(from) = tier(top) else {
            bad.push(format!(
                "{path}: module `{top}` is in no tier of tests/architecture.rs"
            ));
            continue;
        };
        for to in named_modules(source) {
            if to == top {
                continue;
            }
            match tier(&to) {
                Some(t) if t < from => {}
                Some(_) => bad.push(format!("{path}: {top} → {to}")),
                // Macros and items re-exported at the root (none today) would land here.
                None => bad.push(format!("{path}: {top} → {to} (not a module in a tier)")),
            }
        }
    }
    bad.sort();
    bad.dedup();
    bad
}

fn read_tree(dir: &Path, root: &Path, files: &mut BTreeMap<String, String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(&path, root, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("under src");
            let source = std::fs::read_to_string(&path).expect("read file");
            files.insert(rel.to_string_lossy().replace('\\', "/"), source);
        }
    }
}

#[test]
fn the_crate_keeps_its_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    read_tree(&root, &root, &mut files);
    assert!(
        files.len() > 50,
        "the crate's sources were not found under {root:?}"
    );
    let bad = violations(&files);
    assert!(
        bad.is_empty(),
        "imports outside the layer order (see TIERS in tests/architecture.rs and docs/ARCHITECTURE.md):\n{}",
        bad.join("\n")
    );
}

#[test]
fn an_upward_or_sideways_edge_is_caught_and_comments_and_tests_are_not() {
    let files = BTreeMap::from([
        (
            "store/sql.rs".to_owned(),
            "use crate::domain::Msisdn;\n// crate::scf in a comment\nfn f() { crate::framework::x(); }\n"
                .to_owned(),
        ),
        (
            "scf.rs".to_owned(),
            "use crate::{domain::Clock, outbox::{Outbox}, soap};\n#[cfg(test)]\nmod tests { use crate::app; }\n"
                .to_owned(),
        ),
        ("gateway.rs".to_owned(), "use crate::alerts::Alerts;\n".to_owned()),
        ("widgets.rs".to_owned(), String::new()),
    ]);
    assert_eq!(
        violations(&files),
        [
            "gateway.rs: gateway → alerts",
            "scf.rs: scf → soap",
            "store/sql.rs: store → framework",
            "widgets.rs: module `widgets` is in no tier of tests/architecture.rs",
        ]
    );
}
