//! `/admin/v1/fraud…`: the fraud rules in force (read, replace, back to the configuration's) and
//! the decisions they made, for review (`docs/guides/fraud.md`).

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Operator;
use super::extract::{AdminJson, AdminQuery};
use super::problem::{FieldError, Fields, Problem};
use crate::admin::AdminState;
use crate::fraud::{Fired, Rules};
use crate::scf::fraud::RulesInForce;
use crate::store::fraud::{Decision, DecisionQuery, Review};

/// Largest page of decisions.
const MAX_PAGE: i64 = 500;
/// Longest review note.
const MAX_NOTE: usize = 500;

/// A decision as operators see it.
#[derive(Debug, Serialize, Deserialize)]
pub struct DecisionView {
    /// Its id.
    pub id: i64,
    /// Whose account (E.164).
    pub msisdn: String,
    /// The application (`app:<id>`).
    pub actor: String,
    /// `charge` or `reserve`.
    pub kind: String,
    /// The amount.
    pub amount: Decimal,
    /// Its currency.
    pub currency: String,
    /// The application's reference code.
    pub reference_code: Option<String>,
    /// What happened to the movement: `flag`, `confirm` or `refuse`.
    pub action: String,
    /// The rules that fired and the values they compared.
    pub fired: Vec<Fired>,
    /// `open`, `cleared` or `fraud`.
    pub review: Review,
    /// Who reviewed it.
    pub reviewed_by: Option<String>,
    /// The reviewer's note.
    pub review_note: Option<String>,
    /// When it was reviewed, ms since the epoch.
    pub reviewed_at_ms: Option<i64>,
    /// When it was decided, ms since the epoch.
    pub created_at_ms: i64,
}

impl From<&Decision> for DecisionView {
    fn from(d: &Decision) -> Self {
        Self {
            id: d.id,
            msisdn: d.msisdn.as_str().to_owned(),
            actor: d.actor.clone(),
            kind: d.kind.clone(),
            amount: d.currency.from_minor(d.amount),
            currency: d.currency.code().to_owned(),
            reference_code: d.reference_code.clone(),
            action: d.action.as_str().to_owned(),
            fired: d.fired.clone(),
            review: d.review,
            reviewed_by: d.reviewed_by.clone(),
            review_note: d.review_note.clone(),
            reviewed_at_ms: d.reviewed_at_ms,
            created_at_ms: d.created_at_ms,
        }
    }
}

/// `GET /fraud/rules`: the rules in force and where they come from.
pub async fn rules(State(state): State<AdminState>) -> Result<Json<RulesInForce>, Problem> {
    Ok(Json(state.scf().fraud_rules().await.map_err(scf_problem)?))
}

/// `PUT /fraud/rules`: replaces the rule set (a whole document; keys left out take their
/// defaults). Unusable values are refused together, each named by its path.
pub async fn put_rules(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    AdminJson(rules): AdminJson<Rules>,
) -> Result<Json<RulesInForce>, Problem> {
    let mut errors = Vec::new();
    rules.check("", &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors.iter().map(|e| field_error(e)).collect()));
    }
    let saved = state
        .scf()
        .save_fraud_rules(Some(rules), &operator.actor())
        .await
        .map_err(scf_problem)?;
    tracing::info!(operator = %operator.name, "fraud rules saved");
    Ok(Json(saved))
}

/// `DELETE /fraud/rules`: back to the configuration's rules.
pub async fn reset_rules(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
) -> Result<Json<RulesInForce>, Problem> {
    let rules = state
        .scf()
        .save_fraud_rules(None, &operator.actor())
        .await
        .map_err(scf_problem)?;
    tracing::info!(operator = %operator.name, "fraud rules back to the configuration's");
    Ok(Json(rules))
}

/// A `path: message` line of `Rules::check` as a field error.
fn field_error(line: &str) -> FieldError {
    let (field, message) = line.split_once(": ").unwrap_or(("rules", line));
    FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Query of `GET /fraud/decisions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only with this review: `open`, `cleared`, `fraud`.
    review: Option<String>,
    /// Only on this account.
    msisdn: Option<String>,
    /// Only older than this id (the previous page's last id).
    before: Option<i64>,
    /// Page size, 1 to 500 (default 100).
    limit: Option<i64>,
}

/// `GET /fraud/decisions?review=&msisdn=&before=&limit=`: newest first.
pub async fn decisions(
    State(state): State<AdminState>,
    AdminQuery(q): AdminQuery<ListQuery>,
) -> Result<Json<Vec<DecisionView>>, Problem> {
    let mut f = Fields::default();
    let review = q
        .review
        .as_deref()
        .and_then(|r| f.check("review", r.parse::<Review>()));
    let cc = &state.locale().default_country_code;
    let msisdn = q
        .msisdn
        .as_deref()
        .and_then(|m| f.check("msisdn", crate::domain::Msisdn::parse(m, cc)));
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        f.push("limit", format!("1 to {MAX_PAGE}"));
    }
    f.finish()?;
    let query = DecisionQuery {
        review,
        msisdn,
        before_id: q.before,
        limit,
    };
    let page = state.store().fraud_decisions(&query).await?;
    Ok(Json(page.iter().map(DecisionView::from).collect()))
}

/// `GET /fraud/decisions/{id}`.
pub async fn decision(
    State(state): State<AdminState>,
    Path(id): Path<i64>,
) -> Result<Json<DecisionView>, Problem> {
    let found = state.store().fraud_decision(id).await?;
    found
        .map(|d| Json(DecisionView::from(&d)))
        .ok_or_else(|| Problem::not_found("no such decision"))
}

/// Body of `POST /fraud/decisions/{id}/review`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// `cleared`, `fraud`, or `open` again.
    review: String,
    /// Why, for the next reader.
    #[serde(default)]
    note: Option<String>,
}

/// `POST /fraud/decisions/{id}/review`: records the operator's judgement.
pub async fn review(
    State(state): State<AdminState>,
    Extension(operator): Extension<Operator>,
    Path(id): Path<i64>,
    AdminJson(body): AdminJson<ReviewBody>,
) -> Result<Json<DecisionView>, Problem> {
    let mut f = Fields::default();
    let review = f.check("review", body.review.parse::<Review>());
    if body.note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
        f.push("note", format!("at most {MAX_NOTE} characters"));
    }
    f.finish()?;
    let review = review.ok_or_else(|| Problem::malformed("invalid review"))?;
    let d = state
        .store()
        .review_fraud_decision(
            id,
            review,
            &operator.actor(),
            body.note.as_deref(),
            state.now().at_ms,
        )
        .await
        .map_err(|e| match e {
            crate::store::StoreError::NotFound => Problem::not_found("no such decision"),
            other => other.into(),
        })?;
    tracing::info!(operator = %operator.name, decision = id, review = review.as_str(), "fraud decision reviewed");
    Ok(Json(DecisionView::from(&d)))
}

/// The rules are read and saved through the service functions; their only failure is the store's.
fn scf_problem(e: crate::scf::ScfError) -> Problem {
    tracing::error!(error = %e, "fraud rules");
    Problem::unavailable()
}
