//! Reduce a WSDL or XSD document to a set of comparable "facts": one line per named thing, with its
//! namespace-resolved names, types and occurrences. Prefixes, layout, comments, documentation and
//! document locations do not appear in facts, so two documents written differently but meaning the
//! same have the same facts.

use std::collections::{BTreeSet, HashMap};

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::NsReader;

const XSD: &str = "http://www.w3.org/2001/XMLSchema";
const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
const SOAP: &str = "http://schemas.xmlsoap.org/wsdl/soap/";

/// An element: namespace, local name, attributes (raw name → value), in-scope prefixes, children.
pub(super) struct Node {
    ns: String,
    local: String,
    attrs: HashMap<String, String>,
    scope: HashMap<String, String>,
    children: Vec<Self>,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    /// A QName-valued attribute as `{ns}local` (unprefixed values use the default namespace).
    fn qattr(&self, name: &str) -> String {
        let Some(value) = self.attr(name) else {
            return String::from("-");
        };
        let (prefix, local) = value.split_once(':').unwrap_or(("", value));
        let ns = self.scope.get(prefix).map_or("?", String::as_str);
        format!("{{{ns}}}{local}")
    }
}

fn start_node(reader: &NsReader<&[u8]>, e: &BytesStart<'_>, parent_scope: &HashMap<String, String>) -> Node {
    let (ns, local) = reader.resolver().resolve_element(e.name());
    let ns = match ns {
        quick_xml::name::ResolveResult::Bound(n) => n.0.to_owned(),
        _ => String::new(),
    };
    let mut scope = parent_scope.clone();
    let mut attrs = HashMap::new();
    for attr in e.attributes() {
        let attr = attr.unwrap();
        let key = attr.key.0.to_owned();
        let value = attr.value.into_owned();
        if key == "xmlns" {
            scope.insert(String::new(), value.clone());
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            scope.insert(prefix.to_owned(), value.clone());
        }
        attrs.insert(key, value);
    }
    Node {
        ns,
        local: local.as_ref().to_owned(),
        attrs,
        scope,
        children: Vec::new(),
    }
}

/// Parse a whole document into its root node.
pub(super) fn parse(text: &str) -> Node {
    let mut reader = NsReader::from_str(text);
    let mut stack: Vec<Node> = Vec::new();
    let empty = HashMap::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                let node = start_node(&reader, &e, stack.last().map_or(&empty, |n| &n.scope));
                stack.push(node);
            }
            Event::Empty(e) => {
                let node = start_node(&reader, &e, stack.last().map_or(&empty, |n| &n.scope));
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return node,
                }
            }
            Event::End(_) => {
                let node = stack.pop().unwrap();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return node,
                }
            }
            Event::Eof => panic!("document has no root element"),
            _ => {}
        }
    }
}

/// All facts of a document.
pub(super) fn facts(root: &Node) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if root.is(XSD, "schema") {
        schema(root, &mut out);
    } else if root.is(WSDL, "definitions") {
        definitions(root, &mut out);
    } else {
        panic!("not a WSDL or XSD document: {{{}}}{}", root.ns, root.local);
    }
    out
}

fn schema(node: &Node, out: &mut BTreeSet<String>) {
    let tns = node.attr("targetNamespace").unwrap_or("");
    let efd = node.attr("elementFormDefault").unwrap_or("unqualified");
    out.insert(format!("schema {{{tns}}} elementFormDefault={efd}"));
    for child in &node.children {
        let name = child.attr("name").unwrap_or("");
        match child.local.as_str() {
            "import" => {
                _ = out.insert(format!(
                    "schema {{{tns}}} imports {}",
                    child.attr("namespace").unwrap_or("")
                ))
            }
            "element" => _ = out.insert(format!("element {{{tns}}}{name} type={}", child.qattr("type"))),
            "complexType" => complex_type(child, &format!("{{{tns}}}{name}"), out),
            "simpleType" => {
                for restriction in &child.children {
                    out.insert(format!(
                        "simpleType {{{tns}}}{name} base={}",
                        restriction.qattr("base")
                    ));
                    for value in &restriction.children {
                        out.insert(format!(
                            "simpleType {{{tns}}}{name} {} {}",
                            value.local,
                            value.attr("value").unwrap_or("")
                        ));
                    }
                }
            }
            _ => {}
        }
    }
}

fn complex_type(node: &Node, name: &str, out: &mut BTreeSet<String>) {
    for group in &node.children {
        out.insert(format!(
            "complexType {name} {} of {}",
            group.local,
            group.children.len()
        ));
        for (i, element) in group.children.iter().enumerate() {
            out.insert(format!(
                "complexType {name} {} [{i}] {} type={} minOccurs={} maxOccurs={}",
                group.local,
                element.attr("name").unwrap_or(""),
                element.qattr("type"),
                element.attr("minOccurs").unwrap_or("1"),
                element.attr("maxOccurs").unwrap_or("1"),
            ));
        }
    }
}

fn definitions(node: &Node, out: &mut BTreeSet<String>) {
    let tns = node.attr("targetNamespace").unwrap_or("");
    out.insert(format!("definitions {{{tns}}}"));
    for child in &node.children {
        let name = format!("{{{tns}}}{}", child.attr("name").unwrap_or(""));
        match child.local.as_str() {
            "import" => {
                _ = out.insert(format!(
                    "definitions imports {}",
                    child.attr("namespace").unwrap_or("")
                ))
            }
            "types" => child.children.iter().for_each(|s| schema(s, out)),
            "message" => {
                for part in &child.children {
                    let part_name = part.attr("name").unwrap_or("");
                    out.insert(format!(
                        "message {name} part {part_name} element={}",
                        part.qattr("element")
                    ));
                }
            }
            "portType" => port_type(child, &name, out),
            "binding" => binding(child, &name, out),
            "service" => service(child, &name, out),
            _ => {}
        }
    }
}

fn port_type(node: &Node, name: &str, out: &mut BTreeSet<String>) {
    for op in &node.children {
        let op_name = op.attr("name").unwrap_or("");
        for io in op.children.iter().filter(|c| c.local != "documentation") {
            let label = io
                .attr("name")
                .map_or_else(|| io.local.clone(), |n| format!("{} {n}", io.local));
            out.insert(format!(
                "portType {name} operation {op_name} {label} message={}",
                io.qattr("message")
            ));
        }
    }
}

fn binding(node: &Node, name: &str, out: &mut BTreeSet<String>) {
    out.insert(format!("binding {name} type={}", node.qattr("type")));
    for child in &node.children {
        if child.is(SOAP, "binding") {
            let style = child.attr("style").unwrap_or("");
            out.insert(format!(
                "binding {name} soap style={style} transport={}",
                child.attr("transport").unwrap_or("")
            ));
            continue;
        }
        let op = child.attr("name").unwrap_or("");
        for part in &child.children {
            if part.is(SOAP, "operation") {
                let action = part.attr("soapAction").unwrap_or("-");
                out.insert(format!(
                    "binding {name} operation {op} soapAction={action:?} style={}",
                    part.attr("style").unwrap_or("-")
                ));
            }
            for soap in &part.children {
                let label = part.attr("name").unwrap_or("");
                out.insert(format!(
                    "binding {name} operation {op} {} {label} {} use={}",
                    part.local,
                    soap.local,
                    soap.attr("use").unwrap_or("-")
                ));
            }
        }
    }
}

fn service(node: &Node, name: &str, out: &mut BTreeSet<String>) {
    for port in &node.children {
        let port_name = port.attr("name").unwrap_or("");
        out.insert(format!(
            "service {name} port {port_name} binding={}",
            port.qattr("binding")
        ));
        for address in &port.children {
            let location = address.attr("location").unwrap_or("");
            // Host and port are the deployment's; the path is the contract.
            let path = location.splitn(4, '/').nth(3).unwrap_or("");
            out.insert(format!(
                "service {name} port {port_name} {{{}}}{} path=/{path}",
                address.ns, address.local
            ));
        }
    }
}
