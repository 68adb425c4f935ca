//! The shop's SMS texts, per language. Korean amounts are written the Korean way (`4,300원`),
//! English ones as `KRW 4,300`; both group thousands with commas.

use crate::config::Language;

/// `4300` → `4,300`; `-1200` → `-1,200`.
#[must_use]
pub fn group_thousands(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if amount < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An amount of won in the language's usual form.
#[must_use]
pub fn won(amount: i64, language: Language) -> String {
    match language {
        Language::Ko => format!("{}원", group_thousands(amount)),
        Language::En => format!("KRW {}", group_thousands(amount)),
    }
}

/// The payment details, sent after a successful charge; the balance when it could be read.
#[must_use]
pub fn payment(shop: &str, item: &str, amount: i64, balance: Option<i64>, language: Language) -> String {
    match (language, balance) {
        (Language::Ko, Some(b)) => {
            format!(
                "[{shop}] {} 결제 완료: {item}. 잔액 {}",
                won(amount, language),
                won(b, language)
            )
        }
        (Language::Ko, None) => format!("[{shop}] {} 결제 완료: {item}.", won(amount, language)),
        (Language::En, Some(b)) => format!(
            "[{shop}] Paid {} for {item}. Balance {}",
            won(amount, language),
            won(b, language)
        ),
        (Language::En, None) => format!("[{shop}] Paid {} for {item}.", won(amount, language)),
    }
}

/// The balance warning, sent when a purchase leaves less than the threshold.
#[must_use]
pub fn low_balance(shop: &str, balance: i64, threshold: i64, language: Language) -> String {
    match language {
        Language::Ko => format!(
            "[{shop}] 잔액이 {}으로 {} 미만입니다. 충전해 주세요.",
            won(balance, language),
            won(threshold, language)
        ),
        Language::En => format!(
            "[{shop}] Your balance is {}, below {}. Please top up.",
            won(balance, language),
            won(threshold, language)
        ),
    }
}

/// The notice to a number that has no payment account: nothing was charged.
#[must_use]
pub fn unregistered(shop: &str, item: &str, amount: i64, language: Language) -> String {
    match language {
        Language::Ko => format!(
            "[{shop}] 소액결제에 가입되지 않은 번호입니다. {item} {} 결제가 되지 않았습니다.",
            won(amount, language)
        ),
        Language::En => format!(
            "[{shop}] This number is not registered for mobile payment; {item} ({}) was not charged.",
            won(amount, language)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (4300, "4,300"),
            (1_000_000, "1,000,000"),
            (-1200, "-1,200"),
        ];
        for (n, text) in cases {
            assert_eq!(group_thousands(n), text);
        }
    }

    #[test]
    fn korean_and_english_texts() {
        assert_eq!(
            payment("shop", "커피", 4300, Some(45_700), Language::Ko),
            "[shop] 4,300원 결제 완료: 커피. 잔액 45,700원"
        );
        assert_eq!(
            payment("shop", "coffee", 4300, Some(45_700), Language::En),
            "[shop] Paid KRW 4,300 for coffee. Balance KRW 45,700"
        );
        assert_eq!(
            low_balance("shop", 3700, 5000, Language::Ko),
            "[shop] 잔액이 3,700원으로 5,000원 미만입니다. 충전해 주세요."
        );
        assert!(unregistered("shop", "커피", 4300, Language::Ko).contains("가입되지 않은"));
    }
}
