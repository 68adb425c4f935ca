//! The service agreement as a form: one input per part of the document, lists one item a line.
//! The form is turned into the agreement JSON the admin API takes and the API validates it; its
//! errors (`agreement.rates[1].per_second: …`) are shown under the input they name, with the
//! line.
//!
//! | input | lines | JSON |
//! |---|---|---|
//! | `allow` | `Payment` | `"allow": ["Payment"]` |
//! | `rates` | `Payment 50 100` (scope, per second, burst) | `{"scope", "per_second", "burst"}` |
//! | `spend_limits` | `KRW 50000 1000000 -` (per charge, daily, monthly; `-`: none) | `{"currency", "per_charge", "daily", "monthly"}` |
//! | `credit_limits` | `KRW 100000 - -` (per credit, daily, monthly) | `{"currency", "per_credit", "daily", "monthly"}` |
//! | `sms_senders`, `callback_hosts`, `callback_networks`, `source_networks` | one a line | lists |
//! | `valid_from`, `valid_until` | RFC 3339, empty: none | instants |
//! | `max_sms_addresses` | a number | a number |
//! | `campaigns` | `10000 10` (most numbers in a campaign, most numbers a second); empty: the defaults | `{"max_numbers", "max_rate_per_second"}` |

use std::collections::HashMap;

use serde_json::{Map, Value, json};

/// The list inputs whose lines are plain strings.
const LISTS: [&str; 5] = [
    "allow",
    "sms_senders",
    "callback_hosts",
    "callback_networks",
    "source_networks",
];

/// The lines of an input, trimmed, blank ones left out.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// A word as JSON: a number when it reads as one, `null` for `-`, else the text (for the API to
/// name).
fn word(w: &str) -> Value {
    if w == "-" {
        return Value::Null;
    }
    w.replace(',', "")
        .parse::<serde_json::Number>()
        .map_or_else(|_| Value::String(w.to_owned()), Value::Number)
}

fn caps(text: &str, per: &str) -> Value {
    let rows = lines(text)
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let at = |i: usize| w.get(i).map_or(Value::Null, |v| word(v));
            let mut row = json!({ "currency": w.first().copied().unwrap_or_default() });
            for (i, key) in [per, "daily", "monthly"].into_iter().enumerate() {
                row[key] = at(i + 1);
            }
            if w.len() > 4 {
                // Extra words are not dropped silently: the API names them.
                row["unexpected"] = json!(w[4..].join(" "));
            }
            row
        })
        .collect();
    Value::Array(rows)
}

fn rates(text: &str) -> Value {
    let rows = lines(text)
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            let mut row = json!({
                "scope": w.first().copied().unwrap_or_default(),
                "per_second": w.get(1).map_or(Value::Null, |v| word(v)),
            });
            if let Some(burst) = w.get(2) {
                row["burst"] = word(burst);
            }
            if w.len() > 3 {
                row["unexpected"] = json!(w[3..].join(" "));
            }
            row
        })
        .collect();
    Value::Array(rows)
}

/// The agreement document of a form.
pub(super) fn from_form(form: &HashMap<String, String>) -> Value {
    let get = |k: &str| form.get(k).map_or("", String::as_str);
    let mut doc = Map::new();
    for key in LISTS {
        doc.insert(key.to_owned(), lines(get(key)).map(|l| json!(l)).collect());
    }
    doc.insert("rates".to_owned(), rates(get("rates")));
    doc.insert("spend_limits".to_owned(), caps(get("spend_limits"), "per_charge"));
    doc.insert(
        "credit_limits".to_owned(),
        caps(get("credit_limits"), "per_credit"),
    );
    for key in ["valid_from", "valid_until"] {
        let v = get(key).trim();
        if !v.is_empty() {
            doc.insert(key.to_owned(), json!(v));
        }
    }
    let max = get("max_sms_addresses").trim();
    if !max.is_empty() {
        doc.insert("max_sms_addresses".to_owned(), word(max));
    }
    let campaigns: Vec<&str> = get("campaigns").split_whitespace().collect();
    if !campaigns.is_empty() {
        let at = |i: usize| campaigns.get(i).map_or(Value::Null, |v| word(v));
        let mut terms = json!({"max_numbers": at(0), "max_rate_per_second": at(1)});
        if campaigns.len() > 2 {
            terms["unexpected"] = json!(campaigns[2..].join(" "));
        }
        doc.insert("campaigns".to_owned(), terms);
    }
    Value::Object(doc)
}

fn plain(v: &Value) -> String {
    match v {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The form's inputs for an agreement document, as the operator would type them.
pub(super) fn to_form(doc: &Value) -> HashMap<String, String> {
    let list = |key: &str| doc[key].as_array().cloned().unwrap_or_default();
    let mut form = HashMap::new();
    for key in LISTS {
        let text: Vec<String> = list(key).iter().map(plain).collect();
        form.insert(key.to_owned(), text.join("\n"));
    }
    let rates: Vec<String> = list("rates")
        .iter()
        .map(|r| {
            let burst = r.get("burst").filter(|b| !b.is_null()).map(plain);
            let base = format!("{} {}", plain(&r["scope"]), plain(&r["per_second"]));
            burst.map_or(base.clone(), |b| format!("{base} {b}"))
        })
        .collect();
    form.insert("rates".to_owned(), rates.join("\n"));
    for (key, per) in [("spend_limits", "per_charge"), ("credit_limits", "per_credit")] {
        let rows: Vec<String> = list(key)
            .iter()
            .map(|c| {
                let cap = |k: &str| plain(c.get(k).unwrap_or(&Value::Null));
                format!(
                    "{} {} {} {}",
                    cap("currency"),
                    cap(per),
                    cap("daily"),
                    cap("monthly")
                )
            })
            .collect();
        form.insert(key.to_owned(), rows.join("\n"));
    }
    for key in ["valid_from", "valid_until", "max_sms_addresses"] {
        let v = doc
            .get(key)
            .filter(|v| !v.is_null())
            .map(plain)
            .unwrap_or_default();
        form.insert(key.to_owned(), v);
    }
    let campaigns = doc.get("campaigns").filter(|c| c.is_object()).map(|c| {
        let term = |k: &str| plain(c.get(k).unwrap_or(&Value::Null));
        format!("{} {}", term("max_numbers"), term("max_rate_per_second"))
    });
    form.insert("campaigns".to_owned(), campaigns.unwrap_or_default());
    form
}

/// The form input an API error path names, and the error as shown there: `agreement.rates[1].
/// per_second` → (`rates`, `#2: per_second: …`), counting the input's non-blank lines.
pub(super) fn input_of(field: &str, message: &str) -> (String, String) {
    let rest = field.strip_prefix("agreement.").unwrap_or(field);
    let key: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let after = &rest[key.len()..];
    let shown = match after.strip_prefix('[').and_then(|a| a.split_once(']')) {
        Some((index, tail)) => {
            let line = index.parse::<usize>().map_or(0, |i| i + 1);
            let tail = tail.trim_start_matches('.');
            if tail.is_empty() {
                format!("#{line}: {message}")
            } else {
                format!("#{line}: {tail}: {message}")
            }
        }
        None => message.to_owned(),
    };
    (key, shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_becomes_the_agreement_and_back() {
        let doc = json!({
            "allow": ["Payment", "SMS"],
            "rates": [{"scope": "Payment", "per_second": 50, "burst": 100}, {"scope": "SMS", "per_second": 5}],
            "spend_limits": [{"currency": "KRW", "per_charge": 50000, "daily": null, "monthly": 1000000}],
            "credit_limits": [],
            "sms_senders": ["1588"],
            "callback_hosts": ["shop.example:8443"],
            "callback_networks": [],
            "source_networks": ["203.0.113.0/24"],
            "valid_until": "2027-12-31T15:00:00Z",
            "max_sms_addresses": 10,
            "campaigns": {"max_numbers": 5000, "max_rate_per_second": 20},
        });
        let form = to_form(&doc);
        assert_eq!(form["rates"], "Payment 50 100\nSMS 5");
        assert_eq!(form["campaigns"], "5000 20");
        assert_eq!(form["spend_limits"], "KRW 50000 - 1000000");
        assert_eq!(from_form(&form), doc);
    }

    #[test]
    fn what_does_not_parse_goes_to_the_api_as_typed_and_its_errors_to_their_lines() {
        let form = HashMap::from([("rates".to_owned(), "Payment fifty\n\nSMS 5 10 extra".to_owned())]);
        let doc = from_form(&form);
        assert_eq!(doc["rates"][0]["per_second"], "fifty");
        assert_eq!(doc["rates"][1]["unexpected"], "extra");
        assert_eq!(
            input_of("agreement.rates[0].per_second", "invalid type"),
            ("rates".to_owned(), "#1: per_second: invalid type".to_owned())
        );
        assert_eq!(
            input_of("agreement.allow", "empty"),
            ("allow".to_owned(), "empty".to_owned())
        );
    }
}
