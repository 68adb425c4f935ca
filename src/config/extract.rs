//! Reading the merged configuration so that every bad key is reported at once.
//!
//! serde stops at the first unknown key or wrong type, so each one found is taken out of the
//! merged value and the rest is read again, until nothing is wrong or nothing more can be taken
//! out (a missing required key). Each message names the key and where it came from.

use figment::error::Kind;
use figment::providers::Serialized;
use figment::value::Value;
use figment::{Error, Figment, Metadata, Profile, Source};
use serde::de::DeserializeOwned;

/// More than this many errors in one file is a different file, not a typo.
const MOST_ERRORS: usize = 64;

/// `figment` as `T`, or one line per bad key. Strings where numbers or booleans are expected are
/// read as those (the environment gives only text; `PXGATE_STORE__MAX_CONNECTIONS=16`).
pub(super) fn extract_all<T: DeserializeOwned>(figment: &Figment) -> Result<T, Vec<String>> {
    let first = match figment.extract_lossy::<T>() {
        Ok(config) => return Ok(config),
        Err(e) => e,
    };
    let Ok(mut merged) = figment.find_value("") else {
        return Err(first.into_iter().map(|e| describe(&e, figment)).collect());
    };
    let mut errors = Vec::new();
    let mut found = first;
    loop {
        let mut removed = false;
        for error in found {
            errors.push(describe(&error, figment));
            removed |= remove(&mut merged, &key_of(&error));
        }
        if !removed || errors.len() >= MOST_ERRORS {
            return Err(errors);
        }
        match Figment::from(Serialized::defaults(&merged)).extract_lossy::<T>() {
            Ok(_) => return Err(errors),
            Err(e) => found = e,
        }
    }
}

/// The dotted key an error is about (an unknown field's own name included).
fn key_of(error: &Error) -> Vec<String> {
    let mut path = error.path.clone();
    if let Kind::UnknownField(field, _) = &error.kind
        && path.last() != Some(field)
    {
        path.push(field.clone());
    }
    path
}

/// `store.urll: unknown field … (in /etc/pxgate.toml)`: the key, the problem, where it was set.
fn describe(error: &Error, figment: &Figment) -> String {
    let path = key_of(error);
    let key = path.join(".");
    let metadata = figment.find_metadata(&key);
    let from = metadata.map(|md| where_from(md, &path)).unwrap_or_default();
    let problem = match &error.kind {
        Kind::UnknownField(_, expected) => {
            format!("unknown key (the keys here are {})", expected.join(", "))
        }
        other => other.to_string(),
    };
    if key.is_empty() {
        format!("{problem}{from}")
    } else {
        format!("{key}: {problem}{from}")
    }
}

fn where_from(md: &Metadata, path: &[String]) -> String {
    match &md.source {
        Some(Source::File(file)) => format!(" (in {})", file.display()),
        Some(_) => String::new(),
        None => {
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            format!(" (from {})", md.interpolate(&Profile::Default, &keys))
        }
    }
}

/// Takes `path` out of `value`; answers whether it was there.
fn remove(value: &mut Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut at = value;
    for key in parents {
        let next = match at {
            Value::Dict(_, dict) => dict.get_mut(key),
            Value::Array(_, items) => key.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => return false,
        }
    }
    match at {
        Value::Dict(_, dict) => dict.remove(last).is_some(),
        _ => false,
    }
}
