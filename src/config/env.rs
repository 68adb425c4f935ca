//! The environment's part of the configuration: `PXGATE_<SECTION>__<KEY>` overrides, and the
//! `PXGATE_` variables that are neither a key nor read elsewhere (a typo such as
//! `PXGATE_STORE_URL` would otherwise be ignored without a word).
//!
//! Values are kept as the text they are (`PXGATE_ALERTS__SENDER=01588` stays a string, leading
//! zero included); the extraction reads text as a number or a boolean where the key is one.

use figment::providers::Serialized;
use figment::value::{Dict, Map, Value};
use figment::{Error, Figment, Metadata, Profile, Provider};

/// The prefix of every variable pxgate reads.
const PREFIX: &str = "PXGATE_";

/// `PXGATE_` variables read by something other than the configuration: the CLI's own settings
/// (`--config`, `admin --url`, `admin --token`) and the test suite's PostgreSQL.
const READ_ELSEWHERE: &[&str] = &[
    "PXGATE_CONFIG",
    "PXGATE_ADMIN_URL",
    "PXGATE_ADMIN_TOKEN",
    "PXGATE_TEST_PG_URL",
];

/// The `PXGATE_*` variables of an environment (names as given, values as text).
#[derive(Debug, Clone, Default)]
pub struct EnvOverrides {
    vars: Vec<(String, String)>,
}

impl EnvOverrides {
    /// The process environment's `PXGATE_*` variables (any case; non-UTF-8 text replaced).
    pub fn from_process() -> Self {
        Self::from_vars(
            std::env::vars_os()
                .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned())),
        )
    }

    /// The `PXGATE_*` variables among `vars` (tests give their own).
    pub fn from_vars<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        let vars = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(k, _)| strip_prefix(k).is_some())
            .collect();
        Self { vars }
    }

    /// One line for each `PXGATE_` variable that is not configuration and not read elsewhere,
    /// with the `__` spelling when that names a key.
    pub(super) fn strays(&self) -> Vec<String> {
        let known = known_keys();
        self.vars
            .iter()
            .map(|(name, _)| name)
            .filter(|name| !name.contains("__") && !READ_ELSEWHERE.contains(&name.as_str()))
            .map(|name| match suggestion(name, &known) {
                Some(spelling) => format!(
                    "{name}: not a configuration variable (sections and keys are separated by `__`): did you mean {spelling}?"
                ),
                None => format!(
                    "{name}: not a configuration variable; settings are PXGATE_<SECTION>__<KEY> \
                     (PXGATE_STORE__URL sets store.url), and the only others are {}",
                    READ_ELSEWHERE[..3].join(", ")
                ),
            })
            .collect()
    }
}

impl Provider for EnvOverrides {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment").interpolater(|_: &Profile, keys: &[&str]| {
            format!("{PREFIX}{}", keys.join("__").to_ascii_uppercase())
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut dict = Dict::new();
        for (name, text) in &self.vars {
            let Some(rest) = strip_prefix(name).filter(|rest| rest.contains("__")) else {
                continue;
            };
            let key = rest.to_ascii_lowercase().replace("__", ".");
            if key.split('.').any(str::is_empty) {
                continue;
            }
            insert(&mut dict, &key, value_of(text));
        }
        Ok(Map::from([(Profile::Default, dict)]))
    }
}

/// Text stays text; only a list or a table (`[a, b]`, `{k = v}`) is parsed as one.
fn value_of(text: &str) -> Value {
    match text.parse::<Value>() {
        Ok(value @ (Value::Array(..) | Value::Dict(..))) => value,
        _ => Value::from(text.to_owned()),
    }
}

fn strip_prefix(name: &str) -> Option<&str> {
    let head = name.get(..PREFIX.len())?;
    head.eq_ignore_ascii_case(PREFIX).then(|| &name[PREFIX.len()..])
}

/// Sets the dotted `key` in `dict`, making the tables on the way.
fn insert(dict: &mut Dict, key: &str, value: Value) {
    match key.split_once('.') {
        None => {
            dict.insert(key.to_owned(), value);
        }
        Some((head, rest)) => {
            let entry = dict
                .entry(head.to_owned())
                .or_insert_with(|| Value::from(Dict::new()));
            if !matches!(entry, Value::Dict(..)) {
                *entry = Value::from(Dict::new());
            }
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

/// Every dotted key of the configuration, and whether it is a table.
fn known_keys() -> Vec<(String, bool)> {
    let sample = super::Config::with_store("sqlite://pxgate.db", "key");
    let mut keys = Vec::new();
    if let Ok(Value::Dict(_, dict)) = Figment::from(Serialized::defaults(sample)).find_value("") {
        collect("", &dict, &mut keys);
    }
    keys
}

fn collect(prefix: &str, dict: &Dict, keys: &mut Vec<(String, bool)>) {
    for (name, value) in dict {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        if let Value::Dict(_, inner) = value {
            collect(&key, inner, keys);
            keys.push((key, true));
        } else {
            keys.push((key, false));
        }
    }
}

/// `PXGATE_STORE_URL` → `PXGATE_STORE__URL`: the spelling whose `_`s, some made `__`, name a
/// key (or a key below one that is unset by default, such as `http.tls`), fewest `__` first.
fn suggestion(name: &str, known: &[(String, bool)]) -> Option<String> {
    let words: Vec<String> = strip_prefix(name)?
        .to_ascii_lowercase()
        .split('_')
        .map(str::to_owned)
        .collect();
    if words.len() < 2 || words.len() > 12 || words.iter().any(String::is_empty) {
        return None;
    }
    let gaps = words.len() - 1;
    let mut best: Option<(u8, u32, String)> = None;
    for mask in 1..(1_u32 << gaps) {
        let mut key = words[0].clone();
        for (i, word) in words[1..].iter().enumerate() {
            key.push(if mask & (1 << i) == 0 { '_' } else { '.' });
            key.push_str(word);
        }
        let rank = if known.iter().any(|(k, table)| !table && *k == key) {
            0
        } else if known
            .iter()
            .any(|(k, table)| !table && key.starts_with(&format!("{k}.")))
        {
            1
        } else {
            continue;
        };
        let candidate = (rank, mask.count_ones(), key);
        if best
            .as_ref()
            .is_none_or(|b| (candidate.0, candidate.1) < (b.0, b.1))
        {
            best = Some(candidate);
        }
    }
    best.map(|(_, _, key)| format!("{PREFIX}{}", key.replace('.', "__").to_ascii_uppercase()))
}
