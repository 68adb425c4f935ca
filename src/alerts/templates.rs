//! The texts of the alerts: built-in per language (`ko`, the default, and `en`), each overridable
//! in `[alerts.templates.ko]` / `[alerts.templates.en]`; and how amounts, times and dates read in
//! them (`4,300원` in Korean, `KRW 4,300` in English).
//!
//! A template names values as `{amount}`, `{merchant}`, `{time}`, `{balance}`, `{month_spent}`,
//! `{expiry}` and `{threshold}`; any other `{…}` is a configuration error naming the key.

use chrono::{NaiveDate, TimeZone as _};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::domain::Currency;
use crate::store::Language;

/// Which alert a text is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alert {
    /// After a successful charge.
    Receipt,
    /// A charge took the balance below the account's threshold.
    LowBalance,
    /// An application tried to charge a number without an account.
    Unregistered,
    /// The credit expires soon.
    Expiry,
    /// The account was suspended.
    Suspended,
    /// The account is active again.
    Resumed,
    /// The answer to the balance keyword.
    Balance,
}

impl Alert {
    const ALL: [Self; 7] = [
        Self::Receipt,
        Self::LowBalance,
        Self::Unregistered,
        Self::Expiry,
        Self::Suspended,
        Self::Resumed,
        Self::Balance,
    ];

    /// Every alert's key.
    pub(crate) fn keys() -> impl Iterator<Item = &'static str> {
        Self::ALL.into_iter().map(Self::key)
    }

    /// The configuration key of its template.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Receipt => "receipt",
            Self::LowBalance => "low_balance",
            Self::Unregistered => "unregistered",
            Self::Expiry => "expiry",
            Self::Suspended => "suspended",
            Self::Resumed => "resumed",
            Self::Balance => "balance",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|a| *a == self).unwrap_or(0)
    }

    fn built_in(self, language: Language) -> &'static str {
        match (language, self) {
            (Language::Ko, Self::Receipt) => {
                "[결제] {merchant} {amount} 결제 ({time}). 잔액 {balance}, 이번 달 사용 {month_spent}"
            }
            (Language::Ko, Self::LowBalance) => "[잔액 부족] 잔액이 {balance}으로 {threshold} 아래입니다.",
            (Language::Ko, Self::Unregistered) => {
                "[알림] 이 번호는 소액결제 서비스에 등록되어 있지 않아 결제가 거절되었습니다."
            }
            (Language::Ko, Self::Expiry) => "[알림] 잔액 {balance}의 사용 기한이 {expiry}까지입니다.",
            (Language::Ko, Self::Suspended) => "[알림] 소액결제 계정이 정지되었습니다.",
            (Language::Ko, Self::Resumed) => "[알림] 소액결제 계정을 다시 사용할 수 있습니다.",
            (Language::Ko, Self::Balance) => "[잔액] {balance}, 이번 달 사용 {month_spent} ({time})",
            (Language::En, Self::Receipt) => {
                "Paid {amount} to {merchant} at {time}. Balance {balance}, spent this month {month_spent}."
            }
            (Language::En, Self::LowBalance) => "Your balance is {balance}, below {threshold}.",
            (Language::En, Self::Unregistered) => {
                "A payment was refused: this number is not registered for micro payments."
            }
            (Language::En, Self::Expiry) => "Your balance of {balance} can be used until {expiry}.",
            (Language::En, Self::Suspended) => "Your payment account has been suspended.",
            (Language::En, Self::Resumed) => "Your payment account is active again.",
            (Language::En, Self::Balance) => "Balance {balance}, spent this month {month_spent} ({time}).",
        }
    }
}

/// The placeholders a template may use.
const PLACEHOLDERS: [&str; 7] = [
    "amount",
    "merchant",
    "time",
    "balance",
    "month_spent",
    "expiry",
    "threshold",
];

/// `[alerts.templates]`: overrides per language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Templates {
    /// Korean texts.
    pub ko: TemplateSet,
    /// English texts.
    pub en: TemplateSet,
}

/// The texts of one language; an absent key keeps the built-in text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TemplateSet {
    /// After each successful charge.
    pub receipt: Option<String>,
    /// When a charge takes the balance below the threshold.
    pub low_balance: Option<String>,
    /// To a number without an account that an application tried to charge.
    pub unregistered: Option<String>,
    /// Before the credit expires.
    pub expiry: Option<String>,
    /// When the account is suspended.
    pub suspended: Option<String>,
    /// When the account is active again.
    pub resumed: Option<String>,
    /// The answer to the balance keyword.
    pub balance: Option<String>,
}

impl TemplateSet {
    fn get(&self, alert: Alert) -> Option<&String> {
        match alert {
            Alert::Receipt => self.receipt.as_ref(),
            Alert::LowBalance => self.low_balance.as_ref(),
            Alert::Unregistered => self.unregistered.as_ref(),
            Alert::Expiry => self.expiry.as_ref(),
            Alert::Suspended => self.suspended.as_ref(),
            Alert::Resumed => self.resumed.as_ref(),
            Alert::Balance => self.balance.as_ref(),
        }
    }
}

impl Templates {
    /// Adds a line per unusable template to `errors`, naming its key.
    pub fn check(&self, errors: &mut Vec<String>) {
        for (language, set) in [("ko", &self.ko), ("en", &self.en)] {
            for alert in Alert::ALL {
                let Some(text) = set.get(alert) else { continue };
                let key = format!("alerts.templates.{language}.{}", alert.key());
                if text.trim().is_empty() {
                    errors.push(format!("{key}: must not be empty"));
                }
                if let Err(problem) = placeholders_known(text) {
                    errors.push(format!("{key}: {problem}"));
                }
            }
        }
    }
}

/// `Ok` when every `{…}` is a known placeholder and every `{` is closed.
fn placeholders_known(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("a '{' is not closed")?;
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder {{{name}}} (known: {})",
                PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// The values of one alert, already formatted for its language.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values {
    /// `{amount}`
    pub amount: String,
    /// `{merchant}`
    pub merchant: String,
    /// `{time}`
    pub time: String,
    /// `{balance}`
    pub balance: String,
    /// `{month_spent}`
    pub month_spent: String,
    /// `{expiry}`
    pub expiry: String,
    /// `{threshold}`
    pub threshold: String,
}

impl Values {
    fn get(&self, name: &str) -> &str {
        match name {
            "amount" => &self.amount,
            "merchant" => &self.merchant,
            "time" => &self.time,
            "balance" => &self.balance,
            "month_spent" => &self.month_spent,
            "expiry" => &self.expiry,
            "threshold" => &self.threshold,
            _ => "",
        }
    }
}

/// Every text of every language, overrides applied.
#[derive(Debug, Clone)]
pub(crate) struct TemplateBook {
    ko: Vec<String>,
    en: Vec<String>,
}

impl TemplateBook {
    /// The built-in texts with `overrides` applied (checked by [`Templates::check`]).
    pub(crate) fn new(overrides: &Templates) -> Self {
        let texts = |language: Language, set: &TemplateSet| {
            Alert::ALL
                .iter()
                .map(|a| {
                    set.get(*a)
                        .cloned()
                        .unwrap_or_else(|| a.built_in(language).to_owned())
                })
                .collect()
        };
        Self {
            ko: texts(Language::Ko, &overrides.ko),
            en: texts(Language::En, &overrides.en),
        }
    }

    /// The text of `alert` in `language` with `values` filled in.
    pub(crate) fn render(&self, language: Language, alert: Alert, values: &Values) -> String {
        let texts = match language {
            Language::Ko => &self.ko,
            Language::En => &self.en,
        };
        let template = texts.get(alert.index()).map_or("", String::as_str);
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                return out;
            };
            out.push_str(values.get(&after[..close]));
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// An amount as the subscriber reads it: `4,300원` in Korean for won, `KRW 4,300` in English,
/// `12.50 USD` in Korean for other currencies.
pub(crate) fn money(language: Language, currency: Currency, minor: i64) -> String {
    let plain = currency.from_minor(minor).to_string();
    let (sign, digits) = plain.strip_prefix('-').map_or(("", plain.as_str()), |d| ("-", d));
    let (whole, fraction) = digits
        .split_once('.')
        .map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let number = match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    };
    match (language, currency.code()) {
        (Language::Ko, "KRW") => format!("{number}원"),
        (Language::Ko, code) => format!("{number} {code}"),
        (Language::En, code) => format!("{code} {number}"),
    }
}

/// A moment in the operator's zone: `11/15 12:00` in Korean, `2026-11-15 12:00` in English.
pub(crate) fn time(language: Language, zone: Tz, at_ms: i64) -> String {
    let local = zone.from_utc_datetime(&crate::domain::clock::from_millis(at_ms).naive_utc());
    match language {
        Language::Ko => local.format("%m/%d %H:%M").to_string(),
        Language::En => local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// A date: `2026-11-18` in both languages.
pub(crate) fn date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krw() -> Currency {
        Currency::from_code("KRW").unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn won_reads_as_koreans_write_it() {
        assert_eq!(money(Language::Ko, krw(), 4_300), "4,300원");
        assert_eq!(money(Language::Ko, krw(), 1_234_567), "1,234,567원");
        assert_eq!(money(Language::Ko, krw(), 0), "0원");
        assert_eq!(money(Language::Ko, krw(), -1_000), "-1,000원");
        assert_eq!(money(Language::En, krw(), 4_300), "KRW 4,300");
    }

    #[test]
    fn unknown_placeholders_are_named_with_their_key() {
        let mut t = Templates::default();
        t.en.receipt = Some("Paid {amount} {price}".to_owned());
        let mut errors = Vec::new();
        t.check(&mut errors);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("alerts.templates.en.receipt: unknown placeholder {price}"));
    }

    #[test]
    fn overrides_replace_built_in_texts_and_fill_values() {
        let mut t = Templates::default();
        t.ko.balance = Some("잔액 {balance}".to_owned());
        let book = TemplateBook::new(&t);
        let values = Values {
            balance: "4,300원".to_owned(),
            ..Values::default()
        };
        assert_eq!(book.render(Language::Ko, Alert::Balance, &values), "잔액 4,300원");
        let en = book.render(Language::En, Alert::Balance, &values);
        assert!(en.starts_with("Balance 4,300원"), "{en}");
    }
}
