//! The callback hosts of an agreement (`callback_hosts`: `host`, `host:port`, `host:*`) and which
//! addresses a callback may reach: public ones, unless the agreement names the network.

use super::ServiceAgreement;

/// A `callback_hosts` entry, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CallbackHost {
    /// Lower-case name or address (IPv6 without brackets).
    host: String,
    port: Port,
}

impl CallbackHost {
    /// Whether a URL's `host`, written `port` (`None`: the scheme's own) and effective port are
    /// this entry's.
    pub(super) fn matches(&self, host: &str, written_port: Option<u16>, port: u16) -> bool {
        self.host.eq_ignore_ascii_case(host)
            && match self.port {
                Port::Default => written_port.is_none(),
                Port::Any => true,
                Port::Is(p) => p == port,
            }
    }
}

/// The port a callback host allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Port {
    /// The scheme's own (80, 443), written without a port.
    Default,
    /// `host:*`.
    Any,
    /// `host:8080`.
    Is(u16),
}

pub(super) fn compile_callback_hosts(
    doc: &ServiceAgreement,
    errors: &mut Vec<(String, String)>,
) -> Vec<CallbackHost> {
    let mut hosts = Vec::new();
    for (i, raw) in doc.callback_hosts.iter().enumerate() {
        match parse_callback_host(raw.trim()) {
            Some(host) => hosts.push(host),
            None => errors.push((
                format!("callback_hosts[{i}]"),
                format!("{raw:?} is not a host, host:port or host:* (an IPv6 address in brackets)"),
            )),
        }
    }
    hosts
}

fn parse_callback_host(text: &str) -> Option<CallbackHost> {
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            v6.parse::<std::net::Ipv6Addr>().ok()?;
            let port = if after.is_empty() {
                None
            } else {
                Some(after.strip_prefix(':')?)
            };
            (v6, port)
        }
        None => match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        },
    };
    let port = match port {
        None => Port::Default,
        Some("*") => Port::Any,
        Some(digits) => Port::Is(digits.parse().ok().filter(|p| *p != 0)?),
    };
    let name_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    name_ok.then(|| CallbackHost {
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// An IPv4 address seen through IPv6 (`::ffff:a.b.c.d`) is that IPv4 address.
pub(super) fn canonical(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `ip` is an address of the public Internet: not loopback, private (RFC 1918, IPv6
/// unique-local), link-local (which holds the cloud metadata address 169.254.169.254), shared
/// (RFC 6598), unspecified, broadcast, multicast, documentation or otherwise reserved.
pub(super) fn is_public(ip: std::net::IpAddr) -> bool {
    match canonical(ip) {
        std::net::IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b)))
        }
        std::net::IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b
                || v6.to_ipv4().is_some())
        }
    }
}
