//! The SOAP wire layer: Parlay X 2.1 envelopes, payloads, faults and the WSDL/XSD documents we serve.
//!
//! Owns: reading a request envelope safely ([`envelope`]), turning an operation element into a typed
//! request ([`xml`], [`payment_xml`]), writing responses ([`xml::ResponseWriter`]) and faults ([`fault`]),
//! and the published service descriptions ([`wsdl`]).
//!
//! Must not know: the store, the framework's authentication decision, or any business rule. Everything
//! here is a pure function of bytes in and bytes out (STYLE.md rule 2), so it can be tested without a
//! server and sits on the hot path without I/O.
//!
//! Namespaces follow ES 202 391-1 §12.2 (`parlayx-spec.md` §1.1): the operation wrapper and its direct
//! children live in the interface's `…/local` namespace; the children of the common types
//! (ChargingInformation, ServiceException, …) are unqualified because the type schemas leave
//! `elementFormDefault` at its default.

pub(crate) mod account_xml;
pub(crate) mod binding;
pub(crate) mod envelope;
pub(crate) mod fault;
pub(crate) mod map;
pub(crate) mod monitoring_xml;
pub(crate) mod payment_xml;
pub(crate) mod sms_xml;
pub(crate) mod wsdl;
pub(crate) mod xml;

/// SOAP 1.1 envelope namespace (SOAP 1.1 §4.1.2). `text/xml` on the wire.
pub(crate) const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope namespace (SOAP 1.2 Part 1 §5.1). `application/soap+xml` on the wire.
pub(crate) const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// OASIS WS-Security 1.0 `wsse` namespace (UsernameToken, Security header, fault codes).
pub(crate) const WSSE_NS: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/// OASIS WS-Security 1.0 utility (`wsu`) namespace, where `Created` lives.
pub(crate) const WSU_NS: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/// pxgate's own SOAP header extensions (the `clientCorrelator` block): outside every Parlay X
/// schema, so the body still validates against the ETSI XSDs. Documented in `docs/faults.md`.
pub(crate) const PXGATE_HEADER_NS: &str = "http://pxgate.dev/schema/header/v1";
/// The Huawei SDP common header namespace of `RequestSOAPHeader` (docs/guides/huawei-header.md).
pub(crate) const HUAWEI_NS: &str = "http://www.huawei.com.cn/schema/common/v2_1";
/// Parlay X common types (ChargingInformation, ServiceException, PolicyException), ES 202 391-1.
pub(crate) const COMMON_NS: &str = "http://www.csapi.org/schema/parlayx/common/v2_1";
/// Local request/response schema of AmountCharging.
pub(crate) const AMOUNT_CHARGING_NS: &str =
    "http://www.csapi.org/schema/parlayx/payment/amount_charging/v2_1/local";
/// Local request/response schema of VolumeCharging.
pub(crate) const VOLUME_CHARGING_NS: &str =
    "http://www.csapi.org/schema/parlayx/payment/volume_charging/v2_1/local";
/// Local request/response schema of ReserveAmountCharging.
pub(crate) const RESERVE_AMOUNT_CHARGING_NS: &str =
    "http://www.csapi.org/schema/parlayx/payment/reserve_amount_charging/v2_1/local";
/// Local request/response schema of ReserveVolumeCharging.
pub(crate) const RESERVE_VOLUME_CHARGING_NS: &str =
    "http://www.csapi.org/schema/parlayx/payment/reserve_volume_charging/v2_1/local";

/// The SOAP version of a request; the response and any fault are written in the same version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SoapVersion {
    /// SOAP 1.1, the version every Parlay X 2.x WSDL binds to (`wsdl:soap` binding).
    V11,
    /// SOAP 1.2, accepted as a courtesy to stacks that default to it.
    V12,
}

impl SoapVersion {
    /// The envelope namespace URI of this version.
    #[must_use]
    pub(crate) const fn namespace(self) -> &'static str {
        match self {
            Self::V11 => SOAP11_NS,
            Self::V12 => SOAP12_NS,
        }
    }

    /// `1.1` or `1.2`, for messages.
    #[must_use]
    pub(crate) const fn number(self) -> &'static str {
        match self {
            Self::V11 => "1.1",
            Self::V12 => "1.2",
        }
    }

    /// The media type that names this version (SOAP 1.1 §6.1.1; SOAP 1.2 Part 2 §7.1.4).
    #[must_use]
    pub(crate) const fn media_type(self) -> &'static str {
        match self {
            Self::V11 => "text/xml",
            Self::V12 => "application/soap+xml",
        }
    }

    /// The media type of the other version.
    #[must_use]
    pub(crate) const fn other_media_type(self) -> &'static str {
        match self {
            Self::V11 => Self::V12.media_type(),
            Self::V12 => Self::V11.media_type(),
        }
    }

    /// The `Content-Type` a response in this version carries (SOAP 1.1 §6.1.1; SOAP 1.2 Part 2 §7.1.4).
    #[must_use]
    pub(crate) const fn content_type(self) -> &'static str {
        match self {
            Self::V11 => "text/xml; charset=utf-8",
            Self::V12 => "application/soap+xml; charset=utf-8",
        }
    }
}

/// A namespace-qualified element name: `{ns}local`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub(crate) struct QName {
    /// Namespace URI; empty when the element is in no namespace.
    pub ns: String,
    /// Local name, without prefix.
    pub local: String,
}

impl QName {
    /// Build a QName from its parts.
    #[must_use]
    pub(crate) fn new(ns: &str, local: &str) -> Self {
        Self {
            ns: ns.to_owned(),
            local: local.to_owned(),
        }
    }

    /// True when this name is `{ns}local`.
    #[must_use]
    pub(crate) fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }
}

impl std::fmt::Display for QName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Clark notation, the usual unambiguous way to print a QName in logs.
        if self.ns.is_empty() {
            f.write_str(&self.local)
        } else {
            write!(f, "{{{}}}{}", self.ns, self.local)
        }
    }
}
