//! Vouchers and tariffs. A batch of vouchers is issued by a form whose answer is the batch's
//! codes as a CSV file: the gateway keeps only their keyed digests, so that download is the one
//! time anyone sees them. The list shows vouchers by status, without codes. Tariffs are listed
//! and each is set (created or changed) or removed by its form.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ConsoleState;
use super::api::Refused;
use super::layout::{self, Ctx, Sent, field};
use crate::admin::tariffs::TariffView;

/// Query of the voucher list.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    status: Option<String>,
    after: Option<i64>,
}

/// `GET /console/vouchers?status=&after=`
pub(super) async fn page(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Response {
    show(&state, &ctx, q, &Sent::default()).await
}

async fn show(state: &ConsoleState, ctx: &Ctx, q: ListQuery, sent: &Sent) -> Response {
    let ctx = &ctx.at("/console/vouchers".to_owned());
    let lang = ctx.lang;
    let status = q
        .status
        .as_deref()
        .filter(|s| ["unused", "used", "expired"].contains(s));
    let mut path = format!("/vouchers?limit=100&after={}", q.after.unwrap_or(0));
    if let Some(s) = status {
        path.push_str(&format!("&status={s}"));
    }
    let list = state.api().get::<Value>(&ctx.operator(), &path).await;
    // Vouchers issued from the form last a year unless the operator says otherwise.
    let today = state.admin().now().today;
    let a_year_on = today.checked_add_months(chrono::Months::new(12)).unwrap_or(today);
    let body = html! {
        h1 { (lang.t("바우처", "Vouchers")) }
        (issue_form(ctx, sent, &a_year_on.to_string()))
        p.filters {
            a href="/console/vouchers" { (lang.t("전체", "All")) } " · "
            a href="/console/vouchers?status=unused" { (lang.t("미사용", "Unused")) } " · "
            a href="/console/vouchers?status=used" { (lang.t("사용됨", "Used")) } " · "
            a href="/console/vouchers?status=expired" { (lang.t("만료", "Expired")) }
        }
        @match list {
            Ok(list) => (voucher_table(ctx, &list, status)),
            Err(r) => p.refusal { (r.detail) },
        }
    };
    (
        sent.status(),
        layout::page(ctx, lang.t("바우처", "Vouchers"), body),
    )
        .into_response()
}

fn issue_form(ctx: &Ctx, sent: &Sent, expires_on: &str) -> Markup {
    let lang = ctx.lang;
    let f = "issue";
    let v = |name: &str, default: &str| sent.value(f, name).unwrap_or(default).to_owned();
    html! {
        form.card method="post" action="/console/vouchers" id="issue" {
            h2 { (lang.t("발행: 코드는 CSV로 한 번만 내려받습니다", "Issue: the codes are downloaded once, as CSV")) }
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail(f) { p.error { (d) } }
            div.row {
                (field(lang.t("수량", "Count"), "count", "number", &v("count", "10"), sent.error(f, "count")))
                (field(lang.t("금액", "Value"), "value", "text", &v("value", ""), sent.error(f, "value")))
                (field(lang.t("만료일", "Expires on"), "expires_on", "date", &v("expires_on", expires_on), sent.error(f, "expires_on")))
                (field(lang.t("배치 이름 (선택)", "Batch (optional)"), "batch", "text", &v("batch", ""), sent.error(f, "batch")))
            }
            button type="submit" { (lang.t("발행하고 CSV 받기", "Issue and download the CSV")) }
        }
    }
}

fn voucher_table(ctx: &Ctx, list: &Value, status: Option<&str>) -> Markup {
    let lang = ctx.lang;
    let vouchers = list["vouchers"].as_array().cloned().unwrap_or_default();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    html! {
        table.list id="vouchers" {
            thead { tr {
                th.num { (lang.t("일련번호", "Serial")) } th { (lang.t("배치", "Batch")) } th.num { (lang.t("금액", "Value")) }
                th { (lang.t("만료일", "Expires on")) } th { (lang.t("상태", "Status")) } th { (lang.t("사용 계정", "Used by")) }
            } }
            tbody {
                @for v in &vouchers {
                    tr {
                        td.num { (text(&v["serial"])) }
                        td { (text(&v["batch"])) }
                        td.num { (money(lang, &text(&v["value"]), &text(&v["currency"]))) }
                        td { (date(lang, &text(&v["expires_on"]))) }
                        td { span class={ "status " (text(&v["status"])) } { (status_name(lang, &text(&v["status"]))) } }
                        td { (text(&v["used_by"])) }
                    }
                }
            }
        }
        @if let Some(after) = list["next_after"].as_i64() {
            p { a href={ "/console/vouchers?after=" (after) @if let Some(s) = status { "&status=" (s) } } { (lang.t("다음 쪽", "Next page")) " →" } }
        }
    }
}

/// A voucher's status in the page's language.
fn status_name(lang: super::Lang, status: &str) -> String {
    match status {
        "unused" => lang.t("미사용", "Unused").to_owned(),
        "used" => lang.t("사용됨", "Used").to_owned(),
        "expired" => lang.t("만료", "Expired").to_owned(),
        other => other.to_owned(),
    }
}

/// A date of the API's JSON, written for the language.
fn date(lang: super::Lang, day: &str) -> String {
    day.parse::<chrono::NaiveDate>()
        .map_or_else(|_| day.to_owned(), |d| lang.date(d))
}

/// An amount of the API's JSON, written for the language (as it came when it is no number).
fn money(lang: super::Lang, value: &str, currency: &str) -> String {
    value
        .parse::<rust_decimal::Decimal>()
        .map_or_else(|_| value.to_owned(), |d| lang.money(d, currency))
}

/// A CSV field: quoted, and a leading `=`, `+`, `-` or `@` defused so a spreadsheet does not
/// read it as a formula.
fn csv_field(text: &str) -> String {
    let safe = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

/// The issued vouchers as CSV: `serial,batch,code,value,currency,expires_on`.
fn csv(vouchers: &[Value]) -> String {
    let mut out = String::from("serial,batch,code,value,currency,expires_on\r\n");
    for v in vouchers {
        let cell = |k: &str| match &v[k] {
            Value::String(s) => csv_field(s),
            Value::Null => String::new(),
            other => csv_field(&other.to_string()),
        };
        let row = ["serial", "batch", "code", "value", "currency", "expires_on"].map(cell);
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `POST /console/vouchers`: `POST /admin/v1/vouchers`, answered with the codes as a CSV
/// download; a refusal comes back as the page with the API's field errors.
pub(super) async fn issue(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).map_or("", |v| v.trim());
    let number = |s: &str| {
        s.replace(',', "")
            .parse::<serde_json::Number>()
            .map_or_else(|_| json!(s), Value::Number)
    };
    let mut body = json!({ "count": number(get("count")), "value": number(get("value")), "expires_on": get("expires_on") });
    if !get("batch").is_empty() {
        body["batch"] = json!(get("batch"));
    }
    match state
        .api()
        .send::<Value>(&ctx.operator(), Method::POST, "/vouchers", body)
        .await
    {
        Ok(issued) => {
            let vouchers = issued["vouchers"].as_array().cloned().unwrap_or_default();
            let batch = vouchers
                .first()
                .and_then(|v| v["batch"].as_str())
                .unwrap_or("vouchers");
            let name: String = batch
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let disposition = format!("attachment; filename=\"vouchers-{name}.csv\"");
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                csv(&vouchers),
            )
                .into_response()
        }
        Err(refused) => {
            show(
                &state,
                &ctx,
                ListQuery::default(),
                &Sent::new("issue", form, refused),
            )
            .await
        }
    }
}

/// `GET /console/tariffs`
pub(super) async fn tariffs(State(state): State<ConsoleState>, ctx: Ctx) -> Response {
    tariff_page(&state, &ctx, &Sent::default()).await
}

async fn tariff_page(state: &ConsoleState, ctx: &Ctx, sent: &Sent) -> Response {
    let ctx = &ctx.at("/console/tariffs".to_owned());
    let lang = ctx.lang;
    let list = state
        .api()
        .get::<Vec<TariffView>>(&ctx.operator(), "/tariffs")
        .await
        .unwrap_or_default();
    let f = "tariff";
    let v = |name: &str| sent.value(f, name).unwrap_or_default();
    let body = html! {
        h1 { (lang.t("요금", "Tariffs")) }
        table.list id="tariffs" {
            thead { tr { th { (lang.t("코드", "Code")) } th.num { (lang.t("단가", "Unit price")) } th { (lang.t("설명", "Description")) } th {} } }
            tbody {
                @for t in &list {
                    tr {
                        td { code { (t.code) } }
                        td.num { (lang.money(t.unit_price, &t.currency)) }
                        td { (t.description) }
                        td {
                            form.inline method="post" action={ "/console/tariffs/" (crate::http::percent_encode(&t.code)) "/delete" } {
                                (layout::csrf(ctx))
                                button.secondary type="submit" { (lang.t("삭제", "Remove")) }
                            }
                        }
                    }
                }
            }
        }
        form.card method="post" action="/console/tariffs" id="tariff" {
            h2 { (lang.t("요금 설정 (같은 코드는 바뀝니다)", "Set a tariff (the same code is changed)")) }
            (layout::csrf(ctx))
            @if let Some(d) = sent.detail(f) { p.error { (d) } }
            div.row {
                (field(lang.t("코드", "Code"), "code", "text", v("code"), sent.error(f, "code")))
                (field(lang.t("통화", "Currency"), "currency", "text", sent.value(f, "currency").unwrap_or("KRW"), sent.error(f, "currency")))
                (field(lang.t("단가", "Unit price"), "unit_price", "text", v("unit_price"), sent.error(f, "unit_price")))
                (field(lang.t("설명", "Description"), "description", "text", v("description"), sent.error(f, "description")))
            }
            button type="submit" { (lang.t("저장", "Save")) }
        }
    };
    (sent.status(), layout::page(ctx, lang.t("요금", "Tariffs"), body)).into_response()
}

fn tariff_answer(result: Result<Value, Refused>) -> Result<Response, Refused> {
    result.map(|_| Redirect::to("/console/tariffs").into_response())
}

/// `POST /console/tariffs`: `PUT /admin/v1/tariffs/{code}`.
pub(super) async fn set_tariff(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| form.get(k).map_or("", |v| v.trim());
    let price = get("unit_price").replace(',', "");
    let unit_price = price
        .parse::<serde_json::Number>()
        .map_or_else(|_| json!(get("unit_price")), Value::Number);
    let body =
        json!({ "currency": get("currency"), "unit_price": unit_price, "description": get("description") });
    let path = format!("/tariffs/{}", crate::http::percent_encode(get("code")));
    let result = state.api().send(&ctx.operator(), Method::PUT, &path, body).await;
    match tariff_answer(result) {
        Ok(done) => done,
        Err(refused) => tariff_page(&state, &ctx, &Sent::new("tariff", form, refused)).await,
    }
}

/// `POST /console/tariffs/{code}/delete`: `DELETE /admin/v1/tariffs/{code}`.
pub(super) async fn delete_tariff(
    State(state): State<ConsoleState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Response {
    let path = format!("/tariffs/{}", crate::http::percent_encode(&code));
    let result = state
        .api()
        .send(&ctx.operator(), Method::DELETE, &path, Value::Null)
        .await;
    match tariff_answer(result) {
        Ok(done) => done,
        Err(refused) => tariff_page(&state, &ctx, &Sent::new("tariff", HashMap::new(), refused)).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        let rows = csv(&[
            json!({"serial": 7, "batch": "=HYPERLINK(\"x\")", "code": "AB12", "value": 5000, "currency": "KRW", "expires_on": "2027-01-31"}),
        ]);
        assert_eq!(
            rows,
            "serial,batch,code,value,currency,expires_on\r\n\"7\",\"'=HYPERLINK(\"\"x\"\")\",\"AB12\",\"5000\",\"KRW\",\"2027-01-31\"\r\n"
        );
    }
}
