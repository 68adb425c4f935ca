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

/// `components.schemas`, each with the anchor `$ref` links point to.
fn schemas(html: &mut String, schemas: &Value) {
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
fn nested(html: &mut String, schema: &Value) {
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
fn type_html(schema: &Value) -> String {
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
fn notes(schema: &Value) -> String {
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

fn required_mark(required: bool) -> &'static str {
    if required {
        "<span class=\"req\">required</span>"
    } else {
        "optional"
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
mod tests {
    use utoipa::OpenApi as _;
    use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

    use super::*;

    /// A small API whose types exist only for the schemas their derives write.
    #[allow(dead_code)]
    mod shop {
        use utoipa::ToSchema;

        /// An order.
        #[derive(ToSchema)]
        pub(super) struct Order {
            /// What is bought.
            pub(super) item: Item,
            /// How many.
            #[schema(example = 2)]
            pub(super) quantity: i32,
            /// A note for the `<b>` packer.
            pub(super) note: Option<String>,
            /// Everything else in the parcel.
            pub(super) extras: Vec<Item>,
            /// Where the order stands.
            pub(super) status: Status,
            /// Where it goes.
            pub(super) to: Destination,
        }

        /// A product.
        #[derive(ToSchema)]
        pub(super) struct Item {
            /// Its name.
            pub(super) name: String,
        }

        /// The state of an order.
        #[derive(ToSchema)]
        pub(super) enum Status {
            Open,
            Shipped,
        }

        /// One address or several.
        #[derive(serde::Serialize, ToSchema)]
        #[serde(untagged)]
        pub(super) enum Destination {
            Many(Vec<String>),
            One(String),
        }

        /// Places an order.
        #[utoipa::path(post, path = "/orders", request_body = Order,
            responses((status = 201, description = "Placed", body = Item)),
            security(("basic" = []), ("bearer" = [])))]
        pub(super) fn place() {}
    }

    #[derive(utoipa::OpenApi)]
    #[openapi(
        info(title = "Shop", version = "1"),
        paths(shop::place),
        components(schemas(shop::Order, shop::Item, shop::Status, shop::Destination))
    )]
    struct ShopDoc;

    fn page() -> String {
        let mut doc = ShopDoc::openapi();
        let components = doc.components.get_or_insert_with(Default::default);
        let http = |scheme, about: &str| {
            SecurityScheme::Http(HttpBuilder::new().scheme(scheme).description(Some(about)).build())
        };
        components.add_security_scheme("basic", http(HttpAuthScheme::Basic, "An application credential."));
        let bearer = http(HttpAuthScheme::Bearer, "A token from `POST /oauth/token`.");
        components.add_security_scheme("bearer", bearer);
        render(&doc)
    }

    /// `html` from `start` to the first `end` after it, both included.
    fn part<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
        let from = html
            .find(start)
            .unwrap_or_else(|| panic!("{start} not in {html}"));
        let rest = &html[from..];
        &rest[..rest.find(end).map_or(rest.len(), |to| to + end.len())]
    }

    #[test]
    fn an_operation_shows_its_body_responses_and_authentication() {
        let html = page();
        let op = part(&html, "<code>/orders</code>", "</section>");
        for said in [
            "<p>Places an order.</p>",
            "Authentication: <a href=\"#security-basic\">basic</a> or <a href=\"#security-bearer\">bearer</a>",
            "<h4>Request body (required)</h4><p><code>application/json</code>: \
             <a href=\"#schema-Order\">Order</a></p>",
            "<dt>201</dt><dd>Placed<p><code>application/json</code>: <a href=\"#schema-Item\">Item</a></p>",
        ] {
            assert!(op.contains(said), "{said} not in {op}");
        }
    }

    #[test]
    fn the_security_schemes_are_described() {
        let html = page();
        let auth = part(&html, "<section id=\"authentication\">", "</section>");
        assert!(
            auth.contains(
                "<dt id=\"security-basic\"><code>basic</code></dt><dd>HTTP <code>Authorization: Basic …</code>\
                 <br>An application credential.</dd>"
            ),
            "{auth}"
        );
        assert!(
            auth.contains(
                "<code>Authorization: Bearer …</code><br>A token from <code>POST /oauth/token</code>."
            ),
            "{auth}"
        );
    }

    #[test]
    fn schemas_show_types_required_marks_descriptions_and_links() {
        let html = page();
        let order = part(&html, "<h3 id=\"schema-Order\">Order</h3>", "</section>");
        let row = |name: &str| part(order, &format!("<tr><td><code>{name}</code></td>"), "</tr>");
        let expected = [
            (
                "item",
                "<td><a href=\"#schema-Item\">Item</a></td><td><span class=\"req\">required</span></td>\
                 <td>What is bought.",
            ),
            (
                "quantity",
                "<td>integer (int32)</td><td><span class=\"req\">required</span></td>",
            ),
            ("quantity", "Example: <code>2</code>"),
            ("note", "<td>string or null</td><td>optional</td>"),
            ("note", "A note for the <code>&lt;b&gt;</code> packer."),
            ("extras", "<td>array of <a href=\"#schema-Item\">Item</a></td>"),
            ("status", "<a href=\"#schema-Status\">Status</a>"),
        ];
        for (name, said) in expected {
            assert!(row(name).contains(said), "{said} not in {}", row(name));
        }
        assert!(!html.contains("<b>"), "text is escaped");
        let status = part(&html, "<h3 id=\"schema-Status\">", "</section>");
        assert!(
            status.contains("Values: <code>Open</code>, <code>Shipped</code>"),
            "{status}"
        );
        let destination = part(&html, "<h3 id=\"schema-Destination\">", "</section>");
        assert!(
            destination.contains("<p>array of string or string</p>"),
            "{destination}"
        );
        assert!(
            destination.contains("of:</p><ul><li>array of string"),
            "{destination}"
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(text("a `<b>` c"), "a <code>&lt;b&gt;</code> c");
        assert_eq!(text("odd ` tick"), "odd ` tick");
    }
}
