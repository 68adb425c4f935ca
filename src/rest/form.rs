//! OneAPI's form binding: a request body `application/x-www-form-urlencoded`, as the GSMA OneAPI
//! specification allows beside JSON, with its flat field names (`address`, `message`, `amount`, …).
//! Each resource that takes forms names where every field goes in its JSON document
//! ([`FormShape`]); the form is rewritten as that document and decoded by `json::decode`, so a
//! form is checked exactly as the JSON would be (types, amounts, unknown members), and a field the
//! resource does not know is SVC0002 naming it. Must not know: what the request means.

use serde_json::{Map, Value};

use super::error::RestError;
use crate::scf::ScfError;

/// Where each form field of a resource goes in its JSON body.
pub(super) trait FormShape {
    /// (form field, dotted path in the JSON body); a path ending in `[]` collects every value of a
    /// repeated field into an array.
    const FIELDS: &'static [(&'static str, &'static str)];
}

/// The JSON body that `form` (`application/x-www-form-urlencoded` octets) stands for in `T`.
pub(super) fn to_json<T: FormShape>(form: &[u8]) -> Result<Vec<u8>, RestError> {
    let mut root = Value::Object(Map::new());
    for (name, value) in url::form_urlencoded::parse(form) {
        let Some((_, path)) = T::FIELDS.iter().find(|(field, _)| *field == name) else {
            return Err(ScfError::invalid(name.into_owned(), "not a field of this resource").into());
        };
        put(&mut root, path, value.into_owned())
            .map_err(|reason| RestError::from(ScfError::invalid(name.into_owned(), reason)))?;
    }
    serde_json::to_vec(&root).map_err(|e| ScfError::Internal(e.to_string()).into())
}

/// A refusal of the JSON a form became, naming the form's field instead of the JSON member
/// (`referenceCode`, not `amountTransaction.referenceCode`) where the resource has one.
pub(super) fn name_fields<T: FormShape>(e: RestError) -> RestError {
    match e {
        RestError::Scf(ScfError::InvalidInput { part, reason }) => {
            let field = T::FIELDS
                .iter()
                .find(|(_, path)| {
                    let path = path.strip_suffix("[]").unwrap_or(path);
                    part == path || part.strip_prefix(path).is_some_and(|rest| rest.starts_with('['))
                })
                .map_or(part, |(field, _)| (*field).to_owned());
            ScfError::InvalidInput { part: field, reason }.into()
        }
        other => other,
    }
}

/// Sets `path` (dotted; a last segment ending in `[]` appends) in `root` to `value`.
fn put(root: &mut Value, path: &str, value: String) -> Result<(), &'static str> {
    let mut segments = path.split('.').peekable();
    let mut at = root;
    while let Some(segment) = segments.next() {
        let object = at.as_object_mut().ok_or("conflicts with another field")?;
        if segments.peek().is_some() {
            at = object.entry(segment).or_insert_with(|| Value::Object(Map::new()));
            continue;
        }
        match segment.strip_suffix("[]") {
            Some(list) => match object.entry(list).or_insert_with(|| Value::Array(Vec::new())) {
                Value::Array(items) => items.push(Value::String(value)),
                _ => return Err("conflicts with another field"),
            },
            None => {
                if object.insert(segment.to_owned(), Value::String(value)).is_some() {
                    return Err("given more than once");
                }
            }
        }
        return Ok(());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sample;

    impl FormShape for Sample {
        const FIELDS: &'static [(&'static str, &'static str)] = &[
            ("address", "req.address[]"),
            ("message", "req.text.message"),
            ("sender", "req.sender"),
        ];
    }

    #[test]
    fn a_form_becomes_the_nested_document() {
        let json =
            to_json::<Sample>(b"address=tel%3A%2B8210&address=tel%3A%2B8211&message=hi+there&sender=1588")
                .unwrap();
        let value: Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"req": {"address": ["tel:+8210", "tel:+8211"], "text": {"message": "hi there"}, "sender": "1588"}})
        );
    }

    #[test]
    fn unknown_and_repeated_fields_are_named() {
        let unknown = to_json::<Sample>(b"adress=x").unwrap_err();
        assert!(format!("{unknown:?}").contains("adress"), "{unknown:?}");
        let twice = to_json::<Sample>(b"sender=a&sender=b").unwrap_err();
        assert!(format!("{twice:?}").contains("more than once"), "{twice:?}");
    }
}
