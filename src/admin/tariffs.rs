//! `/admin/v1/tariffs…`: the operator's prices for volume charging and charging codes
//! (ES 202 391-6 VolumeCharging converts a volume into money with them; a `ChargingInformation`
//! with a `code` and no amount is priced by them too).

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Operator;
use super::extract::AdminJson;
use super::problem::{Fields, Problem};
use crate::admin::AdminState;
use crate::domain::Currency;
use crate::store::StoreError;
use crate::store::payment::Tariff;

/// Longest tariff code and description.
const MAX_TEXT: usize = 64;

/// A tariff as operators see it.
#[derive(Debug, Serialize, Deserialize)]
pub struct TariffView {
    /// The code applications name (`parameters` name `tariff`, or `ChargingInformation.code`).
    pub code: String,
    /// ISO 4217 code of the price.
    pub currency: String,
    /// Price of one unit.
    pub unit_price: Decimal,
    /// What it is for.
    pub description: String,
}

impl From<&Tariff> for TariffView {
    fn from(t: &Tariff) -> Self {
        Self {
            code: t.code.clone(),
            currency: t.currency.code().to_owned(),
            unit_price: t.currency.from_minor(t.unit_price),
            description: t.description.clone(),
        }
    }
}

/// Body of `PUT /tariffs/{code}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutTariff {
    currency: String,
    unit_price: Decimal,
    #[serde(default)]
    description: String,
}

impl PutTariff {
    fn validate(self, code: &str) -> Result<Tariff, Problem> {
        let mut f = Fields::default();
        let valid_code = !code.is_empty()
            && code.len() <= MAX_TEXT
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !valid_code {
            f.push(
                "code",
                format!("1 to {MAX_TEXT} of letters, digits, '-', '_', '.'"),
            );
        }
        let currency = f.check("currency", Currency::from_code(&self.currency));
        let unit_price =
            currency.and_then(|c| f.check("unit_price", c.to_positive_minor(self.unit_price.normalize())));
        if self.description.chars().count() > MAX_TEXT {
            f.push("description", format!("at most {MAX_TEXT} characters"));
        }
        f.finish()?;
        match (currency, unit_price) {
            (Some(currency), Some(unit_price)) => Ok(Tariff {
                code: code.to_owned(),
                currency,
                unit_price,
                description: self.description,
            }),
            _ => Err(Problem::malformed("invalid tariff")),
        }
    }
}

/// `PUT /tariffs/{code}`: creates (201) or replaces (200) a tariff.
pub async fn put(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(code): Path<String>,
    AdminJson(body): AdminJson<PutTariff>,
) -> Result<Response, Problem> {
    let tariff = body.validate(&code)?;
    let store = state.store();
    let existed = store.tariff(&code).await?.is_some();
    store.put_tariff(&tariff, state.now().at_ms).await?;
    tracing::info!(operator = %operator.name, %code, "tariff set");
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(TariffView::from(&tariff))).into_response())
}

/// `GET /tariffs`
pub async fn list(State(state): State<AdminState>) -> Result<Json<Vec<TariffView>>, Problem> {
    Ok(Json(
        state
            .store()
            .tariffs()
            .await?
            .iter()
            .map(TariffView::from)
            .collect(),
    ))
}

/// `GET /tariffs/{code}`
pub async fn show(
    State(state): State<AdminState>,
    Path(code): Path<String>,
) -> Result<Json<TariffView>, Problem> {
    let tariff = state
        .store()
        .tariff(&code)
        .await?
        .ok_or_else(|| Problem::not_found("no tariff with this code"))?;
    Ok(Json(TariffView::from(&tariff)))
}

/// `DELETE /tariffs/{code}`
pub async fn delete(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(code): Path<String>,
) -> Result<StatusCode, Problem> {
    match state.store().delete_tariff(&code).await {
        Ok(()) => {
            tracing::info!(operator = %operator.name, %code, "tariff removed");
            Ok(StatusCode::NO_CONTENT)
        }
        Err(StoreError::NotFound) => Err(Problem::not_found("no tariff with this code")),
        Err(e) => Err(e.into()),
    }
}
