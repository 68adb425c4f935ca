//! The demo data: subscriber accounts in interesting states, two applications with their
//! credentials, and a small tariff. Every step is idempotent, so restarting keeps what was done.

use chrono::{NaiveDate, TimeDelta};
use serde_json::json;

use super::OPERATOR;
use crate::config::Config;
use crate::crypto::{SecretBox, generate_secret};
use crate::domain::{Currency, Moment, Msisdn};
use crate::framework::{Agreement, ServiceAgreement};
use crate::store::apps::{Credential, NewApp};
use crate::store::payment::Tariff;
use crate::store::{AccountStatus, EntryKind, Language, Limits, Movement, NewAccount, Store, StoreError};

/// One seeded account and why it is interesting.
pub(super) struct Seed {
    pub(super) number: &'static str,
    pub(super) note: &'static str,
    balance: i64,
    monthly_limit: Option<i64>,
    threshold: Option<i64>,
    status: AccountStatus,
    language: Language,
    /// Days from today to the credit expiry (negative: already expired).
    expiry_days: i64,
    /// Spent this month before the demo starts.
    spent: i64,
}

pub(super) const SEEDS: &[Seed] = &[
    Seed {
        number: "010-1234-0001",
        note: "active, 50,000 KRW, monthly limit 100,000",
        balance: 50_000,
        monthly_limit: Some(100_000),
        threshold: Some(5_000),
        status: AccountStatus::Active,
        language: Language::Ko,
        expiry_days: 365,
        spent: 0,
    },
    Seed {
        number: "010-1234-0002",
        note: "suspended: charges are refused",
        balance: 20_000,
        monthly_limit: None,
        threshold: Some(5_000),
        status: AccountStatus::Suspended,
        language: Language::Ko,
        expiry_days: 365,
        spent: 0,
    },
    Seed {
        number: "010-1234-0003",
        note: "credit expired yesterday: charges are refused",
        balance: 10_000,
        monthly_limit: None,
        threshold: None,
        status: AccountStatus::Active,
        language: Language::Ko,
        expiry_days: -1,
        spent: 0,
    },
    Seed {
        number: "010-1234-0004",
        note: "near its monthly limit: 28,500 of 30,000 spent",
        balance: 100_000,
        monthly_limit: Some(30_000),
        threshold: Some(5_000),
        status: AccountStatus::Active,
        language: Language::Ko,
        expiry_days: 365,
        spent: 28_500,
    },
    Seed {
        number: "010-1234-0005",
        note: "low balance: 800 KRW, alert below 1,000 (English SMS)",
        balance: 800,
        monthly_limit: None,
        threshold: Some(1_000),
        status: AccountStatus::Active,
        language: Language::En,
        expiry_days: 365,
        spent: 0,
    },
    Seed {
        number: "010-1234-0006",
        note: "new customer, 200,000 KRW: a first charge of 10,000 or more waits for a YES by SMS",
        balance: 200_000,
        monthly_limit: None,
        threshold: None,
        status: AccountStatus::Active,
        language: Language::Ko,
        expiry_days: 365,
        spent: 0,
    },
];

/// Opens the demo accounts (once; a restart replays instead of charging again).
pub(super) async fn accounts(store: &dyn Store, config: &Config, now: &Moment) -> Result<(), StoreError> {
    let cc = &config.locale.default_country_code;
    let krw = Currency::from_code("KRW").map_err(|e| StoreError::Corrupt(e.to_string()))?;
    for s in SEEDS {
        let msisdn = Msisdn::parse(s.number, cc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let new = NewAccount {
            msisdn: msisdn.clone(),
            currency: krw,
            opening_balance: s.balance,
            monthly_limit: s.monthly_limit,
            low_balance_threshold: s.threshold,
            credit_expiry: Some(expiry(now.today, s.expiry_days)),
            overdraft_limit: 0,
            notify_receipt: true,
            notify_low_balance: true,
            language: s.language,
            status: s.status,
            actor: format!("operator:{OPERATOR}"),
        };
        match store.create_account(&new, now).await {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(e) => return Err(e),
        }
        if s.spent > 0 {
            // Keyed by month, so a restart in the same month replays instead of charging again.
            let spend = Movement {
                msisdn,
                kind: EntryKind::Charge,
                amount: s.spent,
                currency: krw,
                actor: format!("operator:{OPERATOR}"),
                reference_code: Some(format!("demo-seed-spend-{}", now.month)),
                description: "demo purchases earlier this month".to_owned(),
                limits: Limits::default(),
                extend_expiry_days: None,
                screen: None,
            };
            store.move_money(&spend, now).await?;
        }
    }
    Ok(())
}

fn expiry(today: NaiveDate, days: i64) -> NaiveDate {
    today + TimeDelta::days(days)
}

/// A demo application and the one credential the demo hands out.
pub(super) struct DemoApp {
    /// Application id (also the credential's username).
    pub(super) id: &'static str,
    /// What its agreement grants, for demo.json.
    pub(super) grants: &'static str,
    /// Its secret (opened from the store on later runs).
    pub(super) secret: String,
    /// The sender names its agreement allows for SMS (the first is its default).
    pub(super) senders: Vec<String>,
}

/// "shop" may use Payment, Account Management (reads of accounts it charged, no credits) and SMS
/// at a high rate; "news" only SMS, slowly, and campaigns to up to 1,000 numbers at 5 a second;
/// "topup" only credits accounts (balanceUpdate,
/// voucherUpdate) within its credit limits, and reads what it credited.
fn agreements() -> [(&'static str, &'static str, &'static str, serde_json::Value); 3] {
    [
        (
            "shop",
            "Micro Shop",
            "Payment, AccountManagement, SMS",
            json!({
                "allow": ["Payment", "AccountManagement", "SMS"],
                "rates": [{"scope": "*", "per_second": 20000, "burst": 40000}],
                "spend_limits": [{"currency": "KRW", "per_charge": 100000}],
                "sms_senders": ["MICROSHOP", "1588"],
                "callback_hosts": ["127.0.0.1:*", "localhost:*"],
                "callback_networks": ["127.0.0.0/8", "::1"],
            }),
        ),
        (
            "news",
            "Daily News",
            "SMS, Campaigns",
            json!({
                "allow": ["SMS", "Campaigns"],
                "rates": [{"scope": "SMS", "per_second": 5, "burst": 10}],
                "sms_senders": ["NEWS"],
                "campaigns": {"max_numbers": 1000, "max_rate_per_second": 5},
                "callback_hosts": ["127.0.0.1:*", "localhost:*"],
                "callback_networks": ["127.0.0.0/8", "::1"],
            }),
        ),
        (
            "topup",
            "Top-up Partner",
            "Credit, AccountManagement",
            json!({
                "allow": ["Credit", "AccountManagement"],
                "rates": [{"scope": "*", "per_second": 50, "burst": 100}],
                "credit_limits": [{"currency": "KRW", "per_credit": 50000, "daily": 1000000, "monthly": 10000000}],
            }),
        ),
    ]
}

/// Registers the demo applications and returns their credentials.
pub(super) async fn applications(
    store: &dyn Store,
    secrets: &SecretBox,
    now: &Moment,
) -> Result<Vec<DemoApp>, StoreError> {
    let mut out = Vec::new();
    for (id, name, grants, agreement) in agreements() {
        let senders = agreement["sms_senders"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let doc: ServiceAgreement =
            serde_json::from_value(agreement).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Agreement::compile(&doc).map_err(|e| StoreError::Corrupt(format!("demo agreement {id}: {e:?}")))?;
        let new = NewApp {
            id: id.to_owned(),
            name: name.to_owned(),
            owner_contact: "demo@pxgate.invalid".to_owned(),
            agreement: serde_json::to_string(&doc).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        };
        let fresh = generate_secret();
        let first = Credential {
            username: id.to_owned(),
            app_id: id.to_owned(),
            sealed_secret: secrets.seal(id, &fresh),
            created_at_ms: now.at_ms,
            revoked_at_ms: None,
        };
        let secret = match store.create_app(&new, &first, now.at_ms).await {
            Ok(_) => fresh,
            Err(StoreError::AlreadyExists) => {
                let (credential, _) = store.credential(id).await?.ok_or(StoreError::NotFound)?;
                secrets.open(id, &credential.sealed_secret).ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "the secret of the demo application {id} in this database does not open with \
                         the key in this --data directory: the database was seeded from another one. \
                         Run the demo with that --data directory, or give it a new database"
                    ))
                })?
            }
            Err(e) => return Err(e),
        };
        out.push(DemoApp {
            id,
            grants,
            secret,
            senders,
        });
    }
    sms_registration(store, now).await?;
    Ok(out)
}

/// "shop" receives every SMS to its short code 1588; registrationIdentifier `1588`.
async fn sms_registration(store: &dyn Store, now: &Moment) -> Result<(), StoreError> {
    let registration = crate::store::sms::routing::Registration {
        id: "1588".to_owned(),
        app_id: Some("shop".to_owned()),
        short_code: "1588".to_owned(),
        keyword: String::new(),
        created_at_ms: now.at_ms,
    };
    // Already there on a later run: keep it as the operator may have changed it.
    let _ = store.create_registration(&registration).await?;
    Ok(())
}

/// Prices for volume charging: `default` (per unit) and `data-mb` (per megabyte).
pub(super) async fn tariffs(store: &dyn Store, now: &Moment) -> Result<(), StoreError> {
    let krw = Currency::from_code("KRW").map_err(|e| StoreError::Corrupt(e.to_string()))?;
    for (code, unit_price, description) in [("default", 5, "per unit"), ("data-mb", 10, "per megabyte")] {
        if store.tariff(code).await?.is_none() {
            let tariff = Tariff {
                code: code.to_owned(),
                currency: krw,
                unit_price,
                description: description.to_owned(),
            };
            store.put_tariff(&tariff, now.at_ms).await?;
        }
    }
    Ok(())
}

/// The device topic of 010-1234-0001 (`devices/821012340001`), when the demo pushes alerts.
pub(super) async fn push_topic(store: &dyn Store, config: &Config, now: &Moment) -> Result<(), StoreError> {
    let number = Msisdn::parse(SEEDS[0].number, &config.locale.default_country_code)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let topic = format!("devices/{}", number.digits());
    store.set_push_topic(&number, Some(&topic), now.at_ms).await
}
