//! The schemas of the API reference page: `components.schemas` with their properties, and the
//! readable type of any schema (`$ref` links, arrays, nullable, alternatives).

use std::fmt::Write as _;

use serde_json::Value;

use super::{COMPOSITES, SCHEMA_REF, entries, escape, items, plain, str_of, text};

/// `components.schemas`, each with the anchor `$ref` links point to.
pub(super) fn schemas(html: &mut String, schemas: &Value) {
    html.push_str("<section id=\"schemas\"><h2>Schemas</h2>");
    for (name, schema) in entries(schemas) {
        let _ = write!(
            html,
            "<section><h3 id=\"schema-{0}\">{0}</h3><p>{1}</p>",
            escape(name),
            type_html(schema)
        );
        let about = notes(schema);
        if !about.is_empty() {
            let _ = write!(html, "<p>{about}</p>");
        }
        nested(html, schema);
        for (key, said) in [("oneOf", "One of:"), ("anyOf", "Any of:"), ("allOf", "All of:")] {
            if items(&schema[key]).next().is_some() {
                let _ = write!(html, "<p>{said}</p><ul>");
                for item in items(&schema[key]).filter(|i| !is_annotation(i)) {
                    let _ = write!(html, "<li>{} {}", type_html(item), notes(item));
                    nested(html, item);
                    html.push_str("</li>");
                }
                html.push_str("</ul>");
            }
        }
        html.push_str("</section>");
    }
    html.push_str("</section>");
}

/// The properties of an object written inline (not behind a `$ref`), directly or as array items.
pub(super) fn nested(html: &mut String, schema: &Value) {
    let object = if schema.get("properties").is_some() {
        schema
    } else {
        &schema["items"]
    };
    if object.get("properties").is_none() {
        return;
    }
    let required: Vec<&str> = items(&object["required"]).filter_map(Value::as_str).collect();
    html.push_str("<table><tr><th>property</th><th>type</th><th>required</th><th>description</th></tr>");
    for (name, property) in entries(&object["properties"]) {
        let _ = write!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}",
            escape(name),
            type_html(property),
            required_mark(required.contains(&name.as_str())),
            notes(property)
        );
        nested(html, property);
        html.push_str("</td></tr>");
    }
    html.push_str("</table>");
}

/// The type of `schema` in a few words: a link for a `$ref`, "array of X", "X or null".
pub(super) fn type_html(schema: &Value) -> String {
    if let Some(target) = str_of(schema, "$ref") {
        return match target.strip_prefix(SCHEMA_REF) {
            Some(name) => format!("<a href=\"#schema-{0}\">{0}</a>", escape(name)),
            None => format!("<code>{}</code>", escape(target)),
        };
    }
    for (key, joiner) in [("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")] {
        let parts: Vec<String> = items(&schema[key])
            .filter(|i| !is_annotation(i))
            .map(type_html)
            .collect();
        if !parts.is_empty() {
            return parts.join(joiner);
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ if schema.get("properties").is_some() => vec!["object"],
        _ => vec!["any"],
    };
    let named = |t: &&str| match *t {
        "array" => format!(
            "array of {}",
            schema.get("items").map_or_else(|| "any".to_owned(), type_html)
        ),
        "object" => match schema.get("additionalProperties").filter(|v| v.is_object()) {
            Some(values) => format!("map of string to {}", type_html(values)),
            None => "object".to_owned(),
        },
        "null" => "null".to_owned(),
        other => match str_of(schema, "format") {
            Some(format) => format!("{} ({})", escape(other), escape(format)),
            None => escape(other),
        },
    };
    types.iter().map(named).collect::<Vec<_>>().join(" or ")
}

/// What a schema (or parameter) says about itself: description, enum values, example. A
/// composite's items are read too, where generated code puts a property's description.
pub(super) fn notes(schema: &Value) -> String {
    let mut said = Vec::new();
    if let Some(description) = annotation(schema, "description").and_then(Value::as_str) {
        said.push(text(description));
    }
    if let Some(values) = annotation(schema, "enum").and_then(Value::as_array) {
        let values: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", escape(&plain(v))))
            .collect();
        said.push(format!("Values: {}", values.join(", ")));
    }
    let example =
        annotation(schema, "example").or_else(|| annotation(schema, "examples").and_then(|e| e.get(0)));
    if let Some(example) = example {
        said.push(format!("Example: <code>{}</code>", escape(&example.to_string())));
    }
    said.join("<br>")
}

/// `key` of `schema`; for a wrapper of one schema (`oneOf` of X and null, `allOf` of X and an
/// annotation, as generated for optional and described properties), of the first item that has it.
fn annotation<'a>(schema: &'a Value, key: &str) -> Option<&'a Value> {
    schema.get(key).or_else(|| {
        let parts: Vec<&Value> = COMPOSITES
            .iter()
            .flat_map(|composite| items(&schema[*composite]))
            .filter(|item| item["type"] != "null")
            .collect();
        let wrapped = parts.iter().filter(|item| !is_annotation(item)).count() == 1;
        parts.iter().find_map(|item| item.get(key)).filter(|_| wrapped)
    })
}

/// An `allOf` item that only annotates (`{"description": …}`) rather than adds a type.
fn is_annotation(schema: &Value) -> bool {
    let typed = |key: &&str| schema.get(*key).is_some();
    !(["$ref", "properties", "items", "enum"].iter().any(typed) || COMPOSITES.iter().any(typed))
        && matches!(str_of(schema, "type"), None | Some("object"))
        && !schema["additionalProperties"].is_object()
}

pub(super) fn required_mark(required: bool) -> &'static str {
    if required {
        "<span class=\"req\">required</span>"
    } else {
        "optional"
    }
}
