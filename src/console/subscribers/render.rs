//! The pieces of the subscriber pages: the list, the account's summary, its forms and its
//! ledger.

use chrono_tz::Tz;
use maud::{Markup, html};

use crate::admin::views::{AccountPage, AccountView, LedgerPage};
use crate::console::Lang;
use crate::console::layout::{self, Ctx, Sent, field};
use crate::store::{AccountStatus, EntryKind, Language};

/// The status in the page's language.
pub(super) fn status_name(lang: Lang, status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Active => lang.t("사용 중", "Active"),
        AccountStatus::Suspended => lang.t("정지", "Suspended"),
        AccountStatus::Closed => lang.t("해지", "Closed"),
    }
}

fn kind_name(lang: Lang, kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Topup => lang.t("충전", "Top-up"),
        EntryKind::Charge => lang.t("결제", "Charge"),
        EntryKind::Refund => lang.t("환불", "Refund"),
        EntryKind::Reserve => lang.t("예약", "Reserve"),
        EntryKind::Release => lang.t("예약 해제", "Release"),
        EntryKind::ReservationCharge => lang.t("예약 결제", "Reservation charge"),
        EntryKind::Voucher => lang.t("바우처", "Voucher"),
        EntryKind::Adjustment => lang.t("조정", "Adjustment"),
    }
}

/// The accounts of one page, linked to their pages.
pub(super) fn account_list(ctx: &Ctx, page: &AccountPage) -> Markup {
    let lang = ctx.lang;
    html! {
        table.list id="accounts" {
            thead { tr {
                th { (lang.t("번호", "Number")) }
                th { (lang.t("상태", "Status")) }
                th.num { (lang.t("잔액", "Balance")) }
                th.num { (lang.t("이번 달 사용", "Spent this month")) }
            } }
            tbody {
                @for a in &page.accounts {
                    tr {
                        td { a href={ "/console/subscribers/" (a.msisdn) } { (a.msisdn) } }
                        td { span class={ "status " (a.status.as_str()) } { (status_name(lang, a.status)) } }
                        td.num { (lang.money(a.balance, &a.currency)) }
                        td.num { (lang.money(a.month_to_date_spend, &a.currency)) }
                    }
                }
            }
        }
        @if let Some(after) = page.next_after {
            p { a href={ "/console/subscribers?after=" (after) } { (lang.t("다음 쪽", "Next page")) " →" } }
        }
    }
}

/// The account at a glance.
pub(super) fn summary(ctx: &Ctx, a: &AccountView, zone: Tz, done: Option<&str>) -> Markup {
    let lang = ctx.lang;
    let money = |d| lang.money(d, &a.currency);
    let none = lang.t("없음", "none");
    html! {
        h1 { (a.msisdn) " " span class={ "status " (a.status.as_str()) } id="account-status" { (status_name(lang, a.status)) } }
        @if done.is_some() { p.notice id="done" { (lang.t("반영되었습니다.", "Done.")) } }
        dl.summary {
            dt { (lang.t("잔액", "Balance")) } dd id="balance" { (money(a.balance)) }
            dt { (lang.t("사용 가능", "Available")) } dd { (money(a.available)) }
            dt { (lang.t("예약됨", "Reserved")) } dd { (money(a.reserved)) }
            dt { (lang.t("이번 달 사용", "Spent this month")) } dd { (money(a.month_to_date_spend)) }
            dt { (lang.t("월 한도", "Monthly limit")) } dd { (a.monthly_limit.map_or_else(|| none.to_owned(), money)) }
            dt { (lang.t("잔액 부족 알림 기준", "Low-balance alert below")) } dd { (a.low_balance_threshold.map_or_else(|| none.to_owned(), money)) }
            dt { (lang.t("유효 기간", "Credit expires")) } dd { (a.credit_expiry.map_or_else(|| none.to_owned(), |d| lang.date(d))) }
            dt { (lang.t("개설", "Opened")) } dd { (lang.time(a.created_at, zone)) }
        }
    }
}

/// Suspend, resume or close, as the status allows.
pub(super) fn status_form(ctx: &Ctx, a: &AccountView, sent: &Sent) -> Markup {
    let lang = ctx.lang;
    html! {
        form.card method="post" action={ "/console/subscribers/" (a.msisdn) "/status" } id="status" {
            h2 { (lang.t("상태", "Status")) }
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail("status") { p.error { (d) } }
            @if a.status == AccountStatus::Active {
                button type="submit" name="action" value="suspend" { (lang.t("정지", "Suspend")) }
            }
            @if a.status == AccountStatus::Suspended {
                button type="submit" name="action" value="resume" { (lang.t("재개", "Resume")) }
            }
            @if a.status != AccountStatus::Closed {
                button.danger type="submit" name="action" value="close" { (lang.t("해지", "Close")) }
            }
        }
    }
}

fn plain(d: Option<rust_decimal::Decimal>) -> String {
    d.map(|d| d.normalize().to_string()).unwrap_or_default()
}

/// Monthly limit, alert threshold, expiry, alerts and language.
pub(super) fn limits_form(ctx: &Ctx, a: &AccountView, sent: &Sent) -> Markup {
    let lang = ctx.lang;
    let f = "limits";
    let value = |name: &str, current: String| sent.value(f, name).map_or(current, str::to_owned);
    let expiry = a.credit_expiry.map(|d| d.to_string()).unwrap_or_default();
    html! {
        form.card method="post" action={ "/console/subscribers/" (a.msisdn) "/limits" } id="limits" {
            h2 { (lang.t("한도와 알림", "Limits and alerts")) }
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail(f) { p.error { (d) } }
            (field(lang.t("월 한도 (비우면 없음)", "Monthly limit (empty: none)"), "monthly_limit", "text", &value("monthly_limit", plain(a.monthly_limit)), sent.error(f, "monthly_limit")))
            (field(lang.t("잔액 부족 알림 기준", "Low-balance alert below"), "low_balance_threshold", "text", &value("low_balance_threshold", plain(a.low_balance_threshold)), sent.error(f, "low_balance_threshold")))
            (field(lang.t("유효 기간", "Credit expires"), "credit_expiry", "date", &value("credit_expiry", expiry), sent.error(f, "credit_expiry")))
            label.check { input type="checkbox" name="notify_receipt" checked[a.notify_receipt]; (lang.t("결제 문자", "Receipt SMS")) }
            label.check { input type="checkbox" name="notify_low_balance" checked[a.notify_low_balance]; (lang.t("잔액 부족 문자", "Low-balance SMS")) }
            label.field {
                span { (lang.t("문자 언어", "SMS language")) }
                select name="language" {
                    option value="ko" selected[a.language == Language::Ko] { "한국어" }
                    option value="en" selected[a.language == Language::En] { "English" }
                }
            }
            button type="submit" { (lang.t("저장", "Save")) }
        }
    }
}

/// A new end-user PIN, or none.
pub(super) fn pin_form(ctx: &Ctx, a: &AccountView, sent: &Sent) -> Markup {
    let lang = ctx.lang;
    html! {
        form.card method="post" action={ "/console/subscribers/" (a.msisdn) "/pin" } id="pin" {
            h2 { (lang.t("결제 PIN", "Payment PIN")) }
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail("pin") { p.error { (d) } }
            (field(lang.t("새 PIN (숫자 4–12자리)", "New PIN (4–12 digits)"), "pin", "password", "", sent.error("pin", "pin")))
            button type="submit" { (lang.t("PIN 설정", "Set PIN")) }
            button.secondary type="submit" name="clear" value="1" { (lang.t("PIN 삭제", "Remove PIN")) }
        }
    }
}

/// The device topic the account's alerts go to first when push is on (docs/guides/push.md).
pub(super) fn push_form(ctx: &Ctx, a: &AccountView, topic: Option<&str>, sent: &Sent) -> Markup {
    let lang = ctx.lang;
    let value = sent.value("push", "topic").or(topic).unwrap_or_default();
    html! {
        form.card method="post" action={ "/console/subscribers/" (a.msisdn) "/push" } id="push" {
            h2 { (lang.t("푸시 알림 (MQTT)", "Push notices (MQTT)")) }
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail("push") { p.error { (d) } }
            (field(lang.t("기기 토픽", "Device topic"), "topic", "text", value, sent.error("push", "topic")))
            button type="submit" { (lang.t("저장", "Save")) }
            button.secondary type="submit" name="clear" value="1" { (lang.t("삭제", "Remove")) }
        }
    }
}

/// One page of the ledger, newest first, with a link to the older entries.
pub(super) fn ledger(ctx: &Ctx, page: &LedgerPage, currency: &str, zone: Tz) -> Markup {
    let lang = ctx.lang;
    html! {
        h2 { (lang.t("원장", "Ledger")) }
        table.list id="ledger" {
            thead { tr {
                th { (lang.t("시각", "When")) }
                th { (lang.t("종류", "Kind")) }
                th.num { (lang.t("금액", "Amount")) }
                th.num { (lang.t("잔액", "Balance")) }
                th { (lang.t("처리자", "By")) }
                th { (lang.t("참조 코드", "Reference")) }
                th { (lang.t("내용", "Description")) }
            } }
            tbody {
                @for e in &page.entries {
                    tr {
                        td { (lang.time(e.created_at, zone)) }
                        td { (kind_name(lang, e.kind)) }
                        td.num { (lang.money(e.amount, currency)) }
                        td.num { (lang.money(e.balance_after, currency)) }
                        td { (e.actor) }
                        td { (e.reference_code.as_deref().unwrap_or_default()) }
                        td { (e.description) }
                    }
                }
            }
        }
        @if let Some(before) = page.next_before {
            p { a href={ "?before=" (before) } { (lang.t("이전 기록", "Older entries")) " →" } }
        }
    }
}
