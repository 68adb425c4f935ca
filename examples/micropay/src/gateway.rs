//! The gateway as the shop sees it: one async function per Parlay X operation it uses, each one
//! HTTP POST of a SOAP 1.1 envelope to the operation's standard endpoint path.

use chrono::{SecondsFormat, Utc};

use crate::config::{Auth, ShopConfig};
use crate::soap::{self, Fault, Reply};

/// ES 202 391 default endpoint paths (`/{Service}/services/{Port}`), as `demo.json` lists them.
pub const AMOUNT_CHARGING_PATH: &str = "/AmountChargingService/services/AmountCharging";
/// Account Management endpoint.
pub const ACCOUNT_MANAGEMENT_PATH: &str = "/AccountManagementService/services/AccountManagement";
/// SendSms endpoint.
pub const SEND_SMS_PATH: &str = "/SendSmsService/services/SendSms";

/// Why a call did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The gateway could not be reached, or the connection broke.
    #[error("cannot reach the gateway: {0}")]
    Transport(#[from] reqwest::Error),
    /// The gateway answered with a SOAP fault.
    #[error("{0}")]
    Fault(#[from] Fault),
    /// The gateway answered something that is not a SOAP answer.
    #[error("unreadable answer (HTTP {status}): {why}")]
    Unreadable {
        /// HTTP status of the answer.
        status: u16,
        /// What is wrong with it.
        why: String,
    },
    /// The system gave no randomness for the WS-Security nonce.
    #[error("no randomness for the WS-Security nonce: {0}")]
    Randomness(String),
}

/// A client of the gateway with the shop's credentials.
#[derive(Debug, Clone)]
pub struct Gateway {
    http: reqwest::Client,
    base: String,
    username: String,
    password: String,
    auth: Auth,
}

impl Gateway {
    /// A client for `config`'s gateway and credential.
    ///
    /// # Panics
    /// When the TLS backend cannot be initialized, as `reqwest::Client::new` does.
    #[must_use]
    pub fn new(config: &ShopConfig) -> Self {
        let http = reqwest::Client::builder()
            .tls_certs_merge(config.extra_roots.iter().cloned())
            .build()
            .expect("the TLS backend initializes");
        Self {
            http,
            base: config.gateway.trim_end_matches('/').to_owned(),
            username: config.username.clone(),
            password: config.password.clone(),
            auth: config.auth,
        }
    }

    /// `AmountCharging.chargeAmount`: charges `amount` won; `Ok` means the money moved.
    pub async fn charge_amount(
        &self,
        end_user: &str,
        description: &str,
        amount: i64,
        reference: &str,
    ) -> Result<(), GatewayError> {
        let body = soap::charge_amount(end_user, description, amount, reference);
        self.call(AMOUNT_CHARGING_PATH, &body).await.map(drop)
    }

    /// `AccountManagement.getBalance`: the first balance, in whole won.
    pub async fn get_balance(&self, end_user: &str) -> Result<i64, GatewayError> {
        let reply = self
            .call(ACCOUNT_MANAGEMENT_PATH, &soap::get_balance(end_user))
            .await?;
        let amount = reply.first("amount").unwrap_or("");
        whole_won(amount).ok_or_else(|| GatewayError::Unreadable {
            status: 200,
            why: format!("getBalanceResponse amount {amount:?} is not a whole number of won"),
        })
    }

    /// `SendSms.sendSms`: answers the gateway's request identifier.
    pub async fn send_sms(&self, to: &str, sender: &str, text: &str) -> Result<String, GatewayError> {
        let reply = self
            .call(SEND_SMS_PATH, &soap::send_sms(to, sender, text))
            .await?;
        Ok(reply.first("result").unwrap_or_default().to_owned())
    }

    /// Posts one operation; a fault becomes [`GatewayError::Fault`].
    async fn call(&self, path: &str, operation: &str) -> Result<Reply, GatewayError> {
        let header = match self.auth {
            Auth::Digest => Some(self.username_token()?),
            Auth::Basic => None,
        };
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", "\"\"")
            .body(soap::envelope(header.as_deref(), operation));
        if self.auth == Auth::Basic {
            request = request.basic_auth(&self.username, Some(&self.password));
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        match soap::read_answer(&text) {
            Ok(Ok(reply)) if status == 200 => Ok(reply),
            Ok(Ok(_)) => Err(GatewayError::Unreadable {
                status,
                why: "a non-fault answer with an error status".to_owned(),
            }),
            Ok(Err(fault)) => Err(GatewayError::Fault(fault)),
            Err(why) => Err(GatewayError::Unreadable { status, why }),
        }
    }

    /// A UsernameToken with a fresh random nonce and the current time, so no two requests carry
    /// the same token (the gateway refuses a replayed nonce).
    fn username_token(&self) -> Result<String, GatewayError> {
        let mut nonce = [0_u8; 16];
        getrandom::fill(&mut nonce).map_err(|e| GatewayError::Randomness(e.to_string()))?;
        let created = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        Ok(soap::security_header(
            &self.username,
            &self.password,
            &nonce,
            &created,
        ))
    }
}

/// `45700`, `45700.0` → 45700; a fractional amount of won or garbage → `None`.
fn whole_won(amount: &str) -> Option<i64> {
    let (whole, fraction) = amount.trim().split_once('.').unwrap_or((amount.trim(), ""));
    if !fraction.bytes().all(|b| b == b'0') {
        return None;
    }
    whole.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::whole_won;

    #[test]
    fn balances_are_whole_won() {
        assert_eq!(whole_won("45700"), Some(45_700));
        assert_eq!(whole_won(" 800.00 "), Some(800));
        assert_eq!(whole_won("-5"), Some(-5));
        assert_eq!(whole_won("12.5"), None);
        assert_eq!(whole_won(""), None);
    }
}
