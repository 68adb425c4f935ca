//! `GET /oneapi/v1/docs`: the OpenAPI document as one self-contained HTML page, an API reference.
//! For every operation: its summary, parameters, request body (media types and schema), responses
//! with their body schemas, and the authentication it takes (its `security`, else the document's);
//! the security schemes the document declares; and every schema of `components.schemas` with its
//! properties (type, format, required or not, description, enum values, example), `$ref`s as links
//! within the page, arrays as "array of X", `oneOf`/`anyOf` as "X or Y". All text is escaped, and
//! no script, stylesheet or font is fetched from anywhere.
//!
//! Must not know: the handlers (it reads only the document).

use std::fmt::Write as _;

use serde_json::Value;
use utoipa::openapi::OpenApi;

use schema::{nested, notes, required_mark, schemas, type_html};

mod schema;

/// Where the document's `$ref`s to schemas point.
const SCHEMA_REF: &str = "#/components/schemas/";

/// The keys of a schema made of other schemas.
const COMPOSITES: [&str; 3] = ["oneOf", "anyOf", "allOf"];

/// The operations of a path item, in the order the page lists them.
const METHODS: [&str; 8] = [
    "get", "post", "put", "delete", "patch", "head", "options", "trace",
];

const STYLE: &str = "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}\
    code{background:#eee;padding:0 .2rem}.m{font-weight:bold;text-transform:uppercase}\
    section{border-top:1px solid #ccc;margin-top:1rem}table{border-collapse:collapse;margin:.5rem 0}\
    th,td{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top}\
    .req{color:#a00;font-weight:bold}";

/// The page for `doc`.
#[must_use]
pub(super) fn render(doc: &OpenApi) -> String {
    // The document as `openapi.json` serves it: one tree to read, `security` included (utoipa keeps
    // a requirement's schemes private).
    let openapi = version(doc);
    let doc = serde_json::to_value(doc).unwrap_or_default();
    let mut html = head(&doc, &openapi);
    security_schemes(&mut html, &doc["components"]["securitySchemes"]);
    html.push_str("<h2 id=\"operations\">Operations</h2>");
    for (path, item) in entries(&doc["paths"]) {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                operation(&mut html, method, path, op, doc.get("security"));
            }
        }
    }
    schemas(&mut html, &doc["components"]["schemas"]);
    html.push_str("</body></html>\n");
    html
}

/// `"3.1.0"`, as the document writes it.
#[must_use]
pub(super) fn version(doc: &OpenApi) -> String {
    serde_json::to_value(&doc.openapi)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The page up to its first section: title, versions, description and contents.
fn head(doc: &Value, openapi: &str) -> String {
    let info = &doc["info"];
    let title = escape(str_of(info, "title").unwrap_or("API"));
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>{STYLE}</style></head><body><h1>{title} <small>{}</small></h1>\
         <p>OpenAPI {}: <a href=\"openapi.json\">openapi.json</a></p>",
        escape(str_of(info, "version").unwrap_or("")),
        escape(openapi)
    );
    if let Some(description) = str_of(info, "description") {
        let _ = write!(html, "<p>{}</p>", text(description));
    }
    html.push_str(
        "<p><a href=\"#authentication\">Authentication</a> · <a href=\"#operations\">Operations</a> · \
         <a href=\"#schemas\">Schemas</a></p>",
    );
    html
}

/// `components.securitySchemes`, each with the anchor the operations link to.
fn security_schemes(html: &mut String, schemes: &Value) {
    html.push_str("<section id=\"authentication\"><h2>Authentication</h2>");
    if entries(schemes).next().is_none() {
        html.push_str("<p>The document declares no security schemes.</p>");
    }
    html.push_str("<dl>");
    for (name, scheme) in entries(schemes) {
        let kind = match str_of(scheme, "type").unwrap_or("") {
            "http" => {
                let scheme_name = str_of(scheme, "scheme").unwrap_or("");
                let mut kind = format!(
                    "HTTP <code>Authorization: {} …</code>",
                    escape(&capitalized(scheme_name))
                );
                if let Some(format) = str_of(scheme, "bearerFormat") {
                    let _ = write!(kind, " ({})", escape(format));
                }
                kind
            }
            "apiKey" => format!(
                "API key in the {} <code>{}</code>",
                escape(str_of(scheme, "in").unwrap_or("")),
                escape(str_of(scheme, "name").unwrap_or(""))
            ),
            "oauth2" => "OAuth 2.0".to_owned(),
            other => escape(other),
        };
        let _ = write!(
            html,
            "<dt id=\"security-{0}\"><code>{0}</code></dt><dd>{kind}",
            escape(name)
        );
        if let Some(description) = str_of(scheme, "description") {
            let _ = write!(html, "<br>{}", text(description));
        }
        html.push_str("</dd>");
    }
    html.push_str("</dl></section>");
}

fn operation(html: &mut String, method: &str, path: &str, op: &Value, default_security: Option<&Value>) {
    let _ = write!(
        html,
        "<section><h3><span class=\"m\">{}</span> <code>{}</code></h3>",
        escape(method),
        escape(path)
    );
    for key in ["summary", "description"] {
        if let Some(about) = str_of(op, key).filter(|about| !about.is_empty()) {
            let _ = write!(html, "<p>{}</p>", text(about));
        }
    }
    security(html, op.get("security").or(default_security));
    parameters(html, &op["parameters"]);
    if let Some(body) = op.get("requestBody") {
        let required = if body["required"] == true {
            "required"
        } else {
            "optional"
        };
        let _ = write!(html, "<h4>Request body ({required})</h4>");
        if let Some(about) = str_of(body, "description") {
            let _ = write!(html, "<p>{}</p>", text(about));
        }
        content(html, &body["content"]);
    }
    html.push_str("<h4>Responses</h4><dl>");
    for (code, response) in entries(&op["responses"]) {
        let about = str_of(response, "description").unwrap_or("");
        let _ = write!(html, "<dt>{}</dt><dd>{}", escape(code), text(about));
        content(html, &response["content"]);
        html.push_str("</dd>");
    }
    html.push_str("</dl></section>");
}

/// The security requirements: alternatives joined by "or", the schemes of one by "and"; an empty
/// list or requirement means none is needed.
fn security(html: &mut String, requirements: Option<&Value>) {
    let alternatives: Vec<String> = items(requirements.unwrap_or(&Value::Null))
        .map(|requirement| {
            let schemes: Vec<String> = entries(requirement)
                .map(|(name, scopes)| {
                    let scopes: String = items(scopes)
                        .filter_map(Value::as_str)
                        .map(|scope| format!(" <code>{}</code>", escape(scope)))
                        .collect();
                    format!("<a href=\"#security-{0}\">{0}</a>{scopes}", escape(name))
                })
                .collect();
            or_none(schemes.join(" and "))
        })
        .collect();
    let _ = write!(
        html,
        "<p>Authentication: {}</p>",
        or_none(alternatives.join(" or "))
    );
}

fn or_none(said: String) -> String {
    if said.is_empty() { "none".to_owned() } else { said }
}

fn parameters(html: &mut String, parameters: &Value) {
    if items(parameters).next().is_none() {
        return;
    }
    html.push_str(
        "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>required</th>\
         <th>description</th></tr>",
    );
    for p in items(parameters) {
        let _ = write!(
            html,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(str_of(p, "name").unwrap_or("")),
            escape(str_of(p, "in").unwrap_or("")),
            type_html(&p["schema"]),
            required_mark(p["required"] == true),
            notes(p)
        );
    }
    html.push_str("</table>");
}

/// A request's or response's media types, each with its schema.
fn content(html: &mut String, content: &Value) {
    for (media_type, media) in entries(content) {
        let _ = write!(html, "<p><code>{}</code>", escape(media_type));
        let schema = &media["schema"];
        if !schema.is_null() {
            let _ = write!(html, ": {}", type_html(schema));
        }
        html.push_str("</p>");
        nested(html, schema);
    }
}

fn entries(value: &Value) -> impl Iterator<Item = (&String, &Value)> {
    value.as_object().into_iter().flatten()
}

fn items(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_array().into_iter().flatten()
}

fn str_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A JSON value as text: strings without their quotes.
fn plain(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

/// `basic` → `Basic`, as the `Authorization` header is usually written.
fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A description from a doc comment: escaped, with its `backticked` spans as code.
fn text(description: &str) -> String {
    if description.matches('`').count() % 2 == 1 {
        return escape(description);
    }
    description
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{}</code>", escape(part))
            } else {
                escape(part)
            }
        })
        .collect()
}

/// Text as HTML character data or attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
