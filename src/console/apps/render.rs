//! The pieces of the application pages.

use maud::{Markup, html};

use super::agreement;
use crate::admin::app_views::{AppList, AppView, IssuedCredential};
use crate::console::Lang;
use crate::console::chart;
use crate::console::layout::{self, Ctx, Sent, field};
use crate::console::settlement::Usage;
use crate::store::apps::AppStatus;

fn status_name(lang: Lang, status: AppStatus) -> &'static str {
    match status {
        AppStatus::Active => lang.t("사용 중", "Active"),
        AppStatus::Suspended => lang.t("정지", "Suspended"),
        AppStatus::Revoked => lang.t("폐기", "Revoked"),
    }
}

/// Every application, linked to its page.
pub(super) fn list(
    ctx: &Ctx,
    list: &AppList,
    today: &std::collections::HashMap<String, (i64, i64)>,
) -> Markup {
    let lang = ctx.lang;
    html! {
        h1 { (lang.t("애플리케이션", "Applications")) }
        p { a.button href="/console/apps/new" id="new-app" { (lang.t("새 애플리케이션 등록", "Register an application")) } }
        table.list id="apps" {
            thead { tr {
                th { "ID" } th { (lang.t("이름", "Name")) } th { (lang.t("상태", "Status")) }
                th { (lang.t("허용", "Allowed")) }
                th.num { (lang.t("오늘 호출", "Calls today")) }
                th.num { (lang.t("오늘 거부", "Refused today")) } th { (lang.t("연락처", "Contact")) }
            } }
            tbody {
                @for app in &list.apps {
                    tr {
                        td { a href={ "/console/apps/" (app.id) } { (app.id) } }
                        td { (app.name) }
                        td { span class={ "status " (app.status.as_str()) } { (status_name(lang, app.status)) } }
                        td { (words(&app.agreement["allow"])) }
                        @let (calls, refused) = today.get(&app.id).copied().unwrap_or_default();
                        td.num { (calls) }
                        td.num { (refused) }
                        td { (app.owner_contact) }
                    }
                }
            }
        }
    }
}

/// A JSON list of strings as `a, b, c`.
fn words(v: &serde_json::Value) -> String {
    v.as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

/// The agreement's inputs, filled from `values` (what was typed, else the agreement's).
fn agreement_inputs(
    ctx: &Ctx,
    sent: &Sent,
    form: &str,
    current: &std::collections::HashMap<String, String>,
) -> Markup {
    let lang = ctx.lang;
    let value = |name: &str| {
        sent.value(form, name)
            .or_else(|| current.get(name).map(String::as_str))
            .unwrap_or_default()
            .to_owned()
    };
    let area = |label: &str, name: &str, hint: &str| {
        html! {
            label.field {
                span { (label) }
                textarea name=(name) id={ (form) "-" (name) } placeholder=(hint) rows="3" aria-invalid=[sent.error(form, name).map(|_| "true")] { (value(name)) }
                @if let Some(e) = sent.error(form, name) { span.error data-field=(name) { (e) } }
            }
        }
    };
    html! {
        fieldset.agreement {
            legend { (lang.t("서비스 계약", "Service agreement")) }
            @if let Some(e) = sent.error(form, "agreement") { p.error data-field="agreement" { (e) } }
            (area(lang.t("허용 (한 줄에 하나: *, Payment, SMS, AmountCharging.chargeAmount …)", "Allowed (one a line: *, Payment, SMS, AmountCharging.chargeAmount …)"), "allow", "Payment"))
            (area(lang.t("요청 속도 (범위 초당 [버스트])", "Rates (scope per-second [burst])"), "rates", "Payment 50 100"))
            (area(lang.t("결제 한도 (통화 건당 일 월, 없음은 -)", "Spend caps (currency per-charge daily monthly, - for none)"), "spend_limits", "KRW 50000 - 1000000"))
            (area(lang.t("충전 한도 (통화 건당 일 월)", "Credit caps (currency per-credit daily monthly)"), "credit_limits", "KRW 100000 - -"))
            (area(lang.t("문자 발신 번호", "SMS senders"), "sms_senders", "1588"))
            (area(lang.t("콜백 호스트", "Callback hosts"), "callback_hosts", "shop.example:8443"))
            (area(lang.t("콜백 내부망 (CIDR)", "Callback networks (CIDR)"), "callback_networks", "10.0.0.0/8"))
            (area(lang.t("호출 허용망 (CIDR, 비우면 모두)", "Source networks (CIDR, empty: any)"), "source_networks", "203.0.113.0/24"))
            (field(lang.t("시작 (RFC 3339)", "Valid from (RFC 3339)"), "valid_from", "text", &value("valid_from"), sent.error(form, "valid_from")))
            (field(lang.t("종료 (RFC 3339)", "Valid until (RFC 3339)"), "valid_until", "text", &value("valid_until"), sent.error(form, "valid_until")))
            (field(lang.t("sendSms 최대 수신자", "Most addresses per sendSms"), "max_sms_addresses", "text", &value("max_sms_addresses"), sent.error(form, "max_sms_addresses")))
            (field(lang.t("캠페인 (최대 번호 수, 초당 최대 발송; 비우면 기본값 10000 10)", "Campaigns (most numbers, most per second; empty: the defaults 10000 10)"), "campaigns", "text", &value("campaigns"), sent.error(form, "campaigns")))
        }
    }
}

/// The registration form.
pub(super) fn create_form(ctx: &Ctx, sent: &Sent) -> Markup {
    let lang = ctx.lang;
    let v = |name: &str| sent.value("create", name).unwrap_or_default();
    html! {
        h1 { (lang.t("새 애플리케이션", "New application")) }
        form.card method="post" action="/console/apps/new" id="create" {
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail("create") { p.error { (d) } }
            (field("ID (a-z, 0-9, -)", "id", "text", v("id"), sent.error("create", "id")))
            (field(lang.t("이름", "Name"), "name", "text", v("name"), sent.error("create", "name")))
            (field(lang.t("연락처", "Owner contact"), "owner_contact", "text", v("owner_contact"), sent.error("create", "owner_contact")))
            (agreement_inputs(ctx, sent, "create", &std::collections::HashMap::new()))
            button type="submit" { (lang.t("등록", "Register")) }
        }
    }
}

fn secret_box(lang: Lang, issued: &IssuedCredential) -> Markup {
    html! {
        section.card id="secret" {
            h2 { (lang.t("새 자격 증명: 비밀값은 지금 한 번만 표시됩니다", "New credential: the secret is shown this once")) }
            p { (lang.t("사용자 이름", "User name")) ": " code id="secret-username" { (issued.username) } }
            p.secret id="secret-value" { (issued.secret) }
        }
    }
}

/// The application's page; `secret` when a credential was just issued.
pub(super) fn detail(
    ctx: &Ctx,
    app: &AppView,
    secret: Option<&IssuedCredential>,
    sent: &Sent,
    usage: Option<&[Option<Usage>]>,
) -> Markup {
    let lang = ctx.lang;
    let action = |tail: &str| format!("/console/apps/{}{tail}", crate::console::enc(&app.id));
    let v = |name: &str, current: &str| sent.value("info", name).unwrap_or(current).to_owned();
    html! {
        h1 { (app.name) " " span class={ "status " (app.status.as_str()) } id="app-status" { (status_name(lang, app.status)) } }
        @if let Some(issued) = secret { (secret_box(lang, issued)) }
        div.forms {
            form.card method="post" action=(action("")) id="info" {
                h2 { "ID " code { (app.id) } }
                (layout::csrf(ctx))
                @if let Some(d) = sent.detail("info") { p.error { (d) } }
                (field(lang.t("이름", "Name"), "name", "text", &v("name", &app.name), sent.error("info", "name")))
                (field(lang.t("연락처", "Owner contact"), "owner_contact", "text", &v("owner_contact", &app.owner_contact), sent.error("info", "owner_contact")))
                button type="submit" { (lang.t("저장", "Save")) }
            }
            form.card method="post" action=(action("/status")) id="status" {
                h2 { (lang.t("상태", "Status")) }
                (layout::csrf(ctx))
                @if let Some(d) = sent.detail("status") { p.error { (d) } }
                @if app.status == AppStatus::Active { button type="submit" name="action" value="suspend" { (lang.t("정지", "Suspend")) } }
                @if app.status == AppStatus::Suspended { button type="submit" name="action" value="resume" { (lang.t("재개", "Resume")) } }
                @if app.status != AppStatus::Revoked { button.danger type="submit" name="action" value="revoke" { (lang.t("폐기", "Revoke")) } }
            }
            (credentials(ctx, app, sent))
            (monitored(ctx, app, sent))
        }
        form.card method="post" action=(action("/agreement")) id="agreement" {
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail("agreement") { p.error { (d) } }
            (agreement_inputs(ctx, sent, "agreement", &agreement::to_form(&app.agreement)))
            button type="submit" { (lang.t("계약 저장", "Save the agreement")) }
        }
        @if let Some(reports) = usage { (usage_reports(lang, reports)) }
    }
}

/// Lets the application monitor an account it has not charged, or withdraws that.
fn monitored(ctx: &Ctx, app: &AppView, sent: &Sent) -> Markup {
    let lang = ctx.lang;
    let f = "monitored";
    html! {
        form.card method="post" action={ "/console/apps/" (crate::console::enc(&app.id)) "/monitored" } id="monitored" {
            h2 { (lang.t("계정 모니터링 허용", "Account monitoring grants")) }
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail(f) { p.error { (d) } }
            (field(lang.t("전화번호", "Number"), "msisdn", "text", sent.value(f, "msisdn").unwrap_or_default(), sent.error(f, "msisdn")))
            button type="submit" { (lang.t("허용", "Grant")) }
            button.secondary type="submit" name="withdraw" value="1" { (lang.t("철회", "Withdraw")) }
        }
    }
}

fn credentials(ctx: &Ctx, app: &AppView, sent: &Sent) -> Markup {
    let lang = ctx.lang;
    let base = format!("/console/apps/{}/credentials", crate::console::enc(&app.id));
    html! {
        section.card id="credentials" {
            h2 { (lang.t("자격 증명", "Credentials")) }
            @if let Some(d) = sent.detail("credentials") { p.error { (d) } }
            table.list { tbody {
                @for c in &app.credentials {
                    tr {
                        td { code { (c.username) } }
                        td {
                            @if c.revoked_at.is_some() { span.status.revoked { (lang.t("폐기됨", "Revoked")) } }
                            @else {
                                form.inline method="post" action={ (base) "/" (crate::console::enc(&c.username)) "/revoke" } {
                                    (layout::csrf(ctx))
                                    button.secondary type="submit" { (lang.t("폐기", "Revoke")) }
                                }
                            }
                        }
                    }
                }
            } }
            form method="post" action=(base) {
                (layout::csrf(ctx))
                (field(
                    lang.t("사용자 이름 (비우면 자동; 예: Huawei spId)", "User name (empty: generated; e.g. a Huawei spId)"),
                    "username",
                    "text",
                    sent.value("credentials", "username").unwrap_or_default(),
                    sent.error("credentials", "username"),
                ))
                button type="submit" id="rotate" { (lang.t("새 자격 증명 발급", "Issue a new credential")) }
            }
        }
    }
}

/// This month's usage by operation and by outcome (`reports`, in that order): per report, a bar
/// chart of the calls (refusals, every outcome but `ok`, in the refusal colour) over a table that
/// adds what a bar does not carry, the mean latency and the money moved.
fn usage_reports(lang: Lang, reports: &[Option<Usage>]) -> Markup {
    let by = [
        ("operation", lang.t("작업별", "by operation")),
        ("outcome", lang.t("결과별", "by outcome")),
    ];
    html! {
        div.forms id="usage" {
            @for (report, (id, by)) in reports.iter().zip(by) {
                @if let Some(report) = report {
                section.card id={ "usage-" (id) } {
                    h2 { (lang.t("이번 달 사용량", "This month's usage")) " · " (by) }
                    (usage_bars(lang, id, by, report))
                    table.list {
                        thead { tr { th { "" } th.num { (lang.t("호출", "Calls")) } th.num { (lang.t("평균 ms", "Mean ms")) } th.num { (lang.t("금액", "Amount")) } } }
                        tbody {
                            @for (key, calls, mean_ms, amounts) in &report.groups {
                                tr {
                                    td { (outcome_label(lang, id, key)) }
                                    td.num { (calls) }
                                    td.num { (format!("{mean_ms:.1}")) }
                                    td.num { @for (cur, amount) in amounts { (lang.money(*amount, cur)) " " } }
                                }
                            }
                        }
                    }
                }
                }
            }
        }
    }
}

/// A report's groups as bars of their calls; by outcome, every outcome but `ok` is a refusal.
fn usage_bars(lang: Lang, id: &str, by: &str, report: &Usage) -> Markup {
    let bars: Vec<chart::Bar<'_>> = report
        .groups
        .iter()
        .map(|(key, calls, ..)| chart::Bar {
            key,
            label: outcome_label(lang, id, key),
            value: *calls as f64,
            refused: id == "outcome" && key != "ok",
        })
        .collect();
    let title = format!("{} · {by}", lang.t("이번 달 호출", "Calls this month"));
    chart::bars(
        &title,
        id,
        &bars,
        lang.t("이번 달 호출이 없습니다.", "No calls this month."),
    )
}

/// A group's key as the reader reads it: the outcome `ok` in words; operations and refusal codes
/// (`POL0001`, `throttled`) as the gateway names them.
fn outcome_label<'k>(lang: Lang, id: &str, key: &'k str) -> &'k str {
    if id == "outcome" && key == "ok" {
        lang.t("성공", "OK")
    } else {
        key
    }
}
