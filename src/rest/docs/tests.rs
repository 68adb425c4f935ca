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
        auth.contains("<code>Authorization: Bearer …</code><br>A token from <code>POST /oauth/token</code>."),
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
