//! The console's two languages and how amounts and times read in each.
//!
//! Korean is the default; `?lang=en` (or `ko`) on any page switches and is remembered in the
//! `pxc_lang` cookie. Texts stand next to each other where they are used (`lang.t("잔액",
//! "Balance")`), so a page is read in both languages at once.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

/// The cookie that remembers the language.
const COOKIE: &str = "pxc_lang";

/// A language of the console.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    /// 한국어, the default.
    #[default]
    Ko,
    /// English.
    En,
}

impl Lang {
    /// `ko` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Ko => "ko",
            Self::En => "en",
        }
    }

    fn parse(code: &str) -> Option<Self> {
        match code {
            "ko" => Some(Self::Ko),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The Korean or the English text.
    pub fn t(self, ko: &'static str, en: &'static str) -> &'static str {
        match self {
            Self::Ko => ko,
            Self::En => en,
        }
    }

    /// An amount: `12,345원` in Korean, `₩12,345` in English; other currencies as
    /// `12.50 USD`. The digits are the amount's own, never rounded.
    pub fn money(self, amount: Decimal, currency: &str) -> String {
        let grouped = group_thousands(&amount.normalize().to_string());
        match (currency, self) {
            ("KRW", Self::Ko) => format!("{grouped}원"),
            ("KRW", Self::En) => match grouped.strip_prefix('-') {
                Some(positive) => format!("-₩{positive}"),
                None => format!("₩{grouped}"),
            },
            _ => format!("{grouped} {currency}"),
        }
    }

    /// An instant in the operator's time zone: `2026. 12. 7. 14:05:09` or `7 Dec 2026 14:05:09`.
    pub fn time(self, at: DateTime<Utc>, zone: Tz) -> String {
        let local = at.with_timezone(&zone);
        match self {
            Self::Ko => local.format("%Y. %-m. %-d. %H:%M:%S").to_string(),
            Self::En => local.format("%-d %b %Y %H:%M:%S").to_string(),
        }
    }

    /// A calendar date: `2026. 12. 31.` or `31 Dec 2026`.
    pub fn date(self, day: chrono::NaiveDate) -> String {
        match self {
            Self::Ko => day.format("%Y. %-m. %-d.").to_string(),
            Self::En => day.format("%-d %b %Y").to_string(),
        }
    }
}

/// `-1234567.5` → `-1,234,567.5`.
fn group_thousands(plain: &str) -> String {
    let (sign, digits) = plain.strip_prefix('-').map_or(("", plain), |d| ("-", d));
    let (int, frac) = digits
        .split_once('.')
        .map_or((digits, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(plain.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// Picks the request's language (`?lang=`, else the cookie, else Korean), puts it in the
/// request's extensions, and remembers a switch in the cookie.
pub(super) async fn choose(mut req: Request, next: Next) -> Response {
    let asked = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("lang=")))
        .and_then(Lang::parse);
    let remembered = super::session::cookie(req.headers(), COOKIE).and_then(Lang::parse);
    let lang = asked.or(remembered).unwrap_or_default();
    req.extensions_mut().insert(lang);
    let mut response = next.run(req).await;
    if let Some(lang) = asked {
        let cookie = format!(
            "{COOKIE}={}; Path=/console; Max-Age=31536000; SameSite=Strict",
            lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn won_and_dates_read_as_each_language_writes_them() {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        assert_eq!(Lang::Ko.money(d("1234567"), "KRW"), "1,234,567원");
        assert_eq!(Lang::En.money(d("1234567"), "KRW"), "₩1,234,567");
        assert_eq!(Lang::En.money(d("-500"), "KRW"), "-₩500");
        assert_eq!(Lang::Ko.money(d("-1000"), "KRW"), "-1,000원");
        assert_eq!(Lang::En.money(d("1234.50"), "USD"), "1,234.5 USD");
        assert_eq!(Lang::Ko.money(d("999"), "KRW"), "999원");
        let at = Utc
            .with_ymd_and_hms(2026, 11, 30, 15, 30, 0)
            .single()
            .unwrap_or_default();
        let seoul = chrono_tz::Asia::Seoul;
        assert_eq!(Lang::Ko.time(at, seoul), "2026. 12. 1. 00:30:00");
        assert_eq!(Lang::En.time(at, seoul), "1 Dec 2026 00:30:00");
    }
}
