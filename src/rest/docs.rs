//! `GET /oneapi/v1/docs`: the OpenAPI document as one self-contained HTML page — every path, its
//! operations, summaries, parameters and response codes — with no script, stylesheet or font
//! fetched from anywhere. Must not know: the handlers (it reads only the document).

use std::fmt::Write as _;

use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation};

/// The page for `doc`.
#[must_use]
pub(super) fn render(doc: &OpenApi) -> String {
    let title = escape(&doc.info.title);
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}\
         code{{background:#eee;padding:0 .2rem}}.m{{font-weight:bold;text-transform:uppercase}}\
         section{{border-top:1px solid #ccc;margin-top:1rem}}</style></head><body>\
         <h1>{title} <small>{}</small></h1><p>OpenAPI {}: <a href=\"openapi.json\">openapi.json</a></p>",
        escape(&doc.info.version),
        escape(&version(doc))
    );
    if let Some(description) = &doc.info.description {
        let _ = write!(html, "<p>{}</p>", escape(description));
    }
    for (path, item) in &doc.paths.paths {
        let methods = [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Delete, &item.delete),
            (HttpMethod::Patch, &item.patch),
        ];
        for (method, operation) in methods {
            if let Some(operation) = operation {
                operation_html(&mut html, &method_name(&method), path, operation);
            }
        }
    }
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

fn method_name(method: &HttpMethod) -> String {
    serde_json::to_value(method)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn operation_html(html: &mut String, method: &str, path: &str, op: &Operation) {
    let _ = write!(
        html,
        "<section><h2><span class=\"m\">{}</span> <code>{}</code></h2>",
        escape(method),
        escape(path)
    );
    for text in [&op.summary, &op.description].into_iter().flatten() {
        let _ = write!(html, "<p>{}</p>", escape(text));
    }
    if let Some(parameters) = &op.parameters {
        html.push_str("<ul>");
        for p in parameters.iter().filter_map(|p| match p {
            utoipa::openapi::RefOr::T(p) => Some(p),
            utoipa::openapi::RefOr::Ref(_) => None,
        }) {
            let about = p.description.as_deref().unwrap_or("");
            let _ = write!(
                html,
                "<li><code>{}</code> {}</li>",
                escape(&p.name),
                escape(about)
            );
        }
        html.push_str("</ul>");
    }
    html.push_str("<dl>");
    for (code, response) in &op.responses.responses {
        let about = match response {
            utoipa::openapi::RefOr::T(r) => r.description.as_str(),
            utoipa::openapi::RefOr::Ref(_) => "",
        };
        let _ = write!(html, "<dt>{}</dt><dd>{}</dd>", escape(code), escape(about));
    }
    html.push_str("</dl></section>");
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
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
