//! Who the shop is and where the gateway is: plain data, from flags or from `demo.json`.
//!
//! `pxgate demo` writes `demo.json` with the gateway's URL and the credentials of the demo
//! application `shop` (granted Payment, Account Management and SMS, sender names `MICROSHOP`
//! and `1588`). Flags given explicitly win over the manifest.

use std::path::Path;

use serde_json::Value;

/// Sender name the demo agreement grants the shop.
pub const DEFAULT_SENDER: &str = "MICROSHOP";
/// Low-balance threshold of the demo accounts, in won.
pub const DEFAULT_THRESHOLD: i64 = 5_000;
/// Name shown in the shop's messages.
pub const DEFAULT_SHOP_NAME: &str = "Micro Shop";

/// How requests prove who sent them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Auth {
    /// WS-Security UsernameToken with PasswordDigest: the secret never travels.
    #[default]
    Digest,
    /// HTTP Basic (what `curl -u` sends).
    Basic,
}

/// Language of the shop's SMS texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Language {
    /// Korean, amounts as `4,300원`.
    #[default]
    Ko,
    /// English, amounts as `KRW 4,300`.
    En,
}

/// Everything the shop needs to trade.
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// Gateway base URL (`http://127.0.0.1:8080`); the standard endpoint paths are appended.
    pub gateway: String,
    /// The application's user name.
    pub username: String,
    /// The application's secret.
    pub password: String,
    /// How to authenticate.
    pub auth: Auth,
    /// SMS sender name (must be one the operator granted).
    pub sender: String,
    /// Name shown in square brackets at the start of each SMS.
    pub shop_name: String,
    /// A balance below this many won after a purchase triggers the balance SMS.
    pub threshold: i64,
    /// Language of the SMS texts.
    pub language: Language,
    /// Country code for numbers typed in national form (`010-…` → `+82 10-…`).
    pub country_code: String,
    /// Roots trusted for an `https://` gateway beside the platform's (`--ca-cert`).
    pub extra_roots: Vec<reqwest::Certificate>,
}

impl ShopConfig {
    /// A configuration with the shop's defaults around a gateway and a credential.
    #[must_use]
    pub fn new(gateway: &str, username: &str, password: &str) -> Self {
        Self {
            gateway: gateway.trim_end_matches('/').to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            auth: Auth::default(),
            sender: DEFAULT_SENDER.to_owned(),
            shop_name: DEFAULT_SHOP_NAME.to_owned(),
            threshold: DEFAULT_THRESHOLD,
            language: Language::default(),
            country_code: "82".to_owned(),
            extra_roots: Vec::new(),
        }
    }
}

/// What `demo.json` tells the shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoManifest {
    /// Gateway base URL.
    pub gateway: String,
    /// The application's user name.
    pub username: String,
    /// The application's secret.
    pub password: String,
    /// The simulator's handset pages (`…/handsets`), where the SMS arrive.
    pub handsets: Option<String>,
}

/// Why `demo.json` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("{path}: {source} (start `pxgate demo` first, or give --gateway, --username and --password)")]
    Read {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not the manifest it should be.
    #[error("{path}: {what}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, naming the field.
        what: String,
    },
}

impl DemoManifest {
    /// Reads the manifest and the credentials of application `app` in it.
    pub fn read(path: &Path, app: &str) -> Result<Self, ManifestError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text, app).map_err(|what| ManifestError::Invalid { path: shown, what })
    }

    /// Parses a manifest's text; the error names the missing or wrong field.
    pub fn parse(text: &str, app: &str) -> Result<Self, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let field = |v: &Value, name: &str| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{name} is missing"))
        };
        let application = v["applications"]
            .as_array()
            .and_then(|apps| apps.iter().find(|a| a["id"] == app))
            .ok_or_else(|| format!("applications: no application {app:?}"))?;
        Ok(Self {
            gateway: field(&v["gateway"]["url"], "gateway.url")?,
            username: field(&application["username"], "applications[].username")?,
            password: field(&application["password"], "applications[].password")?,
            handsets: v["smsc"]["handsets"].as_str().map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_gives_the_gateway_and_the_shop_credentials() {
        let text = r#"{"gateway":{"url":"http://127.0.0.1:8080"},
            "applications":[{"id":"news","username":"news","password":"n"},
                            {"id":"shop","username":"shop","password":"s3cret"}],
            "smsc":{"handsets":"http://127.0.0.1:8025/handsets"}}"#;
        let m = DemoManifest::parse(text, "shop").unwrap();
        assert_eq!(
            (m.gateway.as_str(), m.username.as_str(), m.password.as_str()),
            ("http://127.0.0.1:8080", "shop", "s3cret")
        );
        assert_eq!(m.handsets.as_deref(), Some("http://127.0.0.1:8025/handsets"));
        let missing = DemoManifest::parse(text, "bank").unwrap_err();
        assert!(missing.contains("bank"), "{missing}");
        let no_url = DemoManifest::parse(r#"{"applications":[{"id":"shop"}]}"#, "shop").unwrap_err();
        assert!(no_url.contains("gateway.url"), "{no_url}");
    }
}
